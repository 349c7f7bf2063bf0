#!/usr/bin/env python3
"""drover's scaling experiments: strong and weak scaling over ranks x threads, and task granularity.

Run it through scripts/scale.sh (installs and builds what it needs, then plots), or inside a
Slurm allocation through cluster/slurm/scaling.sbatch. Every run is
`drover run crunch ... -q --summary-json FILE`; the figures are drover's own time (first
dispatch to last result) from that file, medians of --reps runs after a warm-up.

- strong.csv: a fixed total of crunch work, split over more workers (ranks x threads).
- weak.csv: a fixed amount of work per worker (rank x thread; with one thread per rank, per
  rank): ideally the time stays flat while workers fit on the cores.
  Speed-up is throughput against 1 rank x 1 thread (for weak scaling the "scaled speed-up":
  workers x t(1x1) / t); efficiency is speed-up / cores used (as in drover compare), and
  efficiency_per_worker is speed-up / workers: the share of oversubscribed workers that did
  anything useful. Points with more workers than cores are flagged oversubscribed.
- granularity.csv: efficiency against task size, batched and with --batch 1, and METG(50 %),
  the smallest task at 50 % efficiency (scripts/bench.py's case_metg, same functions).
Benchmarks are not tests: nothing here fails on a slow figure.
"""
import argparse
import csv
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_lib  # noqa: E402
from bench import metg, sizes  # noqa: E402
from bench_lib import ROOT, Stat, machine, run  # noqa: E402


def parse_list(text):
    values = sorted({int(v) for v in text.split(",") if v.strip()})
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"need positive integers, got {text!r}")
    return values


def usable_cores():
    """Cores this job may use: the Slurm allocation's, else this process's affinity set."""
    if os.environ.get("SLURM_JOB_ID") and os.environ.get("SLURM_NTASKS"):
        per_task = int(os.environ.get("SLURM_CPUS_PER_TASK", "1") or 1)
        return int(os.environ["SLURM_NTASKS"]) * per_task
    return len(os.sched_getaffinity(0))


def lcm(values):
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


class Runner:
    """Starts drover runs under the chosen launcher and reads their --summary-json."""

    def __init__(self, args):
        self.drover = args.drover
        self.launcher = args.launcher
        self.extra = shlex.split(args.launcher_args or "")
        self.summary = os.path.join(tempfile.mkdtemp(prefix="drover-scale-"), "summary.json")

    def command(self, ranks, threads, drover_args):
        if self.launcher == "srun":
            prefix = ["srun", "-n", ranks, "-c", threads, *self.extra]
        else:
            # --bind-to none: Open MPI binds each rank to one core by default, which
            # would put all of a rank's threads on that one core.
            prefix = ["mpirun", "--quiet", "--oversubscribe", "--bind-to", "none", *self.extra,
                      "-np", ranks]
        return [*prefix, self.drover, *drover_args]

    def crunch(self, ranks, threads, tasks, count, extra=()):
        """One run; (drover's own seconds, whole-process seconds, summary)."""
        if os.path.exists(self.summary):
            os.remove(self.summary)
        args = ["run", "crunch", "--tasks", tasks, "--count", count, "--threads", threads, "-q",
                "--summary-json", self.summary, *extra]
        wall, out, err = run(self.command(ranks, threads, args))
        with open(self.summary) as f:
            summary = json.load(f)
        if summary["tasks"] != tasks or summary["failed"] != 0:
            raise RuntimeError(f"unexpected summary {summary} from {args}: {err[-300:]}")
        return summary["wall_seconds"], wall, summary

    def ns_per_increment(self):
        """The kernel's speed on this machine, from one rank's crunch metric: the fastest of
        many short tasks, since a task that shared its core with other work reads slower
        (a busy machine's median says more about the machine than about the kernel)."""
        out = os.path.join(os.path.dirname(self.summary), "crunch.jsonl")
        run(self.command(1, 1, ["run", "crunch", "--tasks", 32, "--count", 4_000_000,
                                "--threads", 1, "-q", "--output", out, "--columns", "metric"]))
        with open(out) as f:
            return min(json.loads(line)["metric"] for line in f)


