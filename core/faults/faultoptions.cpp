#include "faultoptions.h"

#include "faultvalidation.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sb {

bool loadFaultPlanFile(const std::string &path, std::vector<FaultDef> &out, std::vector<Diagnostic> &diags)
{
    using Sev = Diagnostic::Severity;
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec)) {
        diags.push_back({Sev::Error, "", "cannot open the fault plan", path, 0, 0});
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    JsonError jsonError;
    auto parsed = parseJson(ss.str(), jsonError);
    if (!parsed) {
        diags.push_back(
            {Sev::Error, "", "not valid JSON: " + jsonError.reason, path, jsonError.line, jsonError.column});
        return false;
    }
    const Json *faults = nullptr;
    if (parsed->is_array())
        faults = &*parsed;
    else if (parsed->is_object() && parsed->contains("faults") && (*parsed)["faults"].is_array())
        faults = &(*parsed)["faults"];
    if (!faults) {
        diags.push_back(
            {Sev::Error, "$", "a fault plan is {\"faults\": [...]} or an array of faults", path, 0, 0});
        return false;
    }
    const std::size_t before = diags.size();
    readFaults(*faults, out, diags);
    bool ok = true;
    for (std::size_t i = before; i < diags.size(); ++i) {
        diags[i].file = path;
        ok = ok && diags[i].severity != Sev::Error;
    }
    return ok;
}

bool parseNemesisSpec(const std::string &spec, const KindRegistry &registry, FaultDef &out,
                      std::string &error)
{
    const auto colon = spec.find(':');
    FaultDef f;
    f.kind = spec.substr(0, colon);
    const FaultKindSpec *kind = registry.findFault(f.kind);
    if (!kind || kind->target != FaultTarget::Group) {
        std::string list;
        std::vector<std::string> names;
        for (const auto &k : registry.faultKinds())
            if (k.target == FaultTarget::Group) {
                list += (list.empty() ? "" : ", ") + k.kind;
                names.push_back(k.kind);
            }
        const std::string hint = closestMatch(f.kind, names);
        error = "'" + f.kind + "' is not a nemesis" +
                (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + " (nemeses: " + list +
                "; other faults go in a plan file given with --faults)";
        return false;
    }
    bool startGiven = false;
    if (colon != std::string::npos) {
        std::stringstream ss(spec.substr(colon + 1));
        std::string item;
        while (std::getline(ss, item, ',')) {
            const auto eq = item.find('=');
            if (eq == std::string::npos) {
                error = "'" + item + "' is not key=value (e.g. every=5s)";
                return false;
            }
            const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
            auto time = [&](std::optional<SimTime> &into) {
                into = parseDuration(value, "s");
                if (!into) error = key + ": '" + value + "' is not a duration (examples: 5s, 250ms)";
                return into.has_value();
            };
            std::optional<SimTime> t;
            if (key == "start" || key == "at") {
                if (!time(t)) return false;
                f.start = *t;
                startGiven = true;
            } else if (key == "duration" || key == "for") {
                if (!time(f.duration)) return false;
            } else if (key == "every") {
                if (!time(f.every)) return false;
            } else if (key == "nodes") {
                std::stringstream ns(value);
                std::string node;
                while (std::getline(ns, node, '+'))
                    if (!node.empty()) f.nodes.push_back(node);
            } else if (const PropertySpec *p = kind->param(key)) {
                Json v;
                if (p->type == PropertyType::Integer || p->type == PropertyType::Number) {
                    char *end = nullptr;
                    const double d = std::strtod(value.c_str(), &end);
                    if (value.empty() || *end || !std::isfinite(d) || std::abs(d) > 9.0e15) {
                        error = key + ": '" + value + "' is not a number";
                        return false;
                    }
                    v = p->type == PropertyType::Integer ? Json(static_cast<std::int64_t>(d)) : Json(d);
                } else {
                    v = value;
                }
                f.params[key] = v;
            } else {
                std::string keys = "start, duration, every, nodes";
                for (const auto &pp : kind->params)
                    keys += ", " + pp.key;
                error = "unknown key '" + key + "' (known: " + keys + ")";
                return false;
            }
        }
    }
    if (!startGiven && f.every) f.start = *f.every;
    out = std::move(f);
    return true;
}

bool mergeFaultPlan(Topology &topology, std::vector<FaultDef> plan, bool replace,
                    const std::string &planSource, std::vector<Diagnostic> &diags,
                    const KindRegistry &registry)
{
    using Sev = Diagnostic::Severity;
    const std::size_t offset = replace ? 0 : topology.faults.size();
    if (replace) topology.faults.clear();
    // Ids the plan left to be given ("f1"...) or that clash with the topology's own: the plan's
    // faults come second, so a clash is theirs to report.
    for (auto &f : plan)
        topology.faults.push_back(std::move(f));
    bool ok = true;
    const std::string prefix = "$.faults[";
    for (auto d : validateTopology(topology, registry)) {
        if (d.path.rfind(prefix, 0) == 0) {
            const auto close = d.path.find(']');
            const std::size_t index = std::stoul(d.path.substr(prefix.size(), close - prefix.size()));
            if (index >= offset) {
                d.path = prefix + std::to_string(index - offset) + d.path.substr(close);
                d.file = planSource;
            }
        }
        ok = ok && d.severity != Sev::Error;
        diags.push_back(std::move(d));
    }
    return ok;
}

} // namespace sb
