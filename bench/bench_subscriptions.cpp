// Subscription matching benchmark (a program, not a timed test): for each dialect, N
// subscriptions (default 10,000) of realistic patterns with some wildcards, added to a
// SubscriptionIndex (inserts/s) and matched against concrete subjects (matches/s), next to the plain
// scan over the same patterns (SubscriptionScan: dialectMatches per pattern) in the same run.
// Prints the median of R repetitions of each figure and the index/scan ratio; checks on the way
// that both answer the same.
//
//   bench_subscriptions [--subscriptions N] [--repeat R]
#include "pubsub/subscriptionindex.h"
#include "pubsub/subscriptionscan.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sb;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

const std::vector<std::string> kRegions = {"eu", "us", "ap", "sa", "af", "me", "ca", "uk", "de", "fr",
                                           "jp", "in", "br", "au", "cn", "kr", "mx", "za", "ng", "se"};
const std::vector<std::string> kEvents = {"created", "paid",  "shipped", "cancelled", "refunded",
                                          "failed",  "retry", "updated", "deleted",   "viewed"};

std::string pick(std::mt19937 &rng, const std::vector<std::string> &v)
{
    return v[rng() % v.size()];
}

std::string service(std::mt19937 &rng)
{
    return "svc" + std::to_string(rng() % 60);
}

// One subscription pattern (wildcard = true) or one concrete subject of the dialect's usual shape:
// amqp/nats "region.service.entity.event", mqtt "site/building/room/sensor", redis "user:ID:event".
std::string make(Dialect d, std::mt19937 &rng, bool wildcard)
{
    const unsigned roll = wildcard ? rng() % 100 : 100;
    switch (d) {
    case Dialect::Amqp:
    case Dialect::Nats: {
        const bool amqp = d == Dialect::Amqp;
        std::string words[4] = {pick(rng, kRegions), service(rng), "e" + std::to_string(rng() % 40),
                                pick(rng, kEvents)};
        if (roll < 15) words[rng() % 4] = "*"; // one word of any
        std::string out = words[0] + "." + words[1] + "." + words[2] + "." + words[3];
        if (roll >= 15 && roll < 25) out = words[0] + "." + words[1] + (amqp ? ".#" : ".>");
        if (amqp && roll >= 25 && roll < 30) out = "#." + words[3];
        return out;
    }
    case Dialect::Mqtt: {
        std::string levels[4] = {"site" + std::to_string(rng() % 10), "b" + std::to_string(rng() % 20),
                                 "r" + std::to_string(rng() % 50),
                                 pick(rng, {"temp", "humidity", "co2", "light", "motion", "door"})};
        if (roll < 15) levels[1 + rng() % 3] = "+";
        std::string out = levels[0] + "/" + levels[1] + "/" + levels[2] + "/" + levels[3];
        if (roll >= 15 && roll < 25) out = levels[0] + "/" + levels[1] + "/#";
        if (roll >= 25 && roll < 27) out = "+/+/+/" + levels[3];
        return out;
    }
    case Dialect::Redis: {
        const std::string user = std::to_string(rng() % 100000);
        if (roll < 30) return "user:" + user.substr(0, 1 + rng() % user.size()) + "*";
        if (roll < 35) return "user:" + user + ":" + pick(rng, kEvents).substr(0, 2) + "?*";
        if (roll < 38) return "news.[a-m]*." + pick(rng, kRegions);
        if (rng() % 2) return "user:" + user + ":" + pick(rng, kEvents);
        return "news." + pick(rng, {"art", "sport", "tech", "money"}) + "." + pick(rng, kRegions);
    }
    }
    return {};
}

} // namespace

int main(int argc, char **argv)
{
    std::size_t subscriptions = 10000;
    int repeat = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--subscriptions"))
            subscriptions = std::strtoul(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--repeat"))
            repeat = std::max(1, std::atoi(argv[i + 1]));
    }
    constexpr std::size_t kIndexSubjects = 20000, kScanSubjects = 100;
    std::printf("%zu subscriptions per dialect, median of %d repetitions\n", subscriptions, repeat);
    std::printf("%-6s %14s %14s %14s %14s %10s %9s\n", "", "index ins/s", "scan ins/s", "index match/s",
                "scan match/s", "match x", "hits/subj");
    int disagreements = 0;
    for (int di = 0; di < kDialectCount; ++di) {
        const auto d = Dialect(di);
        std::mt19937 rng(42u + static_cast<unsigned>(di));
        std::vector<std::string> patterns, subjects;
        while (patterns.size() < subscriptions) {
            std::string p = make(d, rng, true);
            if (!hasError(checkFilter(d, p))) patterns.push_back(std::move(p));
        }
        for (std::size_t i = 0; i < kIndexSubjects; ++i)
            subjects.push_back(make(d, rng, false));

        std::vector<double> indexInserts, scanInserts, indexMatches, scanMatches;
        std::size_t hits = 0;
        for (int r = 0; r < repeat; ++r) {
            auto t = Clock::now();
            SubscriptionIndex index(d);
            for (std::size_t i = 0; i < patterns.size(); ++i)
                index.add(patterns[i], static_cast<std::uint32_t>(i));
            indexInserts.push_back(double(patterns.size()) / secondsSince(t));

            t = Clock::now();
            SubscriptionScan scan(d);
            for (std::size_t i = 0; i < patterns.size(); ++i)
                scan.add(patterns[i], static_cast<std::uint32_t>(i));
            scanInserts.push_back(double(patterns.size()) / secondsSince(t));

            std::vector<std::uint32_t> out;
            hits = 0;
            t = Clock::now();
            for (const auto &s : subjects) {
                out.clear();
                index.match(s, out);
                hits += out.size();
            }
            indexMatches.push_back(double(subjects.size()) / secondsSince(t));

            std::vector<std::uint32_t> fromScan, fromIndex;
            t = Clock::now();
            for (std::size_t i = 0; i < kScanSubjects; ++i) {
                fromScan.clear();
                scan.match(subjects[i], fromScan);
            }
            scanMatches.push_back(double(kScanSubjects) / secondsSince(t));
            if (r == 0)
                for (std::size_t i = 0; i < kScanSubjects; ++i) {
                    fromScan.clear();
                    fromIndex.clear();
                    scan.match(subjects[i], fromScan);
                    index.match(subjects[i], fromIndex);
                    if (fromScan != fromIndex) ++disagreements;
                }
        }
        std::printf("%-6s %14.0f %14.0f %14.0f %14.0f %10.0f %9.2f\n", dialectName(d), median(indexInserts),
                    median(scanInserts), median(indexMatches), median(scanMatches),
                    median(indexMatches) / median(scanMatches), double(hits) / double(subjects.size()));
    }
    std::printf("index and scan disagreed on %d subjects\n", disagreements);
    return disagreements == 0 ? 0 : 1;
}
