// The kind registry and property schema (schema.h), and the value types the schema is built on:
// durations (simtime.h), delay distributions (distribution.h) and the latency histogram
// (histogram.h).
#include "distribution.h"
#include "histogram.h"
#include "node.h"
#include "schema.h"
#include "simtime.h"
#include "topology.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

using sb::Json;

namespace {

std::string str(const QByteArray &b)
{
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}
QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

const sb::NodeKindSpec &kind(const QByteArray &name)
{
    static const sb::NodeKindSpec missing;
    const auto *k = sb::KindRegistry::builtin().find(str(name));
    return k ? *k : missing;
}

// The property specs of a kind, or the link properties for "link".
const std::vector<sb::PropertySpec> &specsOf(const QByteArray &owner)
{
    if (owner == "link") return sb::KindRegistry::builtin().linkProperties();
    return kind(owner).properties;
}

void addCheckRow(const char *name, sb::PropertyType type, const char *value, bool valid,
                 const char *reason = "", double min = kNone, double max = kNone,
                 QList<QByteArray> choices = {})
{
    QTest::newRow(name) << int(type) << min << max << choices << QByteArray(value) << valid
                        << QByteArray(reason);
}

} // namespace

class TestSchema : public QObject {
    Q_OBJECT

private slots:
    void closestMatchSuggests_data();
    void closestMatchSuggests();
    void typoHintsInMessages_data();
    void typoHintsInMessages();
    void initTestCase();

    // Registry
    void builtinKinds();
    void zeroMeaningsMatchHelp();
    void kindSpec_data();
    void kindSpec();
    void linkProperties();
    void registryJson();
    void propertyTypeNames();

    // Property values
    void checkPropertyValue_data();
    void checkPropertyValue();
    void customCheckRunsAfterTypeCheck();
    void propertyBagDefaults_data();
    void propertyBagDefaults();
    void propertyBagValues();

    // Durations and distributions
    void parseDuration_data();
    void parseDuration();
    void formatDuration_data();
    void formatDuration();
    void distributionParse_data();
    void distributionParse();
    void distributionSamples_data();
    void distributionSamples();

    // Latency histogram
    void histogramQuantiles_data();
    void histogramQuantiles();
    void histogramMinMaxExact();
    void histogramExactBelow128();
    void histogramSpreadData_data();
    void histogramSpreadData();
    void histogramBuckets_data();
    void histogramBuckets();
    void histogramMerge();
    void histogramEmptyAndClear();
    void histogramLargestValue(); // last: under UBSan a failure here ends the run

private:
    sb::LatencyHistogram m_oneTo100k; // 1, 2, ..., 100000
};

void TestSchema::initTestCase()
{
    for (std::int64_t v = 1; v <= 100000; ++v)
        m_oneTo100k.record(v);
}

// ---- Registry

void TestSchema::builtinKinds()
{
    const auto &reg = sb::KindRegistry::builtin();
    QVERIFY(!reg.kinds().empty());
    std::set<std::string> names;
    for (const auto &k : reg.kinds()) {
        QVERIFY2(names.insert(k.kind).second, ("duplicate kind " + k.kind).c_str());
        QCOMPARE(reg.find(k.kind), &k);
    }
    for (const char *expected : {"producer", "exchange", "queue", "consumer"})
        QVERIFY2(reg.find(expected), expected);
    QCOMPARE(reg.find("nope"), nullptr);
    QCOMPARE(reg.find(""), nullptr);
    QCOMPARE(reg.find("Queue"), nullptr);

    const auto kindNames = reg.kindNames();
    QCOMPARE(kindNames.size(), reg.kinds().size());
    for (std::size_t i = 0; i < kindNames.size(); ++i)
        QCOMPARE(qs(kindNames[i]), qs(reg.kinds()[i].kind));
}

// A 0 that switches a limit off is flagged with its meaning exactly where the help says so
// ("0 = no limit", "0 = never"), so that the property editor shows it in words.
void TestSchema::zeroMeaningsMatchHelp()
{
    const auto &reg = sb::KindRegistry::builtin();
    std::vector<const sb::PropertySpec *> all;
    for (const auto &k : reg.kinds())
        for (const auto &p : k.properties)
            all.push_back(&p);
    for (const auto &p : reg.linkProperties())
        all.push_back(&p);
    int flagged = 0;
    for (const sb::PropertySpec *p : all) {
        const bool saysSo = p->help.find("0 = ") != std::string::npos;
        QVERIFY2(saysSo == !p->zeroMeans.empty(), p->key.c_str());
        if (!saysSo) continue;
        ++flagged;
        QVERIFY2(p->defaultValue.is_number() || p->min.value_or(1) == 0, p->key.c_str());
        // The words shown are the help's own: "0 = no limit", "0 = never", "0 = no breaker".
        QVERIFY2(p->help.find("0 = " + p->zeroMeans) != std::string::npos, p->key.c_str());
    }
    QVERIFY(flagged >= 7);
    const sb::PropertySpec *count = reg.find("producer")->property("count");
    QCOMPARE(qs(count->zeroMeans), QStringLiteral("no limit"));
    QCOMPARE(qs(reg.find("queue")->property("messageTtl")->zeroMeans), QStringLiteral("never"));
}

void TestSchema::kindSpec_data()
{
    QTest::addColumn<QByteArray>("name");
    for (const auto &k : sb::KindRegistry::builtin().kinds())
        QTest::newRow(k.kind.c_str()) << QByteArray::fromStdString(k.kind);
}

