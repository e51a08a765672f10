#!/usr/bin/env bash
# Load benchmark (docs/performance.md "Load"): crf-sim in load mode against one crf-gateway on SQLite, then on
# PostgreSQL (a throwaway durable cluster, fsync on), same tablets, sites, duration and seed. Prints one JSON line
# per backend with the gateway's peak memory added.
#   bench/load.sh [TABLETS=1000] [SITES=25] [SECONDS=60] [WORKERS=16]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CRF_BIN:-build/bin}
tablets=${1:-1000}; sites=${2:-25}; seconds=${3:-60}; workers=${4:-16}
work=$(mktemp -d)
chmod 755 "$work"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; scripts/pg-cluster stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port_of() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
"$bin/crfctl" cert dev --out "$work/tls" > /dev/null

run() { # NAME STORE_SPEC
    local name=$1 spec=$2 port
    port=$(port_of)
    "$bin/crfctl" dev-seed --store "$spec" --sites "$sites" --out "$work/$name-creds.json" > /dev/null
    "$bin/crf-gateway" --listen "127.0.0.1:$port" --store "$spec" --study studies/imicro.json \
        --tls-cert "$work/tls/gateway.crt" --tls-key "$work/tls/gateway.key" > "$work/$name-gateway.log" 2>&1 &
    local gw=$!
    for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
    "$bin/crf-sim" --gateway "127.0.0.1:$port" --credentials "$work/$name-creds.json" \
        --gateway-ca "$work/tls/gateway.crt" --tablets "$tablets" --sites "$sites" --subjects $((sites * 8)) \
        --duration "$seconds" --workers "$workers" --seed 11 --report "$work/$name.json" --work "$work/$name-tablets" \
        >&2
    local peak
    peak=$(awk '/VmHWM/ {print $2}' "/proc/$gw/status")
    kill "$gw"; wait "$gw" 2> /dev/null || true
    rm -rf "$work/$name-tablets"
    python3 - "$work/$name.json" "$name" "$peak" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["backend"] = sys.argv[2]
r["gateway_peak_mib"] = round(int(sys.argv[3]) / 1024, 1)
print(json.dumps(r))
PY
}

run sqlite "$work/gateway"
scripts/pg-cluster start "$work/pg" --durable > /dev/null
pgport=$(cat "$work/pg/port")
psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE crf_load OWNER crf_owner"
"$bin/crfctl" db migrate --store "postgresql://crf_owner@127.0.0.1:$pgport/crf_load" --app-role crf_app > /dev/null
run postgresql "postgresql://crf_gateway@127.0.0.1:$pgport/crf_load"
