#include "gallery.h"

#include "schema.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace sb {

const std::vector<Paradigm> &paradigms()
{
    static const std::vector<Paradigm> list = {
        {"message-passing", "Message passing",
         "Direct sends between processes: synchronous vs asynchronous, and what a network does to them."},
        {"queues", "Message queues and logs",
         "Work queues, competing consumers, acknowledgements and redelivery, dead letters, SQS, Kafka logs."},
        {"request-reply", "Request-reply",
         "A request and its reply matched by a correlation id: synchronous, asynchronous, over a queue."},
        {"rpc", "Remote procedure calls",
         "gRPC and REST calls: deadlines, retries, idempotency, streaming, what a remote call is not."},
        {"pub-sub", "Publish-subscribe",
         "Topics and subscriptions: RabbitMQ exchanges, MQTT, Redis, NATS, Amazon SNS, Google Cloud "
         "Pub/Sub."},
        {"async-patterns", "Asynchronous patterns",
         "Fire-and-forget, request-acknowledge, the transactional outbox, delivery guarantees."},
        {"event-sourcing", "Event sourcing and CQRS",
         "An event store as the source of truth: replays, snapshots, projections, schema evolution."},
        {"sagas", "Sagas",
         "Long transactions as local steps with compensations: orchestrated and choreographed."},
        {"client-server", "Client-server", "One server, many clients: load, queueing delay, overload."},
        {"p2p", "Peer-to-peer",
         "Overlays without a centre: flooding, gossip, structured lookups, file distribution vs one server."},
        {"actors", "Actor model",
         "Mailboxes, one message at a time, ask and tell, supervision trees that restart what fails."},
        {"faults", "Failures and time",
         "Partitions, crashes, lossy links and skewed clocks: what each paradigm does when things break."},
    };
    return list;
}

const Paradigm *findParadigm(std::string_view id)
{
    for (const Paradigm &p : paradigms())
        if (p.id == id) return &p;
    return nullptr;
}

const std::vector<Pitfall> &pitfalls()
{
    static const std::vector<Pitfall> list = {
        {"rpc-as-local-call", "Treating RPC like a local call",
         "deadlines, retries with exponential backoff, and idempotent operations"},
        {"queue-as-database", "A message queue as a database",
         "a database as the source of truth; the queue only carries changes"},
        {"coupling", "Tight coupling through message structure",
         "versioned messages that old and new readers can both read"},
        {"ordering", "Ignoring message ordering", "sequence numbers, or one partition per key"},
        {"duplicates", "Not handling duplicates",
         "an idempotent consumer that remembers processed message ids"},
    };
    return list;
}

const Pitfall *findPitfall(std::string_view id)
{
    for (const Pitfall &p : pitfalls())
        if (p.id == id) return &p;
    return nullptr;
}

namespace {

std::string hintFor(const std::string &word, const std::vector<std::string> &candidates)
{
    const std::string close = closestMatch(word, candidates);
    std::string all;
    for (const std::string &c : candidates)
        all += (all.empty() ? "" : ", ") + c;
    return (close.empty() ? std::string() : " (did you mean '" + close + "'?)") + "; known: " + all;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char &c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

int paradigmRank(const std::string &id)
{
    const auto &list = paradigms();
    for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i].id == id) return int(i);
    return int(list.size());
}

} // namespace

GalleryInfo parseGalleryInfo(const Json &section, const std::string &path,
                             std::vector<GalleryProblem> &problems)
{
    GalleryInfo info;
    if (!section.is_object()) {
        problems.push_back(
            {path, "the gallery section is an object ({\"paradigm\": ...}), got " + section.dump()});
        return info;
    }
    static const std::vector<std::string> keys = {"paradigm", "systems", "pitfall", "variant"};
    for (auto it = section.begin(); it != section.end(); ++it)
        if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
            problems.push_back({path + "." + it.key(),
                                "unknown field '" + it.key() + "' is ignored" + hintFor(it.key(), keys)});
    auto text = [&](const char *key) -> std::string {
        auto it = section.find(key);
        if (it == section.end()) return {};
        if (!it->is_string()) {
            problems.push_back({path + "." + key, std::string("expected a string, got ") + it->dump()});
            return {};
        }
        return it->get<std::string>();
    };
    info.paradigm = text("paradigm");
    if (!info.paradigm.empty() && !findParadigm(info.paradigm)) {
        std::vector<std::string> ids;
        for (const Paradigm &p : paradigms())
            ids.push_back(p.id);
        problems.push_back(
            {path + ".paradigm", "unknown paradigm '" + info.paradigm + "'" + hintFor(info.paradigm, ids)});
    }
    if (auto it = section.find("systems"); it != section.end()) {
        if (!it->is_array()) {
            problems.push_back({path + ".systems", "expected an array of names, got " + it->dump()});
        } else {
            for (std::size_t i = 0; i < it->size(); ++i) {
                const Json &s = (*it)[i];
                if (s.is_string() && !s.get<std::string>().empty())
                    info.systems.push_back(s.get<std::string>());
                else
                    problems.push_back({path + ".systems[" + std::to_string(i) + "]",
                                        "expected a system's name, got " + s.dump()});
            }
        }
    }
    info.pitfall = text("pitfall");
    if (!info.pitfall.empty() && !findPitfall(info.pitfall)) {
        std::vector<std::string> ids;
        for (const Pitfall &p : pitfalls())
            ids.push_back(p.id);
        problems.push_back(
            {path + ".pitfall", "unknown pitfall '" + info.pitfall + "'" + hintFor(info.pitfall, ids)});
    }
    info.variant = text("variant");
    if (!info.variant.empty() && info.variant != "broken" && info.variant != "fixed")
        problems.push_back({path + ".variant",
                            "a pitfall's example is \"broken\" or \"fixed\", got '" + info.variant + "'"});
    if (!info.pitfall.empty() && info.variant.empty())
        problems.push_back(
            {path + ".variant", "a pitfall's example says which it is: \"broken\" or \"fixed\""});
    if (info.pitfall.empty() && !info.variant.empty())
        problems.push_back({path + ".pitfall", "\"variant\" is for a pitfall's pair: name the pitfall too"});
    return info;
}

