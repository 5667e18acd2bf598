// The sequence diagram's export dialog: the range (window shown, whole history, a typed range),
// format and file name kept in step, mistakes named before anything is written, the journey and
// arrow-cap choices, the last folder and format remembered; and the panel exporting what it asks.
#include "exampletrace.h"
#include "isolatedsettings.h"
#include "journeymodel.h"
#include "sequenceexportdialog.h"
#include "sequencepanel.h"
#include "sequenceview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace sb;
using Range = SequenceExportRequest::Range;

Q_DECLARE_METATYPE(SequenceExportRequest::Range)

class TestSequenceExportDialog : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void ranges_data();
    void ranges();
    void mistakesAreNamed_data();
    void mistakesAreNamed();
    void formatAndFileNameKeepInStep();
    void arrowCapOnlyForText();
    void journeyNeedsASelection();
    void remembersFolderAndFormat();
    void acceptedOnlyWhenValid();
    void panelExportsATypedRange();
    void panelExportsOneJourney();
    void panelPictureOfTheWholeHistoryFits();

private:
    SequenceExportDialog::Context context() const;
    QTemporaryDir m_dir;
};

SequenceExportDialog::Context TestSequenceExportDialog::context() const
{
    SequenceExportDialog::Context c;
    c.visibleFrom = 100 * kMillisecond;
    c.visibleTo = 150 * kMillisecond;
    c.firstTime = 0;
    c.lastTime = 2 * kSecond;
    return c;
}

void TestSequenceExportDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestSequenceExportDialog::ranges_data()
{
    QTest::addColumn<Range>("range");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<SimTime>("expectedFrom");
    QTest::addColumn<SimTime>("expectedTo");
    QTest::newRow("window shown") << Range::Visible << ""
                                  << "" << 100 * kMillisecond << 150 * kMillisecond;
    QTest::newRow("whole history") << Range::Whole << ""
                                   << "" << SimTime(0) << 2 * kSecond + 1;
    QTest::newRow("typed, units") << Range::Custom << "1.5s"
                                  << "1750ms" << 1500 * kMillisecond << 1750 * kMillisecond;
    QTest::newRow("typed, bare seconds") << Range::Custom << "0.25"
                                         << "1" << 250 * kMillisecond << kSecond;
    QTest::newRow("typed, micro") << Range::Custom << "40us"
                                  << "90us" << 40 * kMicrosecond << 90 * kMicrosecond;
}

void TestSequenceExportDialog::ranges()
{
    QFETCH(Range, range);
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(SimTime, expectedFrom);
    QFETCH(SimTime, expectedTo);
    SequenceExportDialog dialog(context());
    dialog.setPath(m_dir.filePath(QStringLiteral("out.svg")));
    if (range == Range::Custom)
        dialog.setCustomRange(from, to);
    else
        dialog.setRange(range);
    QVERIFY2(dialog.isValid(), qPrintable(dialog.problem()));
    const SequenceExportRequest r = dialog.request();
    QCOMPARE(r.range, range);
    QCOMPARE(r.from, expectedFrom);
    QCOMPARE(r.to, expectedTo);
    QCOMPARE(r.path, m_dir.filePath(QStringLiteral("out.svg")));
    // The typed fields are only editable for a typed range.
    QCOMPARE(dialog.fromEdit()->isEnabled(), range == Range::Custom);
}

void TestSequenceExportDialog::mistakesAreNamed_data()
{
    QTest::addColumn<QString>("path"); // DIR stands for the test's folder
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("mention");
    QTest::newRow("from is no time") << "DIR/a.svg"
                                     << "soon"
                                     << "2s"
                                     << "From: \u201csoon\u201d is not a time";
    QTest::newRow("to is no time") << "DIR/a.svg"
                                   << "1s"
                                   << "later"
                                   << "To: \u201clater\u201d is not a time";
    QTest::newRow("empty range") << "DIR/a.svg"
                                 << "2s"
                                 << "1s"
                                 << "The range is empty";
    QTest::newRow("no file name") << ""
                                  << "1s"
                                  << "2s"
                                  << "choose a file name";
    QTest::newRow("wrong extension") << "DIR/a.txt"
                                     << "1s"
                                     << "2s"
                                     << "must end in .svg";
    QTest::newRow("no such folder") << "DIR/missing/a.svg"
                                    << "1s"
                                    << "2s"
                                    << "does not exist";
}

