#!/usr/bin/env python3
"""Peak memory per rank of a streamed run: every rank must stay under a bound (issue 11).

  scripts/rss_check.py [--ranks 8] [--seconds 30] [--limit-mib 100] [--worker-limit-mib 50]
                       [--bin build/drover]

Runs `drover run square` under mpirun with rows written as CSV to /dev/null (rank 0
is then the bottleneck), samples every drover process's VmRSS from /proc every
0.1 s for --seconds, stops the run with SIGUSR1, and prints the peak per process.
Exit 1 when a peak passes --limit-mib, or a worker's (every rank but the
largest, rank 0, which holds results for the order) passes --worker-limit-mib:
workers hold no results, so they stay near their start-up size (22 MiB here),
where the Open MPI leak of issue 11 took them past 76 MiB in 30 s. Sampling is measurement, not
synchronisation: nothing waits on it."""
import argparse
import os
import signal
import subprocess
import sys
import time


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def drover_pids(root):
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for c in children(pid):
            todo.append(c)
            try:
                with open(f"/proc/{c}/comm") as f:
                    if f.read().strip() == "drover":
                        found.append(c)
            except OSError:
                pass
    return found


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ranks", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--limit-mib", type=float, default=100)
    p.add_argument("--worker-limit-mib", type=float, default=50)
    p.add_argument("--bin", default=os.environ.get("DROVER_BIN", "build/drover"))
    p.add_argument("--mpirun", default=os.environ.get("DROVER_MPIRUN", "mpirun"))
    args = p.parse_args()
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.update(OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1")
    cmd = [args.mpirun, "--quiet", "-np", str(args.ranks), args.bin, "run", "square", "--count",
           "100000000000", "--output", "/dev/null", "--format", "csv", "--columns", "id,value", "-q",
           "--grace", "1s"]
    run = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
    peaks = {}
    end = time.monotonic() + args.seconds
    while time.monotonic() < end and run.poll() is None:
        for pid in drover_pids(run.pid):
            kib = rss_kib(pid)
            if kib is not None:
                peaks[pid] = max(peaks.get(pid, 0), kib)
        time.sleep(0.1)
    if run.poll() is None:
        run.send_signal(signal.SIGUSR1)  # mpirun forwards it: a clean stop
    try:
        _, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        run.kill()
        _, err = run.communicate()
    if len(peaks) < args.ranks:
        print(f"rss_check: saw {len(peaks)} drover processes of {args.ranks}:\n{err}")
        return 1
    mib = sorted(v / 1024 for v in peaks.values())
    print(f"rss_check: {args.ranks} ranks, {args.seconds:.0f} s: peak VmRSS per rank "
          + " ".join(f"{m:.0f}" for m in mib) + f" MiB (limits {args.limit_mib:.0f}, workers {args.worker_limit_mib:.0f})")
    return 1 if mib[-1] > args.limit_mib or mib[-2] > args.worker_limit_mib else 0


if __name__ == "__main__":
    sys.exit(main())
