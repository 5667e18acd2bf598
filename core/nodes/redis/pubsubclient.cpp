#include "pubsubclient.h"

namespace sb {

MessageRef publishPubSubMessage(NodeContext &ctx, const Workload &workload, const Workload::Item &item,
                                const std::string &nameTemplate, const char *field, const std::string &node,
                                bool correlate)
{
    auto m = std::make_shared<Message>();
    m->id = ctx.newMessageId();
    m->sequence = workload.generated();
    m->key = item.key;
    m->size = item.size;
    m->publishedAt = ctx.now();
    m->producer = ctx.self();
    if (correlate) m->correlationId = m->id;
    if (item.entry) m->headers = Workload::entryHeaders(*item.entry);
    const std::string tmpl =
        item.entry && item.entry->contains(field) ? (*item.entry)[field].get<std::string>() : nameTemplate;
    m->routingKey = expandTemplate(tmpl, m->sequence, m->key, node, m->id);
    ctx.announce(*m);
    TraceEvent e = messageEvent(TraceKind::Publish, m.get());
    e.aux = m->size;
    ctx.trace(e);
    return m;
}

std::string pubSubNameProblem(Dialect d, const std::string &name, bool asFilter)
{
    const auto issues = asFilter ? checkFilter(d, name) : checkSubject(d, name);
    for (const auto &i : issues)
        if (i.error)
            return "'" + name + "': " + i.message + " (at position " + std::to_string(i.position) + ")";
    return {};
}

} // namespace sb
