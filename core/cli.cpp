#include "cli.h"

#include "callchecker.h"
#include "checker.h"
#include "cli_p.h"
#include "clockchecker.h"
#include "faults/faultoptions.h"
#include "metrics.h"
#include "nodelabels.h"
#include "pubsub/dialect.h"
#include "routeinspector.h"
#include "sequence.h"
#include "simulation.h"
#include "summary.h"
#include "topology.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
  signalbox-cli match --dialect amqp|mqtt|nats|redis PATTERN SUBJECT [--json]
  signalbox-cli route FILE --from NODE [--routing-key K] [--header k=v ...] [--field k=v ...]
                       [--key K] [--json]
  signalbox-cli examples [--json] [--paradigm ID] [--search WORDS] [--dir DIR]
  signalbox-cli overlay --shape SHAPE --peers N [--k K] [--columns C] [--degree D] [--p P]
                        [--beta B] [--m M] [--seed S] [--layout natural|circular|force-directed]
                        [--spacing X] [--peer-properties JSON] [--name NAME] [--output FILE]
  signalbox-cli layout --supervision FILE [--output FILE|-]

Run options:
  --seed N              random seed (default: the file's run.seed)
  --until DURATION      stop at this virtual time, e.g. 10s, 250ms (default: the file's run.until,
                        else 60s)
  --messages N          producers stop after N messages in total; the run then drains
  --speed max|X         as fast as possible (default) or X virtual seconds per wall second
  --faults PLAN.json    run with this fault plan instead of the file's ({"faults": [...]}, the
                        topology file's section on its own; docs/topology-format.md)
  --add-faults PLAN.json
                        run with this plan's faults added to the file's
  --nemesis SPEC        add a Jepsen-style nemesis, e.g. partition-halves:every=5s,for=2s or
                        isolate-node:at=3s,for=1s,nodes=q1+q2 (keys: start/at, duration/for,
                        every, nodes, and the kind's parameters); repeatable
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
  --sequence-order MODE sequence: order events by true time (default), local clocks, Lamport
                        clock or vector clocks: true, local, lamport, vector
  --max-arrows N        sequence: show at most N arrows, then a truncation note (default 500)
  --routing-key PATTERN sequence: only messages whose routing key matches this AMQP topic
                        pattern ('*' one word, '#' any number; e.g. orders.#); repeatable
  --not-routing-key PATTERN
                        sequence: leave out messages whose routing key matches; repeatable
  --fail-on LIST        exit 5 if a check finds any of (comma-separated): lost, duplicates,
                        pending, order (processings out of publish order; also out-of-order),
                        executed-twice (calls servers executed more than once), failed-calls,
                        late-replies, lost-replies, deadline-exceeded
  --quiet               do not print the summary

Output files are checked before the run: each must have an extension its option accepts and a
writable place. Each is written to a temporary file beside it and renamed over it when complete,
so a failed run never destroys a file already there. On a terminal a progress line shows the
virtual time, events per second and, with a time limit, the time left. Ctrl+C stops the run at
the next event, writes every file asked for (whole lines only) and the summary ("ended:
interrupted"), and exits 130.

match answers whether PATTERN (a binding key, topic filter, subject with wildcards or glob)
matches SUBJECT (a routing key, topic name, subject or channel) by the rules of the dialect's
system (amqp: RabbitMQ topic exchanges, mqtt: MQTT 3.1.1/5 as Mosquitto, nats: nats-server,
redis: PSUBSCRIBE globs), says why, and lists what is wrong or likely wrong with either, with its
column. --json prints the same as one JSON object. Use -- before a PATTERN starting with '-'.

route follows a message from NODE through the topology without running it and prints every path
it would take (bindings and subscriptions matched, filters passed, the partition it lands in)
and, for each path not taken, why not. --routing-key sets the routing key, MQTT topic, NATS
subject or Redis channel; --header adds a header or message attribute; --field a payload field
(content filters, SNS MessageBody policies); --key the record key, ordering key or message group.
What is not given comes from NODE's own properties for its first message.

examples lists the bundled examples grouped by paradigm (the welcome page's gallery), with the
real systems each models and the pitfall pairs (broken, fixed). --paradigm keeps one group (its
id: message-passing, queues, request-reply, rpc, pub-sub, async-patterns, event-sourcing, sagas,
client-server, p2p, actors, faults); --search keeps examples whose name, description, systems or
pitfall contain every word; --json prints {"paradigms", "pitfalls", "examples"}.

overlay writes a topology of N peers (kind peer) connected as a SHAPE: ring (--k neighbours each
side), grid (--columns, default square), random-regular (--degree), erdos-renyi (--p), watts-strogatz
(--k, --beta) or barabasi-albert (--m), laid out by --layout, the same for the same --seed. The
peers get --peer-properties ('{"dissemination": "flooding", "ttl": 4}'); without --output the file
goes to stdout.

layout --supervision arranges the supervision trees top-down: each root supervisor at the top,
its children below it in start order, left to right, each subtree in its own band; actor clients
and unsupervised actors in a column on the left; other nodes stay. Without --output FILE is
rewritten in place (through a temporary file); --output - prints the topology.

Exit codes:
  0  success (match: the pattern matches; route: the message reaches a destination)
  1  match: the pattern does not match; route: no path delivers the message
  2  bad command line (match: also a PATTERN or SUBJECT its system refuses)
  3  the topology file is missing, unreadable or invalid (each problem is printed with its JSON path)
  4  an output file could not be written
  5  --fail-on: a check found what it names
  130  interrupted by Ctrl+C (SIGINT) or SIGTERM; the files asked for are written
)";

// Enough warnings to see the pattern; a file with 100,000 unconnected queues would otherwise
// print 100,000 lines.
constexpr std::size_t kMaxWarningsShown = 20;

// 99981 -> "99,981"
std::string groupedNumber(std::uint64_t n)
{
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

// The OS's reason for errno, as a clause: "permission denied", "is a directory".
std::string osReason(int error)
{
    std::string why = std::strerror(error);
    if (!why.empty() && why[0] >= 'A' && why[0] <= 'Z' &&
        (why.size() < 2 || !(why[1] >= 'A' && why[1] <= 'Z')))
        why[0] = static_cast<char>(why[0] - 'A' + 'a');
    return why;
}

// ".xml" for "out/run.xml"; empty when the file name has no dot.
std::string extensionOf(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {};
    return path.substr(dot);
}

// An output file asked for on the command line. prepare() creates a temporary file beside the
// target before the run, so a path that cannot be written fails before any work is done, with the
// system's reason; commit() renames it over the target once written, so a run that fails (or is
// interrupted before its files are written) never truncates a file already there.
class OutputFile {
public:
    OutputFile() = default;
    OutputFile(const OutputFile &) = delete;
    OutputFile &operator=(const OutputFile &) = delete;
    ~OutputFile()
    {
        if (!m_temp.empty()) std::remove(m_temp.c_str());
    }

    bool prepare(const std::string &option, const std::string &path, std::string &error)
    {
        namespace fs = std::filesystem;
        m_option = option;
        m_path = path;
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            error = describe("cannot write: " + osReason(EISDIR));
            return false;
        }
        if (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0) {
            error = describe("cannot write: " + osReason(errno));
            return false;
        }
        const fs::path target(path);
        const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
        if (!fs::is_directory(folder, ec)) {
            // ENOENT or ENOTDIR, as opening the path itself would say.
            error = describe("cannot write: " + osReason(fs::exists(folder, ec) ? ENOTDIR : ENOENT));
            return false;
        }
        // The extension stays last: writers and renderers pick their format by it.
        const std::string ext = extensionOf(path);
        std::string pattern =
            (folder / ("." + target.filename().string() + ".partial-XXXXXX")).string() + ext;
        std::vector<char> name(pattern.begin(), pattern.end());
        name.push_back('\0');
        const int fd = ::mkstemps(name.data(), static_cast<int>(ext.size()));
        if (fd < 0) {
            error = describe("cannot write: " + osReason(errno));
            return false;
        }
        ::close(fd);
        m_temp = name.data();
        return true;
    }
    const std::string &path() const { return m_path; }
    const std::string &tempPath() const { return m_temp; }
    // A writer's message names the temporary file; people know the target.
    std::string mention(std::string message) const
    {
        for (std::size_t i = 0; !m_temp.empty() && (i = message.find(m_temp, i)) != std::string::npos;
             i += m_path.size())
            message.replace(i, m_temp.size(), m_path);
        return message;
    }
    bool commit(std::string &error)
    {
        // mkstemps made the file private (0600); a finished output keeps the permissions of the
        // file it replaces, or gets the usual ones.
        struct stat existing {};
        mode_t mode;
        if (::stat(m_path.c_str(), &existing) == 0) {
            mode = existing.st_mode & 07777;
        } else {
            const mode_t mask = ::umask(0);
            ::umask(mask);
            mode = 0666 & ~mask;
        }
        ::chmod(m_temp.c_str(), mode);
        if (std::rename(m_temp.c_str(), m_path.c_str()) != 0) {
            error = describe("cannot write: " + osReason(errno));
            return false;
        }
        m_temp.clear();
        return true;
    }
    std::string describe(const std::string &why) const { return m_option + " " + m_path + ": " + why; }

private:
    std::string m_option, m_path, m_temp;
};

// What each output option accepts, by extension. --sequence has its own list (text formats
// plus pictures when a renderer is installed).
struct OutputKind {
    const char *option;
    std::vector<std::string> extensions;
};
const std::vector<OutputKind> &outputKinds()
{
    static const std::vector<OutputKind> kinds = {
        {"--summary", {".json"}}, {"--events", {".jsonl", ".csv"}}, {"--metrics", {".csv"}}};
    return kinds;
}

std::string listOfExtensions(const std::vector<std::string> &list)
{
    std::string text;
    for (std::size_t i = 0; i < list.size(); ++i)
        text += (i == 0 ? "" : i + 1 == list.size() ? " or " : ", ") + list[i];
    return text;
}

// Empty when `path` has an extension `option` accepts; else the message saying which it takes.
std::string checkExtension(const std::string &option, const std::string &path)
{
    for (const auto &k : outputKinds()) {
        if (option != k.option) continue;
        const std::string ext = extensionOf(path);
        for (const auto &e : k.extensions)
            if (ext == e) return {};
        return option + " " + path + ": " +
               (ext.empty() ? std::string("no extension") : "unknown extension '" + ext + "'") + " (use " +
               listOfExtensions(k.extensions) + ")";
    }
    return {};
}

// Ctrl+C during a run: the run stops at the next event and its files are written as asked.
// The handler only stores to lock-free atomics, which is safe in a signal handler.
std::atomic<Simulation *> g_runningSimulation{nullptr};
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<Simulation *>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

extern "C" void onInterruptSignal(int)
{
    g_interrupted.store(true);
    if (Simulation *sim = g_runningSimulation.load()) sim->requestStop();
}

// Installs the handler for the length of a run; SA_RESETHAND lets a second Ctrl+C end the
// process at once, should writing the files hang.
class InterruptGuard {
public:
    explicit InterruptGuard(Simulation *sim)
    {
        g_interrupted.store(false);
        g_runningSimulation.store(sim);
        struct sigaction action {};
        action.sa_handler = onInterruptSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;
        ::sigaction(SIGINT, &action, &m_previous);
        ::sigaction(SIGTERM, &action, &m_previousTerm);
    }
    ~InterruptGuard()
    {
        ::sigaction(SIGINT, &m_previous, nullptr);
        ::sigaction(SIGTERM, &m_previousTerm, nullptr);
        g_runningSimulation.store(nullptr);
    }
    InterruptGuard(const InterruptGuard &) = delete;
    InterruptGuard &operator=(const InterruptGuard &) = delete;
    bool interrupted() const { return g_interrupted.load(); }

private:
    struct sigaction m_previous {};
    struct sigaction m_previousTerm {};
};

// A progress line on a terminal's stderr, redrawn a few times a second and cleared at the end:
// virtual time, events per wall second and, when the run has a time limit, what is left.
class ProgressLine final : public TraceSink {
public:
    ProgressLine(std::ostream &err, SimTime until) : m_err(err), m_until(until) {}
    void onEvent(const TraceEvent &e) override
    {
        ++m_events;
        m_now = e.time;
        // Reading the clock every event would cost more than the event.
        if ((m_events & 1023) != 0) return;
        const auto wall = std::chrono::steady_clock::now();
        if (m_drawn && wall - m_lastDraw < std::chrono::milliseconds(250)) return;
        draw(wall);
    }
    void finish()
    {
        if (m_drawn) m_err << "\r\033[K" << std::flush;
    }

private:
    void draw(std::chrono::steady_clock::time_point wall)
    {
        const double elapsed = std::chrono::duration<double>(wall - m_start).count();
        std::ostringstream line;
        line << "\rvirtual " << formatDuration(m_now);
        if (elapsed > 0) line << ", " << std::llround(static_cast<double>(m_events) / elapsed) << " events/s";
        if (m_until != kNever && m_until > m_now) {
            line << ", " << formatDuration(m_until - m_now) << " left";
            // The ETA assumes the virtual time keeps passing at the pace it has so far.
            if (elapsed > 0 && m_now > 0) {
                const double eta = toSeconds(m_until - m_now) * elapsed / toSeconds(m_now);
                if (eta < 1e7) line << ", ETA " << formatDuration(static_cast<SimTime>(eta * kSecond));
            }
        }
        m_err << line.str() << "\033[K" << std::flush;
        m_lastDraw = wall;
        m_drawn = true;
    }
    std::ostream &m_err;
    SimTime m_until;
    SimTime m_now = 0;
    std::uint64_t m_events = 0;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now(), m_lastDraw;
    bool m_drawn = false;
};

// A file's own text (ids, names, keys) is quoted in diagnostics: escaped, so it cannot move the
// cursor or reverse the line on a terminal. A long list of warnings is cut to its first ones.
void printDiagnostics(const LoadResult &r, std::ostream &err)
{
    std::size_t warnings = 0;
    for (const auto &d : r.diagnostics) {
        if (d.severity == Diagnostic::Severity::Warning && ++warnings > kMaxWarningsShown) continue;
        err << escapeForTerminal(d.toString()) << "\n";
    }
    if (warnings > kMaxWarningsShown)
        err << "... and " << groupedNumber(warnings - kMaxWarningsShown) << " more warning"
            << (warnings - kMaxWarningsShown == 1 ? "" : "s") << "\n";
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
    out << escapeForTerminal(args[1]) << ": valid (" << r.topology->nodes.size() << " nodes, "
        << r.topology->links.size() << " links, " << r.topology->bindings.size() << " bindings)\n";
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

// "min..max", either side empty when open; empty when the property has no range. Whole numbers
// in full (numberText), so 10000000 never reads as "1e+07" or, cut at a zero, as "1".
std::string rangeText(const PropertySpec &p)
{
    if (!p.min && !p.max) return {};
    return (p.min ? numberText(*p.min) : "") + ".." + (p.max ? numberText(*p.max) : "");
}

std::string markdownProperties(const std::vector<PropertySpec> &list)
{
    std::ostringstream o;
    o << "| property | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto &p : list) {
        std::string range = rangeText(p);
        if (!range.empty()) range.replace(range.find(".."), 2, " .. ");
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
              << protocolName(p.protocol) << " | " << (p.multiple ? "many" : "one") << " | " << p.help
              << " |\n";
        o << "\n" << markdownProperties(k.properties) << "\n";
        if (!k.crashPoints.empty()) {
            o << "Crash points (for a `crash-at` fault):\n\n";
            for (const auto &[name, help] : k.crashPoints)
                o << "- `" << name << "`: " << help << "\n";
            o << "\n";
        }
    }
    o << "### Link properties\n\n" << markdownProperties(reg.linkProperties());
    o << "\n### Node clock (`clock`)\n\nA node's `clock` object sets its local clock; events carry its "
         "reading "
         "as `local` (true virtual time stays the timers' time).\n\n"
      << markdownProperties(reg.clockProperties());
    o << "\n## Faults\n\nEach entry of `faults` has these fields:\n\n"
         "| field | meaning |\n|---|---|\n"
         "| `id` | unique among the faults (1-64 letters, digits, `_ . : -`); given as `f1`, `f2`... when "
         "left out |\n"
         "| `kind` | one of the kinds below |\n"
         "| `target` | link faults: a link id; node faults: a node id (or use `nodes`) |\n"
         "| `nodes` | node faults: several node ids; nemeses: the group (none: every node) |\n"
         "| `start` | when it begins: a duration such as `\"2s\"` or a number of ms |\n"
         "| `duration` | how long it lasts (none: to the end of the run); or give `end`, a time after "
         "`start` |\n"
         "| `every` | repeat with this period, each time for `duration` (which must be shorter) |\n"
         "| `params` | the kind's parameters, below; defaults apply to those left out |\n\n"
         "Two faults of the same kind on the same target may not overlap in time. Nemeses draw their sides "
         "from the run's seed, the fault's place in the plan and the repetition, so a run replays "
         "exactly.\n\n";
    for (const auto &k : reg.faultKinds()) {
        o << "### `" << k.kind << "` — " << k.label << " (" << k.category << ", acts on a "
          << faultTargetName(k.target) << ")\n\n"
          << k.help << "\n\n";
        if (k.params.empty())
            o << "No parameters.\n\n";
        else
            o << markdownProperties(k.params) << "\n";
    }
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
            const std::string range = rangeText(p);
            // A key of 22 characters or more still gets a space before its type.
            out << "    " << std::left << std::setw(22) << (p.key + ' ') << std::setw(40) << typeText(p)
                << " default " << p.defaultValue.dump() << (p.unit.empty() ? "" : " " + p.unit)
                << (range.empty() ? "" : " [" + range + "]") << "\n"
                << "        " << p.help << "\n";
        }
    };
    for (const auto &k : reg.kinds()) {
        out << k.kind << " (" << k.category << "): " << k.help << "\n  ports:\n";
        for (const auto &p : k.ports)
            out << "    " << (p.direction == PortDirection::In ? "in  " : "out ") << std::left
                << std::setw(12) << p.name << std::setw(10) << protocolName(p.protocol)
                << (p.multiple ? "  many" : "  one ") << "  " << p.help << "\n";
        out << "  properties:\n";
        props(k.properties);
        if (!k.crashPoints.empty()) {
            out << "  crash points:\n";
            for (const auto &[name, help] : k.crashPoints)
                out << "    " << std::left << std::setw(22) << (name + ' ') << help << "\n";
        }
        out << "\n";
    }
    out << "link properties:\n";
    props(reg.linkProperties());
    return CliExit::Ok;
}

// `match --dialect D PATTERN SUBJECT [--json]`: one question to core/pubsub, answered with the
// reason and the problems of both texts, each under a caret pointing at its column.
int match(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::string dialectName;
    bool json = false, optionsEnded = false;
    std::vector<std::string> texts;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (!optionsEnded && a == "--") {
            optionsEnded = true;
        } else if (!optionsEnded && a == "--json") {
            json = true;
        } else if (!optionsEnded && a == "--dialect") {
            if (++i == args.size()) {
                err << "--dialect needs a value: amqp, mqtt, nats or redis\n" << kUsage;
                return CliExit::Usage;
            }
            dialectName = args[i];
        } else if (!optionsEnded && a.size() > 1 && a[0] == '-' && a[1] == '-') {
            err << "unknown option " << escapeForTerminal(a) << "\n" << kUsage;
            return CliExit::Usage;
        } else {
            texts.push_back(a);
        }
    }
    Dialect dialect{};
    if (dialectName.empty()) {
        err << "match needs --dialect amqp|mqtt|nats|redis\n" << kUsage;
        return CliExit::Usage;
    }
    if (!dialectFromName(dialectName, dialect)) {
        err << "--dialect: '" << escapeForTerminal(dialectName)
            << "' is not a dialect; use amqp, mqtt, nats or redis\n";
        return CliExit::Usage;
    }
    if (texts.size() != 2) {
        err << "match takes a PATTERN and a SUBJECT (got " << texts.size() << ")\n" << kUsage;
        return CliExit::Usage;
    }
    const std::string &pattern = texts[0], &subject = texts[1];
    const auto patternIssues = checkFilter(dialect, pattern);
    const auto subjectIssues = checkSubject(dialect, subject);
    const bool valid = !hasError(patternIssues) && !hasError(subjectIssues);
    const bool matches = valid && dialectMatches(dialect, pattern, subject);
    if (json) {
        auto issues = [](const std::vector<PatternIssue> &list) {
            Json a = Json::array();
            for (const auto &i : list)
                a.push_back({{"position", i.position},
                             {"severity", i.error ? "error" : "warning"},
                             {"message", i.message}});
            return a;
        };
        Json j = {{"dialect", dialectName}, {"pattern", pattern}, {"subject", subject}, {"valid", valid}};
        j["matches"] = valid ? Json(matches) : Json(nullptr);
        if (valid) j["reason"] = explainMatch(dialect, pattern, subject);
        j["patternIssues"] = issues(patternIssues);
        j["subjectIssues"] = issues(subjectIssues);
        out << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    } else {
        auto print = [&](const char *what, const std::string &text, const std::vector<PatternIssue> &list) {
            for (const auto &i : list) {
                std::ostream &o = i.error ? err : out;
                const std::string shown = escapeForTerminal(text);
                o << what << " " << (i.error ? "error" : "warning") << ": " << escapeForTerminal(i.message)
                  << "\n";
                // A caret under the byte the issue is about, when bytes are columns (plain ASCII).
                const bool ascii =
                    std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
                if (ascii && shown == text && i.position <= text.size() && text.size() <= 200)
                    o << "  " << text << "\n  " << std::string(i.position, ' ') << "^\n";
            }
        };
        print("pattern", pattern, patternIssues);
        print("subject", subject, subjectIssues);
        if (valid) out << escapeForTerminal(explainMatch(dialect, pattern, subject)) << "\n";
    }
    if (!valid) return CliExit::Usage;
    return matches ? CliExit::Ok : CliExit::NoMatch;
}

// `route FILE --from NODE [...]`: the routing inspector (routeinspector.h) on a file.
int route(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::string file, from;
    bool json = false;
    RouteMessage m;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](std::string &v) {
            if (++i == args.size()) {
                err << a << " needs a value\n" << kUsage;
                return false;
            }
            v = args[i];
            return true;
        };
        auto pair = [&](std::vector<std::pair<std::string, std::string>> &into) {
            std::string v;
            if (!value(v)) return false;
            const auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) {
                err << a << ": '" << escapeForTerminal(v) << "' is not NAME=VALUE\n";
                return false;
            }
            into.emplace_back(v.substr(0, eq), v.substr(eq + 1));
            return true;
        };
        if (a == "--json") {
            json = true;
        } else if (a == "--from") {
            if (!value(from)) return CliExit::Usage;
        } else if (a == "--routing-key" || a == "--topic" || a == "--subject" || a == "--channel") {
            if (!value(m.routingKey)) return CliExit::Usage;
            m.routingKeyGiven = true;
        } else if (a == "--key") {
            if (!value(m.key)) return CliExit::Usage;
            m.keyGiven = true;
        } else if (a == "--header" || a == "--attribute") {
            if (!pair(m.headers)) return CliExit::Usage;
        } else if (a == "--field") {
            if (!pair(m.fields)) return CliExit::Usage;
        } else if (a.size() > 1 && a[0] == '-') {
            err << "unknown option " << escapeForTerminal(a) << "\n" << kUsage;
            return CliExit::Usage;
        } else if (file.empty()) {
            file = a;
        } else {
            err << "route takes one FILE (got also '" << escapeForTerminal(a) << "')\n" << kUsage;
            return CliExit::Usage;
        }
    }
    if (file.empty() || from.empty()) {
        err << "route needs a FILE and --from NODE\n" << kUsage;
        return CliExit::Usage;
    }
    auto r = loadTopologyFile(file);
    if (!r.ok()) {
        printDiagnostics(r, err);
        return CliExit::InvalidInput;
    }
    const Topology &t = *r.topology;
    if (!t.nodeIndex(from)) {
        std::vector<std::string> ids;
        for (const auto &n : t.nodes)
            ids.push_back(n.id);
        const std::string hint = closestMatch(from, ids);
        err << "--from: no node \"" << escapeForTerminal(from) << "\" in " << escapeForTerminal(file)
            << (hint.empty() ? "" : "; did you mean \"" + escapeForTerminal(hint) + "\"?") << "\n";
        return CliExit::Usage;
    }
    const RouteReport report = inspectRoute(t, from, m);
    if (json)
        out << routeReportJson(report).dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    else
        out << escapeForTerminal(routeReportText(report), true);
    return report.destinations().empty() ? CliExit::NoMatch : CliExit::Ok;
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
    std::vector<std::string> failOn;                      // check names (summary.h checkNames())
    bool quiet = false;
    std::string faultPlan;
    bool replaceFaults = true;
    std::vector<std::string> nemeses;
};

