// The topology loader and writer: every kind of bad input is reported as an error with the JSON
// path of the offending value and a reason; examples and in-memory topologies survive a save and
// load unchanged; saving is atomic and failures name the file.
#include "testfiles.h"
#include "topology.h"

#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <sys/resource.h>

using sb::Json;

Q_DECLARE_METATYPE(sb::Topology)

namespace {

std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}
std::string str(const QString &s)
{
    return s.toStdString();
}
QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

// A small valid topology: p -> x (topic) -> q -> c, with one binding.
// Indices: nodes p 0, x 1, q 2, c 3; links p-x 0, x-q 1, q-c 2.
Json base()
{
    return Json::parse(R"j({
  "format": "signalbox-topology",
  "version": 1,
  "name": "base",
  "nodes": [
    {"id": "p", "kind": "producer", "properties": {"rate": 5}},
    {"id": "x", "kind": "exchange", "properties": {"type": "topic"}},
    {"id": "q", "kind": "queue"},
    {"id": "c", "kind": "consumer"}
  ],
  "links": [
    {"id": "p-x", "from": "p", "to": "x"},
    {"id": "x-q", "from": "x", "fromPort": "out", "to": "q"},
    {"id": "q-c", "from": "q", "fromPort": "deliver", "to": "c"}
  ],
  "bindings": [{"exchange": "x", "destination": "q", "key": "orders.#"}],
  "run": {"seed": 7, "until": "10s"}
})j");
}

QByteArray text(const Json &j)
{
    return QByteArray::fromStdString(j.dump(2));
}

template <typename Patch> QByteArray patched(Patch patch)
{
    Json j = base();
    patch(j);
    return text(j);
}

Json link(const char *id, const char *from, const char *fromPort, const char *to, const char *toPort)
{
    return Json{{"id", id}, {"from", from}, {"fromPort", fromPort}, {"to", to}, {"toPort", toPort}};
}

void addRow(const char *name, const QByteArray &text, const char *path, const char *reason)
{
    QTest::newRow(name) << text << QByteArray(path) << QByteArray(reason);
}

// A path ending in ':' is a prefix ("file:line:"); any other path must match exactly.
bool pathMatches(const std::string &actual, const std::string &expected)
{
    if (!expected.empty() && expected.back() == ':') return actual.rfind(expected, 0) == 0;
    return actual == expected;
}

// Whether `diags` holds a diagnostic of `severity` at `path` whose message contains `reason`.
bool hasDiagnostic(const std::vector<sb::Diagnostic> &diags, sb::Diagnostic::Severity severity,
                   const std::string &path, const std::string &reason)
{
    for (const auto &d : diags)
        if (d.severity == severity && pathMatches(d.where(), path) &&
            d.message.find(reason) != std::string::npos)
            return true;
    return false;
}

std::string allDiagnostics(const std::vector<sb::Diagnostic> &diags)
{
    std::string out = "diagnostics:\n";
    for (const auto &d : diags)
        out += "  " + d.toString() + "\n";
    return out;
}

// The first field in which two topologies differ, in words.
std::string firstDifference(const sb::Topology &a, const sb::Topology &b)
{
    if (a.name != b.name) return "name: " + a.name + " vs " + b.name;
    if (a.description != b.description) return "description differs";
    if (a.nodes.size() != b.nodes.size()) return "node count differs";
    for (std::size_t i = 0; i < a.nodes.size(); ++i) {
        const auto &x = a.nodes[i], &y = b.nodes[i];
        const std::string n = "node " + x.id + ": ";
        if (x.id != y.id || x.kind != y.kind || x.name != y.name) return n + "id, kind or name differs";
        if (x.properties != y.properties)
            return n + "properties " + x.properties.dump() + " vs " + y.properties.dump();
        if (!(x.position == y.position)) return n + "position differs";
    }
    if (a.links.size() != b.links.size()) return "link count differs";
    for (std::size_t i = 0; i < a.links.size(); ++i)
        if (!(a.links[i] == b.links[i])) return "link " + a.links[i].id + " differs";
    if (a.bindings != b.bindings) return "bindings differ";
    if (a.run.seed != b.run.seed) return "run.seed differs";
    if (a.run.until != b.run.until)
        return "run.until: " + (a.run.until ? std::to_string(*a.run.until) + " ns" : std::string("unset")) +
               " vs " + (b.run.until ? std::to_string(*b.run.until) + " ns" : std::string("unset"));
    if (a.run.messages != b.run.messages) return "run.messages differs";
    if (a.run.speed != b.run.speed) return "run.speed differs";
    return "no difference";
}

using sbtest::dataFile;
using sbtest::exampleFiles;
using sbtest::readAll;

sb::Topology parsedBase()
{
    auto r = sb::parseTopology(base().dump());
    return r.ok() ? *r.topology : sb::Topology{};
}

} // namespace

class TestTopology : public QObject {
    Q_OBJECT

private slots:
    void baseIsValid();
    void defaultsFilledIn();
    void badInput_data();
    void badInput();
    void badFile_data();
    void badFile();
    void craftedText_data();
    void craftedText();
    void warnings_data();
    void warnings();
    void validateInMemory_data();
    void validateInMemory();
    void isValidId_data();
    void isValidId();
    void examplesExist();
    void exampleRoundTrip_data();
    void exampleRoundTrip();
    void inMemoryRoundTrip_data();
    void inMemoryRoundTrip();
    void saveAndLoad();
    void saveFails_data();
    void saveFails();
    void failedSaveKeepsExistingFile();
    void loadMissingFile();
    void loadDirectory();
};

void TestTopology::baseIsValid()
{
    const auto r = sb::parseTopology(base().dump());
    QVERIFY2(r.ok(), r.errorText().c_str());
    QVERIFY2(r.diagnostics.empty(), r.errorText().c_str());
    QVERIFY(r.errorText().empty());
    QCOMPARE(r.topology->nodes.size(), std::size_t(4));
    QCOMPARE(r.topology->links.size(), std::size_t(3));
    QCOMPARE(r.topology->bindings.size(), std::size_t(1));
    QVERIFY(sb::validateTopology(*r.topology).empty());
}

