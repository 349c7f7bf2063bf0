"""End-to-end cluster tests: drover on a real local Slurm cluster, and across hosts over TCP.

Suites (argument 1; all when none is given):
  Slurm           cluster/local-slurm with 2 fake nodes; every template in cluster/slurm is
                  submitted with sbatch: results equal a singleton run's, threads per rank =
                  --cpus-per-task, ranks on both nodes, jobs cut (SIGUSR1 to the batch shell as
                  `--signal=B:USR1` sends it, plain scancel, drover's own stop before the Slurm
                  time limit) resume to completion, the self-resubmitting chain and its cap.
  SlurmTimeLimit  a real Slurm time limit (slow: about 2 minutes; scripts/test.sh runs it
                  as a stage of its own): the signal before it, SIGTERM at it, then resume.
  Netns           cluster/netns with 3 hosts as network namespaces: a run across them over
                  TCP, and one host's rank SIGKILLed mid-run: the job ends within 15 s with a
                  clear message, the journal is consistent, and --resume completes.

Fake Slurm nodes share the machine's hostname, so the output's host column cannot tell them
apart: DROVER_BIN is a wrapper that prints SLURMD_NODENAME, PMIX_RANK and its pid (which
exec keeps for drover) into the job log, and the output rows' rank and pid are matched to it.

Needs root (daemons, namespaces). A suite whose capability is missing (no root, Slurm
packages not installable, `ip netns add` refused) prints why and exits 77, which ctest
reports as skipped. Every cluster, namespace and job is torn down at exit, even on failure.
"""
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DROVER = os.path.abspath(os.environ.get("DROVER_BIN", os.path.join(ROOT, "build", "drover")))
SLURM_DIR_SCRIPTS = os.path.join(ROOT, "cluster", "local-slurm")
TEMPLATES = os.path.join(ROOT, "cluster", "slurm")
NETNS_SCRIPTS = os.path.join(ROOT, "cluster", "netns")
COLUMNS = "id,kind,input,ok,value,error"
SKIP = 77

# The test cluster and hosts have names of their own, so that a contributor's
# cluster/local-slurm or cluster/netns set-up is left alone.
SLURM_ENV = {
    "DROVER_SLURM_DIR": "/tmp/drover-slurm-e2e",
    "DROVER_SLURM_PORT": "16917",
    "DROVER_SLURM_PARTITION": "e2e",
    "DROVER_SLURM_NODES": "2",
    "DROVER_SLURM_CPUS": "2",
    "DROVER_SLURM_KILLWAIT": "10",
}
SLURM_CONF = os.path.join(SLURM_ENV["DROVER_SLURM_DIR"], "slurm.conf")
NETNS_ENV = {
    "DROVER_NETNS_PREFIX": "drover-e2e-h",
    "DROVER_NETNS_NET": "10.213.79",
    "DROVER_NETNS_DIR": "/tmp/drover-netns-e2e",
}
NETNS_HOSTS = [f"drover-e2e-h{i}" for i in (1, 2, 3)]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(cmd, timeout=120, env=None, check=False, **kwargs):
    """Runs cmd under `timeout -k 10`, output captured as text."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run(["timeout", "-k", "10", str(timeout), *map(str, cmd)], capture_output=True,
                       text=True, env=full_env, stdin=subprocess.DEVNULL, **kwargs)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def drover(*args, timeout=120):
    return sh([DROVER, *args], timeout=timeout)


def reference(workload, name, tmp):
    """The provenance-free output of a singleton (no mpirun) run of `workload`."""
    out = os.path.join(tmp, f"ref-{name}.jsonl")
    r = drover("run", *workload, "--io-window", "100000", "-q", "--columns", COLUMNS,
               "--output", out)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out, "rb") as f:
        return f.read()


def journal_show(path):
    return drover("journal", "show", path, timeout=60)


def journal_tasks(path):
    """Tasks the journal holds, or -1 when it cannot be read (yet)."""
    r = journal_show(path)
    m = re.search(r"tasks: (\d+)", r.stdout)
    return int(m.group(1)) if r.returncode == 0 and m else -1


def rows_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def project(rows):
    """The provenance-free fields of full rows, as the reference writes them."""
    keys = COLUMNS.split(",")
    return [{k: row[k] for k in keys} for row in rows]


# --- capabilities ---------------------------------------------------------------------------

def slurm_missing():
    """Why the Slurm suites cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root: the local Slurm cluster starts munged, slurmctld and slurmd"
    packages = ["slurmctld", "slurmd", "slurm-client", "munge"]
    missing = [p for p in packages
               if "install ok installed" not in sh(["dpkg-query", "-W", "-f=${Status}", p]).stdout]
    if missing:
        log(f"installing {' '.join(missing)} (cluster/local-slurm/up.sh would too)")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        r = sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                timeout=600, env=env)
        if r.returncode != 0:
            sh(["apt-get", "update", "-qq"], timeout=600)
            r = sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                    timeout=600, env=env)
        if r.returncode != 0:
            return f"Slurm packages not installable: apt-get install {' '.join(missing)}: " \
                   f"{r.stderr.strip()[-300:]}"
    return None


