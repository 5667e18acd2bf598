#pragma once
// The gallery of bundled examples: the paradigms it is grouped by (in the order of the seeds'
// comparison: message passing first, actors last), the five pitfalls shown as broken/fixed pairs,
// and what a topology file says of itself in its "gallery" section. The welcome page, the CLI's
// `examples` command and validation read these lists; nothing else names a paradigm.
#include "schema.h"

#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct Paradigm {
    std::string id;    // as written in files: "pub-sub"
    std::string label; // as people read it: "Publish-subscribe"
    std::string help;  // one line: what the examples of this group show
};
// In gallery order.
const std::vector<Paradigm> &paradigms();
const Paradigm *findParadigm(std::string_view id);

// The seeds' "common pitfalls": each is a pair of examples, one broken and one fixed.
struct Pitfall {
    std::string id;    // "duplicates"
    std::string label; // "Not handling duplicates"
    std::string fix;   // what the fixed example does
};
const std::vector<Pitfall> &pitfalls();
const Pitfall *findPitfall(std::string_view id);

// A topology's "gallery" section: {"paradigm": "queues", "systems": ["RabbitMQ"],
// "pitfall": "duplicates", "variant": "broken"}. All optional; a file without one is shown under
// "Other" (paradigm empty).
struct GalleryInfo {
    std::string paradigm;
    std::vector<std::string> systems; // the real systems it models, as their makers spell them
    std::string pitfall;
    std::string variant; // "broken" or "fixed" (with a pitfall)
    bool empty() const { return paradigm.empty() && systems.empty() && pitfall.empty() && variant.empty(); }
    bool operator==(const GalleryInfo &) const = default;
};

// Problems of a "gallery" section, each with its path under `path` ("$.gallery") and a message;
// all are warnings (a file with a misspelt paradigm still loads and runs).
struct GalleryProblem {
    std::string path, message;
};
GalleryInfo parseGalleryInfo(const Json &section, const std::string &path,
                             std::vector<GalleryProblem> &problems);
Json galleryInfoToJson(const GalleryInfo &info);

// One example as the gallery lists it.
struct GalleryEntry {
    std::string fileName; // "work-queue.json"
    std::string name;
    std::string description;
    GalleryInfo info;
};

// Gallery order: by paradigm (unknown and missing last, under "Other"), then a pitfall's broken
// example before its fixed one, then by name.
void sortForGallery(std::vector<GalleryEntry> &entries);
// The label an entry is grouped under: its paradigm's label, or "Other".
std::string galleryGroupLabel(const GalleryEntry &e);
// True when every word of `query` occurs (case-insensitive) in the entry's name, description,
// file name, paradigm (id or label), systems or pitfall (id or label). An empty query matches.
bool galleryMatches(const GalleryEntry &e, std::string_view query);

// `signalbox-cli examples`: grouped text, and JSON ({"paradigms": [...], "examples": [...]}).
std::string galleryText(const std::vector<GalleryEntry> &sorted);
Json galleryJson(const std::vector<GalleryEntry> &sorted);

} // namespace sb
