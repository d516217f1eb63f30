#!/usr/bin/env bash
# Fails when a module includes a header of a module it may not depend on (DESIGN.md, layout):
#   common/    nothing of ours but common/
#   relay/     common/ and relay/ (the media plane knows nothing above it)
#   access/    common/ and access/
#   signaling/ common/ and signaling/ (it talks to the relay through SignalingBackend)
#   pipelines/ common/, pipelines/ and relay/rtp/ (RTP/RTCP parsing only)
#   app/       everything (the wiring)
# The load generator's doors (relay/*/load_generator_*_door.hpp) are for bench/ and tests/ only.
# Only quoted includes of our own folders count; system headers are the CMake graph's business.
# Usage: tools/check_layering.sh [SOURCE_ROOT]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

declare -A allowed=(
  [common]="common/"
  [relay]="common/ relay/"
  [access]="common/ access/"
  [signaling]="common/ signaling/"
  [pipelines]="common/ pipelines/ relay/rtp/"
)
ours='^(common|relay|access|signaling|pipelines|app)/'

failures=0
for module in "${!allowed[@]}"; do
  [ -d "$module" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    header=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")
    [[ $header =~ $ours ]] || continue
    ok=0
    for prefix in ${allowed[$module]}; do
      [[ $header == "$prefix"* ]] && ok=1
    done
    if [ $ok -eq 0 ]; then
      echo "layering: $file includes $header ($module/ may include only: ${allowed[$module]})"
      failures=$((failures + 1))
    fi
  done < <(grep -rHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$module" \
             --include='*.hpp' --include='*.cpp' --include='*.h' || true)
done

while IFS= read -r line; do
  file=${line%%:*}
  case $file in
    bench/* | tests/* | relay/transport/load_generator_ice_door.* | relay/webrtc/load_generator_peer_door.*) ;;
    *)
      echo "layering: $file includes a load generator door (${line#*:}): bench/ and tests/ only"
      failures=$((failures + 1))
      ;;
  esac
done < <(grep -rHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*load_generator_[a-z]+_door\.hpp"' \
           --include='*.hpp' --include='*.cpp' --include='*.h' . 2>/dev/null | sed 's|^\./||' || true)

if [ $failures -gt 0 ]; then
  echo "layering: $failures forbidden include(s)"
  exit 1
fi
echo "layering: every include stays within its module's allowed dependencies"