void TestSchema::kindSpec()
{
    QFETCH(QByteArray, name);
    const sb::NodeKindSpec &k = kind(name);
    QCOMPARE(QByteArray::fromStdString(k.kind), name);
    QVERIFY(!k.label.empty());
    QVERIFY(!k.category.empty());
    QVERIFY(!k.help.empty());
    QVERIFY(k.factory);

    // Ports
    QVERIFY(!k.ports.empty());
    std::set<std::string> ports;
    for (std::size_t i = 0; i < k.ports.size(); ++i) {
        const auto &p = k.ports[i];
        QVERIFY2(sb::isValidId(p.name), p.name.c_str()); // port names are written in files
        QVERIFY2(ports.insert(p.name).second, ("duplicate port " + p.name).c_str());
        QVERIFY2(!p.help.empty(), p.name.c_str());
        QCOMPARE(k.port(p.name), std::optional<sb::PortIndex>(static_cast<sb::PortIndex>(i)));
    }
    QCOMPARE(k.port("nope"), std::optional<sb::PortIndex>());

    // Properties
    std::set<std::string> keys;
    for (const auto &p : k.properties) {
        const std::string where = k.kind + "." + p.key;
        QVERIFY2(keys.insert(p.key).second, ("duplicate property " + where).c_str());
        QCOMPARE(k.property(p.key), &p);
        QVERIFY2(!p.label.empty(), where.c_str());
        QVERIFY2(!p.help.empty(), where.c_str());
        const std::string why = sb::checkPropertyValue(p, p.defaultValue);
        QVERIFY2(why.empty(), (where + ": default " + p.defaultValue.dump() + ": " + why).c_str());
        if (p.min && p.max) QVERIFY2(*p.min <= *p.max, where.c_str());
        if (p.type == sb::PropertyType::Enum) {
            QVERIFY2(!p.choices.empty(), where.c_str());
            QVERIFY2(std::find(p.choices.begin(), p.choices.end(), p.defaultValue.get<std::string>()) !=
                         p.choices.end(),
                     where.c_str());
            QCOMPARE(std::set<std::string>(p.choices.begin(), p.choices.end()).size(), p.choices.size());
        } else {
            QVERIFY2(p.choices.empty(), where.c_str());
        }
    }
    QCOMPARE(k.property("nope"), nullptr);

    // The factory builds a node from the defaults alone.
    const Json none = Json::object();
    sb::NodeSetup setup{"n1", 0, sb::PropertyBag(k.properties, none), {}};
    const auto node = k.factory(setup);
    QVERIFY(node);
}

void TestSchema::linkProperties()
{
    const auto &specs = sb::KindRegistry::builtin().linkProperties();
    std::set<std::string> keys;
    for (const auto &p : specs) {
        QVERIFY2(keys.insert(p.key).second, p.key.c_str());
        QVERIFY2(!p.label.empty() && !p.help.empty(), p.key.c_str());
        const std::string why = sb::checkPropertyValue(p, p.defaultValue);
        QVERIFY2(why.empty(), (p.key + ": " + why).c_str());
    }
    QCOMPARE(keys, (std::set<std::string>{"latency", "loss", "duplicate", "ordered"}));
}

void TestSchema::registryJson()
{
    const auto &reg = sb::KindRegistry::builtin();
    const Json j = Json::parse(reg.toJson().dump());
    QVERIFY(j["kinds"].is_array());
    QCOMPARE(j["kinds"].size(), reg.kinds().size());
    for (std::size_t i = 0; i < reg.kinds().size(); ++i) {
        const auto &k = reg.kinds()[i];
        const Json &jk = j["kinds"][i];
        QCOMPARE(qs(jk["kind"].get<std::string>()), qs(k.kind));
        QCOMPARE(jk["ports"].size(), k.ports.size());
        QCOMPARE(jk["properties"].size(), k.properties.size());
        for (std::size_t p = 0; p < k.properties.size(); ++p) {
            QCOMPARE(qs(jk["properties"][p]["key"].get<std::string>()), qs(k.properties[p].key));
            QCOMPARE(qs(jk["properties"][p]["type"].get<std::string>()),
                     qs(sb::propertyTypeName(k.properties[p].type)));
            QVERIFY(jk["properties"][p]["default"] == k.properties[p].defaultValue);
        }
    }
    QCOMPARE(j["link"].size(), reg.linkProperties().size());
}

void TestSchema::propertyTypeNames()
{
    std::set<std::string> names;
    for (int t = int(sb::PropertyType::Bool); t <= int(sb::PropertyType::Script); ++t) {
        const std::string name = sb::propertyTypeName(static_cast<sb::PropertyType>(t));
        QVERIFY(!name.empty() && name != "?");
        QVERIFY2(names.insert(name).second, name.c_str());
    }
}

// ---- Property values

