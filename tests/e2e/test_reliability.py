"""End-to-end reliability: journals, resume after a kill, retries and rank exclusion.

Runs the real binary under mpirun. Interrupted runs are SIGKILLed as a whole
job (every process of their session) once their journal holds a record, then
resumed; outputs are compared byte for byte with an uninterrupted run's, with
--columns leaving out provenance (rank, pid, times) that differs between runs.

Cases marked KNOWN BUG are expected failures: remove the decorator with the
fix (an unexpected success fails the suite, so it cannot be forgotten).
"""
import json
import os
import random
import re
import signal
import subprocess
import time
import unittest

from test_bad_input import records
from test_drover import DROVER, FAULTY, MPIRUN, TempDirTest, drover, mpi_env

COLUMNS = "id,kind,input,ok,value,error"
OVERFLOW = 3037000500


def start(args, ranks, env=None):
    """Starts drover under mpirun in a session of its own, so the whole job can be killed."""
    full_env = mpi_env()
    full_env.update(env or {})
    cmd = [MPIRUN, "--quiet", "-np", str(ranks), *[a for k in (env or {}) for a in ("-x", k)],
           DROVER, *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=full_env, stdin=subprocess.DEVNULL, start_new_session=True)


def session_processes(sid):
    """Pids of the live processes of session `sid` (Open MPI puts each rank
    in a process group of its own, so mpirun's group does not hold them)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def kill_job(proc):
    """SIGKILLs every process of the job's session, then reaps mpirun."""
    for _ in range(200):
        pids = session_processes(proc.pid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    proc.communicate(timeout=30)


def wait_for_records(proc, journal, count=1, timeout=60):
    """Polls until the journal holds `count` whole records (or the run ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(journal, "rb") as f:
                data = f.read()
            if len(data) >= 16 and len(complete_records(data)) >= count:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    if proc.poll() is None:
        kill_job(proc)
        raise AssertionError(f"no record in {journal} after {timeout} s")


def complete_records(data):
    return [(o, n) for o, n in records(data) if o + 8 + n <= len(data)]


def run(args, ranks=None, env=None, timeout=180, bin=DROVER):
    """drover() with env passed through mpirun (-x) as well."""
    if ranks is None or not env:
        return drover(*args, ranks=ranks, env=env, timeout=timeout, bin=bin)
    full_env = mpi_env()
    full_env.update(env)
    cmd = [MPIRUN, "--quiet", "-np", str(ranks), *[a for k in env for a in ("-x", k)], bin,
           *map(str, args)]
    return subprocess.run(["timeout", "-k", "10", str(timeout), *cmd], capture_output=True,
                          text=True, env=full_env, stdin=subprocess.DEVNULL)


def faulty_run(args, **kwargs):
    """run() of drover_faulty: the CLI with the test-only kinds that fail on chosen ranks."""
    return run(args, bin=FAULTY, **kwargs)


def faulty_drover(*args, **kwargs):
    return drover(*args, bin=FAULTY, **kwargs)


def read_rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def journal_tasks(journal):
    r = drover("journal", "show", journal, timeout=60)
    assert r.returncode == 0, r.stderr
    return int(re.search(r"tasks: (\d+)", r.stdout).group(1))


class Resume(TempDirTest):
    RANKS = 3

    def test_a_task_file_changed_since_the_journal_is_named_as_the_reason(self):
        """Issue 11: after lines were appended, --resume said "journal is from another run"."""
        tasks = self.write("t.jsonl", "".join('{"kind":"square","n":%d}\n' % n for n in range(100)))
        journal = self.path("t.drj")
        first = drover("run", "--tasks-file", tasks, "--journal", journal, "-q")
        self.assertEqual(first.returncode, 0, first.stderr)
        with open(tasks, "a") as f:
            f.write('{"kind":"square","n":7}\n')
        r = drover("run", "--tasks-file", tasks, "--journal", journal, "--resume", "-q")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines(), [
            f"drover: error: {journal}: the task file changed since the journal was written "
            "(2490 bytes then, 2514 now, other content): resume with the file as it was, or start "
            "a new journal"])

    def mixed_task_file(self, name="tasks.jsonl", seed=5):
        """Squares (two overflow), crunch of 2-8 ms, downloads of 20-200 ms: about 2 s of work."""
        rng = random.Random(seed)
        lines = [{"kind": "square", "n": rng.randint(-10**9, 10**9)} for _ in range(2000)]
        lines += [{"kind": "square", "n": OVERFLOW}, {"kind": "square", "n": -OVERFLOW - 5}]
        lines += [{"kind": "crunch", "count": rng.randint(5 * 10**6, 2 * 10**7)} for _ in range(200)]
        lines += [{"kind": "download", "name": f"f\u00e9 \"{i}\".bin",
                   "seconds": round(rng.uniform(0.02, 0.2), 3)} for i in range(150)]
        rng.shuffle(lines)
        return self.write(name, "".join(json.dumps(t) + "\n" for t in lines)), len(lines)

    def reference(self, args, expect_rc=None, extra=()):
        out = self.path("ref.jsonl")
        r = drover(*args, "--output", out, "--columns", COLUMNS, "-q", *extra, ranks=self.RANKS)
        self.assertIn(r.returncode, (0, 1) if expect_rc is None else (expect_rc,), r.stderr)
        with open(out, "rb") as f:
            return r.returncode, f.read()

    def killed_run(self, args, journal, extra=()):
        """A journaled run, SIGKILLed as a whole once its journal holds a record."""
        proc = start([*args, "--journal", journal, "--resume", "--fsync-every", "1", "-q",
                      "--output", self.path("killed.jsonl"), "--columns", COLUMNS, *extra],
                     self.RANKS)
        try:
            wait_for_records(proc, journal)
        finally:
            kill_job(proc)
        return journal_tasks(journal)

    def resume_and_compare(self, args, n, extra=()):
        ref_rc, ref = self.reference(args, extra=extra)
        journal = self.path("j.drj")
        done = self.killed_run(args, journal, extra)
        self.assertGreater(done, 0)
        self.assertLess(done, n, "the run finished before the kill: make the workload longer")
        out = self.path("out.jsonl")
        r = drover(*args, "--journal", journal, "--resume", "--output", out, "--columns", COLUMNS,
                   "-q", *extra, ranks=self.RANKS)
        self.assertEqual(r.returncode, ref_rc, r.stderr)
        self.assertNotIn("drover: error", r.stderr)
        self.assertIn(f"{n} tasks", r.stdout)
        m = re.search(r"resumed: (\d+) tasks from the journal", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        if "the last record was torn" in r.stderr:  # a kill mid-write: that record runs again
            self.assertLessEqual(int(m.group(1)), done)
        else:
            self.assertEqual(int(m.group(1)), done)
        with open(out, "rb") as f:
            got = f.read()
        return ref, got, journal

    def test_task_file_resume_equals_uninterrupted(self):
        tasks, n = self.mixed_task_file()
        ref, got, journal = self.resume_and_compare(["run", "--tasks-file", tasks], n)
        self.assertTrue(ref == got, f"resumed output differs: diff {self.path('ref.jsonl')} "
                                    f"{self.path('out.jsonl')}")
        self.assertEqual(journal_tasks(journal), n)

    def test_generated_resume_equals_uninterrupted(self):
        for args in (["run", "crunch", "--tasks", "300", "--count", "20000000"],
                     ["run", "download", "--tasks", "400", "--min", "0.05", "--max", "0.4",
                      "--seed", "3", "--io-window", "20"]):
            with self.subTest(args[1]):
                ref, got, journal = self.resume_and_compare(args, 300 if args[1] == "crunch" else 400)
                self.assertTrue(ref == got, f"{args[1]}: resumed output differs")
                show = drover("journal", "show", journal, timeout=60)
                self.assertIn("complete", show.stdout)
                os.remove(journal)

    def test_unordered_resume_holds_every_id_once(self):
        tasks, n = self.mixed_task_file(seed=9)
        ref, got, _ = self.resume_and_compare(["run", "--tasks-file", tasks], n,
                                              extra=["--unordered"])
        ref_rows = {row["id"]: row for row in map(json.loads, ref.decode().splitlines())}
        rows = [json.loads(line) for line in got.decode().splitlines()]
        ids = [row["id"] for row in rows]
        self.assertEqual(len(ids), len(set(ids)), "an id appears twice")
        self.assertEqual(sorted(ids), list(range(n)))
        for row in rows:
            self.assertEqual(row, ref_rows[row["id"]])

    def test_resume_of_a_finished_journal_runs_nothing(self):
        tasks, n = self.mixed_task_file(seed=11)
        ref_rc, ref = self.reference(["run", "--tasks-file", tasks])
        journal = self.path("j.drj")
        first = drover("run", "--tasks-file", tasks, "--journal", journal, "-q", ranks=self.RANKS)
        self.assertEqual(first.returncode, ref_rc, first.stderr)
        size = os.path.getsize(journal)
        out = self.path("again.jsonl")
        r = drover("run", "--tasks-file", tasks, "--journal", journal, "--resume", "--output", out,
                   "--columns", COLUMNS, "-q", ranks=self.RANKS)
        self.assertEqual(r.returncode, ref_rc, "replayed failures still count")
        self.assertIn(f"resumed: {n} tasks from the journal", r.stdout)
        # Issue 11: no rate for tasks that took no time in this run (it said 4,555 tasks/s).
        self.assertIn(f"(none run now: all {n} replayed from the journal)", r.stdout)
        self.assertNotIn("tasks/s", r.stdout)
        self.assertIn("overflows", r.stdout, "the summary lists replayed failures")
        with open(out, "rb") as f:
            self.assertTrue(f.read() == ref)
        self.assertEqual(os.path.getsize(journal), size, "nothing new to journal")

    def test_journal_show_and_export(self):
        journal = self.path("sq.drj")
        out = self.path("sq.jsonl")
        r = drover("run", "square", "--count", "10000", "--from", "-5000", "--batch", "500",
                   "--journal", journal, "--output", out, ranks=self.RANKS)
        self.assertEqual(r.returncode, 0, r.stderr)
        show = drover("journal", "show", journal, timeout=60)
        self.assertEqual(show.returncode, 0, show.stderr)
        for text in ("format version: 4", "fingerprint: generated kind=square total=10000",
                     "tasks: 10000, failed: 0", "ids 0..9999 complete", "no torn record"):
            self.assertIn(text, show.stdout)
        # Every row, provenance included, comes back from the journal as it was written.
        export = drover("journal", "export", journal, timeout=60)
        self.assertEqual(export.returncode, 0, export.stderr)
        with open(out) as f:
            self.assertEqual(export.stdout, f.read())
        csv_out = self.path("sq.csv")
        r = drover("run", "square", "--count", "300", "--journal", self.path("c.drj"), "--output",
                   csv_out, "--format", "csv", ranks=self.RANKS)
        self.assertEqual(r.returncode, 0, r.stderr)
        exported = self.path("exported.csv")
        export = drover("journal", "export", self.path("c.drj"), "--format", "csv", "--output",
                        exported, timeout=60)
        self.assertEqual((export.returncode, export.stdout, export.stderr), (0, "", ""))
        with open(csv_out) as a, open(exported) as b:
            self.assertEqual(a.read(), b.read())
        export = drover("journal", "export", journal, "--columns", "value,id", "--format", "csv",
                        timeout=60)
        lines = export.stdout.splitlines()
        self.assertEqual(lines[0], "value,id")
        self.assertEqual(lines[1:3], ["25000000,0", "24990001,1"])

    def test_show_and_export_of_a_partial_task_file_journal(self):
        tasks, n = self.mixed_task_file(seed=13)
        journal = self.path("p.drj")
        done = self.killed_run(["run", "--tasks-file", tasks], journal)
        show = drover("journal", "show", journal, timeout=60)
        self.assertIn("fingerprint: task-file", show.stdout)
        export = drover("journal", "export", journal, "--columns", "id", "--format", "csv",
                        timeout=60)
        ids = [int(x) for x in export.stdout.split()[1:]]
        self.assertEqual(len(ids), done)
        self.assertEqual(ids, sorted(set(ids)), "in task order, each once")


class Retries(TempDirTest):
    """Failures injected by drover_faulty: its kinds flaky (n -> n*n) and flaky_spin (spins
    `count` increments, as crunch) fail every task on the ranks DROVER_TEST_FAIL_RANKS lists.
    Downloads (IO) never fail. Every run here, journal tools included, is drover_faulty's:
    its journals name kinds that drover does not have."""
    FAIL_RANK_1 = {"DROVER_TEST_FAIL_RANKS": "1"}

    def cpu_and_io_tasks(self):
        lines = [{"kind": "flaky", "input": n} for n in range(-300, 300)]
        # Spins of up to ~15 ms, ~0.4 s of CPU in all: rank 1 fails its tasks at once and
        # gets more while ranks 0 and 2 are busy, so it surely fails several. (Tasks of
        # 15 us left it one CPU task in 3 of 40 runs beside a busy machine: never excluded.)
        lines += [{"kind": "flaky_spin", "input": 1_000_000 * i} for i in range(60)]
        lines += [{"kind": "download", "name": f"d{i}", "seconds": 0.01} for i in range(20)]
        random.Random(2).shuffle(lines)
        return self.write("cpu.jsonl", "".join(json.dumps(t) + "\n" for t in lines)), lines

    def check_values(self, rows, tasks):
        self.assertEqual([row["id"] for row in rows], list(range(len(tasks))))
        for row, task in zip(rows, tasks):
            if not row["ok"]:
                continue
            expected = {"flaky": lambda t: t["input"] ** 2, "flaky_spin": lambda t: t["input"],
                        "download": lambda t: round(t["seconds"] * 1000)}[task["kind"]](task)
            self.assertEqual(row["value"], expected, row)

    def test_retries_succeed_elsewhere_and_rank_1_is_excluded(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        out = self.path("r.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "--retries", "2", "-q", "--output",
                        out], ranks=3, env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows = read_rows(out)
        self.check_values(rows, tasks)
        self.assertTrue(all(row["ok"] for row in rows))
        m = re.search(r"excluded ranks: (.*)", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertTrue(m.group(1).startswith("1 "), m.group(1))
        retried = [row for row in rows if row["attempts"] > 1]
        self.assertGreater(len(retried), 0)
        for row in retried:
            self.assertEqual(row["attempts"], 2, row)
            self.assertNotEqual(row["rank"], 1, row)
        for row in rows:
            if row["kind"] != "download":
                self.assertNotEqual(row["rank"], 1, f"a CPU task succeeded on rank 1: {row}")
        self.assertIn(f"{len(retried)} tasks retried, {len(retried)} of them succeeded", r.stdout)

    def test_without_retries_rank_1_failures_are_rows(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        out = self.path("r.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "-q", "--output", out], ranks=3,
                       env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        rows = read_rows(out)
        self.check_values(rows, tasks)
        failed = [row for row in rows if not row["ok"]]
        self.assertGreater(len(failed), 0)
        self.assertIn(f"{len(tasks)} tasks, {len(failed)} failed", r.stdout)
        for row in failed:
            self.assertEqual((row["rank"], row["attempts"]), (1, 1), row)
            self.assertIn("injected failure", row["error"])
        self.assertNotIn("excluded ranks", r.stdout)

    def test_exclude_after_0_never_excludes(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        r = faulty_run(["run", "--tasks-file", tasks_file, "--retries", "1", "--exclude-after",
                        "0", "-q"], ranks=3, env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"retries: [1-9]\d* tasks retried", "rank 1 failed nothing")
        self.assertNotIn("excluded ranks", r.stdout)

    def test_single_rank_retries_on_itself_then_fails(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        out = self.path("r.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "--retries", "2", "-q", "--output",
                        out], env={"DROVER_TEST_FAIL_RANKS": "0"})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        for row in read_rows(out):
            if row["kind"] == "download":
                self.assertEqual((row["ok"], row["attempts"]), (True, 1), row)
            else:
                self.assertEqual((row["ok"], row["attempts"]), (False, 3), row)

    def test_every_rank_failing_ends(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        out = self.path("r.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "--retries", "2", "-q", "--output",
                        out], ranks=2, env={"DROVER_TEST_FAIL_RANKS": "0,1"}, timeout=120)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("excluded ranks", r.stdout, "no rank's failures succeeded elsewhere")
        cpu = [row for row in read_rows(out) if row["kind"] != "download"]
        self.assertTrue(all(not row["ok"] and row["attempts"] == 3 for row in cpu))

    def test_generated_work_retries(self):
        out = self.path("sq.jsonl")
        # Fixed batches of 50: rank 1 surely gets several before the work runs out
        # (with automatic sizing rank 0 may take nearly all of 20000 cheap tasks).
        r = faulty_run(["run", "flaky", "--count", "20000", "--batch", "50", "--retries", "1",
                        "--output", out, "--columns", "id,value,ok,attempts,rank"], ranks=3,
                       env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows = read_rows(out)
        self.assertEqual([row["value"] for row in rows], [i * i for i in range(20000)])
        self.assertTrue(all(row["rank"] != 1 for row in rows))
        self.assertIn("excluded ranks: 1 ", r.stdout)

    def test_resume_with_retry_failed_runs_only_the_failed_tasks_again(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        journal = self.path("rf.drj")
        cols = "id,kind,input,ok,value,error"
        first = self.path("first.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "-q", "--output", first, "--columns",
                        cols, "--journal", journal], ranks=3, env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        failed = [row["id"] for row in read_rows(first) if not row["ok"]]
        self.assertTrue(failed, "rank 1 failed nothing: the test proves nothing")
        # Plain --resume keeps failures as final results: nothing runs.
        again = self.path("again.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "-q", "--output", again, "--columns",
                        cols, "--journal", journal, "--resume"], ranks=3)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"resumed: {len(tasks)} tasks", r.stdout)
        # --retry-failed runs exactly those tasks again, healthy now.
        out = self.path("retried.jsonl")
        r = faulty_run(["run", "--tasks-file", tasks_file, "-q", "--output", out, "--columns",
                        cols, "--journal", journal, "--resume", "--retry-failed"], ranks=3)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"--retry-failed: {len(failed)} failed tasks run again", r.stderr)
        self.assertIn(f"resumed: {len(tasks) - len(failed)} tasks", r.stdout)
        rows = read_rows(out)
        self.assertTrue(all(row["ok"] for row in rows))
        self.check_values(rows, tasks)
        show = faulty_drover("journal", "show", journal).stdout
        self.assertIn("failed: 0", show)
        self.assertIn(f"tasks: {len(tasks)},", show)
        export = faulty_drover("journal", "export", journal, "--columns", cols, timeout=60)
        with open(out) as f:
            self.assertEqual(export.stdout, f.read())

    def test_journal_keeps_final_results_after_retries(self):
        tasks_file, tasks = self.cpu_and_io_tasks()
        out = self.path("r.jsonl")
        journal = self.path("r.drj")
        cols = "id,kind,input,ok,value,error,attempts,rank"
        r = faulty_run(["run", "--tasks-file", tasks_file, "--retries", "2", "-q", "--output",
                        out, "--columns", cols, "--journal", journal], ranks=3,
                       env=self.FAIL_RANK_1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(any(row["attempts"] > 1 for row in read_rows(out)),
                        "rank 1 failed nothing: no retry reached the journal")
        export = faulty_drover("journal", "export", journal, "--columns", cols, timeout=60)
        self.assertEqual(export.returncode, 0, export.stderr)
        with open(out) as f:
            self.assertEqual(export.stdout, f.read())
        self.assertIn("failed: 0", faulty_drover("journal", "show", journal).stdout)


class JobDeath(TempDirTest):
    """What happens to a journal when mpirun dies, or when two runs share it."""
    RANKS = 3

    # Downloads of 20 ms one at a time per rank: 4 s at 3 ranks on any machine, so the
    # run is still going when the test acts on it (a CPU workload shrinks on a fast one).
    LONG = ["run", "download", "--tasks", "600", "--min", "0.02", "--max", "0.02",
            "--io-window", "1", "--threads", "1", "--batch", "4", "-q"]

    def long_run(self, journal):
        return start([*self.LONG, "--journal", journal, "--resume", "--fsync-every", "1"],
                     self.RANKS)

    def test_ranks_die_with_mpirun(self):
        # Open MPI gives each rank a process group of its own: without a
        # parent-death signal they ran on for ~1 s and rank 0 kept appending.
        journal = self.path("j.drj")
        proc = self.long_run(journal)
        try:
            wait_for_records(proc, journal)
            os.killpg(proc.pid, signal.SIGKILL)  # mpirun's group only, as `kill -9 -PGID`
            proc.communicate(timeout=30)
            size = os.path.getsize(journal)
            deadline = time.monotonic() + 0.5  # the kernel's teardown, no more
            while session_processes(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            survivors = session_processes(proc.pid)
            time.sleep(0.5)
            grew = os.path.getsize(journal) - size
            self.assertEqual(survivors, [], f"ranks outlived mpirun; the journal grew {grew} B")
        finally:
            kill_job(proc)

    def test_second_run_on_a_live_journal_is_refused(self):
        journal = self.path("j.drj")
        first = self.long_run(journal)
        try:
            wait_for_records(first, journal)
            second = drover(*self.LONG, "--journal", journal, "--resume", ranks=self.RANKS,
                            timeout=120)
            first.communicate(timeout=120)
            show = drover("journal", "show", journal, timeout=60)
            self.assertEqual(show.returncode, 0, f"the journal was spoiled: {show.stderr}")
            self.assertEqual(second.returncode, 2, second.stdout + second.stderr)
            self.assertIn(journal, second.stderr)
        finally:
            kill_job(first)


if __name__ == "__main__":
    unittest.main(verbosity=2)
