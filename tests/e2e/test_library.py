"""The library's jobs that must end with one message, never a hang: kind mismatch, exceptions out of main."""
import json
import os
import subprocess
import unittest

from test_drover import MPIRUN, TempDirTest, mpi_env

MISUSE = os.environ.get("DROVER_MISUSE_BIN", "build/tests/drover_library_misuse")
OWN_CLI = os.environ.get("DROVER_OWN_CLI_BIN", "build/examples/example_own_cli")


def run(mode, ranks, timeout=60):
    env = mpi_env()
    env["DROVER_MISUSE"] = mode
    return subprocess.run(["timeout", "-k", "10", str(timeout), MPIRUN, "--quiet", "-np", str(ranks),
                        MISUSE], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL)


class LibraryMisuse(unittest.TestCase):
    def test_a_clean_job_exits_0(self):
        r = run("", 2)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_rank_with_other_kinds_stops_the_start_up_naming_the_kind(self):
        for ranks in (2, 3):
            with self.subTest(ranks=ranks):
                r = run("mismatch", ranks)
                self.assertEqual(r.returncode, 2, r.stderr)
                lines = [l for l in r.stderr.splitlines() if l.startswith("drover:")]
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn("rank 1", lines[0])
                self.assertIn('kind "extra" is missing on rank 0', lines[0])

    def test_an_exception_out_of_the_leaders_main_ends_the_job(self):
        # A 60 s task is running: ending must not wait for it (the 60 s timeout would show).
        r = run("leader-throws", 3, timeout=50)
        self.assertNotEqual(r.returncode, 124, "the job hung")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("rank 0", r.stderr)
        self.assertIn("leader gave up", r.stderr)

    def test_an_exception_out_of_a_workers_main_ends_the_job(self):
        r = run("worker-throws", 2, timeout=50)
        self.assertNotEqual(r.returncode, 124, "the job hung")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("rank 1: uncaught exception: worker set-up failed", r.stderr)


def own_cli(*args, ranks=1):
    return subprocess.run(["timeout", "-k", "10", "120", MPIRUN, "--quiet", "-np", str(ranks),
                           OWN_CLI, *args], capture_output=True, text=True, env=mpi_env(),
                          stdin=subprocess.DEVNULL)


class OwnCommandLine(TempDirTest):
    """A program's own kinds through drover::cli_main: task files, generators, journals."""

    def tasks(self, lines):
        path = self.path("tasks.jsonl")
        with open(path, "w") as f:
            f.write("".join(json.dumps(line) + "\n" for line in lines))
        return path

    def test_user_kinds_from_a_task_file_beside_the_built_ins(self):
        tasks = [{"kind": "volume", "input": [i, 2, 0.5]} for i in range(40)]
        tasks += [{"kind": "cube", "input": i} for i in range(40)]
        tasks += [{"kind": "volume", "input": [1, -1, 1]}, {"kind": "square", "n": 9}]
        path = self.tasks(tasks)
        for ranks in (1, 3):
            with self.subTest(ranks=ranks):
                out = self.path(f"rows{ranks}.jsonl")
                r = own_cli("run", "--tasks-file", path, "--output", out, ranks=ranks)
                self.assertEqual(r.returncode, 1, r.stderr)  # one task fails
                with open(out) as f:
                    rows = [json.loads(line) for line in f]
                self.assertEqual([row["id"] for row in rows], list(range(82)))
                for i in range(40):
                    self.assertEqual(rows[i]["value"], i * 2 * 0.5)
                    self.assertEqual(rows[i]["input"], [i, 2, 0.5])
                    self.assertEqual(rows[40 + i]["value"], i ** 3)
                self.assertFalse(rows[80]["ok"])
                self.assertEqual(rows[80]["error"], "negative side")
                self.assertEqual(rows[81]["value"], 81)

    def test_an_integer_kind_is_a_generator_and_resumes_from_its_journal(self):
        out = self.path("cubes.csv")
        journal = self.path("cubes.drj")
        r = own_cli("run", "cube", "--count", "1000", "--from", "-10", "--output", out,
                    "--format", "csv", "--columns", "id,value", "--journal", journal, ranks=2)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            values = [int(line.split(",")[1]) for line in f.readlines()[1:]]
        self.assertEqual(values, [(n - 10) ** 3 for n in range(1000)])
        again = own_cli("run", "cube", "--count", "1000", "--from", "-10", "--journal", journal,
                        "--resume", ranks=2)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("1000 tasks from the journal", again.stdout)

    def test_a_bad_input_names_file_line_and_field(self):
        path = self.tasks([{"kind": "volume", "input": [1, "x", 3]}])
        r = own_cli("run", "--tasks-file", path)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), f"drover: error: {path}:1: input[1]: expected a number")


if __name__ == "__main__":
    unittest.main(verbosity=2)