def netns_missing():
    """Why the Netns suite cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN"
    if not shutil.which("ip") or not shutil.which("unshare"):
        return "no `ip` (iproute2) or `unshare` (util-linux)"
    probe = f"drover-probe-{os.getpid()}"
    r = sh(["ip", "netns", "add", probe])
    if r.returncode != 0:
        return f"`ip netns add` not permitted here: {r.stderr.strip()}"
    try:
        r = sh(["ip", "netns", "exec", probe, "unshare", "--uts", "--", "sh", "-c",
                 "hostname probe && ip link set lo up"])
        if r.returncode != 0:
            return f"cannot enter a namespace with a hostname of its own: {r.stderr.strip()}"
        r = sh(["ip", "-n", probe, "link", "add", "brprobe", "type", "bridge"])
        if r.returncode != 0:
            return f"no bridge devices in a namespace: {r.stderr.strip()}"
    finally:
        sh(["ip", "netns", "del", probe])
    return None


# --- the local Slurm cluster ----------------------------------------------------------------

def slurm_up():
    env = dict(SLURM_ENV)
    sh([os.path.join(SLURM_DIR_SCRIPTS, "down.sh"), "--purge"], env=env, timeout=120)
    t0 = time.monotonic()
    r = sh([os.path.join(SLURM_DIR_SCRIPTS, "up.sh")], env=env, timeout=300)
    if r.returncode != 0:
        raise AssertionError(f"cluster/local-slurm/up.sh failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    # Without up.sh's mpi.conf, srun launches crash now and then inside MPI_Init
    # (cluster/README.md): every srun test here would be flaky.
    config = sh(["scontrol", "show", "config"], env={"SLURM_CONF": SLURM_CONF}, timeout=60)
    if not re.search(r"^PMIxCollFence\s*=\s*ring$", config.stdout, re.M):
        raise AssertionError("the test cluster's PMIx fence is not the ring from up.sh's mpi.conf")
    log(f"local Slurm cluster up in {time.monotonic() - t0:.1f} s")


def slurm_down():
    r = sh([os.path.join(SLURM_DIR_SCRIPTS, "down.sh"), "--purge"], env=SLURM_ENV, timeout=120)
    log("local Slurm cluster down" + ("" if r.returncode == 0 else f" (exit {r.returncode})"))


class SlurmCase(unittest.TestCase):
    """Submits templates to the test cluster and waits for them, with job logs on failure."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="drover-e2e-cluster-")
        self.tmp = self._tmp.name
        os.chmod(self.tmp, 0o755)
        self.logs = []
        # Prints the wrapped process's node, rank and pid, then becomes drover (same pid).
        self.wrapper = os.path.join(self.tmp, "drover-wrapper")
        with open(self.wrapper, "w") as f:
            f.write("#!/bin/sh\n"
                    'echo "drover-wrapper: $1 node=${SLURMD_NODENAME:-?} '
                    'rank=${PMIX_RANK:-?} pid=$$" >&2\n'
                    f'exec {DROVER} "$@"\n')
        os.chmod(self.wrapper, 0o755)

    def run(self, result=None):
        # On a failure, the jobs' logs say what happened: print them before they go.
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        outcome = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            for path in self.logs:
                try:
                    with open(path) as f:
                        print(f"--- {path}\n{f.read()}--- end of {path}", flush=True)
                except OSError as e:
                    print(f"--- {path}: {e}", flush=True)
            logs = os.path.join(SLURM_ENV["DROVER_SLURM_DIR"], "log")
            for name in sorted(os.listdir(logs)) if os.path.isdir(logs) else []:
                with open(os.path.join(logs, name), errors="replace") as f:
                    tail = f.readlines()[-25:]
                print(f"--- last lines of {name}\n{''.join(tail)}--- end of {name}", flush=True)
        self._tmp.cleanup()
        return outcome

    def tearDown(self):
        sh(["scancel", "--partition", SLURM_ENV["DROVER_SLURM_PARTITION"]],
            env={"SLURM_CONF": SLURM_CONF})

    def path(self, name):
        return os.path.join(self.tmp, name)

    def sbatch(self, template, env, sbatch_env=None, options=()):
        """Submits a template; returns (job id, path of its log). sbatch options that a
        resubmission must keep go in `sbatch_env` as SBATCH_* variables (the job passes its
        environment on to the sbatch it runs itself); `options` (the shape: nodes, tasks,
        CPUs, which have no SBATCH_* variable) apply to this submission only."""
        log_path = self.path("job-%j.log")
        full_env = {"SLURM_CONF": SLURM_CONF, "DROVER_BIN": self.wrapper, "OMPI_MCA_pml": "ob1",
                    "SBATCH_PARTITION": SLURM_ENV["DROVER_SLURM_PARTITION"],
                    "SBATCH_OUTPUT": log_path}
        full_env.update(env)
        full_env.update(sbatch_env or {})
        r = sh(["sbatch", "--parsable", *options, os.path.join(TEMPLATES, template)],
                env=full_env, cwd=self.tmp, check=True, timeout=60)
        job = r.stdout.strip().split(";")[0]
        return job, self.log_of(job)

    def log_of(self, job):
        path = self.path(f"job-{job}.log")
        if path not in self.logs:
            self.logs.append(path)
        return path

    def job_fields(self, job):
        r = sh(["scontrol", "show", "job", "-o", job], env={"SLURM_CONF": SLURM_CONF})
        return dict(re.findall(r"(\w+)=(\S*)", r.stdout))

    def wait_job(self, job, timeout=120):
        """Waits for the job to end; returns its scontrol fields (JobState, ExitCode, ...)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fields = self.job_fields(job)
            if fields.get("JobState") in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT",
                                          "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
                                          "DEADLINE"):
                return fields
            time.sleep(0.25)
        self.fail(f"job {job} still {self.job_fields(job).get('JobState')} after {timeout} s")

    def wait_running(self, job, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.job_fields(job).get("JobState") == "RUNNING":
                return
            time.sleep(0.1)
        self.fail(f"job {job} not running after {timeout} s")

    def wait_journal(self, journal, tasks, timeout=60):
        """Waits until the journal holds at least `tasks` tasks."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if journal_tasks(journal) >= tasks:
                return
            time.sleep(0.2)
        self.fail(f"{journal} holds fewer than {tasks} tasks after {timeout} s")

    def read(self, path):
        with open(path) as f:
            return f.read()

    def exit_code(self, text):
        """The `drover exited with N` the templates print (the last one)."""
        codes = re.findall(r"^drover exited with (\d+)", text, re.M)
        self.assertTrue(codes, "the job log has no 'drover exited with' line")
        return int(codes[-1])

    def placement(self, text, command="run"):
        """{rank: (node, pid)} from the wrapper's lines for `command` (run or info)."""
        found = {}
        for node, rank, pid in re.findall(
                rf"^drover-wrapper: {command} node=(\S+) rank=(\S+) pid=(\d+)", text, re.M):
            found[int(rank)] = (node, int(pid))
        return found

    def info_table(self, text):
        """{rank: (slurm node, threads)} from the `drover info` table in the job log."""
        table = {}
        for rank, node, threads in re.findall(
                r"^\s*(\d+)\s+\S+\s+(\S+)\s+\d+\s+\d+/\d+\s+(\d+)\s+\d+\s+\d+\s*$", text,
                re.M):
            table[int(rank)] = (node, int(threads))
        return table