void TestTopology::defaultsFilledIn()
{
    const auto r = sb::parseTopology(base().dump());
    QVERIFY2(r.ok(), r.errorText().c_str());
    const sb::Topology &t = *r.topology;
    // Ports left out of a link are each node's first port of the right direction.
    QCOMPARE(qs(t.links[0].fromPort), QStringLiteral("out"));
    QCOMPARE(qs(t.links[0].toPort), QStringLiteral("in"));
    QCOMPARE(qs(t.links[2].toPort), QStringLiteral("in"));
    QCOMPARE(t.run.seed, std::uint64_t(7));
    QVERIFY(t.run.until.has_value());
    QCOMPARE(*t.run.until, 10 * sb::kSecond);
    QCOMPARE(t.run.speed, 0.0);
    QCOMPARE(t.run.messages, std::uint64_t(0));
    QCOMPARE(t.nodeIndex("q"), std::optional<std::size_t>(2));
    QCOMPARE(t.nodeIndex("nowhere"), std::optional<std::size_t>());
    QCOMPARE(t.linkIndex("q-c"), std::optional<std::size_t>(2));
}

void TestTopology::badInput_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("path");   // exact, or a prefix when it ends in ':'
    QTest::addColumn<QByteArray>("reason"); // substring of the message

    // Not JSON at all: the position is reported as source:line:column.
    addRow("not JSON: unquoted key",
           "{\n  \"format\": \"signalbox-topology\",\n  \"version\": 1,\n  nodes: []\n}",
           "topology:4:", "not valid JSON");
    addRow("not JSON: bare word", "hello", "topology:1:", "not valid JSON");
    addRow("not JSON: trailing comma", "{\"format\": \"signalbox-topology\",}",
           "topology:1:", "not valid JSON");
    addRow("not JSON: empty", "", "topology:1:", "not valid JSON");
    addRow("not JSON: truncated", text(base()).left(120), "topology:", "not valid JSON");
    addRow("not JSON: two documents", "{} {}", "topology:1:", "not valid JSON");
    addRow("not an object", "[1, 2]", "$", "JSON object");
    addRow("a string", "\"signalbox-topology\"", "$", "JSON object");

    // Format and version
    addRow("wrong format", patched([](Json &j) { j["format"] = "drawio"; }), "$.format",
           "\"signalbox-topology\"");
    addRow("format not a string", patched([](Json &j) { j["format"] = 1; }), "$.format", "expected a string");
    addRow("missing format", patched([](Json &j) { j.erase("format"); }), "$", "missing \"format\"");
    addRow("newer version", patched([](Json &j) { j["version"] = 2; }), "$.version", "newer");
    addRow("version 0", patched([](Json &j) { j["version"] = 0; }), "$.version", "1 or more");
    addRow("negative version", patched([](Json &j) { j["version"] = -1; }), "$.version",
           "expected a version number");
    addRow("version as string", patched([](Json &j) { j["version"] = "1"; }), "$.version",
           "expected a version number");
    addRow("missing version", patched([](Json &j) { j.erase("version"); }), "$", "missing \"version\"");
    addRow("name not a string", patched([](Json &j) { j["name"] = 3; }), "$.name", "expected a string");
    addRow("description not a string", patched([](Json &j) { j["description"] = Json::array(); }),
           "$.description", "expected a string");

    // Nodes
    addRow("missing nodes", patched([](Json &j) { j.erase("nodes"); }), "$", "missing \"nodes\"");
    addRow("nodes not an array", patched([](Json &j) { j["nodes"] = Json::object(); }), "$.nodes",
           "expected an array");
    addRow("node not an object", patched([](Json &j) { j["nodes"][0] = 5; }), "$.nodes[0]",
           "a node is an object");
    addRow("node without id", patched([](Json &j) { j["nodes"][2].erase("id"); }), "$.nodes[2]",
           "missing \"id\"");
    addRow("node without kind", patched([](Json &j) { j["nodes"][2].erase("kind"); }), "$.nodes[2]",
           "missing \"kind\"");
    addRow("node id not a string", patched([](Json &j) { j["nodes"][2]["id"] = 2; }), "$.nodes[2].id",
           "expected a string");
    addRow("unknown kind", patched([](Json &j) { j["nodes"][1]["kind"] = "router"; }), "$.nodes[1].kind",
           "unknown kind \"router\"");
    addRow("unknown kind lists known kinds", patched([](Json &j) { j["nodes"][3]["kind"] = "Consumer"; }),
           "$.nodes[3].kind", "known: producer, exchange, queue, consumer");
    addRow("node name not a string", patched([](Json &j) { j["nodes"][0]["name"] = 5; }), "$.nodes[0].name",
           "expected a string");
    addRow("position x not a number", patched([](Json &j) {
               j["nodes"][0]["position"] = {{"x", "a"}, {"y", 1}};
           }),
           "$.nodes[0].position.x", "expected a number");
    addRow("position without y", patched([](Json &j) {
               j["nodes"][0]["position"] = {{"x", 1}};
           }),
           "$.nodes[0].position", "missing \"y\"");
    addRow("position not an object", patched([](Json &j) {
               j["nodes"][0]["position"] = Json::array({1, 2});
           }),
           "$.nodes[0].position", "expected an object");
    addRow("properties not an object", patched([](Json &j) { j["nodes"][2]["properties"] = Json::array(); }),
           "$.nodes[2].properties", "expected an object");

    // Duplicate and invalid ids
    addRow("duplicate node id", patched([](Json &j) { j["nodes"][3]["id"] = "q"; }), "$.nodes[3].id",
           "duplicate node id \"q\"");
    addRow("id with a space", patched([](Json &j) { j["nodes"][2]["id"] = "my queue"; }), "$.nodes[2].id",
           "not a valid id");
    addRow("id with a slash", patched([](Json &j) { j["nodes"][2]["id"] = "q/1"; }), "$.nodes[2].id",
           "not a valid id");
    addRow("id starting with a dash", patched([](Json &j) { j["nodes"][2]["id"] = "-q"; }), "$.nodes[2].id",
           "not a valid id");
    addRow("empty id", patched([](Json &j) { j["nodes"][2]["id"] = ""; }), "$.nodes[2].id", "not a valid id");
    addRow("id of 65 characters", patched([](Json &j) { j["nodes"][2]["id"] = std::string(65, 'q'); }),
           "$.nodes[2].id", "not a valid id");
    addRow("non-ASCII id", patched([](Json &j) { j["nodes"][2]["id"] = "caf\xc3\xa9"; }), "$.nodes[2].id",
           "not a valid id");
    addRow("id with a quote", patched([](Json &j) { j["nodes"][2]["id"] = "q\"1"; }), "$.nodes[2].id",
           "not a valid id");

    // Properties: unknown, out of range, wrong type
    addRow("unknown property", patched([](Json &j) { j["nodes"][2]["properties"]["maxLen"] = 5; }),
           "$.nodes[2].properties.maxLen", "unknown property 'maxLen'");
    addRow("queue maxLength -1", patched([](Json &j) { j["nodes"][2]["properties"]["maxLength"] = -1; }),
           "$.nodes[2].properties.maxLength", "below the minimum 0");
    addRow("queue maxLength 1.5", patched([](Json &j) { j["nodes"][2]["properties"]["maxLength"] = 1.5; }),
           "$.nodes[2].properties.maxLength", "whole number");
    addRow("queue maxLength as string",
           patched([](Json &j) { j["nodes"][2]["properties"]["maxLength"] = "10"; }),
           "$.nodes[2].properties.maxLength", "expected a whole number");
    addRow("producer rate too high", patched([](Json &j) { j["nodes"][0]["properties"]["rate"] = 1e8; }),
           "$.nodes[0].properties.rate", "above the maximum");
    addRow("producer rate negative", patched([](Json &j) { j["nodes"][0]["properties"]["rate"] = -1; }),
           "$.nodes[0].properties.rate", "below the minimum");
    addRow("producer rate not a number",
           patched([](Json &j) { j["nodes"][0]["properties"]["rate"] = "fast"; }),
           "$.nodes[0].properties.rate", "expected a number");
    addRow("consumer prefetch too high",
           patched([](Json &j) { j["nodes"][3]["properties"]["prefetch"] = 70000; }),
           "$.nodes[3].properties.prefetch", "above the maximum 65535");
    addRow("consumer concurrency 0", patched([](Json &j) { j["nodes"][3]["properties"]["concurrency"] = 0; }),
           "$.nodes[3].properties.concurrency", "below the minimum 1");
    addRow("exchange type not a choice",
           patched([](Json &j) { j["nodes"][1]["properties"]["type"] = "x-consistent-hash"; }),
           "$.nodes[1].properties.type", "not one of: direct, fanout, topic, headers");
    addRow("exchange type not a string", patched([](Json &j) { j["nodes"][1]["properties"]["type"] = 3; }),
           "$.nodes[1].properties.type", "expected a string");
    addRow("consumer failure probability 2",
           patched([](Json &j) { j["nodes"][3]["properties"]["failureProbability"] = 2; }),
           "$.nodes[3].properties.failureProbability", "not a probability");
    addRow("producer keyList not a list",
           patched([](Json &j) { j["nodes"][0]["properties"]["keyList"] = "a"; }),
           "$.nodes[0].properties.keyList", "list of strings");
    addRow("producer header not a string", patched([](Json &j) {
               j["nodes"][0]["properties"]["headers"] = {{"tenant", 1}};
           }),
           "$.nodes[0].properties.headers", "'tenant' is not a string");
    addRow("producer routingKey not a string",
           patched([](Json &j) { j["nodes"][0]["properties"]["routingKey"] = Json::array(); }),
           "$.nodes[0].properties.routingKey", "expected a string");

    // Durations and distributions
    addRow("bad duration unit",
           patched([](Json &j) { j["nodes"][2]["properties"]["messageTtl"] = "10 parsecs"; }),
           "$.nodes[2].properties.messageTtl", "not a duration");
    addRow("negative duration", patched([](Json &j) { j["nodes"][2]["properties"]["messageTtl"] = -5; }),
           "$.nodes[2].properties.messageTtl", "non-negative");
    addRow("negative duration string",
           patched([](Json &j) { j["nodes"][2]["properties"]["ackTimeout"] = "-5s"; }),
           "$.nodes[2].properties.ackTimeout", "not a duration");
    addRow("duration of wrong type",
           patched([](Json &j) { j["nodes"][2]["properties"]["messageTtl"] = true; }),
           "$.nodes[2].properties.messageTtl", "expected a duration");
    addRow("duration below minimum",
           patched([](Json &j) { j["nodes"][0]["properties"]["confirmTimeout"] = 0; }),
           "$.nodes[0].properties.confirmTimeout", "below the minimum");
    addRow("unknown distribution",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = "gamma(5ms)"; }),
           "$.nodes[3].properties.processing", "unknown distribution 'gamma'");
    addRow("uniform low above high",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = "uniform(5ms,1ms)"; }),
           "$.nodes[3].properties.processing", "low <= high");
    addRow("uniform with one argument",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = "uniform(1ms)"; }),
           "$.nodes[3].properties.processing", "takes 2 arguments");
    addRow("distribution missing paren",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = "exp(5ms"; }),
           "$.nodes[3].properties.processing", "missing ')'");
    addRow("distribution of wrong type",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = Json::array(); }),
           "$.nodes[3].properties.processing", "expected a distribution");
    addRow("normal with negative deviation",
           patched([](Json &j) { j["nodes"][3]["properties"]["processing"] = "normal(10ms,-2ms)"; }),
           "$.nodes[3].properties.processing", "not a non-negative duration");

    // Links
    addRow("links not an array", patched([](Json &j) { j["links"] = 1; }), "$.links", "expected an array");
    addRow("link not an object", patched([](Json &j) { j["links"][0] = "p-x"; }), "$.links[0]",
           "a link is an object");
    addRow("link without id", patched([](Json &j) { j["links"][0].erase("id"); }), "$.links[0]",
           "missing \"id\"");
    addRow("link without from", patched([](Json &j) { j["links"][0].erase("from"); }), "$.links[0]",
           "missing \"from\"");
    addRow("link port not a string", patched([](Json &j) { j["links"][1]["fromPort"] = 1; }),
           "$.links[1].fromPort", "expected a port name");
    addRow("link loss 1.5", patched([](Json &j) {
               j["links"][0]["properties"] = {{"loss", 1.5}};
           }),
           "$.links[0].properties.loss", "between 0 and 1");
    addRow("link loss negative", patched([](Json &j) {
               j["links"][0]["properties"] = {{"loss", -0.1}};
           }),
           "$.links[0].properties.loss", "between 0 and 1");
    addRow("link duplicate not a number", patched([](Json &j) {
               j["links"][0]["properties"] = {{"duplicate", "often"}};
           }),
           "$.links[0].properties.duplicate", "expected a probability");
    addRow("link latency not a distribution", patched([](Json &j) {
               j["links"][0]["properties"] = {{"latency", "fast"}};
           }),
           "$.links[0].properties.latency", "not a duration or distribution");
    addRow("link ordered not a bool", patched([](Json &j) {
               j["links"][0]["properties"] = {{"ordered", "yes"}};
           }),
           "$.links[0].properties.ordered", "true or false");
    addRow("link unknown property", patched([](Json &j) {
               j["links"][0]["properties"] = {{"bandwidth", 10}};
           }),
           "$.links[0].properties.bandwidth", "unknown property 'bandwidth'");
    addRow("link to a missing node", patched([](Json &j) { j["links"][0]["to"] = "nowhere"; }),
           "$.links[0].to", "no node with id \"nowhere\"");
    addRow("link from a missing node", patched([](Json &j) { j["links"][0]["from"] = "nowhere"; }),
           "$.links[0].from", "no node with id \"nowhere\"");
    addRow("duplicate link id", patched([](Json &j) { j["links"][1]["id"] = "p-x"; }), "$.links[1].id",
           "duplicate link id \"p-x\"");
    addRow("invalid link id", patched([](Json &j) { j["links"][0]["id"] = "p x"; }), "$.links[0].id",
           "not a valid link id");
    addRow("link from an input port", patched([](Json &j) { j["links"][1]["fromPort"] = "in"; }),
           "$.links[1].fromPort", "no output port \"in\"");
    addRow("link to an output port", patched([](Json &j) { j["links"][1]["toPort"] = "deliver"; }),
           "$.links[1].toPort", "no input port \"deliver\"");
    addRow("link from an unknown port", patched([](Json &j) { j["links"][1]["fromPort"] = "sideways"; }),
           "$.links[1].fromPort", "outputs: out, alternate");
    addRow("producer out to consumer in", patched([](Json &j) { j["links"][0]["to"] = "c"; }), "$.links[0]",
           "cannot connect producer.out to consumer.in");
    addRow("queue deliver to queue in", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("q-q2", "q", "deliver", "q2", "in"));
           }),
           "$.links[3]", "cannot connect queue.deliver to queue.in");
    addRow("link to itself",
           patched([](Json &j) { j["links"].push_back(link("x-x", "x", "out", "x", "in")); }), "$.links[3]",
           "to itself");
    addRow("producer out used twice", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("p-q2", "p", "out", "q2", "in"));
           }),
           "$.links[3].fromPort", "takes one link only");
    addRow("dead-letter port used twice", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("dl1", "q", "dead-letter", "x", "in"));
               j["links"].push_back(link("dl2", "q", "dead-letter", "q2", "in"));
           }),
           "$.links[4].fromPort", "takes one link only");
    addRow("alternate port used twice", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("ae1", "x", "alternate", "q", "in"));
               j["links"].push_back(link("ae2", "x", "alternate", "q2", "in"));
           }),
           "$.links[4].fromPort", "takes one link only");
    addRow("same ports linked twice",
           patched([](Json &j) { j["links"].push_back(link("x-q-2", "x", "out", "q", "in")); }), "$.links[3]",
           "already linked");

    // Bindings
    addRow("bindings not an array", patched([](Json &j) { j["bindings"] = "x"; }), "$.bindings",
           "expected an array");
    addRow("binding not an object", patched([](Json &j) { j["bindings"][0] = 1; }), "$.bindings[0]",
           "a binding is an object");
    addRow("binding without exchange", patched([](Json &j) { j["bindings"][0].erase("exchange"); }),
           "$.bindings[0]", "missing \"exchange\"");
    addRow("binding key not a string", patched([](Json &j) { j["bindings"][0]["key"] = 5; }),
           "$.bindings[0].key", "expected a string");
    addRow("binding arguments not an object", patched([](Json &j) { j["bindings"][0]["arguments"] = "all"; }),
           "$.bindings[0].arguments", "expected an object of header names and values");
    addRow("headers binding with a bad x-match", patched([](Json &j) {
               j["nodes"][1]["properties"]["type"] = "headers";
               j["bindings"][0]["key"] = "";
               j["bindings"][0]["arguments"] = {{"x-match", "every"}, {"format", "pdf"}};
           }),
           "$.bindings[0].arguments[\"x-match\"]", "invalid x-match value 'every'");
    addRow("headers binding comparing an object", patched([](Json &j) {
               j["nodes"][1]["properties"]["type"] = "headers";
               j["bindings"][0]["key"] = "";
               j["bindings"][0]["arguments"] = {{"format", {{"is", "pdf"}}}};
           }),
           "$.bindings[0].arguments[\"format\"]", "header 'format' must be compared with a string");
    addRow("binding on a queue", patched([](Json &j) { j["bindings"][0]["exchange"] = "q"; }),
           "$.bindings[0].exchange", "\"q\" is a queue, not an exchange");
    addRow("binding on a missing exchange",
           patched([](Json &j) { j["bindings"][0]["exchange"] = "nowhere"; }), "$.bindings[0].exchange",
           "no node with id \"nowhere\"");
    addRow("binding to a missing destination",
           patched([](Json &j) { j["bindings"][0]["destination"] = "nowhere"; }), "$.bindings[0].destination",
           "no node with id \"nowhere\"");
    addRow("binding without link", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["bindings"].push_back({{"exchange", "x"}, {"destination", "q2"}, {"key", "#"}});
           }),
           "$.bindings[1]", "no link from its \"out\" port to \"q2\"");
    addRow("binding over the alternate link", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("ae", "x", "alternate", "q2", "in"));
               j["bindings"].push_back({{"exchange", "x"}, {"destination", "q2"}, {"key", "#"}});
           }),
           "$.bindings[1]", "no link from its \"out\" port");
    addRow("topic key with three # words", patched([](Json &j) { j["bindings"][0]["key"] = "#.a.#.b.#"; }),
           "$.bindings[0].key", "'#.a.#.b.#': word 5 at column 9 is a third '#': RabbitMQ refuses");
    addRow("direct key with wildcard",
           patched([](Json &j) { j["nodes"][1]["properties"]["type"] = "direct"; }), "$.bindings[0].key",
           "direct exchanges match keys exactly");
    addRow("default type is direct", patched([](Json &j) { j["nodes"][1].erase("properties"); }),
           "$.bindings[0].key", "direct exchanges");
    addRow("fanout key", patched([](Json &j) { j["nodes"][1]["properties"]["type"] = "fanout"; }),
           "$.bindings[0].key", "fanout exchanges ignore binding keys");
    addRow("binding key of 256 bytes",
           patched([](Json &j) { j["bindings"][0]["key"] = std::string(256, 'k'); }), "$.bindings[0].key",
           "255 bytes");

    // Run settings
    addRow("run not an object", patched([](Json &j) { j["run"] = Json::array(); }), "$.run",
           "expected an object");
    addRow("run.speed word", patched([](Json &j) { j["run"]["speed"] = "fast"; }), "$.run.speed",
           "\"max\" or a positive number");
    addRow("run.speed zero", patched([](Json &j) { j["run"]["speed"] = 0; }), "$.run.speed",
           "\"max\" or a positive number");
    addRow("run.speed negative", patched([](Json &j) { j["run"]["speed"] = -2; }), "$.run.speed",
           "\"max\" or a positive number");
    addRow("run.seed negative", patched([](Json &j) { j["run"]["seed"] = -1; }), "$.run.seed",
           "non-negative whole number");
    addRow("run.seed fractional", patched([](Json &j) { j["run"]["seed"] = 1.5; }), "$.run.seed",
           "non-negative whole number");
    addRow("run.until word", patched([](Json &j) { j["run"]["until"] = "soon"; }), "$.run.until",
           "a duration");
    addRow("run.until negative", patched([](Json &j) { j["run"]["until"] = -5; }), "$.run.until",
           "a duration");
    addRow("run.until bool", patched([](Json &j) { j["run"]["until"] = true; }), "$.run.until", "a duration");
    addRow("run.messages word", patched([](Json &j) { j["run"]["messages"] = "many"; }), "$.run.messages",
           "non-negative whole number");

    // Producer scripts
    addRow("script entry at not a duration", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"at": "soon"}])j");
           }),
           "$.nodes[0].properties.script", "entry 0: 'at'");
    addRow("script entry at negative",
           patched([](Json &j) { j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"at": -1}])j"); }),
           "$.nodes[0].properties.script", "entry 0: 'at'");
    addRow("script routingKey not a string", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"routingKey": 5}])j");
           }),
           "$.nodes[0].properties.script", "'routingKey' must be a string");
    addRow("script unknown field", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"at": "1ms"}, {"colour": "red"}])j");
           }),
           "$.nodes[0].properties.script", "entry 1: unknown field 'colour'");
    addRow("script entry not an object",
           patched([](Json &j) { j["nodes"][0]["properties"]["script"] = Json::parse("[5]"); }),
           "$.nodes[0].properties.script", "entry 0: expected an object");
    addRow("script not a list",
           patched([](Json &j) { j["nodes"][0]["properties"]["script"] = Json::parse(R"j({"at": 1})j"); }),
           "$.nodes[0].properties.script", "list of message objects");
    addRow("script size negative", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"size": -1}])j");
           }),
           "$.nodes[0].properties.script", "'size'");
    addRow("script header not a string", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"headers": {"h": 1}}])j");
           }),
           "$.nodes[0].properties.script", "header 'h'");
    addRow("script correlationId not a number", patched([](Json &j) {
               j["nodes"][0]["properties"]["script"] = Json::parse(R"j([{"correlationId": "x"}])j");
           }),
           "$.nodes[0].properties.script", "'correlationId'");
}

