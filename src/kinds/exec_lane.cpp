// ExecLane: commands start while their cores fit in the rank's slots; exits become results.
#include "kinds/exec_lane.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace drover {
namespace {

std::chrono::nanoseconds seconds_ns(double seconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds));
}

// The rank's cpus when it is bound to fewer than the node has: then slot s
// may own cpus[s]. An unbound rank shares the node with other ranks' tasks,
// so pinning there would put two ranks' tasks on one cpu.
std::vector<int> cpus_to_pin(std::uint32_t slots) {
  std::vector<int> cpus = allowed_cpus();
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (online > 0 && cpus.size() >= static_cast<std::size_t>(online)) return {};
  if (cpus.size() < slots) return {};
  return cpus;
}

}  // namespace

ExecLane::ExecLane(IoBatch& first, ExecSettings settings)
    : settings_(std::move(settings)),
      runner_(first.io_context(), ProcessEnv::from_environ(),
              RunnerOptions{.rank = first.rank(),
                            .host = {},
                            .kill_grace = seconds_ns(settings_.kill_grace_seconds)},
              [this](const OutputLines& lines) { write_lines(lines); }) {
  write_ = first.line_writer();
  slots_ = settings_.slots != 0 ? settings_.slots : std::max(first.threads(), 1u);
  // Each running command holds three descriptors: more slots than the hard
  // RLIMIT_NOFILE leaves room for would fail their spawns, so there are fewer.
  const FdBudget& fds = runner_.fd_budget();
  if (fds.max_tasks < slots_) {
    const auto fit = static_cast<std::uint32_t>(std::max<std::uint64_t>(fds.max_tasks, 1));
    write_(true, "drover: warning: rank " + std::to_string(first.rank()) + ": " +
                     std::to_string(slots_) + " slots need " +
                     std::to_string(std::uint64_t{slots_} * FdBudget::per_task) +
                     " file descriptors; RLIMIT_NOFILE (hard " + std::to_string(fds.hard) +
                     ") leaves room for " + std::to_string(fit) + " commands at once\n");
    slots_ = fit;
  }
  free_ = slots_;
  busy_.assign(slots_, false);
  cpus_ = cpus_to_pin(slots_);
  if (!settings_.task_output.empty() && ::mkdir(settings_.task_output.c_str(), 0777) != 0 &&
      errno != EEXIST) {
    throw std::runtime_error("cannot create --task-output " + settings_.task_output + ": " +
                             std::strerror(errno));
  }
}

void ExecLane::add(IoBatch& batch) {
  // Read once: failing the batch's last task may end the batch, and it with it.
  const std::size_t n = batch.size();
  for (std::size_t i = 0; i < n; ++i) {
    try {
      ExecInput input = decode_exec_input(batch.input(i));
      if (input.cores == 0 || input.cores > slots_) {
        batch.fail(i, "needs " + std::to_string(input.cores) + " cores; rank " +
                          std::to_string(batch.rank()) + " has " + std::to_string(slots_) +
                          " slots");
        continue;
      }
      if (draining_) {
        batch.not_started(i);
        continue;
      }
      queue_.push_back(Queued{&batch, i, std::move(input)});
    } catch (const std::exception& e) {
      batch.fail(i, e.what());
    }
  }
  pump();
}

void ExecLane::pump() {
  while (!abandoning_ && !queue_.empty() && queue_.front().input.cores <= free_) {
    Queued task = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(task));
  }
}

std::vector<std::uint32_t> ExecLane::take_slots(std::uint32_t cores) {
  // The lowest run of `cores` free slots; with none that long, the lowest free
  // ones (they need not be contiguous: only their cpus differ).
  std::uint32_t first = slots_;
  for (std::uint32_t s = 0, run = 0; s < slots_; ++s) {
    run = busy_[s] ? 0 : run + 1;
    if (run == cores) {
      first = s + 1 - cores;
      break;
    }
  }
  if (first == slots_) first = 0;
  std::vector<std::uint32_t> taken;
  taken.reserve(cores);
  for (std::uint32_t s = first; s < slots_ && taken.size() < cores; ++s) {
    if (!busy_[s]) {
      busy_[s] = true;
      taken.push_back(s);
    }
  }
  free_ -= cores;
  return taken;
}

