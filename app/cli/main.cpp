// signalbox-cli: the headless runner. All logic lives in signalbox_core (cli.cpp); pictures of
// the sequence diagram are drawn by the diagrams library.
#include "cli.h"
#include "sequenceexport.h"

#include <iostream>

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    sb::installSequencePictureSupport();
    return sb::cliMain(args, std::cout, std::cerr);
}
