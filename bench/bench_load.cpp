// Topology loading benchmark (a program, not a timed test).
// Generates topologies of 15k nodes / 10k links, 30k / 20k and 60k / 40k (groups of
// producer -> queue -> consumer and producer -> direct exchange -> bound queue), then times
// parsing the file text (which validates it), validating the parsed topology again, and
// building the simulation. Prints seconds per step and how each grows from the smallest size:
// a linear loader grows about 4x from 15k to 60k nodes, a quadratic one about 16x.
//
//   bench_load [--repeat R]
#include "simulation.h"
#include "topology.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace sb;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// `groups` groups of 6 nodes, 4 links and 1 binding.
Topology generate(int groups)
{
    Topology t;
    t.name = "bench: " + std::to_string(groups * 6) + " nodes";
    for (int g = 0; g < groups; ++g) {
        const std::string n = std::to_string(g);
        const Position at{static_cast<double>(g % 100) * 300, static_cast<double>(g / 100) * 200};
        t.nodes.push_back({"p" + n, "producer", {}, Json{{"rate", 10}}, at});
        t.nodes.push_back({"q" + n, "queue", {}, Json::object(), at});
        t.nodes.push_back({"c" + n, "consumer", {}, Json::object(), at});
        t.nodes.push_back({"pe" + n, "producer", {}, Json{{"rate", 10}}, at});
        t.nodes.push_back({"x" + n, "exchange", {}, Json{{"type", "direct"}}, at});
        t.nodes.push_back({"qx" + n, "queue", {}, Json::object(), at});
        t.links.push_back({"l1-" + n, "p" + n, "out", "q" + n, "in", Json::object()});
        t.links.push_back({"l2-" + n, "q" + n, "deliver", "c" + n, "in", Json::object()});
        t.links.push_back({"l3-" + n, "pe" + n, "out", "x" + n, "in", Json::object()});
        t.links.push_back({"l4-" + n, "x" + n, "out", "qx" + n, "in", Json::object()});
        t.bindings.push_back({"x" + n, "qx" + n, "key-" + n});
    }
    return t;
}

struct Times {
    double parse = 0, validate = 0, build = 0;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

Times measure(int groups, int repeat)
{
    const std::string text = serializeTopology(generate(groups));
    std::vector<double> parse, validate, build;
    for (int r = 0; r < repeat; ++r) {
        double t0 = now();
        LoadResult loaded = parseTopology(text, "bench");
        parse.push_back(now() - t0);
        if (!loaded.ok()) {
            std::fprintf(stderr, "generated topology is invalid:\n%s", loaded.errorText().c_str());
            std::exit(1);
        }
        t0 = now();
        const auto diagnostics = validateTopology(*loaded.topology);
        validate.push_back(now() - t0);
        t0 = now();
        std::string error;
        auto sim = Simulation::build(*loaded.topology, error);
        build.push_back(now() - t0);
        if (!sim) {
            std::fprintf(stderr, "build failed: %s\n", error.c_str());
            std::exit(1);
        }
    }
    return {median(parse), median(validate), median(build)};
}

} // namespace

int main(int argc, char **argv)
{
    int repeat = 3;
    for (int i = 1; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[++i]));
    std::printf("%-16s %10s %10s %10s %10s\n", "nodes/links", "parse s", "validate s", "build s", "total s");
    Times first;
    for (int groups : {2500, 5000, 10000}) {
        const Times t = measure(groups, repeat);
        if (groups == 2500) first = t;
        const double total = t.parse + t.validate + t.build;
        std::printf("%6d/%-9d %10.3f %10.3f %10.3f %10.3f", groups * 6, groups * 4, t.parse, t.validate,
                    t.build, total);
        if (groups != 2500)
            std::printf("   x%.1f of 15k/10k (linear: x%d)",
                        total / (first.parse + first.validate + first.build), groups / 2500);
        std::printf("\n");
    }
    return 0;
}
