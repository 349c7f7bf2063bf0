"""End-to-end tests of the real drover binary: outputs, summaries, exit codes (bad input: test_bad_input.py)."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

DROVER = os.environ.get("DROVER_BIN", "build/drover")
MPIRUN = os.environ.get("DROVER_MPIRUN", "mpirun")
# The CLI with the test-only kinds flaky and flaky_spin, which fail every task on the ranks
# DROVER_TEST_FAIL_RANKS lists (tests/support/faulty_kinds.hpp): how tests inject failures.
FAULTY = os.environ.get("DROVER_FAULTY_BIN", "build/tests/drover_faulty")


def mpi_env():
    env = dict(os.environ)
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    env["OMPI_MCA_mpi_yield_when_idle"] = "1"
    return env


def drover(*args, ranks=None, timeout=120, env=None, cwd=None, stdin_text=None, bin=DROVER):
    """Runs drover, or `bin` (drover_faulty), under mpirun when ranks is given, always under a
    timeout; in `cwd` when given, with `stdin_text` as its stdin (else none)."""
    cmd = [os.path.abspath(bin) if cwd else bin, *map(str, args)]
    if ranks is not None:
        cmd = [MPIRUN, "--quiet", "-np", str(ranks), *cmd]
    full_env = mpi_env()
    full_env.update(env or {})
    stdin = {"input": stdin_text} if stdin_text is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run(["timeout", "-k", "10", str(timeout), *cmd], capture_output=True,
                          text=True, env=full_env, cwd=cwd, **stdin)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="drover-e2e-")
        self.dir = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, content, mode="w"):
        with open(self.path(name), mode) as f:
            f.write(content)
        return self.path(name)


class Outputs(TempDirTest):
    def test_singleton_square_summary(self):
        r = drover("run", "square", "--count", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("10 tasks, 0 failed", r.stdout)
        self.assertIn("285", r.stdout, "value sum of 0^2..9^2 in the summary")

    def test_ordered_jsonl_at_several_rank_counts(self):
        for ranks in (1, 2, 3, 5):
            out = self.path(f"sq{ranks}.jsonl")
            r = drover("run", "square", "--count", "5000", "--from", "-100", "--output", out,
                       ranks=ranks)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rows = [json.loads(line) for line in f]
            self.assertEqual([row["id"] for row in rows], list(range(5000)))
            for row in rows:
                n = row["id"] - 100
                self.assertEqual((row["kind"], row["input"], row["value"], row["ok"]),
                                 ("square", n, n * n, True))
                self.assertLess(row["rank"], ranks)
                self.assertLessEqual(row["start_us"], row["end_us"])
                for key in ("host", "pid", "thread", "error", "metric"):
                    self.assertIn(key, row)
            self.assertIn("5000 tasks, 0 failed", r.stdout)

    def test_csv_output_and_unordered(self):
        out = self.path("sq.csv")
        r = drover("run", "square", "--count", "3000", "--output", out, "--format", "csv",
                   "--unordered", "--batch", "7", ranks=3)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(sorted(int(row["id"]) for row in rows), list(range(3000)))
        for row in rows:
            self.assertEqual(int(row["value"]), int(row["input"]) ** 2)

    def test_crunch_reports_counts_and_rate(self):
        out = self.path("crunch.jsonl")
        r = drover("run", "crunch", "--tasks", "4", "--count", "100000", "--output", out, ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [json.loads(line) for line in open(out)]
        self.assertEqual(len(rows), 4)
        for row in rows:
            self.assertEqual(row["value"], 100000)
            self.assertGreater(row["metric"], 0, "ns per increment")

    def test_utilisation_is_cpu_time_so_oversubscribed_ranks_cannot_exceed_the_cores(self):
        """Issue 11: from task wall time, 4 ranks sharing 2 cores each showed ~97 %."""
        summary = self.path("summary.json")
        r = drover("run", "crunch", "--tasks", "16", "--count", "200000000", "--threads", "1",
                   "--summary-json", summary, ranks=4)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(CPU time / (threads x wall))", r.stdout)
        with open(summary) as f:
            s = json.load(f)
        ranks = s["ranks"]
        self.assertEqual(len(ranks), 4)
        for rank in ranks:
            self.assertGreater(rank["cpu_s"], 0, rank)
        # CPU time cannot exceed cores x wall (10 % for the ranks' start before rank 0's clock).
        used = sum(rank["utilisation"] for rank in ranks)  # one thread each
        self.assertLessEqual(used, (os.cpu_count() or 1) * 1.1, ranks)

    def test_downloads_print_start_and_finish(self):
        r = drover("run", "download", "--tasks", "6", "--min", "0.01", "--max", "0.02",
                   "--seed", "7", ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("downloading file-"), 6)
        self.assertEqual(r.stdout.count("finished file-"), 6)
        quiet = drover("run", "download", "--tasks", "6", "--min", "0.01", "--max", "0.02", "-q")
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        self.assertNotIn("downloading", quiet.stdout)
        self.assertIn("6 tasks, 0 failed", quiet.stdout)

    def test_download_lines_of_every_rank_stay_whole_under_mpirun(self):
        """Issue 11: mpirun forwards each rank's stdout in chunks cut wherever a read ends,
        which split 484 of 60,000 lines at 3 ranks; workers now send their lines to rank 0."""
        r = drover("run", "download", "--tasks", "30000", "--min", "0.05", "--max", "0.1",
                   "-o", "/dev/null", ranks=3)
        self.assertEqual(r.returncode, 0, r.stderr)
        line = re.compile(r"\[rank \d+ pid \d+ thread \d+ \(io lane\)\] (downloading file-\d+"
                          r"\.bin \(\d+\.\d\d s\)|finished file-\d+\.bin in \d+\.\d\d s)")
        announcements = [x for x in r.stdout.splitlines() if not x.startswith(("drover:", "  "))]
        self.assertEqual(len(announcements), 60000)
        self.assertEqual([x for x in announcements if not line.fullmatch(x)], [])
        self.assertEqual({int(x.split()[1]) for x in announcements}, {0, 1, 2})

    def test_task_file_with_a_failing_task_exits_1(self):
        tasks = self.write("t.jsonl", "\n".join([
            '{"kind":"square","n":12}',
            '',
            '{"kind":"crunch","count":1000}',
            '{"kind":"square","n":3037000500}',
            '{"kind":"download","name":"av.avi","seconds":0.01}',
        ]) + "\n")
        out = self.path("r.jsonl")
        r = drover("run", "--tasks-file", tasks, "--output", out, "-q", ranks=3)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("4 tasks, 1 failed", r.stdout)
        self.assertIn("overflows", r.stdout, "the summary names the failure")
        rows = [json.loads(line) for line in open(out)]
        self.assertEqual([row["ok"] for row in rows], [True, True, False, True])
        self.assertEqual(rows[0]["value"], 144)
        self.assertEqual(rows[2]["error"], "square of 3037000500 overflows int64")
        self.assertEqual(rows[3]["input"], "av.avi")

    def test_dash_is_stdout_for_every_output(self):
        """Issue 11: --summary-json - and --trace - created a file named "-". Then
        stdout held the text summary too: now it holds what was asked for alone."""
        r = drover("run", "square", "--count", "100", "--summary-json", "-", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        summary = json.loads(r.stdout)
        self.assertEqual((summary["tasks"], summary["failed"]), (100, 0))
        self.assertIn("100 tasks, 0 failed", r.stderr)
        r = drover("run", "square", "--count", "100", "--trace", "-", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = json.loads(r.stdout)
        self.assertTrue(any(e.get("ph") == "X" for e in events), r.stdout[:200])
        self.assertIn("100 tasks, 0 failed", r.stderr)
        self.assertEqual(os.listdir(self.dir), [], "no file named -")

    def test_rows_on_stdout_leave_stdout_to_the_rows(self):
        """Issue 11: with --output -, the summary shared stdout with the rows, and under
        mpirun the ranks' download lines were spliced into them."""
        r = drover("run", "square", "--count", "3", "--output", "-", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        self.assertEqual([int(row["value"]) for row in rows], [0, 1, 4])
        self.assertIn("3 tasks, 0 failed", r.stderr)
        tasks = "".join('{"kind":"download","name":"f%d","seconds":0.001}\n' % i
                        for i in range(3000))
        for ranks in (2, 3):
            with self.subTest(ranks=ranks):
                r = drover("run", "--tasks-file", self.write("d.jsonl", tasks), "--output", "-",
                           ranks=ranks)
                self.assertEqual(r.returncode, 0, r.stderr)
                rows = [json.loads(line) for line in r.stdout.splitlines()]
                self.assertEqual([row["id"] for row in rows], list(range(3000)))
                self.assertIn("downloading f", r.stderr, "the download lines go to stderr")
                self.assertIn("3000 tasks, 0 failed", r.stderr)

    def test_dash_is_stdin_for_the_task_file(self):
        """Issue 11: --tasks-file - failed. stdin is spooled on rank 0, then read twice."""
        tasks = "".join('{"kind":"square","n":%d}\n' % n for n in range(50)) + \
            '{"kind":"crunch","count":1000}\n'
        for ranks in (None, 2):
            with self.subTest(ranks=ranks):
                out = self.path(f"stdin{ranks}.jsonl")
                r = drover("run", "--tasks-file", "-", "--output", out, ranks=ranks,
                           stdin_text=tasks)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("51 tasks, 0 failed", r.stdout)
                rows = [json.loads(line) for line in open(out)]
                self.assertEqual([row["value"] for row in rows], [n * n for n in range(50)] + [1000])
        # Resumable like a file: the journal's fingerprint is the content's.
        journal = self.path("j.drj")
        first = drover("run", "--tasks-file", "-", "--journal", journal, stdin_text=tasks)
        self.assertEqual(first.returncode, 0, first.stderr)
        again = drover("run", "--tasks-file", "-", "--journal", journal, "--resume",
                       stdin_text=tasks)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("resumed: 51 tasks from the journal", again.stdout)

    def test_info_lists_every_rank(self):
        r = drover("info", ranks=3)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("world size 3", r.stdout)
        self.assertIn("thread level", r.stdout)
        rows = [line for line in r.stdout.splitlines() if line.strip()[:1].isdigit()]
        self.assertEqual(len(rows), 3, r.stdout)

    def test_pool_larger_than_the_binding_is_named_once(self):
        """mpirun --bind-to core gives each rank one core: two pool threads would
        take turns on it. One warning line from rank 0, and the run still succeeds."""
        def launch(*mpirun_args, threads=()):
            cmd = [MPIRUN, "--quiet", *mpirun_args, "-np", "2", DROVER, "run", "crunch",
                   "--tasks", "4", "--count", "1000", *threads]
            return subprocess.run(["timeout", "-k", "10", "60", *cmd], capture_output=True,
                                  text=True, env=mpi_env(), stdin=subprocess.DEVNULL)
        r = launch("--bind-to", "core", threads=("--threads", "2"))
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = [line for line in r.stderr.splitlines() if line.startswith("drover: warning:")]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn("runs 2 pool threads on 1 bound cpu(s)", warnings[0])
        self.assertIn("--bind-to none", warnings[0])
        # Unbound, the default pool is the node's share: nothing to warn about.
        r = launch("--bind-to", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("bound cpu", r.stderr)

    def test_help_and_version(self):
        for args in (["--help"], ["run", "--help"], ["info", "--help"], ["--version"]):
            r = drover(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertTrue(r.stdout.strip())
        self.assertIn("Exit codes", drover("run", "--help").stdout)


class Scripts(unittest.TestCase):
    def test_plot_without_matplotlib_says_what_to_install(self):
        """Issue 11: scripts/plot.py under a python3 without matplotlib printed a traceback.
        -I -S: no site directories, so no matplotlib even where Debian's package is there."""
        plot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                            "plot.py")
        r = subprocess.run(["timeout", "-k", "10", "60", sys.executable, "-I", "-S", plot],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("apt-get install python3-matplotlib", r.stderr)
        self.assertIn("/usr/bin/python3", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