void TestTopology::badInput()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);

    const auto r = sb::parseTopology(str(text));
    QVERIFY2(!r.ok(), "bad input was accepted");
    QVERIFY(!r.topology.has_value());
    QVERIFY(!r.errorText().empty());
    QVERIFY2(hasDiagnostic(r.diagnostics, sb::Diagnostic::Severity::Error, str(path), str(reason)),
             allDiagnostics(r.diagnostics).c_str());
}

void TestTopology::badFile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("path"); // after the file name; exact, or a prefix when it ends in ':'
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("not JSON") << dataFile("not-json.json") << QByteArray(":6:5")
                              << QByteArray("not valid JSON");
    QTest::newRow("empty file") << dataFile("empty.json") << QByteArray(":1:")
                                << QByteArray("not valid JSON");
    QTest::newRow("negative max length")
        << dataFile("bad-property.json") << QByteArray(": $.nodes[1].properties.maxLength")
        << QByteArray("below the minimum");
    QTest::newRow("unknown kind") << dataFile("unknown-kind.json") << QByteArray(": $.nodes[1].kind")
                                  << QByteArray("unknown kind \"kafka-broker\"");
    QTest::newRow("newer version") << dataFile("newer-version.json") << QByteArray(": $.version")
                                   << QByteArray("newer");
    QTest::newRow("binding without link")
        << dataFile("binding-without-link.json") << QByteArray(": $.bindings[0]")
        << QByteArray("draw the link first");
}

