#!/usr/bin/env python3
"""The commands case of the bench harness: drover run exec against posix_spawn, xargs -P and GNU parallel.

Every tool runs the same shells (`/bin/sh -c "true i"`, one per task, 2 at a time: drover on
2 ranks of one slot each). Per-task cost comes from the difference of two sizes, so each
tool's start-up cancels out. Then 10,000 `sleep 2` in flight across 2 ranks, and the memory
a running command costs a rank. Imported by scripts/bench.py; nothing here asserts on speed.
"""
import os
import shutil
import statistics

from bench_lib import BUILD, ROOT, Stat, drover, run

REF_SPAWN = os.path.join(BUILD, "bench", "drover_ref_spawn")
OUT = os.path.join(ROOT, "out", "bench")


def numbers_file(n):
    path = os.path.join(OUT, f"args-{n}.txt")
    with open(path, "w") as f:
        f.write("".join(f"{i}\n" for i in range(1, n + 1)))
    return path


def per_task(reps, n, wall_of):
    """Median seconds per task from whole runs of n and n/2 tasks."""
    full = [wall_of(n) for _ in range(reps)]
    half = [wall_of(n // 2) for _ in range(reps)]
    return (statistics.median(full) - statistics.median(half)) / (n - n // 2)


def case_commands(t, s):
    n, reps = s["commands"], s["reps"]
    os.makedirs(OUT, exist_ok=True)
    files = {k: numbers_file(k) for k in (n, n // 2)}
    tools = {
        "drover": lambda k: drover(["run", "exec", "-q", "true {}", "::::", files[k]], ranks=2)["wall"],
        "posix_spawn": lambda k: run([REF_SPAWN, k, 2, "true"])[0],
        "xargs -P 2": lambda k: run(["sh", "-c", f"xargs -P 2 -I{{}} sh -c 'true {{}}' < {files[k]}"])[0],
    }
    if shutil.which("parallel"):
        tools["GNU parallel -j 2"] = lambda k: run(["parallel", "-j", "2", "true {}", "::::",
                                                    files[k]])[0]
    # Interleaved rounds: a slow spell of the machine hits every tool alike.
    rounds = {name: [] for name in tools}
    for _ in range(reps):
        for name, wall_of in tools.items():
            rounds[name].append(per_task(1, n, wall_of) * 1e6)
    us = {name: Stat(values) for name, values in rounds.items()}
    mine = us.pop("drover")
    targets = {"posix_spawn": "<= 1.2x (the physical limit)", "xargs -P 2": ">= 1.5x faster",
               "GNU parallel -j 2": ">= 10x faster"}
    for name, ref in us.items():
        ratio = mine.median / ref.median if name == "posix_spawn" else ref.median / mine.median
        t.add("commands", f"`true` x {n}, 2 ranks x 1 slot, per task", "us/task", mine, name, ref,
              ratio, targets[name], note="drover/ref" if name == "posix_spawn" else "ref/drover")

    # Many commands waiting at once: 10,000 (quick: 1,000) `sleep 2` over 2 ranks.
    sleeps, seconds = s["sleeps"], 2
    tasks = os.path.join(OUT, f"sleeps-{sleeps}.jsonl")
    with open(tasks, "w") as f:
        f.write(f'{{"kind":"exec","argv":["sleep","{seconds}"]}}\n' * sleeps)
    slots = str((sleeps + 1) // 2)
    wide = drover(["run", "--tasks-file", tasks, "--slots", slots], ranks=2, rss=True)
    # The same processes from one plain loop, all in flight: the physical limit.
    plain = run([REF_SPAWN, sleeps, sleeps, f"argv:sleep {seconds}"])[0]
    t.add("commands", f"{sleeps} x sleep {seconds} in flight, 2 ranks", "s", Stat([wide["wall"]]),
          "posix_spawn, all at once", Stat([plain]), wide["wall"] / plain, "close to 1x")
    few = os.path.join(OUT, "sleeps-20.jsonl")
    with open(few, "w") as f:
        f.write(f'{{"kind":"exec","argv":["sleep","{seconds}"]}}\n' * 20)
    narrow = drover(["run", "--tasks-file", few, "--slots", "10"], ranks=2, rss=True)
    running = (sleeps + 1) // 2
    per = (max(wide["rss_kb"]) - max(narrow["rss_kb"])) / (running - 10)
    t.add("commands", "memory per running command, a rank", "KiB", Stat([per]),
          note=f"peak RSS with {running} running on a rank, minus with 10")
