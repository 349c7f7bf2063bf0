#!/usr/bin/env python3
"""Two drover binaries on the CLI's own cases, interleaved round by round: a refactor's before and after.

usage: scripts/bench_ab.py OLD_DROVER NEW_DROVER [ROUNDS]
Each round runs every case once with each binary, the order alternating, so
that a VM's drift during the run falls on both. Prints medians with [min-max]
and new / old. Build the old one from a worktree, e.g.
  git worktree add /tmp/base <commit> && cmake -S /tmp/base -B /tmp/base/b \\
    -DCMAKE_BUILD_TYPE=Release -DDROVER_BUILD_TESTS=OFF && cmake --build /tmp/base/b --target drover
"""
import os
import statistics
import sys

import bench_lib

# name, drover run arguments, ranks (None: no mpirun), the figure from a run.
CASES = [
    ("--batch 1 of 2e6 squares, 2 ranks, us per task at rank 0",
     ["run", "square", "--count", 2_000_000, "--batch", 1], 2,
     lambda r: r["seconds"] / 2e6 * 1e6),
    ("1e8 ordered squares, 2 ranks, M results/s",
     ["run", "square", "--count", 100_000_000], 2, lambda r: 1e8 / r["seconds"] / 1e6),
    ("crunch 8 x 1e9, 2 ranks x 1 thread, G increments/s",
     ["run", "crunch", "--tasks", 8, "--count", 1_000_000_000, "--threads", 1], 2,
     lambda r: 8e9 / r["seconds"] / 1e9),
    ("100,000 downloads of 0.5-1.0 s, 1 rank, makespan / longest",
     ["run", "download", "--tasks", 100_000, "--min", 0.5, "--max", 1.0, "-q"], None,
     lambda r: r["seconds"] / 1.0),
]


def mpi_env():
    """What scripts/common.sh's drover_mpi_env sets, for a run outside bench.sh."""
    if os.geteuid() == 0:
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    os.environ.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    os.environ.setdefault("OMPI_MCA_mpi_yield_when_idle", "1")
    os.environ.setdefault("OMPI_MCA_pml", "ob1")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    binaries = {"old": os.path.abspath(sys.argv[1]), "new": os.path.abspath(sys.argv[2])}
    for path in binaries.values():
        if not os.access(path, os.X_OK):
            print(f"bench_ab: {path} is not an executable drover", file=sys.stderr)
            sys.exit(2)
    rounds = int(sys.argv[3]) if len(sys.argv) == 4 else 9
    mpi_env()
    figures = {}
    for i in range(rounds):
        order = ("old", "new") if i % 2 == 0 else ("new", "old")
        for name, args, ranks, figure in CASES:
            for tag in order:
                bench_lib.DROVER = binaries[tag]  # drover() reads the module's DROVER
                run = bench_lib.drover([str(a) for a in args], ranks=ranks)
                figures.setdefault((name, tag), []).append(figure(run))
    for name, *_ in CASES:
        old, new = figures[(name, "old")], figures[(name, "new")]
        mo, mn = statistics.median(old), statistics.median(new)
        print(f"{name}: old {mo:.4g} [{min(old):.4g}-{max(old):.4g}]  "
              f"new {mn:.4g} [{min(new):.4g}-{max(new):.4g}]  new/old {mn / mo:.3f}")


if __name__ == "__main__":
    main()
