// What identifies a run's work, written into its journal: resuming other work is refused.
#include "fingerprint.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "errors.hpp"
#include "kinds.hpp"

namespace drover {

std::string fingerprint_generated(const Generator& g) {
  char text[512];
  std::snprintf(text, sizeof text,
                "generated kind=%s total=%" PRIu64 " from=%" PRId64 " count=%" PRId64
                " min=%.17g max=%.17g seed=%" PRIu64,
                std::string(kind_info(g.kind).name).c_str(), g.total, g.from, g.count,
                g.min_seconds, g.max_seconds, g.seed);
  return text;
}

std::string fingerprint_task_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw InputError(path + ": cannot open task file: " + std::strerror(errno));
  }
  // FNV-1a: not cryptographic, but any edit to the file changes it, which is
  // what telling two runs' work apart needs.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  std::uint64_t bytes = 0;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    for (std::size_t i = 0; i < n; ++i) {
      hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 0x100000001b3ULL;
    }
    bytes += n;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw InputError(path + ": cannot read task file");
  char text[128];
  std::snprintf(text, sizeof text, "task-file bytes=%" PRIu64 " fnv1a64=%016" PRIx64, bytes, hash);
  return text;
}

std::optional<Generator> generator_from_fingerprint(const std::string& fingerprint) {
  std::istringstream in(fingerprint);
  std::string word;
  if (!(in >> word) || word != "generated") return std::nullopt;
  Generator g;
  bool have_kind = false;
  while (in >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = word.substr(0, eq);
    const std::string value = word.substr(eq + 1);
    try {
      if (key == "kind") {
        const KindInfo* k = find_kind(value);
        if (k == nullptr) return std::nullopt;
        g.kind = k->id;
        have_kind = true;
      } else if (key == "total") {
        g.total = std::stoull(value);
      } else if (key == "from") {
        g.from = std::stoll(value);
      } else if (key == "count") {
        g.count = std::stoll(value);
      } else if (key == "min") {
        g.min_seconds = std::stod(value);
      } else if (key == "max") {
        g.max_seconds = std::stod(value);
      } else if (key == "seed") {
        g.seed = std::stoull(value);
      } else {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (!have_kind) return std::nullopt;
  return g;
}

}  // namespace drover
