#pragma once
// signalbox-cli's commands that live outside cli.cpp (one file each); cliMain dispatches to them.
#include <iosfwd>
#include <string>
#include <vector>

namespace sb {

// `signalbox-cli examples`: the gallery of bundled examples (core/cliexamples.cpp).
int examples(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
             const std::string &dir);
// `signalbox-cli overlay`: a generated peer-to-peer overlay as a topology file (core/clioverlay.cpp).
int overlay(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);
// `signalbox-cli layout --supervision`: supervision trees arranged top-down (core/clilayout.cpp).
int layout(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace sb
