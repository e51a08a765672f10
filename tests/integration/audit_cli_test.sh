#!/usr/bin/env bash
# crfctl audit verify passes on a real gateway's data and fails, naming the link, after one byte is altered;
# crfctl audit show prints the field's history.
set -euo pipefail
bin="$1"
study="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((10000 + RANDOM % 20000)) # below the kernel's ephemeral range (32768+)
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
"$bin/crfctl" dev-seed --data "$work/gateway" --sites 1 --out "$work/creds.json" >/dev/null
CRF_KEYSTORE=file "$bin/crfctl" demo --gateway-bin "$bin/crf-gateway" --gateway-data "$work/gateway" \
    --listen "127.0.0.1:$port" --tablets "$work/tablets" --study "$study" --credentials "$work/creds.json" >/dev/null
"$bin/crfctl" audit verify --data "$work/gateway" | tee "$work/verify.txt"
grep -Eq "; [1-9][0-9]* photo\(s\) hashed again, each matching its digest" "$work/verify.txt" # the demo's knee photos
# One byte of a photo's file (the embedded store keeps its bytes in photos/, read-only): named by its digest.
photo=$(ls "$work/gateway/photos" | head -1)
cp -p "$work/gateway/photos/$photo" "$work/photo.kept"
chmod u+w "$work/gateway/photos/$photo"
printf 'X' | dd of="$work/gateway/photos/$photo" bs=1 seek=100 conv=notrunc status=none
if "$bin/crfctl" audit verify --data "$work/gateway" > "$work/verify.txt"; then
    echo "audit verify passed with an altered photo" >&2
    exit 1
fi
grep -q "BROKEN at photo $photo: its stored bytes do not match its digest" "$work/verify.txt"
cp -p "$work/photo.kept" "$work/gateway/photos/$photo"
"$bin/crfctl" audit verify --data "$work/gateway" >/dev/null
# Review aids (EMA 2023 6.2.2): the four sections, on the demo's events.
"$bin/crfctl" audit review --data "$work/gateway" --study I-MICRO | tee "$work/review.txt"
grep -q "audit review of I-MICRO: 8 events" "$work/review.txt"
grep -q "^CORRECTION_RATE: 0" "$work/review.txt"
"$bin/crfctl" audit show --data "$work/gateway" --subject 01-001 --item NOREPINEPHRINE | tee "$work/show.txt"
grep -q -- "-> 0,32 ug/kg/min" "$work/show.txt"
grep -q "by inv-01 (investigator), site 01" "$work/show.txt" # the investigator who took over tablet A
grep -q "captured .*, received " "$work/show.txt"
# One byte per copy: the recorded norepinephrine dose 0,32 -> 0,33 (the stored event and its projection).
perl -0777 -pi -e 's/0,32/0,33/g' "$work/gateway/gateway.db" # every copy, the stored event included
if "$bin/crfctl" audit verify --data "$work/gateway" > "$work/verify.txt"; then
    echo "audit verify passed on altered data" >&2
    exit 1
fi
grep -q "BROKEN at server_seq" "$work/verify.txt"
cat "$work/verify.txt"
# A missing store is an error, not an empty trial.
if "$bin/crfctl" audit verify --data "$work/nowhere" 2>/dev/null; then exit 1; fi
echo "audit CLI: ok"
