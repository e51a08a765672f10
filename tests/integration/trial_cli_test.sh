#!/usr/bin/env bash
# crfctl trial / consent against a real crf-gateway over TLS: each command logs in as its user and the gateway's
# access control decides (the data manager loads boxes, only the statistician loads the allocation list).
set -euo pipefail
bin="$1"
studies="$2"
work=$(mktemp -d)
trap 'kill "$gw" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((10000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
"$bin/crfctl" dev-seed --data "$work/gateway" --sites 2 --out "$work/creds.json" >/dev/null
"$bin/crfctl" cert dev --out "$work/tls" >/dev/null
"$bin/crf-gateway" --listen "127.0.0.1:$port" --data "$work/gateway" --study "$studies/imicro.json" \
    --tls-cert "$work/tls/gateway.crt" --tls-key "$work/tls/gateway.key" >"$work/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
# `! grep` and `a && b` never stop a `set -e` script: every check that must fail the test goes through these.
absent() { if grep -q "$@"; then echo "unexpected in ${*: -1}: $1" >&2; exit 1; fi; }
present() { grep -q "$@" || { echo "missing in ${*: -1}: $1" >&2; exit 1; }; }
password() { python3 -c "import json,sys; print([u['password'] for u in json.load(open('$work/creds.json'))['users'] if u['user_id']=='$1'][0])"; }
as() { # as USER crfctl-args...
    local user="$1"; shift
    password "$user" | HOME="$work" "$bin/crfctl" "$@" --gateway "127.0.0.1:$port" --gateway-ca "$work/tls/gateway.crt" \
        --user "$user" --study I-MICRO
}

as dm trial boxes --site 01 --numbers 1-4 | grep -q "site 01: 4 box(es) added, 4 available"
as dm trial boxes --site 02 --numbers 11-14 >/dev/null
# A box already shipped to another site is refused, naming it; nothing is added.
if as dm trial boxes --site 02 --numbers 4-5 2>"$work/err"; then echo "box 4 loaded twice" >&2; exit 1; fi
grep -q "box 4: already belongs to site 01" "$work/err"
printf '# number,arm\n1,ILOPROST\n2,PLACEBO\n3,PLACEBO\n4,ILOPROST\n' >"$work/list.csv"
if as dm trial allocation --file "$work/list.csv" 2>"$work/err"; then echo "dm loaded the arms" >&2; exit 1; fi
grep -q "only the unblinded statistician" "$work/err"
as stat trial allocation --file "$work/list.csv" | tee "$work/out" | grep -q "4 new entries loaded"
absent ILOPROST "$work/out" # never echoed
# Blinded reader: no arms; the statistician: arms.
as monitor-01 trial inventory --site 01 >"$work/blind"
present "box 4	available" "$work/blind"
absent "arm" "$work/blind"
as dm trial inventory --site 01 >"$work/dm"
present "box 1	available" "$work/dm"
absent "arm" "$work/dm"
as stat trial inventory --site 01 | grep -q "arm ILOPROST"
as sponsor consent counts >/dev/null
as monitor-01 consent worklist --site 01 | grep -q "site 01: 0 subject(s) to approach"
if as monitor-01 consent worklist --site 02 2>"$work/err"; then echo "monitor-01 read site 02" >&2; exit 1; fi
as dm trial report | grep -q "data queries: 0"
# Bad input: exit 2 naming the option.
if HOME="$work" "$bin/crfctl" trial boxes --study I-MICRO --site 01 --numbers 4-1 </dev/null 2>"$work/err"; then exit 1; fi
grep -q -- "--numbers" "$work/err"
# The sponsor's streamed ODM export through the gateway; a site's nurse is refused.
password sponsor | HOME="$work" "$bin/crfctl" export --format odm132 --gateway "127.0.0.1:$port" \
    --gateway-ca "$work/tls/gateway.crt" --user sponsor --study I-MICRO --out "$work/streamed.xml" | grep -q "next cursor"
xmllint --noout --nonet --schema "$(dirname "$0")/../data/odm-1.3.2/ODM1-3-2.xsd" "$work/streamed.xml"
if password nurse-01 | HOME="$work" "$bin/crfctl" export --format odm132 --gateway "127.0.0.1:$port" \
    --gateway-ca "$work/tls/gateway.crt" --user nurse-01 --study I-MICRO --out "$work/x.xml" 2>"$work/err"; then
    echo "a nurse exported the study" >&2; exit 1
fi
grep -q "is for the sponsor" "$work/err"
# A wrong password through the gateway is refused and logged; no password is ever in the log.
if echo "Not-The-Password-1" | HOME="$work" "$bin/crfctl" trial report --gateway "127.0.0.1:$port" \
    --gateway-ca "$work/tls/gateway.crt" --user monitor-01 --study I-MICRO 2>/dev/null; then exit 1; fi
kill "$gw"; wait "$gw" 2>/dev/null || true
# The security log, read by the operator: logins, the failure, the refused calls; filtered by user and action.
"$bin/crfctl" security log --data "$work/gateway" >"$work/log"
present "	dm	login	" "$work/log"
present "	monitor-01	login.failed	" "$work/log"
absent "Not-The-Password-1" "$work/log"
"$bin/crfctl" security log --data "$work/gateway" --user monitor-01 --action login.failed >"$work/failed"
test "$(wc -l <"$work/failed")" = 1
present "	monitor-01	login.failed	" "$work/failed"
test "$(("$bin/crfctl" security log --data "$work/gateway" --last 2) | wc -l)" = 2
if "$bin/crfctl" security log --data "$work/gateway" --last zero 2>"$work/err"; then exit 1; fi
grep -q -- "--last" "$work/err"
# Analysis export: blinded by default; unblinded only for a user holding an unblinded role.
"$bin/crfctl" export --format analysis-csv --data "$work/gateway" --study I-MICRO --definition "$studies/imicro.json" \
    --out "$work/export" | grep -q "blinded export of I-MICRO"
test -s "$work/export/manifest.json"
test -s "$work/export/SOFA.csv"
test ! -e "$work/export/arms.csv"
if "$bin/crfctl" export --format analysis-csv --data "$work/gateway" --study I-MICRO \
    --definition "$studies/imicro.json" --out "$work/x" --unblinded --as dm 2>"$work/err"; then exit 1; fi
grep -q "unblinded role" "$work/err"
"$bin/crfctl" export --format analysis-csv --data "$work/gateway" --study I-MICRO --definition "$studies/imicro.json" \
    --out "$work/unblinded" --unblinded --as stat | grep -q "unblinded export"
test -e "$work/unblinded/arms.csv"
# ODM 1.3.2: the archival transactional file validates against the official schema; incremental by cursor.
"$bin/crfctl" export --format odm132 --data "$work/gateway" --study I-MICRO --definition "$studies/imicro.json" \
    --out "$work/all.xml" | tee "$work/odm.txt" | grep -q "ODM 1.3.2 of I-MICRO"
xmllint --noout --nonet --schema "$(dirname "$0")/../data/odm-1.3.2/ODM1-3-2.xsd" "$work/all.xml"
echo "trial CLI: ok"
