#!/usr/bin/env python3
"""Kill-and-resume torture test: SIGKILL a journaled run again and again, then finish it.

Builds a mixed task file (squares, three of which overflow; crunch; downloads
with names that need escaping), runs it once uninterrupted for a reference
output, then for N cycles starts `drover run --journal J --resume` under
mpirun in a new session and SIGKILLs it at a seeded random moment: either
mpirun's process group (as `kill -9 -PGID` would; Open MPI gives each rank a
group of its own, so the ranks must die with their launcher) or every process
of the job at once (a node failure). After each kill no process of the job
may survive and `drover journal show` must read the journal. Killed runs vary
fsync policy, --batch, --unordered and retries around a failing rank
(DROVER_TEST_FAIL_RANKS=1). A last resume runs to completion: its output must
equal the reference byte for byte, as must `drover journal export` with the
same columns, and the journal must hold every task exactly once.

A failing rank needs drover_faulty (built with the tests: the CLI plus the
test-only kinds flaky and flaky_spin, which fail every task on the ranks
DROVER_TEST_FAIL_RANKS lists). When it is found (--faulty, else
DROVER_FAULTY_BIN, else build/tests/drover_faulty), it runs the whole series,
reference and journal tools included (a journal names its binary's kinds:
drover refuses drover_faulty's), and a third of the squares and crunches are
flaky and flaky_spin tasks; without it the series runs --drover with no
failing rank, and the verdict says so.

  scripts/kill_resume.py [--cycles 20] [--seed 1] [--ranks 3] [--squares 3000]
                         [--crunch 300] [--crunch-max 20000000] [--downloads 100]
                         [--kill group|session|mixed] [--allow-orphans] [-v]
                         [--drover build/drover] [--faulty build/tests/drover_faulty]

Prints one verdict line; exits 0 on PASS, 1 on any mismatch (the temp dir is
kept for a look), 2 on a usage or set-up error.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = "id,kind,input,ok,value,error"  # no provenance: two runs compare byte for byte
OVERFLOW = 3037000500  # the smallest n whose square overflows int64


def mpi_env():
    env = dict(os.environ)
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    env["OMPI_MCA_mpi_yield_when_idle"] = "1"
    env.setdefault("OMPI_MCA_pml", "ob1")
    return env


class Failed(Exception):
    pass


def cpu_task(kind, flaky_kind, field, value, index, faulty):
    """A square or crunch line, or with drover_faulty every third one its flaky twin (the
    same value): the tasks that a failing rank fails."""
    if faulty and index % 3 == 0:
        return json.dumps({"kind": flaky_kind, "input": value})
    return json.dumps({"kind": kind, field: value})


def write_tasks(path, rng, squares, crunch, crunch_max, downloads, faulty):
    # The seeded draws are the same with and without drover_faulty: only kind names differ.
    lines = [cpu_task("square", "flaky", "n", rng.randint(-2**31, 2**31), i, faulty)
             for i in range(squares)]
    # A few squares that overflow: failed rows, the same in every run.
    for sign in (1, -1, 1):
        overflowing = json.dumps({"kind": "square", "n": sign * OVERFLOW})
        lines.insert(rng.randrange(len(lines) + 1), overflowing)
    lines += [cpu_task("crunch", "flaky_spin", "count", rng.randint(10**5, crunch_max), i, faulty)
              for i in range(crunch)]
    # Names that need escaping travel through the journal and back.
    names = ["plain-{}.bin", "quote \"{}\".avi", "caf\u00e9-{}.txt", "comma,{}", "back\\slash-{}"]
    lines += [json.dumps({"kind": "download", "name": names[i % len(names)].format(i),
                          "seconds": round(rng.uniform(0.005, 0.05), 4)}) for i in range(downloads)]
    rng.shuffle(lines)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


class Runner:
    def __init__(self, args, workdir):
        self.args = args
        self.dir = workdir
        self.env = mpi_env()
        self.tasks = os.path.join(workdir, "tasks.jsonl")
        self.journal = os.path.join(workdir, "journal.drj")
        self.output = os.path.join(workdir, "out.jsonl")
        self.ref = os.path.join(workdir, "ref.jsonl")

    def mpirun(self, *drover_args, mpi_args=()):
        return [self.args.mpirun, "--quiet", "-np", str(self.args.ranks), *mpi_args,
                self.args.drover, *map(str, drover_args)]

    def run(self, cmd, timeout):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=self.env,
                                  stdin=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failed(f"timed out after {timeout} s: {' '.join(cmd)}")

    def journal_show(self):
        r = self.run([self.args.drover, "journal", "show", self.journal], 60)
        return r

    def journal_tasks(self):
        """Tasks the journal holds now (0 when there is none yet)."""
        if not os.path.exists(self.journal) or os.path.getsize(self.journal) == 0:
            return 0
        r = self.journal_show()
        m = re.search(r"tasks: (\d+)", r.stdout)
        return int(m.group(1)) if r.returncode == 0 and m else 0


def session_processes(sid):
    """(pid, comm) of every live process in session `sid`, zombies left out."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may hold spaces: the fields after it start past the last ')'.
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append((int(entry), comm))
    return found


