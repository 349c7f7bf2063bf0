#!/usr/bin/env python3
"""drover's benchmark harness: every case against references measured in the same run.

Run it through scripts/bench.sh, which installs and builds what it needs. Each case runs
several times; the table quotes medians with [min-max], ratios against the references,
and the targets of the performance issue. Results also go to out/bench/bench.{csv,json}.
Benchmarks are not tests: nothing here fails on a slow figure.
"""
import argparse
import json
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_balance import case_balance  # noqa: E402
from bench_commands import case_commands  # noqa: E402
from bench_lib import (DEBIAN_PYTHON, DROVER, LIBRARY_BENCH, MICROBENCH, REF_PINGPONG,  # noqa: E402
                       REF_PY, REF_THREADS, ROOT, Stat, Table, drover, json_line, machine,
                       mpirun, repeat, run)

OUT = os.path.join(ROOT, "out", "bench")


def sizes(quick):
    """Full sizes are the issue's; quick ones only prove every case still runs."""
    if quick:
        return dict(reps=1, tiny=10_000, mpi4py=2_000, structs=100_000, squares=10_000_000, whole=3_000_000,
                    crunch=10_000_000, downloads=10_000, dl_min=0.05, dl_max=0.1,
                    stream=100_000_000, metg=[400, 40_000, 4_000_000], metg_work=0.1,
                    commands=200, sleeps=1000, mixed_cheap=2000, mixed_dear=20,
                    mixed_dear_count=4_000_000)
    return dict(reps=5, tiny=100_000, mpi4py=20_000, structs=1_000_000, squares=100_000_000, whole=30_000_000,
                crunch=100_000_000, downloads=100_000, dl_min=0.5, dl_max=1.0,
                stream=1_000_000_000, metg=[100, 400, 1_600, 6_400, 25_600, 102_400, 409_600,
                                            4_000_000, 40_000_000], metg_work=0.4,
                commands=4000, sleeps=10_000, mixed_cheap=20_000, mixed_dear=200,
                mixed_dear_count=40_000_000)


def case_startup(t, s):
    one = Stat(repeat(s["reps"], lambda: drover(["run", "square", "--count", "0"])["wall"]))
    two = Stat(repeat(s["reps"], lambda: drover(["run", "square", "--count", "0"], ranks=2)["wall"]))
    t.add("start-up", "singleton, whole process", "s", one)
    t.add("start-up", "mpirun -np 2, whole process", "s", two, note="fixed cost, left out below")
    return two.median


