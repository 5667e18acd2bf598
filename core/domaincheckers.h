#pragma once
// The checkers of the paradigms beyond messaging and calls (sagas, the transactional outbox, event
// sourcing and CQRS). Each watches the trace like any sink and at the end says its checks, in the
// one Finding shape (findings.h) that the run summary, its JSON, `--fail-on` and the sequence
// diagram show. The CLI and the window make them all with makeDomainCheckers(); a new checker is
// one line there and one in domainCheckHelp().
#include "findings.h"
#include "topology.h"
#include "trace.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb {

class DomainChecker : public TraceSink {
public:
    // Whether the run had anything for it to check (a run without sagas has no saga checks).
    virtual bool any() const = 0;
    // Its checks, in report order, each with its count and first findings.
    virtual std::vector<CheckResult> checks() const = 0;
};

using DomainCheckers = std::vector<std::unique_ptr<DomainChecker>>;

// One of each checker, for a run of `t` (findings name nodes by `nodeLabels`).
DomainCheckers makeDomainCheckers(const Topology &t, const std::vector<std::string> &nodeLabels);
// Every check they can make (name, what it counts), in report order: part of what --fail-on takes.
const std::vector<std::pair<std::string, std::string>> &domainCheckHelp();

} // namespace sb
