#include "esprotocol.h"

#include <charconv>

namespace sb::es {

namespace {
std::int64_t parseInt(const std::string &text, std::int64_t otherwise)
{
    std::int64_t v = 0;
    const auto *end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    return ec == std::errc() && p == end ? v : otherwise;
}
} // namespace

std::uint32_t schemaVersion(const Message &event)
{
    const std::string *v = event.header(kSchemaHeader);
    if (!v) return 1;
    const std::int64_t n = parseInt(*v, 1);
    return n >= 1 && n <= 1'000'000 ? static_cast<std::uint32_t>(n) : 1;
}

std::int64_t dataInt(const Message &m, std::string_view field, std::int64_t otherwise)
{
    const std::string *v = m.header(field);
    return v ? parseInt(*v, otherwise) : otherwise;
}

std::string_view category(std::string_view stream)
{
    const auto dash = stream.find('-');
    return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

bool streamMatches(std::string_view stream, std::string_view eventStream)
{
    if (stream == kAllStream) return true;
    if (stream.starts_with("$ce-")) return category(eventStream) == stream.substr(4);
    return stream == eventStream;
}

std::string expectedVersionText(std::int64_t expected)
{
    switch (expected) {
    case kAny:
        return "any";
    case kNoStream:
        return "no_stream";
    case kStreamExists:
        return "stream_exists";
    default:
        return std::to_string(expected);
    }
}

} // namespace sb::es