void ExecLane::start(Queued&& task) {
  IoBatch& batch = *task.batch;
  ExecInput& in = task.input;
  std::vector<std::uint32_t> slots = take_slots(in.cores);
  const std::uint32_t first_slot = slots.front();
  ProcessSpec spec;
  spec.identity = TaskIdentity{.task_id = batch.task_id(task.index),
                               .attempt = batch.attempt(task.index),
                               .slot = first_slot + 1,
                               .cookie = 0};
  if (in.argv.empty()) {
    // {%}: the 1-based slot, written from the last offset back so the earlier ones hold.
    const std::string slot = std::to_string(first_slot + 1);
    for (auto at = in.slot_at.rbegin(); at != in.slot_at.rend(); ++at) in.cmd.insert(*at, slot);
    spec.shell_command = std::move(in.cmd);
  } else {
    spec.argv = std::move(in.argv);
  }
  spec.cwd = std::move(in.cwd);
  spec.env = std::move(in.env);
  const double timeout = in.timeout_seconds > 0 ? in.timeout_seconds : settings_.timeout_seconds;
  if (timeout > 0) spec.timeout = seconds_ns(timeout);
  if (!cpus_.empty()) {
    for (const std::uint32_t s : slots) spec.cpus.push_back(cpus_[s]);
  }
  if (!settings_.task_output.empty()) {
    spec.output_dir = exec_task_output_dir(settings_.task_output, spec.identity.task_id);
    const std::string shard = spec.output_dir.substr(0, spec.output_dir.rfind('/'));
    if (shard != last_shard_) {
      ::mkdir(shard.c_str(), 0777);  // EEXIST is fine; other errors surface as the task's
      last_shard_ = shard;
    }
  }
  spec.capture = settings_.capture;
  Running running{&batch, task.index, std::move(slots)};
  runner_.start(spec, [this, running = std::move(running)](const ProcessResult& result) {
    finished(running, result);
  });
}

void ExecLane::finished(const Running& task, const ProcessResult& result) {
  for (const std::uint32_t s : task.slots) busy_[s] = false;
  free_ += static_cast<std::uint32_t>(task.slots.size());
  ExecOutput out;
  out.exit_code = result.started && result.signal == 0 ? result.exit_code : -1;
  out.signal = result.signal;
  out.wall_seconds = result.wall_seconds;
  out.user_seconds = result.user_seconds;
  out.system_seconds = result.system_seconds;
  out.max_rss_kib = result.max_rss_kib;
  out.captured = result.captured;
  std::string bytes;
  encode_exec_output(out, bytes);
  if (result.ok()) {
    task.batch->finish(task.index, bytes, result.started_at, result.ended_at);
  } else {
    task.batch->fail_with_output(task.index, result.message(), bytes, result.started_at,
                                 result.ended_at);
  }
  if (abandoning_ && runner_.running() == 0 && on_idle_) {
    std::function<void()> done = std::move(on_idle_);
    on_idle_ = nullptr;
    done();
    return;
  }
  pump();
}

void ExecLane::drain() {
  draining_ = true;
  while (!queue_.empty()) {
    Queued task = std::move(queue_.front());
    queue_.pop_front();
    task.batch->not_started(task.index);
  }
}

void ExecLane::abandon(std::function<void()> done) {
  abandoning_ = true;
  // Queued tasks never started: they end here, unrecorded (the rank has left the run).
  while (!queue_.empty()) {
    Queued task = std::move(queue_.front());
    queue_.pop_front();
    task.batch->fail(task.index, "not started: drover stopped");
  }
  if (runner_.running() == 0) {
    done();
    return;
  }
  on_idle_ = std::move(done);
  runner_.stop_all(seconds_ns(settings_.kill_grace_seconds));
}

void ExecLane::write_lines(const OutputLines& lines) {
  const bool to_stderr = lines.stream == Stream::err || settings_.stdout_to_stderr;
  if (!settings_.tag) {
    write_(to_stderr, lines.text);
    return;
  }
  tagged_.clear();
  tag_lines(tagged_, std::to_string(lines.task.task_id), lines.text);
  write_(to_stderr, tagged_);
}

}  // namespace drover
