// Everything `drover run` was asked to do, as parsed and validated by the CLI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sinks.hpp"
#include "workload.hpp"

namespace drover {

struct RunOptions {
  std::optional<Generator> generator;  // a generated workload, or ...
  std::string tasks_file;              // ... a JSON Lines task file
  std::string output;                  // result file; empty: summary only
  OutputFormat format = OutputFormat::jsonl;
  bool ordered = true;                // map semantics; --unordered streams
  std::uint32_t batch = 0;            // 0: automatic
  unsigned threads = 0;               // 0: SLURM_CPUS_PER_TASK or cores per rank
  std::uint32_t io_window = 100'000;  // downloads in flight per rank
  bool announce = true;               // download start/finish lines
};

}  // namespace drover
