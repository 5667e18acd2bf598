// Sequence view benchmark (a program, not a timed test): the live diagram with a large history
// while a run keeps feeding it. Fills a SequenceHistory with N events (default 1M) of a
// producer -> queue -> 4 consumers run, then feeds the next events at R events/s (default 100k,
// i.e. R/60 a frame) and repaints the following view each frame, offscreen at 1400x700. Prints
// the median and p99 paint time, also for a zoomed-out view (counts per band) and a scrolled-back
// one, and the history's memory.
//
//   bench_sequenceview [--history N] [--rate R] [--frames F]
#include "sequencepanel.h"
#include "sequenceview.h"
#include "simulation.h"
#include "topology.h"

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace sb;

namespace {

struct Keep final : TraceSink {
    std::vector<TraceEvent> events;
    void onEvent(const TraceEvent &e) override { events.push_back(e); }
};

std::vector<TraceEvent> generate(std::size_t wanted, QStringList &nodes, QStringList &kinds,
                                 QStringList &links)
{
    Topology t;
    t.name = "bench: producer -> queue -> 4 consumers";
    t.nodes.push_back({"producer", "producer", "producer", Json{{"rate", 20000}}, {}});
    t.nodes.push_back({"queue", "queue", "queue", Json::object(), {}});
    t.links.push_back(
        {"publish", "producer", "out", "queue", "in", Json{{"latency", "uniform(100us,300us)"}}});
    for (int i = 1; i <= 4; ++i) {
        const std::string id = "consumer-" + std::to_string(i);
        t.nodes.push_back({id, "consumer", id, Json{{"processing", "exp(150us)"}, {"prefetch", 10}}, {}});
        t.links.push_back({"to-" + id, "queue", "deliver", id, "in", Json{{"latency", "50us"}}});
    }
    std::string error;
    auto sim = Simulation::build(t, error);
    if (!sim) {
        std::fprintf(stderr, "cannot build: %s\n", error.c_str());
        std::exit(1);
    }
    Keep keep;
    keep.events.reserve(wanted + 1000);
    sim->addSink(&keep);
    RunOptions o;
    o.maxEvents = wanted; // events processed; traced events are a few more
    sim->run(o);
    keep.events.resize(std::min(keep.events.size(), wanted));
    for (const auto &n : t.nodes) {
        nodes << QString::fromStdString(n.id);
        kinds << QString::fromStdString(n.kind);
    }
    for (const auto &l : t.links)
        links << QString::fromStdString(l.id);
    return keep.events;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5))];
}

} // namespace

int main(int argc, char **argv)
{
    std::size_t history = 1'000'000, rate = 100'000, frames = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--history")) history = std::stoull(argv[i + 1]);
        if (!std::strcmp(argv[i], "--rate")) rate = std::stoull(argv[i + 1]);
        if (!std::strcmp(argv[i], "--frames")) frames = std::stoull(argv[i + 1]);
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);

    const std::size_t perFrame = std::max<std::size_t>(1, rate / 60);
    QStringList nodes, kinds, links;
    const auto events = generate(history + perFrame * frames, nodes, kinds, links);
    SequencePanel panel;
    panel.resize(1400, 760);
    panel.show();
    panel.reset(nodes, kinds, links);
    QElapsedTimer clock;
    clock.start();
    const std::size_t prefill = std::min(history, events.size());
    for (std::size_t i = 0; i < prefill; i += 65536)
        panel.history().append(events.data() + i, std::min<std::size_t>(65536, prefill - i));
    const double fillMs = double(clock.nsecsElapsed()) / 1e6;
    SequenceView *view = panel.view();
    view->historyChanged();
    QApplication::processEvents();

    // Following the run: each frame appends a frame's worth of events and repaints.
    std::vector<double> append, paint;
    std::size_t next = prefill;
    for (std::size_t f = 0; f < frames && next < events.size(); ++f) {
        const std::size_t n = std::min(perFrame, events.size() - next);
        clock.restart();
        panel.append(std::vector<TraceEvent>(events.begin() + std::ptrdiff_t(next),
                                             events.begin() + std::ptrdiff_t(next + n)));
        append.push_back(double(clock.nsecsElapsed()) / 1e6);
        next += n;
        clock.restart();
        view->viewport()->repaint();
        paint.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    const auto frameTimes = [&] {
        std::vector<double> total(paint.size());
        for (std::size_t i = 0; i < paint.size(); ++i)
            total[i] = paint[i] + append[i];
        return total;
    }();
    std::printf("sequence view, %zu events of history (%.0f MiB), ingesting %zu events/s (%zu a frame), %zu "
                "frames:\n",
                panel.history().size(), double(panel.history().capacity() * sizeof(TraceEvent)) / (1 << 20),
                rate, perFrame, paint.size());
    std::printf(
        "  prefill %.0f ms; following: append p50 %.2f ms, paint p50 %.2f ms p99 %.2f ms, frame p99 %.2f ms "
        "(%zu arrows drawn)\n",
        fillMs, percentile(append, 0.5), percentile(paint, 0.5), percentile(paint, 0.99),
        percentile(frameTimes, 0.99), view->lastStats().arrows);

    // Zoomed out: a second of the run in view, far too many arrows to draw one by one.
    view->setNsPerPixel(2e6);
    std::vector<double> dense;
    for (int i = 0; i < 60; ++i) {
        clock.restart();
        view->viewport()->repaint();
        dense.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::printf("  zoomed out (%.0f ms in view, %llu frames on links, bands with counts: %s): paint p50 %.2f "
                "ms p99 %.2f ms\n",
                double(view->bottomTime() - view->topTime()) / 1e6,
                (unsigned long long)view->lastStats().inWindow, view->lastStats().density ? "yes" : "no",
                percentile(dense, 0.5), percentile(dense, 0.99));

    // Scrolled back to the middle of the history, zoomed in.
    view->setNsPerPixel(2e3);
    view->scrollToTime((panel.history().firstTime() + panel.history().lastTime()) / 2);
    std::vector<double> back;
    for (int i = 0; i < 60; ++i) {
        clock.restart();
        view->viewport()->repaint();
        back.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::printf("  scrolled back (%zu arrows drawn): paint p50 %.2f ms p99 %.2f ms\n",
                view->lastStats().arrows, percentile(back, 0.5), percentile(back, 0.99));
    return 0;
}