void TestSequenceExportDialog::mistakesAreNamed()
{
    QFETCH(QString, path);
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, mention);
    SequenceExportDialog dialog(context());
    dialog.setFormat(QStringLiteral("svg"));
    dialog.setPath(path.replace(QStringLiteral("DIR"), m_dir.path()));
    dialog.setCustomRange(from, to);
    QVERIFY(!dialog.isValid());
    QVERIFY2(dialog.problem().contains(mention), qPrintable(dialog.problem()));
    QVERIFY(!dialog.exportButton()->isEnabled());
    // Put right, the button comes back.
    dialog.setPath(m_dir.filePath(QStringLiteral("a.svg")));
    dialog.setCustomRange(QStringLiteral("1s"), QStringLiteral("2s"));
    QVERIFY2(dialog.isValid(), qPrintable(dialog.problem()));
    QVERIFY(dialog.exportButton()->isEnabled());
}

void TestSequenceExportDialog::formatAndFileNameKeepInStep()
{
    SequenceExportDialog dialog(context());
    dialog.setPath(m_dir.filePath(QStringLiteral("run.svg")));
    dialog.setFormat(QStringLiteral("puml"));
    QCOMPARE(dialog.path(), m_dir.filePath(QStringLiteral("run.puml")));
    // Typing another extension picks its format; an alias keeps the name as typed.
    dialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("run.mermaid")));
    QCOMPARE(dialog.format(), QStringLiteral("mmd"));
    QCOMPARE(dialog.path(), m_dir.filePath(QStringLiteral("run.mermaid")));
    QVERIFY(dialog.isValid());
    dialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("run.PDF")));
    QCOMPARE(dialog.format(), QStringLiteral("pdf"));
    auto *combo = dialog.findChild<QComboBox *>(QStringLiteral("sequenceExportFormat"));
    QVERIFY(combo);
    combo->setCurrentIndex(int(SequenceExportDialog::formats().indexOf(QStringLiteral("shiviz"))));
    QCOMPARE(dialog.path(), m_dir.filePath(QStringLiteral("run.shiviz")));
}

void TestSequenceExportDialog::arrowCapOnlyForText()
{
    SequenceExportDialog dialog(context());
    for (const QString &f : SequenceExportDialog::formats()) {
        dialog.setFormat(f);
        QCOMPARE(dialog.maxArrowsBox()->isEnabled(), SequenceExportDialog::isTextFormat(f));
    }
    dialog.setFormat(QStringLiteral("mmd"));
    dialog.maxArrowsBox()->setValue(42);
    QCOMPARE(dialog.request().maxArrows, std::size_t(42));
}

void TestSequenceExportDialog::journeyNeedsASelection()
{
    SequenceExportDialog none(context());
    QVERIFY(!none.journeyBox()->isEnabled());
    none.journeyBox()->setChecked(true);
    QCOMPARE(none.request().messageId, std::uint64_t(0));

    auto c = context();
    c.selectedMessage = 12;
    SequenceExportDialog one(c);
    QVERIFY(one.journeyBox()->isEnabled());
    QVERIFY(one.journeyBox()->text().contains(QStringLiteral("12")));
    QCOMPARE(one.request().messageId, std::uint64_t(0));
    one.journeyBox()->setChecked(true);
    QCOMPARE(one.request().messageId, std::uint64_t(12));
}