void TestTopology::badFile()
{
    QFETCH(QString, file);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);

    QVERIFY2(QFile::exists(file), qPrintable(file));
    const auto r = sb::loadTopologyFile(str(file));
    QVERIFY(!r.ok());
    // Loaded from a file, every diagnostic names the file first.
    QVERIFY2(
        hasDiagnostic(r.diagnostics, sb::Diagnostic::Severity::Error, str(file) + str(path), str(reason)),
        allDiagnostics(r.diagnostics).c_str());
    for (const auto &d : r.diagnostics)
        QVERIFY2(d.where().rfind(str(file), 0) == 0, d.where().c_str());
}

void TestTopology::craftedText_data()
{
    // Files made to crash a loader, or mistaken ones: each gets a message, none a crash.
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("path"); // where(); a prefix when it ends in ':'; empty: loads fine
    QTest::addColumn<QByteArray>("reason");
    const QByteArray ok = base().dump().c_str();
    const auto withField = [&](const QByteArray &field) {
        QByteArray t = ok;
        t.insert(1, field + ",");
        return t;
    };
    QTest::newRow("bare 1e400") << QByteArray("1e400") << QByteArray("topology:1:1")
                                << QByteArray("number overflow parsing '1e400'");
    QByteArray rate = ok;
    rate.replace("\"properties\":{", "\"properties\":{\"rate\":1e400,");
    QVERIFY(rate != ok);
    QTest::newRow("rate 1e400") << rate
                                << QByteArray("topology:1:" + QByteArray::number(rate.indexOf("1e400") + 1))
                                << QByteArray("number overflow parsing '1e400'");
    QTest::newRow("-1e400 in an unknown field")
        << withField("\"x\": [1, -1e400]") << QByteArray("topology:1:") << QByteArray("number overflow");
    QTest::newRow("200000 levels deep")
        << withField("\"x\": " + QByteArray(200000, '[') + QByteArray(200000, ']'))
        << QByteArray("topology:1:") << QByteArray("nested deeper than 256 levels");
    QTest::newRow("257 levels deep") << withField("\"x\": " + QByteArray(256, '[') + QByteArray(256, ']'))
                                     << QByteArray("topology:1:")
                                     << QByteArray("nested deeper than 256 levels");
    // The root object and 255 arrays: exactly the limit.
    QTest::newRow("256 levels deep") << withField("\"x\": " + QByteArray(255, '[') + QByteArray(255, ']'))
                                     << QByteArray() << QByteArray();
    QTest::newRow("brackets inside a string")
        << withField("\"x\": \"" + QByteArray(1000, '[') + "\\\"[\"") << QByteArray() << QByteArray();
    QTest::newRow("until 1e300 ms") << patched([](Json &j) { j["run"]["until"] = 1e300; })
                                    << QByteArray("$.run.until") << QByteArray("expected a duration");
    QTest::newRow("seed 1e30") << patched([](Json &j) { j["run"]["seed"] = 1e30; })
                               << QByteArray("$.run.seed")
                               << QByteArray("expected a non-negative whole number");
    QTest::newRow("version 2^64-1")
        << withField("\"version\": 18446744073709551615").replace(",\"version\":1", "")
        << QByteArray("$.version") << QByteArray("written by a newer Signalbox");
    QTest::newRow("latency beyond virtual time") << patched([](Json &j) {
        j["links"][0]["properties"] = {{"latency", "1e300s"}};
    }) << QByteArray("$.links[0].properties.latency")
                                                 << QByteArray("not a duration");
}

