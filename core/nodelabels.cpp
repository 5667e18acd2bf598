#include "nodelabels.h"

#include "topology.h"

#include <unordered_map>

namespace sb {

std::vector<std::string> nodeLabels(const std::vector<std::string> &ids,
                                    const std::vector<std::string> &names)
{
    std::vector<std::string> labels(ids.size());
    std::unordered_map<std::string, int> uses;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        labels[i] = i < names.size() && !names[i].empty() ? names[i] : ids[i];
        ++uses[labels[i]];
    }
    // A shared name (or a name that is another node's id) says which node it is.
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (uses[labels[i]] > 1 && labels[i] != ids[i]) labels[i] += " (" + ids[i] + ")";
    return labels;
}

std::vector<std::string> nodeLabels(const Topology &t)
{
    std::vector<std::string> ids, names;
    ids.reserve(t.nodes.size());
    names.reserve(t.nodes.size());
    for (const NodeDef &n : t.nodes) {
        ids.push_back(n.id);
        names.push_back(n.name);
    }
    return nodeLabels(ids, names);
}

} // namespace sb
