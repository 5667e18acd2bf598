#pragma once
// Serialization formats and what marshalling costs. A request or reply of P payload bytes takes
// ceil(P x sizeFactor) bytes on the wire, and marshalling it (or unmarshalling it at the other
// end) takes marshalFixed + wireBytes x marshalPerByte x cpuFactor of the node's time. The
// factors are typical ratios for records of small integers and short strings, protobuf = 1:
//   protobuf        1.00  size, 1.0 cpu  (varints, field tags; the gRPC default)
//   thrift-compact  1.05  size, 1.0 cpu  (Thrift TCompactProtocol: varints, delta field ids)
//   thrift-binary   1.50  size, 0.8 cpu  (Thrift TBinaryProtocol: fixed-width fields, cheap to encode)
//   json            2.20  size, 4.0 cpu  (field names and numbers as text; REST's usual body)
// They are documented figures for comparison, not measurements of one message.
#include "../../simtime.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::rpc {

struct WireFormat {
    const char *name;
    double sizeFactor;
    double cpuFactor;
};

// The formats above, in that order; the first is the default.
const std::vector<WireFormat> &wireFormats();
std::vector<std::string> wireFormatNames();
// The format called `name`, or protobuf.
const WireFormat &wireFormat(std::string_view name);

struct MarshalCost {
    SimTime fixed = 0;    // per message
    double nsPerByte = 0; // per wire byte, before the format's cpu factor
};

std::uint32_t wireBytes(const WireFormat &f, std::uint32_t payload);
SimTime marshalTime(const WireFormat &f, const MarshalCost &c, std::uint32_t wireBytes);

} // namespace sb::rpc
