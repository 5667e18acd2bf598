#include "domaincheckers.h"

#include "eventsourcingchecker.h"

namespace sb {

DomainCheckers makeDomainCheckers(const Topology &t, const std::vector<std::string> &nodeLabels)
{
    (void)t;
    DomainCheckers checkers;
    checkers.push_back(std::make_unique<EventSourcingChecker>(nodeLabels));
    return checkers;
}

const std::vector<std::pair<std::string, std::string>> &domainCheckHelp()
{
    static const std::vector<std::pair<std::string, std::string>> help = [] {
        std::vector<std::pair<std::string, std::string>> all;
        auto add = [&all](const std::vector<std::pair<std::string, std::string>> &more) {
            all.insert(all.end(), more.begin(), more.end());
        };
        add(EventSourcingChecker::checkHelp());
        return all;
    }();
    return help;
}

} // namespace sb
