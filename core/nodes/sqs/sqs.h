#pragma once
// Amazon SQS kinds: the queue (standard or FIFO), and the clients that send to and receive from
// it with SQS's actions (SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility;
// sqsprotocol.h is their contract). Each kind's schema sits next to its logic.
#include "../../node.h"
#include "../../schema.h"

namespace sb {

NodeKindSpec sqsQueueKind();
NodeKindSpec sqsProducerKind();
NodeKindSpec sqsConsumerKind();
// "SQS standard queue", "SQS FIFO queue", ...: grouped under "Amazon SQS" in the palette.
std::vector<NodeTemplate> sqsTemplates();

} // namespace sb
