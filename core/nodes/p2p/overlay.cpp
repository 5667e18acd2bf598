#include "overlay.h"

#include "../../random.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <unordered_set>

namespace sb {

namespace {

constexpr std::pair<OverlayShape, const char *> kShapes[] = {
    {OverlayShape::Ring, "ring"},
    {OverlayShape::Grid, "grid"},
    {OverlayShape::RandomRegular, "random-regular"},
    {OverlayShape::ErdosRenyi, "erdos-renyi"},
    {OverlayShape::WattsStrogatz, "watts-strogatz"},
    {OverlayShape::BarabasiAlbert, "barabasi-albert"},
};
constexpr std::pair<OverlayLayout, const char *> kLayouts[] = {
    {OverlayLayout::Natural, "natural"},
    {OverlayLayout::Circular, "circular"},
    {OverlayLayout::ForceDirected, "force-directed"},
};

std::uint64_t edgeKey(std::uint32_t a, std::uint32_t b)
{
    if (a > b) std::swap(a, b);
    return (static_cast<std::uint64_t>(a) << 32) | b;
}

// An edge set that keeps insertion order out of the result: edges are sorted at the end.
class EdgeSet {
public:
    bool has(std::uint32_t a, std::uint32_t b) const { return m_keys.count(edgeKey(a, b)) > 0; }
    bool add(std::uint32_t a, std::uint32_t b)
    {
        if (a == b || !m_keys.insert(edgeKey(a, b)).second) return false;
        return true;
    }
    void remove(std::uint32_t a, std::uint32_t b) { m_keys.erase(edgeKey(a, b)); }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sorted() const
    {
        std::vector<std::uint64_t> keys(m_keys.begin(), m_keys.end());
        std::sort(keys.begin(), keys.end());
        std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
        out.reserve(keys.size());
        for (auto k : keys)
            out.emplace_back(static_cast<std::uint32_t>(k >> 32),
                             static_cast<std::uint32_t>(k & 0xffffffffu));
        return out;
    }
    std::size_t size() const { return m_keys.size(); }

private:
    std::unordered_set<std::uint64_t> m_keys;
};

void ring(EdgeSet &edges, int n, int k)
{
    for (int i = 0; i < n; ++i)
        for (int j = 1; j <= k; ++j)
            edges.add(i, (i + j) % n);
}

int gridColumns(const OverlayParams &p)
{
    return p.columns > 0 ? p.columns : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(p.n))));
}

void grid(EdgeSet &edges, int n, int cols)
{
    for (int i = 0; i < n; ++i) {
        if ((i + 1) % cols != 0 && i + 1 < n) edges.add(i, i + 1);
        if (i + cols < n) edges.add(i, i + cols);
    }
}

// Steger & Wormald: pair random half-edges ("points") whose peers are distinct and not yet linked.
bool randomRegular(EdgeSet &edges, int n, int d, Rng &rng)
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        edges = EdgeSet();
        std::vector<std::uint32_t> points;
        points.reserve(static_cast<std::size_t>(n) * d);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < d; ++j)
                points.push_back(i);
        bool stuck = false;
        while (!points.empty() && !stuck) {
            bool paired = false;
            for (int tries = 0; tries < 64 && !paired; ++tries) {
                const std::size_t a = rng.below(points.size());
                const std::size_t b = rng.below(points.size());
                if (a == b || points[a] == points[b] || edges.has(points[a], points[b])) continue;
                edges.add(points[a], points[b]);
                // Remove both, the larger index first so the smaller stays valid.
                for (std::size_t idx : {std::max(a, b), std::min(a, b)}) {
                    points[idx] = points.back();
                    points.pop_back();
                }
                paired = true;
            }
            if (paired) continue;
            // Few suitable pairs left: look for one among all remaining pairs.
            std::vector<std::pair<std::size_t, std::size_t>> suitable;
            for (std::size_t a = 0; a < points.size(); ++a)
                for (std::size_t b = a + 1; b < points.size(); ++b)
                    if (points[a] != points[b] && !edges.has(points[a], points[b]))
                        suitable.emplace_back(a, b);
            if (suitable.empty()) {
                stuck = true;
                break;
            }
            const auto [a, b] = suitable[rng.below(suitable.size())];
            edges.add(points[a], points[b]);
            points[b] = points.back();
            points.pop_back();
            points[a] = points.back();
            points.pop_back();
        }
        if (!stuck) return true;
    }
    return false;
}

