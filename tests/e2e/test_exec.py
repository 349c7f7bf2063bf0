"""End-to-end commands as tasks (issue 10): drover run exec, task-file exec lines, and their flags."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from test_drover import DROVER, MPIRUN, TempDirTest, drover, mpi_env

ROWS = "id,kind,input,ok,value,error,signal,rank,start_us,end_us,captured"


def rows_of(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class Commands(TempDirTest):
    def run_rows(self, *args, ranks=None, ok=(0,), **kw):
        out = self.path("rows.jsonl")
        r = drover("run", "-o", out, "--columns", ROWS, *args, ranks=ranks, **kw)
        self.assertIn(r.returncode, ok, r.stdout + r.stderr)
        with open(out) as f:
            return rows_of(f.read()), r

    def test_exit_codes_signals_and_commands_that_cannot_start(self):
        tasks = self.write("t.jsonl", "\n".join(json.dumps(t) for t in [
            {"kind": "exec", "cmd": "exit 0"},
            {"kind": "exec", "cmd": "exit 3"},
            {"kind": "exec", "cmd": "kill -SEGV $$"},
            {"kind": "exec", "argv": ["/nonexistent/prog"]},
            {"kind": "exec", "cmd": "no-such-command-here"},
            {"kind": "exec", "cmd": "true", "cwd": "/nonexistent-dir"},
            {"kind": "exec", "argv": ["/bin/echo", "a b", "$HOME"]},
        ]) + "\n")
        for ranks in (None, 2):
            rows, r = self.run_rows("--tasks-file", tasks, ranks=ranks, ok=(1,))
            by_id = {row["id"]: row for row in rows}
            self.assertEqual(sorted(by_id), list(range(7)))
            self.assertTrue(by_id[0]["ok"])
            self.assertEqual(by_id[0]["value"], 0)
            self.assertEqual((by_id[1]["ok"], by_id[1]["value"], by_id[1]["error"]),
                             (False, 3, "exit 3"))
            self.assertEqual(by_id[2]["signal"], 11)
            self.assertEqual(by_id[2]["error"], "killed by SIGSEGV")
            self.assertIn("cannot start", by_id[3]["error"])
            self.assertIn("/nonexistent/prog", by_id[3]["error"])
            self.assertIn("exit 127", by_id[4]["error"])
            self.assertIn("cannot start", by_id[5]["error"])
            self.assertIn("/nonexistent-dir", by_id[5]["error"])
            self.assertTrue(by_id[6]["ok"])
            self.assertEqual(by_id[6]["input"], "/bin/echo 'a b' '$HOME'")
            self.assertIn("5 failed", r.stdout)

    def test_environment_cwd_and_no_leaked_descriptors(self):
        work = self.path("work")
        os.mkdir(work)
        tasks = self.write("t.jsonl", "\n".join(json.dumps(t) for t in [
            {"kind": "exec", "cmd": "echo $DROVER_TASK_ID $DROVER_RANK $DROVER_SLOT "
             "$DROVER_ATTEMPT $MY_VAR; pwd; env | grep -v ALLOW_RUN_AS_ROOT | grep -c '^OMPI_\\|^PMIX_' "
             "|| true",
             "cwd": work, "env": {"MY_VAR": "hello"}},
            {"kind": "exec", "cmd": "ls /proc/self/fd | wc -l"},
        ]) + "\n")
        rows, _ = self.run_rows("--tasks-file", tasks, "--capture", "4096", ranks=2)
        first = rows[0]["captured"].splitlines()
        task_id, rank, slot, attempt, var = first[0].split()
        self.assertEqual((task_id, attempt, var), ("0", "1", "hello"))
        self.assertEqual(int(rank), rows[0]["rank"])
        self.assertGreaterEqual(int(slot), 1)
        self.assertEqual(first[1], work)
        self.assertEqual(first[2], "0", "no OMPI_* or PMIX_* variable reaches a task")
        # ls itself opens its directory: stdin, stdout, stderr and that one.
        self.assertEqual(rows[1]["captured"].strip(), "4")

    def test_template_products_quoting_and_sequence(self):
        rows, _ = self.run_rows("exec", "--capture", "100", "--", "echo {#} {1} {2} {1/.}",
                                ":::", "x y/a.txt", "$z", ":::", "1", "2")
        self.assertEqual([row["captured"] for row in rows],
                         ["1 x y/a.txt 1 a\n", "2 x y/a.txt 2 a\n", "3 $z 1 $z\n", "4 $z 2 $z\n"])

    def test_arguments_from_stdin_and_a_commands_file(self):
        rows, _ = self.run_rows("exec", "--capture", "100", "echo got {}", "::::", "-",
                                stdin_text="a\nb c\n")
        self.assertEqual([row["captured"] for row in rows], ["got a\n", "got b c\n"])
        cmds = self.write("cmds.txt", "# a comment\n\necho one\n  echo two  \n")
        rows, _ = self.run_rows("exec", "--commands", cmds, "--capture", "100")
        self.assertEqual([(row["input"], row["captured"]) for row in rows],
                         [("echo one", "one\n"), ("echo two", "two\n")])

    def test_output_lines_are_never_cut_under_load(self):
        # 3 ranks, 4 slots each, 24 tasks of 2000 lines written a piece at a time.
        cmd = ("i=0; while [ $i -lt 2000 ]; do printf 'task-{}-line-%05d-' $i; "
               "printf 'end\\n'; i=$((i+1)); done")
        r = drover("run", "exec", "--slots", "4", "-q", cmd, ":::", *map(str, range(24)), ranks=3,
                   timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [line for line in r.stdout.splitlines() if line.startswith("task-")]
        self.assertEqual(len(lines), 24 * 2000)
        bad = [line for line in lines if not re.fullmatch(r"task-\d+-line-\d{5}-end", line)]
        self.assertEqual(bad, [])

    def test_a_task_writing_much_costs_bounded_memory(self):
        # Four tasks write 200 MB each, two of them on rank 1, whose lines all go through
        # rank 0; each rank's peak RSS comes from GNU time around it.
        rss = self.path("rss")
        timed = ["sh", "-c", f'exec /usr/bin/time -f %M -o {rss}.$OMPI_COMM_WORLD_RANK "$@"', "x"]
        cmd = [MPIRUN, "--quiet", "-np", "2", *timed, os.path.abspath(DROVER), "run", "exec",
               "--slots", "1", "-q", "yes abcdefghijklmnopqrstuvwxyz{} | head -c 200000000",
               ":::", "1", "2", "3", "4"]
        count = subprocess.Popen(["wc", "-c"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 text=True)
        r = subprocess.run(["timeout", "-k", "10", "300", *cmd], stdout=count.stdin,
                           stderr=subprocess.PIPE, text=True, env=mpi_env(),
                           stdin=subprocess.DEVNULL)
        count.stdin.close()
        written = int(count.stdout.read())
        count.wait(timeout=60)
        count.stdout.close()
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertGreater(written, 4 * 200_000_000, "every byte the tasks wrote, and the summary")
        self.assertLess(written, 4 * 200_000_000 + 1000)
        for rank in (0, 1):
            with open(f"{rss}.{rank}") as f:
                peak_kib = int(f.read().split()[-1])
            self.assertLess(peak_kib, 100 * 1024, f"rank {rank} peaked at {peak_kib} KiB")

    def test_tag_and_rows_on_stdout_send_task_lines_to_stderr(self):
        r = drover("run", "exec", "--tag", "-o", "-", "--columns", "id,ok", "echo hi {}", ":::",
                   "a", "b")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, '{"id":0,"ok":true}\n{"id":1,"ok":true}\n')
        self.assertIn("0\thi a\n", r.stderr)
        self.assertIn("1\thi b\n", r.stderr)

    def test_task_output_files_are_sharded(self):
        out = self.path("out")
        _, r = self.run_rows("exec", "--task-output", out, "echo o{}; echo e{} >&2", ":::",
                             *map(str, range(1003)), ranks=2, timeout=300)
        self.assertNotIn("o5", r.stdout)
        self.assertEqual(sorted(os.listdir(out)), ["0", "1"])
        self.assertEqual(len(os.listdir(os.path.join(out, "0"))), 1000)
        with open(os.path.join(out, "1", "1002", "out")) as f:
            self.assertEqual(f.read(), "o1002\n")
        with open(os.path.join(out, "0", "7", "err")) as f:
            self.assertEqual(f.read(), "e7\n")

    def test_timeout_ends_the_process_group(self):
        tasks = self.write("t.jsonl", "\n".join(json.dumps(t) for t in [
            {"kind": "exec", "cmd": "sh -c 'sleep 30' & sleep 30"},
            {"kind": "exec", "cmd": "sleep 30", "timeout": 0.3},
            {"kind": "exec", "cmd": "true"},
        ]) + "\n")
        rows, _ = self.run_rows("--tasks-file", tasks, "--timeout", "0.5", "--kill-grace", "0.2",
                                ok=(1,))
        self.assertEqual(rows[0]["error"], "timed out after 0.5 s")
        self.assertEqual(rows[1]["error"], "timed out after 0.3 s")
        self.assertTrue(rows[2]["ok"])
        # The group's background sleep went with it: nothing of the task is left.
        left = os.popen("pgrep -f 'sleep 3[0]' | wc -l").read().strip()
        self.assertEqual(left, "0")

    def test_barrier_holds_back_what_follows(self):
        cmds = self.write("cmds.txt", "sleep 0.3\nsleep 0.2\n#DROVER BARRIER\necho after\n")
        rows, _ = self.run_rows("exec", "--commands", cmds, "--slots", "3", ranks=2)
        before_end = max(rows[0]["end_us"], rows[1]["end_us"])
        self.assertEqual(rows[2]["kind"], "barrier")
        self.assertGreaterEqual(rows[3]["start_us"], before_end)

    def test_joblog_in_gnu_parallels_format(self):
        log = self.path("jobs.log")
        self.run_rows("exec", "--joblog", log, "exit {}", ":::", "0", "4", ok=(1,))
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\t"
                                   "Signal\tCommand")
        fields = [line.split("\t") for line in lines[1:]]
        self.assertEqual([(f[0], f[6], f[7], f[8]) for f in fields],
                         [("1", "0", "0", "exit 0"), ("2", "4", "0", "exit 4")])
        self.assertRegex(fields[0][2], r"^\d{10}\.\d{3}$")

    def test_halt_soon_lets_running_tasks_finish_and_sends_no_more(self):
        rows, r = self.run_rows("exec", "--slots", "1", "--halt", "soon,fail=2", "exit {}",
                                ":::", *("0101" + "0" * 36), ok=(1,))
        self.assertIn("halted: 2 tasks failed (--halt soon,fail=2)", r.stdout)
        # Task 3 is the second failure. Short commands queue several deep on a
        # rank (8 of these ~1 ms ones: without the hand-back 10-12 rows, measured),
        # but the halt hands the queued ones back unstarted: only what started
        # before the rank heard of it ran after task 3 (a few, on a slow machine).
        self.assertGreaterEqual(len(rows), 4)
        self.assertLessEqual(len(rows), 9)
        self.assertEqual([row["id"] for row in rows], list(range(len(rows))))

    def test_halt_now_ends_the_tasks_in_flight(self):
        r = drover("run", "exec", "--slots", "2", "-q", "--halt", "now,fail=1",
                   "sleep {}; exit 3", ":::", "0.1", "876", "876", "876", ranks=2)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("halted: 1 task failed (--halt now,fail=1)", r.stdout)
        self.assertTrue(wait_until(lambda: count_processes("sleep 87[6]") == 0, 30))

    def test_retries_run_a_failed_command_again_with_its_attempt(self):
        rows, _ = self.run_rows("exec", "--retries", "2", "--capture", "100",
                                '[ "$DROVER_ATTEMPT" -ge 3 ] && echo attempt $DROVER_ATTEMPT', ":::",
                                "x", ranks=2)
        self.assertTrue(rows[0]["ok"], rows[0])
        self.assertEqual(rows[0]["captured"], "attempt 3 x\n")  # GNU appends " {}"

    def test_a_task_may_run_drover_itself_as_a_singleton(self):
        rows, _ = self.run_rows("exec", "--capture", "4096",
                                f"{os.path.abspath(DROVER)} run square --count {{}}", ":::", "10",
                                ranks=2)
        self.assertTrue(rows[0]["ok"], rows[0])
        self.assertIn("10 tasks, 0 failed", rows[0]["captured"])


def count_processes(pattern):
    """Processes whose command line matches `pattern` (written so it cannot match pgrep itself)."""
    r = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return len(r.stdout.split())


def wait_until(predicate, timeout=60.0):
    """Polls a condition (not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class CommandStops(TempDirTest):
    def start(self, *args, ranks=2):
        """mpirun under `timeout`, like every mpirun of the suite; returns (process, mpirun's pid)."""
        cmd = ["timeout", "-k", "10", "300", MPIRUN, "--quiet", "-np", str(ranks), DROVER, "run",
               *args]
        p = subprocess.Popen(cmd, env=mpi_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stderr.close)
        children = []
        self.assertTrue(wait_until(lambda: children.extend(subprocess.run(
            ["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()) or
            len(children) > 0, 30), "mpirun never started")
        return p, int(children[0])

    def test_kill_9_of_mpirun_or_of_a_rank_leaves_no_task_running(self):
        for victim in ("mpirun", "rank 1"):
            with self.subTest(victim=victim):
                # Two ranks, two slots each: four commands, each a shell and its sleep.
                p, mpirun = self.start("exec", "--slots", "2", "-q", "sleep 874{}", ":::", "1",
                                       "2", "3", "4")
                self.assertTrue(wait_until(lambda: count_processes("sleep 874[1-4]") >= 4),
                                "the commands never started")
                if victim == "mpirun":
                    os.kill(mpirun, signal.SIGKILL)
                else:
                    ranks = subprocess.run(["pgrep", "-P", str(mpirun)], capture_output=True,
                                           text=True).stdout.split()
                    self.assertEqual(len(ranks), 2)
                    os.kill(max(map(int, ranks)), signal.SIGKILL)
                self.assertTrue(wait_until(lambda: count_processes("sleep 874[1-4]") == 0, 30),
                                f"{count_processes('sleep 874[1-4]')} task processes left")
                p.communicate(timeout=60)

    def test_a_stop_ends_running_commands_and_resume_runs_what_is_left(self):
        flag = self.path("quick")
        cmds = self.write("cmds.txt", "".join(f"echo quick {i}\n" for i in range(6)) + "".join(
            f"test -e {flag} || sleep 875{i}; echo slow {i}\n" for i in range(4)))
        journal, out = self.path("run.jrnl"), self.path("rows.jsonl")
        args = ["exec", "--commands", cmds, "--slots", "2", "--journal", journal, "--resume",
                "-o", out, "--columns", "id,ok,value", "--grace", "1s", "--kill-grace", "0.5s"]
        p, mpirun = self.start(*args)
        self.assertTrue(wait_until(lambda: count_processes("sleep 875[0-3]") >= 4),
                        "the slow commands never started")
        os.kill(mpirun, signal.SIGUSR1)  # mpirun forwards it to every rank
        stdout, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 4, stdout + stderr)
        self.assertIn("stopped early", stdout)
        self.assertEqual(count_processes("sleep 875[0-3]"), 0, "a stopped command outlived drover")
        with open(flag, "w"):
            pass
        r = drover("run", *args, ranks=2, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("resumed:", r.stdout)
        with open(out) as f:
            rows = [json.loads(line) for line in f]
        self.assertEqual(rows, [{"id": i, "ok": True, "value": 0} for i in range(10)])


class BadCommands(TempDirTest):
    def refused(self, *args, contains):
        r = drover("run", *args)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(contains, lines[0])
        self.assertEqual(r.stdout, "")

    def test_bad_task_file_lines(self):
        cases = [
            ({"kind": "exec", "cmd": "a", "argv": ["a"]}, "not both"),
            ({"kind": "exec"}, "missing field \"cmd\""),
            ({"kind": "exec", "argv": "ls"}, "\"argv\" must be a non-empty list"),
            ({"kind": "exec", "argv": ["ls", 3]}, "\"argv\"[1] must be a string"),
            ({"kind": "exec", "cmd": "   "}, "empty command"),
            ({"kind": "exec", "cmd": "a", "timeout": -1}, "\"timeout\" must be seconds"),
            ({"kind": "exec", "cmd": "a", "cores": 0}, "cores"),
            ({"kind": "exec", "cmd": "a", "env": {"A=B": "x"}}, "bad variable name"),
        ]
        for task, message in cases:
            with self.subTest(task=task):
                path = self.write("bad.jsonl", '{"kind":"exec","cmd":"true"}\n' + json.dumps(task) + "\n")
                self.refused("--tasks-file", path, contains=message)
                r = drover("run", "--tasks-file", path)
                self.assertIn(f"{path}:2:", r.stderr)

    def test_cores_above_a_ranks_slots(self):
        path = self.write("wide.jsonl", '{"kind":"exec","cmd":"true","cores":3}\n')
        self.refused("--tasks-file", path, "--slots", "2", contains="asks for 3 cores")

    def test_bad_templates_flags_and_files(self):
        self.refused("exec", "echo {9}", ":::", "a", contains="{9}")
        self.refused("exec", "--commands", self.path("missing.txt"), contains="missing.txt")
        self.refused("exec", "--timeout", "soon", "true", ":::", "a", contains="--timeout")
        self.refused("exec", contains="--commands FILE or a command template")
        self.refused("square", "--slots", "2", contains="--slots is for drover run exec")
        self.refused("exec", "--halt", "sometimes", "true", ":::", "a", contains="--halt must be")
        log = self.write("rows.jsonl", "")
        self.refused("exec", "-o", log, "--joblog", log, "true", ":::", "a",
                     contains="named by both --output and --joblog")
        self.refused("exec", "--halt", "soon,fail=0", "true", ":::", "a", contains="N >= 1")
        nul = self.write("nul.txt", "echo a\nec\0ho\n")
        self.refused("exec", "--commands", nul, contains="nul.txt:2")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]])
