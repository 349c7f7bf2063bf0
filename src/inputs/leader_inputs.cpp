// Rank 0's inputs, checked before any work: the task source, the output, the journal.
#include "inputs/leader_inputs.hpp"
#include "inputs/command_source.hpp"
#include "inputs/generated_source.hpp"
#include "inputs/task_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <utility>

#include "journal/fingerprint.hpp"
#include "journal/journal_retry.hpp"
#include "launch/durations.hpp"
#include "launch/launch_env.hpp"
#include "model/errors.hpp"

namespace drover {
namespace {

bool exists_non_empty(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_size > 0 || S_ISDIR(st.st_mode));
}

// Where a path that does not exist yet would be created: a dangling symlink
// is followed to its target, then the parent directory is resolved through
// its symlinks and the name appended. Missing parents are resolved lexically.
std::string creation_point(std::string path) {
  namespace fs = std::filesystem;
  for (int hop = 0; hop < 40; ++hop) {  // 40: the kernel's own limit on a chain of links
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) break;
    std::error_code ec;
    const fs::path target = fs::read_symlink(path, ec);
    if (ec) break;
    path =
        target.is_absolute() ? target.string() : (fs::path(path).parent_path() / target).string();
  }
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  const fs::path name = p.filename();
  if (!name.empty() && name != "." && name != "..") {
    if (char* parent = ::realpath(p.parent_path().c_str(), nullptr)) {
      std::string out = parent;
      std::free(parent);
      return (fs::path(out) / name).string();
    }
  }
  const fs::path resolved = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal().string() : resolved.string();
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  if (a == "-" || b == "-") return a == b;
  struct stat sa {};
  struct stat sb {};
  const bool a_exists = ::stat(a.c_str(), &sa) == 0;
  const bool b_exists = ::stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists != b_exists) return false;
  return a == b || creation_point(a) == creation_point(b);
}

// The output, the trace, the summary and the journal are written; the task
// file is read: no two may be the same file, or one run would destroy its own
// input or output. "-" is stdout for the outputs (two of them would mix) and
// stdin for the task file (never one of the outputs).
void refuse_shared_files(const RunOptions& o) {
  const std::pair<const char*, const std::string*> files[] = {{"--output", &o.output},
                                                              {"--trace", &o.trace},
                                                              {"--journal", &o.journal},
                                                              {"--tasks-file", &o.tasks_file},
                                                              {"--summary-json", &o.summary_json},
                                                              {"--joblog", &o.joblog},
                                                              {"--commands", &o.commands_file}};
  const auto is_stdin = [&](std::size_t i) {
    const bool input = files[i].second == &o.tasks_file || files[i].second == &o.commands_file;
    return input && *files[i].second == "-";
  };
  for (std::size_t i = 0; i < std::size(files); ++i) {
    for (std::size_t j = i + 1; j < std::size(files); ++j) {
      const std::string& a = *files[i].second;
      const std::string& b = *files[j].second;
      if (a.empty() || b.empty() || is_stdin(i) || is_stdin(j) || !same_file(a, b)) continue;
      std::string what = a == "-" ? "- (stdout)" : a;
      if (b != a) what += " and " + b + " are one file";
      throw InputError(what + ": named by both " + files[i].first + " and " + files[j].first);
    }
  }
}

