"""The library's jobs that must end with one message, never a hang: kind mismatch, exceptions out of main."""
import os
import subprocess
import time
import unittest

MISUSE = os.environ.get("DROVER_MISUSE_BIN", "build/tests/drover_library_misuse")
MPIRUN = os.environ.get("DROVER_MPIRUN", "mpirun")


def run(mode, ranks, timeout=60):
    env = dict(os.environ)
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    env["OMPI_MCA_mpi_yield_when_idle"] = "1"
    env["DROVER_MISUSE"] = mode
    started = time.monotonic()
    r = subprocess.run(["timeout", "-k", "10", str(timeout), MPIRUN, "--quiet", "-np", str(ranks),
                        MISUSE], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL)
    return r, time.monotonic() - started


class LibraryMisuse(unittest.TestCase):
    def test_a_clean_job_exits_0(self):
        r, _ = run("", 2)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_rank_with_other_kinds_stops_the_start_up_naming_the_kind(self):
        for ranks in (2, 3):
            with self.subTest(ranks=ranks):
                r, _ = run("mismatch", ranks)
                self.assertEqual(r.returncode, 2, r.stderr)
                lines = [l for l in r.stderr.splitlines() if l.startswith("drover:")]
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn("rank 1", lines[0])
                self.assertIn('kind "extra" is missing on rank 0', lines[0])

    def test_an_exception_out_of_the_leaders_main_ends_the_job(self):
        # A 60 s task is running: ending must not wait for it (the 60 s timeout would show).
        r, took = run("leader-throws", 3, timeout=50)
        self.assertNotEqual(r.returncode, 124, "the job hung")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("rank 0", r.stderr)
        self.assertIn("leader gave up", r.stderr)

    def test_an_exception_out_of_a_workers_main_ends_the_job(self):
        r, took = run("worker-throws", 2, timeout=50)
        self.assertNotEqual(r.returncode, 124, "the job hung")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("rank 1: uncaught exception: worker set-up failed", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
