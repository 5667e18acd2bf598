// The message catalog: what a run's messages carried (routing key, key, headers, size), the
// newest kept when it is full, readable from another thread while the engine runs.
#include "enginetest.h"
#include "messagecatalog.h"

#include <thread>

using namespace sb;
using namespace sbtest;

class TestMessageCatalog : public QObject {
    Q_OBJECT

private slots:
    void keepsWhatTheProducerPublished();
    void keepsTheNewestWhenFull_data();
    void keepsTheNewestWhenFull();
    void readableWhileTheEngineRuns();
};

namespace {
Topology keyedTopology(int count)
{
    TopologyBuilder b;
    b.node("p", "producer",
           {{"rate", 1000},
            {"count", count},
            {"routingKey", "orders.{seq}"},
            {"keys", "list"},
            {"keyList", Json::array({"alpha", "beta"})},
            {"size", 256},
            {"headers", Json::object({{"tenant", "t-{seq}"}})}})
        .node("q", "queue")
        .node("c", "consumer");
    b.link("p", "q").link("q", "c");
    return b.topology();
}
} // namespace

void TestMessageCatalog::keepsWhatTheProducerPublished()
{
    auto r = prepare(keyedTopology(10));
    QVERIFY(r);
    MessageCatalog catalog;
    r->sim->addSink(&catalog);
    r->sim->run(RunOptions{});
    QCOMPARE(catalog.size(), std::size_t(10));
    QCOMPARE(catalog.forgotten(), std::uint64_t(0));
    const auto m = catalog.find(3);
    QVERIFY(m);
    QCOMPARE(m->id, std::uint64_t(3));
    QCOMPARE(m->routingKey, std::string("orders.") + std::to_string(m->sequence));
    QVERIFY(m->key == "alpha" || m->key == "beta");
    QCOMPARE(m->size, std::uint32_t(256));
    QCOMPARE(m->headers.size(), std::size_t(1));
    QCOMPARE(m->headers[0].name, std::string("tenant"));
    QCOMPARE(m->producer, r->index("p"));
    QVERIFY(!catalog.find(11));
    QVERIFY(!catalog.find(0));
}

void TestMessageCatalog::keepsTheNewestWhenFull_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("messages");
    QTest::newRow("room to spare") << 64 << 20;
    QTest::newRow("exactly full") << 20 << 20;
    QTest::newRow("overflowing") << 8 << 50;
}

void TestMessageCatalog::keepsTheNewestWhenFull()
{
    QFETCH(int, capacity);
    QFETCH(int, messages);
    auto r = prepare(keyedTopology(messages));
    QVERIFY(r);
    MessageCatalog catalog{std::size_t(capacity)};
    r->sim->addSink(&catalog);
    r->sim->run(RunOptions{});
    const int kept = std::min(capacity, messages);
    QCOMPARE(catalog.size(), std::size_t(kept));
    QCOMPARE(catalog.forgotten(), std::uint64_t(messages - kept));
    for (int id = 1; id <= messages; ++id)
        QCOMPARE(bool(catalog.find(std::uint64_t(id))), id > messages - kept);
}

void TestMessageCatalog::readableWhileTheEngineRuns()
{
    auto r = prepare(keyedTopology(20000));
    QVERIFY(r);
    MessageCatalog catalog{1024};
    r->sim->addSink(&catalog);
    // Under ThreadSanitizer this shows the catalog's locking: a reader while the engine writes.
    std::atomic<bool> done{false};
    std::uint64_t passes = 0, found = 0;
    std::thread reader([&] {
        do {
            for (std::uint64_t id = 1; id < 20000; id += 97)
                if (auto m = catalog.find(id)) found += !m->routingKey.empty();
            ++passes;
        } while (!done.load());
    });
    r->sim->run(RunOptions{});
    done = true;
    reader.join();
    QVERIFY(passes > 0);
    QVERIFY(catalog.find(20000)); // the newest is there
    QVERIFY(!catalog.find(1));    // the oldest went
    QCOMPARE(catalog.size(), std::size_t(1024));
}

QTEST_GUILESS_MAIN(TestMessageCatalog)
#include "tst_messagecatalog.moc"
