#!/usr/bin/env python3
"""Prints BENCHMARKS.md's run tables from the JSON lines in raw bench logs, so no figure is typed by hand.

usage: python3 bench/results/tables.py RUN=LOG [RUN=LOG ...]   (e.g. B=bench/results/2026-11-23/run-B-5d70d38.log)
"""
import json
import sys

# (scenario, key in the JSON, label, how to print)
HEADLINES = [
    ("connect", "connections_per_s", "connections/s"),
    ("connect", "cpu_us_per_connection", "server CPU µs/conn"),
    ("fanout", "deliveries_per_s", "deliveries/s"),
    ("fanout", "cpu_ns_per_delivery", "server CPU ns/delivery"),
    ("idle", "heap_bytes_per_connection", "heap B/conn"),
    ("idle", "rss_bytes_per_connection", "RSS B/conn"),
    ("slowloris", "closed_in_window", "closed in window"),
    ("slowloris", "probe_storm_over_quiet", "probe p99 storm/quiet"),
    ("slowloris", "cpu_us_per_connection", "server CPU µs/conn"),
    ("login-storm", "probe_storm_over_quiet", "probe p99 storm/quiet"),
    ("rtt", "p50_us", "p50 µs"),
    ("rtt", "p99_us", "p99 µs"),
]


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer() and abs(v) >= 100:
        v = int(v)
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"


def lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith('{"scenario"'):
                yield json.loads(line)


def main(args):
    print("| run | scenario | figure | Portcullis | baseline | ratio | other CPU (P / b) |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for arg in args:
        run, path = arg.split("=", 1)
        for d in lines(path):
            for scenario, key, label in HEADLINES:
                if d["scenario"] != scenario or key not in d["portcullis"]:
                    continue
                p, b, r = d["portcullis"], d.get("baseline", {}), d.get("ratio", {})
                other = f'{fmt(p.get("other_cores"))} / {fmt(b.get("other_cores"))}'
                print(f"| {run} | {scenario} | {label} | {fmt(p.get(key))} | {fmt(b.get(key))} | {fmt(r.get(key))} | {other} |")


if __name__ == "__main__":
    main(sys.argv[1:])
