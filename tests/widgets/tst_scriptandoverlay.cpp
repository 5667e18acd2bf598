// The window's parts for issue 15's kinds: the peer-to-peer overlay generator (dialog and one undo
// step), a scripted node's code in the Properties dock (a code editor that marks the error line),
// and a scripted node taken out of a run (marked on the canvas, its error in the Properties dock).
#include "canvasitems.h"
#include "canvasscene.h"
#include "codeeditor.h"
#include "enginehost.h"
#include "isolatedsettings.h"
#include "liveoverlay.h"
#include "mainwindow.h"
#include "overlaydialog.h"
#include "propertyeditor.h"
#include "topologydocument.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

using namespace sb;

namespace {

constexpr int kRunTimeout = 30000;

bool run(MainWindow &window)
{
    QSignalSpy finished(window.engine(), &EngineHost::finished);
    window.findChild<QAction *>(QStringLiteral("runAction"))->trigger();
    return finished.wait(kRunTimeout);
}

// A producer feeding a script whose on_message fails on its third line.
Topology brokenScript()
{
    const std::string file = R"({"format": "signalbox-topology", "version": 1, "nodes": [
        {"id": "p", "kind": "producer", "properties": {"rate": 10, "count": 5}},
        {"id": "s", "kind": "script", "properties": {"script":
            "function on_message(ctx, msg)\n  local t = nil\n  return t.field\nend\n"}}],
        "links": [{"id": "l", "from": "p", "to": "s"}], "run": {"until": "2s"}})";
    const LoadResult r = parseTopology(file, "broken.json");
    if (!r.ok()) qWarning("%s", r.errorText().c_str());
    return r.ok() ? *r.topology : Topology{};
}

} // namespace

class TestScriptAndOverlay : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void overlayDialogPreviewsAndRefuses();
    void overlayIsOneUndoStepBesideTheCanvas();
    void largeOverlayIsAdded();
    void codePropertyOpensACodeEditorThatMarksTheErrorLine();
    void scriptErrorMarksTheNodeAndTheProperties();
    void coverageCountsLearnEvents();
    void gossipRunLeavesEveryPeerCovered();

private:
    QTemporaryDir m_dir;
};

void TestScriptAndOverlay::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sbtest::isolateUserFiles(m_dir);
}

void TestScriptAndOverlay::overlayDialogPreviewsAndRefuses()
{
    OverlayDialog dialog;
    auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(ok->isEnabled());
    QVERIFY2(dialog.previewLabel()->text().contains(QStringLiteral("100 peers")),
             qPrintable(dialog.previewLabel()->text()));
    QString error;
    const QJsonObject json = QJsonDocument::fromJson(dialog.topologyJson(&error)).object();
    QCOMPARE(json.value("nodes").toArray().size(), 100);
    // Random regular with an odd degree sum: refused with the reason, OK disabled.
    dialog.shapeBox()->setCurrentIndex(dialog.shapeBox()->findData(QStringLiteral("random-regular")));
    dialog.peersBox()->setValue(5);
    dialog.findChild<QSpinBox *>(QStringLiteral("overlayDegree"))->setValue(3);
    QVERIFY(!ok->isEnabled());
    QVERIFY2(dialog.previewLabel()->text().startsWith(QStringLiteral("Cannot generate")),
             qPrintable(dialog.previewLabel()->text()));
    QVERIFY(dialog.topologyJson(&error).isEmpty());
    QVERIFY(error.contains(QStringLiteral("even")));
    dialog.peersBox()->setValue(6);
    QVERIFY(ok->isEnabled());
    QVERIFY(dialog.previewLabel()->text().contains(QStringLiteral("9 links")));
}

