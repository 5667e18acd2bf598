#include "domaincheckers.h"

#include "actormetrics.h"
#include "eventsourcingchecker.h"
#include "outboxchecker.h"
#include "p2pchecker.h"
#include "pubsubchecker.h"
#include "sagachecker.h"

namespace sb {

DomainCheckers makeDomainCheckers(const Topology &t, const std::vector<std::string> &nodeLabels)
{
    DomainCheckers checkers;
    checkers.push_back(std::make_unique<EventSourcingChecker>(nodeLabels));
    checkers.push_back(std::make_unique<SagaChecker>(t, nodeLabels));
    checkers.push_back(OutboxChecker::forTopology(t, nodeLabels));
    checkers.push_back(std::make_unique<PubSubChecker>(nodeLabels));
    checkers.push_back(std::make_unique<ActorMetrics>(t)); // figures only, no checks
    checkers.push_back(std::make_unique<P2PChecker>(t, nodeLabels));
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
        add(SagaChecker::help());
        add(OutboxChecker::help());
        add(PubSubChecker::help());
        add(P2PChecker::help());
        return all;
    }();
    return help;
}

} // namespace sb
