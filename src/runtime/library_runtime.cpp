// drover::Runtime: MPI at a thread level for a comm thread, the start-up, and the leader's service.
#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <thread>
#include <typeinfo>

#include "inputs/leader_inputs.hpp"
#include "journal/fingerprint.hpp"
#include "launch/durations.hpp"
#include "model/errors.hpp"
#include "runtime/library.hpp"
#include "runtime/malloc_tuning.hpp"
#include "runtime/signals.hpp"
#include "runtime/startup.hpp"

namespace drover {
namespace {

bool g_runtime_alive = false;

// An exception that escapes main (or anything else that ends in terminate)
// must not leave the other ranks waiting for this one: say what it was, then
// end the whole job.
[[noreturn]] void abort_job() {
  std::string what = "std::terminate called";
  int code = kExitAborted;
  if (const std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const stopped_error& x) {
      // A clean stop nobody caught: the CLI's exit code for it.
      what = x.what();
      code = kExitStopped;
    } catch (const std::exception& x) {
      what = std::string("uncaught exception: ") + x.what();
    } catch (...) {
      what = "uncaught exception of an unknown type";
    }
  }
  int rank = -1;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized != 0) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (code == kExitStopped) {
    std::fprintf(stderr, "%s\n", what.c_str());
  } else {
    std::fprintf(stderr, "drover: rank %d: %s; ending the job\n", rank, what.c_str());
  }
  std::fflush(stderr);
  if (initialized != 0) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

// A clean stop whose grace ran out left tasks running in this rank's pool:
// their threads cannot be joined, so no destructor may run after this.
[[noreturn]] void end_abandoned() {
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Finalize();
  std::_Exit(kExitStopped);
}

}  // namespace

struct Runtime::Impl {
  // SERIALIZED: on rank 0 the comm thread is not the thread that called
  // MPI_Init, but only one thread ever calls MPI at a time.
  boost::mpi::environment env;
  boost::mpi::communicator world;
  MpiTransport mpi{world};
  Options options;
  RunOptions run;  // the executor's view: threads, no announcements
  StartupOutcome start;
  unsigned threads = 1;
  bool served = false;
  // Rank 0.
  std::unique_ptr<CompletionQueue<ResultBatch>> done;
  std::unique_ptr<LiveSource> source;
  std::thread comm;
  std::exception_ptr comm_failure;
  LibraryLimits limits;
  LibraryOutcome outcome;

  Impl(int& argc, char**& argv, const Options& o)
      : env(argc, argv, boost::mpi::threading::serialized, true), options(o) {}
};

