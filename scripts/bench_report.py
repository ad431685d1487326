#!/usr/bin/env python3
"""Figures of scripts/bench.sh.

  bench_report.py wrk NAME WRK_OUTPUT
      prints the figure lines of one wrk run (requests/s, p50, p99 latency).
  bench_report.py report --criterion DIR --figures FILE [--quick 0|1] [--server STATUS]
      reads criterion's estimates (DIR/<group>/<case>/new/estimates.json and benchmark.json)
      and the extra figures the benches and the wrk runs wrote to FILE, prints one line per
      figure, `bench=<name> value=<n> unit=<..> baseline=<n> ratio=<r>`, then
      the speed goals and whether each is met.
"""

import argparse
import json
import re
import sys
from pathlib import Path


def fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def line(name, value, unit, baseline=None):
    ratio = value / baseline if (baseline not in (None, 0) and value is not None) else None
    return f"bench={name} value={fmt(value)} unit={unit} baseline={fmt(baseline)} ratio={fmt(ratio)}"


# --- wrk -----------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk_latency_ms(text, percent):
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
    if not match:
        return None
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def wrk(name, path):
    text = Path(path).read_text()
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    if rps is None:
        print(f"no Requests/sec in {path}", file=sys.stderr)
        return 1
    print(line(name, float(rps.group(1)), "req/s"))
    print(line(f"{name}_p50", wrk_latency_ms(text, 50), "ms"))
    print(line(f"{name}_p99", wrk_latency_ms(text, 99), "ms"))
    if bad:
        print(line(f"{name}_non_2xx", float(bad.group(1)), "responses"))
        print(f"{path}: {bad.group(0)}", file=sys.stderr)
    if errors:
        print(f"{path}: {errors.group(0)}", file=sys.stderr)
    return 1 if bad else 0


# --- criterion -------------------------------------------------------------------------------


def load_criterion(root):
    """{"group/case": (mean seconds per iteration, elements per iteration or None)}"""
    results = {}
    root = Path(root)
    for estimates in root.glob("*/*/new/estimates.json"):
        case_dir = estimates.parent.parent
        bench = json.loads((estimates.parent / "benchmark.json").read_text())
        name = bench.get("full_id") or f"{case_dir.parent.name}/{case_dir.name}"
        # Criterion's "typical" time: the slope of linear sampling, else the mean.
        estimate = json.loads(estimates.read_text())
        mean_ns = (estimate.get("slope") or estimate["mean"])["point_estimate"]
        throughput = bench.get("throughput") or {}
        elements = throughput.get("Elements")
        results[name] = (mean_ns * 1e-9, elements)
    return results


def load_figures(path):
    """{"name": (value, unit, baseline)} from lines `bench=... value=... ...`."""
    figures = {}
    for text in Path(path).read_text().splitlines():
        fields = dict(kv.split("=", 1) for kv in text.split() if "=" in kv)
        if "bench" not in fields:
            continue

        def number(key):
            value = fields.get(key, "-")
            return None if value in ("-", "") else float(value)

        figures[fields["bench"]] = (number("value"), fields.get("unit", ""), number("baseline"))
    return figures


