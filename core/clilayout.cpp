// `signalbox-cli layout --supervision FILE [--output FILE]`: arranges the supervision trees of a
// topology top-down (core/nodes/actors/supervisionlayout.h) and writes the topology back.
#include "cli.h"
#include "cli_p.h"
#include "nodes/actors/supervisionlayout.h"
#include "topology.h"

#include <iostream>

namespace sb {

int layout(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::string file, output;
    bool supervision = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--supervision") {
            supervision = true;
        } else if (a == "--output" || a == "-o") {
            if (i + 1 >= args.size()) {
                err << "layout: " << a << " needs a value\n";
                return CliExit::Usage;
            }
            output = args[++i];
        } else if (!a.empty() && a[0] == '-' && a != "-") {
            err << "layout: unknown option '" << escapeForTerminal(a)
                << "' (options: --supervision, --output)\n";
            return CliExit::Usage;
        } else if (file.empty()) {
            file = a;
        } else {
            err << "layout: one FILE only ('" << escapeForTerminal(a) << "' is a second)\n";
            return CliExit::Usage;
        }
    }
    if (!supervision || file.empty()) {
        err << "layout: needs --supervision and a FILE (layout --supervision FILE [--output FILE])\n";
        return CliExit::Usage;
    }
    auto r = loadTopologyFile(file);
    if (!r.ok()) {
        for (const Diagnostic &d : r.diagnostics)
            if (d.severity == Diagnostic::Severity::Error) err << escapeForTerminal(d.toString()) << "\n";
        return CliExit::InvalidInput;
    }
    Topology &t = *r.topology;
    if (!hasSupervisor(t)) {
        err << "layout: " << escapeForTerminal(file)
            << " has no supervisor: no supervision tree to arrange\n";
        return CliExit::InvalidInput;
    }
    const SupervisionLayout l = supervisionLayout(t);
    applyLayout(t, l);
    if (output == "-") {
        out << serializeTopology(t);
        return CliExit::Ok;
    }
    // Without --output the file itself is rewritten, through a temporary file renamed over it.
    const std::string target = output.empty() ? file : output;
    std::string error;
    if (!saveTopologyFile(t, target, error)) {
        err << "layout: " << escapeForTerminal(target) << ": " << escapeForTerminal(error) << "\n";
        return CliExit::OutputError;
    }
    err << "layout: wrote " << escapeForTerminal(target) << " (" << l.trees
        << (l.trees == 1 ? " supervision tree, " : " supervision trees, ") << l.positions.size()
        << " nodes placed)\n";
    return CliExit::Ok;
}

} // namespace sb
