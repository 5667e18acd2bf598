// signalbox-cli: the headless runner. All logic lives in signalbox_core (cli.cpp).
#include "cli.h"

#include <iostream>

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    return sb::cliMain(args, std::cout, std::cerr);
}
