#include "nemesis.h"

#include "../random.h"

#include <algorithm>

namespace sb {

bool isNemesisKind(std::string_view kind)
{
    return kind == "partition-halves" || kind == "isolate-node" || kind == "majority-minority" ||
           kind == "bridge" || kind == "ring";
}

NemesisCut expandNemesis(const FaultDef &fault, const std::vector<std::size_t> &group,
                         const std::vector<std::pair<std::size_t, std::size_t>> &links,
                         const std::vector<std::string> &nodeIds, std::uint64_t seed, std::size_t faultIndex,
                         std::uint64_t repetition)
{
    NemesisCut cut;
    const std::size_t n = group.size();
    if (n < 2) return cut;
    // Its own stream: the nemesis's draws do not disturb any node's or link's.
    Rng rng(mixSeed(mixSeed(seed, 0x20000000ULL + faultIndex), repetition));
    std::vector<std::size_t> order = group;
    for (std::size_t i = n - 1; i > 0; --i) // Fisher-Yates
        std::swap(order[i], order[rng.below(i + 1)]);

    // position[node] = place in the shuffled order; nodes outside the group are left alone.
    std::vector<std::size_t> position(nodeIds.size(), SIZE_MAX);
    for (std::size_t i = 0; i < n; ++i)
        position[order[i]] = i;

    std::size_t split = n / 2; // the first `split` nodes form side A
    std::size_t bridge = SIZE_MAX;
    std::size_t ringReach = 0;
    if (fault.kind == "isolate-node") {
        split = 1;
    } else if (fault.kind == "majority-minority") {
        std::int64_t m = 1;
        if (auto it = fault.params.find("minority"); it != fault.params.end() && it->is_number_integer())
            m = it->get<std::int64_t>();
        split =
            std::clamp<std::size_t>(static_cast<std::size_t>(std::max<std::int64_t>(m, 1)), 1, (n - 1) / 2);
    } else if (fault.kind == "bridge") {
        // [0, split) | bridge | (bridge, n): the bridge node sees both sides.
        split = (n - 1) / 2;
        bridge = split;
    } else if (fault.kind == "ring") {
        const std::size_t majority = n / 2 + 1;
        ringReach = (majority - 1 + 1) / 2; // each node sees itself and ringReach neighbours each way
    }

    auto connected = [&](std::size_t a, std::size_t b) {
        const std::size_t pa = position[a], pb = position[b];
        if (ringReach) {
            const std::size_t d = pa > pb ? pa - pb : pb - pa;
            return std::min(d, n - d) <= ringReach;
        }
        if (pa == bridge || pb == bridge) return true;
        auto side = [&](std::size_t p) { return p < split ? 0 : 1; };
        return side(pa) == side(pb);
    };

    for (std::size_t l = 0; l < links.size(); ++l) {
        const auto [a, b] = links[l];
        if (a >= position.size() || b >= position.size()) continue;
        if (position[a] == SIZE_MAX || position[b] == SIZE_MAX || a == b) continue;
        if (!connected(a, b)) cut.cutLinks.push_back(l);
    }

    auto name = [&](std::size_t node) {
        return node < nodeIds.size() ? nodeIds[node] : std::to_string(node);
    };
    auto list = [&](std::vector<std::size_t> nodes) {
        std::sort(nodes.begin(), nodes.end());
        std::string s = "{";
        for (std::size_t i = 0; i < nodes.size(); ++i)
            s += (i ? ", " : "") + name(nodes[i]);
        return s + "}";
    };
    if (ringReach) {
        // The ring in its order; sides[k] is what the group's k-th node still sees (itself included).
        std::string s = "ring ";
        for (std::size_t i = 0; i < n; ++i)
            s += (i ? " - " : "") + name(order[i]);
        for (std::size_t k = 0; k < n; ++k) {
            std::vector<std::size_t> sees;
            for (std::size_t j = 0; j < n; ++j)
                if (connected(group[k], group[j])) sees.push_back(group[j]);
            cut.sides.push_back(std::move(sees));
        }
        cut.description = s + " - " + name(order[0]);
    } else {
        std::vector<std::size_t> a, b;
        for (std::size_t i = 0; i < n; ++i) {
            if (i == bridge) continue;
            (i < split ? a : b).push_back(order[i]);
        }
        if (bridge != SIZE_MAX) {
            a.push_back(order[bridge]);
            b.push_back(order[bridge]);
        }
        cut.description = list(a) + " | " + list(b);
        if (bridge != SIZE_MAX) cut.description += " (bridge " + name(order[bridge]) + ")";
        cut.sides = {a, b};
    }
    return cut;
}

} // namespace sb
