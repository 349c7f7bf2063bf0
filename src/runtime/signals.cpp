// SIGTERM, SIGINT and SIGUSR1 ask for a clean stop; a second SIGINT ends the process at once.
#include "runtime/signals.hpp"

#include <atomic>
#include <csignal>

namespace drover {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the handler must be async-signal-safe");

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, signal) && signal == SIGINT) {
    // Ctrl-C twice: the user at the terminal means it. Default action, now.
    // Only SIGINT: at a time limit Slurm sends each task SIGTERM twice within
    // milliseconds, and that must stay one clean stop.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls resume; the loop polls the flag
  for (const int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
}

int stop_signal() {
  return g_signal.load(std::memory_order_relaxed);
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

}  // namespace drover
