#!/usr/bin/env python3
"""The balance case of the bench harness: mixed task costs on real ranks, and the scheduler simulator.

Issue 12's item 1 as a benchmark: many cheap crunch tasks followed by a few expensive ones,
against the expensive ones alone (the ideal is their time: the cheap ones add under 1 %),
at 2 and 3 ranks, drover's own time (first dispatch to last result). Then the simulator's
table (tests/bench/scheduler_sim.cpp): makespan against the ideal at rank counts this
machine cannot run. Imported by scripts/bench.py; nothing here asserts on speed.
"""
import json
import os

from bench_lib import BUILD, ROOT, Stat, drover, repeat, run

SIM = os.path.join(BUILD, "bench", "drover_scheduler_sim")
OUT = os.path.join(ROOT, "out", "bench")


def tasks_file(name, lines):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("".join(lines))
    return path


def case_balance(t, s):
    os.makedirs(OUT, exist_ok=True)
    cheap, dear, count = s["mixed_cheap"], s["mixed_dear"], s["mixed_dear_count"]
    cheap_line = '{"kind":"crunch","count":1000}\n'
    dear_line = f'{{"kind":"crunch","count":{count}}}\n'
    mixed = tasks_file("mixed.jsonl", [cheap_line] * cheap + [dear_line] * dear)
    alone = tasks_file("mixed-alone.jsonl", [dear_line] * dear)
    args = ["run", "-q", "--output", "/dev/null", "--tasks-file"]
    for ranks in (2, 3):
        # --bind-to none, as in the issue: ranks are not held to one core each.
        def seconds(path):
            return drover(args + [path], ranks=ranks, mpi_args=["--bind-to", "none"])["seconds"]
        both = Stat(repeat(s["reps"], lambda: seconds(mixed)))
        ref = Stat(repeat(s["reps"], lambda: seconds(alone)))
        t.add("balance", f"{cheap} crunch 1e3, then {dear} crunch {count:.0e}, {ranks} ranks", "s",
              both, f"the {dear} alone", ref, both.median / ref.median, "<= 1.10x")
    if not os.path.exists(SIM):
        return
    _, _, err = run([SIM] + (["--quick"] if s["reps"] == 1 else []))
    for line in err.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        t.add("balance (simulated)", f"{r['workload']}, {r['ranks']} ranks", "s", Stat([r["hinted"]]),
              "ideal (work / threads, or the longest task)", Stat([r["ideal"]]),
              r["hinted"] / r["ideal"], "close to 1x")