void TestScriptAndOverlay::overlayIsOneUndoStepBesideTheCanvas()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/work-queue.json")));
    const std::size_t before = window.document()->topology().nodes.size();
    double right = -1e9;
    for (const NodeDef &n : window.document()->topology().nodes)
        right = std::max(right, n.position.x);
    OverlayDialog dialog;
    dialog.shapeBox()->setCurrentIndex(dialog.shapeBox()->findData(QStringLiteral("ring")));
    dialog.peersBox()->setValue(12);
    QString error;
    const QStringList ids = window.addOverlay(dialog.topologyJson(&error), &error);
    QVERIFY2(ids.size() == 12, qPrintable(error));
    const Topology &t = window.document()->topology();
    QCOMPARE(t.nodes.size(), before + 12);
    for (const QString &id : ids) {
        const auto i = t.nodeIndex(id.toStdString());
        QVERIFY(i);
        QCOMPARE(t.nodes[*i].kind, std::string("peer"));
        QVERIFY(t.nodes[*i].position.x > right); // beside, not on top of, what was there
        QVERIFY(window.canvasScene()->nodeItem(id));
    }
    QVERIFY(window.document()->undoStack()->undoText().contains(QStringLiteral("overlay")));
    window.document()->undoStack()->undo();
    QCOMPARE(window.document()->topology().nodes.size(), before);
    window.document()->undoStack()->redo();
    QCOMPARE(window.document()->topology().nodes.size(), before + 12);
}

void TestScriptAndOverlay::largeOverlayIsAdded()
{
    // A thousand peers land as one step (paste keeps its ids linear) and the canvas holds them.
    MainWindow window;
    window.show();
    window.newDocument();
    OverlayDialog dialog;
    dialog.shapeBox()->setCurrentIndex(dialog.shapeBox()->findData(QStringLiteral("barabasi-albert")));
    dialog.peersBox()->setValue(1000);
    QString error;
    const QByteArray json = dialog.topologyJson(&error);
    QVERIFY2(!json.isEmpty(), qPrintable(error));
    QCOMPARE(window.addOverlay(json, &error).size(), 1000);
    QCOMPARE(window.document()->topology().links.size(), std::size_t(1000 * 2 - 3)); // BA, m = 2
    QCOMPARE(window.document()->undoStack()->count(), 1);
}

void TestScriptAndOverlay::codePropertyOpensACodeEditorThatMarksTheErrorLine()
{
    MainWindow window;
    window.show();
    window.newDocument();
    QString error;
    const QString id = window.document()->addNode(QStringLiteral("script"), QPointF(0, 0), &error);
    QVERIFY2(!id.isEmpty(), qPrintable(error));
    window.selectNode(id);
    PropertyEditor *editor = window.propertyEditor();
    auto *button = editor->findChild<QPushButton *>(QStringLiteral("script"));
    QVERIFY(button);
    QCOMPARE(button->text(), QStringLiteral("Edit code…"));
    QSignalSpy changed(editor, &PropertyEditor::propertyEdited);
    // In the dialog: a syntax error on line 2 is refused and marked; the fix is taken.
    bool sawError = false;
    QTimer::singleShot(0, this, [&] {
        auto *dialog = editor->findChild<QDialog *>(QStringLiteral("codeDialog"));
        QVERIFY(dialog);
        auto *code = dialog->findChild<CodeEditor *>();
        auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        code->setPlainText(QStringLiteral("function on_message(ctx, msg)\n  if then\nend\n"));
        ok->click();
        sawError = dialog->isVisible() && code->errorLine() == 2 &&
                   dialog->findChild<QLabel *>(QStringLiteral("codeError"))->isVisible();
        code->setPlainText(QStringLiteral("function on_message(ctx, msg)\n  ctx:forward('out', msg)\nend\n"));
        ok->click();
    });
    button->click();
    QVERIFY(sawError);
    QCOMPARE(changed.count(), 1);
    const auto i = window.document()->topology().nodeIndex(id.toStdString());
    QVERIFY(window.document()
                ->topology()
                .nodes[*i]
                .properties.value("script", std::string())
                .find("ctx:forward") != std::string::npos);
}

