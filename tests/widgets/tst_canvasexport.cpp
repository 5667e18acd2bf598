// Pictures of the canvas: SVG is well-formed XML covering every item, PNG is an image at twice the
// canvas's size, PDF is a PDF; bad paths are refused with the file named, and the selection is
// the same afterwards.
#include "canvasexport.h"
#include "canvasitems.h"
#include "canvasscene.h"
#include "topologydocument.h"

#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace sb;

class TestCanvasExport : public QObject {
    Q_OBJECT

private slots:
    void init();
    void svgIsWellFormedAndCoversTheItems();
    void pngAndPdf_data();
    void pngAndPdf();
    void refusals_data();
    void refusals();

private:
    std::unique_ptr<TopologyDocument> m_doc;
    std::unique_ptr<CanvasScene> m_scene;
    QTemporaryDir m_dir;
};

void TestCanvasExport::init()
{
    m_doc = std::make_unique<TopologyDocument>();
    m_scene = std::make_unique<CanvasScene>(m_doc.get());
    const LoadResult r = loadTopologyFile(SIGNALBOX_EXAMPLES_DIR "/topic-routing.json");
    QVERIFY(r.ok());
    QVERIFY(m_doc->setTopology(*r.topology));
}

void TestCanvasExport::svgIsWellFormedAndCoversTheItems()
{
    m_scene->nodeItem(m_doc->nodeIds().first())->setSelected(true);
    const QString path = m_dir.filePath("canvas.svg");
    QString error;
    QVERIFY2(exportCanvas(*m_scene, path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    int shapes = 0;
    QString viewBox;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement()) continue;
        if (xml.name() == QLatin1String("svg")) viewBox = xml.attributes().value("viewBox").toString();
        if (xml.name() == QLatin1String("path") || xml.name() == QLatin1String("polyline") ||
            xml.name() == QLatin1String("polygon") || xml.name() == QLatin1String("rect"))
            ++shapes;
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    // The picture spans the items plus a margin, and draws at least a shape per node and link.
    QRectF items;
    for (QGraphicsItem *item : m_scene->items())
        if (item->type() == NodeItemType || item->type() == LinkItemType) items |= item->sceneBoundingRect();
    const QStringList box = viewBox.split(QLatin1Char(' '));
    QCOMPARE(box.size(), 4);
    QCOMPARE(qRound(box[2].toDouble()), qRound(items.width() + 48));
    QVERIFY(shapes >= int(m_doc->topology().nodes.size() + m_doc->topology().links.size()));
    QCOMPARE(m_scene->selectedNodeIds().size(), 1); // the selection came back
}

void TestCanvasExport::pngAndPdf_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("png") << "canvas.png";
    QTest::newRow("pdf") << "canvas.pdf";
}

void TestCanvasExport::pngAndPdf()
{
    QFETCH(QString, file);
    const QString path = m_dir.filePath(file);
    QString error;
    QVERIFY2(exportCanvas(*m_scene, path, &error), qPrintable(error));
    if (file.endsWith(".png")) {
        QImage image(path);
        QVERIFY(!image.isNull());
        QRectF items;
        for (QGraphicsItem *item : m_scene->items())
            if (item->type() == NodeItemType || item->type() == LinkItemType)
                items |= item->sceneBoundingRect();
        QCOMPARE(image.width(), int((items.width() + 48) * 2));
    } else {
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().startsWith("%PDF-"));
    }
}

void TestCanvasExport::refusals_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("mention");
    QTest::newRow("extension") << "canvas.bmp"
                               << ".svg, .png or .pdf";
    QTest::newRow("missing folder") << "no/such/canvas.png"
                                    << "cannot write";
}

void TestCanvasExport::refusals()
{
    QFETCH(QString, file);
    QFETCH(QString, mention);
    QString error;
    QVERIFY(!exportCanvas(*m_scene, m_dir.filePath(file), &error));
    QVERIFY2(error.contains(mention) && error.contains(QFileInfo(file).fileName()), qPrintable(error));
}

QTEST_MAIN(TestCanvasExport)
#include "tst_canvasexport.moc"
