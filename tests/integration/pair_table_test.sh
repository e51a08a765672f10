#!/usr/bin/env bash
# bench/pair_table.py, the ratio table of docs/performance.md: medians, every run, peer / ours in the same unit, and
# a report that lacks a figure refused naming the file and the field.
set -euo pipefail
top="$1"
data="$top/tests/data/bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$top/bench/pair_table.py" "$data/peer.json" "$data"/crf-*.json >"$work/table.md"
expect() { grep -qxF "$1" "$work/table.md" || { echo "missing row: $1" >&2; cat "$work/table.md" >&2; exit 1; }; }
expect "| push 10,000 form saves | 4.000 s | 0.400 s (runs 0.400, 0.320, 0.500) | 10.0x |"
expect "| no-op sync | 16.00 ms | 1.60 ms (runs 1.60, 1.28, 2.00) | 10.0x |"
expect "| loopback bytes per form, push | 750 B | 375 B (runs 375, 375, 375) | 2.0x |"
expect "| gateway / server peak memory | 1500 MiB | 150 MiB (runs 150, 120, 188) | 10.0x |"
test "$(grep -c '^| ' "$work/table.md")" = 11 # the header and ten figures
python3 -c "import json; d = json.load(open('$data/crf-1.json')); del d['pull_10k_s']; json.dump(d, open('$work/short.json', 'w'))"
if python3 "$top/bench/pair_table.py" "$data/peer.json" "$work/short.json" >/dev/null 2>"$work/err"; then
    echo "a report without pull_10k_s was tabled" >&2; exit 1
fi
grep -q "short.json: no field pull_10k_s" "$work/err"
echo "pair table: ok"
