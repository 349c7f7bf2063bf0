// What identifies a run's work, written into its journal: resuming other work is refused.
#include "journal/fingerprint.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "model/errors.hpp"
#include "model/kinds.hpp"

namespace drover {

namespace {

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return hash;
}

constexpr char kHex[] = "0123456789abcdef";

std::string hex(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 15];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const char* hi = std::strchr(kHex, text[i]);
    const char* lo = std::strchr(kHex, text[i + 1]);
    if (text[i] == 0 || text[i + 1] == 0 || hi == nullptr || lo == nullptr) return std::nullopt;
    out += static_cast<char>(((hi - kHex) << 4) | (lo - kHex));
  }
  return out;
}

}  // namespace

std::string fingerprint_generated(const Generator& g) {
  return "generated kind=" + kind_info(g.kind).name + " total=" + std::to_string(g.total) +
         " params=" + hex(g.params);
}

std::string registry_stamp() {
  char text[32];
  std::snprintf(text, sizeof text, " kinds=%016" PRIx64, fnv1a(registry_fingerprint()));
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
  bool have_params = false;
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
      } else if (key == "params") {
        const std::optional<std::string> params = unhex(value);
        if (!params) return std::nullopt;
        g.params = *params;
        have_params = true;
      } else if (key != "kinds") {
        return std::nullopt;
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (!have_kind || !have_params) return std::nullopt;
  return g;
}

}  // namespace drover
