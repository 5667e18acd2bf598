#include "faultvalidation.h"

#include <algorithm>
#include <set>

namespace sb {

namespace {

using Sev = Diagnostic::Severity;

void error(std::vector<Diagnostic> &diags, std::string path, std::string msg)
{
    diags.push_back({Sev::Error, std::move(path), std::move(msg), {}, 0, 0});
}

std::string quoted(const std::string &s)
{
    return "\"" + s + "\"";
}

// The nodes a fault acts on, for the overlap check: its target, else its node list.
std::vector<std::string> footprint(const FaultDef &f)
{
    if (!f.target.empty()) return {f.target};
    auto nodes = f.nodes;
    std::sort(nodes.begin(), nodes.end());
    return nodes;
}

bool intersects(const std::vector<std::string> &a, const std::vector<std::string> &b)
{
    // A group with no nodes stands for every node.
    if (a.empty() || b.empty()) return true;
    for (const auto &x : a)
        if (std::find(b.begin(), b.end(), x) != b.end()) return true;
    return false;
}

// Repetitions compared when both faults repeat: enough for any plan a person writes, and bounded.
constexpr std::uint64_t kMaxCompared = 4096;

// The first pair of repetitions of a and b whose [start, end) spans overlap, as (ka, kb).
// Steps all overlap checks of one plan may take together, so that a crafted plan of thousands of
// repeating faults cannot stall validation; a plan people write needs a tiny share of it.
constexpr std::uint64_t kOverlapBudget = 4'000'000;

std::optional<std::pair<std::uint64_t, std::uint64_t>> overlap(const FaultDef &a, const FaultDef &b,
                                                               std::uint64_t &budget)
{
    auto repetitions = [](const FaultDef &f) -> std::uint64_t { return f.every ? kMaxCompared : 1; };
    for (std::uint64_t ka = 0; ka < repetitions(a); ++ka) {
        const SimTime sa = a.startOf(ka), ea = a.endOf(ka);
        if (sa == kNever) break;
        // b's repetitions near [sa, ea): the one starting at or before sa, and those after it.
        std::uint64_t kb = 0;
        if (b.every && sa > b.start) kb = static_cast<std::uint64_t>((sa - b.start) / *b.every);
        for (std::uint64_t k = kb == 0 ? 0 : kb - 1; k < repetitions(b); ++k) {
            if (budget == 0) return std::nullopt;
            --budget;
            const SimTime sb = b.startOf(k), eb = b.endOf(k);
            if (sb == kNever || sb >= ea) break;
            if (eb > sa) return std::make_pair(ka, k);
        }
    }
    return std::nullopt;
}

std::string span(const FaultDef &f, std::uint64_t k)
{
    const SimTime e = f.endOf(k);
    return "from " + formatDuration(f.startOf(k)) + (e == kNever ? " on" : " to " + formatDuration(e));
}

} // namespace

std::optional<SimTime> durationFromJson(const Json &value)
{
    if (value.is_string()) return parseDuration(value.get<std::string>());
    if (value.is_number() && value.get<double>() >= 0 && value.get<double>() <= 9.0e12)
        return fromMilliseconds(value.get<double>());
    return std::nullopt;
}

void readFaults(const Json &array, std::vector<FaultDef> &out, std::vector<Diagnostic> &diags)
{
    static const std::set<std::string> known = {"id",       "kind", "target", "nodes", "start",
                                                "duration", "end",  "every",  "params"};
    std::vector<std::size_t> unnamed;
    for (std::size_t i = 0; i < array.size(); ++i) {
        const Json &j = array[i];
        const std::string path = "$.faults[" + std::to_string(i) + "]";
        if (!j.is_object()) {
            error(diags, path,
                  "a fault is an object such as {\"kind\": \"link-down\", \"target\": \"l1\", "
                  "\"start\": \"2s\", \"duration\": \"1s\"}, got " +
                      j.dump());
            continue;
        }
        FaultDef f;
        auto text = [&](const char *key, std::string &into, bool required) {
            auto it = j.find(key);
            if (it == j.end()) {
                if (required) error(diags, path, std::string("missing \"") + key + "\"");
                return;
            }
            if (!it->is_string())
                error(diags, path + "." + key, "expected a string, got " + it->dump());
            else
                into = it->get<std::string>();
        };
        auto time = [&](const char *key) -> std::optional<SimTime> {
            auto it = j.find(key);
            if (it == j.end()) return std::nullopt;
            auto d = durationFromJson(*it);
            if (!d)
                error(diags, path + "." + key,
                      "expected a duration such as \"2s\" or \"250ms\", got " + it->dump());
            return d;
        };
        text("id", f.id, false);
        text("kind", f.kind, true);
        text("target", f.target, false);
        if (auto it = j.find("nodes"); it != j.end()) {
            if (!it->is_array()) {
                error(diags, path + ".nodes", "expected an array of node ids, got " + it->dump());
            } else {
                for (std::size_t n = 0; n < it->size(); ++n) {
                    if ((*it)[n].is_string())
                        f.nodes.push_back((*it)[n].get<std::string>());
                    else
                        error(diags, path + ".nodes[" + std::to_string(n) + "]",
                              "expected a node id, got " + (*it)[n].dump());
                }
            }
        }
        if (!j.contains("start"))
            error(diags, path, "missing \"start\" (when the fault begins, e.g. \"2s\")");
        if (auto s = time("start")) f.start = *s;
        const auto duration = time("duration");
        const auto end = time("end");
        if (j.contains("duration") && j.contains("end"))
            error(diags, path + ".end", "give \"duration\" or \"end\", not both");
        else if (duration)
            f.duration = *duration;
        else if (end) {
            if (*end <= f.start)
                error(diags, path + ".end",
                      "end " + formatDuration(*end) + " is not after start " + formatDuration(f.start));
            else
                f.duration = *end - f.start;
        }
        f.every = time("every");
        if (auto it = j.find("params"); it != j.end()) {
            if (!it->is_object())
                error(diags, path + ".params", "expected an object of parameters, got " + it->dump());
            else
                f.params = *it;
        }
        for (auto it = j.begin(); it != j.end(); ++it)
            if (!known.count(it.key()))
                diags.push_back({Sev::Warning,
                                 path + "." + it.key(),
                                 "unknown field '" + it.key() + "' is ignored",
                                 {},
                                 0,
                                 0});
        if (f.id.empty() && !j.contains("id")) unnamed.push_back(out.size());
        out.push_back(std::move(f));
    }
    // Ids for the faults written without one: f1, f2, ... skipping those taken.
    std::set<std::string> taken;
    for (const auto &f : out)
        taken.insert(f.id);
    std::size_t next = 1;
    for (std::size_t i : unnamed) {
        while (taken.count("f" + std::to_string(next)))
            ++next;
        out[i].id = "f" + std::to_string(next++);
        taken.insert(out[i].id);
    }
}

void validateFaults(const Topology &t, const KindRegistry &registry, std::vector<Diagnostic> &diags)
{
    std::set<std::string> ids;
    std::vector<bool> usable(t.faults.size(), false);
    const NodeIdIndex nodeIndex(t.nodes);
    for (std::size_t i = 0; i < t.faults.size(); ++i) {
        const FaultDef &f = t.faults[i];
        const std::string path = "$.faults[" + std::to_string(i) + "]";
        const std::size_t before = diags.size();
        if (!isValidId(f.id))
            error(diags, path + ".id",
                  quoted(f.id) +
                      " is not a valid id (1-64 letters, digits, _ . : -, starting with a letter or digit)");
        else if (!ids.insert(f.id).second)
            error(diags, path + ".id", "duplicate fault id " + quoted(f.id));
        const FaultKindSpec *spec = registry.findFault(f.kind);
        const std::string who = "fault " + quoted(f.id);
        if (!spec) {
            std::string list;
            for (const auto &k : registry.faultKinds())
                list += (list.empty() ? "" : ", ") + k.kind;
            const std::string hint = closestMatch(f.kind, registry.faultKindNames());
            error(diags, path + ".kind",
                  who + ": unknown fault kind " + quoted(f.kind) +
                      (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)") + " (known: " + list +
                      ")");
            continue;
        }
        const std::string owner = who + " (" + f.kind + ")";
        switch (spec->target) {
        case FaultTarget::Link:
            if (!f.nodes.empty())
                error(diags, path + ".nodes", owner + ": a link fault takes a \"target\" link, not nodes");
            if (f.target.empty())
                error(diags, path, owner + ": missing \"target\" (the id of a link)");
            else if (!t.linkIndex(f.target)) {
                std::vector<std::string> links;
                for (const auto &l : t.links)
                    links.push_back(l.id);
                const std::string hint = closestMatch(f.target, links);
                error(diags, path + ".target",
                      owner + ": unknown target: no link " + quoted(f.target) +
                          (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)") +
                          (t.nodeIndex(f.target) ? " (that is a node; this fault acts on links)" : ""));
            }
            break;
        case FaultTarget::Node:
            if (f.target.empty() == f.nodes.empty())
                error(diags, path, owner + ": give either \"target\" (one node) or \"nodes\" (several)");
            [[fallthrough]];
        case FaultTarget::Group: {
            if (spec->target == FaultTarget::Group && !f.target.empty())
                error(diags, path + ".target",
                      owner + ": a nemesis acts on a group: list it in \"nodes\" (none: every node)");
            std::vector<std::pair<std::string, std::string>> named; // (path, id)
            if (!f.target.empty() && spec->target == FaultTarget::Node)
                named.emplace_back(path + ".target", f.target);
            std::set<std::string> seen;
            for (std::size_t n = 0; n < f.nodes.size(); ++n) {
                named.emplace_back(path + ".nodes[" + std::to_string(n) + "]", f.nodes[n]);
                if (!seen.insert(f.nodes[n]).second)
                    error(diags, path + ".nodes[" + std::to_string(n) + "]",
                          owner + ": node " + quoted(f.nodes[n]) + " is listed twice");
            }
            for (const auto &[p, id] : named) {
                if (nodeIndex.find(id)) continue;
                std::vector<std::string> nodes;
                for (const auto &n : t.nodes)
                    nodes.push_back(n.id);
                const std::string hint = closestMatch(id, nodes);
                error(diags, p,
                      owner + ": unknown target: no node " + quoted(id) +
                          (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)") +
                          (t.linkIndex(id) ? " (that is a link; this fault acts on nodes)" : ""));
            }
            if (f.kind == "broker-crash") {
                // A node with brokers says how many in its "brokers" property (a Kafka topic).
                const Json &b =
                    f.params.contains("broker") ? f.params["broker"] : spec->param("broker")->defaultValue;
                for (const auto &[p, id] : named) {
                    const auto n = nodeIndex.find(id);
                    if (!n) continue;
                    const NodeDef &node = t.nodes[*n];
                    const NodeKindSpec *kind = registry.find(node.kind);
                    const PropertySpec *brokers = kind ? kind->property("brokers") : nullptr;
                    if (!brokers) {
                        error(diags, p,
                              owner + ": node " + quoted(id) + " (" + node.kind +
                                  ") has no brokers; this fault crashes one broker of a cluster node such as "
                                  "a kafka-topic");
                        continue;
                    }
                    const Json &count = node.properties.contains("brokers") ? node.properties["brokers"]
                                                                            : brokers->defaultValue;
                    if (b.is_number_integer() && count.is_number_integer() &&
                        b.get<std::int64_t>() > count.get<std::int64_t>())
                        error(diags, path + ".params.broker",
                              owner + ": node " + quoted(id) + " has " + count.dump() + " brokers (1 to " +
                                  count.dump() + "), not broker " + b.dump());
                }
            }
            if (f.kind == "crash-at") {
                const Json &point = f.params.contains("point") ? f.params["point"] : Json("");
                for (const auto &[p, id] : named) {
                    const auto n = nodeIndex.find(id);
                    if (!n || !point.is_string()) continue;
                    const NodeDef &node = t.nodes[*n];
                    const NodeKindSpec *kind = registry.find(node.kind);
                    if (!kind) continue;
                    std::vector<std::string> names;
                    for (const auto &cp : kind->crashPoints)
                        names.push_back(cp.first);
                    const auto name = point.get<std::string>();
                    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
                    std::string list;
                    for (const auto &x : names)
                        list += (list.empty() ? "" : ", ") + quoted(x);
                    const std::string hint = closestMatch(name, names);
                    error(diags, path + ".params.point",
                          owner + ": node " + quoted(id) + " (" + node.kind + ") has " +
                              (names.empty()
                                   ? std::string("no crash points")
                                   : "no crash point " + quoted(name) +
                                         (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)") +
                                         "; its points are " + list));
                }
            }
            if (spec->target == FaultTarget::Group) {
                const std::size_t size = f.nodes.empty() ? t.nodes.size() : f.nodes.size();
                const std::size_t least = f.kind == "ring" ? 4 : f.kind == "bridge" ? 3 : 2;
                if (size < least)
                    error(diags, f.nodes.empty() ? path : path + ".nodes",
                          owner + ": needs a group of at least " + std::to_string(least) + " nodes, has " +
                              std::to_string(size));
                else if (f.kind == "majority-minority") {
                    const Json &m = f.params.contains("minority") ? f.params["minority"]
                                                                  : spec->param("minority")->defaultValue;
                    if (m.is_number_integer() && m.get<std::int64_t>() >= 1 &&
                        static_cast<std::size_t>(m.get<std::int64_t>()) * 2 >= size)
                        error(diags, path + ".params.minority",
                              owner + ": a minority of " + m.dump() + " is not fewer than half of the " +
                                  std::to_string(size) + " nodes");
                }
            }
            break;
        }
        }
        if (f.duration && *f.duration <= 0)
            error(diags, path + ".duration", owner + ": the duration must be longer than 0");
        if (f.every) {
            if (!f.duration)
                error(diags, path + ".every",
                      owner + ": a repeating fault needs a \"duration\" (each repetition's length)");
            else if (*f.every <= *f.duration)
                error(diags, path + ".every",
                      owner + ": every " + formatDuration(*f.every) + " is not longer than the duration " +
                          formatDuration(*f.duration) + ", so repetitions would overlap");
        }
        checkPropertyObject(spec->params, f.params, path + ".params", owner, diags);
        bool clean = true;
        for (std::size_t d = before; d < diags.size(); ++d)
            clean = clean && diags[d].severity != Sev::Error;
        usable[i] = clean;
    }
    // Two faults of the same kind on the same target at the same time: which one ends what?
    const auto brokerOf = [](const FaultDef &f) {
        return f.params.contains("broker") ? f.params["broker"] : Json(1);
    };
    std::uint64_t budget = kOverlapBudget;
    for (std::size_t i = 0; i < t.faults.size(); ++i) {
        if (!usable[i]) continue;
        const FaultDef &b = t.faults[i];
        for (std::size_t j = 0; j < i; ++j) {
            if (!usable[j]) continue;
            const FaultDef &a = t.faults[j];
            if (budget == 0) break;
            --budget;
            if (a.kind != b.kind || !intersects(footprint(a), footprint(b))) continue;
            // Crashes of different brokers of one cluster node are different targets.
            if (a.kind == "broker-crash" && brokerOf(a) != brokerOf(b)) continue;
            if (auto o = overlap(a, b, budget)) {
                error(diags, "$.faults[" + std::to_string(i) + "]",
                      "fault " + quoted(b.id) + " (" + b.kind + " " + span(b, o->second) +
                          ") overlaps fault " + quoted(a.id) + " (" + span(a, o->first) +
                          ") of the same kind on " +
                          (b.target.empty() ? "the same nodes" : quoted(b.target)));
                break;
            }
        }
    }
}

} // namespace sb