// Batagelj & Brandes 2005, algorithm G(n, p): geometric skips over the pairs (v, w), w < v.
void erdosRenyi(EdgeSet &edges, int n, double p, Rng &rng)
{
    if (p <= 0) return;
    if (p >= 1) {
        for (int v = 1; v < n; ++v)
            for (int w = 0; w < v; ++w)
                edges.add(v, w);
        return;
    }
    const double lq = std::log1p(-p);
    if (!(lq < 0)) return; // p below double precision: no edges
    long long v = 1, w = -1;
    while (v < n) {
        const double r = rng.uniform01();
        // A skip beyond every remaining pair ends the draw (and keeps the cast in range).
        const double skip = std::floor(std::log1p(-r) / lq);
        if (skip > static_cast<double>(n) * n) break;
        w += 1 + static_cast<long long>(skip);
        while (w >= v && v < n) {
            w -= v;
            ++v;
        }
        if (v < n) edges.add(static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(w));
    }
}

void wattsStrogatz(EdgeSet &edges, int n, int k, double beta, Rng &rng)
{
    ring(edges, n, k);
    for (int j = 1; j <= k; ++j) {
        for (int i = 0; i < n; ++i) {
            const std::uint32_t a = i, b = (i + j) % n;
            if (!edges.has(a, b) || !rng.bernoulli(beta)) continue;
            // Rewire (a, b) to (a, w): w uniform among peers not a and not yet linked to a.
            for (int tries = 0; tries < 32; ++tries) {
                const auto w = static_cast<std::uint32_t>(rng.below(n));
                if (w == a || edges.has(a, w)) continue;
                edges.remove(a, b);
                edges.add(a, w);
                break;
            }
        }
    }
}

void barabasiAlbert(EdgeSet &edges, int n, int m, Rng &rng)
{
    std::vector<std::uint32_t> ends; // every edge's two ends: a uniform pick is degree-proportional
    const int m0 = std::min(n, m + 1);
    for (int a = 0; a < m0; ++a)
        for (int b = a + 1; b < m0; ++b) {
            edges.add(a, b);
            ends.push_back(a);
            ends.push_back(b);
        }
    std::vector<std::uint32_t> targets;
    for (int v = m0; v < n; ++v) {
        targets.clear();
        while (static_cast<int>(targets.size()) < m) {
            const std::uint32_t t = ends[rng.below(ends.size())];
            if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
        }
        for (auto t : targets) {
            edges.add(v, t);
            ends.push_back(v);
            ends.push_back(t);
        }
    }
}

std::vector<OverlayPoint> circular(int n, double spacing)
{
    std::vector<OverlayPoint> pos(n);
    if (n == 1) return pos;
    // Circumference n * spacing, at least a small circle.
    const double r = std::max(spacing, n * spacing / (2 * std::numbers::pi));
    for (int i = 0; i < n; ++i) {
        const double a = 2 * std::numbers::pi * i / n - std::numbers::pi / 2;
        pos[i] = {r + r * std::cos(a), r + r * std::sin(a)};
    }
    return pos;
}

std::vector<OverlayPoint> lattice(int n, int cols, double spacing)
{
    std::vector<OverlayPoint> pos(n);
    for (int i = 0; i < n; ++i)
        pos[i] = {(i % cols) * spacing, (i / cols) * spacing};
    return pos;
}

