#!/usr/bin/env bash
# The main job as a test: the headless bedside session of ./scripts/demo against a real crf-gateway process.
set -euo pipefail
bin="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((10000 + RANDOM % 20000)) # below the kernel's ephemeral range (32768+)
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
CRF_KEYSTORE=file "$bin/crfctl" demo --gateway-bin "$bin/crf-gateway" --gateway-data "$work/gateway" \
    --listen "127.0.0.1:$port" --tablets "$work/tablets" --study "$(dirname "$0")/../../studies/imicro.json" \
    | tee "$work/out.txt"
grep -q "verdict met" "$work/out.txt"
grep -q "converged" "$work/out.txt"
test -s "$work/tablets/A/crf.db" && test -s "$work/tablets/B/crf.db"
# The gateway holds the session: registration, eligibility, SOFA D0.
"$bin/crfctl" stats --data "$work/gateway" --json | grep -q '"events_total": 3'
