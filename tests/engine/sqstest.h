#pragma once
// Helpers for the SQS tests: a producer -> queue -> consumer line and the numbers read off a run.
#include "callstatus.h"
#include "enginetest.h"

#include <vector>

namespace sbtest {

// Script entries at the given times (ms), each with the given fields added.
inline Json sqsScript(const std::vector<double> &atMs, Json fields = Json::object())
{
    Json s = Json::array();
    for (double at : atMs) {
        Json e = {{"at", at}};
        if (fields.is_object())
            for (auto it = fields.begin(); it != fields.end(); ++it)
                e[it.key()] = it.value();
        s.push_back(e);
    }
    return s;
}

// p (sqs-producer) -> q (sqs-queue) -> c (sqs-consumer), each with the given properties.
inline TopologyBuilder sqsLine(Json producer, Json queue, Json consumer)
{
    TopologyBuilder b;
    b.node("p", "sqs-producer", producer).node("q", "sqs-queue", queue);
    b.link("p", "q");
    if (!consumer.is_null()) b.node("c", "sqs-consumer", consumer).link("q", "c");
    return b;
}

// Receives that came back empty: the queue's ReceiveMessage responses carrying no message.
inline std::size_t emptyReceives(const Run &r, sb::SimTime before = sb::kNever)
{
    std::size_t n = 0;
    for (const auto &e : r.trace.events)
        n += e.kind == sb::TraceKind::Send && e.frame == sb::FrameType::ReceiveMessage &&
             (e.flags & sb::TraceFlag::Response) && e.deliveryCount == 0 && e.status == sb::SqsError::None &&
             e.time < before;
    return n;
}

// Events of one kind, in order.
inline std::vector<sb::TraceEvent> eventsOf(const Run &r, sb::TraceKind k)
{
    std::vector<sb::TraceEvent> out;
    for (const auto &e : r.trace.events)
        if (e.kind == k) out.push_back(e);
    return out;
}

} // namespace sbtest
