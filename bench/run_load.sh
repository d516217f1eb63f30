#!/usr/bin/env bash
# The fan-out benchmark (issue 5): one synthetic VP8 source (2.5 Mbit/s, 30 fps, a key frame
# every 2 s) feeding MedRelay and Janus at once; for each viewer count, each server is started
# fresh, pinned to CPU 0, and the load generator (pinned to CPU 1) joins N viewers and measures a
# steady-state window. Prints one JSON line per run and the table with MedRelay/Janus ratios.
#
#   bench/run_load.sh [BUILD_DIR] [N ...]        default: build 50 200 500 1000
#   WINDOW=10 (seconds measured per run), JOIN_SECONDS=120 (joining stops there; the row says
#   how many joined), SKIP_JANUS=1 (MedRelay only)
#
# Janus is Debian's package (installed with apt-get when missing), run as ../shared/JANUS.md
# describes: streaming plugin and HTTP API only. Everything runs inside a network namespace this
# script creates (unshare): Janus never offers loopback candidates, so the namespace gets a veth
# pair (10.77.0.1) for its ICE, and no packet can leave the machine.
set -euo pipefail
BUILD=${1:-build}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(50 200 500 1000)
WINDOW=${WINDOW:-10}
JOIN_SECONDS=${JOIN_SECONDS:-120}
if [ -z "${MEDRELAY_BENCH_NETNS:-}" ]; then
  if [ -z "${SKIP_JANUS:-}" ] && ! command -v janus > /dev/null; then
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get install -y janus curl python3 > /dev/null
  fi
  exec env MEDRELAY_BENCH_NETNS=1 unshare -rn "$0" "$BUILD" "${COUNTS[@]}"
fi
ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.77.0.1/24 dev v0
ip link set v0 up
ip link set v1 up
ICE_ADDRESS=10.77.0.1
MEDRELAY=$BUILD/app/medrelay
LOAD=$BUILD/bench/medrelay_load
MEDRELAY_RTP=15006 JANUS_RTP=15004 JANUS_RTCP=15005 SOURCE_FEEDBACK=15008
MEDRELAY_HTTPS=18443 JANUS_HTTP=18088
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# Server on CPU 0, load generator and source on CPU 1 (when there are two). taskset execs the
# command, so $! of a pinned background job is the server's own PID.
PIN0=() PIN1=()
if [ "$(nproc)" -ge 2 ]; then PIN0=(taskset -c 0) PIN1=(taskset -c 1); fi

janus_config() {
  local dir=$WORK/janus
  mkdir -p "$dir"
  cp /etc/janus/janus.jcfg /etc/janus/janus.transport.http.jcfg "$dir/"
  sed -i 's|^plugins: {|plugins: {\n\tdisable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_voicemail.so"|' "$dir/janus.jcfg"
  sed -i 's|^transports: {|transports: {\n\tdisable = "libjanus_websockets.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_rabbitmq.so"|' "$dir/janus.jcfg"
  sed -i 's|^nat: {|nat: {\n\tice_enforce_list = "v0"|' "$dir/janus.jcfg"
  sed -i "s|^\(\s*\)port = 8088|\1port = $JANUS_HTTP|; s|^\(\s*\)#\?ip = .*|\1ip = \"127.0.0.1\"|" "$dir/janus.transport.http.jcfg"
  cat > "$dir/janus.plugin.streaming.jcfg" <<CFG
bench: {
	type = "rtp"
	id = 1
	description = "benchmark"
	video = true
	videoport = $JANUS_RTP
	videortcpport = $JANUS_RTCP
	videopt = 96
	videocodec = "vp8"
}
CFG
  echo "$dir"
}

