// Jobs that must end cleanly with one message: ranks whose kinds differ, and exceptions escaping main.
//   misuse mismatch      rank 1 registers a kind the others do not: start-up refuses, exit 2
//   misuse leader-throws rank 0 throws out of main while a long task runs: the job ends, exit 3
//   misuse worker-throws rank 1 throws out of main before it serves: the job ends, exit 3
#include <drover/drover.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

std::int64_t nap(std::int64_t seconds) {
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  return seconds;
}
DROVER_TASK(nap);

std::int64_t extra(std::int64_t n) {
  return n;
}

namespace {

// Before MPI starts, the launcher's variables say which rank this will be.
int launched_rank() {
  const char* r = std::getenv("OMPI_COMM_WORLD_RANK");
  return r == nullptr ? 0 : std::atoi(r);
}

const bool registered_extra = [] {
  const char* mode = std::getenv("DROVER_MISUSE");
  if (mode != nullptr && std::strcmp(mode, "mismatch") == 0 && launched_rank() == 1) {
    drover::register_kind(drover::make_kind<&extra>("extra"));
  }
  return true;
}();

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = std::getenv("DROVER_MISUSE") != nullptr ? std::getenv("DROVER_MISUSE") : "";
  drover::Runtime rt(argc, argv);
  if (!rt.is_leader()) {
    if (mode == "worker-throws") throw std::runtime_error("worker set-up failed");
    return rt.serve();
  }
  if (mode == "leader-throws") {
    drover::future<std::int64_t> f = rt.pool().submit<nap>(60);
    throw std::runtime_error("leader gave up");
  }
  return static_cast<int>(rt.pool().map<nap>(std::vector<std::int64_t>{0}).size()) - 1;
}