void TestSequenceExportDialog::remembersFolderAndFormat()
{
    QDir(m_dir.path()).mkpath(QStringLiteral("exports"));
    {
        SequenceExportDialog dialog(context());
        dialog.setPath(m_dir.filePath(QStringLiteral("exports/a.puml")));
        QCOMPARE(dialog.format(), QStringLiteral("puml"));
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    SequenceExportDialog next(context());
    QCOMPARE(next.format(), QStringLiteral("puml"));
    QCOMPARE(QFileInfo(next.path()).absolutePath(),
             QFileInfo(m_dir.filePath(QStringLiteral("exports"))).absoluteFilePath());
    QVERIFY(next.path().endsWith(QLatin1String(".puml")));
}

void TestSequenceExportDialog::acceptedOnlyWhenValid()
{
    SequenceExportDialog dialog(context());
    QSignalSpy accepted(&dialog, &QDialog::accepted);
    dialog.setPath(m_dir.filePath(QStringLiteral("x.svg")));
    dialog.setCustomRange(QStringLiteral("3s"), QStringLiteral("1s"));
    dialog.accept();
    QCOMPARE(accepted.count(), 0);
    dialog.setCustomRange(QStringLiteral("1s"), QStringLiteral("3s"));
    QTest::mouseClick(dialog.exportButton(), Qt::LeftButton);
    QCOMPARE(accepted.count(), 1);
}

namespace {
struct FedPanel {
    SequencePanel panel;
    sbtest::ExampleTrace trace;
    explicit FedPanel(SimTime until)
    {
        trace = sbtest::runExample("work-queue.json", until);
        panel.resize(900, 500);
        panel.reset(trace.nodeIds, trace.nodeKinds, trace.linkIds);
        panel.append(trace.events);
    }
};

QList<QByteArray> arrowLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QList<QByteArray> out;
    for (const QByteArray &l : f.readAll().split('\n'))
        if (QRegularExpression(QStringLiteral("^    \\w+(->>|-x|-\\))\\w+: "))
                .match(QString::fromUtf8(l))
                .hasMatch())
            out << l;
    return out;
}
} // namespace

void TestSequenceExportDialog::panelExportsATypedRange()
{
    FedPanel f(1 * kSecond);
    SequenceExportRequest r;
    r.path = m_dir.filePath(QStringLiteral("range.mmd"));
    r.range = Range::Custom;
    r.from = 400 * kMillisecond;
    r.to = 500 * kMillisecond;
    r.maxArrows = 100000;
    QString error;
    QVERIFY2(f.panel.exportRequest(r, &error), qPrintable(error));
    const QList<QByteArray> arrows = arrowLines(r.path);
    QVERIFY(arrows.size() > 5);
    // Every arrow is sent inside the range: "t=SEND..ARRIVAL".
    const QRegularExpression sent(QStringLiteral(" t=([0-9.]+)(ms|s|us|ns)"));
    for (const QByteArray &l : arrows) {
        const auto m = sent.match(QString::fromUtf8(l));
        QVERIFY2(m.hasMatch(), l.constData());
        const auto t = parseDuration((m.captured(1) + m.captured(2)).toStdString(), "s");
        QVERIFY(t);
        QVERIFY2(*t >= r.from && *t <= r.to, l.constData());
    }
    // The cap applies.
    r.maxArrows = 3;
    QVERIFY2(f.panel.exportRequest(r, &error), qPrintable(error));
    QCOMPARE(arrowLines(r.path).size(), qsizetype(3));
}

void TestSequenceExportDialog::panelExportsOneJourney()
{
    FedPanel f(1 * kSecond);
    SequenceExportRequest r;
    r.path = m_dir.filePath(QStringLiteral("journey.puml"));
    r.range = Range::Whole;
    r.from = 0;
    r.to = kSecond;
    r.messageId = 7;
    QString error;
    QVERIFY2(f.panel.exportRequest(r, &error), qPrintable(error));
    QFile file(r.path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    int arrows = 0;
    for (const QByteArray &l : file.readAll().split('\n')) {
        if (!l.contains(" -> ") && !l.contains(" ->x ")) continue;
        ++arrows;
        QVERIFY2(l.contains(" m7 ") || l.contains(" m7:") || l.endsWith(" m7"), l.constData());
    }
    QVERIFY(arrows >= 3); // publish, deliver, ack at least
}

void TestSequenceExportDialog::panelPictureOfTheWholeHistoryFits()
{
    FedPanel f(5 * kSecond);
    SequenceExportRequest r;
    r.path = m_dir.filePath(QStringLiteral("whole.png"));
    r.range = Range::Whole;
    r.from = f.panel.history().firstTime();
    r.to = f.panel.history().lastTime() + 1;
    QString error;
    QVERIFY2(f.panel.exportRequest(r, &error), qPrintable(error));
    const QImage image(r.path);
    QVERIFY(!image.isNull());
    // Five seconds at the default 50 µs a pixel would be 100,000 px: the picture is fitted instead.
    QVERIFY2(image.height() <= 12000 + 42 + 16 + 20, qPrintable(QString::number(image.height())));
    QVERIFY(image.height() > 1000);
}

QTEST_MAIN(TestSequenceExportDialog)
#include "tst_sequenceexportdialog.moc"