void TestTopology::craftedText()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);
    const auto r =
        sb::parseTopology(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
    if (path.isEmpty()) {
        QVERIFY2(r.ok(), allDiagnostics(r.diagnostics).c_str());
        return;
    }
    QVERIFY(!r.ok());
    QVERIFY2(hasDiagnostic(r.diagnostics, sb::Diagnostic::Severity::Error, str(path), str(reason)),
             allDiagnostics(r.diagnostics).c_str());
}

void TestTopology::warnings_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("reason");

    addRow("unknown top-level field", patched([](Json &j) { j["colour"] = "blue"; }), "$.colour",
           "unknown field 'colour'");
    addRow("unknown node field", patched([](Json &j) { j["nodes"][0]["colour"] = "blue"; }),
           "$.nodes[0].colour", "unknown field 'colour'");
    addRow("duplicate binding", patched([](Json &j) { j["bindings"].push_back(j["bindings"][0]); }),
           "$.bindings[1]", "duplicate binding");
    addRow("arguments on a topic binding", patched([](Json &j) {
               j["bindings"][0]["arguments"] = {{"a", "1"}};
           }),
           "$.bindings[0].arguments", "binding arguments are used only by headers exchanges");
    addRow("key on a headers binding", patched([](Json &j) {
               j["nodes"][1]["properties"]["type"] = "headers";
               j["bindings"][0]["arguments"] = {{"format", "pdf"}};
           }),
           "$.bindings[0].key", "a headers exchange ignores the binding key");
    addRow("duplicate headers binding", patched([](Json &j) {
               j["nodes"][1]["properties"]["type"] = "headers";
               j["bindings"][0]["key"] = "";
               j["bindings"][0]["arguments"] = {{"format", "pdf"}};
               j["bindings"].push_back(j["bindings"][0]);
           }),
           "$.bindings[1]", "with the same arguments");
    // RabbitMQ accepts these and matches the '*' or '#' literally: likely a mistake.
    addRow("topic key with partial wildcard",
           patched([](Json &j) { j["bindings"][0]["key"] = "orders.new*"; }), "$.bindings[0].key",
           "key \"orders.new*\": word 2 'new*' has '*' at column 11 inside it: RabbitMQ matches it as a "
           "literal");
    addRow("topic key #a", patched([](Json &j) { j["bindings"][0]["key"] = "#a"; }), "$.bindings[0].key",
           "word 1 '#a' has '#' at column 1 inside it");
    addRow("unbound topic destination", patched([](Json &j) {
               j["nodes"].push_back({{"id", "q2"}, {"kind", "queue"}});
               j["links"].push_back(link("x-q2", "x", "out", "q2", "in"));
               j["links"].push_back(link("q2-c", "q2", "deliver", "c", "in"));
           }),
           "$.links[3]", "has no binding to \"q2\"");
    addRow("unconnected consumer", patched([](Json &j) { j["links"].erase(2); }), "$.nodes[3]",
           "port \"in\" is not connected");
    addRow("unconnected queue input", patched([](Json &j) {
               j["links"].erase(1);
               j["bindings"] = Json::array();
           }),
           "$.nodes[2]", "port \"in\" is not connected");
}

