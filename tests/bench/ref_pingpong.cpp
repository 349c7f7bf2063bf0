// Latency reference for the bench harness: raw MPI ping-pong of 8 bytes between ranks 0 and 1.
//
//   mpirun -np 2 drover_ref_pingpong [ITERATIONS [REPETITIONS [WARMUP]]]
//
// Defaults: 100000 iterations, 5 repetitions, 10000 warm-up round trips. Each repetition
// times ITERATIONS round trips (MPI_Send then MPI_Recv on rank 0, mirrored on rank 1);
// the half round trip is the median over repetitions. Rank 0 prints one line of JSON on
// stdout, nothing else; ranks beyond 1 only wait. Usage errors: stderr and exit code 2.
// Plain C MPI only: keep Open MPI's deprecated C++ bindings (and their warnings) out.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace drover {
namespace {

constexpr int kTag = 7;

// A positive count from argv, or the fallback when absent; -1 when malformed.
long long parse_arg(int argc, char** argv, int index, long long fallback) {
  if (index >= argc) return fallback;
  const std::string_view text = argv[index];
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) return -1;
  return value;
}

// ITERATIONS round trips; rank 1 echoes each value. Returns false on a wrong echo
// (after finishing the loop, so that rank 1 is never left waiting).
bool ping_pong(int rank, long long iterations) {
  std::uint64_t value = 0;
  bool ok = true;
  for (long long i = 0; i < iterations; ++i) {
    if (rank == 0) {
      value = static_cast<std::uint64_t>(i);
      MPI_Send(&value, 1, MPI_UINT64_T, 1, kTag, MPI_COMM_WORLD);
      MPI_Recv(&value, 1, MPI_UINT64_T, 1, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      ok = ok && value == static_cast<std::uint64_t>(i);
    } else {
      MPI_Recv(&value, 1, MPI_UINT64_T, 0, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(&value, 1, MPI_UINT64_T, 0, kTag, MPI_COMM_WORLD);
    }
  }
  return ok;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

int run(int argc, char** argv) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const long long iterations = parse_arg(argc, argv, 1, 100000);
  const long long repetitions = parse_arg(argc, argv, 2, 5);
  const long long warmup = parse_arg(argc, argv, 3, 10000);
  // Every rank sees the same argv and size, so every rank takes the same exit.
  if (iterations < 0 || repetitions < 0 || warmup < 0 || argc > 4) {
    if (rank == 0) {
      std::fprintf(stderr,
                   "drover_ref_pingpong: arguments are positive integers\n"
                   "usage: mpirun -np 2 drover_ref_pingpong [ITERATIONS [REPETITIONS [WARMUP]]]\n");
    }
    return 2;
  }
  if (size < 2) {
    if (rank == 0) std::fprintf(stderr, "drover_ref_pingpong: needs 2 ranks (mpirun -np 2)\n");
    return 2;
  }

  bool ok = true;
  std::vector<double> half_round_trip_us;
  if (rank <= 1) {
    ok = ping_pong(rank, warmup);
    for (long long r = 0; r < repetitions; ++r) {
      // Both ranks start each repetition together.
      MPI_Sendrecv(nullptr, 0, MPI_BYTE, 1 - rank, kTag + 1, nullptr, 0, MPI_BYTE, 1 - rank,
                   kTag + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      const double start = MPI_Wtime();
      ok = ping_pong(rank, iterations) && ok;
      const double elapsed = MPI_Wtime() - start;
      half_round_trip_us.push_back(elapsed / static_cast<double>(iterations) / 2 * 1e6);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);

  if (rank == 0) {
    const double half = median(half_round_trip_us);
    const auto [low, high] =
        std::minmax_element(half_round_trip_us.begin(), half_round_trip_us.end());
    std::printf(
        "{\"ref\":\"pingpong\",\"ranks\":%d,\"bytes\":8,\"iterations\":%lld,\"repetitions\":%lld,"
        "\"warmup\":%lld,\"half_round_trip_us\":%.4f,\"half_round_trip_us_min\":%.4f,"
        "\"half_round_trip_us_max\":%.4f,\"messages_per_s\":%.6g,\"mpi_wtick_s\":%.3g,"
        "\"ok\":%s}\n",
        size, iterations, repetitions, warmup, half, *low, *high, half > 0 ? 1e6 / half : 0.0,
        MPI_Wtick(), ok ? "true" : "false");
    std::fflush(stdout);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace drover

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int code = drover::run(argc, argv);
  MPI_Finalize();
  return code;
}
