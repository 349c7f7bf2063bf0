// What identifies a run's work, written into its journal: resuming other work is refused.
#pragma once

#include <optional>
#include <string>

#include "model/task_source.hpp"

namespace drover {

// "generated kind=square total=1000 params=0000000000000000": every field that
// decides what the tasks are (the kind's generator parameters in hex), and
// nothing that does not (threads, batch sizes, output options).
std::string fingerprint_generated(const Generator& generator);

// " kinds=0123456789abcdef": a hash of the registry's fingerprint, appended to
// a journal's, since records name kinds by their registry position: a binary
// with other kinds would read them as the wrong kinds.
std::string registry_stamp();

// "task-file bytes=1234 fnv1a64=0123456789abcdef": the file's content, not its
// name, so a moved file still resumes and an edited one does not.
// Throws InputError naming the path when it cannot be read.
std::string fingerprint_task_file(const std::string& path);

// The generator a generated fingerprint describes; nullopt for task files or
// text that is not a fingerprint (journal export rebuilds range inputs with it).
std::optional<Generator> generator_from_fingerprint(const std::string& fingerprint);

}  // namespace drover
