// GUI frame-time benchmark (a program, not a timed test). The main window (offscreen, 1600x1000)
// runs a bundled example with the engine as fast as possible, made endless (no message limit, a
// long stop time) so that it runs for the whole measurement; the canvas animates it live. A 16 ms
// QTimer on the GUI thread records the interval between its ticks (how late the GUI thread gets
// to it) and the time of each frame's canvas repaint (wall and the GUI thread's CPU time: on a
// shared, loaded machine the CPU time is the steadier figure). Prints p50/p99 in ms, and the
// engine's rate.
//
//   bench_frames [--seconds S] [--example NAME.json] [--rate MSG_PER_S] [--overlay N]
//
// --overlay N runs N gossiping peers instead of an example: a Watts-Strogatz overlay (k = 2, beta
// 0.1, force-directed) from the overlay generator, push-pull gossip with fanout 2 every 100 ms, one
// peer originating an item every 50 ms (the "canvas frame time with 1,000 peers live").
#include "canvasscene.h"
#include "canvasview.h"
#include "enginehost.h"
#include "livestats.h"
#include "mainwindow.h"
#include "nodes/p2p/overlay.h"
#include "topologydocument.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

using namespace sb;

namespace {

// Counts the paint events a widget receives: the canvas's viewport gets the timer's repaint and
// the ones its scene's updates ask for.
class PaintCounter : public QObject {
public:
    int paints = 0;

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::Paint) ++paints;
        return false;
    }
};

struct Figures {
    double p50, p99, max;
};

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