def kill_cycle(runner, rng, cycle, startup_s, work_s, stats):
    """One started-and-killed run. Returns a short note for --verbose."""
    args = runner.args
    remaining = 1.0 - runner.journal_tasks() / stats["tasks"]
    # Vary how the journal reaches the disk: every record, or by time.
    fsync = rng.choice([["--fsync-every", "1"], ["--fsync-interval", "5"],
                        ["--fsync-interval", "50"], ["--fsync-every", "7", "--fsync-interval", "0"]])
    # Vary what the killed runs journal: batch shapes, completion order, and
    # final results that took retries around a failing rank. None of it may
    # show in the resumed output (the columns leave out attempts and rank).
    shape = rng.choice([[], [], ["--unordered"], ["--batch", "1"], ["--batch", "64"]])
    mpi_args = []
    # Drawn with or without drover_faulty: a seed kills at the same moments either way.
    if args.ranks >= 2 and rng.random() < 0.25 and args.faulty:
        mpi_args = ["-x", "DROVER_TEST_FAIL_RANKS=1"]
        shape = shape + ["--retries", "2"]
        stats["failing"] += 1
    cmd = runner.mpirun("run", "--tasks-file", runner.tasks, "--journal", runner.journal,
                        "--resume", "--output", runner.output, "--columns", COLUMNS, "-q", *fsync,
                        *shape, mpi_args=mpi_args)
    # Fault-injection timing, not synchronisation: a seeded delay within the
    # expected run time of this resume. One kill in five lands in start-up
    # (MPI_Init, the journal scan, the replay); the others within a slice of
    # the work still left, sized so that the work lasts about all the cycles.
    if rng.random() < 0.2:
        delay = rng.uniform(0.3 * startup_s, startup_s)
    else:
        left = min(max(remaining, 0.02), 2.5 / max(args.cycles, 1))
        delay = startup_s + rng.uniform(0, work_s * left)
    # "group": SIGKILL to mpirun's process group, as `kill -9 -PGID` or a
    # supervisor would; "session": every process of the job at once, as a node
    # failure or a cgroup kill would (Open MPI gives each rank its own group).
    how = args.kill if args.kill != "mixed" else rng.choice(["group", "session"])
    log = open(os.path.join(runner.dir, f"cycle{cycle}.log"), "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=runner.env,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
        stats[how] += 1
        os.killpg(proc.pid, signal.SIGKILL)
        if how == "session":
            kill_session(proc.pid)
    size_at_kill = os.path.getsize(runner.journal) if os.path.exists(runner.journal) else 0
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise Failed(f"cycle {cycle}: mpirun did not die within 30 s of SIGKILL")
    log.close()
    if finished:
        stats["finished"] += 1
        if rc != stats["ref_rc"]:
            raise Failed(f"cycle {cycle}: an unkilled resume exited {rc}, the reference "
                         f"{stats['ref_rc']}; log {log.name}")
    else:
        stats["killed"] += 1
        check_orphans(runner, proc.pid, cycle, size_at_kill, stats)
    if os.path.exists(runner.journal) and os.path.getsize(runner.journal) > 0:
        show = runner.journal_show()
        if show.returncode != 0:
            raise Failed(f"cycle {cycle}: journal show exited {show.returncode} after the kill: "
                         f"{show.stderr.strip()} (journal {runner.journal})")
        if "torn record after" in show.stdout:
            stats["torn"] += 1
    else:
        stats["no_journal"] += 1
    return (f"cycle {cycle}: {'finished' if finished else how + '-killed'} after {delay:.3f} s "
            f"({stats['tasks'] * (1 - remaining):.0f} tasks journaled before, "
            f"{runner.journal_tasks()} after; {' '.join(fsync + shape + mpi_args)})")


def kill_session(sid):
    """SIGKILLs every process of session `sid` (all started by this script)
    until none is left; mpirun is dead already, so nothing new appears."""
    for _ in range(100):
        live = session_processes(sid)
        if not live:
            return
        for pid, _ in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)


