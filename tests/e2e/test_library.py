"""The library's jobs that must end with one message, never a hang: kind mismatch, exceptions out of main."""
import json
import os
import signal
import subprocess
import unittest

from test_drover import MPIRUN, TempDirTest, mpi_env

MISUSE = os.environ.get("DROVER_MISUSE_BIN", "build/tests/drover_library_misuse")
OWN_CLI = os.environ.get("DROVER_OWN_CLI_BIN", "build/examples/example_own_cli")


def run(mode, ranks, timeout=60, extra_env=None):
    env = mpi_env()
    env["DROVER_MISUSE"] = mode
    env.update(extra_env or {})
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


class LibraryOutputsAndStops(TempDirTest):
    """Options' trace, progress and summaries, and the clean stop, from a program of its own."""

    def test_trace_progress_and_summaries_cover_every_task(self):
        for ranks in (1, 2, 3):
            with self.subTest(ranks=ranks):
                trace, summary = self.path(f"t{ranks}.json"), self.path(f"s{ranks}.json")
                r = run("outputs", ranks, extra_env={"DROVER_TEST_TRACE": trace,
                                                     "DROVER_TEST_SUMMARY": summary})
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(summary) as f:
                    s = json.load(f)
                self.assertEqual((s["tasks"], s["failed"]), (1001, 0), s)
                self.assertEqual(s["per_kind"]["plus_one"]["tasks"], 1000, s)
                self.assertEqual(len(s["ranks"]), ranks, s)
                self.assertEqual(s["per_kind"]["nap"]["tasks"], 1, s)
                self.assertEqual(sum(rank["tasks"] for rank in s["ranks"]), 1001, s)
                with open(trace) as f:
                    events = json.load(f)
                events = events["traceEvents"] if isinstance(events, dict) else events
                bars = [e for e in events if e.get("ph") == "X"]
                self.assertGreater(len(bars), 0)
                self.assertEqual(sum(e["args"]["n"] for e in bars), 1001, bars[:3])
                self.assertIn("drover: 1001 tasks, 0 failed", r.stderr)  # the text summary
                progress = [l for l in r.stderr.splitlines() if l.startswith("drover: 1000 tasks")]
                self.assertTrue(progress, r.stderr)  # while the nap runs, 1000 are done

    def journal_run(self, ranks, count, resume, start=0):
        return run("journal", ranks, extra_env={
            "DROVER_TEST_JOURNAL": self.path("lib.drj"), "DROVER_TEST_COUNT": str(count),
            "DROVER_TEST_RESUME": "1" if resume else "0", "DROVER_TEST_FROM": str(start)})

    def test_a_journal_resumes_a_longer_run_from_the_tasks_it_holds(self):
        for ranks in (1, 3):
            with self.subTest(ranks=ranks):
                if os.path.exists(self.path("lib.drj")):
                    os.remove(self.path("lib.drj"))
                first = self.journal_run(ranks, 1000, resume=False)
                self.assertEqual(first.returncode, 0, first.stderr)
                self.assertEqual(first.stdout, f"sum {sum(range(1, 1001))}\n")
                again = self.journal_run(ranks, 1000, resume=False)
                self.assertEqual(again.returncode, 2, again.stderr)
                self.assertIn("lib.drj: journal exists", again.stderr)
                more = self.journal_run(ranks, 3000, resume=True)
                self.assertEqual(more.returncode, 0, more.stderr)
                self.assertEqual(more.stdout, f"sum {sum(range(1, 3001))}\n")
                self.assertIn("resumed: 1000 tasks from the journal", more.stderr)
                self.assertIn("drover: 3000 tasks, 0 failed", more.stderr)
                # Everything is in the journal now: nothing runs, the answer is the same.
                all_done = self.journal_run(ranks, 3000, resume=True)
                self.assertEqual(all_done.stdout, more.stdout)
                self.assertIn("resumed: 3000 tasks from the journal", all_done.stderr)

    def test_a_program_submitting_other_work_is_refused_naming_the_task(self):
        first = self.journal_run(2, 100, resume=False)
        self.assertEqual(first.returncode, 0, first.stderr)
        other = self.journal_run(2, 100, resume=True, start=5)
        self.assertEqual(other.returncode, 2, other.stderr)
        lines = [l for l in other.stderr.splitlines() if l.startswith("drover: error")]
        self.assertEqual(len(lines), 1, other.stderr)
        self.assertIn("lib.drj: task 0 (kind plus_one) is not the task the journal holds", lines[0])

    def stopped(self, mode, ranks, sig=None):
        env = mpi_env()
        env["DROVER_MISUSE"] = mode
        p = subprocess.Popen(["timeout", "-k", "10", "60", MPIRUN, "--quiet", "-np", str(ranks),
                              MISUSE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(p.stdout.readline(), "running\n")
        if sig is not None:
            # To mpirun, which forwards SIGUSR1 to every rank; not to the `timeout` wrapper.
            child = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
            pids = [int(x) for x in child.stdout.split()]
            self.assertEqual(len(pids), 1, "timeout should have one child")
            os.kill(pids[0], sig)
        out, err = p.communicate(timeout=60)
        return p.returncode, err

    def test_a_signal_stops_the_calls_with_stopped_error_and_exit_4(self):
        for ranks in (1, 2):
            with self.subTest(ranks=ranks):
                code, err = self.stopped("stop", ranks, signal.SIGUSR1)
                self.assertNotEqual(code, 124, "the 30 s tasks were waited for")
                self.assertEqual(code, 4, err)
                self.assertIn("drover: stopped: SIGUSR1 on rank", err)
                self.assertIn("stopped", err.split("drover: stopped:")[0], "the summary says so first")

    def test_the_time_limit_stops_the_calls_with_exit_4(self):
        code, err = self.stopped("time-limit", 2)
        self.assertNotEqual(code, 124, "the 30 s tasks were waited for")
        self.assertEqual(code, 4, err)
        self.assertIn("drover: stopped: the time limit is 2 s away", err)


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
