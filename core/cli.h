#pragma once
// signalbox-cli: validate, list kinds, and run topology files headlessly. Lives in the core
// library so tests can run it in-process; app/cli/main.cpp only calls cliMain().
#include "sequence.h"

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb {

// Exit codes (also printed by --help).
namespace CliExit {
inline constexpr int Ok = 0;
inline constexpr int NoMatch = 1;       // match: the pattern does not match the subject
inline constexpr int Usage = 2;         // bad command line
inline constexpr int InvalidInput = 3;  // topology file missing, unreadable or invalid
inline constexpr int OutputError = 4;   // an output file could not be written
inline constexpr int CheckFailed = 5;   // --fail-on: a check found what it names
inline constexpr int Interrupted = 130; // Ctrl+C (SIGINT) or SIGTERM stopped the run; files are written
} // namespace CliExit

// Where cliMain runs. signalbox-cli sets `progress` when its stderr is a terminal, so a run draws
// a progress line there (redrawn in place, cleared at the end); pipes and tests get none.
struct CliEnvironment {
    bool progress = false;
    // Where `examples` finds the bundled examples (signalbox-cli: the source tree's
    // resources/examples, or $SIGNALBOX_EXAMPLES_DIR); `examples --dir DIR` overrides it.
    std::string examplesDir;
};

int cliMain(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
            const CliEnvironment &environment = {});

// Text from a file, made safe to print: control characters and Unicode direction overrides
// become visible escapes ("\x1b", "\u202e") instead of acting on the terminal. Newlines are
// kept when `keepNewlines` (multi-line reports), else escaped too.
std::string escapeForTerminal(std::string_view text, bool keepNewlines = false);

// Pictures of the sequence diagram (.svg, .png, .pdf) need a renderer the core does not have:
// signalbox-cli installs the diagrams library's. Without one, picture paths are refused.
struct SequencePicture {
    std::string path;
    std::vector<TraceEvent> events; // the run's events that fall in the options' range, in order
    std::vector<std::string> nodeIds, nodeKinds, linkIds;
    std::vector<std::string> nodeLabels; // what the lifelines say (nodeLabels()); the ids when empty
    SequenceOptions options;
    SimTime end = 0;                     // where the run stopped
    std::vector<NodeClock> clocks;       // by node (nodeClocks()): the order modes and clock marks
    std::vector<std::string> faultNames; // the run's fault table (sequenceFaultLabel()), by index
    std::vector<std::pair<NodeIndex, NodeIndex>> linkEnds; // sequenceLinkEnds(): link faults' marks
    // Calls' methods (their requests' routing keys) by request message id: Request arrows' labels.
    std::unordered_map<std::uint64_t, std::string> methods;
};
struct SequencePictureSupport {
    std::function<bool(const std::string &path)> handles;
    std::function<bool(const SequencePicture &picture, std::string &error)> write;
};
void setSequencePictureSupport(SequencePictureSupport support);
// The most events a picture is drawn from; beyond it the picture shows the first ones and says so.
inline constexpr std::size_t kMaxPictureEvents = std::size_t{1} << 21;

} // namespace sb
