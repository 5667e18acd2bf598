#pragma once
// Live counters for badges and tooltips: exact figures per node and per link while a run goes on,
// however fast the engine runs (a trace ring drained at frame rate may overflow; this never does).
//
// LiveStats is a trace sink on the engine thread. It counts events (with Metrics' countNodeEvent) and,
// when publish() is called on the engine thread between two events, adds the nodes' gauges (queue
// depth, unacked, busy consumers, crashed) and stores an immutable snapshot that any thread can take
// with latest(). A GUI asks for a publish once per frame through Simulation::post().
#include "metrics.h"
#include "trace.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

namespace sb {

class Simulation;

struct LiveNodeStats {
    // Gauges at the moment of the snapshot (NodeStatus).
    std::uint64_t ready = 0;    // queue: ready depth; consumer: buffered deliveries
    std::uint64_t unacked = 0;  // queue: delivered, not yet acked
    std::uint64_t busy = 0;     // consumer: messages in processing
    std::uint64_t inFlight = 0; // producer: published, not yet confirmed
    bool crashed = false;
    bool paused = false; // frozen by a live change: work for it waits
    // Counters since the run began, counted as Metrics counts them (countNodeEvent).
    NodeCounters counters;
    std::uint64_t peakReady = 0; // queue: the most ready at once (enqueues and requeues)
    // Calls (from the trace): a caller's calls started and not completed, and its completed calls
    // that succeeded (gRPC OK, HTTP 2xx) or failed; a server's accept queue and executions.
    std::uint64_t callsInFlight = 0, callsSucceeded = 0, callsFailed = 0;
    std::uint64_t serverQueue = 0, executions = 0;

    friend bool operator==(const LiveNodeStats &, const LiveNodeStats &) = default;
};

struct LiveLinkStats {
    std::uint64_t sent = 0;      // frames that entered the link (a duplicate counts twice)
    std::uint64_t delivered = 0; // frames that reached the far end and were handed to it
    std::uint64_t dropped = 0;   // lost, partitioned or discarded on arrival (down link, crashed node)
    std::uint64_t inFlight = 0;  // sent, not yet arrived
    std::uint64_t messages = 0;  // of `sent`, frames carrying a message (publish, deliver)
    bool up = true;

    friend bool operator==(const LiveLinkStats &, const LiveLinkStats &) = default;
};

struct LiveStatsSnapshot {
    std::uint64_t sequence = 0; // increases with every publish
    SimTime time = 0;           // virtual time of the snapshot
    std::uint64_t events = 0;   // trace events so far (as the event log and the run summary count)
    std::vector<LiveNodeStats> nodes;
    std::vector<LiveLinkStats> links;
};

class LiveStats final : public TraceSink {
public:
    LiveStats(std::size_t nodes, std::size_t links);
    void onEvent(const TraceEvent &e) override;

    // Engine thread, between two events (from Simulation::post(), or after run() returned): reads
    // the simulation's gauges and publishes a snapshot.
    void publish(const Simulation &sim);
    // Any thread: the last published snapshot (never null; empty before the first publish).
    std::shared_ptr<const LiveStatsSnapshot> latest() const;

private:
    struct LinkState {
        LiveLinkStats stats;
        // Arrival times of frames in flight, earliest first.
        std::priority_queue<SimTime, std::vector<SimTime>, std::greater<>> arrivals;
    };
    void settleArrivals(LinkState &link, SimTime before);

    std::vector<LiveNodeStats> m_nodes;
    std::vector<LinkState> m_links;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_events = 0;
    mutable std::mutex m_mutex;
    std::shared_ptr<const LiveStatsSnapshot> m_latest;
};

} // namespace sb