def check_orphans(runner, sid, cycle, size_at_kill, stats):
    """Ranks live in process groups of their own (Open MPI's choice), so
    SIGKILL to mpirun's group does not reach them: any of the session that
    outlives mpirun is an orphan, and rank 0 may go on appending to the journal.
    Waits for orphans to go (bounded) so that the next cycle does not race them."""
    deadline = time.monotonic() + 0.2  # the kernel's own teardown of killed processes
    orphans = session_processes(sid)
    while orphans and time.monotonic() < deadline:
        time.sleep(0.02)
        orphans = session_processes(sid)
    if not orphans:
        return
    started = time.monotonic()
    first = orphans
    while orphans and time.monotonic() - started < 15:
        time.sleep(0.05)
        orphans = session_processes(sid)
    lived = time.monotonic() - started + 0.2
    for pid, _ in orphans:  # ours: started by this script, in its own session
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    grew = (os.path.getsize(runner.journal) if os.path.exists(runner.journal) else 0) - size_at_kill
    stats["orphan_cycles"] += 1
    stats["orphans_max_s"] = max(stats["orphans_max_s"], lived)
    stats["journal_growth_after_kill"] += max(grew, 0)
    stats["orphan_notes"].append(
        f"cycle {cycle}: {len(first)} process(es) ({', '.join(sorted({c for _, c in first}))}) "
        f"outlived mpirun for {lived:.1f} s{' and were killed' if orphans else ''}; "
        f"the journal grew by {grew} bytes after the kill")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cycles", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ranks", type=int, default=3)
    p.add_argument("--squares", type=int, default=3000)
    p.add_argument("--crunch", type=int, default=300)
    # 1e5..2e7 increments (0.04-8 ms each here): about 0.6 s of work at 2 cores.
    # Much less, and the work ends within start-up's own jitter (~50 ms): the
    # kills would land before the work or after it, never in it.
    p.add_argument("--crunch-max", type=int, default=2 * 10**7,
                   help="crunch tasks count 1e5..this many increments (default 2e7)")
    p.add_argument("--downloads", type=int, default=100)
    p.add_argument("--drover", default=os.environ.get("DROVER_BIN", os.path.join(ROOT, "build/drover")))
    p.add_argument("--faulty", default=os.environ.get("DROVER_FAULTY_BIN"),
                   help="drover_faulty, for the cycles around a failing rank; it then runs the "
                        "whole series (default: DROVER_FAULTY_BIN, else "
                        "build/tests/drover_faulty if built, else no failing rank)")
    p.add_argument("--mpirun", default=os.environ.get("DROVER_MPIRUN", "mpirun"))
    p.add_argument("--kill", choices=["group", "session", "mixed"], default="mixed",
                   help="SIGKILL mpirun's process group, every process of the job, or either "
                        "by the seed per cycle (default)")
    p.add_argument("--allow-orphans", action="store_true",
                   help="report ranks that outlive mpirun's SIGKILL, but do not fail on them")
    p.add_argument("--keep", action="store_true", help="keep the temp dir even on PASS")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per cycle")
    args = p.parse_args()
    if args.cycles < 0 or args.ranks < 1 or min(args.squares, args.crunch, args.downloads) < 0:
        p.error("cycles, tasks must be >= 0 and ranks >= 1")
    if args.faulty is None:
        default = os.path.join(ROOT, "build/tests/drover_faulty")
        args.faulty = default if os.access(default, os.X_OK) else ""
    elif not os.access(args.faulty, os.X_OK):
        print(f"kill_resume: no drover_faulty at {args.faulty} (build the tests)", file=sys.stderr)
        return 2
    if args.faulty:
        args.drover = args.faulty  # every run and journal tool of the series: one registry
    if not os.access(args.drover, os.X_OK):
        print(f"kill_resume: no drover binary at {args.drover} (build first)", file=sys.stderr)
        return 2

    started = time.monotonic()
    rng = random.Random(args.seed)
    workdir = tempfile.mkdtemp(prefix="drover-kill-resume-")
    runner = Runner(args, workdir)
    stats = dict(tasks=0, killed=0, finished=0, torn=0, no_journal=0, orphan_cycles=0,
                 orphans_max_s=0.0, journal_growth_after_kill=0, orphan_notes=[], ref_rc=0,
                 group=0, session=0, failing=0)
    verdict_ok = False
    try:
        stats["tasks"] = n = write_tasks(runner.tasks, rng, args.squares, args.crunch,
                                         args.crunch_max, args.downloads, bool(args.faulty))
        t0 = time.monotonic()
        empty = runner.run(runner.mpirun("run", "square", "--count", "0", "-q"), 120)
        startup_s = time.monotonic() - t0
        if empty.returncode != 0:
            raise Failed(f"an empty run exited {empty.returncode}: {empty.stderr.strip()}")
        t0 = time.monotonic()
        ref = runner.run(runner.mpirun("run", "--tasks-file", runner.tasks, "--output", runner.ref,
                                       "--columns", COLUMNS, "-q"), 300)
        work_s = max(time.monotonic() - t0 - startup_s, 0.05)
        stats["ref_rc"] = ref.returncode
        if ref.returncode not in (0, 1) or "drover: error" in ref.stderr:
            raise Failed(f"the reference run exited {ref.returncode}: {ref.stderr.strip()}")

        for cycle in range(args.cycles):
            note = kill_cycle(runner, rng, cycle, startup_s, work_s, stats)
            if args.verbose:
                print(note, flush=True)

        journaled_by_kills = runner.journal_tasks()
        final = runner.run(runner.mpirun("run", "--tasks-file", runner.tasks, "--journal",
                                         runner.journal, "--resume", "--output", runner.output,
                                         "--columns", COLUMNS, "-q"), 300)
        if final.returncode != ref.returncode:
            raise Failed(f"the final resume exited {final.returncode}, the reference "
                         f"{ref.returncode}: {final.stderr.strip()}")
        with open(runner.ref, "rb") as a, open(runner.output, "rb") as b:
            ref_bytes, out_bytes = a.read(), b.read()
        if ref_bytes != out_bytes:
            raise Failed(f"the resumed output differs from the reference: diff {runner.ref} "
                         f"{runner.output}")

        show = runner.journal_show()
        m = re.search(r"tasks: (\d+)", show.stdout)
        if show.returncode != 0 or not m or int(m.group(1)) != n:
            raise Failed(f"journal show: exit {show.returncode}, {show.stdout.strip()!r}, "
                         f"{show.stderr.strip()!r}; expected {n} tasks")
        export = runner.run([args.drover, "journal", "export", runner.journal, "--format", "csv",
                             "--columns", "id"], 120)
        ids = [int(x) for x in export.stdout.split()[1:]] if export.returncode == 0 else []
        duplicates = len(ids) - len(set(ids))
        if export.returncode != 0 or sorted(ids) != list(range(n)):
            raise Failed(f"journal export: exit {export.returncode}, {len(ids)} rows, "
                         f"{duplicates} duplicates, {len(set(range(n)) - set(ids))} ids missing")
        export = runner.run([args.drover, "journal", "export", runner.journal, "--columns",
                             COLUMNS], 120)
        if export.returncode != 0 or export.stdout.encode() != ref_bytes:
            raise Failed("journal export with the same columns differs from the reference output")
        if stats["orphan_cycles"] and not args.allow_orphans:
            raise Failed("ranks outlived mpirun's SIGKILL: " + "; ".join(stats["orphan_notes"]))
        verdict_ok = True
        failing = (f"{stats['failing']} around a failing rank" if args.faulty else
                   "no failing rank: no drover_faulty (--faulty)")
        print(f"kill_resume: PASS: {args.cycles} cycles ({stats['killed']} killed: "
              f"{stats['group']} by group, {stats['session']} by session; "
              f"{stats['finished']} finished first, {stats['no_journal']} before a journal "
              f"existed; {failing}), {n} tasks at {args.ranks} ranks; killed runs journaled "
              f"{journaled_by_kills}, the final run {n - journaled_by_kills}; journal: {len(ids)} "
              f"tasks, {duplicates} duplicates; torn tails seen {stats['torn']}; orphaned ranks "
              f"in {stats['orphan_cycles']} cycles (longest {stats['orphans_max_s']:.1f} s, "
              f"journal +{stats['journal_growth_after_kill']} B after kills); output == reference "
              f"({len(ref_bytes)} B); {time.monotonic() - started:.1f} s")
        return 0
    except Failed as e:
        print(f"kill_resume: FAIL: {e} (seed {args.seed}, {stats['killed']} kills, "
              f"{stats['torn']} torn tails; files kept in {workdir})")
        for note in stats["orphan_notes"]:
            print(f"  {note}")
        return 1
    finally:
        if verdict_ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
