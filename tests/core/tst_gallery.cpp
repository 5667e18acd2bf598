// The gallery (gallery.h): paradigms and pitfalls, a topology's "gallery" section (parsing, its
// warnings, saving it back), gallery order and search, and the bundled examples as a whole: every
// example says its paradigm, every paradigm has examples, every pitfall is a broken/fixed pair.
#include "gallery.h"
#include "testfiles.h"
#include "topology.h"

#include <QFileInfo>
#include <QTest>

#include <map>
#include <set>

using sb::Json;

namespace {

std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

std::vector<sb::GalleryEntry> bundled()
{
    std::vector<sb::GalleryEntry> entries;
    for (const QString &file : sbtest::exampleFiles()) {
        const sb::LoadResult r = sb::loadTopologyFile(file.toStdString());
        if (!r.ok()) continue;
        entries.push_back({QFileInfo(file).fileName().toStdString(), r.topology->name,
                           r.topology->description, r.topology->gallery});
    }
    return entries;
}

} // namespace

class TestGallery : public QObject {
    Q_OBJECT

private slots:
    void listsHaveUniqueIds();
    void sectionProblems_data();
    void sectionProblems();
    void sectionRoundTrips();
    void galleryOrder();
    void search_data();
    void search();
    void textAndJsonGroupByParadigm();
    void everyExampleNamesAKnownParadigm();
    void everyParadigmHasAnExample();
    void everyPitfallIsABrokenFixedPair();
};

void TestGallery::listsHaveUniqueIds()
{
    std::set<std::string> ids;
    for (const sb::Paradigm &p : sb::paradigms()) {
        QVERIFY2(ids.insert(p.id).second, p.id.c_str());
        QVERIFY(!p.label.empty() && !p.help.empty());
        QCOMPARE(sb::findParadigm(p.id), &p);
    }
    // The seeds' five patterns and five paradigms of the first seed are all there.
    for (const char *id : {"message-passing", "request-reply", "rpc", "pub-sub", "async-patterns", "queues",
                           "client-server", "p2p", "actors", "event-sourcing", "sagas"})
        QVERIFY2(sb::findParadigm(id), id);
    QCOMPARE(sb::pitfalls().size(), std::size_t(5));
    for (const sb::Pitfall &p : sb::pitfalls())
        QCOMPARE(sb::findPitfall(p.id), &p);
    QVERIFY(!sb::findParadigm("pubsub"));
}

void TestGallery::sectionProblems_data()
{
    QTest::addColumn<QByteArray>("section");
    QTest::addColumn<QString>("path");    // where the first problem is, "" for none
    QTest::addColumn<QString>("message"); // a part of its message

    QTest::newRow("complete") << QByteArray(R"({"paradigm": "queues", "systems": ["RabbitMQ"], "pitfall":
        "duplicates", "variant": "fixed"})")
                              << ""
                              << "";
    QTest::newRow("empty") << QByteArray("{}") << ""
                           << "";
    QTest::newRow("not an object") << QByteArray(R"("queues")") << "$.gallery"
                                   << "is an object";
    QTest::newRow("misspelt paradigm") << QByteArray(R"({"paradigm": "pubsub"})") << "$.gallery.paradigm"
                                       << "did you mean 'pub-sub'";
    QTest::newRow("paradigm not a string") << QByteArray(R"({"paradigm": 3})") << "$.gallery.paradigm"
                                           << "expected a string";
    QTest::newRow("systems not a list") << QByteArray(R"({"systems": "Kafka"})") << "$.gallery.systems"
                                        << "array of names";
    QTest::newRow("empty system") << QByteArray(R"({"systems": ["Kafka", ""]})") << "$.gallery.systems[1]"
                                  << "system's name";
    QTest::newRow("unknown pitfall") << QByteArray(R"({"pitfall": "duplicate", "variant": "broken"})")
                                     << "$.gallery.pitfall"
                                     << "did you mean 'duplicates'";
    QTest::newRow("variant misspelt")
        << QByteArray(R"({"pitfall": "ordering", "variant": "fix"})") << "$.gallery.variant"
        << "\"broken\" or \"fixed\"";
    QTest::newRow("pitfall without variant")
        << QByteArray(R"({"pitfall": "ordering"})") << "$.gallery.variant"
        << "says which it is";
    QTest::newRow("variant without pitfall") << QByteArray(R"({"variant": "fixed"})") << "$.gallery.pitfall"
                                             << "name the pitfall";
    QTest::newRow("unknown field") << QByteArray(R"({"paradigms": "queues"})") << "$.gallery.paradigms"
                                   << "did you mean 'paradigm'";
}