# --- Slurm: the templates --------------------------------------------------------------------

# Crunch tasks of ~7 ms, one per message, so every rank and every pool thread gets some.
CRUNCH = ["crunch", "--tasks", "48", "--count", "20000000"]


class Slurm(SlurmCase):
    def check_placed_run(self, template, nodes, ranks, cpus, options=()):
        """One template run: correct results, `cpus` threads per rank, ranks on `nodes` nodes."""
        out = self.path("results.jsonl")
        job, log_path = self.sbatch(template, {"DROVER_ARGS": " ".join(CRUNCH + ["--batch", "1"]),
                                               "DROVER_OUTPUT": out}, options=options)
        t0 = time.monotonic()
        fields = self.wait_job(job)
        text = self.read(log_path)
        log(f"{template}: job {job} {fields.get('JobState')} in {time.monotonic() - t0:.1f} s")
        self.assertEqual(fields.get("JobState"), "COMPLETED", text)
        self.assertEqual(self.exit_code(text), 0, text)

        rows = rows_of(out)
        self.assertEqual(project(rows), [json.loads(line) for line in
                                         reference(CRUNCH, "crunch", self.tmp).splitlines()],
                         "results differ from a singleton run's")
        # Threads: drover info's table, and the pool threads the rows name.
        table = self.info_table(text)
        self.assertEqual({r: t for r, (_, t) in table.items()}, {r: cpus for r in range(ranks)},
                         "drover info's threads column")
        # Its slurm-node column: each rank's SLURMD_NODENAME, as the wrapper saw it.
        self.assertEqual({r: n for r, (n, _) in table.items()},
                         {r: node for r, (node, _) in self.placement(text, "info").items()},
                         "drover info's slurm-node column")
        used = {row["thread"] for row in rows}
        self.assertTrue(used <= set(range(cpus)), f"pool threads {used} beyond {cpus} per rank")
        self.assertEqual(used, set(range(cpus)), f"not every pool thread ran a task: {used}")
        # Placement: every rank of the run, its node from the wrapper, its pid in the rows.
        where = self.placement(text)
        self.assertEqual(sorted(where), list(range(ranks)), f"wrapper lines: {where}")
        for row in rows:
            self.assertEqual(row["pid"], where[row["rank"]][1],
                             f"row {row['id']}: rank {row['rank']} pid is not the wrapper's")
        self.assertEqual({row["rank"] for row in rows}, set(range(ranks)), "a rank ran nothing")
        used_nodes = {node for node, _ in where.values()}
        self.assertEqual(len(used_nodes), nodes, f"ranks on {used_nodes}")
        return where

    def test_one_node_mpirun(self):
        where = self.check_placed_run("one-node.sbatch", nodes=1, ranks=2, cpus=1)
        self.assertEqual({node for node, _ in where.values()}, {"node1"})

    def test_multi_node_srun(self):
        where = self.check_placed_run("multi-node-srun.sbatch", nodes=2, ranks=2, cpus=2)
        self.assertEqual({node for node, _ in where.values()}, {"node1", "node2"})

    def test_multi_node_mpirun(self):
        where = self.check_placed_run("multi-node-mpirun.sbatch", nodes=2, ranks=2, cpus=2)
        self.assertEqual({node for node, _ in where.values()}, {"node1", "node2"})

    def test_multi_node_srun_two_ranks_per_node(self):
        self.check_placed_run("multi-node-srun.sbatch", nodes=2, ranks=4, cpus=1,
                              options=["--ntasks-per-node=2", "--cpus-per-task=1"])

    def test_command_list_template(self):
        """commands.sbatch: a command list on two nodes, through checkpoint-resubmit.sbatch,
        with the joblog, per-task output files and result rows it promises."""
        cmds = self.path("cmds.txt")
        with open(cmds, "w") as f:
            f.write("".join(f"echo out {i}; echo err {i} >&2; hostname\n" for i in range(40)))
        env = {"DROVER_COMMANDS": cmds, "DROVER_TEMPLATES": TEMPLATES,
               "DROVER_JOBLOG": self.path("jobs.log"), "DROVER_TASK_OUTPUT": self.path("task-out"),
               "DROVER_JOURNAL": self.path("cmds.jrnl"), "DROVER_OUTPUT": self.path("rows.jsonl"),
               "DROVER_INFO": "0", "DROVER_ARGS": "--columns id,ok,value,rank,host"}
        job, log_path = self.sbatch("commands.sbatch", env,
                                    options=["--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=2"])
        fields = self.wait_job(job)
        text = self.read(log_path)
        self.assertEqual(fields.get("JobState"), "COMPLETED", text)
        self.assertEqual(self.exit_code(text), 0, text)
        rows = rows_of(env["DROVER_OUTPUT"])
        self.assertEqual([(r["id"], r["ok"], r["value"]) for r in rows],
                         [(i, True, 0) for i in range(40)])
        self.assertEqual({r["rank"] for r in rows}, {0, 1}, "both nodes ran commands")
        with open(env["DROVER_JOBLOG"]) as f:
            log_rows = [line.split("\t") for line in f.read().splitlines()[1:]]
        self.assertEqual(sorted(int(r[0]) for r in log_rows), list(range(1, 41)))
        with open(os.path.join(env["DROVER_TASK_OUTPUT"], "0", "39", "out")) as f:
            out, host = f.read().splitlines()
        self.assertEqual(out, "out 39")
        self.assertEqual(host, rows[39]["host"])