void TestTopology::warnings()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);

    const auto r = sb::parseTopology(str(text));
    QVERIFY2(r.ok(), r.errorText().c_str());
    QVERIFY2(hasDiagnostic(r.diagnostics, sb::Diagnostic::Severity::Warning, str(path), str(reason)),
             allDiagnostics(r.diagnostics).c_str());
    QVERIFY(r.errorText().find("warning: ") != std::string::npos);
}

void TestTopology::validateInMemory_data()
{
    QTest::addColumn<sb::Topology>("topology");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("reason");

    auto row = [](const char *name, auto patch, const char *path, const char *reason) {
        sb::Topology t = parsedBase();
        patch(t);
        QTest::newRow(name) << t << QByteArray(path) << QByteArray(reason);
    };
    row(
        "invalid id", [](sb::Topology &t) { t.nodes[0].id = "a b"; }, "$.nodes[0].id", "not a valid id");
    row(
        "unknown kind", [](sb::Topology &t) { t.nodes[1].kind = "router"; }, "$.nodes[1].kind",
        "unknown kind");
    row(
        "property out of range", [](sb::Topology &t) { t.nodes[2].properties["maxLength"] = -1; },
        "$.nodes[2].properties.maxLength", "below the minimum");
    row(
        "properties not an object", [](sb::Topology &t) { t.nodes[2].properties = Json::array(); },
        "$.nodes[2].properties", "must be an object");
    row(
        "link to a missing node", [](sb::Topology &t) { t.links[0].to = "nowhere"; }, "$.links[0].to",
        "no node with id");
    row(
        "empty port name", [](sb::Topology &t) { t.links[0].fromPort = ""; }, "$.links[0].fromPort",
        "no output port");
    row(
        "binding without link", [](sb::Topology &t) { t.links.erase(t.links.begin() + 1); }, "$.bindings[0]",
        "no link");
    row(
        "negative speed", [](sb::Topology &t) { t.run.speed = -1; }, "$.run.speed", "positive number");
}

