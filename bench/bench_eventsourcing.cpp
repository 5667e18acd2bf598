// Event-sourcing rebuild benchmark (a program, not a timed test): the wall time a command handler
// takes to load one aggregate of N events (default 100,000) from an event store, without
// snapshots and with a snapshot every 1,000 events. One run writes the stream first (a counter
// client through a caching writer that snapshots every 1,000 events), then two fresh handlers
// without a cache answer write-side queries for the aggregate, one at a time, a virtual second
// apart: each answer is a full load (the store's read, every event read applied). Prints the
// median wall time of the loads (query sent -> answer received) and the events each read.
//
//   bench_eventsourcing [--events N] [--snapshot-every N] [--repeat R]
#include "enginebaseline.h"
#include "nodes/cqrs/commandprotocol.h"
#include "nodes/eventsourcing/eventsourcing.h"

#include <cstring>
#include <map>

using namespace sb;
using namespace sbbench;

namespace {

// Sends `repeat` queries for counter-1, each once the last is answered, and times them.
struct Timings {
    std::vector<double> seconds;
};

class Reader final : public Node {
public:
    Reader(Timings *timings, SimTime startAt, int repeat)
        : m_timings(timings), m_startAt(startAt), m_left(repeat)
    {
    }
    void start(NodeContext &ctx) override { ctx.startTimer(m_startAt, 0); }
    void onTimer(NodeContext &ctx, std::uint64_t) override
    {
        auto m = std::make_shared<Message>();
        m->id = ctx.newMessageId();
        m->routingKey = "GetCounter";
        m->key = "counter-1";
        Frame f;
        f.type = FrameType::Query;
        f.tag = m->id;
        f.message = std::move(m);
        f.body = std::make_shared<cmd::QueryBody>();
        m_sent = now();
        ctx.send(ctx.links(0).front(), std::move(f));
    }
    void onFrame(NodeContext &ctx, LinkIndex, Frame &f) override
    {
        if (!f.response) return;
        m_timings->seconds.push_back(now() - m_sent);
        if (--m_left > 0) ctx.startTimer(kSecond, 0);
    }

private:
    Timings *m_timings;
    SimTime m_startAt;
    int m_left;
    double m_sent = 0;
};

// Events read per load, from the readers' handlers' Rebuild events.
class RebuildSink final : public TraceSink {
public:
    explicit RebuildSink(std::map<NodeIndex, std::int64_t> *read) : m_read(read) {}
    void onEvent(const TraceEvent &e) override
    {
        if (e.kind == TraceKind::Rebuild) (*m_read)[e.node] = e.aux;
    }

private:
    std::map<NodeIndex, std::int64_t> *m_read;
};

// Commands per virtual second: slow enough for the writer (a read and an append each) to keep up.
constexpr double kWriteRate = 2000;

std::map<std::string, Timings> g_timings;
SimTime g_readersStart = 0;
int g_repeat = 5;

const KindRegistry &benchRegistry()
{
    static const KindRegistry reg = [] {
        KindRegistry r = KindRegistry::builtin();
        NodeKindSpec k;
        k.kind = "bench-reader";
        k.label = "Timed reader";
        k.category = "Bench";
        k.deliveryRole = DeliveryRole::Log;
        k.ports = {{"out", PortDirection::Out, Protocol::Command, false, "", PortSpec::Need::Optional}};
        k.factory = [](const NodeSetup &s) {
            return std::make_unique<Reader>(&g_timings[s.id], g_readersStart, g_repeat);
        };
        r.add(std::move(k));
        return r;
    }();
    return reg;
}

Topology rebuildBench(std::uint64_t events, std::int64_t snapshotEvery)
{
    const Json fast = {{"latency", "10us"}};
    Topology t;
    t.name = "bench: rebuild an aggregate with and without snapshots";
    t.nodes.push_back({"store", "event-store", "store", Json{{"appendTime", "10us"}}, {}});
    // The writer: one aggregate, its cache so that writing stays linear, a snapshot every N.
    t.nodes.push_back({"client",
                       "command-client",
                       "client",
                       Json{{"model", "counter"}, {"aggregates", 1}, {"rate", kWriteRate}, {"count", events}},
                       {}});
    t.nodes.push_back({"writer",
                       "command-handler",
                       "writer",
                       Json{{"model", "counter"},
                            {"cache", true},
                            {"snapshotEvery", snapshotEvery},
                            {"applyCost", 0},
                            {"decideTime", 0}},
                       {}});
    t.links.push_back({"commands", "client", "commands", "writer", "commands", fast});
    t.links.push_back({"writer-store", "writer", "store", "store", "clients", fast});
    for (const auto &[id, every] :
         {std::pair<std::string, std::int64_t>{"plain", 0}, {"snapshots", snapshotEvery}}) {
        t.nodes.push_back({id + "-handler",
                           "command-handler",
                           id + "-handler",
                           Json{{"model", "counter"},
                                {"snapshotEvery", every},
                                {"applyCost", 0},
                                {"decideTime", 0},
                                {"storeTimeout", 0}},
                           {}});
        t.nodes.push_back({id, "bench-reader", id, Json::object(), {}});
        t.links.push_back({id + "-queries", id, "out", id + "-handler", "commands", fast});
        t.links.push_back({id + "-store", id + "-handler", "store", "store", "clients", fast});
    }
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    std::uint64_t events = 100000;
    std::int64_t snapshotEvery = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--events"))
            events = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--snapshot-every"))
            snapshotEvery = std::strtoll(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--repeat"))
            g_repeat = std::max(1, std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr,
                         "usage: bench_eventsourcing [--events N] [--snapshot-every N] [--repeat R]\n");
            return 2;
        }
    }
    // The readers start once the writer is done.
    g_readersStart = fromMilliseconds(static_cast<double>(events) * 1000 / kWriteRate) + 10 * kSecond;
    const Topology t = rebuildBench(events, snapshotEvery);
    std::string error;
    auto sim = Simulation::build(t, error, benchRegistry());
    if (!sim) {
        std::fprintf(stderr, "bench_eventsourcing: %s\n", error.c_str());
        return 1;
    }
    std::map<NodeIndex, std::int64_t> read;
    RebuildSink rebuilds(&read);
    sim->addSink(&rebuilds);
    const double t0 = now();
    sim->run({});
    const double total = now() - t0;
    const auto &plain = g_timings["plain"].seconds;
    const auto &snap = g_timings["snapshots"].seconds;
    if (plain.size() != std::size_t(g_repeat) || snap.size() != std::size_t(g_repeat)) {
        std::fprintf(stderr, "bench_eventsourcing: %zu and %zu of %d loads answered\n", plain.size(),
                     snap.size(), g_repeat);
        return 1;
    }
    const auto readBy = [&](const char *id) { return read[static_cast<NodeIndex>(*t.nodeIndex(id))]; };
    std::printf("Rebuild one aggregate of %llu events (counter model), median of %d loads, wall time:\n",
                static_cast<unsigned long long>(events), g_repeat);
    std::printf("  without snapshots:          %9.3f ms  (%lld events read)\n", median(plain) * 1e3,
                static_cast<long long>(readBy("plain-handler")));
    std::printf("  snapshot every %-6lld       %9.3f ms  (%lld events read after the snapshot)\n",
                static_cast<long long>(snapshotEvery), median(snap) * 1e3,
                static_cast<long long>(readBy("snapshots-handler")));
    std::printf("  speed-up: %.0fx   (whole run, writing the stream included: %.2f s)\n",
                median(snap) > 0 ? median(plain) / median(snap) : 0.0, total);
    return 0;
}