void TestGallery::sectionProblems()
{
    QFETCH(QByteArray, section);
    QFETCH(QString, path);
    QFETCH(QString, message);
    // Through the loader: a problem is a warning with its JSON path, and the file still loads.
    const std::string file = R"({"format": "signalbox-topology", "version": 1, "gallery": )" + str(section) +
                             R"(, "nodes": [{"id": "p", "kind": "producer"}]})";
    const sb::LoadResult r = sb::parseTopology(file, "gallery.json");
    QVERIFY(r.ok());
    const sb::Diagnostic *found = nullptr;
    for (const sb::Diagnostic &d : r.diagnostics)
        if (d.path.rfind("$.gallery", 0) == 0 && !found) found = &d;
    if (path.isEmpty()) {
        QVERIFY2(!found, found ? found->message.c_str() : "");
        return;
    }
    QVERIFY(found);
    QCOMPARE(found->severity, sb::Diagnostic::Severity::Warning);
    QCOMPARE(QString::fromStdString(found->path), path);
    QVERIFY2(QString::fromStdString(found->message).contains(message), found->message.c_str());
}

void TestGallery::sectionRoundTrips()
{
    const std::string file = R"({"format": "signalbox-topology", "version": 1, "name": "n", "gallery":
        {"paradigm": "rpc", "systems": ["gRPC", "Envoy"], "pitfall": "rpc-as-local-call", "variant": "broken"},
        "nodes": [{"id": "p", "kind": "producer"}]})";
    const sb::LoadResult r = sb::parseTopology(file, "gallery.json");
    QVERIFY(r.ok());
    QCOMPARE(r.topology->gallery.paradigm, std::string("rpc"));
    QCOMPARE(r.topology->gallery.systems, (std::vector<std::string>{"gRPC", "Envoy"}));
    QCOMPARE(r.topology->gallery.pitfall, std::string("rpc-as-local-call"));
    QCOMPARE(r.topology->gallery.variant, std::string("broken"));
    const Json saved = sb::topologyToJson(*r.topology);
    QVERIFY(saved.contains("gallery"));
    const sb::LoadResult again = sb::parseTopology(saved.dump(), "again.json");
    QVERIFY(again.ok());
    QVERIFY(again.topology->gallery == r.topology->gallery);
    // No section, none written.
    sb::Topology plain = *r.topology;
    plain.gallery = {};
    QVERIFY(!sb::topologyToJson(plain).contains("gallery"));
}

void TestGallery::galleryOrder()
{
    std::vector<sb::GalleryEntry> e = {
        {"z.json", "Zeta", "", {"", {}, "", ""}},
        {"fixed.json", "A fixed", "", {"rpc", {}, "rpc-as-local-call", "fixed"}},
        {"broken.json", "B broken", "", {"rpc", {}, "rpc-as-local-call", "broken"}},
        {"call.json", "Calls", "", {"rpc", {}, "", ""}},
        {"mp.json", "Passing", "", {"message-passing", {}, "", ""}},
        {"actors.json", "Actors", "", {"actors", {}, "", ""}},
    };
    sb::sortForGallery(e);
    std::vector<std::string> order;
    for (const auto &x : e)
        order.push_back(x.fileName);
    // Paradigms in gallery order, a group's plain examples first, a pair broken then fixed, the
    // unplaced last.
    QCOMPARE(order, (std::vector<std::string>{"mp.json", "call.json", "broken.json", "fixed.json",
                                              "actors.json", "z.json"}));
    QCOMPARE(sb::galleryGroupLabel(e.back()), std::string("Other"));
}