void TestSchema::checkPropertyValue_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<double>("min"); // NaN: none
    QTest::addColumn<double>("max");
    QTest::addColumn<QList<QByteArray>>("choices");
    QTest::addColumn<QByteArray>("value"); // JSON text
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("reason"); // substring of the reason when invalid

    using T = sb::PropertyType;
    addCheckRow("bool: true", T::Bool, "true", true);
    addCheckRow("bool: false", T::Bool, "false", true);
    addCheckRow("bool: 1", T::Bool, "1", false, "true or false");
    addCheckRow("bool: string", T::Bool, "\"true\"", false, "true or false");
    addCheckRow("bool: null", T::Bool, "null", false, "true or false");

    addCheckRow("integer: 5", T::Integer, "5", true);
    addCheckRow("integer: negative, no minimum", T::Integer, "-5", true);
    addCheckRow("integer: whole float", T::Integer, "2.0", true);
    addCheckRow("integer: fraction", T::Integer, "2.5", false, "whole number");
    addCheckRow("integer: string", T::Integer, "\"5\"", false, "whole number");
    addCheckRow("integer: bool", T::Integer, "true", false, "whole number");
    addCheckRow("integer: at minimum", T::Integer, "0", true, "", 0, 10);
    addCheckRow("integer: at maximum", T::Integer, "10", true, "", 0, 10);
    addCheckRow("integer: below minimum", T::Integer, "-1", false, "below the minimum 0", 0, 10);
    addCheckRow("integer: above maximum", T::Integer, "11", false, "above the maximum 10", 0, 10);
    addCheckRow("integer: large maximum", T::Integer, "1000000000000", true, "", 0, 1e12);

    addCheckRow("number: fraction", T::Number, "1.5", true);
    addCheckRow("number: integer", T::Number, "3", true);
    addCheckRow("number: string", T::Number, "\"1\"", false, "expected a number");
    addCheckRow("number: null", T::Number, "null", false, "expected a number");
    addCheckRow("number: below minimum", T::Number, "-0.5", false, "below the minimum", 0, kNone);
    addCheckRow("number: at maximum", T::Number, "10000000", true, "", 0, 1e7);
    addCheckRow("number: above maximum", T::Number, "10000000.5", false, "above the maximum", 0, 1e7);

    addCheckRow("probability: 0", T::Probability, "0", true);
    addCheckRow("probability: 1", T::Probability, "1", true);
    addCheckRow("probability: half", T::Probability, "0.5", true);
    addCheckRow("probability: above 1", T::Probability, "1.5", false, "not a probability");
    addCheckRow("probability: negative", T::Probability, "-0.1", false, "not a probability");
    addCheckRow("probability: string", T::Probability, "\"0.5\"", false, "expected a probability");

    addCheckRow("string: text", T::String, "\"x\"", true);
    addCheckRow("string: empty", T::String, "\"\"", true);
    addCheckRow("string: number", T::String, "5", false, "expected a string");
    addCheckRow("string: list", T::String, "[\"x\"]", false, "expected a string");

    const QList<QByteArray> ab{"a", "b"};
    addCheckRow("enum: first choice", T::Enum, "\"a\"", true, "", kNone, kNone, ab);
    addCheckRow("enum: second choice", T::Enum, "\"b\"", true, "", kNone, kNone, ab);
    addCheckRow("enum: not a choice", T::Enum, "\"c\"", false, "'c' is not one of: a, b", kNone, kNone, ab);
    addCheckRow("enum: other case", T::Enum, "\"A\"", false, "not one of", kNone, kNone, ab);
    addCheckRow("enum: number", T::Enum, "1", false, "expected a string", kNone, kNone, ab);

    addCheckRow("duration: number of ms", T::Duration, "250", true);
    addCheckRow("duration: fractional ms", T::Duration, "0.5", true);
    addCheckRow("duration: 250ms", T::Duration, "\"250ms\"", true);
    addCheckRow("duration: 10s", T::Duration, "\"10s\"", true);
    addCheckRow("duration: bare string number", T::Duration, "\"1.5\"", true);
    addCheckRow("duration: negative number", T::Duration, "-1", false, "non-negative");
    addCheckRow("duration: negative string", T::Duration, "\"-1ms\"", false, "not a duration");
    addCheckRow("duration: word", T::Duration, "\"soon\"", false, "not a duration");
    addCheckRow("duration: bool", T::Duration, "true", false, "expected a duration");
    addCheckRow("duration: below minimum", T::Duration, "0", false, "below the minimum", 0.001, kNone);
    addCheckRow("duration: string below minimum", T::Duration, "\"0ms\"", false, "below the minimum", 0.001,
                kNone);
    addCheckRow("duration: 1us at minimum", T::Duration, "\"1us\"", true, "", 0.001, kNone);
    addCheckRow("duration: string above maximum", T::Duration, "\"2s\"", false, "above the maximum", 0, 1000);
    addCheckRow("duration: string at maximum", T::Duration, "\"1s\"", true, "", 0, 1000);
    // A duration must fit in SimTime (int64 ns, about 292 years) to mean anything: the string
    // form is refused beyond that, the number form must be as well.
    addCheckRow("duration: string beyond SimTime", T::Duration, "\"1e300\"", false, "not a duration");
    addCheckRow("duration: number beyond SimTime", T::Duration, "1e300", false, "");
    addCheckRow("duration: 1e13 ms is beyond SimTime", T::Duration, "10000000000000", false, "");

    addCheckRow("distribution: fixed", T::Distribution, "\"5ms\"", true);
    addCheckRow("distribution: number", T::Distribution, "5", true);
    addCheckRow("distribution: uniform", T::Distribution, "\"uniform(1ms,5ms)\"", true);
    addCheckRow("distribution: normal", T::Distribution, "\"normal(10ms,2ms)\"", true);
    addCheckRow("distribution: exp", T::Distribution, "\"exp(5ms)\"", true);
    addCheckRow("distribution: unknown", T::Distribution, "\"zipf(1ms)\"", false, "unknown distribution");
    addCheckRow("distribution: low above high", T::Distribution, "\"uniform(5ms,1ms)\"", false,
                "low <= high");
    addCheckRow("distribution: list", T::Distribution, "[]", false, "expected a distribution");
    addCheckRow("distribution: negative number", T::Distribution, "-5", false,
                "not a duration or distribution");

    addCheckRow("string list: empty", T::StringList, "[]", true);
    addCheckRow("string list: two", T::StringList, "[\"a\", \"b\"]", true);
    addCheckRow("string list: number entry", T::StringList, "[\"a\", 1]", false, "entry 1 is not a string");
    addCheckRow("string list: a string", T::StringList, "\"a\"", false, "list of strings");

    addCheckRow("string map: empty", T::StringMap, "{}", true);
    addCheckRow("string map: one", T::StringMap, "{\"a\": \"b\"}", true);
    addCheckRow("string map: number value", T::StringMap, "{\"a\": 1}", false, "'a' is not a string");
    addCheckRow("string map: a list", T::StringMap, "[]", false, "object of strings");

    addCheckRow("script: empty", T::Script, "[]", true);
    addCheckRow("script: entries are the kind's business", T::Script, "[1, \"x\"]", true);
    addCheckRow("script: an object", T::Script, "{}", false, "list of message objects");
}

