#pragma once
// Helpers for the sequence diagram tests: the layout the window gives an example's run.
#include "exampletrace.h"
#include "logmetrics.h"
#include "nodelabels.h"
#include "sequencerenderer.h"

#include <QStringList>

namespace sbtest {

// Lifelines in node order, named and kinded as the topology says, consumer groups named.
inline sb::SequenceLayout layoutOf(const ExampleTrace &trace)
{
    sb::SequenceLayout layout;
    layout.nodeIds = trace.nodeIds;
    for (const std::string &label : sb::nodeLabels(trace.topology))
        layout.nodeNames << QString::fromStdString(label);
    layout.nodeKinds = trace.nodeKinds;
    for (sb::NodeIndex n = 0; n < sb::NodeIndex(trace.nodeIds.size()); ++n)
        layout.order.push_back(n);
    QStringList groups;
    for (const std::string &g : sb::consumerGroupNames(trace.topology))
        groups << QString::fromStdString(g);
    layout.groupName = [groups](std::uint32_t g) { return groups.value(int(g)); };
    return layout;
}

} // namespace sbtest