// Fruchterman & Reingold: repulsion k^2/d between peers closer than 2k (neighbouring grid cells),
// attraction d^2/k along edges, displacement capped by a temperature that cools linearly.
std::vector<OverlayPoint>
forceDirected(int n, const std::vector<std::pair<std::uint32_t, std::uint32_t>> &edges, double spacing)
{
    std::vector<OverlayPoint> pos = circular(n, spacing);
    if (n <= 2) return pos;
    const double k = spacing;
    const double side = k * std::sqrt(static_cast<double>(n));
    // Start from the circle, scaled to the square of side `side` so the forces start balanced.
    double minX = 1e300, minY = 1e300, maxX = -1e300, maxY = -1e300;
    for (const auto &p : pos) {
        minX = std::min(minX, p.x), maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y), maxY = std::max(maxY, p.y);
    }
    const double scale = side / std::max(1.0, std::max(maxX - minX, maxY - minY));
    for (auto &p : pos)
        p = {(p.x - minX) * scale, (p.y - minY) * scale};
    const double cell = 2 * k;
    const int iterations = 60;
    std::vector<OverlayPoint> disp(n);
    std::vector<int> cellOf(n), order(n), start;
    for (int it = 0; it < iterations; ++it) {
        const double temperature = side / 10 * (1 - static_cast<double>(it) / iterations) + k / 100;
        // Bucket peers into cells (counting sort: deterministic order within a cell).
        double lx = 1e300, ly = 1e300;
        for (const auto &p : pos)
            lx = std::min(lx, p.x), ly = std::min(ly, p.y);
        int cw = 1, ch = 1;
        for (int i = 0; i < n; ++i) {
            const int cx = static_cast<int>((pos[i].x - lx) / cell),
                      cy = static_cast<int>((pos[i].y - ly) / cell);
            cw = std::max(cw, cx + 1), ch = std::max(ch, cy + 1);
        }
        // Cells of a very spread layout are capped; far peers then share cells (still correct forces).
        const long long cells = std::min<long long>(static_cast<long long>(cw) * ch, 4LL * n + 16);
        const int cwc = static_cast<int>(std::min<long long>(cw, cells));
        const int chc = static_cast<int>(std::max<long long>(1, cells / cwc));
        auto cellIndex = [&](const OverlayPoint &p) {
            int cx = std::min(cwc - 1, static_cast<int>((p.x - lx) / cell));
            int cy = std::min(chc - 1, static_cast<int>((p.y - ly) / cell));
            return cy * cwc + cx;
        };
        start.assign(static_cast<std::size_t>(cwc) * chc + 1, 0);
        for (int i = 0; i < n; ++i) {
            cellOf[i] = cellIndex(pos[i]);
            ++start[cellOf[i] + 1];
        }
        for (std::size_t c = 1; c < start.size(); ++c)
            start[c] += start[c - 1];
        {
            std::vector<int> fill(start.begin(), start.end() - 1);
            for (int i = 0; i < n; ++i)
                order[fill[cellOf[i]]++] = i;
        }
        for (auto &d : disp)
            d = {0, 0};
        for (int i = 0; i < n; ++i) {
            const int cx = cellOf[i] % cwc, cy = cellOf[i] / cwc;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int x = cx + dx, y = cy + dy;
                    if (x < 0 || y < 0 || x >= cwc || y >= chc) continue;
                    const int c = y * cwc + x;
                    for (int s = start[c]; s < start[c + 1]; ++s) {
                        const int j = order[s];
                        if (j == i) continue;
                        double ddx = pos[i].x - pos[j].x, ddy = pos[i].y - pos[j].y;
                        double d2 = ddx * ddx + ddy * ddy;
                        if (d2 > cell * cell) continue;
                        if (d2 < 1e-6) { // coincident: push apart along a direction fixed by the ids
                            ddx = (i < j ? 1 : -1) * 0.01 * k;
                            ddy = 0;
                            d2 = ddx * ddx;
                        }
                        const double f = k * k / d2; // (k^2 / d) along the unit vector (dx/d)
                        disp[i].x += ddx * f;
                        disp[i].y += ddy * f;
                    }
                }
        }
        for (const auto &[a, b] : edges) {
            const double ddx = pos[a].x - pos[b].x, ddy = pos[a].y - pos[b].y;
            const double d = std::sqrt(ddx * ddx + ddy * ddy);
            const double f = d / k; // (d^2 / k) along the unit vector
            disp[a].x -= ddx * f, disp[a].y -= ddy * f;
            disp[b].x += ddx * f, disp[b].y += ddy * f;
        }
        for (int i = 0; i < n; ++i) {
            const double len = std::sqrt(disp[i].x * disp[i].x + disp[i].y * disp[i].y);
            if (len < 1e-12) continue;
            const double step = std::min(len, temperature) / len;
            pos[i].x += disp[i].x * step;
            pos[i].y += disp[i].y * step;
        }
    }
    // Translate to the origin and round to whole canvas units.
    double lx = 1e300, ly = 1e300;
    for (const auto &p : pos)
        lx = std::min(lx, p.x), ly = std::min(ly, p.y);
    for (auto &p : pos)
        p = {std::round(p.x - lx), std::round(p.y - ly)};
    return pos;
}