void TestSchema::checkPropertyValue()
{
    QFETCH(int, type);
    QFETCH(double, min);
    QFETCH(double, max);
    QFETCH(QList<QByteArray>, choices);
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QFETCH(QByteArray, reason);

    sb::PropertySpec spec;
    spec.key = "k";
    spec.label = "K";
    spec.type = static_cast<sb::PropertyType>(type);
    if (!std::isnan(min)) spec.min = min;
    if (!std::isnan(max)) spec.max = max;
    for (const auto &c : choices)
        spec.choices.push_back(str(c));

    const std::string why = sb::checkPropertyValue(spec, Json::parse(str(value)));
    if (valid) {
        QVERIFY2(why.empty(), why.c_str());
        return;
    }
    QVERIFY2(!why.empty(), "an invalid value was accepted");
    QVERIFY2(why.find(str(reason)) != std::string::npos, why.c_str());
}

void TestSchema::customCheckRunsAfterTypeCheck()
{
    int calls = 0;
    sb::PropertySpec spec;
    spec.key = "k";
    spec.type = sb::PropertyType::String;
    spec.check = [&calls](const Json &v) {
        ++calls;
        return v == "bad" ? std::string("nope") : std::string();
    };
    QCOMPARE(qs(sb::checkPropertyValue(spec, "good")), QString());
    QCOMPARE(qs(sb::checkPropertyValue(spec, "bad")), QStringLiteral("nope"));
    QCOMPARE(calls, 2);
    QVERIFY(!sb::checkPropertyValue(spec, 5).empty());
    QCOMPARE(calls, 2); // a value of the wrong type never reaches the kind's own check

    spec.type = sb::PropertyType::Integer;
    spec.max = 3;
    QVERIFY(sb::checkPropertyValue(spec, 4).find("above the maximum") != std::string::npos);
    QCOMPARE(calls, 2); // nor does one out of range
}

void TestSchema::propertyBagDefaults_data()
{
    QTest::addColumn<QByteArray>("owner");
    for (const auto &k : sb::KindRegistry::builtin().kinds())
        QTest::newRow(k.kind.c_str()) << QByteArray::fromStdString(k.kind);
    QTest::newRow("link") << QByteArray("link");
}

void TestSchema::propertyBagDefaults()
{
    QFETCH(QByteArray, owner);
    const auto &specs = specsOf(owner);
    QVERIFY(!specs.empty());

    const Json empty = Json::object();
    const sb::PropertyBag bag(specs, empty);
    for (const auto &p : specs)
        QVERIFY2(bag.value(p.key) == p.defaultValue, p.key.c_str());
    QVERIFY(bag.value("no-such-key").is_null());

    // A value that is set wins; the others keep their defaults.
    const auto &first = specs.front();
    const Json set = {{first.key, Json("sentinel")}};
    const sb::PropertyBag partial(specs, set);
    QVERIFY(partial.value(first.key) == "sentinel");
    for (std::size_t i = 1; i < specs.size(); ++i)
        QVERIFY2(partial.value(specs[i].key) == specs[i].defaultValue, specs[i].key.c_str());
}

