#include "routeanswers.h"

#include "../pubsub/dialect.h"
#include "workload.h"

#include <algorithm>
#include <map>

namespace sb {

std::string inQuotes(std::string_view s)
{
    return "\"" + std::string(s) + "\"";
}

RouteMessage producedMessage(const RouteQuestion &q, std::string_view nameProperty, std::string &note)
{
    RouteMessage m = q.message;
    const PropertyBag &p = q.properties;
    const std::string node(q.node);
    const Json *first = nullptr;
    if (const Json &script = p.value("script"); script.is_array() && !script.empty()) first = &script[0];
    if (!m.keyGiven) {
        if (first && first->contains("key"))
            m.key = (*first)["key"].get<std::string>();
        else if (p.value("keys") == "list" && !p.stringList("keyList").empty())
            m.key = p.stringList("keyList").front();
    }
    if (!nameProperty.empty() && !m.routingKeyGiven) {
        const std::string name(nameProperty);
        const std::string tmpl = first && first->contains(name) && (*first)[name].is_string()
                                     ? (*first)[name].get<std::string>()
                                 : p.value(name).is_string() ? p.string(name)
                                                             : std::string();
        m.routingKey = expandTemplate(tmpl, 1, m.key, node, 1);
        note = tmpl == m.routingKey ? "its own" : "its template " + inQuotes(tmpl) + " for message 1";
    }
    // Header templates the person did not give.
    if (p.value("headers").is_object())
        for (const auto &[name, value] : p.stringMap("headers"))
            if (!m.header(name)) m.headers.emplace_back(name, expandTemplate(value, 1, m.key, node, 1));
    if (first && first->contains("headers") && (*first)["headers"].is_object())
        for (const auto &[name, value] : (*first)["headers"].items())
            if (!m.header(name) && value.is_string()) m.headers.emplace_back(name, value.get<std::string>());
    // Constant payload fields ("currency": "EUR"); drawn ones are left to the person.
    if (const Json &fields = p.value("fields"); fields.is_object())
        for (const auto &[name, rule] : fields.items()) {
            if (m.field(name) || !rule.is_string()) continue;
            const std::string text = rule.get<std::string>();
            if (text.find('(') == std::string::npos && text != "seq") m.fields.emplace_back(name, text);
        }
    return m;
}

RouteAnswer publishRoute(const RouteQuestion &q, std::string_view nameProperty, std::string_view nameWord)
{
    std::string filled;
    RouteMessage m = producedMessage(q, nameProperty, filled);
    RouteAnswer a;
    a.note = "sends it";
    if (!nameProperty.empty())
        a.note += " with " + std::string(nameWord) + " " + inQuotes(m.routingKey) +
                  (q.message.routingKeyGiven ? "" : " (" + filled + ")");
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        if (q.outputs[i].inbound) continue;
        RouteVerdict v = routeVerdict(i, true, "sends on its " + q.outputs[i].port + " link");
        v.message = m;
        a.verdicts.push_back(std::move(v));
    }
    return a;
}

RouteAnswer queueRoute(const RouteQuestion &q, std::string_view deliverPort, std::string_view deadLetterPort,
                       std::string_view deadLetterWhy)
{
    RouteAnswer a;
    std::size_t consumers = 0;
    for (const auto &o : q.outputs)
        consumers += !o.inbound && o.port == deliverPort;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound) continue;
        if (o.port == deliverPort)
            a.verdicts.push_back(routeVerdict(i, true,
                                              consumers == 1 ? "its only consumer"
                                                             : "one of " + std::to_string(consumers) +
                                                                   " competing consumers gets each message"));
        else if (o.port == deadLetterPort)
            a.verdicts.push_back(routeVerdict(i, false, std::string(deadLetterWhy)));
    }
    a.note = "queues it";
    if (consumers == 0) {
        a.note += "; no consumer takes it, so it stays queued";
        a.ends = true;
    }
    return a;
}