start_medrelay() {
  rm -rf "$WORK/data"
  "${PIN0[@]}" "$MEDRELAY" serve --data-dir "$WORK/data" --listen 127.0.0.1:$MEDRELAY_HTTPS --no-demo \
    --no-dicom --ice-address 127.0.0.1 --workers 1 --log-level warn --metrics-listen 127.0.0.1:0 \
    --max-sessions-per-user 100000 --subscribes-per-user-per-second 100000 \
    --subscribes-per-address-per-second 100000 --max-connections 100000 \
    --max-connections-per-address 100000 --connections-per-address-per-second 100000 \
    --stream "bench=rtp://127.0.0.1:$MEDRELAY_RTP?codec=vp8&feedback=127.0.0.1:$SOURCE_FEEDBACK" \
    > "$WORK/medrelay.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do grep -q "listening on" "$WORK/medrelay.log" && break; sleep 0.1; done
  TOKEN=$("$MEDRELAY" admin --data-dir "$WORK/data" token issue --user demo)
}

start_janus() {
  local dir
  dir=$(janus_config)
  "${PIN0[@]}" janus -F "$dir" -C "$dir/janus.jcfg" -o -L "$WORK/janus.log" > /dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null -X POST -d '{"janus":"info","transaction":"x"}' \
      http://127.0.0.1:$JANUS_HTTP/janus && break
    sleep 0.1
  done
}


# The source answers key-frame requests like an encoder: MedRelay's ingest sends its PLI to the
# feedback port; Janus sends PLI back to where the source's RTCP (sender reports) comes from.
# It outlives every run (joins are bounded by JOIN_SECONDS) and is stopped with the script.
seconds=$(( ${#COUNTS[@]} * 2 * (WINDOW + JOIN_SECONDS + 60) + 60 ))
"${PIN1[@]}" "$LOAD" source --to 127.0.0.1:$MEDRELAY_RTP --to 127.0.0.1:$JANUS_RTP \
  --rtcp-to 127.0.0.1:$JANUS_RTCP --feedback-port $SOURCE_FEEDBACK --kbps 2500 --fps 30 \
  --key-seconds 2 --seconds "$seconds" &
PIDS+=($!)

RESULTS=$WORK/results.jsonl
for n in "${COUNTS[@]}"; do
  targets=(medrelay)
  [ -n "${SKIP_JANUS:-}" ] || targets+=(janus)
  for target in "${targets[@]}"; do
    if [ "$target" = medrelay ]; then start_medrelay; port=$MEDRELAY_HTTPS; else start_janus; port=$JANUS_HTTP; fi
    sleep 2
    ice=127.0.0.1; [ "$target" = janus ] && ice=$ICE_ADDRESS
    "${PIN1[@]}" "$LOAD" viewers --target "$target" --port "$port" --token "${TOKEN:-}" --viewers "$n" \
      --ice-address "$ice" \
      --seconds "$WINDOW" --join-seconds "$JOIN_SECONDS" --server-pid "$SERVER" \
      | tee -a "$RESULTS" || true
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  done
done

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["target"], r["viewers"]): r for r in rows}
def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"
print()
print("| viewers | server | joined | CPU µs/packet | server CPU % | loss % | delay p50/p99 ms | join p50/p99 ms | RSS/viewer KiB | received pkt/s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in sorted({r["viewers"] for r in rows}):
    for t in ("medrelay", "janus"):
        r = by.get((t, n))
        if not r:
            continue
        print(f"| {n} | {t} | {r['joined']} | {r['server_cpu_us_per_packet']:.2f} | "
              f"{r['server_cpu_percent']:.0f} | {r['loss_percent']:.3f} | "
              f"{r['delay_p50_us']/1000:.2f} / {r['delay_p99_us']/1000:.2f} | "
              f"{r['join_p50_ms']:.0f} / {r['join_p99_ms']:.0f} | {r['rss_per_viewer_kb']:.0f} | "
              f"{r['packets_per_second']:.0f} |")
    m, j = by.get(("medrelay", n)), by.get(("janus", n))
    if m and j:
        print(f"| {n} | MedRelay/Janus | | {ratio(m['server_cpu_us_per_packet'], j['server_cpu_us_per_packet'])} | "
              f"| - | {ratio(m['delay_p50_us'], j['delay_p50_us'])} / {ratio(m['delay_p99_us'], j['delay_p99_us'])} | "
              f"{ratio(m['join_p50_ms'], j['join_p50_ms'])} / {ratio(m['join_p99_ms'], j['join_p99_ms'])} | "
              f"{ratio(m['rss_per_viewer_kb'], j['rss_per_viewer_kb'])} | - |")
PY