bool parseUnsigned(const std::string &s, std::uint64_t &v)
{
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) return false;
    v = std::stoull(s);
    return true;
}

int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
        const CliEnvironment &environment)
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
        } else if (o == "--sequence-order") {
            std::string name;
            if (!value(name)) return CliExit::Usage;
            if (!sequenceOrderFromName(name, a.sequenceOptions.order)) {
                err << "--sequence-order " << name << ": expected one of " << kSequenceOrderNames << "\n";
                return CliExit::Usage;
            }
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
                if (item == "out-of-order") item = "order";
                const auto &known = checkNames();
                if (std::find(known.begin(), known.end(), item) == known.end()) {
                    err << "--fail-on: unknown check '" << escapeForTerminal(item) << "' (use "
                        << checkNamesText() << ")\n";
                    return CliExit::Usage;
                }
                if (std::find(a.failOn.begin(), a.failOn.end(), item) == a.failOn.end())
                    a.failOn.push_back(item);
            }
        } else if (o == "--faults" || o == "--add-faults") {
            if (!a.faultPlan.empty()) {
                err << "--faults and --add-faults: give one plan file\n";
                return CliExit::Usage;
            }
            if (!value(a.faultPlan)) return CliExit::Usage;
            a.replaceFaults = o == "--faults";
        } else if (o == "--nemesis") {
            if (!value(v)) return CliExit::Usage;
            a.nemeses.push_back(v);
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
    for (const auto &[option, path] : {std::pair<std::string, std::string>{"--summary", a.summary},
                                       {"--events", a.events},
                                       {"--metrics", a.metrics}}) {
        if (path.empty()) continue;
        if (const std::string why = checkExtension(option, path); !why.empty()) {
            err << why << "\n";
            return CliExit::Usage;
        }
    }
    if (!a.sequence.empty()) {
        if (!picture && !sequenceFormatForPath(a.sequence, sequenceFormat)) {
            const std::string ext = extensionOf(a.sequence);
            if (ext == ".svg" || ext == ".pdf" || ext == ".png")
                err << "--sequence " << a.sequence << " needs a picture renderer, which this build lacks: "
                    << "write one of " << kSequenceExtensions << " and render that\n";
            else
                err << "--sequence " << a.sequence << ": "
                    << (ext.empty() ? std::string("no extension") : "unknown extension '" + ext + "'")
                    << " (use " << kSequenceExtensions << ", .svg, .png or .pdf)\n";
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
    // Every output is opened before the topology is even read: a path that cannot be written
    // fails now, not after a long run.
    std::string error;
    OutputFile summaryFile, eventsFile, metricsFile, sequenceOut;
    for (auto [option, path, file] :
         {std::tuple<const char *, const std::string *, OutputFile *>{"--summary", &a.summary, &summaryFile},
          {"--events", &a.events, &eventsFile},
          {"--metrics", &a.metrics, &metricsFile},
          {"--sequence", &a.sequence, &sequenceOut}}) {
        if (path->empty()) continue;
        if (!file->prepare(option, *path, error)) {
            err << error << "\n";
            return CliExit::OutputError;
        }
    }
    auto loaded = loadTopologyFile(a.file);
    if (!loaded.ok()) {
        printDiagnostics(loaded, err);
        return CliExit::InvalidInput;
    }
    printDiagnostics(loaded, err);
    Topology topo = std::move(*loaded.topology);
    if (topo.name.empty()) topo.name = a.file;
    if (!a.faultPlan.empty() || !a.nemeses.empty()) {
        std::vector<FaultDef> plan;
        std::vector<Diagnostic> diags;
        if (!a.faultPlan.empty() && !loadFaultPlanFile(a.faultPlan, plan, diags)) {
            for (const auto &d : diags)
                err << escapeForTerminal(d.toString()) << "\n";
            return CliExit::InvalidInput;
        }
        for (std::size_t i = 0; i < a.nemeses.size(); ++i) {
            FaultDef f;
            std::string why;
            if (!parseNemesisSpec(a.nemeses[i], KindRegistry::builtin(), f, why)) {
                err << "--nemesis " << a.nemeses[i] << ": " << why << "\n";
                return CliExit::Usage;
            }
            f.id = "nemesis-" + std::to_string(i + 1);
            plan.push_back(std::move(f));
        }
        // Nemeses alone add to the file's own plan.
        const bool replace = !a.faultPlan.empty() && a.replaceFaults;
        if (!mergeFaultPlan(topo, std::move(plan), replace, a.faultPlan.empty() ? "--nemesis" : a.faultPlan,
                            diags)) {
            for (const auto &d : diags)
                if (d.severity == Diagnostic::Severity::Error) err << escapeForTerminal(d.toString()) << "\n";
            return CliExit::InvalidInput;
        }
    }
    auto sim = Simulation::build(topo, error);
    if (!sim) {
        err << escapeForTerminal(a.file + ": " + error) << "\n";
        return CliExit::InvalidInput;
    }
    if (a.seed) sim->setSeed(*a.seed);
    if (a.messages) sim->setMessageBudget(*a.messages);

    const auto nodeIds = sim->nodeIds();
    const auto linkIds = sim->linkIds();
    Metrics metrics(sim->nodeCount(), sim->linkCount());
    DeliveryChecker checker = DeliveryChecker::forTopology(topo);
    CallChecker callChecker(nodeLabels(topo));
    GroupChecker groupChecker(nodeLabels(topo), DeliveryChecker::nodesWithRole(topo, DeliveryRole::Log));
    LogMetrics logMetrics(topo);
    const DomainCheckers domainCheckers = makeDomainCheckers(topo, nodeLabels(topo));
    for (const auto &c : domainCheckers)
        sim->addSink(c.get());
    sim->addSink(&metrics);
    sim->addSink(&checker);
    sim->addSink(&callChecker);
    sim->addSink(&groupChecker);
    sim->addSink(&logMetrics);
    std::unique_ptr<TraceFileWriter> writer;
    if (!a.events.empty()) {
        writer = std::make_unique<TraceFileWriter>(nodeIds, linkIds);
        writer->setFaultNames([s = sim.get()](std::uint64_t index) {
            return index < s->faults().size() ? s->faults()[index].id : std::to_string(index);
        });
        writer->setGroupNames([s = sim.get()](std::uint32_t index) {
            return index < s->groupNames().size() ? s->groupNames()[index] : std::to_string(index);
        });
        if (!writer->open(eventsFile.tempPath(), TraceFileWriter::formatForPath(a.events), error)) {
            err << "--events: " << eventsFile.mention(error) << "\n";
            return CliExit::OutputError;
        }
        sim->addSink(writer.get());
    }
    std::unique_ptr<SequenceRecorder> sequence;
    // A picture: the events of the range are kept and drawn after the run.
    static constexpr std::size_t kMaxPictureMethods = std::size_t{1} << 18;
    struct PictureSink final : TraceSink {
        SequencePicture picture;
        std::uint64_t left = 0; // events of the range beyond kMaxPictureEvents
        void onMessage(const Message &m) override
        {
            picture.options.routingKeys.note(m);
            // A call's request (its correlation id is the call's): its method labels its arrows.
            if (m.correlationId && !m.routingKey.empty() && m.publishedAt <= picture.options.to &&
                picture.methods.size() < kMaxPictureMethods)
                picture.methods.emplace(m.id, m.routingKey);
        }
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
        pictureSink = std::make_unique<PictureSink>();
        pictureSink->picture.path = sequenceOut.tempPath();
        pictureSink->picture.nodeIds = nodeIds;
        pictureSink->picture.nodeLabels = nodeLabels(topo);
        pictureSink->picture.linkIds = linkIds;
        for (const auto &n : topo.nodes)
            pictureSink->picture.nodeKinds.push_back(n.kind);
        pictureSink->picture.options = a.sequenceOptions;
        pictureSink->picture.clocks = nodeClocks(topo);
        pictureSink->picture.linkEnds = sequenceLinkEnds(topo);
        sim->addSink(pictureSink.get());
    } else if (!a.sequence.empty()) {
        sequence = std::make_unique<SequenceRecorder>(nodeIds, linkIds, a.sequenceOptions);
        sequence->describe(topo);
        sequence->setFaultNames([&sim](std::uint64_t i) {
            return i < sim->faults().size() ? sequenceFaultLabel(sim->faults()[i]) : std::string();
        });
        sim->addSink(sequence.get());
    }
    // Nodes with clocks: count the frames their local timestamps show received before sent.
    std::unique_ptr<ClockChecker> clockChecker;
    if (anyClockSkewed(nodeClocks(topo))) {
        clockChecker = std::make_unique<ClockChecker>(nodeClocks(topo));
        sim->addSink(clockChecker.get());
    }

    RunOptions options;
    options.until = a.until ? *a.until : topo.run.until ? *topo.run.until : 60 * kSecond;
    options.speed = a.speed ? *a.speed : topo.run.speed;
    std::unique_ptr<ProgressLine> progress;
    if (environment.progress) {
        progress = std::make_unique<ProgressLine>(err, options.until);
        sim->addSink(progress.get());
    }
    const auto wallStart = std::chrono::steady_clock::now();
    StopReason reason;
    bool interrupted;
    {
        InterruptGuard guard(sim.get());
        reason = sim->run(options);
        interrupted = guard.interrupted();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    if (progress) progress->finish();

    // Each file is written whole, then renamed over its target; an interrupted run writes them
    // all the same, so every file ends on a complete line.
    int code = CliExit::Ok;
    auto fail = [&](const std::string &message) {
        err << message << "\n";
        code = CliExit::OutputError;
    };
    if (writer) {
        if (!writer->close(error))
            fail("--events: " + eventsFile.mention(error));
        else if (!eventsFile.commit(error))
            fail(error);
    }
    if (pictureSink) {
        pictureSink->picture.end = sim->now();
        for (const auto &f : sim->faults())
            pictureSink->picture.faultNames.push_back(sequenceFaultLabel(f));
        if (pictureSink->left)
            err << "--sequence: the picture shows the first " << kMaxPictureEvents << " events of the range; "
                << pictureSink->left << " more are left out (narrow it with --from and --to)\n";
        if (!pictureSupport().write(pictureSink->picture, error))
            fail("--sequence: " + sequenceOut.mention(error));
        else if (!sequenceOut.commit(error))
            fail(error);
    }
    if (sequence) {
        sequence->finish(sim->now());
        std::ofstream sequenceFile(sequenceOut.tempPath(), std::ios::binary | std::ios::trunc);
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
        if (!sequenceFile)
            fail(sequenceOut.describe("cannot write: " + osReason(errno)));
        else if (!sequenceOut.commit(error))
            fail(error);
    }
    RunSummary summary = buildSummary(*sim, metrics, checker, reason, wall, &callChecker, &groupChecker,
                                      &logMetrics, &domainCheckers);
    summary.interrupted = interrupted;
    if (clockChecker) {
        clockChecker->finish(sim->now());
        summary.clockAnomalies = clockChecker->anomalies();
    }
    if (!a.quiet) out << escapeForTerminal(formatSummary(summary), true);
    if (!a.summary.empty()) {
        std::ofstream f(summaryFile.tempPath(), std::ios::binary | std::ios::trunc);
        f << summaryToJson(summary).dump(2) << "\n";
        f.close();
        if (!f)
            fail(summaryFile.describe("cannot write: " + osReason(errno)));
        else if (!summaryFile.commit(error))
            fail(error);
    }
    if (!a.metrics.empty()) {
        if (!metrics.writeCsv(metricsFile.tempPath(), nodeIds, linkIds, error))
            fail("--metrics: " + metricsFile.mention(error));
        else if (!metricsFile.commit(error))
            fail(error);
    }
    if (code != CliExit::Ok) return code;
    if (interrupted) {
        err << "interrupted at virtual time " << formatDuration(sim->now())
            << "; the files asked for are written\n";
        return CliExit::Interrupted;
    }
    // The delivery checks keep their one-line message; each failing call check gets its own line.
    const auto &d = summary.delivery;
    const auto failing = [&](const std::string &name) {
        const CheckResult *c = summary.check(name);
        return std::find(a.failOn.begin(), a.failOn.end(), name) != a.failOn.end() && c && c->count;
    };
    bool failed = false;
    if (failing("lost") || failing("duplicates") || failing("pending") || failing("order")) {
        err << "delivery check failed: " << d.lost << " lost, " << d.duplicates << " duplicates, "
            << d.pending << " pending, " << d.outOfOrder << " out of order\n";
        failed = true;
    }
    for (const CheckResult &c : summary.checks) {
        if (c.check == "lost" || c.check == "duplicates" || c.check == "pending" || c.check == "order" ||
            !failing(c.check))
            continue;
        err << "check " << c.check << " failed: " << c.count << " (" << c.help << ")";
        if (!c.examples.empty()) err << ", e.g. " << escapeForTerminal(c.examples.front().what);
        err << "\n";
        failed = true;
    }
    return failed ? CliExit::CheckFailed : CliExit::Ok;
}

} // namespace

std::string escapeForTerminal(std::string_view text, bool keepNewlines)
{
    std::string out;
    out.reserve(text.size());
    char buf[16];
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && !(keepNewlines && c == '\n')) || c == 0x7f) {
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
            continue;
        }
        // Code points that are invisible yet act on the terminal: C1 controls (U+0080-U+009F)
        // and the bidirectional marks, embeddings, overrides and isolates.
        if (c >= 0xc2 && c <= 0xe2 && i + 1 < text.size()) {
            const auto c1 = static_cast<unsigned char>(text[i + 1]);
            unsigned cp = 0;
            std::size_t len = 0;
            if (c == 0xc2 && c1 >= 0x80 && c1 <= 0x9f) {
                cp = c1;
                len = 2;
            } else if (c == 0xd8 && c1 == 0x9c) {
                cp = 0x061c;
                len = 2;
            } else if (c == 0xe2 && i + 2 < text.size()) {
                cp = ((c & 0x0fu) << 12) | ((c1 & 0x3fu) << 6) |
                     (static_cast<unsigned char>(text[i + 2]) & 0x3fu);
                len = 3;
            }
            if (len && ((cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
                        (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))) {
                std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                out += buf;
                i += len - 1;
                continue;
            }
        }
        out += static_cast<char>(c);
    }
    return out;
}

void setSequencePictureSupport(SequencePictureSupport support)
{
    pictureSupport() = std::move(support);
}

int cliMain(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
            const CliEnvironment &environment)
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
    if (args[0] == "run") return run(args, out, err, environment);
    if (args[0] == "match") return match(args, out, err);
    if (args[0] == "route") return route(args, out, err);
    if (args[0] == "examples") return examples(args, out, err, environment.examplesDir);
    if (args[0] == "overlay") return overlay(args, out, err);
    if (args[0] == "layout") return layout(args, out, err);
    err << "unknown command '" << escapeForTerminal(args[0]) << "'\n" << kUsage;
    return CliExit::Usage;
}

} // namespace sb