std::string checkParams(const OverlayParams &p)
{
    auto num = [](double v) { return numberText(v); };
    if (p.n < 1 || p.n > kMaxOverlayPeers)
        return "n: the number of peers must be between 1 and " + std::to_string(kMaxOverlayPeers) + ", got " +
               std::to_string(p.n);
    if (!(p.spacing > 0) || !std::isfinite(p.spacing)) return "spacing: must be a positive number";
    switch (p.shape) {
    case OverlayShape::Ring:
    case OverlayShape::WattsStrogatz:
        if (p.k < 1) return "k: neighbours on each side must be at least 1, got " + std::to_string(p.k);
        if (2 * p.k >= p.n)
            return "k: a ring of " + std::to_string(p.n) + " peers has room for at most " +
                   std::to_string((p.n - 1) / 2) + " neighbours on each side (2k < n), got " +
                   std::to_string(p.k);
        if (p.shape == OverlayShape::WattsStrogatz && !(p.beta >= 0 && p.beta <= 1))
            return "beta: the rewiring probability must be in [0, 1], got " + num(p.beta);
        break;
    case OverlayShape::Grid:
        if (p.columns < 0) return "columns: must be 0 (square) or positive, got " + std::to_string(p.columns);
        break;
    case OverlayShape::RandomRegular:
        if (p.degree < 0 || p.degree >= p.n)
            return "degree: must be between 0 and n - 1 = " + std::to_string(p.n - 1) + ", got " +
                   std::to_string(p.degree);
        if ((static_cast<long long>(p.n) * p.degree) % 2 != 0)
            return "degree: n * degree must be even (" + std::to_string(p.n) + " * " +
                   std::to_string(p.degree) + " = " + std::to_string(static_cast<long long>(p.n) * p.degree) +
                   ")";
        break;
    case OverlayShape::ErdosRenyi:
        if (!(p.p >= 0 && p.p <= 1)) return "p: the link probability must be in [0, 1], got " + num(p.p);
        if (p.p * p.n * (p.n - 1) / 2 > 5e6)
            return "p: about " + num(std::round(p.p * p.n * (p.n - 1) / 2)) +
                   " links expected; at most 5000000 are generated";
        break;
    case OverlayShape::BarabasiAlbert:
        if (p.m < 1) return "m: links per new peer must be at least 1, got " + std::to_string(p.m);
        if (p.m >= p.n)
            return "m: links per new peer must be below n = " + std::to_string(p.n) + ", got " +
                   std::to_string(p.m);
        break;
    }
    return {};
}

} // namespace

const char *overlayShapeName(OverlayShape s)
{
    for (const auto &[v, name] : kShapes)
        if (v == s) return name;
    return "?";
}

