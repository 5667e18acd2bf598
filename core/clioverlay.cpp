#include "cli.h"
#include "cli_p.h"
#include "nodes/p2p/overlay.h"
#include "topology.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace sb {

namespace {

// Writes `text` to `path` through a temporary file renamed over it: a failed write never leaves a
// half-written topology where a good file was.
bool writeAtomically(const std::string &path, const std::string &text, std::string &error)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            error = "cannot be written";
            return false;
        }
        out << text;
        out.flush();
        if (!out) {
            error = "writing it failed";
            std::remove(temporary.c_str());
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        error = ec.message();
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

} // namespace

int overlay(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    // Every option is "--name value"; the values go into the JSON the generator reads, so the CLI
    // and the window's dialog check parameters in one place (overlayParamsFromJson).
    Json params = Json::object();
    Json peerProperties = Json::object();
    std::string output, name;
    static const std::vector<std::pair<std::string, std::string>> numeric = {
        {"--peers", "n"},   {"--k", "k"}, {"--columns", "columns"}, {"--degree", "degree"},  {"--p", "p"},
        {"--beta", "beta"}, {"--m", "m"}, {"--seed", "seed"},       {"--spacing", "spacing"}};
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (i + 1 >= args.size()) {
            err << "overlay: " << escapeForTerminal(a) << " needs a value\n";
            return CliExit::Usage;
        }
        const std::string &v = args[++i];
        bool known = false;
        for (const auto &[option, key] : numeric)
            if (a == option) {
                known = true;
                char *end = nullptr;
                const double d = std::strtod(v.c_str(), &end);
                if (v.empty() || *end) {
                    err << "overlay: " << option << ": '" << escapeForTerminal(v) << "' is not a number\n";
                    return CliExit::Usage;
                }
                if (key == "p" || key == "beta" || key == "spacing")
                    params[key] = d;
                else if (d == static_cast<double>(static_cast<long long>(d)))
                    params[key] = static_cast<long long>(d);
                else {
                    err << "overlay: " << option << ": '" << escapeForTerminal(v)
                        << "' is not a whole number\n";
                    return CliExit::Usage;
                }
            }
        if (known) continue;
        if (a == "--shape") {
            params["shape"] = v;
        } else if (a == "--layout") {
            params["layout"] = v;
        } else if (a == "--output" || a == "-o") {
            output = v;
        } else if (a == "--name") {
            name = v;
        } else if (a == "--peer-properties") {
            JsonError e;
            const auto j = parseJson(v, e);
            if (!j || !j->is_object()) {
                err << "overlay: --peer-properties: not a JSON object"
                    << (j ? std::string() : " (column " + std::to_string(e.column) + ": " + e.reason + ")")
                    << "\n";
                return CliExit::Usage;
            }
            peerProperties = *j;
        } else {
            err << "overlay: unknown option '" << escapeForTerminal(a)
                << "' (options: --shape, --peers, --k, --columns, --degree, --p, --beta, --m, --seed, "
                   "--layout, "
                   "--spacing, --peer-properties, --name, --output)\n";
            return CliExit::Usage;
        }
    }
    if (!params.contains("shape") || !params.contains("n")) {
        err << "overlay: needs --shape (";
        const auto names = overlayShapeNames();
        for (std::size_t i = 0; i < names.size(); ++i)
            err << (i ? ", " : "") << names[i];
        err << ") and --peers N\n";
        return CliExit::Usage;
    }
    OverlayParams p;
    std::string error;
    if (!overlayParamsFromJson(params, p, error)) {
        err << "overlay: " << escapeForTerminal(error) << "\n";
        return CliExit::Usage;
    }
    const auto o = generateOverlay(p, error);
    if (!o) {
        err << "overlay: " << escapeForTerminal(error) << "\n";
        return CliExit::Usage;
    }
    Json file = overlayTopologyJson(*o, peerProperties);
    Json topology = Json::object();
    topology["format"] = "signalbox-topology";
    topology["version"] = Topology::kFormatVersion;
    topology["name"] = name.empty() ? std::string(overlayShapeName(p.shape)) + " overlay of " +
                                          std::to_string(p.n) + " peers (seed " + std::to_string(p.seed) + ")"
                                    : name;
    topology["gallery"] = {{"paradigm", "p2p"}};
    topology["nodes"] = std::move(file["nodes"]);
    topology["links"] = std::move(file["links"]);
    // The peer properties go through the registry's checks like any file's: a misspelt property
    // is an error naming it, before anything is written.
    const LoadResult check = parseTopology(topology.dump(), "overlay");
    if (!check.ok()) {
        for (const Diagnostic &d : check.diagnostics)
            if (d.severity == Diagnostic::Severity::Error) {
                err << "overlay: " << escapeForTerminal(d.toString()) << "\n";
                return CliExit::Usage;
            }
    }
    const std::string text = topology.dump(2) + "\n";
    if (output.empty() || output == "-") {
        out << text;
        return CliExit::Ok;
    }
    if (!writeAtomically(output, text, error)) {
        err << "overlay: " << escapeForTerminal(output) << ": " << error << "\n";
        return CliExit::OutputError;
    }
    err << "overlay: wrote " << escapeForTerminal(output) << " (" << o->n << " peers, " << o->edges.size()
        << " links, " << overlayComponents(*o) << (overlayComponents(*o) == 1 ? " component" : " components")
        << ")\n";
    return CliExit::Ok;
}

} // namespace sb