void TestTopology::validateInMemory()
{
    QFETCH(sb::Topology, topology);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, reason);

    QVERIFY(!topology.nodes.empty());
    const auto diags = sb::validateTopology(topology);
    QVERIFY2(hasDiagnostic(diags, sb::Diagnostic::Severity::Error, str(path), str(reason)),
             allDiagnostics(diags).c_str());
}

void TestTopology::isValidId_data()
{
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<bool>("valid");

    QTest::newRow("letter") << QByteArray("q") << true;
    QTest::newRow("digit first") << QByteArray("1q") << true;
    QTest::newRow("all allowed punctuation") << QByteArray("a_b.c:d-e") << true;
    QTest::newRow("64 characters") << QByteArray(64, 'a') << true;
    QTest::newRow("65 characters") << QByteArray(65, 'a') << false;
    QTest::newRow("empty") << QByteArray("") << false;
    QTest::newRow("underscore first") << QByteArray("_a") << false;
    QTest::newRow("dot first") << QByteArray(".a") << false;
    QTest::newRow("space") << QByteArray("a b") << false;
    QTest::newRow("slash") << QByteArray("a/b") << false;
    QTest::newRow("quote") << QByteArray("a\"b") << false;
    QTest::newRow("comma") << QByteArray("a,b") << false;
    QTest::newRow("non-ASCII") << QByteArray("\xc3\xa9") << false;
    QTest::newRow("NUL inside") << QByteArray("a\0b", 3) << false;
}

void TestTopology::isValidId()
{
    QFETCH(QByteArray, id);
    QFETCH(bool, valid);
    QCOMPARE(sb::isValidId(str(id)), valid);
}

void TestTopology::examplesExist()
{
    QVERIFY2(!exampleFiles().isEmpty(), SIGNALBOX_EXAMPLES_DIR);
}

void TestTopology::exampleRoundTrip_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : exampleFiles())
        QTest::newRow(qPrintable(QFileInfo(f).fileName())) << f;
}

void TestTopology::exampleRoundTrip()
{
    QFETCH(QString, file);

    const auto loaded = sb::loadTopologyFile(str(file));
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    const std::string first = sb::serializeTopology(*loaded.topology);

    const auto reparsed = sb::parseTopology(first, str(file) + " (saved)");
    QVERIFY2(reparsed.ok(), reparsed.errorText().c_str());
    QVERIFY2(*reparsed.topology == *loaded.topology,
             firstDifference(*loaded.topology, *reparsed.topology).c_str());

    const std::string second = sb::serializeTopology(*reparsed.topology);
    QCOMPARE(qs(second), qs(first));
}

