#include "supervisionlayout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace sb {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

bool isActorFamily(const NodeDef &n)
{
    return n.kind == "supervisor" || n.kind == "actor" || n.kind == "actor-client";
}

// A supervision link: a supervisor's `children` port (its first output, the default) to a child's
// `parent` port (a supervisor's first input, the default; an actor's must be named).
bool isSupervisionLink(const LinkDef &l, const NodeDef &from, const NodeDef &to)
{
    if (from.kind != "supervisor" || (to.kind != "actor" && to.kind != "supervisor")) return false;
    if (!l.fromPort.empty() && l.fromPort != "children") return false;
    return l.toPort == "parent" || (l.toPort.empty() && to.kind == "supervisor");
}

class Forest {
public:
    explicit Forest(const Topology &t) : m_t(t), m_parent(t.nodes.size(), kNone), m_children(t.nodes.size())
    {
        std::map<std::string, std::size_t> index;
        for (std::size_t i = 0; i < t.nodes.size(); ++i)
            index.emplace(t.nodes[i].id, i);
        for (const LinkDef &l : t.links) {
            const auto f = index.find(l.from), c = index.find(l.to);
            if (f == index.end() || c == index.end() || f->second == c->second) continue;
            if (!isSupervisionLink(l, t.nodes[f->second], t.nodes[c->second])) continue;
            if (m_parent[c->second] != kNone) continue; // a second supervisor: the first one counts
            m_parent[c->second] = f->second;
            m_children[f->second].push_back(c->second); // start order: the order of the links
        }
    }

    // The roots in topology order: supervisors with no parent, then (for a cycle of supervisors,
    // which validation may let through) the first unvisited supervisor of each cycle.
    std::vector<std::size_t> roots()
    {
        std::vector<std::size_t> out;
        m_width.assign(m_t.nodes.size(), 0);
        for (std::size_t i = 0; i < m_t.nodes.size(); ++i)
            if (m_t.nodes[i].kind == "supervisor" && m_parent[i] == kNone) {
                out.push_back(i);
                width(i);
            }
        for (std::size_t i = 0; i < m_t.nodes.size(); ++i)
            if (m_t.nodes[i].kind == "supervisor" && m_width[i] == 0) {
                out.push_back(i);
                width(i);
            }
        return out;
    }

    // Leaves under `n` (1 for a leaf): its band's width in columns. Fills m_width; a node reached
    // twice (a cycle) counts once.
    std::size_t width(std::size_t n)
    {
        m_width[n] = 1; // visited
        std::size_t w = 0;
        for (std::size_t c : m_children[n])
            if (m_width[c] == 0) {
                w += width(c);
                m_tree.push_back({n, c});
            }
        m_width[n] = std::max<std::size_t>(w, 1);
        return m_width[n];
    }

    // Places `n`'s subtree in the band starting at column `left`, its top at row `depth`: a leaf in
    // the middle of its column, a supervisor centred over its first and last child (on the grid).
    // Returns `n`'s x.
    double place(std::size_t n, double left, std::size_t depth, const SupervisionLayoutOptions &o,
                 std::vector<Position> &at, std::vector<bool> &placed)
    {
        placed[n] = true;
        double next = left, first = 0, last = 0;
        bool any = false;
        for (std::size_t c : m_children[n]) {
            if (placed[c] || !isTreeEdge(n, c)) continue;
            const double x = place(c, next, depth + 1, o, at, placed);
            if (!any) first = x;
            last = x;
            any = true;
            next += static_cast<double>(m_width[c]);
        }
        const double grid = o.grid > 0 ? o.grid : 1;
        const double x = any ? std::round((first + last) / 2 / grid) * grid : left * o.columnWidth;
        at[n] = Position{x, static_cast<double>(depth) * o.rowHeight};
        return x;
    }

    std::size_t widthOf(std::size_t n) const { return m_width[n]; }
    bool inTree(std::size_t n) const { return n < m_width.size() && m_width[n] != 0; }

private:
    bool isTreeEdge(std::size_t parent, std::size_t child) const
    {
        return std::find(m_tree.begin(), m_tree.end(), std::make_pair(parent, child)) != m_tree.end();
    }

    const Topology &m_t;
    std::vector<std::size_t> m_parent;
    std::vector<std::vector<std::size_t>> m_children;
    std::vector<std::size_t> m_width;                        // 0: not in a tree
    std::vector<std::pair<std::size_t, std::size_t>> m_tree; // the edges the widths counted
};

} // namespace

bool hasSupervisor(const Topology &t)
{
    return std::any_of(t.nodes.begin(), t.nodes.end(),
                       [](const NodeDef &n) { return n.kind == "supervisor"; });
}

SupervisionLayout supervisionLayout(const Topology &t, const SupervisionLayoutOptions &o)
{
    SupervisionLayout out;
    if (!hasSupervisor(t)) return out;
    Forest forest(t);
    const std::vector<std::size_t> roots = forest.roots();
    out.trees = roots.size();

    // The anchor: the top-left of the actor-family nodes as they are, on the grid.
    double minX = std::numeric_limits<double>::infinity(), minY = minX;
    for (const NodeDef &n : t.nodes)
        if (isActorFamily(n)) {
            minX = std::min(minX, n.position.x);
            minY = std::min(minY, n.position.y);
        }
    const double grid = o.grid > 0 ? o.grid : 1;
    const double ax = std::floor(minX / grid) * grid, ay = std::floor(minY / grid) * grid;

    std::vector<std::size_t> loose; // actor-family nodes outside every tree
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        if (isActorFamily(t.nodes[i]) && !forest.inTree(i)) loose.push_back(i);

    std::vector<Position> at(t.nodes.size()); // relative to the anchor
    std::vector<bool> placed(t.nodes.size(), false);
    double left = loose.empty() ? 0 : 1;
    for (std::size_t r : roots) {
        forest.place(r, left, 0, o, at, placed);
        left += static_cast<double>(forest.widthOf(r));
    }
    for (std::size_t k = 0; k < loose.size(); ++k) {
        placed[loose[k]] = true;
        at[loose[k]] = Position{0, static_cast<double>(k + 1) * o.rowHeight};
    }
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
        if (placed[i]) out.positions.push_back({t.nodes[i].id, Position{ax + at[i].x, ay + at[i].y}});
    return out;
}

void applyLayout(Topology &t, const SupervisionLayout &layout)
{
    std::map<std::string, Position> at(layout.positions.begin(), layout.positions.end());
    for (NodeDef &n : t.nodes)
        if (const auto it = at.find(n.id); it != at.end()) n.position = it->second;
}

} // namespace sb