def report(args):
    crit = load_criterion(args.criterion)
    extra = load_figures(args.figures)
    out = []

    def rate(name):
        if name not in crit:
            return None
        seconds, elements = crit[name]
        return (elements or 1) / seconds

    def millis(name):
        return crit[name][0] * 1000 if name in crit else None

    def emit(name, value, unit, baseline=None):
        if value is not None:
            out.append(line(name, value, unit, baseline))

    sizes = sorted(
        {n.split("/", 1)[1] for n in crit if n.startswith("rebuild/") and "_" not in n},
        key=lambda label: float(label[:-1]) * (1e6 if label.endswith("m") else 1e3),
    )
    big = next((n.split("/", 1)[1] for n in crit if n.startswith("verify/") and "_" not in n), None)

    # append
    single = rate("append/durable_single")
    emit("append/durable_single", single, "events/s", rate("append/raw_sled_insert_flush"))
    emit("append/raw_sled_insert_flush", rate("append/raw_sled_insert_flush"), "events/s")
    # sled's flush is only a sync_file_range; with an fsync it is as durable as the ledger's
    # fdatasync of its log: the equally durable raw baseline.
    emit("append/durable_single_vs_fsync", single, "events/s", rate("append/raw_sled_insert_flush_fsync"))
    emit("append/raw_sled_insert_flush_fsync", rate("append/raw_sled_insert_flush_fsync"), "events/s")
    for threads in (4, 16, 64):
        emit(f"append/concurrent_{threads}", rate(f"append/concurrent_{threads}"), "events/s", single)
    emit("append/batch_1000", rate("append/batch_1000"), "events/s", rate("append/raw_sled_batch_1000"))
    emit("append/raw_sled_batch_1000", rate("append/raw_sled_batch_1000"), "events/s")
    emit("append/batch_1000_vs_fsync", rate("append/batch_1000"), "events/s", rate("append/raw_sled_batch_1000_fsync"))
    emit("append/raw_sled_batch_1000_fsync", rate("append/raw_sled_batch_1000_fsync"), "events/s")
    emit("append/sqlite_durable_single", rate("append/sqlite_durable_single"), "events/s")
    emit("append/sqlite_concurrent_4", rate("append/sqlite_concurrent_4"), "events/s")
    emit("append/sqlite_wal_normal_single", rate("append/sqlite_wal_normal_single"), "events/s")
    # rebuild
    for label in sizes:
        raw = rate(f"rebuild/raw_sled_{label}")
        emit(f"rebuild/{label}", rate(f"rebuild/{label}"), "events/s", raw)
        emit(f"rebuild/events_{label}", rate(f"rebuild/events_{label}"), "events/s", raw)
        emit(f"rebuild/raw_sled_{label}", raw, "events/s")
        emit(f"rebuild/sqlite_{label}", rate(f"rebuild/sqlite_{label}"), "events/s")
    # as of
    for depth in ("early", "middle", "late"):
        emit(f"as_of/{depth}", millis(f"as_of/{depth}"), "ms")
        if f"as_of/{depth}_folded" in extra:
            value, unit, baseline = extra[f"as_of/{depth}_folded"]
            emit(f"as_of/{depth}_folded", value, unit, baseline)
    # verify
    if big:
        emit(f"verify/{big}", rate(f"verify/{big}"), "events/s", rate(f"verify/raw_sled_{big}"))
        emit(f"verify/raw_sled_{big}", rate(f"verify/raw_sled_{big}"), "events/s")
    # the peer, side by side
    emit("peer/append_single", single, "events/s", rate("append/sqlite_durable_single"))
    emit("peer/append_concurrent_4", rate("append/concurrent_4"), "events/s", rate("append/sqlite_concurrent_4"))
    for label in sizes:
        sqlite = rate(f"rebuild/sqlite_{label}")
        emit(f"peer/replay_{label}", rate(f"rebuild/events_{label}"), "events/s", sqlite)
        emit(f"peer/rebuild_{label}", rate(f"rebuild/{label}"), "events/s", sqlite)
    # footprint
    for name, (value, unit, baseline) in extra.items():
        if name.startswith(("memory/", "disk/")):
            emit(name, value, unit, baseline)
    # many updates in one request (benches/batch.rs)
    for case in ("http_10000", "sheet_10000"):
        emit(f"batch/{case}", millis(f"batch/{case}"), "ms")
        emit(f"batch/{case}_rate", rate(f"batch/{case}"), "events/s")
    # server
    lib64 = rate("append/concurrent_64")
    for name, (value, unit, baseline) in extra.items():
        if name.startswith("server/"):
            emit(name, value, unit, lib64 if name == "server/append_64" else baseline)

    for text in out:
        print(text)

    # goals
    print()
    print("speed goals (ratios from this run):")

    def ratio(a, b):
        return None if a is None or b in (None, 0) else a / b

    def goal(text, value, threshold, shown=None, op=">=", note=""):
        checks = {">=": value is not None and value >= threshold,
                  ">": value is not None and value > threshold,
                  "<=": value is not None and value <= threshold,
                  "<": value is not None and value < threshold}
        verdict = "NOT MEASURED" if value is None else ("MET" if checks[op] else "MISSED")
        detail = "" if value is None else f" ({shown or fmt(value)}; needs {op} {fmt(threshold)})"
        print(f"goal {verdict}: {text}{detail}{note}")

    def versus_fsync(case, raw):
        value = ratio(rate(case), rate(raw))
        return "" if value is None else f"; against raw sled + the same fsync: {fmt(value)}"

    goal("durable single append >= 0.8x raw sled insert+flush",
         ratio(single, rate("append/raw_sled_insert_flush")), 0.8,
         note=versus_fsync("append/durable_single", "append/raw_sled_insert_flush_fsync"))
    goal("16 concurrent appenders >= 8x durable single append",
         ratio(rate("append/concurrent_16"), single), 8.0)
    goal("batch append >= 0.5x raw sled batch insert + flush",
         ratio(rate("append/batch_1000"), rate("append/raw_sled_batch_1000")), 0.5,
         note=versus_fsync("append/batch_1000", "append/raw_sled_batch_1000_fsync"))
    for label in sizes:
        goal(f"rebuild {label} >= 0.5x raw sled scan+decode",
             ratio(rate(f"rebuild/{label}"), rate(f"rebuild/raw_sled_{label}")), 0.5)
    if big:
        goal(f"verify {big} >= 0.3x raw sled scan+decode",
             ratio(rate(f"verify/{big}"), rate(f"verify/raw_sled_{big}")), 0.3)
    folded = [extra[f"as_of/{d}_folded"] for d in ("early", "middle", "late") if f"as_of/{d}_folded" in extra]
    if folded:
        worst = max(value / baseline for value, _, baseline in folded)
        goal(f"as-of at any depth ({big}) folds at most one snapshot interval",
             worst, 1.0, shown=f"worst {fmt(worst)} of an interval", op="<=")
    else:
        goal("as-of folds at most one snapshot interval", None, 1)
    goal("beats SQLite on durable appends under concurrency (4 writers)",
         ratio(rate("append/concurrent_4"), rate("append/sqlite_concurrent_4")), 1.0, op=">",
         shown=f"{fmt(ratio(rate('append/concurrent_4'), rate('append/sqlite_concurrent_4')))}x")
    for label in sizes:
        replay = ratio(rate(f"rebuild/events_{label}"), rate(f"rebuild/sqlite_{label}"))
        goal(f"beats SQLite on full replay {label} (read + decode every event)",
             replay, 1.0, shown=f"{fmt(replay)}x", op=">",
             note=f"; with every projection folded too: "
                  f"{fmt(ratio(rate(f'rebuild/{label}'), rate(f'rebuild/sqlite_{label}')))}x")
    server64 = extra.get("server/append_64", (None,))[0]
    goal("server appends at 64 connections >= 0.5x the library's 64-thread figure",
         ratio(server64, lib64), 0.5,
         note="" if server64 is not None else f" [server: {args.server}]")
    progress = extra.get("server/get_progress_16", (None,))[0]
    goal("GET /v1/progress >= 10,000 requests/s", progress, 10_000,
         note="" if progress is not None else f" [server: {args.server}]")
    goal("a batch of 10,000 updates over HTTP (POST /v1/events/batch) appended in under 2 s",
         millis("batch/http_10000"), 2000, shown=f"{fmt(millis('batch/http_10000'))} ms", op="<",
         note="" if "batch/http_10000" in crit else f" [server: {args.server}]")
    goal("a sheet of 10,000 rows (POST /v1/sheets) appended in under 2 s",
         millis("batch/sheet_10000"), 2000, shown=f"{fmt(millis('batch/sheet_10000'))} ms", op="<",
         note="" if "batch/sheet_10000" in crit else f" [server: {args.server}]")
    disk = next(((v, b) for n, (v, _, b) in extra.items() if n.startswith("disk/ledger_")), None)
    goal("disk use <= 3x the encoded event bytes",
         ratio(disk[0], disk[1]) if disk else None, 3.0, op="<=",
         shown=f"{fmt(ratio(disk[0], disk[1]))}x" if disk else None)
    rss = extra.get("memory/rss_1m", (None,))[0]
    goal("resident memory with 1M events < 300 MB", rss * 1.048576 if rss else None, 300,
         shown=f"{fmt(rss * 1.048576)} MB" if rss else None, op="<")
    mode = "quick" if args.quick == "1" else "full"
    print(f"\nmode: {mode}; server load: {args.server}; elapsed: {args.elapsed} s")
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "wrk":
        if len(sys.argv) != 4:
            print(__doc__, file=sys.stderr)
            return 2
        return wrk(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["report"])
    parser.add_argument("--criterion", required=True)
    parser.add_argument("--figures", required=True)
    parser.add_argument("--quick", default="0")
    parser.add_argument("--server", default="not run")
    parser.add_argument("--elapsed", default="?")
    return report(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
