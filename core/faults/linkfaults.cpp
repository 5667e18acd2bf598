#include "linkfaults.h"

namespace sb {

bool FrameMatch::matches(const Frame &f) const
{
    if (type && f.type != *type) return false;
    if (routingKey && (!f.message || !routingKey->matches(f.message->routingKey))) return false;
    if (!header.empty()) {
        const std::string *v = f.message ? f.message->header(header) : nullptr;
        if (!v) return false;
        if (headerValue && *v != *headerValue) return false;
    }
    return true;
}

bool LinkFault::fromDef(const FaultDef &def, const FaultKindSpec &spec, LinkFault &out)
{
    if (spec.target != FaultTarget::Link) return false;
    const PropertyBag p(spec.params, def.params);
    LinkFault f;
    const std::string dir = p.string("direction");
    f.directions = {dir != "backward", dir != "forward"};
    const std::string &k = def.kind;
    auto readMatch = [&] {
        const std::string type = p.string("frameType");
        for (int t = 0; t < kFrameTypeCount; ++t) {
            // The enum's choices are the protocol's names ("Publish"); frameTypeName is lower case.
            std::string name = frameTypeName(static_cast<FrameType>(t));
            std::string choice;
            bool upper = true;
            for (char c : name) {
                if (c == '-') {
                    upper = true;
                    continue;
                }
                choice += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
                upper = false;
            }
            if (choice == type) f.match.type = static_cast<FrameType>(t);
        }
        if (const std::string key = p.string("routingKey"); !key.empty())
            f.match.routingKey = TopicPattern(key);
        const std::string header = p.string("header");
        if (auto eq = header.find('='); eq != std::string::npos) {
            f.match.header = header.substr(0, eq);
            f.match.headerValue = header.substr(eq + 1);
        } else {
            f.match.header = header;
        }
    };
    if (k == "link-down") {
        f.type = Type::Down;
    } else if (k == "latency") {
        f.type = Type::Latency;
        f.extra = p.distribution("extra");
    } else if (k == "loss") {
        f.type = Type::Loss;
        f.probability = p.number("probability");
    } else if (k == "burst-loss") {
        f.type = Type::BurstLoss;
        f.goodToBad = p.number("goodToBad");
        f.badToGood = p.number("badToGood");
        f.lossGood = p.number("lossGood");
        f.lossBad = p.number("lossBad");
    } else if (k == "duplicate") {
        f.type = Type::Duplicate;
        f.probability = p.number("probability");
    } else if (k == "reorder") {
        f.type = Type::Reorder;
        f.window = p.duration("window");
    } else if (k == "bandwidth") {
        f.type = Type::Bandwidth;
        f.bytesPerSecond = static_cast<double>(p.integer("bytesPerSecond"));
    } else if (k == "corrupt") {
        f.type = Type::Corrupt;
        f.probability = p.number("probability");
    } else if (k == "drop-first") {
        f.type = Type::DropFirst;
        f.count = static_cast<std::uint64_t>(p.integer("count"));
        readMatch();
    } else if (k == "drop-every") {
        f.type = Type::DropEvery;
        f.count = static_cast<std::uint64_t>(p.integer("nth"));
        readMatch();
    } else if (k == "match") {
        f.type = Type::Match;
        f.delay = p.string("action") == "delay";
        f.delayBy = p.duration("delay");
        readMatch();
    } else {
        return false;
    }
    out = std::move(f);
    return true;
}

} // namespace sb