void TestTopology::inMemoryRoundTrip_data()
{
    QTest::addColumn<sb::Topology>("topology");

    QTest::newRow("empty") << sb::Topology{};
    QTest::newRow("base") << parsedBase();
    {
        sb::Topology t = parsedBase();
        t.name = "Caf\xc3\xa9 \"quoted\" \\ back\tslash";
        t.description = "line one\nline two \xe2\x9c\x93";
        t.nodes[0].name = "Producer \xe2\x86\x92 exchange";
        QTest::newRow("names with quotes, escapes and UTF-8") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.nodes[0].position = {0.1, -1234.5678901234567};
        t.nodes[1].position = {1e-9, 3e15};
        QTest::newRow("fractional positions") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.seed = UINT64_MAX;
        t.run.messages = 1000;
        t.run.speed = 2.5;
        t.run.until = 90 * sb::kSecond;
        QTest::newRow("run settings") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.until.reset();
        QTest::newRow("no time limit") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.until = 0;
        QTest::newRow("until zero") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.until = 1500 * sb::kMicrosecond;
        QTest::newRow("until 1.5ms") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.until = 1234567; // 1.234567 ms
        QTest::newRow("until with nanosecond precision") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.run.until = 3723 * sb::kSecond + 5; // an hour and a bit, plus 5 ns
        QTest::newRow("long until with nanosecond precision") << t;
    }
    {
        sb::Topology t = parsedBase();
        t.nodes[0].properties = Json::parse(R"j({
            "script": [{"at": "10ms", "routingKey": "orders.new", "key": "k1", "headers": {"h": "v"}, "size": 100,
                        "correlationId": 7}, {"at": 12.5}],
            "headers": {"tenant": "{node}"}, "keyList": ["a", "b"], "keys": "list", "sendMode": "confirmed",
            "confirmTimeout": "250ms", "zipfExponent": 1.25})j");
        t.nodes[2].properties =
            Json::parse(R"j({"maxLength": 10, "overflow": "reject-publish", "messageTtl": "2s"})j");
        t.nodes[3].properties =
            Json::parse(R"j({"processing": "uniform(1ms,5ms)", "failureProbability": 0.125})j");
        t.links[0].properties = Json::parse(R"j({"latency": "exp(2ms)", "loss": 0.01, "ordered": false})j");
        QTest::newRow("properties of every type") << t;
    }
}

void TestTopology::inMemoryRoundTrip()
{
    QFETCH(sb::Topology, topology);

    const auto diags = sb::validateTopology(topology);
    for (const auto &d : diags)
        QVERIFY2(d.severity == sb::Diagnostic::Severity::Warning, d.toString().c_str());

    const std::string first = sb::serializeTopology(topology);
    const auto parsed = sb::parseTopology(first);
    QVERIFY2(parsed.ok(), parsed.errorText().c_str());
    QVERIFY2(*parsed.topology == topology, firstDifference(topology, *parsed.topology).c_str());
    QCOMPARE(qs(sb::serializeTopology(*parsed.topology)), qs(first));
    // topologyToJson is what serializeTopology writes.
    QCOMPARE(qs(sb::topologyToJson(topology).dump(2) + "\n"), qs(first));
}

void TestTopology::saveAndLoad()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("topology.json"));
    sb::Topology t = parsedBase();

    std::string error;
    QVERIFY2(sb::saveTopologyFile(t, str(path), error), error.c_str());
    QVERIFY(error.empty());
    QCOMPARE(readAll(path), QByteArray::fromStdString(sb::serializeTopology(t)));
    // The temporary file was renamed over the target: nothing else is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("topology.json")});

    auto loaded = sb::loadTopologyFile(str(path));
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    QVERIFY2(*loaded.topology == t, firstDifference(t, *loaded.topology).c_str());

    // Saving again replaces the file.
    t.name = "renamed";
    t.nodes.pop_back();
    t.links.pop_back();
    QVERIFY2(sb::saveTopologyFile(t, str(path), error), error.c_str());
    QCOMPARE(readAll(path), QByteArray::fromStdString(sb::serializeTopology(t)));
    loaded = sb::loadTopologyFile(str(path));
    QVERIFY2(loaded.ok(), loaded.errorText().c_str());
    QCOMPARE(qs(loaded.topology->name), QStringLiteral("renamed"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("topology.json")});
}

void TestTopology::saveFails_data()
{
    QTest::addColumn<QString>("where"); // relative paths are inside a fresh temporary directory

    QTest::newRow("inside a missing directory") << QStringLiteral("no/such/dir/topology.json");
    QTest::newRow("inside a file") << QStringLiteral("existing.txt/topology.json");
    QTest::newRow("over a directory") << QStringLiteral("subdir");
    QTest::newRow("under /proc") << QStringLiteral("/proc/signalbox-tst-topology.json");
}

void TestTopology::saveFails()
{
    QFETCH(QString, where);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("subdir")));
    {
        QFile f(dir.filePath(QStringLiteral("existing.txt")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("keep me");
    }
    const QString path = QDir::isAbsolutePath(where) ? where : dir.filePath(where);

    std::string error;
    QVERIFY(!sb::saveTopologyFile(parsedBase(), str(path), error));
    QVERIFY2(error.find(str(path)) != std::string::npos, error.c_str());
    // Nothing was left behind or damaged.
    QCOMPARE(readAll(dir.filePath(QStringLiteral("existing.txt"))), QByteArray("keep me"));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("subdir"))).isDir());
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             (QStringList{QStringLiteral("existing.txt"), QStringLiteral("subdir")}));
}

// A write that fails half-way (here: the file size limit, which binds root too) must leave the
// file that was there untouched.
void TestTopology::failedSaveKeepsExistingFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("topology.json"));
    const QByteArray original = "{\"original\": true}\n";
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(original);
    }

    rlimit saved{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = 64;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
    bool ok = true;
    std::string error;
    {
        const auto restore = qScopeGuard([&] {
            setrlimit(RLIMIT_FSIZE, &saved);
            std::signal(SIGXFSZ, previousHandler);
        });
        ok = sb::saveTopologyFile(parsedBase(), str(path), error);
    }
    QVERIFY(!ok);
    QVERIFY2(error.find(str(path)) != std::string::npos, error.c_str());
    QCOMPARE(readAll(path), original);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("topology.json")});
}

void TestTopology::loadMissingFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = str(dir.filePath(QStringLiteral("missing.json")));
    const auto r = sb::loadTopologyFile(path);
    QVERIFY(!r.ok());
    QVERIFY(!r.diagnostics.empty());
    QVERIFY2(r.errorText().find(path) != std::string::npos, r.errorText().c_str());
    QVERIFY2(r.errorText().find("No such file") != std::string::npos, r.errorText().c_str());
}

void TestTopology::loadDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = str(dir.path());
    const auto r = sb::loadTopologyFile(path);
    QVERIFY(!r.ok());
    QVERIFY(!r.diagnostics.empty());
    QVERIFY2(r.errorText().find(path) != std::string::npos, r.errorText().c_str());
    QVERIFY2(r.errorText().find("directory") != std::string::npos, r.errorText().c_str());
}

QTEST_APPLESS_MAIN(TestTopology)
#include "tst_topology.moc"
