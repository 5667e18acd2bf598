// signalbox-cli: the headless runner. All logic lives in signalbox_core (cli.cpp); pictures of
// the sequence diagram are drawn by the diagrams library.
#include "cli.h"
#include "sequenceexport.h"

#include <cstdlib>
#include <iostream>

#include <unistd.h>

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    sb::installSequencePictureSupport();
    sb::CliEnvironment environment;
    environment.progress = ::isatty(STDERR_FILENO) == 1; // a progress line only where a person watches
    const char *examplesDir = std::getenv("SIGNALBOX_EXAMPLES_DIR");
    environment.examplesDir = examplesDir && *examplesDir ? examplesDir : SIGNALBOX_EXAMPLES_DIR;
    return sb::cliMain(args, std::cout, std::cerr, environment);
}
