#!/usr/bin/env bash
# The benchmark's smoke run under ctest (issue 5): MedRelay on loopback with the synthetic
# source, 20 load-generator viewers for 10 s. Asserts that packets flow to every viewer (at
# least half of what the source sends in the window), never timings.
#   bench/load_smoke.sh BUILD_DIR
set -euo pipefail
BUILD=$1
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
RTP_PORT=$((20000 + $$ % 20000))
"$BUILD/app/medrelay" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --no-demo --no-dicom \
  --ice-address 127.0.0.1 --log-level warn --stream "bench=rtp://127.0.0.1:$RTP_PORT?codec=vp8" \
  --metrics-listen 127.0.0.1:0 \
  --max-sessions-per-user 100000 --subscribes-per-user-per-second 100000 \
  --subscribes-per-address-per-second 100000 \
  > "$WORK/serve.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.log" && break; sleep 0.1; done
PORT=$(grep -o "listening on https://127.0.0.1:[0-9]*" "$WORK/serve.log" | grep -o "[0-9]*$")
TOKEN=$("$BUILD/app/medrelay" admin --data-dir "$WORK/data" token issue --user demo)
"$BUILD/bench/medrelay_load" source --to "127.0.0.1:$RTP_PORT" --seconds 40 &
PIDS+=($!)
# ~280 packets/s reach each viewer; 10 s must bring each well over 1400.
"$BUILD/bench/medrelay_load" viewers --target medrelay --port "$PORT" --token "$TOKEN" \
  --viewers 20 --warmup 1 --seconds 10 --server-pid "$SERVER" --min-packets 1400