void TestSchema::propertyBagValues()
{
    const Json none = Json::object();
    const sb::PropertyBag queue(kind("queue").properties, none);
    QCOMPARE(queue.integer("maxLength"), std::int64_t(0));
    QCOMPARE(qs(queue.string("overflow")), QStringLiteral("drop-head"));
    QCOMPARE(queue.duration("messageTtl"), sb::SimTime(0));

    const sb::PropertyBag producer(kind("producer").properties, none);
    QCOMPARE(producer.number("rate"), 10.0);
    QCOMPARE(producer.duration("confirmTimeout"), sb::kSecond);
    QVERIFY(producer.stringList("keyList").empty());
    QVERIFY(producer.stringMap("headers").empty());

    const sb::PropertyBag consumer(kind("consumer").properties, none);
    QVERIFY(consumer.distribution("processing") == sb::Distribution::fixed(10 * sb::kMillisecond));

    const sb::PropertyBag link(sb::KindRegistry::builtin().linkProperties(), none);
    QVERIFY(link.boolean("ordered"));
    QCOMPARE(link.number("loss"), 0.0);
    QVERIFY(link.distribution("latency") == sb::Distribution::fixed(sb::kMillisecond));

    const Json set = Json::parse(R"j({"messageTtl": "2s", "ackTimeout": 1.5, "maxLength": 7})j");
    const sb::PropertyBag q2(kind("queue").properties, set);
    QCOMPARE(q2.duration("messageTtl"), 2 * sb::kSecond);
    QCOMPARE(q2.duration("ackTimeout"), 1500 * sb::kMicrosecond);
    QCOMPARE(q2.integer("maxLength"), std::int64_t(7));

    const Json p2Values = Json::parse(R"j({"keyList": ["x", "y"], "headers": {"b": "2", "a": "1"}})j");
    const sb::PropertyBag p2(kind("producer").properties, p2Values);
    QCOMPARE(p2.stringList("keyList"), (std::vector<std::string>{"x", "y"}));
    // Header order is the file's order.
    const auto headers = p2.stringMap("headers");
    QCOMPARE(headers.size(), std::size_t(2));
    QCOMPARE(qs(headers[0].first + "=" + headers[0].second), QStringLiteral("b=2"));
    QCOMPARE(qs(headers[1].first + "=" + headers[1].second), QStringLiteral("a=1"));

    const Json c2Values = Json::parse(R"j({"processing": "exp(5ms)"})j");
    const sb::PropertyBag c2(kind("consumer").properties, c2Values);
    QVERIFY(c2.distribution("processing") ==
            (sb::Distribution{sb::Distribution::Kind::Exponential, 5 * sb::kMillisecond, 0}));
    const Json c3Values = Json::parse(R"j({"processing": 7})j");
    const sb::PropertyBag c3(kind("consumer").properties, c3Values);
    QVERIFY(c3.distribution("processing") == sb::Distribution::fixed(7 * sb::kMillisecond));
}

// ---- Durations and distributions

void TestSchema::parseDuration_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("defaultUnit");
    QTest::addColumn<qint64>("expected"); // nanoseconds; -1: rejected

    auto row = [](const char *text, qint64 ns, const char *unit = "ms") {
        QTest::newRow(text[0] ? text : "(empty)") << QByteArray(text) << QByteArray(unit) << ns;
    };
    row("250ms", 250 * sb::kMillisecond);
    row("10s", 10 * sb::kSecond);
    row("1.5us", 1500);
    row("1\xc2\xb5s", 1000);
    row("100ns", 100);
    row("2m", 120 * sb::kSecond);
    row("1min", 60 * sb::kSecond);
    row("1h", 3600 * sb::kSecond);
    row("0", 0);
    row("0.5", 500 * sb::kMicrosecond);
    row("1e3ms", sb::kSecond);
    row(" 10s ", 10 * sb::kSecond);
    row("10 s", 10 * sb::kSecond);
    row("9000000000s", 9'000'000'000 * sb::kSecond);
    QTest::newRow("bare number in seconds") << QByteArray("5") << QByteArray("s") << qint64(5 * sb::kSecond);
    QTest::newRow("bare number in ns") << QByteArray("5") << QByteArray("ns") << qint64(5);
    QTest::newRow("unit wins over default")
        << QByteArray("5ms") << QByteArray("s") << qint64(5 * sb::kMillisecond);

    row("", -1);
    row("   ", -1);
    row("ms", -1);
    row("-1ms", -1);
    row("-0.5", -1);
    row("+5ms", -1);
    row("abc", -1);
    row("10x", -1);
    row("10sec", -1);
    row("10ms5", -1);
    row("1,5ms", -1);
    row("1e300s", -1);
    row("10000000000s", -1);
    row("inf", -1);
    row("nan", -1);
    QTest::newRow("bad default unit") << QByteArray("5") << QByteArray("parsecs") << qint64(-1);
}

void TestSchema::parseDuration()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, defaultUnit);
    QFETCH(qint64, expected);

    const auto d = sb::parseDuration(str(text), str(defaultUnit));
    if (expected < 0) {
        QVERIFY2(!d, qPrintable(QString::number(d.value_or(0))));
        return;
    }
    QVERIFY(d.has_value());
    QCOMPARE(qint64(*d), expected);
}

void TestSchema::formatDuration_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("roundTrips");

    QTest::newRow("zero") << qint64(0) << QByteArray("0") << true;
    QTest::newRow("1ns") << qint64(1) << QByteArray("1ns") << true;
    QTest::newRow("80ns") << qint64(80) << QByteArray("80ns") << true;
    QTest::newRow("999ns") << qint64(999) << QByteArray("999ns") << true;
    QTest::newRow("1us") << qint64(1000) << QByteArray("1us") << true;
    QTest::newRow("1.5us") << qint64(1500) << QByteArray("1.5us") << true;
    QTest::newRow("12us") << qint64(12000) << QByteArray("12us") << true;
    QTest::newRow("250ms") << qint64(250 * sb::kMillisecond) << QByteArray("250ms") << true;
    QTest::newRow("1s") << qint64(sb::kSecond) << QByteArray("1s") << true;
    QTest::newRow("1.5s") << qint64(1500 * sb::kMillisecond) << QByteArray("1.5s") << true;
    QTest::newRow("90s") << qint64(90 * sb::kSecond) << QByteArray("90s") << true;
    QTest::newRow("an hour") << qint64(3600 * sb::kSecond) << QByteArray("3600s") << true;
    QTest::newRow("never") << qint64(sb::kNever) << QByteArray("never") << false;
    QTest::newRow("negative") << qint64(-5 * sb::kMillisecond) << QByteArray("-5ms") << false;
}

void TestSchema::formatDuration()
{
    QFETCH(qint64, ns);
    QFETCH(QByteArray, text);
    QFETCH(bool, roundTrips);

    const std::string formatted = sb::formatDuration(ns);
    QCOMPARE(QByteArray::fromStdString(formatted), text);
    if (roundTrips) {
        const auto back = sb::parseDuration(formatted);
        QVERIFY(back.has_value());
        QCOMPARE(qint64(*back), ns);
    }
}

