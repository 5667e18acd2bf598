#pragma once
// The topology: nodes, links, bindings and run settings, as stored in a
// "signalbox-topology" JSON file (docs/topology-format.md). Loading validates everything against
// the kind registry and reports each problem with its JSON path.
#include "faults/faultplan.h"
#include "gallery.h"
#include "schema.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb {

struct Position {
    double x = 0;
    double y = 0;
    bool operator==(const Position &) const = default;
};

struct NodeDef {
    std::string id;
    std::string kind;
    std::string name;                 // shown to people; defaults to the id
    Json properties = Json::object(); // only the values set explicitly
    Position position;
    Json clock = Json::object(); // the node's local clock (clockPropertySpecs); empty: true time
    bool operator==(const NodeDef &) const = default;
};

struct LinkDef {
    std::string id;
    std::string from;
    std::string fromPort;
    std::string to;
    std::string toPort;
    Json properties = Json::object();
    bool operator==(const LinkDef &) const = default;
};

struct BindingDef {
    std::string exchange;
    std::string destination;
    std::string key;
    // A headers exchange's binding arguments, as RabbitMQ's queue.bind takes them: "x-match" (all,
    // any, all-with-x, any-with-x) and the headers to compare; empty for the other exchange types.
    Json arguments = Json::object();
    bool operator==(const BindingDef &) const = default;
};

struct RunSettings {
    std::uint64_t seed = 1;
    std::optional<SimTime> until; // stop at this virtual time
    std::uint64_t messages = 0;   // producers stop after this many messages in total (0 = no limit)
    double speed = 0;             // 0 = as fast as possible, else virtual seconds per wall second
    bool operator==(const RunSettings &) const = default;
};

struct Topology {
    static constexpr int kFormatVersion = 1;
    std::string name;
    std::string description;
    GalleryInfo gallery; // the "gallery" section: paradigm, systems, pitfall pair (gallery.h)
    std::vector<NodeDef> nodes;
    std::vector<LinkDef> links;
    std::vector<BindingDef> bindings;
    RunSettings run;
    std::vector<FaultDef> faults; // the fault plan, in file order

    std::optional<std::size_t> nodeIndex(std::string_view id) const;
    std::optional<std::size_t> linkIndex(std::string_view id) const;
    std::optional<std::size_t> faultIndex(std::string_view id) const;
    bool operator==(const Topology &) const = default;
};

// Node ids to indices for loops over links and bindings, so they stay linear in the file's size
// (Topology::nodeIndex scans). The first node of a duplicated id wins, as in nodeIndex. Borrows
// the ids: the topology's nodes must outlive it and not change.
class NodeIdIndex {
public:
    explicit NodeIdIndex(const std::vector<NodeDef> &nodes);
    std::optional<std::size_t> find(std::string_view id) const;

private:
    std::unordered_map<std::string_view, std::size_t> m_index;
};

struct Diagnostic {
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    std::string path;    // JSON path, e.g. "$.nodes[2].properties.rate"; empty for syntax and file errors
    std::string message; // why, naming the node or link involved
    std::string file;    // the file (or source name) it is about, when known
    int line = 0;        // syntax errors: 1-based line and column
    int column = 0;
    // "file:line:column", "file: $.path", "$.path" or "file", whichever applies.
    std::string where() const;
    std::string toString() const; // where(): [warning: ]message
};

struct LoadResult {
    std::optional<Topology> topology; // set when there are no errors
    std::vector<Diagnostic> diagnostics;
    bool ok() const { return topology.has_value(); }
    std::string errorText() const; // every diagnostic, one a line
};

// Parses and validates a topology document. `source` names it in syntax errors.
LoadResult parseTopology(std::string_view text, const std::string &source = "topology",
                         const KindRegistry &registry = KindRegistry::builtin());
LoadResult loadTopologyFile(const std::string &path, const KindRegistry &registry = KindRegistry::builtin());

// Checks a topology built in memory (the GUI's document, tests) exactly as the loader would.
std::vector<Diagnostic> validateTopology(const Topology &t,
                                         const KindRegistry &registry = KindRegistry::builtin());

// Canonical form: two-space indent, fixed key order, defaults omitted. Saving what was loaded
// from a canonical file gives the same bytes back.
Json topologyToJson(const Topology &t);
std::string serializeTopology(const Topology &t);
// Writes to a temporary file beside `path` and renames it over, so a failed save never leaves
// a half-written file.
bool saveTopologyFile(const Topology &t, const std::string &path, std::string &error);

// Checks an object of property values against `specs`: unknown keys (with a "did you mean") and
// values of the wrong type or out of range, each as an error at its JSON path. `owner` starts
// each message ("node \"q1\" (queue)").
void checkPropertyObject(const std::vector<PropertySpec> &specs, const Json &props, const std::string &path,
                         const std::string &owner, std::vector<Diagnostic> &diags);

// Identifiers: 1 to 64 of [A-Za-z0-9_.:-], starting with a letter or digit.
bool isValidId(std::string_view id);

// Binding keys: returns an empty string if `key` is valid for an exchange of `exchangeType`.
std::string checkBindingKey(std::string_view exchangeType, std::string_view key);

} // namespace sb
