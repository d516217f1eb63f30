#!/usr/bin/env bash
# What the layer ladder costs: CPU of the demo's ingest child (decode-free test source, 1280x720,
# 30 fps, VP8 and H.264) with 1, 2 and 3 layers, nobody watching.
#   bench/ladder_cost.sh build/app/medrelay [SECONDS]
# CPU is read from /proc (user + system ticks of the ingest child and its threads) over SECONDS
# after a 10 s settling time, as a share of one core. Loopback only; the server and its data
# directory are removed at the end. Results: bench/README.md.
set -euo pipefail
binary=${1:?usage: bench/ladder_cost.sh build/app/medrelay [SECONDS]}
seconds=${2:-20}
ticks=$(getconf CLK_TCK)

child_ticks() {  # user+system ticks of every ingest child of $1
  local total=0 pid
  for pid in $(pgrep -P "$1" || true); do
    # A child that ended between pgrep and here counts nothing.
    read -r -a f < "/proc/$pid/stat" 2>/dev/null || continue
    # Fields 14 and 15 (utime, stime) counted from 1; the command name has no spaces here.
    total=$((total + f[13] + f[14]))
  done
  echo "$total"
}

echo "| layers | ingest child CPU (% of one core) |"
echo "|---|---|"
for layers in 1 2 3; do
  dir=$(mktemp -d)
  "$binary" serve --data-dir "$dir" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    --layers "$layers" >"$dir/log" 2>&1 &
  server=$!
  sleep 10
  before=$(child_ticks "$server")
  sleep "$seconds"
  after=$(child_ticks "$server")
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$dir"
  echo "| $layers | $(( (after - before) * 100 / ticks / seconds )) |"
done