def measure(runner, reps, ranks, threads, tasks, count, extra=()):
    runs = [runner.crunch(ranks, threads, tasks, count, extra) for _ in range(reps)]
    own = Stat([r[0] for r in runs])
    whole = Stat([r[1] for r in runs])
    imbalance = [r[2].get("imbalance") for r in runs if r[2].get("imbalance") is not None]
    return own, whole, (statistics.median(imbalance) if imbalance else None)


def scaling(runner, s, kind, ranks_list, threads_list, cores, count, task_s, describe):
    """Strong (fixed total work) or weak (fixed work per worker) scaling over ranks x threads."""
    workers_all = [r * t for r in ranks_list for t in threads_list]
    if kind == "strong":
        # Enough tasks for every worker count to get an equal share.
        step = lcm(workers_all)
        tasks_for = lambda w: max(step, round(s["strong_s"] / task_s / step) * step)  # noqa: E731
    else:
        per_worker = max(1, round(s["weak_s"] / task_s))
        tasks_for = lambda w: per_worker * w  # noqa: E731
    rows = []
    # Warm-up: the binary, its libraries and the launcher's start-up paths into the caches.
    runner.crunch(min(ranks_list), 1, 1, 1000)
    for threads in threads_list:
        for ranks in ranks_list:
            workers = ranks * threads
            tasks = tasks_for(workers)
            own, whole, imbalance = measure(runner, s["reps"], ranks, threads, tasks, count)
            rows.append(dict(configuration=f"{ranks} x {threads}", ranks=ranks, threads=threads,
                             workers=workers, cores_used=min(workers, cores), tasks=tasks,
                             count=count, median=own.median, min=own.values[0],
                             max=own.values[-1], whole_median=whole.median, imbalance=imbalance,
                             oversubscribed=workers > cores, machine=describe))
            print(f"  {kind} {ranks} ranks x {threads} threads: {tasks} tasks, {own} s"
                  + (" (oversubscribed)" if workers > cores else ""), flush=True)
    base = next(r for r in rows if r["ranks"] == min(ranks_list) and r["threads"] == min(threads_list))
    base_rate = base["tasks"] / base["median"] / base["workers"]
    for r in rows:
        r["speedup"] = r["tasks"] / r["median"] / base_rate
        r["efficiency"] = r["speedup"] / r["cores_used"]
        r["efficiency_per_worker"] = r["speedup"] / r["workers"]
    return rows


def granularity(runner, s, ranks, cores, ns_per_inc, describe):
    """Efficiency against task size on `ranks` x 1 thread, batched and with --batch 1."""
    used = min(ranks, cores)
    rows = []
    for batching, extra in (("batched", []), ("--batch 1", ["--batch", 1])):
        points = []
        for c in s["metg"]:
            tasks = int(s["metg_work"] * used * 1e9 / (c * ns_per_inc))
            tasks = max(8, min(tasks, 100_000 if extra else 20_000_000))
            own, _, _ = measure(runner, s["reps"], ranks, 1, tasks, c, extra)
            task_ns = c * ns_per_inc
            eff = tasks * task_ns * 1e-9 / (used * own.median)
            points.append((task_ns, eff))
            rows.append(dict(batching=batching, ranks=ranks, threads=1, cores_used=used,
                             count=c, task_ns=task_ns, tasks=tasks, median=own.median,
                             min=own.values[0], max=own.values[-1], efficiency=eff,
                             machine=describe))
            print(f"  granularity {batching}: task {task_ns:.3g} ns, efficiency {eff:.2f}",
                  flush=True)
        m = metg(points)
        for r in rows:
            if r["batching"] == batching:
                r["metg_ns"] = m
        print(f"  METG(50%), {batching}: {m:.3g} ns", flush=True)
    return rows


def save(path, rows, keys):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r[k]) for k in keys})
    print(f"written: {os.path.relpath(path, ROOT)}")


