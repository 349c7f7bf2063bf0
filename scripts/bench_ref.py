#!/usr/bin/python3
"""Python references for the bench harness: multiprocessing.Pool, a serial loop, mpi4py futures.

Each subcommand prints one line of JSON on stdout and nothing else there:

  /usr/bin/python3 scripts/bench_ref.py pool-map N [--chunksize C]
  /usr/bin/python3 scripts/bench_ref.py serial N
  /usr/bin/python3 scripts/bench_ref.py pool-overhead N
  mpirun -np 2 /usr/bin/python3 -m mpi4py.futures scripts/bench_ref.py mpi4py-futures N

Times come from time.perf_counter. "seconds_map" (or "seconds_tasks") covers the work
alone, the pool or executor already started; "seconds_total" covers start-up, the work
and shutdown, as a user's `with Pool() as pool: pool.map(...)` would. "sum_u64" is the
sum of the results modulo 2**64, to compare with drover's and ref_threads' wrapping sums.
Exit codes: 0 done, 1 a wrong sum (the JSON line is still printed), 2 a usage error.
Use Debian's /usr/bin/python3: it has mpi4py. Only the standard library otherwise.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time

U64 = 1 << 64


def square(n):
    """The work item; module-level so that Pool.map and mpi4py can pickle it."""
    return n * n


def count(text):
    """A size from the command line: 100000, or 1e5, or 100_000."""
    try:
        value = float(text) if any(c in text for c in ".eE") else int(text)
        whole = value == int(value)
    except (ValueError, OverflowError):
        whole = False
    if not whole or value < 0:
        raise argparse.ArgumentTypeError(f"not a whole number >= 0: {text}")
    return int(value)


def emit(record):
    """Prints the one JSON line; a failed sum check also fails the exit code."""
    print(json.dumps(record, separators=(",", ":")), flush=True)
    if record.get("ok") is False:
        sys.exit(1)


def pool_run(n, chunksize):
    """Pool(cpu_count).map(square, range(n)); returns timings and the results' sum."""
    processes = os.cpu_count() or 1
    start = time.perf_counter()
    pool = multiprocessing.Pool(processes=processes)
    started = time.perf_counter()
    results = pool.map(square, range(n), chunksize)
    mapped = time.perf_counter()
    pool.close()
    pool.join()
    total = time.perf_counter() - start
    return {
        "processes": processes,
        "start_method": multiprocessing.get_start_method(),
        "seconds_pool_start": started - start,
        "seconds_map": mapped - started,
        "seconds_total": total,
        "sum": sum(results),
    }


def cmd_pool_map(args):
    run = pool_run(args.n, args.chunksize)
    seconds = run["seconds_map"]
    emit({
        "ref": "pool-map", "n": args.n, "chunksize": args.chunksize,
        "processes": run["processes"], "start_method": run["start_method"],
        "seconds_map": seconds, "seconds_pool_start": run["seconds_pool_start"],
        "seconds_total": run["seconds_total"],
        "results_per_s": args.n / seconds if seconds > 0 else 0.0,
        "sum_u64": run["sum"] % U64, "ok": run["sum"] == expected_sum(args.n),
    })


def cmd_pool_overhead(args):
    run = pool_run(args.n, 1)
    seconds = run["seconds_map"]
    emit({
        "ref": "pool-overhead", "n": args.n, "chunksize": 1,
        "processes": run["processes"], "start_method": run["start_method"],
        "seconds_map": seconds, "seconds_pool_start": run["seconds_pool_start"],
        "seconds_total": run["seconds_total"],
        "us_per_task": seconds / args.n * 1e6 if args.n else 0.0,
        "tasks_per_s": args.n / seconds if seconds > 0 else 0.0,
        "ok": run["sum"] == expected_sum(args.n),
    })


def cmd_serial(args):
    # The same calls Pool.map makes, in one process: square(i) for each i, into a list.
    start = time.perf_counter()
    results = []
    for i in range(args.n):
        results.append(square(i))
    seconds = time.perf_counter() - start
    total = sum(results)
    emit({
        "ref": "serial", "n": args.n, "seconds": seconds,
        "results_per_s": args.n / seconds if seconds > 0 else 0.0,
        "sum_u64": total % U64, "ok": total == expected_sum(args.n),
    })


def cmd_mpi4py_futures(args):
    try:
        from mpi4py import MPI
        from mpi4py.futures import MPIPoolExecutor
    except ImportError:
        emit({"skipped": "mpi4py not installed"})
        return
    world = MPI.COMM_WORLD
    # Under -m mpi4py.futures only rank 0 runs this; the other ranks are the pool. Launched
    # without it, every rank gets here: rank 1 aborts the job before rank 0 tries to spawn.
    if world.Get_size() < 2 or world.Get_rank() != 0:
        print("bench_ref.py: run as: mpirun -np 2 /usr/bin/python3 -m mpi4py.futures "
              "scripts/bench_ref.py mpi4py-futures N", file=sys.stderr, flush=True)
        world.Abort(2)
    start = time.perf_counter()
    with MPIPoolExecutor() as executor:
        executor.submit(square, 0).result()  # the workers are up and connected
        started = time.perf_counter()
        futures = [executor.submit(square, i) for i in range(args.n)]
        results = [future.result() for future in futures]
        finished = time.perf_counter()
    total = time.perf_counter() - start
    seconds = finished - started
    emit({
        "ref": "mpi4py-futures", "n": args.n, "workers": world.Get_size() - 1,
        "mpi4py": sys.modules["mpi4py"].__version__,
        "seconds_tasks": seconds, "seconds_start": started - start, "seconds_total": total,
        "us_per_task": seconds / args.n * 1e6 if args.n else 0.0,
        "tasks_per_s": args.n / seconds if seconds > 0 else 0.0,
        "ok": sum(results) == expected_sum(args.n),
    })


def expected_sum(n):
    """Sum of i*i for i in range(n)."""
    return n * (n - 1) * (2 * n - 1) // 6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pool-map", help="Pool(cpu_count).map(square, range(N))")
    p.add_argument("n", type=count)
    p.add_argument("--chunksize", type=count, default=None,
                   help="Pool.map's chunksize (default: Pool's own choice)")
    p.set_defaults(func=cmd_pool_map)
    p = sub.add_parser("serial", help="a plain loop of square(i) into a list")
    p.add_argument("n", type=count)
    p.set_defaults(func=cmd_serial)
    p = sub.add_parser("pool-overhead", help="N tiny tasks, chunksize=1: us per task")
    p.add_argument("n", type=count)
    p.set_defaults(func=cmd_pool_overhead)
    p = sub.add_parser("mpi4py-futures",
                       help="under mpirun -np 2 ... -m mpi4py.futures: N submits, us per task")
    p.add_argument("n", type=count)
    p.set_defaults(func=cmd_mpi4py_futures)
    args = parser.parse_args()
    if getattr(args, "chunksize", None) == 0:
        parser.error("--chunksize must be at least 1")
    args.func(args)


if __name__ == "__main__":
    main()