void open_journal(const RunOptions& options, const std::string& fingerprint, LeaderInputs& in) {
  in.journal_path = options.journal;
  struct stat st {};
  if (::stat(options.journal.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw InputError(options.journal + ": is a directory, not a journal");
  }
  if (!exists_non_empty(options.journal)) {
    // --resume with no journal yet starts one: the same command line serves a
    // first submission and every resubmission.
    in.journal = JournalWriter::create(options.journal, fingerprint, options.fsync);
    return;
  }
  if (!options.resume) {
    throw InputError(options.journal +
                     ": journal exists; add --resume to continue its run, or remove it");
  }
  JournalScan scan = scan_journal(options.journal);
  if (scan.fingerprint != fingerprint) {
    const auto work = [&](const std::string& f) { return f.substr(0, f.rfind(" kinds=")); };
    const auto bytes_of = [](const std::string& f) {
      const std::size_t at = f.find("bytes=");
      return at == std::string::npos ? std::string("?")
                                     : f.substr(at + 6, f.find(' ', at) - at - 6);
    };
    if (work(scan.fingerprint) != work(fingerprint) &&
        scan.fingerprint.rfind("task-file ", 0) == 0 && fingerprint.rfind("task-file ", 0) == 0) {
      throw InputError(options.journal + ": the task file changed since the journal was written (" +
                       bytes_of(scan.fingerprint) + " bytes then, " + bytes_of(fingerprint) +
                       " now, other content): resume with the file as it was, or start a new "
                       "journal");
    }
    if (work(scan.fingerprint) == work(fingerprint)) {
      throw InputError(options.journal +
                       ": journal was written by a drover with other kinds registered (kind ids "
                       "would not match): resume it with that binary, or start a new journal");
    }
    throw InputError(options.journal + ": journal is from another run (its work: " +
                     work(scan.fingerprint) + "; this run: " + work(fingerprint) + ")");
  }
  if (scan.torn_tail) {
    in.warnings.push_back(
        options.journal +
        ": the last record was torn (a crash mid-write) and is dropped; its tasks run again");
  }
  if (options.retry_failed && scan.failed > 0) {
    const std::uint64_t dropped = drop_failed_results(options.journal, scan, options.fsync);
    std::string note = options.journal;
    note += ": --retry-failed: ";
    note += std::to_string(dropped);
    note += " failed tasks run again";
    in.notes.push_back(std::move(note));
    scan = scan_journal(options.journal);  // what is left: the rewritten journal
  }
  in.done = scan.entries;
  in.done_tasks = scan.tasks;
  in.journal = JournalWriter::append(options.journal, scan.valid_bytes, options.fsync);
}

// What the Slurm job has left, from scontrol; a warning when it cannot say.
std::optional<std::chrono::seconds> slurm_time_left(std::vector<std::string>& warnings) {
  const LaunchEnv launch = detect_launch(current_env());
  if (!launch.slurm_job_id) return std::nullopt;
  const std::string command = "scontrol show job " + *launch.slurm_job_id + " 2>/dev/null";
  std::string text;
  if (std::FILE* p = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) text.append(buffer, n);
    ::pclose(p);
  }
  const auto left = parse_remaining_time(text);
  if (!left) {
    warnings.push_back("Slurm job " + *launch.slurm_job_id +
                       ": no time limit found (scontrol show job); set --time-limit to stop "
                       "cleanly before one");
  }
  return left;
}

SpooledStdin SpooledStdin::copy_of(int fd) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::string dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  SpooledStdin spool;
  // O_TMPFILE has no name at all, so not even a SIGKILL leaves it behind.
  spool.fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (spool.fd_ < 0) {  // a file system without O_TMPFILE: a name, removed at once
    std::string name = dir + "/drover-stdin-XXXXXX";
    spool.fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (spool.fd_ >= 0) ::unlink(name.c_str());
  }
  const auto fail = [&](const char* what) {
    throw InputError("--tasks-file -: " + std::string(what) + dir + ": " + std::strerror(errno));
  };
  if (spool.fd_ < 0) fail("cannot create a temporary file in ");
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw InputError(std::string("--tasks-file -: cannot read stdin: ") + std::strerror(errno));
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(spool.fd_, buffer + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail("cannot copy stdin to a temporary file in ");
      done += w;
    }
  }
  return spool;
}