def supports(drover, flag):
    return flag in subprocess.run([drover, "run", "--help"], capture_output=True, text=True).stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, one run each (CI smoke)")
    p.add_argument("--ranks", type=parse_list, default=[1, 2, 4], help="rank counts (default 1,2,4)")
    p.add_argument("--threads", type=parse_list, default=[1, 2],
                   help="threads per rank (default 1,2)")
    p.add_argument("--reps", type=int, help="runs per point (default 3, --quick 1)")
    p.add_argument("--cores", type=int, default=usable_cores(),
                   help="cores available, for cores used and oversubscription (default: the "
                        "Slurm allocation's, else this process's: %(default)s)")
    p.add_argument("--launcher", choices=["mpirun", "srun"], default="mpirun")
    p.add_argument("--launcher-args", help="extra launcher options, e.g. --mpi=pmix for srun")
    p.add_argument("--drover", default=os.environ.get("DROVER_BIN", bench_lib.DROVER),
                   help="the drover binary (default %(default)s)")
    p.add_argument("--out", default=os.path.join(ROOT, "out", "scale"), help="output directory")
    p.add_argument("--trace", action="store_true",
                   help="also record one run with --trace (out/scale/trace.json) for a Gantt chart")
    p.add_argument("--skip", default="", help="comma-separated: strong,weak,granularity")
    args = p.parse_args()

    if not supports(args.drover, "--summary-json"):
        sys.exit(f"{args.drover} has no --summary-json: build a drover that has it")
    s = sizes(args.quick)
    s["reps"] = args.reps or (1 if args.quick else 3)
    s["strong_s"] = 0.6 if args.quick else 4.0  # serial seconds of the fixed total (strong)
    s["weak_s"] = 0.2 if args.quick else 1.0     # seconds of work per worker (weak)
    skip = set(args.skip.split(",")) - {""}
    os.makedirs(args.out, exist_ok=True)
    info = machine()
    nodes = os.environ.get("SLURM_JOB_NUM_NODES")
    # The load average says whether other work shared the cores: figures from a busy machine
    # say more about its load than about drover.
    describe = (f"{args.cores} cores{f' on {nodes} nodes' if nodes else ''}, {info['cpu']}, "
                f"{info['memory_gib']} GiB, {info['mpi']}, {info['date']}, "
                f"load average {os.getloadavg()[0]:.2f} before the runs")
    print(f"machine: {describe}; launcher {args.launcher}; mode {'quick' if args.quick else 'full'}"
          f", {s['reps']} runs per point")

    runner = Runner(args)
    ns = runner.ns_per_increment()
    task_s = 0.01 if args.quick else 0.02  # crunch tasks of about 10 or 20 ms
    count = max(1000, int(task_s * 1e9 / ns))
    print(f"crunch: {ns:.3f} ns per increment here; scaling tasks of {count} increments "
          f"(~{task_s * 1e3:.0f} ms)")
    scale_keys = ["configuration", "ranks", "threads", "workers", "cores_used", "tasks", "count",
                  "median", "min", "max", "whole_median", "speedup", "efficiency",
                  "efficiency_per_worker", "imbalance", "oversubscribed", "machine"]
    for kind in ("strong", "weak"):
        if kind in skip:
            continue
        rows = scaling(runner, s, kind, args.ranks, args.threads, args.cores, count, task_s,
                       describe)
        save(os.path.join(args.out, f"{kind}.csv"), rows, scale_keys)
    if "granularity" not in skip:
        fitting = [r for r in args.ranks if r <= args.cores] or [min(args.ranks)]
        rows = granularity(runner, s, max(fitting), args.cores, ns, describe)
        save(os.path.join(args.out, "granularity.csv"), rows,
             ["batching", "ranks", "threads", "cores_used", "count", "task_ns", "tasks", "median",
              "min", "max", "efficiency", "metg_ns", "machine"])
    if args.trace:
        if supports(args.drover, "--trace"):
            trace = os.path.join(args.out, "trace.json")
            # The largest shape that fits on the cores: a row per rank and thread, no time-slicing.
            ranks = max([r for r in args.ranks if r <= args.cores] or [min(args.ranks)])
            threads = max([t for t in args.threads if ranks * t <= args.cores] or [1])
            runner.crunch(ranks, threads, 8 * ranks * threads, count, ["--trace", trace])
            print(f"written: {os.path.relpath(trace, ROOT)}")
        else:
            print(f"{args.drover} has no --trace: no trace recorded")


if __name__ == "__main__":
    main()
