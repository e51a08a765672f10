#!/usr/bin/env python3
"""The side-by-side table of docs/performance.md from one peer report and our crf-bench reports of the same session.

    bench/pair_table.py PEER.json OURS.json [OURS.json ...]

PEER.json is what ../shared/peers/pouchdb-sync/run.sh --out writes (already medians of its runs); each OURS.json is
one crf-bench report. Prints a Markdown table: the peer's figure, our median (and every run), and peer / ours, where
more than 1 means ours is better (times, memory, CPU and bytes alike). A missing field names the file and the field.
"""
import json
import statistics
import sys

# (row, the peer's field, its factor to the unit shown, our field, its factor to the unit shown, format)
S, MS, ONE = 1.0, 1e3, 1.0
ROWS = [
    ("push 10,000 form saves", ("summary", "docs_push", "median_seconds"), S, "push_10k_s", S, "{:.3f} s"),
    ("no-op sync", ("summary", "docs_noop_push", "median_seconds"), MS, "noop_sync_ms", ONE, "{:.2f} ms"),
    ("push 100 edited forms", ("summary", "docs_incremental_push_100", "median_seconds"), MS, "push_100_edited_ms",
     ONE, "{:.2f} ms"),
    ("pull 10,000 into an empty tablet", ("summary", "docs_pull_fresh", "median_seconds"), S, "pull_10k_s", S,
     "{:.3f} s"),
    ("100 photos x 2 MiB up", ("summary", "att_push", "median_seconds"), S, "photos_up_s", S, "{:.3f} s"),
    ("100 photos x 2 MiB down", ("summary", "att_pull_fresh", "median_seconds"), S, "photos_down_s", S, "{:.3f} s"),
    ("loopback bytes per form, push", ("summary", "docs_push", "loopback_bytes_per_doc"), ONE,
     "push_loopback_bytes_per_form", ONE, "{:.0f} B"),
    ("loopback bytes per form, pull", ("summary", "docs_pull_fresh", "loopback_bytes_per_doc"), ONE,
     "pull_loopback_bytes_per_form", ONE, "{:.0f} B"),
    ("gateway / server peak memory", ("meta", "server_peak_rss_MiB"), ONE, "gateway_peak_rss_kb", 1 / 1024,
     "{:.0f} MiB"),
    ("gateway / server CPU, push 10,000", ("summary", "docs_push", "server_cpu_s_median"), S,
     "push_10k_gateway_cpu_s", S, "{:.2f} s"),
]


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot be read as JSON ({e})")


def field(report, path, keys):
    value = report
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            sys.exit(f"{path}: no field {'.'.join(keys)}")
        value = value[key]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        sys.exit(f"{path}: {'.'.join(keys)} is not a number")
    return float(value)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__.strip())
    peer = load(argv[1])
    ours = [(path, load(path)) for path in argv[2:]]
    print("| scenario | PouchDB -> pouchdb-server | crf (median of {}) | ratio |".format(len(ours)))
    print("|---|---|---|---|")
    for name, peer_keys, peer_factor, our_key, our_factor, fmt in ROWS:
        theirs = field(peer, argv[1], peer_keys) * peer_factor
        runs = [field(report, path, (our_key,)) * our_factor for path, report in ours]
        mine = statistics.median(runs)
        ratio = "{:.1f}x".format(theirs / mine) if mine > 0 else "-"
        cell = fmt.format(mine)
        if len(runs) > 1:
            cell += " (runs " + ", ".join(fmt.split(" ")[0].format(r) for r in runs) + ")"
        print(f"| {name} | {fmt.format(theirs)} | {cell} | {ratio} |")


if __name__ == "__main__":
    main(sys.argv)