Figures figures(std::vector<double> v)
{
    if (v.empty()) return {0, 0, 0};
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, std::size_t(q * double(v.size())))]; };
    return {at(0.5), at(0.99), v.back()};
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    double seconds = 5;
    std::string example = "work-queue.json";
    double rate = 20000;
    int overlayPeers = 0;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--overlay")) overlayPeers = std::max(2, std::atoi(argv[i + 1]));
        if (!std::strcmp(argv[i], "--seconds")) seconds = std::max(1.0, std::atof(argv[i + 1]));
        if (!std::strcmp(argv[i], "--example")) example = argv[i + 1];
        if (!std::strcmp(argv[i], "--rate")) rate = std::atof(argv[i + 1]);
    }
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true); // keep the run store and settings out of the user's

    // The example, endless: producers without a message limit at `rate`, stopping far away.
    const std::string path = std::string(SIGNALBOX_EXAMPLES_DIR "/") + example;
    LoadResult loaded;
    if (overlayPeers > 0) {
        OverlayParams params;
        params.shape = OverlayShape::WattsStrogatz;
        params.n = overlayPeers;
        params.k = 2;
        params.beta = 0.1;
        params.layout = OverlayLayout::ForceDirected;
        std::string error;
        const auto overlay = generateOverlay(params, error);
        if (!overlay) {
            std::fprintf(stderr, "overlay: %s\n", error.c_str());
            return 1;
        }
        Json file = overlayTopologyJson(
            *overlay,
            {{"dissemination", "gossip"}, {"gossip", "push-pull"}, {"fanout", 2}, {"roundPeriod", 100}});
        file["nodes"][0]["properties"]["originate"] = 100000;
        file["nodes"][0]["properties"]["originateEvery"] = 50;
        file["format"] = "signalbox-topology";
        file["version"] = 1;
        file["name"] = "Gossip on " + std::to_string(overlayPeers) + " peers";
        example = file["name"].get<std::string>();
        loaded = parseTopology(file.dump(), "overlay");
    } else {
        loaded = loadTopologyFile(path);
    }
    if (!loaded.ok()) {
        std::fprintf(stderr, "cannot load %s: %s\n", overlayPeers ? example.c_str() : path.c_str(),
                     loaded.errorText().c_str());
        return 1;
    }
    Topology t = *loaded.topology;
    for (auto &n : t.nodes)
        if (n.kind == "producer") {
            n.properties["count"] = 0;
            n.properties["rate"] = rate;
            n.properties.erase("script");
        }
    t.run.until = 1'000'000 * kSecond;
    t.run.speed = 0;
    // Gossip is timed by rounds: at full speed virtual time would race ahead of the picture; the
    // peers run at 1x, as a person watching them would.
    if (overlayPeers > 0) t.run.speed = 1;
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("endless.json"));
    std::ofstream(file.toStdString()) << serializeTopology(t);

    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    if (!window.openFile(file)) return 1;
    QApplication::processEvents();
    window.canvasView()->fitToItems();
    PaintCounter windowPaints;
    window.canvasView()->viewport()->installEventFilter(&windowPaints);

    EngineHost *engine = window.engine();
    quint64 events = 0;
    qint64 virtualNs = 0;
    QObject::connect(engine, &EngineHost::progressed, [&](qint64 t, quint64 e) {
        virtualNs = t;
        events = e;
    });
    std::vector<double> intervals, repaints, repaintsCpu, busy;
    QElapsedTimer clock;
    qint64 last = -1;
    double lastCpu = -1;
    QTimer frame;
    frame.setTimerType(Qt::PreciseTimer);
    frame.setInterval(16);
    QObject::connect(&frame, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last >= 0) intervals.push_back(double(now - last) / 1e6);
        last = now;
        // The GUI thread's own CPU time since the last tick: all of a frame's work (batches,
        // models, docks, painting), whether or not the thread had to wait for a core.
        const double cpu = threadCpuMs();
        if (lastCpu >= 0) busy.push_back(cpu - lastCpu);
        lastCpu = cpu;
        // The frame's canvas work: paint the viewport as a screen refresh would.
        QElapsedTimer paint;
        const double paintCpu = threadCpuMs();
        paint.start();
        window.canvasView()->viewport()->repaint();
        repaints.push_back(double(paint.nsecsElapsed()) / 1e6);
        repaintsCpu.push_back(threadCpuMs() - paintCpu);
    });

    // Start through the window's Run action, as a user would.
    auto *run = window.findChild<QAction *>(QStringLiteral("runAction"));
    if (!run) return 1;
    run->trigger();
    clock.start();
    frame.start();
    QTimer::singleShot(int(seconds * 1000), &app, &QApplication::quit);
    app.exec();
    frame.stop();
    engine->stop();
    const double wall = double(clock.nsecsElapsed()) / 1e9;

    const Figures iv = figures(intervals);
    const Figures rp = figures(repaints);
    std::printf("GUI frames in the main window while the engine runs %s as fast as possible (%zu nodes, %zu "
                "links, %.1f s):\n",
                example.c_str(), t.nodes.size(), t.links.size(), wall);
    std::printf("  frame interval (16 ms timer): p50 %.2f ms, p99 %.2f ms, max %.2f ms, %zu frames\n", iv.p50,
                iv.p99, iv.max, intervals.size());
    std::printf("  frame canvas repaint:         p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", rp.p50, rp.p99,
                rp.max);
    const Figures rc = figures(repaintsCpu);
    std::printf("  the same in CPU time:         p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", rc.p50, rc.p99,
                rc.max);
    std::printf("  canvas at %.0f %%, %.2f viewport paints per frame\n", window.canvasView()->zoom() * 100,
                intervals.empty() ? 0.0 : double(windowPaints.paints) / double(intervals.size() + 1));
    const Figures bz = figures(busy);
    std::printf(
        "  GUI thread CPU per frame:     p50 %.2f ms, p99 %.2f ms, max %.2f ms (all of the window's work)\n",
        bz.p50, bz.p99, bz.max);
    std::printf("  engine: %.3g events/s, virtual time %.1f s in %.1f s wall; live overlay %s\n",
                double(events) / wall, double(virtualNs) / 1e9, wall,
                window.canvasScene()->live().isActive() ? "active" : "inactive");
    window.close();

    // The canvas alone (engine host, scene, view; no event log or summary): the live overlay's own
    // work per frame, timed around the scene's handlers, plus the repaint.
    {
        TopologyDocument document;
        document.setTopology(t);
        CanvasScene scene(&document);
        CanvasView view(&scene);
        view.resize(1200, 800);
        view.show();
        QApplication::processEvents();
        view.fitToItems();
        PaintCounter alonePaints;
        view.viewport()->installEventFilter(&alonePaints);
        EngineHost host;
        host.load(t);
        std::vector<double> work, workCpu, frameIntervals, paints, paintsCpu;
        QObject::connect(&host, &EngineHost::runStarted, [&] { scene.beginLive(host.topology()); });
        QObject::connect(&host, &EngineHost::eventsArrived, [&](const std::vector<TraceEvent> &batch) {
            QElapsedTimer w;
            const double cpu = threadCpuMs();
            w.start();
            scene.addLiveEvents(batch);
            work.push_back(double(w.nsecsElapsed()) / 1e6);
            workCpu.push_back(threadCpuMs() - cpu);
        });
        QObject::connect(&host, &EngineHost::statsArrived,
                         [&](std::shared_ptr<const LiveStatsSnapshot> stats) {
                             QElapsedTimer w;
                             const double cpu = threadCpuMs();
                             w.start();
                             scene.setLiveStats(std::move(stats));
                             if (!work.empty()) work.back() += double(w.nsecsElapsed()) / 1e6;
                             if (!workCpu.empty()) workCpu.back() += threadCpuMs() - cpu;
                         });
        quint64 hostEvents = 0;
        QObject::connect(&host, &EngineHost::progressed, [&](qint64, quint64 e) { hostEvents = e; });
        qint64 previous = -1;
        QElapsedTimer c;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        tick.setInterval(16);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = c.nsecsElapsed();
            if (previous >= 0) frameIntervals.push_back(double(now - previous) / 1e6);
            previous = now;
            QElapsedTimer paint;
            const double paintCpu = threadCpuMs();
            paint.start();
            view.viewport()->repaint();
            paints.push_back(double(paint.nsecsElapsed()) / 1e6);
            paintsCpu.push_back(threadCpuMs() - paintCpu);
        });
        EngineHost::RunRequest request;
        request.speed = t.run.speed;
        host.start(request);
        c.start();
        tick.start();
        QTimer::singleShot(int(seconds * 1000), &app, &QApplication::quit);
        app.exec();
        tick.stop();
        host.stop();
        const double w = double(c.nsecsElapsed()) / 1e9;
        const Figures fi = figures(frameIntervals), wk = figures(work), wc = figures(workCpu),
                      pt = figures(paints);
        std::printf("GUI frames with the canvas alone (engine host + scene + view), %.1f s:\n", w);
        std::printf("  frame interval (16 ms timer): p50 %.2f ms, p99 %.2f ms, max %.2f ms, %zu frames\n",
                    fi.p50, fi.p99, fi.max, frameIntervals.size());
        std::printf(
            "  live overlay work per frame:  p50 %.3f ms, p99 %.3f ms, max %.3f ms (batch + snapshot)\n",
            wk.p50, wk.p99, wk.max);
        std::printf("  the same in CPU time:         p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", wc.p50, wc.p99,
                    wc.max);
        std::printf("  frame canvas repaint:         p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", pt.p50, pt.p99,
                    pt.max);
        const Figures pc = figures(paintsCpu);
        std::printf("  the same in CPU time:         p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", pc.p50, pc.p99,
                    pc.max);
        std::printf("  canvas at %.0f %%, %.2f viewport paints per frame\n", view.zoom() * 100,
                    frameIntervals.empty() ? 0.0
                                           : double(alonePaints.paints) / double(frameIntervals.size() + 1));
        std::printf(
            "  engine: %.3g events/s; %llu trace events not shown (ring overflow), badges exact anyway\n",
            double(hostEvents) / w, static_cast<unsigned long long>(host.overflowedEvents()));
    }
    return 0;
}