# --- Slurm: stopping and resuming -----------------------------------------------------------

# Downloads (no CPU) of 0.2-0.4 s, one in flight per rank: about 12 s on 2 ranks, so a job
# can be cut at a known point. --io-window is no part of the journal's fingerprint.
DOWNLOADS = ["download", "--tasks", "80", "--min", "0.2", "--max", "0.4", "--seed", "3"]
SLOW = ["--io-window", "1", "-q", "--columns", COLUMNS]


class SlurmCheckpoint(SlurmCase):
    def checkpoint_env(self, launcher="srun", extra=()):
        return {"DROVER_ARGS": " ".join(DOWNLOADS + SLOW + list(extra)),
                "DROVER_JOURNAL": self.path("run.jrnl"), "DROVER_OUTPUT": self.path("out.jsonl"),
                "DROVER_LAUNCHER": launcher, "DROVER_INFO": "0"}

    def cut_and_resume(self, cut, launcher="srun", expect_code=4, expect_reason=None):
        """checkpoint.sbatch, cut by `cut(job)` once the journal has work; then the same
        script again: it must finish, with output equal to a singleton run's."""
        env = self.checkpoint_env(launcher)
        journal = env["DROVER_JOURNAL"]
        job, log_path = self.sbatch("checkpoint.sbatch", env)
        self.wait_running(job)
        self.wait_journal(journal, 5)
        t_cut = time.monotonic()
        cut(job)
        fields = self.wait_job(job, timeout=60)
        log(f"checkpoint ({launcher}): job {job} {fields.get('JobState')} "
            f"{time.monotonic() - t_cut:.1f} s after the cut")
        text = self.read(log_path)
        show = journal_show(journal)
        self.assertEqual(show.returncode, 0, f"journal after the cut:\n{show.stdout}{show.stderr}")
        done = journal_tasks(journal)
        self.assertTrue(0 < done < 80, f"the cut job did {done} of 80 tasks:\n{show.stdout}")
        self.assertEqual(self.exit_code(text), expect_code, text)
        if expect_code == 4:
            self.assertIn("stopped early", text)
        if expect_reason:
            self.assertRegex(text, expect_reason)

        # Resubmission: the very same script and environment.
        job2, log2 = self.sbatch("checkpoint.sbatch", env)
        fields2 = self.wait_job(job2, timeout=120)
        text2 = self.read(log2)
        self.assertEqual(fields2.get("JobState"), "COMPLETED", text2)
        self.assertEqual(self.exit_code(text2), 0, text2)
        self.assertIn("drover: finished", text2)
        with open(env["DROVER_OUTPUT"], "rb") as f:
            self.assertEqual(f.read(), reference(DOWNLOADS, "downloads", self.tmp),
                             "resumed output differs from a singleton run's")
        show = journal_show(journal)
        self.assertEqual(show.returncode, 0, show.stdout + show.stderr)
        self.assertIn("tasks: 80", show.stdout)
        self.assertIn("ends cleanly", show.stdout)
        return text, text2

    def test_usr1_to_batch_shell_srun(self):
        # Exactly what `#SBATCH --signal=B:USR1@T` sends: SIGUSR1 to the batch shell only.
        def cut(job):
            sh(["scancel", "--batch", "--signal=USR1", job], env={"SLURM_CONF": SLURM_CONF},
                check=True)
        text, _ = self.cut_and_resume(cut, "srun", 4, r"stopped early: SIGUSR1")
        self.assertIn("SIGUSR1", text)

    def test_usr1_to_batch_shell_mpirun(self):
        def cut(job):
            sh(["scancel", "--batch", "--signal=USR1", job], env={"SLURM_CONF": SLURM_CONF},
                check=True)
        self.cut_and_resume(cut, "mpirun", 4, r"stopped early: SIGUSR1")

    def test_plain_scancel_srun(self):
        # scancel: SIGTERM to every process of the job, SIGKILL after KillWait (10 s here).
        def cut(job):
            sh(["scancel", job], env={"SLURM_CONF": SLURM_CONF}, check=True)
        self.cut_and_resume(cut, "srun", 4, r"stopped early: SIGTERM")

    def test_stop_before_slurm_time_limit_chain(self):
        # drover reads the job's limit (2 min) from scontrol and stops dispatching
        # --stop-before ahead of it: here 112 s, so each job works about 8 s and stops
        # (exit 4); checkpoint-resubmit.sbatch submits the next job, until done.
        env = self.checkpoint_env(extra=["--stop-before", "112s", "--grace", "5s"])
        env["DROVER_MAX_SUBMISSIONS"] = "6"
        job, _ = self.sbatch("checkpoint-resubmit.sbatch", env,
                             {"SBATCH_TIMELIMIT": "2", "SBATCH_SIGNAL": "B:USR1@5"})
        t0 = time.monotonic()
        chain = [job]
        while True:
            fields = self.wait_job(chain[-1], timeout=150)
            text = self.read(self.log_of(chain[-1]))
            m = re.search(r"submitted job (\d+)", text)
            if not m:
                break
            self.assertEqual(self.exit_code(text), 4, text)
            self.assertRegex(text, r"stopped early: the time limit is 112 s away")
            self.assertEqual(self.job_fields(m.group(1)).get("TimeLimit"), "00:02:00",
                             "the resubmitted job lost the first one's --time")
            chain.append(m.group(1))
            self.assertLessEqual(len(chain), 6, "more jobs than DROVER_MAX_SUBMISSIONS")
        log(f"resubmitting chain: jobs {chain}, {time.monotonic() - t0:.1f} s")
        self.assertGreaterEqual(len(chain), 2, "the first job did not stop before the limit")
        self.assertEqual(fields.get("JobState"), "COMPLETED", text)
        self.assertEqual(self.exit_code(text), 0, text)
        self.assertIn(f"submission {len(chain)} of at most 6", text)
        with open(env["DROVER_OUTPUT"], "rb") as f:
            self.assertEqual(f.read(), reference(DOWNLOADS, "downloads", self.tmp))
        self.assertIn("tasks: 80", journal_show(env["DROVER_JOURNAL"]).stdout)

    def test_resubmission_cap(self):
        # A stand-in for drover that always stops early: the chain ends at the cap.
        stub = self.path("always-stops")
        with open(stub, "w") as f:
            f.write("#!/bin/sh\necho \"stub drover $*\"\n[ \"$1\" = run ] && exit 4\nexit 0\n")
        os.chmod(stub, 0o755)
        env = self.checkpoint_env()
        # The test cluster's KillOnBadExit=1 ends the step once one stub exits 4; a shell
        # stub still starting then dies of SIGTERM (exit 143; 1 of 32 logged suite runs). drover
        # itself takes that SIGTERM as a stop and exits 4; the stub is not drover: let each
        # stub end by itself.
        env.update({"DROVER_MAX_SUBMISSIONS": "3", "DROVER_ARGS": "stub",
                    "DROVER_LAUNCHER_ARGS": "--kill-on-bad-exit=0"})
        job, _ = self.sbatch("checkpoint-resubmit.sbatch", dict(env, DROVER_BIN=stub))
        chain = [job]
        while True:
            self.wait_job(chain[-1], timeout=60)
            text = self.read(self.log_of(chain[-1]))
            self.assertEqual(self.exit_code(text), 4, text)
            m = re.search(r"submitted job (\d+)", text)
            if not m:
                break
            chain.append(m.group(1))
            self.assertLessEqual(len(chain), 3)
        self.assertEqual(len(chain), 3, f"jobs: {chain}")
        self.assertIn("submission 3 of 3: not resubmitting", text)
        # The next job waited for the one before it (afterany), so never two at once.
        starts = [self.job_fields(j).get("StartTime") for j in chain]
        ends = [self.job_fields(j).get("EndTime") for j in chain]
        for before_end, next_start in zip(ends, starts[1:]):
            self.assertLessEqual(before_end, next_start)


