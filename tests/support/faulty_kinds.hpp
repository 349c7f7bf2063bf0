// Test-only kinds that fail on chosen ranks, so the tests can exercise retries and exclusion.
//
// flaky (i64 n -> n*n) and flaky_spin (i64 count -> count, after counting to
// it one increment at a time, as crunch does) are registered by the test
// binaries that compile faulty_kinds.cpp (drover_faulty, drover_mpi_tests),
// never by the product. On a failing rank every task of theirs throws
// "injected failure"; elsewhere they behave.
#pragma once

namespace drover::faulty {

// Whether this process fails every flaky and flaky_spin task. Read once, at
// start-up: DROVER_TEST_FAIL_RANKS lists the failing ranks ("1,3"), and the
// rank is the launcher's (OMPI_COMM_WORLD_RANK, else PMIX_RANK, else 0).
bool failing();
// For a test that runs several jobs in one process: call between jobs, on
// every rank, before the job starts (its pool threads read the flag).
void set_failing(bool fail);

}  // namespace drover::faulty
