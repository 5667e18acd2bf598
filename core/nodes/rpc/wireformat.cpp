#include "wireformat.h"

#include <cmath>

namespace sb::rpc {

const std::vector<WireFormat> &wireFormats()
{
    static const std::vector<WireFormat> formats = {{"protobuf", 1.0, 1.0},
                                                    {"thrift-compact", 1.05, 1.0},
                                                    {"thrift-binary", 1.5, 0.8},
                                                    {"json", 2.2, 4.0}};
    return formats;
}

std::vector<std::string> wireFormatNames()
{
    std::vector<std::string> out;
    for (const auto &f : wireFormats())
        out.emplace_back(f.name);
    return out;
}

const WireFormat &wireFormat(std::string_view name)
{
    for (const auto &f : wireFormats())
        if (name == f.name) return f;
    return wireFormats().front();
}

std::uint32_t wireBytes(const WireFormat &f, std::uint32_t payload)
{
    const double b = std::ceil(static_cast<double>(payload) * f.sizeFactor);
    return b >= 4294967295.0 ? 4294967295u : static_cast<std::uint32_t>(b);
}

SimTime marshalTime(const WireFormat &f, const MarshalCost &c, std::uint32_t bytes)
{
    return c.fixed +
           static_cast<SimTime>(std::llround(static_cast<double>(bytes) * c.nsPerByte * f.cpuFactor));
}

} // namespace sb::rpc