void TestSchema::distributionParse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("a");
    QTest::addColumn<qint64>("b");
    QTest::addColumn<QByteArray>("canonical"); // toString(); or the error substring when invalid

    using K = sb::Distribution::Kind;
    constexpr qint64 ms = sb::kMillisecond;
    auto ok = [](const char *name, const char *text, K kind, qint64 a, qint64 b, const char *canonical) {
        QTest::newRow(name) << QByteArray(text) << true << int(kind) << a << b << QByteArray(canonical);
    };
    auto bad = [](const char *name, const char *text, const char *error) {
        QTest::newRow(name) << QByteArray(text) << false << 0 << qint64(0) << qint64(0) << QByteArray(error);
    };

    ok("duration", "5ms", K::Fixed, 5 * ms, 0, "5ms");
    ok("bare number is ms", "5", K::Fixed, 5 * ms, 0, "5ms");
    ok("fractional ms", "2.5", K::Fixed, 2500 * sb::kMicrosecond, 0, "2.5ms");
    ok("spaces around", " 5ms ", K::Fixed, 5 * ms, 0, "5ms");
    ok("zero", "0", K::Fixed, 0, 0, "0");
    ok("fixed()", "fixed(5ms)", K::Fixed, 5 * ms, 0, "5ms");
    ok("const()", "const(2s)", K::Fixed, 2 * sb::kSecond, 0, "2s");
    ok("uniform", "uniform(1ms,5ms)", K::Uniform, 1 * ms, 5 * ms, "uniform(1ms,5ms)");
    ok("uniform with spaces", "uniform( 1ms , 5ms )", K::Uniform, 1 * ms, 5 * ms, "uniform(1ms,5ms)");
    ok("uniform of bare numbers", "uniform(1,5)", K::Uniform, 1 * ms, 5 * ms, "uniform(1ms,5ms)");
    ok("uniform, low equals high", "uniform(5ms,5ms)", K::Uniform, 5 * ms, 5 * ms, "uniform(5ms,5ms)");
    ok("normal", "normal(10ms,2ms)", K::Normal, 10 * ms, 2 * ms, "normal(10ms,2ms)");
    ok("gauss", "gauss(10ms,0)", K::Normal, 10 * ms, 0, "normal(10ms,0)");
    ok("exp", "exp(5ms)", K::Exponential, 5 * ms, 0, "exp(5ms)");
    ok("exponential", "exponential(250us)", K::Exponential, 250 * sb::kMicrosecond, 0, "exp(250us)");
    ok("exp of seconds", "exp(1.5s)", K::Exponential, 1500 * ms, 0, "exp(1.5s)");

    bad("empty", "", "not a duration or distribution");
    bad("word", "fast", "not a duration or distribution");
    bad("negative", "-5ms", "not a duration or distribution");
    bad("uniform low above high", "uniform(5ms,1ms)", "low <= high");
    bad("uniform with one argument", "uniform(1ms)", "takes 2 arguments, got 1");
    bad("normal with three arguments", "normal(1ms,2ms,3ms)", "takes 2 arguments, got 3");
    bad("exp with two arguments", "exp(1ms,2ms)", "takes 1 argument, got 2");
    bad("missing paren", "exp(5ms", "missing ')'");
    bad("text after paren", "exp(5ms)x", "missing ')'");
    bad("unknown name", "gamma(1ms)", "unknown distribution 'gamma'");
    bad("no name", "(5ms)", "unknown distribution");
    bad("negative deviation", "normal(10ms,-1ms)", "'-1ms' is not a non-negative duration");
    bad("no arguments", "exp()", "is not a non-negative duration");
    bad("empty argument", "uniform(1ms,,5ms)", "is not a non-negative duration");
    bad("bad unit inside", "exp(5 parsecs)", "is not a non-negative duration");
}

void TestSchema::distributionParse()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(int, kind);
    QFETCH(qint64, a);
    QFETCH(qint64, b);
    QFETCH(QByteArray, canonical);

    sb::Distribution d;
    std::string error;
    const bool parsed = sb::Distribution::parse(str(text), d, error);
    if (!valid) {
        QVERIFY2(!parsed, qPrintable(qs(d.toString())));
        QVERIFY2(error.find(str(canonical)) != std::string::npos, error.c_str());
        return;
    }
    QVERIFY2(parsed, error.c_str());
    QCOMPARE(int(d.kind), kind);
    QCOMPARE(qint64(d.a), a);
    QCOMPARE(qint64(d.b), b);
    QCOMPARE(QByteArray::fromStdString(d.toString()), canonical);

    // The canonical text parses back to the same distribution.
    sb::Distribution again;
    QVERIFY2(sb::Distribution::parse(d.toString(), again, error), error.c_str());
    QVERIFY(again == d);
}

void TestSchema::distributionSamples_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("low"); // every sample is within [low, high]
    QTest::addColumn<qint64>("high");
    QTest::addColumn<double>("mean"); // expected sample mean, in ns

    constexpr qint64 ms = sb::kMillisecond;
    QTest::newRow("fixed") << QByteArray("5ms") << 5 * ms << 5 * ms << 5e6;
    QTest::newRow("uniform") << QByteArray("uniform(1ms,5ms)") << 1 * ms << 5 * ms << 3e6;
    QTest::newRow("normal clamped at zero")
        << QByteArray("normal(1ms,2ms)") << qint64(0) << std::numeric_limits<qint64>::max() << -1.0;
    QTest::newRow("exp") << QByteArray("exp(5ms)") << qint64(0) << std::numeric_limits<qint64>::max() << 5e6;
    QTest::newRow("normal") << QByteArray("normal(100ms,1ms)") << qint64(0)
                            << std::numeric_limits<qint64>::max() << 100e6;
}

