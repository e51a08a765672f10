#!/usr/bin/env bash
# The main job as a test: the headless bedside session of ./scripts/demo against a real crf-gateway process.
set -euo pipefail
bin="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((10000 + RANDOM % 20000)) # below the kernel's ephemeral range (32768+)
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
"$bin/crfctl" dev-seed --data "$work/gateway" --sites 1 --out "$work/creds.json"
test "$(stat -c %a "$work/creds.json")" = 600
"$bin/crfctl" cert dev --out "$work/tls"
run_demo() {
    CRF_KEYSTORE=file "$bin/crfctl" demo --gateway-bin "$bin/crf-gateway" --gateway-data "$work/gateway" \
        --listen "127.0.0.1:$port" --tablets "$work/tablets" --study "$(dirname "$0")/../../studies/imicro.json" \
        --credentials "$work/creds.json" --tls "$work/tls"
}
run_demo | tee "$work/out.txt"
grep -q "listening on .* (TLS)" "$work/out.txt" || grep -q "the gateway starts (TLS" "$work/out.txt"
grep -q "nurse-01 logs in on tablet A online as research_nurse" "$work/out.txt"
# No password of the credentials file appears in what the session printed.
for pw in $(grep -o '"password": "[^"]*"' "$work/creds.json" | cut -d'"' -f4); do
    if grep -q -- "$pw" "$work/out.txt"; then echo "a password was printed" >&2; exit 1; fi
done
grep -q "verdict met" "$work/out.txt"
grep -q "converged" "$work/out.txt"
# Delayed consent and offline randomization (docs/consent.md, docs/randomization.md).
grep -q "records an emergency inclusion (CSP L1122-1-3)" "$work/out.txt"
grep -q "confirms box 1: randomized offline" "$work/out.txt"
grep -q "consent worklist for site 01, now on tablet A" "$work/out.txt"
grep -q "consents to continue: recorded on tablet B (accepted by the gateway); tablet A shows: Consent to continue given" \
    "$work/out.txt"
test -s "$work/tablets/A/crf.db"
test -s "$work/tablets/B/crf.db"
# The gateway holds the session: registration, emergency inclusion, eligibility, demographics, randomization,
# SOFA D0, the delayed consent recorded on tablet B and the D1 mottling form with its knee photo.
"$bin/crfctl" stats --data "$work/gateway" --json | grep -q '"events_total": 8'
"$bin/crfctl" stats --data "$work/gateway" --json | grep -q '"photos_total": 1'
# Central, blinded review of that photo (docs/sponsor.md): a code only, the tablet's bytes, a site-central pair.
grep -q "the photo is verified at the gateway by its SHA-256, none pending" "$work/out.txt"
grep -Eq "sees photo MOT-[0-9A-F]{12} and nothing else .* the bytes are the tablet's: yes; scores 3" "$work/out.txt"
grep -q "report: 1 photo(s) scored by both, 1 exact agreement(s)" "$work/out.txt"
# A second run on the same folders: the enrolled tablets log in again with their device credential.
run_demo > "$work/out2.txt"
grep -q "converged" "$work/out2.txt"
# The sponsor's file rebuilds an empty gateway with the same audit trail (docs/sponsor.md "Import").
studies="$(dirname "$0")/../../studies/imicro.json"
"$bin/crfctl" export --format odm132 --data "$work/gateway" --study I-MICRO --definition "$studies" \
    --out "$work/all.xml" >/dev/null
"$bin/crfctl" import --format odm132 --data "$work/reimported" --definition "$studies" --in "$work/all.xml" |
    grep -q "every event matched its recorded hash"
"$bin/crfctl" audit verify --data "$work/reimported" | grep -q "^intact"
for subject in 01-001 01-002; do
    "$bin/crfctl" audit show --data "$work/gateway" --subject "$subject" >"$work/source.txt"
    "$bin/crfctl" audit show --data "$work/reimported" --subject "$subject" >"$work/copy.txt"
    test -s "$work/source.txt"
    diff "$work/source.txt" "$work/copy.txt"
done
# Imported once: a second import into the same folder is refused and changes nothing.
if "$bin/crfctl" import --format odm132 --data "$work/reimported" --definition "$studies" --in "$work/all.xml" \
    2>"$work/err"; then echo "imported twice" >&2; exit 1; fi
grep -q "empty gateway" "$work/err"
