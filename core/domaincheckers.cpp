#include "domaincheckers.h"

#include "outboxchecker.h"

namespace sb {

DomainCheckers makeDomainCheckers(const Topology &t, const std::vector<std::string> &nodeLabels)
{
    DomainCheckers checkers;
    checkers.push_back(OutboxChecker::forTopology(t, nodeLabels));
    return checkers;
}

const std::vector<std::pair<std::string, std::string>> &domainCheckHelp()
{
    static const std::vector<std::pair<std::string, std::string>> help = [] {
        std::vector<std::pair<std::string, std::string>> all;
        all.insert(all.end(), OutboxChecker::help().begin(), OutboxChecker::help().end());
        return all;
    }();
    return help;
}

} // namespace sb
