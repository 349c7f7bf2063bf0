#!/usr/bin/env python3
"""Helpers for the benchmark harness (scripts/bench.py): running commands, medians, the table."""
import csv
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The build to measure: build-bench (scripts/bench.sh makes it), or another
# build with the benchmarks in it (DROVER_BENCH_BUILD: test.sh's smoke run).
BUILD = os.path.abspath(os.environ.get("DROVER_BENCH_BUILD", os.path.join(ROOT, "build-bench")))
DROVER = os.path.join(BUILD, "drover")
REF_THREADS = os.path.join(BUILD, "bench", "drover_ref_threads")
REF_PINGPONG = os.path.join(BUILD, "bench", "drover_ref_pingpong")
MICROBENCH = os.path.join(BUILD, "bench", "drover_microbench")
LIBRARY_BENCH = os.path.join(BUILD, "bench", "drover_library_bench")
REF_PY = os.path.join(ROOT, "scripts", "bench_ref.py")
DEBIAN_PYTHON = "/usr/bin/python3"  # Debian's, with mpi4py when installed
SUMMARY = re.compile(r"^drover: (\d+) tasks, (\d+) failed in ([0-9.]+) s", re.M)


def run(cmd, timeout=600):
    """Runs a command under a timeout; returns (wall seconds, stdout, stderr)."""
    started = time.perf_counter()
    p = subprocess.run(["timeout", "-k", "10", str(timeout), *map(str, cmd)], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode}: {p.stderr.strip()[-500:]}")
    return wall, p.stdout, p.stderr


def mpirun(ranks, *cmd):
    return ["mpirun", "--quiet", "-np", ranks, *cmd]


def json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line in: {text[-300:]}")


def drover(args, ranks=None, rss=False, mpi_args=()):
    """One drover run: whole-process wall time, drover's own time (first dispatch to
    last result), and each rank's peak RSS when asked (GNU time around every rank)."""
    cmd = [DROVER, *args]
    prefix = os.path.join(ROOT, "out", "bench", "rss")
    if rss:
        # One file per rank: ranks' stderr lines can interleave through mpirun.
        for old in glob.glob(prefix + ".*"):
            os.remove(old)
        cmd = ["sh", "-c", 'exec /usr/bin/time -f %M -o "$0.${OMPI_COMM_WORLD_RANK:-0}" "$@"',
               prefix, *cmd]
    if ranks is not None:
        cmd = mpirun(ranks, *mpi_args, *cmd)
    wall, out, err = run(cmd)
    rss_kb = [int(open(f).read().split()[-1]) for f in sorted(glob.glob(prefix + ".*"))] if rss else []
    m = SUMMARY.search(out)
    if not m:
        raise RuntimeError(f"no summary from {' '.join(cmd)}: {out[-300:]} {err[-300:]}")
    return {"wall": wall, "seconds": float(m.group(3)), "tasks": int(m.group(1)),
            "failed": int(m.group(2)), "rss_kb": rss_kb,
            "stdout": out}


class Stat:
    """Median with min and max of repeated measurements."""

    def __init__(self, values):
        self.values = sorted(values)
        self.median = statistics.median(self.values)

    def __str__(self):
        if len(self.values) == 1:
            return fmt(self.median)
        return f"{fmt(self.median)} [{fmt(self.values[0])}-{fmt(self.values[-1])}]"


def fmt(x):
    if x == 0:
        return "0"
    if abs(x) >= 1e9:
        return f"{x / 1e9:.4g}G"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.4g}M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.4g}k"
    return f"{x:.4g}"


def repeat(n, fn):
    return [fn() for _ in range(n)]


class Table:
    def __init__(self):
        self.rows = []

    def add(self, case, metric, unit, value, reference="", ref_value=None, ratio=None,
            target="", note=""):
        self.rows.append({
            "case": case, "metric": metric, "unit": unit, "drover": value,
            "reference": reference, "ref": ref_value, "ratio": ratio, "target": target,
            "note": note})
        print(f"  {case}: {metric} = {value} {unit}"
              + (f" | {reference} {ref_value}" if reference else "")
              + (f" | ratio {ratio:.3g}" if ratio is not None else ""), flush=True)

    def print(self):
        head = ["case", "metric", "drover median [min-max]", "reference", "ref median", "ratio",
                "target"]
        lines = [[r["case"], f'{r["metric"]} ({r["unit"]})', str(r["drover"]), r["reference"],
                  "" if r["ref"] is None else str(r["ref"]),
                  "" if r["ratio"] is None else f'{r["ratio"]:.3g}x', r["target"]]
                 for r in self.rows]
        widths = [max(len(x) for x in col) for col in zip(head, *lines)]
        print("\n" + "  ".join(h.ljust(w) for h, w in zip(head, widths)))
        print("  ".join("-" * w for w in widths))
        for line in lines:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths)))

    def save(self, directory, machine):
        os.makedirs(directory, exist_ok=True)
        plain = []
        for r in self.rows:
            d = dict(r)
            for k in ("drover", "ref"):
                v = d[k]
                d[k] = None if v is None else (v.median if isinstance(v, Stat) else v)
                if isinstance(v, Stat):
                    d[k + "_min"], d[k + "_max"] = v.values[0], v.values[-1]
            plain.append(d)
        with open(os.path.join(directory, "bench.json"), "w") as f:
            json.dump({"machine": machine, "rows": plain}, f, indent=1)
        keys = ["case", "metric", "unit", "drover", "drover_min", "drover_max", "reference",
                "ref", "ref_min", "ref_max", "ratio", "target", "note"]
        with open(os.path.join(directory, "bench.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            w.writerows(plain)


def machine():
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    mpi = subprocess.run(["mpirun", "--version"], capture_output=True, text=True).stdout
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1),
            "kernel": platform.release(), "mpi": mpi.splitlines()[0] if mpi else "?",
            "date": time.strftime("%Y-%m-%d")}
