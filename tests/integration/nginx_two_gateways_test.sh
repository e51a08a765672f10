#!/usr/bin/env bash
# Two crf-gateway instances sharing one PostgreSQL behind nginx (grpc_pass, TLS at nginx): crf-sim plays a trial
# through nginx while one instance is SIGKILLed mid-run and never comes back. Passes when the simulation converged
# with no duplicate, both instances served requests, and both hash chains verify.
#   nginx_two_gateways_test.sh BIN_DIR STUDY_FILE PG_URI_FILE
set -euo pipefail
bin=$1
study=$2
admin=$(cat "$3")
work=$(mktemp -d)
chmod 755 "$work"
db="crf_nginx_$$"
port_of() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$admin" -c "$1"; }
cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    kill -9 $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    psql_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

base=${admin%/*}                       # postgresql://postgres@127.0.0.1:PORT
hostport=${base#*@}
owner="postgresql://crf_owner@$hostport/$db"
store="postgresql://crf_gateway@$hostport/$db"
psql_admin "CREATE DATABASE $db OWNER crf_owner"
"$bin/crfctl" db migrate --store "$owner" --app-role crf_app
"$bin/crfctl" dev-seed --store "$store" --sites 2 --out "$work/creds.json" > /dev/null
"$bin/crfctl" cert dev --out "$work/tls" > /dev/null

p1=$(port_of); p2=$(port_of); pn=$(port_of)
start_gateway() { # PORT LOG
    "$bin/crf-gateway" --listen "127.0.0.1:$1" --insecure-dev --store "$store" --study "$study" >> "$2" 2>&1 &
    for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.1; done
    echo "gateway on $1 did not start" >&2; cat "$2" >&2; exit 1
}
start_gateway "$p1" "$work/gw1.log"; gw1=$!
start_gateway "$p2" "$work/gw2.log"

mkdir -p "$work/nginx-tmp"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat > "$work/nginx.conf" << CONF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 512; }
http {
    client_body_temp_path $work/nginx-tmp;
    proxy_temp_path $work/nginx-tmp;
    fastcgi_temp_path $work/nginx-tmp;
    uwsgi_temp_path $work/nginx-tmp;
    scgi_temp_path $work/nginx-tmp;
    log_format upstream '\$upstream_addr \$status';
    access_log $work/access.log upstream;
    upstream gateways {
        server 127.0.0.1:$p1 max_fails=1 fail_timeout=30s;
        server 127.0.0.1:$p2 max_fails=1 fail_timeout=30s;
    }
    server {
        listen 127.0.0.1:$pn ssl http2;
        ssl_certificate $work/tls/gateway.crt;
        ssl_certificate_key $work/tls/gateway.key;
        client_max_body_size 64m;      # photo chunks are 1 MiB
        location / {
            grpc_pass grpc://gateways;
            grpc_read_timeout 120s;
            grpc_next_upstream error timeout;
        }
    }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log"
for _ in $(seq 50); do (exec 3<> "/dev/tcp/127.0.0.1/$pn") 2> /dev/null && break; sleep 0.1; done

"$bin/crf-sim" --gateway "127.0.0.1:$pn" --credentials "$work/creds.json" --gateway-ca "$work/tls/gateway.crt" \
    --tablets 6 --sites 2 --subjects 8 --days 6 --seed 7 --photos 3 --offline-ratio 0.3 --conflict-ratio 0.3 \
    --day-pause-ms 400 --report "$work/report.json" --work "$work/tablets" &
sim=$!
sleep 1.5
kill -9 "$gw1"
echo "nginx test: gateway instance 1 killed (SIGKILL); instance 2 carries on"
status=0
wait "$sim" || status=$?
cat "$work/report.json"
[ "$status" -eq 0 ] || { echo "crf-sim failed ($status)"; tail -20 "$work/nginx-error.log"; exit 1; }
grep -q '"converged": true' "$work/report.json" || { echo "not converged"; exit 1; }
grep -q '"duplicates": 0' "$work/report.json" || { echo "duplicates"; exit 1; }
for p in "$p1" "$p2"; do
    n=$(grep -c "127.0.0.1:$p 200" "$work/access.log" || true)
    echo "nginx test: instance on $p answered $n requests"
    [ "$n" -gt 0 ] || { echo "instance on $p served nothing: not balanced"; exit 1; }
done
"$bin/crfctl" audit verify --store "$store"
echo "nginx test: passed"
