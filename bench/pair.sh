#!/usr/bin/env bash
# The side-by-side table of docs/performance.md in one command, on this machine: the peer (PouchDB ->
# pouchdb-server, its run.sh: median of 3), then crf-bench 3 times right after, then the table (bench/pair_table.py).
#   bench/pair.sh [OUT_DIR]        (after ./scripts/build; CRF_PEER_DIR: the peer's folder, ../shared/peers/pouchdb-sync)
# Wall times on a shared machine move 10-20% between runs: compare only a peer and ours of the same session.
set -euo pipefail
cd "$(dirname "$0")/.."
peer_dir=${CRF_PEER_DIR:-../shared/peers/pouchdb-sync}
out=${1:-var/bench/$(date -u +%Y%m%dT%H%MZ)}
[ -f "$peer_dir/run.sh" ] || { echo "pair.sh: no peer at $peer_dir (set CRF_PEER_DIR)" >&2; exit 2; }
[ -x build/bin/crf-bench ] || { echo "pair.sh: build/bin/crf-bench is missing: run ./scripts/build first" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "peer (about 2 minutes) -> $out/peer.json" >&2
bash "$peer_dir/run.sh" --out "$out/peer.json" >"$out/peer.log" 2>&1 || { tail -5 "$out/peer.log" >&2; exit 1; }
for i in 1 2 3; do
    echo "crf-bench run $i -> $out/crf-$i.json" >&2
    build/bin/crf-bench --gateway-bin build/bin/crf-gateway --idle-noops 30 >"$out/crf-$i.json" 2>"$out/crf-$i.log"
done
echo "$(date -u +%H:%M) UTC, build $(git rev-parse --short HEAD 2>/dev/null || echo unknown):"
python3 bench/pair_table.py "$out/peer.json" "$out"/crf-*.json | tee "$out/table.md"
