"""End-to-end clean stops: signals and time limits end a run resumably (exit 4), and --resume finishes it."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from test_drover import DROVER, MPIRUN, drover, mpi_env

COLUMNS = "id,kind,input,ok,value,error"
TASKS = 400


def wait_until(predicate, timeout=60.0):
    """Polls a condition (not a fixed sleep): the run has really started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


class CleanStop(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="drover-stop-")
        self.dir = self._dir.name
        self.journal = os.path.join(self.dir, "run.jrnl")
        self.out = os.path.join(self.dir, "out.jsonl")
        # 400 simulated downloads of 20 ms, one at a time per rank (--io-window 1): the
        # clock, not the CPU, sets how long the run lasts (4 s or more at 2 ranks), so a
        # faster machine cannot finish it before a signal lands. CPU tasks did: on a fast
        # CI machine 240 crunch tasks ended in 1.6 s, before mpirun forwarded its SIGTERM.
        # Small batches put records in the journal early, the sign the run has started.
        self.work = ["run", "download", "--tasks", str(TASKS), "--min", "0.02", "--max", "0.02",
                     "--io-window", "1", "--threads", "1", "--batch", "4", "-q",
                     "--journal", self.journal, "--resume", "--output", self.out,
                     "--columns", COLUMNS, "--grace", "5s"]

    def tearDown(self):
        self._dir.cleanup()

    def start(self, ranks=None, extra=()):
        cmd = [DROVER, *self.work, *extra]
        if ranks:
            cmd = [MPIRUN, "--quiet", "-np", str(ranks), *cmd]
        return subprocess.Popen(["timeout", "-k", "10", "300", *cmd], env=mpi_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)

    def journal_has_records(self):
        return os.path.exists(self.journal) and os.path.getsize(self.journal) > 200

    def finish_and_check(self, ranks=None):
        """Resumes to the end and compares with an uninterrupted run."""
        r = drover(*self.work, ranks=ranks, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resumed:", r.stdout)
        with open(self.out) as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual([row["id"] for row in rows], list(range(TASKS)))
        # A download's value is its simulated duration in milliseconds.
        self.assertTrue(all(row["ok"] and row["value"] == 20 for row in rows))
        show = drover("journal", "show", self.journal)
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn(f"ids 0..{TASKS - 1} complete", show.stdout)

    def stop_with(self, sig, ranks=None):
        p = self.start(ranks)
        self.assertTrue(wait_until(self.journal_has_records), "the run never started")
        # To drover (or mpirun) itself, not to the `timeout` wrapper around it.
        child = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
        pids = [int(x) for x in child.stdout.split()]
        self.assertEqual(len(pids), 1, "timeout should have one child")
        os.kill(pids[0], sig)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 4, f"{out}\n{err}")
        self.assertIn("stopped early:", out)
        self.assertIn("resumable with --resume", out)
        self.journal_holds_what_the_summary_counts(out)
        return out

    def journal_holds_what_the_summary_counts(self, out):
        """No result lost: every task the stopped run counts is in the journal, which
        ends on a whole record."""
        done = int(out.split("drover: ", 1)[1].split(" tasks", 1)[0])
        self.assertGreater(done, 0)
        self.assertLess(done, TASKS, "the run ended before the stop")
        show = drover("journal", "show", self.journal)
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn(f", tasks: {done}, failed: 0", show.stdout)
        self.assertIn("ends cleanly (no torn record)", show.stdout)

    def test_sigterm_on_a_single_rank(self):
        out = self.stop_with(signal.SIGTERM)
        self.assertIn("SIGTERM on rank 0", out)
        self.finish_and_check()

    def test_sigint_on_a_single_rank(self):
        self.assertIn("SIGINT on rank 0", self.stop_with(signal.SIGINT))
        self.finish_and_check()

    def test_sigusr1_through_mpirun_reaches_every_rank(self):
        # mpirun forwards SIGUSR1 to the ranks; every rank stops in agreement.
        self.stop_with(signal.SIGUSR1, ranks=3)
        self.finish_and_check(ranks=3)

    def test_ctrl_c_to_mpirun_still_ends_with_the_summary_and_a_whole_journal(self):
        """Issue 11: SIGINT or SIGTERM to mpirun reaches the ranks as SIGTERM a second
        later, and mpirun SIGKILLs them a second after that: with the 5 s grace the
        ranks died without a summary. Under mpirun that grace shrinks to 0.3 s."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(sig=sig.name):
                if os.path.exists(self.journal):
                    os.remove(self.journal)
                p = self.start(ranks=2)
                self.assertTrue(wait_until(self.journal_has_records), "the run never started")
                child = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
                os.kill(int(child.stdout.split()[0]), sig)
                out, err = p.communicate(timeout=120)
                # mpirun's own exit code after its signal is 1, whatever the ranks return.
                self.assertNotIn(p.returncode, (0, 124, 137), f"{out}\n{err}")
                self.assertIn("stopped early: SIGTERM on rank", out)
                self.assertIn("resumable with --resume", out)
                self.journal_holds_what_the_summary_counts(out)
                self.finish_and_check(ranks=2)

    def test_time_limit_stops_dispatch_before_the_end(self):
        r = drover(*self.work, "--time-limit", "3s", "--stop-before", "2s", ranks=2, timeout=120)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("the time limit is 2 s away (limit 3 s after the start)", r.stdout)
        self.journal_holds_what_the_summary_counts(r.stdout)
        self.finish_and_check(ranks=2)

    def test_time_limit_below_stop_before_scales_the_margin_down(self):
        """Issue 11: --time-limit 5s under the default --stop-before 60s stopped at once
        (2 tasks) and said the limit was 60 s away. The margin becomes a tenth of the
        limit, with one warning, and the run works until then."""
        # More tasks than any machine runs in 5 s: the limit, not the work, ends the run.
        r = drover("run", "crunch", "--tasks", "100000", "--count", "200000000", "--threads", "1",
                   "--time-limit", "5s", timeout=120)
        self.assertEqual(r.returncode, 4, r.stderr)
        warnings = [line for line in r.stderr.splitlines() if "warning" in line]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn("--stop-before 60 s", warnings[0])
        self.assertIn("0.5 s before", warnings[0])
        self.assertIn("the time limit is 0.5 s away (limit 5 s after the start)", r.stdout)
        done = int(r.stdout.split("drover: ", 1)[1].split(" tasks", 1)[0])
        self.assertGreater(done, 2, "dispatch went on past the first tasks")

    def test_stop_without_a_journal_suggests_one(self):
        """Issue 11: "resumable with --resume" was printed with no --journal to resume from."""
        r = drover("run", "crunch", "--tasks", "100000", "--count", "200000000", "--threads", "1",
                   "--time-limit", "2s", "--stop-before", "1s", timeout=120)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("tasks not run (no --journal to resume from: add --journal FILE next time)",
                      r.stdout)
        self.assertNotIn("resumable", r.stdout)

    def test_bad_durations_are_usage_errors(self):
        for flag, value in (("--time-limit", "soon"), ("--grace", "-1"), ("--stop-before", "1h30")):
            r = drover("run", "square", flag, value)
            self.assertEqual(r.returncode, 2)
            self.assertIn(f"{flag} \"{value}\" is not a duration", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
