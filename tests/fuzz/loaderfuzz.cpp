// The loader's fuzz entry point: one input is one topology file. It is parsed, saved and
// reloaded, built, run for a bounded number of events and summarised, as signalbox-cli would.
// Linked into fuzz_loader (libFuzzer, clang) and into fuzz_loader_replay (any compiler), which
// replays the regression inputs in tests/fuzz/corpus as an ordinary test.
#include "checker.h"
#include "cli.h"
#include "metrics.h"
#include "simulation.h"
#include "summary.h"
#include "topology.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char *what, const std::string &detail)
{
    std::fprintf(stderr, "fuzz_loader: %s\n%s\n", what, detail.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const sb::LoadResult loaded = sb::parseTopology(text, "fuzz");
    for (const auto &d : loaded.diagnostics)
        (void)sb::escapeForTerminal(d.toString());
    if (!loaded.ok()) return 0;

    // What loaded must save to a file that loads again.
    const std::string saved = sb::serializeTopology(*loaded.topology);
    const sb::LoadResult reloaded = sb::parseTopology(saved, "fuzz-saved");
    if (!reloaded.ok())
        fail("a loaded topology saved to a file that does not load", reloaded.errorText() + saved);

    std::string error;
    auto sim = sb::Simulation::build(*loaded.topology, error);
    if (!sim) return 0;
    sb::Metrics metrics(sim->nodeCount(), sim->linkCount());
    sb::DeliveryChecker checker = sb::DeliveryChecker::forTopology(*loaded.topology);
    sim->addSink(&metrics);
    sim->addSink(&checker);
    sb::RunOptions options;
    options.until = loaded.topology->run.until.value_or(60 * sb::kSecond);
    options.speed = 0;         // never paced: a fuzz input must not sleep
    options.maxEvents = 20000; // bounded, whatever the file asks for
    const sb::StopReason reason = sim->run(options);
    const sb::RunSummary summary = sb::buildSummary(*sim, metrics, checker, reason, 0);
    (void)sb::formatSummary(summary);
    (void)sb::summaryToJson(summary).dump();
    return 0;
}
