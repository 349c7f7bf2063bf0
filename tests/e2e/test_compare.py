"""End-to-end test of drover compare: a tiny comparison really runs, and bad options exit 2."""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

DROVER = os.environ.get("DROVER_BIN", "build/drover")
MPIRUN = os.environ.get("DROVER_MPIRUN", "mpirun")


def compare(*args, timeout=240):
    env = dict(os.environ)
    env.setdefault("OMPI_MCA_pml", "ob1")  # start-up in 0.1 s rather than 0.3 s without a fast network
    return subprocess.run(["timeout", "-k", "10", str(timeout), DROVER, "compare", *map(str, args)],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


class Compare(unittest.TestCase):
    def test_a_tiny_comparison_runs_every_configuration(self):
        with tempfile.TemporaryDirectory(prefix="drover-compare-") as d:
            table = os.path.join(d, "table.csv")
            r = compare("--ranks", 2, "--threads", 2, "--repeat", 1, "--tasks", 4, "--count",
                        1_000_000, "--min", 0.05, "--max", 0.1, "--mpirun", MPIRUN, "--csv", table)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for part in ("crunch: 4 crunch tasks of 1000000 increments (CPU-bound)",
                         "download: 4 downloads of 0.05-0.1 s", "why: the baseline",
                         "oversubscribed", "one download at a time (--io-window 1)",
                         "overlap on the async lane", "Process(target=only_sleep())"):
                self.assertIn(part, r.stdout)
            with open(table) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([(row["kind"], row["config"]) for row in rows],
                             [("crunch", "serial"), ("crunch", "threads"), ("crunch", "processes"),
                              ("crunch", "both"), ("download", "serial"),
                              ("download", "async lane"), ("download", "threads"),
                              ("download", "processes"), ("download", "both")])
            by = {(row["kind"], row["config"]): row for row in rows}
            serial = float(by["download", "serial"]["drover_s"])
            lane = float(by["download", "async lane"]["drover_s"])
            # One at a time takes the sum of 4 durations of at least 0.05 s; overlapped, the longest.
            self.assertGreaterEqual(serial, 0.2)
            self.assertLessEqual(lane, 0.1 + 0.05)
            self.assertLess(lane, serial / 1.5)
            for row in rows:
                self.assertGreater(float(row["whole_s"]), float(row["drover_s"]))
                self.assertEqual(row["efficiency"] == "", row["kind"] == "download")

    def test_help_and_bad_options(self):
        r = compare("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--io-window 1", r.stdout)
        for args in (["--kinds", "square"], ["--repeat", "0"], ["--bogus"], ["stray"]):
            r = compare(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(r.stdout, "")
            self.assertRegex(r.stderr, r"^drover: error: [^\n]+\n$")

    def test_not_under_a_launcher(self):
        env = dict(os.environ, OMPI_COMM_WORLD_RANK="0", OMPI_COMM_WORLD_SIZE="2")
        r = subprocess.run([DROVER, "compare", "--ranks", "1"], capture_output=True, text=True,
                           env=env, stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not under mpirun", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]])