def case_per_task(t, s):
    n = s["tiny"]
    args = ["run", "square", "--count", n, "--batch", "1"]
    runs = repeat(s["reps"], lambda: drover(args, ranks=2))
    us = Stat([r["seconds"] / n * 1e6 for r in runs])
    # The same from whole-process times at two sizes: start-up cancels out.
    half = repeat(s["reps"], lambda: drover(["run", "square", "--count", n // 2, "--batch", "1"],
                                            ranks=2)["wall"])
    diff = (statistics.median(r["wall"] for r in runs) - statistics.median(half)) / (n - n // 2)
    pool = Stat(repeat(s["reps"], lambda: json_line(
        run([DEBIAN_PYTHON, REF_PY, "pool-overhead", n])[1])["us_per_task"]))
    ping = json_line(run(mpirun(2, REF_PINGPONG, 100_000, 5))[1])
    t.add("per-task overhead", "--batch 1, 2 ranks, at rank 0", "us/task", us,
          "Pool.map chunksize=1", pool, pool.median / us.median, ">= 10x, <= 3 us")
    t.add("per-task overhead", "from two sizes, whole process", "us/task", Stat([diff * 1e6]))
    t.add("per-task overhead", "raw MPI 8-byte half round trip", "us", Stat([ping["half_round_trip_us"]]),
          note="the physical limit for one message")
    futures = json_line(run(mpirun(2, DEBIAN_PYTHON, "-m", "mpi4py.futures", REF_PY,
                                   "mpi4py-futures", s["mpi4py"]))[1])
    if "skipped" not in futures:
        t.add("per-task overhead", "vs mpi4py.futures submit", "us/task", us,
              "mpi4py.futures", Stat([futures["us_per_task"]]),
              futures["us_per_task"] / us.median, ">= 50x")


def case_squares(t, s):
    n = s["squares"]
    runs = repeat(s["reps"], lambda: drover(["run", "square", "--count", n], ranks=2))
    rate = Stat([n / r["seconds"] for r in runs])
    ref = Stat(repeat(s["reps"], lambda: json_line(
        run([REF_THREADS, "squares", n, 2])[1])["results_per_s"]))
    t.add("squares", f"{n:.0e} ordered, 2 ranks", "results/s", rate, "std::thread, 2 threads", ref,
          rate.median / ref.median, ">= 200M/s")
    w = s["whole"]
    whole = Stat(repeat(s["reps"], lambda: drover(["run", "square", "--count", w], ranks=2)["wall"]))
    pool = Stat(repeat(s["reps"], lambda: json_line(
        run([DEBIAN_PYTHON, REF_PY, "pool-map", w])[1])["seconds_total"]))
    serial = Stat(repeat(s["reps"], lambda: json_line(
        run([DEBIAN_PYTHON, REF_PY, "serial", w])[1])["seconds"]))
    t.add("squares", f"{w:.0e} whole process, 2 ranks", "s", whole, "Pool.map default", pool,
          pool.median / whole.median, ">= 10x")
    t.add("squares", f"{w:.0e} whole process, 2 ranks", "s", whole, "serial Python loop", serial,
          serial.median / whole.median, "> 1x")


def crunch_run(c, ranks, threads):
    out = os.path.join(OUT, "crunch.jsonl")
    r = drover(["run", "crunch", "--tasks", 8, "--count", c, "--threads", threads, "--output", out],
               ranks=ranks)
    with open(out) as f:
        r["ns_per_inc"] = statistics.median(json.loads(line)["metric"] for line in f)
    return r


def case_crunch(t, s):
    c = s["crunch"]
    ref_runs = repeat(s["reps"], lambda: json_line(run([REF_THREADS, "crunch", 8, c, 2])[1]))
    ref = Stat([r["increments_per_s"] for r in ref_runs])
    ref_ns = Stat([r["ns_per_increment"] for r in ref_runs])
    for label, ranks, threads in (("2 ranks x 1 thread", 2, 1), ("1 rank x 2 threads", None, 2)):
        runs = repeat(s["reps"], lambda: crunch_run(c, ranks, threads))
        rate = Stat([8 * c / r["seconds"] for r in runs])
        ns = Stat([r["ns_per_inc"] for r in runs])
        t.add("crunch", f"8 x {c:.0e}, {label}", "increments/s", rate, "std::thread, 2 threads", ref,
              rate.median / ref.median, ">= 0.95x")
        t.add("crunch", f"ns per increment, {label}", "ns", ns, "same kernel in std::thread", ref_ns,
              ns.median / ref_ns.median, "within 5%")
    return ref_ns.median


def case_downloads(t, s):
    n = s["downloads"]
    args = ["run", "download", "--tasks", n, "--min", s["dl_min"], "--max", s["dl_max"], "-q"]
    runs = repeat(s["reps"], lambda: drover(args, rss=True))
    small = drover(["run", "download", "--tasks", 10, "--min", s["dl_min"], "--max", s["dl_max"],
                    "-q"], rss=True)
    # The longest of n uniform draws sits within (max-min)/n of --max: use --max itself.
    span = Stat([r["seconds"] / s["dl_max"] for r in runs])
    per = Stat([(r["rss_kb"][0] - small["rss_kb"][0]) * 1024 / (n - 10) for r in runs])
    t.add("downloads", f"{n} of {s['dl_min']}-{s['dl_max']} s, 1 rank", "makespan / longest", span,
          target="<= 1.01x + start-up")
    t.add("downloads", "memory per download in flight", "bytes", per, target="<= 1 KiB")
    # Printing must not delay the work it reports (issue 11): every start and finish line
    # through mpirun's stdout, 2 ranks; lateness is seconds waited minus planned, per download.
    rows = os.path.join(OUT, "downloads.jsonl")
    late = {}
    for quiet in ("", "-q"):
        drover(["run", "download", "--tasks", n, "--min", s["dl_min"], "--max", s["dl_max"],
                "--output", rows, "--columns", "value,metric", *([quiet] if quiet else [])], ranks=2)
        with open(rows) as f:
            late[quiet] = statistics.median(json.loads(x)["metric"] - json.loads(x)["value"] / 1000
                                            for x in f)
    t.add("downloads", f"{n} announced through mpirun, 2 ranks: median lateness", "s",
          Stat([late[""]]), "the same with -q", Stat([late["-q"]]), target="as with -q")


def case_stream(t, s):
    n = s["stream"]
    runs = repeat(max(1, s["reps"] // 2),
                  lambda: drover(["run", "square", "--count", n, "--unordered"], ranks=2, rss=True))
    rss = Stat([max(r["rss_kb"]) / 1024 for r in runs])
    t.add("streaming memory", f"{n:.0e} squares unordered, 2 ranks", "MiB peak RSS, worst rank", rss,
          target="<= 100 MiB")


def case_journal(t, s):
    """What --journal costs with the default fsync policy (every 1000 ms)."""
    journal = os.path.join(OUT, "bench.jrnl")

    def timed(args, with_journal):
        if os.path.exists(journal):
            os.remove(journal)
        extra = ["--journal", journal] if with_journal else []
        return drover([*args, *extra], ranks=2)["seconds"]

    n = s["tiny"]
    one = ["run", "square", "--count", n, "--batch", 1]
    plain = Stat(repeat(s["reps"], lambda: timed(one, False) / n * 1e6))
    logged = Stat(repeat(s["reps"], lambda: timed(one, True) / n * 1e6))
    t.add("journal", "--batch 1 with --journal (a record per task)", "us/task", logged,
          "no journal", plain, logged.median / plain.median, "cost stated")
    big = ["run", "square", "--count", s["squares"]]
    plain = Stat(repeat(s["reps"], lambda: s["squares"] / timed(big, False)))
    logged = Stat(repeat(s["reps"], lambda: s["squares"] / timed(big, True)))
    t.add("journal", f"{s['squares']:.0e} squares with --journal", "results/s", logged,
          "no journal", plain, logged.median / plain.median, "cost stated")


def metg(points):
    """Smallest task size (ns) at 50 % efficiency, interpolated on a log scale."""
    points = sorted(points)
    for (s0, e0), (s1, e1) in zip(points, points[1:]):
        if e0 < 0.5 <= e1:
            f = (0.5 - e0) / (e1 - e0)
            return math.exp(math.log(s0) + f * (math.log(s1) - math.log(s0)))
    if points and points[0][1] >= 0.5:
        return points[0][0]
    return float("nan")


def case_metg(t, s, ns_per_inc):
    cores = 2
    curves = {}
    for batching, extra in (("batched", []), ("--batch 1", ["--batch", 1])):
        points = []
        for c in s["metg"]:
            tasks = int(s["metg_work"] * cores * 1e9 / (c * ns_per_inc))
            tasks = max(8, min(tasks, 100_000 if extra else 20_000_000))
            runs = repeat(s["reps"], lambda: drover(
                ["run", "crunch", "--tasks", tasks, "--count", c, "--threads", 1, *extra], ranks=2))
            eff = Stat([tasks * c * ns_per_inc * 1e-9 / (cores * r["seconds"]) for r in runs])
            points.append((c * ns_per_inc, eff.median))
            t.add("granularity", f"{batching}, task {c * ns_per_inc:.3g} ns", "efficiency", eff)
        curves[batching] = points
        t.add("granularity", f"METG(50%), {batching}", "ns", Stat([metg(points)]),
              target="<= 5000 ns")
    with open(os.path.join(OUT, "metg.json"), "w") as f:
        json.dump(curves, f, indent=1)


def case_library(t, s):
    """The C++ library (tests/bench/library_bench.cpp) against the CLI and references, same run."""
    n = s["squares"]
    # Interleaved, one of each per round: this VM's speed drifts over minutes,
    # and a ratio of two blocks run minutes apart would measure the drift.
    pairs = repeat(s["reps"], lambda: (
        json_line(run(mpirun(2, LIBRARY_BENCH, "map-squares", n))[1])["results_per_s"],
        n / drover(["run", "square", "--count", n], ranks=2)["seconds"]))
    lib = Stat([p[0] for p in pairs])
    cli = Stat([p[1] for p in pairs])
    t.add("library", f"map<square> of {n:.0e} (iota, callback), 2 ranks", "results/s", lib,
          "drover run square, same size", cli, lib.median / cli.median, ">= 0.8x")
    k = s["tiny"]
    sub = repeat(s["reps"], lambda: json_line(run(mpirun(2, LIBRARY_BENCH, "submit", k))[1]))
    batched = Stat([r["batched_us_per_task"] for r in sub])
    futures = json_line(run(mpirun(2, DEBIAN_PYTHON, "-m", "mpi4py.futures", REF_PY,
                                   "mpi4py-futures", s["mpi4py"]))[1])
    if "skipped" not in futures:
        t.add("library", "submit + get, all submitted first, 2 ranks", "us/task", batched,
              "mpi4py.futures submit", Stat([futures["us_per_task"]]),
              futures["us_per_task"] / batched.median, "<= 2 us")
    else:
        t.add("library", "submit + get, all submitted first, 2 ranks", "us/task", batched,
              target="<= 2 us")
    t.add("library", "submit then get, one at a time, 2 ranks", "us/task",
          Stat([r["sync_us_per_task"] for r in sub]), note="a round trip each: idle ranks poll")
    m = s["structs"]
    st = repeat(s["reps"], lambda: json_line(run(mpirun(2, LIBRARY_BENCH, "structs", m))[1]))
    rate = Stat([r["bytes_per_s"] for r in st])
    ref = Stat([r["memcpy_bytes_per_s"] for r in st])
    t.add("library", f"map of {m:.0e} ~100-byte structs in and out, 2 ranks", "bytes/s", rate,
          "memcpy of the same bytes", ref, rate.median / ref.median, "cost stated")


def case_dispatch(t, s):
    if not os.path.exists(MICROBENCH):
        return
    _, out, _ = run([MICROBENCH, "--benchmark_filter=BM_scheduler", "--benchmark_format=json",
                     f"--benchmark_repetitions={max(1, s['reps'] // 2)}"])
    for b in json.loads(out)["benchmarks"]:
        # With repetitions, only the median aggregate; without, the single run.
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "iteration" and s["reps"] > 1:
            continue
        name = b["name"].replace("BM_scheduler/", "").replace("/min_time:0.200", "")
        name = name.replace("_median", "").replace("ns_task:1000000", "1ms-tasks")
        t.add("dispatch capacity", name, "tasks/s", Stat([b["items_per_second"]]),
              target=">= 1e7 batched")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each (CI smoke)")
    parser.add_argument("--only", help="comma-separated cases: startup,per-task,squares,crunch,"
                                       "journal,downloads,stream,metg,library,dispatch,commands,balance")
    args = parser.parse_args()
    s = sizes(args.quick)
    only = set(args.only.split(",")) if args.only else None
    want = lambda name: only is None or name in only  # noqa: E731
    os.makedirs(OUT, exist_ok=True)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, {info['memory_gib']} GiB, "
          f"{info['mpi']}; mode {'quick' if args.quick else 'full'}, {s['reps']} runs per figure")
    t = Table()
    ns_per_inc = None
    if want("startup"):
        case_startup(t, s)
    if want("per-task"):
        case_per_task(t, s)
    if want("squares"):
        case_squares(t, s)
    if want("crunch") or want("metg"):
        ns_per_inc = case_crunch(t, s)
    if want("journal"):
        case_journal(t, s)
    if want("downloads"):
        case_downloads(t, s)
    if want("stream"):
        case_stream(t, s)
    if want("metg"):
        case_metg(t, s, ns_per_inc)
    if want("library"):
        case_library(t, s)
    if want("dispatch"):
        case_dispatch(t, s)
    if want("commands"):
        case_commands(t, s)
    if want("balance"):
        case_balance(t, s)
    t.print()
    t.save(OUT, info)
    print(f"\nwritten: {os.path.relpath(OUT, ROOT)}/bench.csv, bench.json")


if __name__ == "__main__":
    main()