void TestSchema::distributionSamples()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, low);
    QFETCH(qint64, high);
    QFETCH(double, mean);

    sb::Distribution d;
    std::string error;
    QVERIFY2(sb::Distribution::parse(str(text), d, error), error.c_str());
    sb::Rng rng(42);
    constexpr int n = 20000;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        const sb::SimTime s = d.sample(rng);
        QVERIFY2(s >= low && s <= high, qPrintable(QString::number(s)));
        sum += static_cast<double>(s);
    }
    if (mean >= 0) {
        QVERIFY2(std::abs(sum / n - mean) <= 0.05 * mean, qPrintable(QString::number(sum / n)));
        QCOMPARE(double(d.mean()), mean);
    }
}

// ---- Latency histogram

void TestSchema::histogramQuantiles_data()
{
    QTest::addColumn<double>("q");
    for (double q : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999})
        QTest::newRow(qPrintable(QString::number(q))) << q;
}

void TestSchema::histogramQuantiles()
{
    QFETCH(double, q);
    // For 1..N the exact q-quantile (nearest rank) is ceil(q * N).
    const double exact = std::ceil(q * 100000.0);
    const double reported = static_cast<double>(m_oneTo100k.quantile(q));
    QVERIFY2(std::abs(reported - exact) <= 0.016 * exact,
             qPrintable(QStringLiteral("reported %1, exact %2").arg(reported).arg(exact)));
}