Json galleryInfoToJson(const GalleryInfo &info)
{
    Json j = Json::object();
    if (!info.paradigm.empty()) j["paradigm"] = info.paradigm;
    if (!info.systems.empty()) j["systems"] = info.systems;
    if (!info.pitfall.empty()) j["pitfall"] = info.pitfall;
    if (!info.variant.empty()) j["variant"] = info.variant;
    return j;
}

void sortForGallery(std::vector<GalleryEntry> &entries)
{
    std::stable_sort(entries.begin(), entries.end(), [](const GalleryEntry &a, const GalleryEntry &b) {
        const int ra = paradigmRank(a.info.paradigm), rb = paradigmRank(b.info.paradigm);
        if (ra != rb) return ra < rb;
        // A pitfall's pair side by side, broken first; pairs after the other examples of the group.
        if (a.info.pitfall.empty() != b.info.pitfall.empty()) return a.info.pitfall.empty();
        if (a.info.pitfall != b.info.pitfall) return a.info.pitfall < b.info.pitfall;
        if (a.info.variant != b.info.variant) return a.info.variant == "broken";
        if (lower(a.name) != lower(b.name)) return lower(a.name) < lower(b.name);
        return a.fileName < b.fileName;
    });
}

std::string galleryGroupLabel(const GalleryEntry &e)
{
    const Paradigm *p = findParadigm(e.info.paradigm);
    return p ? p->label : std::string("Other");
}

bool galleryMatches(const GalleryEntry &e, std::string_view query)
{
    std::string hay = e.name + "\n" + e.description + "\n" + e.fileName + "\n" + e.info.paradigm + "\n" +
                      galleryGroupLabel(e) + "\n" + e.info.pitfall + "\n" + e.info.variant;
    for (const std::string &s : e.info.systems)
        hay += "\n" + s;
    if (const Pitfall *p = findPitfall(e.info.pitfall)) hay += "\n" + p->label;
    hay = lower(hay);
    std::istringstream words{std::string(query)};
    std::string word;
    while (words >> word)
        if (hay.find(lower(word)) == std::string::npos) return false;
    return true;
}

std::string galleryText(const std::vector<GalleryEntry> &sorted)
{
    std::ostringstream out;
    std::string group;
    bool first = true;
    for (const GalleryEntry &e : sorted) {
        const std::string g = galleryGroupLabel(e);
        if (first || g != group) {
            out << (first ? "" : "\n") << g << "\n";
            group = g;
            first = false;
        }
        out << "  " << e.fileName;
        if (e.fileName.size() < 38)
            out << std::string(38 - e.fileName.size(), ' ');
        else
            out << "  ";
        out << e.name;
        if (!e.info.pitfall.empty()) out << "  [pitfall: " << e.info.pitfall << ", " << e.info.variant << "]";
        if (!e.info.systems.empty()) {
            out << "  (";
            for (std::size_t i = 0; i < e.info.systems.size(); ++i)
                out << (i ? ", " : "") << e.info.systems[i];
            out << ")";
        }
        out << "\n";
    }
    return out.str();
}

Json galleryJson(const std::vector<GalleryEntry> &sorted)
{
    Json groups = Json::array();
    for (const Paradigm &p : paradigms())
        groups.push_back({{"id", p.id}, {"label", p.label}, {"help", p.help}});
    Json traps = Json::array();
    for (const Pitfall &p : pitfalls())
        traps.push_back({{"id", p.id}, {"label", p.label}, {"fix", p.fix}});
    Json list = Json::array();
    for (const GalleryEntry &e : sorted) {
        Json j = {{"file", e.fileName},          {"name", e.name},
                  {"paradigm", e.info.paradigm}, {"group", galleryGroupLabel(e)},
                  {"systems", e.info.systems},   {"description", e.description}};
        if (!e.info.pitfall.empty()) {
            j["pitfall"] = e.info.pitfall;
            j["variant"] = e.info.variant;
        }
        list.push_back(std::move(j));
    }
    return {{"paradigms", std::move(groups)}, {"pitfalls", std::move(traps)}, {"examples", std::move(list)}};
}

} // namespace sb
