#!/usr/bin/env python3
"""Turns out/bench/bench.json into the Markdown table of the README's Performance section."""
import json
import sys


def fmt(x):
    if x is None:
        return ""
    for threshold, scale, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(x) >= threshold:
            return f"{x / scale:.4g}{suffix}"
    return f"{x:.4g}"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "out/bench/bench.json"
    rows = json.load(open(path))["rows"]
    for r in rows:
        if r["case"] == "granularity" and "METG" not in r["metric"]:
            continue  # the curve is in metg.json; the table keeps METG
        if r["case"] == "dispatch capacity" and "1ms-tasks" not in r["metric"]:
            continue
        value = fmt(r["drover"])
        if r.get("drover_min") is not None and r["drover_min"] != r["drover_max"]:
            value += f" [{fmt(r['drover_min'])}-{fmt(r['drover_max'])}]"
        ref = f"{r['reference']} {fmt(r['ref'])}" if r["reference"] else ""
        ratio = f"{r['ratio']:.3g}x" if r["ratio"] is not None else ""
        print(f"| {r['case']}: {r['metric']} ({r['unit']}) | {value} | {ref} | {ratio} | {r['target']} |")


if __name__ == "__main__":
    main()
