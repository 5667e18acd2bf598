#include "cli.h"

#include "checker.h"
#include "metrics.h"
#include "nodelabels.h"
#include "sequence.h"
#include "simulation.h"
#include "summary.h"
#include "topology.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

namespace sb {

namespace {

SequencePictureSupport &pictureSupport()
{
    static SequencePictureSupport support;
    return support;
}

const char *kUsage = R"(Usage:
  signalbox-cli validate FILE
  signalbox-cli kinds [--json|--markdown]
  signalbox-cli run FILE [options]

Run options:
  --seed N              random seed (default: the file's run.seed)
  --until DURATION      stop at this virtual time, e.g. 10s, 250ms (default: the file's run.until,
                        else 60s)
  --messages N          producers stop after N messages in total; the run then drains
  --speed max|X         as fast as possible (default) or X virtual seconds per wall second
  --summary FILE.json   write the run summary as JSON
  --events FILE         write every trace event: .jsonl (JSON Lines) or .csv
  --metrics FILE.csv    write per-node and per-link time series
  --sequence FILE       write a sequence diagram of the run, by extension: .mmd or .mermaid
                        (Mermaid), .puml or .plantuml (PlantUML), .shiviz or .log (ShiViz log),
                        .svg, .png or .pdf (a picture)
  --from DURATION       sequence: leave out events before this virtual time (default 0)
  --to DURATION         sequence: leave out events after this virtual time (default: the end)
  --message ID          sequence: only this message's journey
  --correlation ID      sequence: only messages with this correlation id, and message ID itself
  --hide-acks           sequence: leave out ack and confirm frames and ack marks
  --max-arrows N        sequence: show at most N arrows, then a truncation note (default 500)
  --routing-key PATTERN sequence: only messages whose routing key matches this AMQP topic
                        pattern ('*' one word, '#' any number; e.g. orders.#); repeatable
  --not-routing-key PATTERN
                        sequence: leave out messages whose routing key matches; repeatable
  --fail-on LIST        exit 5 if the delivery check finds any of: lost, duplicates, pending,
                        order (processings out of publish order)
  --quiet               do not print the summary

Exit codes:
  0  success
  2  bad command line
  3  the topology file is missing, unreadable or invalid (each problem is printed with its JSON path)
  4  an output file could not be written
  5  --fail-on: the delivery check found what it names
)";

void printDiagnostics(const LoadResult &r, std::ostream &err)
{
    for (const auto &d : r.diagnostics)
        err << d.toString() << "\n";
}

int validate(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    if (args.size() != 2) {
        err << "validate takes one FILE\n" << kUsage;
        return CliExit::Usage;
    }
    auto r = loadTopologyFile(args[1]);
    printDiagnostics(r, r.ok() ? out : err);
    if (!r.ok()) return CliExit::InvalidInput;
    out << args[1] << ": valid (" << r.topology->nodes.size() << " nodes, " << r.topology->links.size()
        << " links, " << r.topology->bindings.size() << " bindings)\n";
    return CliExit::Ok;
}

std::string typeText(const PropertySpec &p)
{
    std::string t = propertyTypeName(p.type);
    if (p.type == PropertyType::Enum) {
        t = "";
        for (const auto &c : p.choices)
            t += (t.empty() ? "" : "|") + c;
    }
    return t;
}

std::string markdownProperties(const std::vector<PropertySpec> &list)
{
    std::ostringstream o;
    o << "| property | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto &p : list) {
        std::string range;
        if (p.min || p.max)
            range = (p.min ? numberText(*p.min) : "") + " .. " + (p.max ? numberText(*p.max) : "");
        std::string help = p.help;
        for (std::size_t i = 0; (i = help.find('|', i)) != std::string::npos; i += 2)
            help.replace(i, 1, "\\|");
        std::string type = typeText(p);
        for (std::size_t i = 0; (i = type.find('|', i)) != std::string::npos; i += 2)
            type.replace(i, 1, "\\|");
        o << "| `" << p.key << "` | " << type << " | " << p.unit << " | `" << p.defaultValue.dump() << "` | "
          << range << " | " << help << " |\n";
    }
    return o.str();
}

std::string kindsMarkdown(const KindRegistry &reg)
{
    std::ostringstream o;
    for (const auto &k : reg.kinds()) {
        o << "### `" << k.kind << "` — " << k.label << " (" << k.category << ")\n\n" << k.help << "\n\n";
        o << "| port | direction | carries | links | meaning |\n|---|---|---|---|---|\n";
        for (const auto &p : k.ports)
            o << "| `" << p.name << "` | " << (p.direction == PortDirection::In ? "in" : "out") << " | "
              << (p.protocol == Protocol::Publish ? "publishes" : "deliveries") << " | "
              << (p.multiple ? "many" : "one") << " | " << p.help << " |\n";
        o << "\n" << markdownProperties(k.properties) << "\n";
    }
    o << "### Link properties\n\n" << markdownProperties(reg.linkProperties());
    return o.str();
}

int kinds(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    const auto &reg = KindRegistry::builtin();
    if (args.size() == 2 && args[1] == "--json") {
        out << reg.toJson().dump(2) << "\n";
        return CliExit::Ok;
    }
    if (args.size() == 2 && args[1] == "--markdown") {
        out << kindsMarkdown(reg);
        return CliExit::Ok;
    }
    if (args.size() != 1) {
        err << "kinds takes no argument but --json or --markdown\n";
        return CliExit::Usage;
    }
    auto props = [&](const std::vector<PropertySpec> &list) {
        for (const auto &p : list) {
            std::string range;
            if (p.min || p.max) {
                std::ostringstream r;
                r << "["
                  << (p.min ? std::to_string(*p.min).substr(0,
                                                            std::to_string(*p.min).find_last_not_of("0.") + 1)
                            : "")
                  << ".."
                  << (p.max ? std::to_string(*p.max).substr(0,
                                                            std::to_string(*p.max).find_last_not_of("0.") + 1)
                            : "")
                  << "]";
                range = r.str();
            }
            out << "    " << std::left << std::setw(22) << p.key << std::setw(40) << typeText(p)
                << " default " << p.defaultValue.dump() << (p.unit.empty() ? "" : " " + p.unit)
                << (range.empty() ? "" : " " + range) << "\n"
                << "        " << p.help << "\n";
        }
    };
    for (const auto &k : reg.kinds()) {
        out << k.kind << " (" << k.category << "): " << k.help << "\n  ports:\n";
        for (const auto &p : k.ports)
            out << "    " << (p.direction == PortDirection::In ? "in  " : "out ") << std::left
                << std::setw(12) << p.name << (p.protocol == Protocol::Publish ? "publish " : "delivery")
                << (p.multiple ? "  many" : "  one ") << "  " << p.help << "\n";
        out << "  properties:\n";
        props(k.properties);
        out << "\n";
    }
    out << "link properties:\n";
    props(reg.linkProperties());
    return CliExit::Ok;
}

struct RunArgs {
    std::string file;
    std::optional<std::uint64_t> seed;
    std::optional<SimTime> until;
    std::optional<std::uint64_t> messages;
    std::optional<double> speed;
    std::string summary, events, metrics, sequence;
    SequenceOptions sequenceOptions;
    std::vector<std::string> sequenceOnly;                // options that need --sequence, as given
    std::vector<std::string> routingKeys, notRoutingKeys; // topic patterns
    bool failLost = false, failDuplicates = false, failPending = false, failOrder = false;
    bool quiet = false;
};

bool parseUnsigned(const std::string &s, std::uint64_t &v)
{
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) return false;
    v = std::stoull(s);
    return true;
}

int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    RunArgs a;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &o = args[i];
        auto value = [&](std::string &v) {
            if (i + 1 >= args.size()) {
                err << o << " needs a value\n";
                return false;
            }
            v = args[++i];
            return true;
        };
        std::string v;
        if (o == "--seed") {
            std::uint64_t n;
            if (!value(v)) return CliExit::Usage;
            if (!parseUnsigned(v, n)) {
                err << "--seed: '" << v << "' is not a non-negative whole number\n";
                return CliExit::Usage;
            }
            a.seed = n;
        } else if (o == "--until") {
            if (!value(v)) return CliExit::Usage;
            auto d = parseDuration(v, "s");
            if (!d) {
                err << "--until: '" << v << "' is not a duration (examples: 10s, 250ms)\n";
                return CliExit::Usage;
            }
            a.until = *d;
        } else if (o == "--messages") {
            std::uint64_t n;
            if (!value(v)) return CliExit::Usage;
            if (!parseUnsigned(v, n) || n == 0) {
                err << "--messages: '" << v << "' is not a positive whole number\n";
                return CliExit::Usage;
            }
            a.messages = n;
        } else if (o == "--speed") {
            if (!value(v)) return CliExit::Usage;
            if (v == "max") {
                a.speed = 0;
            } else {
                char *end = nullptr;
                double s = std::strtod(v.c_str(), &end);
                if (!end || *end || !(s > 0)) {
                    err << "--speed: '" << v << "' is not max or a positive number\n";
                    return CliExit::Usage;
                }
                a.speed = s;
            }
        } else if (o == "--summary") {
            if (!value(a.summary)) return CliExit::Usage;
        } else if (o == "--events") {
            if (!value(a.events)) return CliExit::Usage;
        } else if (o == "--metrics") {
            if (!value(a.metrics)) return CliExit::Usage;
        } else if (o == "--sequence") {
            if (!value(a.sequence)) return CliExit::Usage;
        } else if (o == "--from" || o == "--to") {
            if (!value(v)) return CliExit::Usage;
            auto d = parseDuration(v, "s");
            if (!d) {
                err << o << ": '" << v << "' is not a duration (examples: 10s, 250ms)\n";
                return CliExit::Usage;
            }
            (o == "--from" ? a.sequenceOptions.from : a.sequenceOptions.to) = *d;
            a.sequenceOnly.push_back(o);
        } else if (o == "--message" || o == "--correlation") {
            std::uint64_t n;
            if (!value(v)) return CliExit::Usage;
            if (!parseUnsigned(v, n) || n == 0) {
                err << o << ": '" << v << "' is not a positive whole number\n";
                return CliExit::Usage;
            }
            (o == "--message" ? a.sequenceOptions.messageId : a.sequenceOptions.correlationId) = n;
            a.sequenceOnly.push_back(o);
        } else if (o == "--max-arrows") {
            std::uint64_t n;
            if (!value(v)) return CliExit::Usage;
            if (!parseUnsigned(v, n) || n == 0) {
                err << "--max-arrows: '" << v << "' is not a positive whole number\n";
                return CliExit::Usage;
            }
            a.sequenceOptions.maxArrows = static_cast<std::size_t>(n);
            a.sequenceOnly.push_back(o);
        } else if (o == "--hide-acks") {
            a.sequenceOptions.hideAcks = true;
            a.sequenceOnly.push_back(o);
        } else if (o == "--routing-key" || o == "--not-routing-key") {
            if (!value(v)) return CliExit::Usage;
            if (v.empty()) {
                err << o << ": needs a topic pattern (examples: orders.#, *.eu)\n";
                return CliExit::Usage;
            }
            (o == "--routing-key" ? a.routingKeys : a.notRoutingKeys).push_back(v);
            a.sequenceOnly.push_back(o);
        } else if (o == "--fail-on") {
            if (!value(v)) return CliExit::Usage;
            std::stringstream ss(v);
            std::string item;
            while (std::getline(ss, item, ',')) {
                if (item == "lost")
                    a.failLost = true;
                else if (item == "duplicates")
                    a.failDuplicates = true;
                else if (item == "pending")
                    a.failPending = true;
                else if (item == "order")
                    a.failOrder = true;
                else {
                    err << "--fail-on: unknown check '" << item
                        << "' (use lost, duplicates, pending, order)\n";
                    return CliExit::Usage;
                }
            }
        } else if (o == "--quiet") {
            a.quiet = true;
        } else if (!o.empty() && o[0] == '-') {
            err << "unknown option " << o << "\n" << kUsage;
            return CliExit::Usage;
        } else if (a.file.empty()) {
            a.file = o;
        } else {
            err << "run takes one FILE (got '" << a.file << "' and '" << o << "')\n";
            return CliExit::Usage;
        }
    }
    if (a.file.empty()) {
        err << "run needs a topology FILE\n" << kUsage;
        return CliExit::Usage;
    }
    SequenceFormat sequenceFormat = SequenceFormat::Mermaid;
    const bool picture =
        !a.sequence.empty() && pictureSupport().handles && pictureSupport().handles(a.sequence);
    if (a.sequence.empty() && !a.sequenceOnly.empty()) {
        err << a.sequenceOnly.front() << " applies to a sequence diagram: add --sequence FILE\n";
        return CliExit::Usage;
    }
    if (!a.sequence.empty()) {
        if (!picture && !sequenceFormatForPath(a.sequence, sequenceFormat)) {
            const auto slash = a.sequence.find_last_of('/');
            const auto dot = a.sequence.find_last_of('.');
            const std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                                        ? std::string()
                                        : a.sequence.substr(dot);
            if (ext == ".svg" || ext == ".pdf" || ext == ".png")
                err << "--sequence " << a.sequence << " needs a picture renderer, which this build lacks: "
                    << "write one of " << kSequenceExtensions << " and render that\n";
            else
                err << "--sequence " << a.sequence << ": unknown extension '" << ext << "' (use "
                    << kSequenceExtensions << ", .svg, .png or .pdf)\n";
            return CliExit::Usage;
        }
        if (a.sequenceOptions.from > a.sequenceOptions.to) {
            err << "--from " << formatDuration(a.sequenceOptions.from) << " is after --to "
                << formatDuration(a.sequenceOptions.to) << "\n";
            return CliExit::Usage;
        }
        if (a.sequenceOptions.messageId && a.sequenceOptions.correlationId) {
            err << "--message and --correlation: use one of them\n";
            return CliExit::Usage;
        }
        a.sequenceOptions.routingKeys = RoutingKeyFilter(a.routingKeys, a.notRoutingKeys);
    }
    auto loaded = loadTopologyFile(a.file);
    if (!loaded.ok()) {
        printDiagnostics(loaded, err);
        return CliExit::InvalidInput;
    }
    for (const auto &d : loaded.diagnostics)
        err << d.toString() << "\n";
    Topology topo = *loaded.topology;
    if (topo.name.empty()) topo.name = a.file;
    std::string error;
    auto sim = Simulation::build(topo, error);
    if (!sim) {
        err << a.file << ": " << error << "\n";
        return CliExit::InvalidInput;
    }
    if (a.seed) sim->setSeed(*a.seed);
    if (a.messages) sim->setMessageBudget(*a.messages);

    const auto nodeIds = sim->nodeIds();
    const auto linkIds = sim->linkIds();
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    std::vector<bool> isQueue;
    for (const auto &n : topo.nodes)
        isQueue.push_back(n.kind == "queue");
    DeliveryChecker checker(isQueue);
    sim->addSink(&metrics);
    sim->addSink(&checker);
    std::unique_ptr<TraceFileWriter> writer;
    if (!a.events.empty()) {
        writer = std::make_unique<TraceFileWriter>(nodeIds, linkIds);
        if (!writer->open(a.events, TraceFileWriter::formatForPath(a.events), error)) {
            err << "--events: " << error << "\n";
            return CliExit::OutputError;
        }
        sim->addSink(writer.get());
    }
    std::unique_ptr<SequenceRecorder> sequence;
    std::ofstream sequenceFile;
    // A picture: the events of the range are kept and drawn after the run.
    struct PictureSink final : TraceSink {
        SequencePicture picture;
        std::uint64_t left = 0; // events of the range beyond kMaxPictureEvents
        void onMessage(const Message &m) override { picture.options.routingKeys.note(m); }
        void onEvent(const TraceEvent &e) override
        {
            if (!picture.options.routingKeys.accepts(e)) return;
            const SimTime from = picture.options.from, to = picture.options.to;
            const bool inRange = (e.time >= from && e.time <= to) ||
                                 (e.kind == TraceKind::Send && e.time <= to && e.aux >= from);
            if (!inRange) return;
            if (picture.events.size() < kMaxPictureEvents)
                picture.events.push_back(e);
            else
                ++left;
        }
    };
    std::unique_ptr<PictureSink> pictureSink;
    if (picture) {
        // Checked before the run, so an unwritable path fails fast.
        if (!std::ofstream(a.sequence, std::ios::binary | std::ios::trunc)) {
            err << "--sequence: " << a.sequence << ": cannot write\n";
            return CliExit::OutputError;
        }
        pictureSink = std::make_unique<PictureSink>();
        pictureSink->picture.path = a.sequence;
        pictureSink->picture.nodeIds = nodeIds;
        pictureSink->picture.nodeLabels = nodeLabels(topo);
        pictureSink->picture.linkIds = linkIds;
        for (const auto &n : topo.nodes)
            pictureSink->picture.nodeKinds.push_back(n.kind);
        pictureSink->picture.options = a.sequenceOptions;
        sim->addSink(pictureSink.get());
    } else if (!a.sequence.empty()) {
        // Opened before the run, so an unwritable path fails fast.
        sequenceFile.open(a.sequence, std::ios::binary | std::ios::trunc);
        if (!sequenceFile) {
            err << "--sequence: " << a.sequence << ": cannot write\n";
            return CliExit::OutputError;
        }
        sequence = std::make_unique<SequenceRecorder>(nodeIds, linkIds, a.sequenceOptions);
        sequence->setNodeLabels(nodeLabels(topo));
        sim->addSink(sequence.get());
    }

    RunOptions options;
    options.until = a.until ? *a.until : topo.run.until ? *topo.run.until : 60 * kSecond;
    options.speed = a.speed ? *a.speed : topo.run.speed;
    const auto wallStart = std::chrono::steady_clock::now();
    const StopReason reason = sim->run(options);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();

    int code = CliExit::Ok;
    if (writer && !writer->close(error)) {
        err << "--events: " << error << "\n";
        code = CliExit::OutputError;
    }
    if (pictureSink) {
        pictureSink->picture.end = sim->now();
        if (pictureSink->left)
            err << "--sequence: the picture shows the first " << kMaxPictureEvents << " events of the range; "
                << pictureSink->left << " more are left out (narrow it with --from and --to)\n";
        if (!pictureSupport().write(pictureSink->picture, error)) {
            err << "--sequence: " << error << "\n";
            code = CliExit::OutputError;
        }
    }
    if (sequence) {
        sequence->finish(sim->now());
        switch (sequenceFormat) {
        case SequenceFormat::Mermaid:
            writeMermaid(*sequence, sequenceFile);
            break;
        case SequenceFormat::PlantUml:
            writePlantUml(*sequence, sequenceFile);
            break;
        case SequenceFormat::ShiViz:
            writeShiViz(*sequence, sequenceFile);
            break;
        }
        sequenceFile.close();
        if (!sequenceFile) {
            err << "--sequence: " << a.sequence << ": cannot write\n";
            code = CliExit::OutputError;
        }
    }
    RunSummary summary = buildSummary(*sim, metrics, checker, reason, wall);
    if (!a.quiet) out << formatSummary(summary);
    if (!a.summary.empty()) {
        std::ofstream f(a.summary, std::ios::binary | std::ios::trunc);
        f << summaryToJson(summary).dump(2) << "\n";
        f.flush();
        if (!f) {
            err << "--summary: " << a.summary << ": cannot write\n";
            code = CliExit::OutputError;
        }
    }
    if (!a.metrics.empty() && !metrics.writeCsv(a.metrics, nodeIds, linkIds, error)) {
        err << "--metrics: " << error << "\n";
        code = CliExit::OutputError;
    }
    if (code != CliExit::Ok) return code;
    const auto &d = summary.delivery;
    if ((a.failLost && d.lost) || (a.failDuplicates && d.duplicates) || (a.failPending && d.pending) ||
        (a.failOrder && d.outOfOrder)) {
        err << "delivery check failed: " << d.lost << " lost, " << d.duplicates << " duplicates, "
            << d.pending << " pending, " << d.outOfOrder << " out of order\n";
        return CliExit::CheckFailed;
    }
    return CliExit::Ok;
}

} // namespace

void setSequencePictureSupport(SequencePictureSupport support)
{
    pictureSupport() = std::move(support);
}

int cliMain(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? err : out) << kUsage;
        return args.empty() ? CliExit::Usage : CliExit::Ok;
    }
    if (args[0] == "--version") {
        out << "signalbox-cli 0.1.0\n";
        return CliExit::Ok;
    }
    if (args[0] == "validate") return validate(args, out, err);
    if (args[0] == "kinds") return kinds(args, out, err);
    if (args[0] == "run") return run(args, out, err);
    err << "unknown command '" << args[0] << "'\n" << kUsage;
    return CliExit::Usage;
}

} // namespace sb
