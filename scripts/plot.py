#!/usr/bin/env python3
"""Plots of drover's scaling experiments (scripts/scale.py's CSVs) and of a run's --trace.

  speedup.png      speed-up against ranks, strong and weak scaling, one series per threads per
                   rank, with the ideal (speed-up = workers) and the cores as a ceiling
  efficiency.png   efficiency (speed-up / cores used) against ranks; 1 is ideal
  granularity.png  efficiency against task size (log scale), METG(50 %) marked
  gantt.png        from --trace FILE: one row per rank and thread, a bar per span, by kind
Hollow markers are oversubscribed points (more workers than cores). Needs matplotlib
(Debian: python3-matplotlib; scripts/scale.sh installs it). Every PNG written is checked to
be non-trivial (a real image with more than one colour), else the script fails.
"""
import argparse
import csv
import json
import os
import sys

try:
    import matplotlib
except ImportError:
    print(f"plot.py: error: no matplotlib for {sys.executable}: apt-get install "
          "python3-matplotlib, which installs it for Debian's /usr/bin/python3; run the "
          "script with that one", file=sys.stderr)
    sys.exit(2)

matplotlib.use("Agg")  # files only: no display on a cluster node or in CI
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.patches as mpatches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_csv(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return list(csv.DictReader(f))


def series_by_threads(rows):
    out = {}
    for r in rows:
        out.setdefault(int(r["threads"]), []).append(r)
    for points in out.values():
        points.sort(key=lambda r: int(r["ranks"]))
    return dict(sorted(out.items()))


def plot_points(ax, points, y, colour, label):
    xs = [int(r["ranks"]) for r in points]
    ys = [float(r[y]) for r in points]
    ax.plot(xs, ys, "-", color=colour, label=label)
    for x, v, r in zip(xs, ys, points):
        over = r["oversubscribed"] == "True"
        ax.plot([x], [v], "o", color=colour, markerfacecolor="white" if over else colour,
                markersize=7)


def machine_of(*tables):
    for rows in tables:
        if rows:
            return rows[0].get("machine", "")
    return ""


def scaling_figure(tables, y, ylabel, title, ideal, path):
    present = [(name, rows) for name, rows in tables if rows]
    fig, axes = plt.subplots(1, len(present), figsize=(6 * len(present), 4.5), squeeze=False)
    for ax, (name, rows) in zip(axes[0], present):
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        cores = max(int(r["cores_used"]) for r in rows)
        ranks = sorted({int(r["ranks"]) for r in rows})
        for i, (threads, points) in enumerate(series_by_threads(rows).items()):
            colour = colours[i % len(colours)]
            plot_points(ax, points, y, colour, f"{threads} thread{'s' if threads > 1 else ''} per rank")
            if ideal == "workers":
                # The best CPU-bound work can do: a worker per core, and no more than the cores.
                ax.plot(ranks, [min(r * threads, cores) for r in ranks], ":", color=colour,
                        alpha=0.8)
        if ideal == "workers":
            ax.axhline(cores, color="grey", linestyle="--", linewidth=1)
            ax.text(ranks[0], cores, f" {cores} cores: the ceiling for CPU-bound work",
                    va="bottom", fontsize=8, color="grey")
        else:
            ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.set_xticks(ranks, [str(r) for r in ranks])
        ax.set_xlabel("ranks")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{name} scaling" + (" (fixed total work)" if name == "strong"
                                          else " (fixed work per worker)"))
        ax.grid(True, alpha=0.3)
        top = cores * 1.15 if ideal == "workers" else 1.2
        ax.set_ylim(0, max([top] + [float(r[y]) * 1.1 for r in rows]))
        ax.legend(fontsize=8, title="dotted: ideal, min(workers, cores); hollow: oversubscribed"
                  if ideal == "workers" else "hollow: oversubscribed", title_fontsize=7)
    fig.suptitle(f"{title}\n{machine_of(*(rows for _, rows in present))}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def granularity_figure(rows, path):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    by = {}
    for r in rows:
        by.setdefault(r["batching"], []).append(r)
    unreached = []
    for name, points in by.items():
        points.sort(key=lambda r: float(r["task_ns"]))
        xs = [float(r["task_ns"]) for r in points]
        line, = ax.plot(xs, [float(r["efficiency"]) for r in points], "o-", label=name)
        m = points[0].get("metg_ns", "")
        if m in ("", "nan"):
            unreached.append(name)
        else:
            ax.axvline(float(m), color=line.get_color(), linestyle=":")
            ax.annotate(f"METG {float(m):.3g} ns", (float(m), 0.5), xytext=(5, 8),
                        textcoords="offset points", fontsize=8, color=line.get_color())
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("task size (ns of crunch work)")
    ax.set_ylabel("efficiency (work / (cores x drover's time))")
    ranks = rows[0]["ranks"]
    note = f"; not reached by {', '.join(unreached)}" if unreached else ""
    ax.set_title(f"granularity: {ranks} ranks x 1 thread; METG(50%) = smallest task at 50%{note}\n"
                 f"{rows[0].get('machine', '')}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def load_trace(path):
    """A trace-event JSON array; a run killed mid-way leaves it unterminated, which viewers
    accept, so this does too."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.rstrip().rstrip(",") + "\n]")


def gantt_figure(trace_path, path):
    events = load_trace(trace_path)
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    process, thread = {}, {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "process_name":
            process[e["pid"]] = e["args"]["name"]
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            thread[(e["pid"], e["tid"])] = e["args"]["name"]
    spans = [e for e in events if e.get("ph") == "X"]
    if not spans:
        sys.exit(f"{trace_path}: no spans to plot")
    rows = sorted({(e["pid"], e["tid"]) for e in spans})
    index = {row: i for i, row in enumerate(rows)}
    kinds = sorted({e["name"].split(" x ")[0] for e in spans})
    colours = dict(zip(kinds, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    # Spans of one thread that overlap (downloads waiting together on the io lane) go to
    # stacked sub-rows, so the overlap shows instead of hiding one bar behind another.
    levels, depth = {}, {}
    for row in rows:
        ends = []  # per sub-row, where its last span ends
        for e in sorted((e for e in spans if (e["pid"], e["tid"]) == row), key=lambda e: e["ts"]):
            # 1 us of slack: spans too short to time are written 1 us long and may touch the next.
            free = next((i for i, end in enumerate(ends) if end <= e["ts"] + 1), None)
            if free is None:
                ends.append(0)
                free = len(ends) - 1
            ends[free] = e["ts"] + max(e["dur"], 1)
            levels[id(e)] = free
        depth[row] = max(1, len(ends))
    bars = {}
    for e in spans:
        row = (e["pid"], e["tid"])
        height = 0.8 / depth[row]
        y = index[row] - 0.4 + levels[id(e)] * height
        bars.setdefault((y, height, e["name"].split(" x ")[0]), []).append(
            (e["ts"] / 1e6, max(e["dur"], 1) / 1e6))
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.45 * len(rows)))
    for (y, height, kind), segments in bars.items():
        ax.broken_barh(segments, (y, height), facecolors=colours[kind],
                       edgecolor="black", linewidth=0.3)
    ax.set_yticks(range(len(rows)),
                  [f"{process.get(p, f'rank {p}')} / {thread.get((p, t), f'thread {t}')}"
                   for p, t in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the run started")
    handles = [mpatches.Patch(color=c, label=k) for k, c in colours.items()]
    ax.legend(handles=handles, fontsize=8, loc="upper right")
    ax.set_title(f"{os.path.basename(trace_path)}: {len(spans)} spans on {len(rows)} threads",
                 fontsize=9)
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def check_png(path):
    """Fails unless `path` is a real image with something drawn on it."""
    if not os.path.exists(path) or os.path.getsize(path) < 5000:
        sys.exit(f"{path}: missing or too small to be a plot")
    image = mpimg.imread(path)
    if image.ndim < 3 or image.shape[0] < 200 or image.shape[1] < 300 or float(image.std()) < 0.01:
        sys.exit(f"{path}: a blank or tiny image")
    print(f"written: {os.path.relpath(path, ROOT)} ({image.shape[1]}x{image.shape[0]}, "
          f"{os.path.getsize(path) // 1024} KiB)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default=os.path.join(ROOT, "out", "scale"),
                   help="where scale.py's CSVs are and the PNGs go (default out/scale)")
    p.add_argument("--trace", help="a drover --trace JSON file: draw its Gantt chart")
    p.add_argument("--gantt", help="where the Gantt chart goes (default DIR/gantt.png)")
    args = p.parse_args()

    written = []
    strong = read_csv(os.path.join(args.dir, "strong.csv"))
    weak = read_csv(os.path.join(args.dir, "weak.csv"))
    tables = [("strong", strong), ("weak", weak)]
    if strong or weak:
        written.append(scaling_figure(tables, "speedup", "speed-up vs 1 rank x 1 thread",
                                      "drover: crunch speed-up", "workers",
                                      os.path.join(args.dir, "speedup.png")))
        written.append(scaling_figure(tables, "efficiency", "efficiency (speed-up / cores used)",
                                      "drover: crunch efficiency", "one",
                                      os.path.join(args.dir, "efficiency.png")))
    gran = read_csv(os.path.join(args.dir, "granularity.csv"))
    if gran:
        written.append(granularity_figure(gran, os.path.join(args.dir, "granularity.png")))
    if args.trace:
        written.append(gantt_figure(args.trace, args.gantt or os.path.join(args.dir, "gantt.png")))
    if not written:
        sys.exit(f"nothing to plot: no strong.csv, weak.csv or granularity.csv in {args.dir}, "
                 "and no --trace")
    for path in written:
        check_png(path)


if __name__ == "__main__":
    main()
