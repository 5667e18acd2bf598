#pragma once
// signalbox-cli: validate, list kinds, and run topology files headlessly. Lives in the core
// library so tests can run it in-process; app/cli/main.cpp only calls cliMain().
#include <iosfwd>
#include <string>
#include <vector>

namespace sb {

// Exit codes (also printed by --help).
namespace CliExit {
inline constexpr int Ok = 0;
inline constexpr int Usage = 2;        // bad command line
inline constexpr int InvalidInput = 3; // topology file missing, unreadable or invalid
inline constexpr int OutputError = 4;  // an output file could not be written
inline constexpr int CheckFailed = 5;  // --fail-on found lost or duplicated messages
} // namespace CliExit

int cliMain(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace sb
