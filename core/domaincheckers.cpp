#include "domaincheckers.h"

#include "sagachecker.h"

namespace sb {

DomainCheckers makeDomainCheckers(const Topology &t, const std::vector<std::string> &nodeLabels)
{
    DomainCheckers checkers;
    checkers.push_back(std::make_unique<SagaChecker>(t, nodeLabels));
    return checkers;
}

const std::vector<std::pair<std::string, std::string>> &domainCheckHelp()
{
    static const std::vector<std::pair<std::string, std::string>> help = [] {
        std::vector<std::pair<std::string, std::string>> all;
        all.insert(all.end(), SagaChecker::help().begin(), SagaChecker::help().end());
        return all;
    }();
    return help;
}

} // namespace sb
