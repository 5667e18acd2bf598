#include "cli.h"
#include "cli_p.h"
#include "gallery.h"
#include "topology.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sb {

namespace {

// Every *.json topology in `dir`, in file-name order. Files that do not load are reported on
// `err` (path and first error) and left out; false when the directory cannot be read.
bool readGallery(const std::string &dir, std::vector<GalleryEntry> &entries, std::ostream &err)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        err << "examples: " << escapeForTerminal(dir) << ": "
            << (fs::exists(dir, ec) ? "not a directory" : "no such directory")
            << " (give the examples' folder with --dir DIR, or set SIGNALBOX_EXAMPLES_DIR)\n";
        return false;
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) {
        err << "examples: " << escapeForTerminal(dir) << ": " << ec.message() << "\n";
        return false;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path &file : files) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) {
            err << "examples: " << escapeForTerminal(file.string()) << ": cannot be read; left out\n";
            continue;
        }
        const LoadResult r = parseTopology(text.str(), file.filename().string());
        if (!r.ok()) {
            for (const Diagnostic &d : r.diagnostics)
                if (d.severity == Diagnostic::Severity::Error) {
                    err << "examples: " << escapeForTerminal(file.string()) << ": "
                        << escapeForTerminal(d.path) << ": " << escapeForTerminal(d.message)
                        << "; left out\n";
                    break;
                }
            continue;
        }
        GalleryEntry e;
        e.fileName = file.filename().string();
        e.name = r.topology->name.empty() ? file.stem().string() : r.topology->name;
        e.description = r.topology->description;
        e.info = r.topology->gallery;
        entries.push_back(std::move(e));
    }
    return true;
}

} // namespace

int examples(const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
             const std::string &defaultDir)
{
    bool json = false;
    std::string dir = defaultDir, paradigm, search;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string &a = args[i];
        auto value = [&](std::string &to) {
            if (i + 1 >= args.size()) {
                err << "examples: " << a << " needs a value\n";
                return false;
            }
            to = args[++i];
            return true;
        };
        if (a == "--json") {
            json = true;
        } else if (a == "--dir" || a == "--paradigm" || a == "--search") {
            if (!value(a == "--dir" ? dir : a == "--paradigm" ? paradigm : search)) return CliExit::Usage;
        } else {
            err << "examples: unknown option '" << escapeForTerminal(a)
                << "' (options: --json, --paradigm ID, --search WORDS, --dir DIR)\n";
            return CliExit::Usage;
        }
    }
    if (!paradigm.empty() && !findParadigm(paradigm)) {
        std::vector<std::string> ids;
        for (const Paradigm &p : paradigms())
            ids.push_back(p.id);
        const std::string close = closestMatch(paradigm, ids);
        err << "examples: --paradigm: unknown paradigm '" << escapeForTerminal(paradigm) << "'";
        if (!close.empty()) err << " (did you mean '" << close << "'?)";
        err << "; known:";
        for (const std::string &id : ids)
            err << " " << id;
        err << "\n";
        return CliExit::Usage;
    }
    if (dir.empty()) {
        err << "examples: no examples folder known: give it with --dir DIR\n";
        return CliExit::Usage;
    }
    std::vector<GalleryEntry> all;
    if (!readGallery(dir, all, err)) return CliExit::InvalidInput;
    std::vector<GalleryEntry> shown;
    for (GalleryEntry &e : all)
        if ((paradigm.empty() || e.info.paradigm == paradigm) && galleryMatches(e, search))
            shown.push_back(std::move(e));
    sortForGallery(shown);
    if (json)
        out << galleryJson(shown).dump(2) << "\n";
    else if (shown.empty())
        out << "no example matches\n";
    else
        out << escapeForTerminal(galleryText(shown), true);
    return CliExit::Ok;
}

} // namespace sb