RouteAnswer
brokerRoute(const RouteQuestion &q, int dialectIndex,
            const std::function<std::vector<RouteSubscription>(const RouteOutput &)> &subscriptionsOf)
{
    const auto dialect = static_cast<Dialect>(dialectIndex);
    const std::string &subject = q.message.routingKey;
    RouteAnswer a;
    struct Candidate {
        std::size_t output;
        std::vector<std::string> matched; // sentences of the subscriptions that match
        std::vector<std::string> groups;  // their groups ("" = none)
        std::string firstMiss;
        bool subscribes = false;
    };
    std::vector<Candidate> candidates;
    std::map<std::string, std::size_t> groupMembers; // members with a matching subscription
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        Candidate c{i, {}, {}, {}, false};
        for (const RouteSubscription &sub : subscriptionsOf(q.outputs[i])) {
            c.subscribes = true;
            const std::string explained =
                sub.exact ? (sub.pattern == subject ? "matches: the same name" : "no match: another name")
                          : explainMatch(dialect, sub.pattern, subject);
            const bool match = explained.rfind("matches", 0) == 0;
            const std::string sentence = sub.label + " " + inQuotes(sub.pattern) +
                                         (sub.group.empty() ? "" : " (group " + inQuotes(sub.group) + ")") +
                                         ": " + explained;
            if (match) {
                c.matched.push_back(sentence);
                c.groups.push_back(sub.group);
            } else if (c.firstMiss.empty()) {
                c.firstMiss = sentence;
            }
        }
        for (const auto &g : c.groups)
            if (!g.empty()) ++groupMembers[g];
        candidates.push_back(std::move(c));
    }
    std::size_t copies = 0, subscribers = 0;
    for (const Candidate &c : candidates) {
        if (!c.subscribes) {
            a.verdicts.push_back(routeVerdict(c.output, false, "subscribes to nothing"));
            continue;
        }
        if (c.matched.empty()) {
            a.verdicts.push_back(routeVerdict(c.output, false, c.firstMiss));
            continue;
        }
        ++subscribers;
        std::string why;
        for (std::size_t k = 0; k < c.matched.size(); ++k) {
            why += (k ? "; " : "") + c.matched[k];
            if (!c.groups[k].empty()) {
                const std::size_t n = groupMembers[c.groups[k]];
                why += n > 1 ? " — one of the group's " + std::to_string(n) + " members gets each message"
                             : " — the group's only member";
            }
            ++copies;
        }
        if (c.matched.size() > 1) why += " (" + std::to_string(c.matched.size()) + " copies)";
        a.verdicts.push_back(routeVerdict(c.output, true, why));
    }
    a.note = subscribers == 0 ? "no subscription matches " + inQuotes(subject) + ": nobody gets it"
                              : std::to_string(subscribers) + " subscriber" + (subscribers == 1 ? "" : "s") +
                                    " match " + inQuotes(subject);
    // Nobody subscribed: fire and forget, the broker drops it (no destination).
    return a;
}

RouteAnswer sendOnPorts(const RouteQuestion &q, std::vector<std::string_view> ports, std::string why,
                        std::string note, bool ends)
{
    RouteAnswer a;
    a.note = std::move(note);
    a.ends = ends;
    bool any = false;
    for (std::size_t i = 0; i < q.outputs.size(); ++i) {
        const RouteOutput &o = q.outputs[i];
        if (o.inbound) continue;
        const bool on = std::find(ports.begin(), ports.end(), o.port) != ports.end();
        any = any || on;
        a.verdicts.push_back(
            routeVerdict(i, on, on ? why : "not what this node sends on its " + o.port + " link"));
    }
    if (!any) a.ends = true;
    return a;
}

RouteAnswer endRoute(std::string note)
{
    RouteAnswer a;
    a.note = std::move(note);
    a.ends = true;
    return a;
}

} // namespace sb
