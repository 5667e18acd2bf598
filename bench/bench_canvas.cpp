// Canvas benchmark (a program, not a timed test): a 200-node / 400-link topology in a
// TopologyDocument, CanvasScene and CanvasView (offscreen, 1400x900). Measures a full repaint of
// the viewport with everything in view, pan steps and zoom steps at 100 %, and a full repaint with
// a run's live overlay showing (badges on every node, every link in throughput mode). Prints
// median and p99 in ms of wall time and of the GUI thread's CPU time (on a shared machine the
// wall time includes waiting for a core); a frame at 60 Hz has 16.7 ms.
//
//   bench_canvas [--frames N]
#include "canvasitems.h"
#include "canvasscene.h"
#include "canvasview.h"
#include "topologydocument.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QScrollBar>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <vector>

using namespace sb;

namespace {

// 40 producers -> 20 topic exchanges -> 80 queues -> 60 consumers: 200 nodes. Each producer
// publishes to an exchange (40 links), each exchange binds 10 queues (200 links, with keys), each
// queue feeds 2 consumers (160 links): 400 links.
Topology bigTopology()
{
    Topology t;
    t.name = "bench: 200 nodes, 400 links";
    auto node = [&](const std::string &id, const std::string &kind, double x, double y,
                    Json props = Json::object()) {
        NodeDef n;
        n.id = id;
        n.kind = kind;
        n.name = id;
        n.properties = std::move(props);
        n.position = {x, y};
        t.nodes.push_back(std::move(n));
    };
    auto link = [&](const std::string &from, const std::string &fromPort, const std::string &to,
                    const std::string &toPort) {
        t.links.push_back({from + "-" + to, from, fromPort, to, toPort, Json::object()});
    };
    for (int i = 0; i < 40; ++i)
        node("p" + std::to_string(i), "producer", 0, i * 90.0);
    for (int i = 0; i < 20; ++i)
        node("x" + std::to_string(i), "exchange", 400, i * 180.0, Json{{"type", "topic"}});
    for (int i = 0; i < 80; ++i)
        node("q" + std::to_string(i), "queue", 800, i * 45.0, Json{{"maxLength", 1000}});
    for (int i = 0; i < 60; ++i)
        node("c" + std::to_string(i), "consumer", 1200, i * 60.0);
    for (int i = 0; i < 40; ++i)
        link("p" + std::to_string(i), "out", "x" + std::to_string(i / 2), "in");
    for (int x = 0; x < 20; ++x)
        for (int k = 0; k < 10; ++k) {
            const std::string q = "q" + std::to_string((x * 4 + k) % 80);
            const std::string xi = "x" + std::to_string(x);
            link(xi, "out", q, "in");
            t.bindings.push_back({xi, q, "orders." + std::to_string(k) + ".*"});
            if (k % 3 == 0) t.bindings.push_back({xi, q, "audit.#"});
        }
    for (int q = 0; q < 80; ++q)
        for (int k = 0; k < 2; ++k)
            link("q" + std::to_string(q), "deliver", "c" + std::to_string((q * 3 / 4 + k * 30) % 60), "in");
    return t;
}

struct Figures {
    double p50, p99, mean; // wall time
    double cpuP50, cpuP99; // this thread's CPU time: the work itself, whatever else the machine runs
};

double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

Figures measure(int frames, const std::function<void()> &frame)
{
    frame(); // warm caches and fonts
    std::vector<double> ms, cpu;
    ms.reserve(std::size_t(frames));
    cpu.reserve(std::size_t(frames));
    for (int i = 0; i < frames; ++i) {
        QElapsedTimer t;
        const double c = threadCpuMs();
        t.start();
        frame();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
        cpu.push_back(threadCpuMs() - c);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    double sum = 0;
    for (double v : ms)
        sum += v;
    auto at = [](const std::vector<double> &v, double q) {
        return v[std::min(v.size() - 1, std::size_t(q * double(v.size())))];
    };
    return {at(ms, 0.5), at(ms, 0.99), sum / double(ms.size()), at(cpu, 0.5), at(cpu, 0.99)};
}

void print(const char *what, const Figures &f)
{
    std::printf("%-56s p50 %6.2f ms, p99 %6.2f ms (CPU p50 %6.2f ms, p99 %6.2f ms)\n", what, f.p50, f.p99,
                f.cpuP50, f.cpuP99);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    int frames = 200;
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--frames")) frames = std::max(10, std::atoi(argv[i + 1]));
    QApplication app(argc, argv);

    const Topology topology = bigTopology();
    TopologyDocument document;
    QString error;
    if (!document.setTopology(topology, &error)) {
        std::fprintf(stderr, "the bench topology is refused: %s\n", qPrintable(error));
        return 1;
    }
    CanvasScene scene(&document);
    CanvasView view(&scene);
    view.resize(1400, 900);
    view.show();
    QApplication::processEvents();
    std::printf("canvas: %zu nodes, %zu links, %zu bindings, view 1400x900 (%s)\n", topology.nodes.size(),
                topology.links.size(), topology.bindings.size(), qPrintable(QGuiApplication::platformName()));

    // Everything in view: every item paints.
    view.fitToItems();
    QApplication::processEvents();
    std::printf("fit zoom %.3f, visible %s\n", view.zoom(),
                qPrintable(QString::number(view.mapToScene(view.viewport()->rect()).boundingRect().width())));
    if (qEnvironmentVariableIsSet("BENCH_CANVAS_SHOTS"))
        view.viewport()->grab().save(QStringLiteral("/tmp/bench-fit.png"));
    const auto repaint = [&] { view.viewport()->repaint(); };
    print("full repaint, all 200 nodes/400 links in view:", measure(frames, repaint));
    print("full repaint via grab() (into a new pixmap):",
          measure(frames, [&] { (void)view.viewport()->grab(); }));

    // Pan and zoom at 100 %, as a user drags and wheels: each step repaints what changed.
    view.setZoom(1.0);
    view.centerOn(600, 1800);
    QApplication::processEvents();
    int direction = 1;
    const auto panStep = [&] {
        QScrollBar *bar = view.verticalScrollBar();
        if (bar->value() + 40 * direction > bar->maximum() || bar->value() + 40 * direction < bar->minimum())
            direction = -direction;
        bar->setValue(bar->value() + 40 * direction);
    };
    // The worst case: the whole viewport painted again at each step.
    print("pan step (40 px) at 100 %, full repaint:", measure(frames, [&] {
              panStep();
              view.viewport()->repaint();
          }));
    // As Qt does it: the view scrolls what it shows and paints the strip that came into view.
    print("pan step (40 px) at 100 %, as scrolled:", measure(frames, [&] {
              panStep();
              QApplication::processEvents();
          }));
    view.centerOn(600, 1800); // where the pans began: the zoom steps see the same items as before
    QApplication::processEvents();
    bool in = true;
    print("zoom step (100 % <-> 125 %):", measure(frames, [&] {
              view.setZoom(in ? 1.25 : 1.0);
              in = !in;
              view.viewport()->repaint();
          }));
    bool fitIn = true;
    print("zoom step (fit <-> 2x fit):", measure(frames, [&] {
              if (fitIn)
                  view.fitToItems();
              else
                  view.setZoom(view.zoom() * 2);
              fitIn = !fitIn;
              view.viewport()->repaint();
          }));

    // A run's live overlay: every node has badges, every link shows throughput.
    scene.beginLive(topology);
    std::uint64_t seq = 0;
    auto snapshot = [&](SimTime t, std::uint64_t scale) {
        auto s = std::make_shared<LiveStatsSnapshot>();
        s->sequence = ++seq;
        s->time = t;
        s->nodes.resize(topology.nodes.size());
        for (std::size_t i = 0; i < s->nodes.size(); ++i) {
            auto &n = s->nodes[i];
            n.ready = n.peakReady = (i * 37 + scale) % 900;
            n.unacked = i % 7;
            n.busy = i % 2;
            n.counters.published = n.counters.routed = n.counters.processed = scale * 10;
            n.counters.drops[int(DropReason::MaxLength)] = i % 5 == 0 ? scale : 0;
            n.counters.deadLettered = i % 9 == 0 ? scale / 2 : 0;
        }
        s->links.resize(topology.links.size());
        for (auto &l : s->links)
            l.sent = l.messages = scale * 500;
        return s;
    };
    SimTime t = 0;
    std::uint64_t scale = 1;
    scene.setLiveStats(snapshot(t, scale));
    view.fitToItems();
    QApplication::processEvents();
    print("live frame (new snapshot + full repaint), all in view:", measure(frames, [&] {
              t += kSecond;
              ++scale;
              scene.setLiveStats(snapshot(t, scale));
              view.viewport()->repaint();
          }));
    // As the application paints a frame: the scene updates only the items whose shown figures
    // changed (here every node, the links' rates stay), and the view repaints that region.
    print("live frame as painted (changed items only), all in view:", measure(frames, [&] {
              t += kSecond;
              ++scale;
              scene.setLiveStats(snapshot(t, scale));
              QApplication::processEvents();
          }));
    // Where a live frame's time goes: taking the snapshot is cheap, painting is the cost.
    print("live: setLiveStats alone (no painting):", measure(frames, [&] {
              t += kSecond;
              ++scale;
              scene.setLiveStats(snapshot(t, scale));
          }));
    print("live: building the snapshot alone:", measure(frames, [&] {
              t += kSecond;
              ++scale;
              (void)snapshot(t, scale);
          }));
    QApplication::processEvents();
    view.setZoom(1.0);
    view.centerOn(600, 1800);
    QApplication::processEvents();
    print("live frame (new snapshot + full repaint) at 100 %:", measure(frames, [&] {
              t += kSecond;
              ++scale;
              scene.setLiveStats(snapshot(t, scale));
              view.viewport()->repaint();
          }));
    print("live frame as painted (changed items only) at 100 %:", measure(frames, [&] {
              t += kSecond;
              ++scale;
              scene.setLiveStats(snapshot(t, scale));
              QApplication::processEvents();
          }));
    return 0;
}
