// File distribution (core/nodes/p2p/bittorrent.cpp): a file server's distribution time grows
// linearly in the number of clients, a BitTorrent swarm's barely (Kurose & Ross: D_cs = N F / us,
// D_p2p = max(F / us, N F / (us + sum ui))); every client ends with every piece exactly once.
#include "p2ptest.h"

using namespace sb;
using namespace sbtest;

class TestBitTorrent : public QObject {
    Q_OBJECT
private slots:
    void clientServerVsSwarm();
    void everyPieceOnce();
};

namespace {

constexpr int kPieces = 16;
constexpr int kPieceSize = 65536;
constexpr double kRate = 1048576; // 1 MiB/s: one piece in 62.5 ms; the file (1 MiB) in 1 s

Json fileProps()
{
    return {{"pieces", kPieces}, {"pieceSize", kPieceSize}, {"uploadRate", kRate}};
}

Topology clientServer(int n)
{
    TopologyBuilder b;
    b.node("server", "file-server", fileProps());
    for (int i = 1; i <= n; ++i) {
        const std::string id = "client-" + std::to_string(i);
        b.node(id, "bt-peer", fileProps()).link("server", id);
    }
    return b.topology();
}

// A seed linked to every leecher; the leechers linked among themselves as a random 4-regular graph.
Topology swarm(int n)
{
    TopologyBuilder b;
    Json seed = fileProps();
    seed["seed"] = true;
    b.node("seed", "bt-peer", seed);
    for (int i = 1; i <= n; ++i) {
        const std::string id = "peer-" + std::to_string(i);
        b.node(id, "bt-peer", fileProps()).link("seed", id);
    }
    OverlayParams p;
    p.shape = n > 4 ? OverlayShape::RandomRegular : OverlayShape::Ring;
    p.n = n;
    p.degree = 4;
    p.k = 1;
    p.layout = OverlayLayout::Circular;
    for (const auto &[a, c] : generated(p).edges)
        b.link("peer-" + std::to_string(a + 1), "peer-" + std::to_string(c + 1));
    return b.topology();
}

// When the last client completed the file.
SimTime distributionTime(const Run &r, std::size_t clients)
{
    SimTime last = 0;
    std::size_t done = 0;
    for (const auto &e : r.trace.events)
        if (e.kind == TraceKind::Process) {
            ++done;
            last = std::max(last, e.time);
        }
    return done == clients ? last : kNever;
}

} // namespace

void TestBitTorrent::clientServerVsSwarm()
{
    SimTime cs[2], p2p[2];
    const int sizes[2] = {4, 32};
    for (int i = 0; i < 2; ++i) {
        auto a = run(clientServer(sizes[i]));
        auto b = run(swarm(sizes[i]));
        QVERIFY(a && b);
        cs[i] = distributionTime(*a, sizes[i]);
        p2p[i] = distributionTime(*b, sizes[i]);
        QVERIFY(cs[i] != kNever && p2p[i] != kNever);
        qInfo("N=%d: client-server %.2f s (N F / us = %.2f s), swarm %.2f s (F / us = 1 s)", sizes[i],
              toMilliseconds(cs[i]) / 1000, double(sizes[i]), toMilliseconds(p2p[i]) / 1000);
        // The server's upload bounds it from below: N F / us.
        QVERIFY(cs[i] >= sizes[i] * kSecond);
        QVERIFY(cs[i] < sizes[i] * kSecond + kSecond / 2);
        QVERIFY(p2p[i] >= kSecond); // the seed uploads every piece at least once
    }
    // Client-server grows ~8-fold from 4 to 32 clients; the swarm less than 2-fold.
    QVERIFY(double(cs[1]) / double(cs[0]) > 6);
    QVERIFY(double(p2p[1]) / double(p2p[0]) < 2);
    QVERIFY(p2p[1] * 4 < cs[1]);
}

void TestBitTorrent::everyPieceOnce()
{
    auto r = run(swarm(12));
    QVERIFY(r);
    QCOMPARE(r->reason, StopReason::Quiescent);
    // Each leecher learns each piece exactly once, no piece arrives twice (one request per piece).
    QCOMPARE(r->trace.count(TraceKind::Learn), std::size_t(12 * kPieces));
    QCOMPARE(r->trace.count(TraceKind::Drop, DropReason::Deduplicated), std::size_t(0));
    QCOMPARE(r->trace.count(TraceKind::Process), std::size_t(12));
    // The seed did not have to upload everything to everyone: leechers uploaded most of it.
    std::size_t fromSeed = 0;
    for (const auto &e : r->trace.events)
        if (e.kind == TraceKind::Learn && e.peer == r->index("seed")) ++fromSeed;
    qInfo("pieces from the seed: %zu of %d", fromSeed, 12 * kPieces);
    QVERIFY(fromSeed < std::size_t(12 * kPieces / 2));
    QVERIFY(fromSeed >= std::size_t(kPieces));
}

QTEST_GUILESS_MAIN(TestBitTorrent)
#include "tst_bittorrent.moc"