# --- Slurm: a real time limit (slow) ------------------------------------------------------------

class SlurmTimeLimit(SlurmCase):
    """Two jobs at once, one node each, with a 1-minute limit (slurmctld acts on it up to
    30 s late): checkpoint.sbatch with --signal=B:USR1@45 must stop on the signal (exit 4);
    multi-node-srun.sbatch (no --signal) with drover's own time-limit stop turned off meets
    SIGTERM at the limit. Both journals must be consistent, and a resubmission finishes."""

    def test_time_limit(self):
        long = ["download", "--tasks", "600", "--min", "0.2", "--max", "0.4", "--seed", "5"]
        one_node = ["--time=1", "--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1"]
        signalled = {"DROVER_ARGS": " ".join(long + SLOW + ["--stop-before", "1s"]),
                     "DROVER_JOURNAL": self.path("signalled.jrnl"),
                     "DROVER_OUTPUT": self.path("signalled.jsonl"), "DROVER_INFO": "0"}
        at_limit_journal = self.path("at-limit.jrnl")
        at_limit = {"DROVER_ARGS": " ".join(long + SLOW + ["--time-limit", "1h", "--journal",
                                                           at_limit_journal, "--resume"]),
                    "DROVER_OUTPUT": self.path("at-limit.jsonl"), "DROVER_INFO": "0"}
        t0 = time.monotonic()
        job1, log1 = self.sbatch("checkpoint.sbatch", signalled,
                                 options=one_node + ["--signal=B:USR1@45"])
        job2, log2 = self.sbatch("multi-node-srun.sbatch", at_limit, options=one_node)
        f1 = self.wait_job(job1, timeout=150)
        log(f"signalled job {job1}: {f1.get('JobState')} after {time.monotonic() - t0:.0f} s")
        f2 = self.wait_job(job2, timeout=150)
        log(f"time-limit job {job2}: {f2.get('JobState')} after {time.monotonic() - t0:.0f} s")
        text1, text2 = self.read(log1), self.read(log2)
        SlurmTimeLimit.at_limit_log = text2

        self.assertIn("SIGUSR1", text1)
        self.assertEqual(self.exit_code(text1), 4, text1)
        self.assertIn("stopped early: SIGUSR1", text1)
        self.assertEqual(f2.get("JobState"), "TIMEOUT", text2)
        for journal in (signalled["DROVER_JOURNAL"], at_limit_journal):
            show = journal_show(journal)
            self.assertEqual(show.returncode, 0, show.stdout + show.stderr)
            self.assertGreater(journal_tasks(journal), 0)

        # Both resumed by checkpoint.sbatch with the same work and journal (and every
        # download in flight at once, to be quick): both finish, equal to a singleton run.
        expected = reference(long, "long", self.tmp)
        for journal, out in ((signalled["DROVER_JOURNAL"], self.path("signalled.jsonl")),
                             (at_limit_journal, self.path("at-limit.jsonl"))):
            resumed = {"DROVER_ARGS": " ".join(long + ["-q", "--columns", COLUMNS]),
                       "DROVER_JOURNAL": journal, "DROVER_OUTPUT": out, "DROVER_INFO": "0"}
            job, log_path = self.sbatch("checkpoint.sbatch", resumed, options=["--time=5"])
            fields = self.wait_job(job, timeout=120)
            text = self.read(log_path)
            self.assertEqual(fields.get("JobState"), "COMPLETED", text)
            self.assertEqual(self.exit_code(text), 0, text)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), expected, f"{out} differs from a singleton run's")

    def test_time_limit_stop_was_clean(self):
        # At the limit every task gets SIGTERM twice within milliseconds: that must stay
        # one clean stop (only a second SIGINT ends drover at once). (Runs after
        # test_time_limit, whose job log it reads.)
        self.assertIn("stopped early: SIGTERM", getattr(SlurmTimeLimit, "at_limit_log", ""))