SpooledStdin::SpooledStdin(SpooledStdin&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

SpooledStdin& SpooledStdin::operator=(SpooledStdin&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

SpooledStdin::~SpooledStdin() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SpooledStdin::path() const {
  return fd_ < 0 ? std::string() : "/proc/self/fd/" + std::to_string(fd_);
}

// The exec kind's settings for every rank, and its --task-output directory,
// made here so that a path that cannot be one stops the run before it starts.
static void prepare_commands(const RunOptions& options, LeaderInputs& in) {
  ExecSettings settings = options.exec;
  settings.stdout_to_stderr = options.output == "-";
  if (!settings.task_output.empty()) {
    std::error_code error;
    std::filesystem::create_directories(settings.task_output, error);
    if (!std::filesystem::is_directory(settings.task_output)) {
      throw InputError("--task-output " + settings.task_output + ": cannot make a directory" +
                       (error ? ": " + error.message() : std::string()));
    }
  }
  std::string bytes;
  encode_exec_settings(settings, bytes);
  in.plan.kind_settings.emplace_back("exec", std::move(bytes));
}

LeaderInputs prepare_leader_inputs(const RunOptions& options) {
  refuse_shared_files(options);
  LeaderInputs in;
  in.plan.announce = options.announce;
  in.plan.announce_on_stderr = options.output == "-";
  std::string fingerprint;
  bool tagged = false;  // the task file has tags
  if (options.generator) {
    in.plan.generator = *options.generator;
    in.source = std::make_unique<GeneratedSource>(in.plan.generator);
    fingerprint = fingerprint_generated(in.plan.generator);
  } else if (!options.commands_file.empty() || !options.command_template.empty()) {
    auto source = open_command_source(
        CommandSourceSpec{options.commands_file, options.command_template, options.arg_words});
    fingerprint = source->fingerprint();
    in.source = std::move(source);
    in.commands = true;
    in.max_cores = 1;
  } else {
    std::string path = options.tasks_file;
    if (path == "-") {
      in.stdin_tasks = SpooledStdin::copy_of(STDIN_FILENO);
      path = in.stdin_tasks.path();
    }
    try {
      const TaskFileSummary summary = validate_task_file(path);
      in.source = std::make_unique<TaskFileSource>(path, summary.tasks, summary.content);
      in.max_cores = summary.max_cores;
      const KindInfo* exec = find_kind("exec");
      in.commands = exec != nullptr && summary.per_kind.at(exec->id) > 0;
      tagged = summary.tagged > 0;
      // The content the check read: a file changed since cannot be mistaken for it.
      fingerprint = summary.content.fingerprint();
    } catch (const InputError& e) {
      // Messages name the file ("path:12: ..."): the copy's name means nothing to the user.
      const std::string message = e.what();
      if (path == options.tasks_file || message.rfind(path, 0) != 0) throw;
      throw InputError("<stdin>" + message.substr(path.size()));
    }
  }
  prepare_commands(options, in);
  // The journal first: refusing it must not have truncated the output already.
  if (!options.journal.empty()) open_journal(options, fingerprint + registry_stamp(), in);
  if (!options.output.empty()) {
    // A run of commands shows their figures (exit signal, CPU times, RSS) unless told which
    // columns.
    // Tags in the task file are echoed too, unless told which columns.
    const bool figures = in.commands && !options.columns_given;
    std::vector<Column> columns = figures ? command_columns() : options.columns;
    if (tagged && !options.columns_given) columns = with_tag_column(std::move(columns));
    in.sink = open_sink(options.output, options.format, columns);
  }
  if (!options.joblog.empty()) {
    // A resumed run adds its rows to the log of the runs before it.
    const bool append = options.resume && std::filesystem::exists(options.joblog);
    in.joblog = std::make_unique<JoblogWriter>(
        options.joblog, append ? JoblogWriter::Mode::append : JoblogWriter::Mode::truncate);
  }
  in.launch = detect_launch(current_env());
  in.time_left = options.time_limit ? options.time_limit : slurm_time_left(in.warnings);
  if (in.time_left) {
    const StopMargin m = stop_margin(*in.time_left, options.stop_before);
    in.stop_margin = m.margin;
    if (m.scaled) {
      in.warnings.push_back(
          "--stop-before " + seconds_text(options.stop_before) + " is not shorter than the time " +
          "limit (" + seconds_text(*in.time_left) +
          (options.time_limit ? ", --time-limit" : ", what the Slurm job has left") +
          "): dispatch stops " + seconds_text(m.margin) + " before it instead (a tenth of it)");
    }
  }
  return in;
}

}  // namespace drover