void TestScriptAndOverlay::scriptErrorMarksTheNodeAndTheProperties()
{
    MainWindow window;
    window.show();
    window.newDocument();
    QString error;
    QVERIFY2(window.document()->setTopology(brokenScript(), &error), qPrintable(error));
    QVERIFY(run(window));
    CanvasScene *scene = window.canvasScene();
    QVERIFY2(scene->nodeProblem(QStringLiteral("s")).contains(QStringLiteral("Line 3")),
             qPrintable(scene->nodeProblem(QStringLiteral("s"))));
    QVERIFY(scene->nodeProblem(QStringLiteral("p")).isEmpty());
    QVERIFY(
        scene->nodeItem(QStringLiteral("s"))->liveToolTip().contains(QStringLiteral("Taken out of the run")));
    window.selectNode(QStringLiteral("s"));
    QCOMPARE(window.propertyEditor()->runInfoTitle(), QStringLiteral("Taken out of the run"));
    QVERIFY(window.propertyEditor()->runInfoLines().join(' ').contains(QStringLiteral("Line 3")));
    // The next run starts clean.
    QSignalSpy problems(scene, &CanvasScene::nodeProblemsChanged);
    QVERIFY(run(window));
    QVERIFY(problems.count() >= 1);
}

void TestScriptAndOverlay::coverageCountsLearnEvents()
{
    const LoadResult r = parseTopology(R"({"format": "signalbox-topology", "version": 1, "nodes": [
        {"id": "a", "kind": "peer"}, {"id": "b", "kind": "peer"}, {"id": "c", "kind": "peer"}],
        "links": [{"id": "ab", "from": "a", "to": "b"}, {"id": "bc", "from": "b", "to": "c"}]})",
                                       "peers.json");
    QVERIFY(r.ok());
    LiveOverlay overlay;
    overlay.begin(*r.topology);
    QCOMPARE(overlay.coverage(QStringLiteral("a")), -1.0); // nothing learned yet: no heat at all
    auto learn = [](NodeIndex node, std::uint64_t item) {
        TraceEvent e;
        e.kind = TraceKind::Learn;
        e.node = node;
        e.messageId = item;
        return e;
    };
    QStringList changed;
    overlay.addEvents({learn(0, 1), learn(0, 2), learn(1, 1)}, &changed);
    QVERIFY(changed.contains(QStringLiteral("a")) && changed.contains(QStringLiteral("b")));
    QVERIFY(!changed.contains(QStringLiteral("c")));
    QCOMPARE(overlay.coverage(QStringLiteral("a")), 1.0);
    QCOMPARE(overlay.coverage(QStringLiteral("b")), 0.5);
    QCOMPARE(overlay.coverage(QStringLiteral("c")), 0.0);
    QCOMPARE(overlay.learned(QStringLiteral("a")), 2u);
    overlay.begin(*r.topology); // a new run starts cold
    QCOMPARE(overlay.coverage(QStringLiteral("a")), -1.0);
}

void TestScriptAndOverlay::gossipRunLeavesEveryPeerCovered()
{
    MainWindow window;
    window.show();
    QVERIFY(window.openFile(QStringLiteral(SIGNALBOX_EXAMPLES_DIR "/p2p-gossip-epidemic.json")));
    QVERIFY(run(window));
    const LiveOverlay &live = window.canvasScene()->live();
    int covered = 0, peers = 0;
    for (const NodeDef &n : window.document()->topology().nodes) {
        if (n.kind != "peer") continue;
        ++peers;
        const QString id = QString::fromStdString(n.id);
        QVERIFY(live.coverage(id) >= 0);
        covered += live.learned(id) > 0;
    }
    QVERIFY(peers >= 100);
    QVERIFY2(covered > peers * 9 / 10, qPrintable(QStringLiteral("%1 of %2").arg(covered).arg(peers)));
    const QString first = QString::fromStdString(window.document()->topology().nodes.front().id);
    QVERIFY(window.canvasScene()->nodeItem(first)->liveToolTip().contains(QStringLiteral("Learned")));
}

QTEST_MAIN(TestScriptAndOverlay)
#include "tst_scriptandoverlay.moc"