# --- hosts as network namespaces -------------------------------------------------------------

def netns_up():
    t0 = time.monotonic()
    r = sh([os.path.join(NETNS_SCRIPTS, "up.sh"), "3"], env=NETNS_ENV, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"cluster/netns/up.sh failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    log(f"3 namespace hosts up in {time.monotonic() - t0:.1f} s")


def netns_down():
    sh([os.path.join(NETNS_SCRIPTS, "down.sh")], env=NETNS_ENV, timeout=60)
    log("namespace hosts down")


def netns_run(args, timeout=120):
    return sh([os.path.join(NETNS_SCRIPTS, "run.sh"), DROVER, *args], env=NETNS_ENV,
               timeout=timeout)


def drover_pid_in(host):
    """The pid of the drover process running in namespace `host`, or None."""
    r = sh(["ip", "netns", "pids", host])
    for pid in r.stdout.split():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "drover":
                    return int(pid)
        except OSError:
            pass
    return None


class Netns(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="drover-e2e-netns-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_run_across_hosts_over_tcp(self):
        out = self.path("sq.jsonl")
        t0 = time.monotonic()
        r = netns_run(["run", *CRUNCH, "--batch", "1", "--output", out])
        log(f"netns: 3 hosts, 48 crunch tasks in {time.monotonic() - t0:.1f} s")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows = rows_of(out)
        self.assertEqual(project(rows), [json.loads(line) for line in
                                         reference(CRUNCH, "crunch", self.tmp).splitlines()])
        self.assertEqual({row["host"] for row in rows}, set(NETNS_HOSTS), "the host column")
        self.assertEqual({row["rank"]: row["host"] for row in rows},
                         {i: h for i, h in enumerate(NETNS_HOSTS)})
        info = netns_run(["info"])
        self.assertEqual(info.returncode, 0, info.stdout + info.stderr)
        for host in NETNS_HOSTS:
            self.assertIn(host, info.stdout)

    def test_killed_host_rank_ends_job_then_resume(self):
        journal, out = self.path("run.jrnl"), self.path("out.jsonl")
        work = ["download", "--tasks", "90", "--min", "0.2", "--max", "0.4", "--seed", "9"]
        args = ["run", *work, *SLOW, "--journal", journal, "--resume", "--output", out]
        env = dict(os.environ, **NETNS_ENV)
        proc = subprocess.Popen(["timeout", "-k", "10", "120", os.path.join(NETNS_SCRIPTS, "run.sh"),
                                 DROVER, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=env, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while journal_tasks(journal) < 10 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            victim = drover_pid_in(NETNS_HOSTS[1])
            self.assertIsNotNone(victim, "no drover process in " + NETNS_HOSTS[1])
            t_kill = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            output, _ = proc.communicate(timeout=60)
            took = time.monotonic() - t_kill
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        log(f"netns: rank on {NETNS_HOSTS[1]} SIGKILLed; mpirun exit {proc.returncode} "
            f"{took:.1f} s later")
        self.assertLess(took, 15, f"the job took {took:.1f} s to end:\n{output}")
        self.assertNotEqual(proc.returncode, 0, output)
        self.assertNotEqual(proc.returncode, 124, f"timed out, a hang:\n{output}")
        self.assertRegex(output, rf"process rank 1 with PID {victim} on node {NETNS_HOSTS[1]} "
                                 r"exited on signal 9", "mpirun's message naming the lost rank")
        show = journal_show(journal)
        self.assertEqual(show.returncode, 0, show.stdout + show.stderr)
        done = journal_tasks(journal)
        self.assertTrue(0 < done < 90, show.stdout)
        # No rank is left behind on any host.
        for host in NETNS_HOSTS:
            self.assertIsNone(drover_pid_in(host), f"a drover process outlived the job on {host}")

        t0 = time.monotonic()
        r = netns_run(args)
        log(f"netns: resume of {90 - done} tasks in {time.monotonic() - t0:.1f} s")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), reference(work, "downloads", self.tmp))
        self.assertIn("tasks: 90", journal_show(journal).stdout)

    def test_cut_link_ends_job(self):
        # A host whose link goes down answers nothing: TCP keepalive on the daemons'
        # connections (run.sh's oob_tcp_keepalive_*) must end the job instead of a hang.
        journal = self.path("cut.jrnl")  # its records tell when the run is under way
        work = ["download", "--tasks", "300", "--min", "0.2", "--max", "0.4", "-q",
                "--io-window", "1", "--journal", journal]
        env = dict(os.environ, **NETNS_ENV)
        proc = subprocess.Popen(["timeout", "-k", "10", "120", os.path.join(NETNS_SCRIPTS, "run.sh"),
                                 DROVER, "run", *work], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            # Cut once results are flowing (a condition, not a fixed sleep).
            deadline = time.monotonic() + 60
            while journal_tasks(journal) < 5 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            self.assertIsNotNone(drover_pid_in(NETNS_HOSTS[2]), "no drover process in " + NETNS_HOSTS[2])
            t_cut = time.monotonic()
            sh(["ip", "-n", NETNS_HOSTS[2], "link", "set", "eth0", "down"], check=True)
            output, _ = proc.communicate(timeout=90)
            took = time.monotonic() - t_cut
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
            sh(["ip", "-n", NETNS_HOSTS[2], "link", "set", "eth0", "up"])
        log(f"netns: link of {NETNS_HOSTS[2]} cut; mpirun exit {proc.returncode} {took:.1f} s later")
        self.assertNotEqual(proc.returncode, 124, f"a hang, ended by timeout:\n{output}")
        self.assertNotEqual(proc.returncode, 0, output)
        self.assertLess(took, 15, output)
        self.assertIn("lost communication with a remote daemon", output)
        self.assertIn(NETNS_HOSTS[2], output)


# --- main ----------------------------------------------------------------------------------------

SUITES = {"Slurm": (Slurm, SlurmCheckpoint), "SlurmTimeLimit": (SlurmTimeLimit,),
          "Netns": (Netns,)}


def main():
    names = sys.argv[1:] or ["Slurm", "Netns"]
    for name in names:
        if name not in SUITES:
            print(f"usage: test_cluster.py [{'|'.join(SUITES)}]...", file=sys.stderr)
            return 2
    if not os.access(DROVER, os.X_OK):
        print(f"no drover binary at {DROVER} (set DROVER_BIN)", file=sys.stderr)
        return 2

    slurm = [n for n in names if n.startswith("Slurm")]
    netns = [n for n in names if n == "Netns"]
    skipped = []
    if slurm and (why := slurm_missing()):
        print(f"SKIP {', '.join(slurm)}: {why}", flush=True)
        skipped += slurm
        slurm = []
    if netns and (why := netns_missing()):
        print(f"SKIP Netns: {why}", flush=True)
        skipped += netns
        netns = []
    if not slurm and not netns:
        return SKIP

    # Tear down at exit whatever happens: a failure, an exception, SIGTERM or SIGINT.
    def down():
        if slurm:
            slurm_down()
        if netns:
            netns_down()
    atexit.register(down)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, f: sys.exit(128 + n))

    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    if slurm:
        slurm_up()
    if netns:
        netns_up()
    for name in slurm + netns:
        for cls in SUITES[name]:
            suite.addTests(loader.loadTestsFromTestCase(cls))
    t0 = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    log(f"{', '.join(slurm + netns)}: {time.monotonic() - t0:.0f} s"
        + (f" (skipped: {', '.join(skipped)})" if skipped else ""))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