Runtime::Runtime(int& argc, char**& argv, Options options) {
  if (g_runtime_alive) throw usage_error("drover: one Runtime per process");
  std::set_terminate(abort_job);
  install_stop_handlers();  // before MPI: a signal during start-up is a clean stop too
  tune_malloc();
  tune_mpi_before_init(detect_launch(current_env()));
  impl_ = std::make_unique<Impl>(argc, argv, options);
  g_runtime_alive = true;
  Impl& m = *impl_;
  const RankThreads pool = plan_threads(options.threads, m.world);
  m.threads = pool.threads;
  m.run.threads = pool.threads;
  m.run.announce = false;
  std::string own_error;
  if (m.env.thread_level() < boost::mpi::threading::serialized) {
    own_error = "MPI did not grant the serialized thread level the library needs";
  }
  const from_worker::Hello own = make_hello(m.world.rank(), pool, own_error.empty(), own_error);
  if (m.world.rank() == 0) {
    // Rank 0's inputs are checked in the start-up, so a bad journal stops every rank.
    m.start = startup_leader(m.mpi, own, [&m](const std::vector<from_worker::Hello>&) {
      RunOptions files;
      files.journal = m.options.journal;
      files.resume = m.options.resume;
      files.trace = m.options.trace;
      files.summary_json = m.options.summary_json;
      refuse_shared_files(files);
      if (!files.journal.empty()) {
        open_journal(files, "library" + registry_stamp(), m.limits.inputs);
      }
      return to_worker::Plan{};
    });
  } else {
    m.start = startup_worker(m.mpi, own);
  }
  if (!m.start.welcome.ok) {
    // All or nothing: every rank leaves, rank 0 says why, once.
    if (m.world.rank() == 0)
      std::fprintf(stderr, "drover: error: %s\n", m.start.welcome.error.c_str());
    std::fflush(stderr);
    impl_.reset();  // MPI_Finalize
    std::exit(kExitUsage);
  }
  if (m.world.rank() != 0) return;
  std::vector<std::string> warnings;
  m.limits.inputs.launch = detect_launch(current_env());
  m.limits.time_left = options.time_limit.count() > 0
                           ? std::optional<std::chrono::seconds>(options.time_limit)
                           : slurm_time_left(warnings);
  if (m.limits.time_left) {
    const StopMargin margin = stop_margin(*m.limits.time_left, options.stop_before);
    m.limits.stop_margin = margin.margin;
  }
  for (const std::string& w : m.limits.inputs.warnings) warnings.push_back(w);
  for (const std::string& w : warnings) std::fprintf(stderr, "drover: warning: %s\n", w.c_str());
  m.done = std::make_unique<CompletionQueue<ResultBatch>>();
  CompletionQueue<ResultBatch>* done = m.done.get();
  m.source = std::make_unique<LiveSource>(options.max_pending, [done] { done->notify(); });
  m.source->set_ranks(m.start.ranks);
  // Before the comm thread starts: a caller's first map sizes its window by it.
  m.source->set_in_flight(library_scheduler_config(m.start.ranks, options).max_tasks_in_flight());
  m.comm = std::thread([&m] {
    try {
      const LoopContext ctx{m.mpi, m.run, m.start.welcome.plan, m.threads};
      m.outcome = lead_library(ctx, *m.source, m.start.ranks, m.options, m.limits, *m.done);
    } catch (const InputError& e) {
      // A journal that does not match what the program submits: the user's
      // input, so exit code 2, as the CLI's bad journals. The calls are not
      // woken: their error would race this one to end the job.
      std::fprintf(stderr, "drover: error: %s\n", e.what());
      std::fflush(stderr);
      m.world.abort(kExitUsage);
    } catch (const std::exception& e) {
      // The workers wait for Stop that will not come: end the job.
      std::fprintf(stderr, "drover: error on rank 0: %s\n", e.what());
      std::fflush(stderr);
      m.source->abort(e.what());
      m.world.abort(kExitAborted);
    }
  });
}

Runtime::~Runtime() {
  Impl& m = *impl_;
  if (m.world.rank() == 0) {
    if (std::uncaught_exceptions() > 0) {
      // An exception is leaving the leader's main: tasks may be pending and
      // waiting for them could take any time. End the job now, with a word.
      std::fprintf(stderr,
                   "drover: rank 0: an exception left main while the runtime ran; "
                   "ending the job\n");
      std::fflush(stderr);
      m.world.abort(kExitAborted);
    }
    m.source->close();
    m.comm.join();
    if (m.outcome.abandoned) {
      // Rank 0's tasks that ran out of the grace are still inside pool
      // threads nobody can join: finalize MPI and leave, as the CLI does.
      end_abandoned();
    }
  } else if (!m.served) {
    // A worker that never served would leave rank 0 waiting for its results.
    serve();
  }
  impl_.reset();
  g_runtime_alive = false;
}

bool Runtime::is_leader() const noexcept {
  return impl_->world.rank() == 0;
}
int Runtime::rank() const noexcept {
  return impl_->world.rank();
}
int Runtime::size() const noexcept {
  return impl_->world.size();
}

Pool Runtime::pool() {
  if (!is_leader()) throw usage_error("drover: pool() is for rank 0; other ranks call serve()");
  return Pool(*impl_->source);
}

int Runtime::serve() {
  Impl& m = *impl_;
  if (m.world.rank() == 0) throw usage_error("drover: serve() is for worker ranks, not rank 0");
  if (m.served) return kExitOk;
  m.served = true;
  const LoopContext ctx{m.mpi, m.run, m.start.welcome.plan, m.threads};
  try {
    if (work(ctx)) end_abandoned();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "drover: error on rank %d: %s\n", m.world.rank(), e.what());
    std::fflush(stderr);
    m.world.abort(kExitAborted);
  }
  return kExitOk;
}

}  // namespace drover