bool overlayShapeFromName(std::string_view name, OverlayShape &out)
{
    for (const auto &[v, n] : kShapes)
        if (name == n) {
            out = v;
            return true;
        }
    return false;
}

std::vector<std::string> overlayShapeNames()
{
    std::vector<std::string> out;
    for (const auto &[v, n] : kShapes)
        out.emplace_back(n);
    return out;
}

const char *overlayLayoutName(OverlayLayout l)
{
    for (const auto &[v, name] : kLayouts)
        if (v == l) return name;
    return "?";
}

bool overlayLayoutFromName(std::string_view name, OverlayLayout &out)
{
    for (const auto &[v, n] : kLayouts)
        if (name == n) {
            out = v;
            return true;
        }
    return false;
}

bool overlayParamsFromJson(const Json &j, OverlayParams &out, std::string &error)
{
    if (!j.is_object()) {
        error = "overlay parameters must be an object";
        return false;
    }
    OverlayParams p;
    static const char *known[] = {"shape", "n", "k",    "columns", "degree", "p",
                                  "beta",  "m", "seed", "layout",  "spacing"};
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (std::find_if(std::begin(known), std::end(known), [&](const char *k) { return it.key() == k; }) ==
            std::end(known)) {
            std::vector<std::string> names(std::begin(known), std::end(known));
            const std::string near = closestMatch(it.key(), names);
            error = it.key() + ": unknown overlay parameter" +
                    (near.empty() ? "" : " (did you mean " + near + "?)");
            return false;
        }
    }
    auto whole = [&](const char *key, int &to) {
        if (!j.contains(key)) return true;
        const Json &v = j[key];
        if (!v.is_number_integer() &&
            !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
              std::abs(v.get<double>()) < 1e9)) {
            error = std::string(key) + ": must be a whole number, got " + v.dump();
            return false;
        }
        const double d = v.get<double>();
        if (d < -1e9 || d > 1e9) {
            error = std::string(key) + ": out of range, got " + v.dump();
            return false;
        }
        to = static_cast<int>(d);
        return true;
    };
    auto real = [&](const char *key, double &to) {
        if (!j.contains(key)) return true;
        if (!j[key].is_number()) {
            error = std::string(key) + ": must be a number, got " + j[key].dump();
            return false;
        }
        to = j[key].get<double>();
        return true;
    };
    if (!j.contains("shape") || !j["shape"].is_string() ||
        !overlayShapeFromName(j["shape"].get<std::string>(), p.shape)) {
        std::string names;
        for (const auto &n : overlayShapeNames())
            names += (names.empty() ? "" : ", ") + n;
        error = "shape: must be one of " + names + (j.contains("shape") ? ", got " + j["shape"].dump() : "");
        return false;
    }
    if (!j.contains("n")) {
        error = "n: the number of peers is required";
        return false;
    }
    if (!whole("n", p.n) || !whole("k", p.k) || !whole("columns", p.columns) || !whole("degree", p.degree) ||
        !whole("m", p.m) || !real("p", p.p) || !real("beta", p.beta) || !real("spacing", p.spacing))
        return false;
    if (j.contains("seed")) {
        if (!j["seed"].is_number_unsigned() && !j["seed"].is_number_integer()) {
            error = "seed: must be a whole number, got " + j["seed"].dump();
            return false;
        }
        p.seed = j["seed"].get<std::uint64_t>();
    }
    if (j.contains("layout") &&
        (!j["layout"].is_string() || !overlayLayoutFromName(j["layout"].get<std::string>(), p.layout))) {
        error = "layout: must be natural, circular or force-directed, got " + j["layout"].dump();
        return false;
    }
    out = p;
    return true;
}