void TestSchema::histogramMinMaxExact()
{
    const auto &h = m_oneTo100k;
    QCOMPARE(h.count(), std::uint64_t(100000));
    QCOMPARE(h.min(), std::int64_t(1));
    QCOMPARE(h.max(), std::int64_t(100000));
    QCOMPARE(h.quantile(0), std::int64_t(1));
    QCOMPARE(h.quantile(1), std::int64_t(100000));
    QCOMPARE(h.mean(), 50000.5);

    // An odd maximum, far from any bucket boundary, is still exact.
    sb::LatencyHistogram odd;
    odd.record(1'234'567'891);
    odd.record(7);
    QCOMPARE(odd.max(), std::int64_t(1'234'567'891));
    QCOMPARE(odd.quantile(1), std::int64_t(1'234'567'891));
    QCOMPARE(odd.min(), std::int64_t(7));
    QCOMPARE(odd.quantile(0), std::int64_t(7));
}

void TestSchema::histogramExactBelow128()
{
    sb::LatencyHistogram h;
    for (std::int64_t v = 0; v < 128; ++v)
        h.record(v);
    for (double q : {0.01, 0.25, 0.5, 0.75, 0.99}) {
        const auto exact = static_cast<std::int64_t>(std::ceil(q * 128)) - 1;
        QCOMPARE(h.quantile(q), exact);
    }
}

void TestSchema::histogramSpreadData_data()
{
    QTest::addColumn<double>("q");
    for (double q : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999})
        QTest::newRow(qPrintable(QString::number(q))) << q;
}

// Values spread over many octaves (1 ns to about 20 minutes), recorded in shuffled order.
void TestSchema::histogramSpreadData()
{
    QFETCH(double, q);
    std::vector<std::int64_t> values;
    for (double v = 1; v < 1.2e12; v *= 1.003)
        values.push_back(static_cast<std::int64_t>(v));
    std::vector<std::int64_t> shuffled = values;
    sb::Rng rng(7);
    for (std::size_t i = shuffled.size() - 1; i > 0; --i)
        std::swap(shuffled[i], shuffled[rng.below(i + 1)]);
    sb::LatencyHistogram h;
    for (auto v : shuffled)
        h.record(v);

    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    const double exact = static_cast<double>(values[rank - 1]);
    const double reported = static_cast<double>(h.quantile(q));
    QVERIFY2(std::abs(reported - exact) <= 0.016 * exact,
             qPrintable(QStringLiteral("reported %1, exact %2").arg(reported).arg(exact)));
}

void TestSchema::histogramBuckets_data()
{
    QTest::addColumn<qint64>("value");
    for (qint64 v :
         {qint64(0), qint64(1), qint64(127), qint64(128), qint64(129), qint64(255), qint64(256), qint64(1000),
          qint64(65535), qint64(1'000'000), qint64(123'456'789), qint64(1'000'000'000'000),
          qint64(1'000'000'000'000'000), std::numeric_limits<qint64>::max() / 2})
        QTest::newRow(qPrintable(QString::number(v))) << v;
}

void TestSchema::histogramBuckets()
{
    QFETCH(qint64, value);
    const std::size_t b = sb::LatencyHistogram::bucketFor(value);
    const std::int64_t lo = sb::LatencyHistogram::lowerBound(b);
    const std::int64_t hi = sb::LatencyHistogram::upperBound(b);
    QVERIFY2(lo <= value && value <= hi, qPrintable(QStringLiteral("[%1, %2]").arg(lo).arg(hi)));
    QCOMPARE(sb::LatencyHistogram::bucketFor(lo), b);
    if (value < 128) {
        QCOMPARE(lo, value);
        QCOMPARE(hi, value);
    } else {
        // Bucket width is at most 1/64 of its lower bound: the midpoint is within 1.6%.
        QVERIFY(static_cast<double>(hi - lo + 1) <= static_cast<double>(lo) / 64.0 + 1);
    }

    sb::LatencyHistogram h;
    h.record(value);
    QCOMPARE(h.min(), std::int64_t(value));
    QCOMPARE(h.max(), std::int64_t(value));
    QCOMPARE(h.quantile(0.5), std::int64_t(value));
}

void TestSchema::histogramMerge()
{
    sb::LatencyHistogram low, high;
    for (std::int64_t v = 1; v <= 50000; ++v)
        low.record(v);
    for (std::int64_t v = 50001; v <= 100000; ++v)
        high.record(v);

    sb::LatencyHistogram merged;
    merged.merge(low); // into an empty histogram
    merged.merge(high);
    merged.merge(sb::LatencyHistogram()); // an empty one changes nothing
    QCOMPARE(merged.count(), m_oneTo100k.count());
    QCOMPARE(merged.min(), m_oneTo100k.min());
    QCOMPARE(merged.max(), m_oneTo100k.max());
    QCOMPARE(merged.mean(), m_oneTo100k.mean());
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999, 1.0})
        QCOMPARE(merged.quantile(q), m_oneTo100k.quantile(q));

    // Merging in the other order gives the same figures.
    sb::LatencyHistogram reversed = high;
    reversed.merge(low);
    QCOMPARE(reversed.min(), std::int64_t(1));
    QCOMPARE(reversed.max(), std::int64_t(100000));
    QCOMPARE(reversed.quantile(0.5), m_oneTo100k.quantile(0.5));
}

void TestSchema::histogramEmptyAndClear()
{
    sb::LatencyHistogram h;
    QCOMPARE(h.count(), std::uint64_t(0));
    QCOMPARE(h.min(), std::int64_t(0));
    QCOMPARE(h.max(), std::int64_t(0));
    QCOMPARE(h.mean(), 0.0);
    QCOMPARE(h.quantile(0.5), std::int64_t(0));

    h.record(-5); // negative durations count as zero
    QCOMPARE(h.count(), std::uint64_t(1));
    QCOMPARE(h.min(), std::int64_t(0));
    QCOMPARE(h.max(), std::int64_t(0));

    h.record(1000);
    h.clear();
    QCOMPARE(h.count(), std::uint64_t(0));
    QCOMPARE(h.max(), std::int64_t(0));
    QCOMPARE(h.quantile(0.99), std::int64_t(0));
    h.record(42);
    QCOMPARE(h.min(), std::int64_t(42));
    QCOMPARE(h.quantile(0.5), std::int64_t(42));
}

// The largest SimTime lands in the top bucket; its bounds and the quantile must not overflow.
void TestSchema::histogramLargestValue()
{
    constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();
    const std::size_t b = sb::LatencyHistogram::bucketFor(largest);
    const std::int64_t lo = sb::LatencyHistogram::lowerBound(b);
    const std::int64_t hi = sb::LatencyHistogram::upperBound(b);
    QVERIFY(lo > 0 && lo <= largest);
    QCOMPARE(hi, largest);

    sb::LatencyHistogram h;
    h.record(largest);
    h.record(1);
    QCOMPARE(h.max(), largest);
    const double p99 = static_cast<double>(h.quantile(0.99));
    QVERIFY2(std::abs(p99 - static_cast<double>(largest)) <= 0.016 * static_cast<double>(largest),
             qPrintable(QString::number(p99)));
    QCOMPARE(h.quantile(1), largest);
}

void TestSchema::closestMatchSuggests_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("expected");
    QTest::newRow("one letter missing") << "consumr"
                                        << "consumer";
    QTest::newRow("one letter wrong") << "qeue"
                                      << "queue";
    QTest::newRow("swapped letters") << "exhcange"
                                     << "exchange";
    QTest::newRow("exact") << "producer"
                           << "producer";
    QTest::newRow("too far") << "database"
                             << "";
    QTest::newRow("empty") << ""
                           << "";
}

void TestSchema::closestMatchSuggests()
{
    QFETCH(QString, word);
    QFETCH(QString, expected);
    const auto names = sb::KindRegistry::builtin().kindNames();
    QCOMPARE(QString::fromStdString(sb::closestMatch(word.toStdString(), names)), expected);
}

void TestSchema::typoHintsInMessages_data()
{
    QTest::addColumn<QByteArray>("node");
    QTest::addColumn<QByteArray>("hint");
    QTest::newRow("kind") << QByteArray(R"({"id": "c", "kind": "consumr"})")
                          << QByteArray("did you mean \"consumer\"?");
    QTest::newRow("property") << QByteArray(R"({"id": "q", "kind": "queue", "properties": {"maxLenght": 5}})")
                              << QByteArray("did you mean 'maxLength'?");
    QTest::newRow("enum value")
        << QByteArray(R"({"id": "p", "kind": "producer", "properties": {"sendMode": "confirmd"}})")
        << QByteArray("did you mean 'confirmed'?");
}

void TestSchema::typoHintsInMessages()
{
    QFETCH(QByteArray, node);
    QFETCH(QByteArray, hint);
    const QByteArray text = R"({"format": "signalbox-topology", "version": 1, "nodes": [)" + node + "]}";
    const auto r = sb::parseTopology(text.toStdString());
    QVERIFY(!r.ok());
    QVERIFY2(r.errorText().find(hint.toStdString()) != std::string::npos, r.errorText().c_str());
}

QTEST_APPLESS_MAIN(TestSchema)
#include "tst_schema.moc"