void TestGallery::search_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("matches");
    QTest::newRow("empty") << "" << true;
    QTest::newRow("name word, any case") << "WORK" << true;
    QTest::newRow("description") << "competing" << true;
    QTest::newRow("system") << "rabbitmq" << true;
    QTest::newRow("paradigm label") << "message queues" << true;
    QTest::newRow("pitfall label") << "handling duplicates" << true;
    QTest::newRow("every word must match") << "rabbitmq kafka" << false;
    QTest::newRow("absent") << "kademlia" << false;
}

void TestGallery::search()
{
    QFETCH(QString, query);
    QFETCH(bool, matches);
    const sb::GalleryEntry e{"work-queue.json",
                             "Work queue",
                             "Three workers competing for tasks.",
                             {"queues", {"RabbitMQ"}, "duplicates", "broken"}};
    QCOMPARE(sb::galleryMatches(e, query.toStdString()), matches);
}

void TestGallery::textAndJsonGroupByParadigm()
{
    std::vector<sb::GalleryEntry> e = {
        {"a.json", "A", "about a", {"queues", {"SQS"}, "", ""}},
        {"b.json", "B", "about b", {"queues", {}, "ordering", "broken"}},
        {"c.json", "C", "about c", {"pub-sub", {}, "", ""}},
    };
    sb::sortForGallery(e);
    const std::string text = sb::galleryText(e);
    const auto queues = text.find("Message queues and logs\n"), pubsub = text.find("Publish-subscribe\n");
    QVERIFY(queues != std::string::npos && pubsub != std::string::npos && queues < pubsub);
    QVERIFY(text.find("a.json") < text.find("b.json"));
    QVERIFY(text.find("[pitfall: ordering, broken]") != std::string::npos);
    QVERIFY(text.find("(SQS)") != std::string::npos);
    const Json j = sb::galleryJson(e);
    QCOMPARE(j["examples"].size(), std::size_t(3));
    QCOMPARE(j["paradigms"].size(), sb::paradigms().size());
    QCOMPARE(j["pitfalls"].size(), std::size_t(5));
    QVERIFY(j["examples"][1]["pitfall"] == "ordering");
    QVERIFY(j["examples"][1]["group"] == "Message queues and logs");
    QVERIFY(!j["examples"][0].contains("pitfall"));
}

void TestGallery::everyExampleNamesAKnownParadigm()
{
    const auto entries = bundled();
    QCOMPARE(int(entries.size()), sbtest::exampleFiles().size());
    for (const auto &e : entries) {
        QVERIFY2(sb::findParadigm(e.info.paradigm),
                 (e.fileName + ": paradigm '" + e.info.paradigm + "'").c_str());
        QVERIFY2(!e.description.empty(), e.fileName.c_str());
    }
}

void TestGallery::everyParadigmHasAnExample()
{
    std::map<std::string, int> count;
    for (const auto &e : bundled())
        ++count[e.info.paradigm];
    for (const sb::Paradigm &p : sb::paradigms())
        QVERIFY2(count[p.id] > 0, ("no bundled example for the paradigm " + p.id).c_str());
}

void TestGallery::everyPitfallIsABrokenFixedPair()
{
    std::map<std::string, std::set<std::string>> variants;
    for (const auto &e : bundled())
        if (!e.info.pitfall.empty())
            QVERIFY2(variants[e.info.pitfall].insert(e.info.variant).second, e.fileName.c_str());
    for (const sb::Pitfall &p : sb::pitfalls())
        QVERIFY2((variants[p.id] == std::set<std::string>{"broken", "fixed"}),
                 ("the pitfall " + p.id + " needs one broken and one fixed example").c_str());
}

QTEST_GUILESS_MAIN(TestGallery)
#include "tst_gallery.moc"