std::optional<Overlay> generateOverlay(const OverlayParams &p, std::string &error)
{
    error = checkParams(p);
    if (!error.empty()) return std::nullopt;
    Rng rng(mixSeed(p.seed, 0x6f7665726c6179ULL)); // "overlay"
    EdgeSet edges;
    switch (p.shape) {
    case OverlayShape::Ring:
        ring(edges, p.n, p.k);
        break;
    case OverlayShape::Grid:
        grid(edges, p.n, gridColumns(p));
        break;
    case OverlayShape::RandomRegular:
        if (!randomRegular(edges, p.n, p.degree, rng)) {
            error = "degree: no simple " + std::to_string(p.degree) + "-regular graph on " +
                    std::to_string(p.n) + " peers found after 100 attempts";
            return std::nullopt;
        }
        break;
    case OverlayShape::ErdosRenyi:
        erdosRenyi(edges, p.n, p.p, rng);
        break;
    case OverlayShape::WattsStrogatz:
        wattsStrogatz(edges, p.n, p.k, p.beta, rng);
        break;
    case OverlayShape::BarabasiAlbert:
        barabasiAlbert(edges, p.n, p.m, rng);
        break;
    }
    Overlay o;
    o.n = p.n;
    o.edges = edges.sorted();
    OverlayLayout layout = p.layout;
    if (layout == OverlayLayout::Natural) {
        if (p.shape == OverlayShape::Grid) {
            o.positions = lattice(p.n, gridColumns(p), p.spacing);
            return o;
        }
        layout = p.shape == OverlayShape::Ring ? OverlayLayout::Circular : OverlayLayout::ForceDirected;
    }
    if (layout == OverlayLayout::Circular) {
        o.positions = circular(p.n, p.spacing);
        for (auto &pt : o.positions)
            pt = {std::round(pt.x), std::round(pt.y)};
    } else {
        o.positions = forceDirected(p.n, o.edges, p.spacing);
    }
    return o;
}

std::vector<std::vector<std::uint32_t>> overlayAdjacency(const Overlay &o)
{
    std::vector<std::vector<std::uint32_t>> adj(o.n);
    for (const auto &[a, b] : o.edges) {
        adj[a].push_back(b);
        adj[b].push_back(a);
    }
    for (auto &l : adj)
        std::sort(l.begin(), l.end());
    return adj;
}

std::vector<int> overlayDegrees(const Overlay &o)
{
    std::vector<int> d(o.n, 0);
    for (const auto &[a, b] : o.edges)
        ++d[a], ++d[b];
    return d;
}

int overlayComponents(const Overlay &o)
{
    const auto adj = overlayAdjacency(o);
    std::vector<char> seen(o.n, 0);
    std::vector<std::uint32_t> stack;
    int components = 0;
    for (int s = 0; s < o.n; ++s) {
        if (seen[s]) continue;
        ++components;
        seen[s] = 1;
        stack.push_back(s);
        while (!stack.empty()) {
            const auto v = stack.back();
            stack.pop_back();
            for (auto w : adj[v])
                if (!seen[w]) seen[w] = 1, stack.push_back(w);
        }
    }
    return components;
}

Json overlayTopologyJson(const Overlay &o, const Json &peerProperties, const std::string &prefix,
                         double originX, double originY)
{
    Json nodes = Json::array();
    auto id = [&](std::uint32_t i) { return prefix + std::to_string(i + 1); };
    for (int i = 0; i < o.n; ++i) {
        Json n;
        n["id"] = id(i);
        n["kind"] = "peer";
        n["properties"] = peerProperties.is_object() ? peerProperties : Json::object();
        const OverlayPoint pt = i < static_cast<int>(o.positions.size()) ? o.positions[i] : OverlayPoint{};
        n["position"] = {{"x", pt.x + originX}, {"y", pt.y + originY}};
        nodes.push_back(std::move(n));
    }
    Json links = Json::array();
    for (const auto &[a, b] : o.edges) {
        Json l;
        l["id"] = id(a) + "-" + id(b);
        l["from"] = id(a);
        l["to"] = id(b);
        l["fromPort"] = "out";
        l["toPort"] = "in";
        links.push_back(std::move(l));
    }
    Json out;
    out["nodes"] = std::move(nodes);
    out["links"] = std::move(links);
    return out;
}

} // namespace sb
