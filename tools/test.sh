#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   2. every test (unit, integration, browser) on the optimized build (build/)
# The last ctest summary covers the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash tools/setup.sh

if [ -f tests/browser/package.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

bash tools/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DMEDRELAY_SANITIZE=ON -DMEDRELAY_BENCH=OFF
# GLib and GStreamer keep process-lifetime allocations that LeakSanitizer would report as leaks.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j2

bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build --output-on-failure -j2
echo "tools/test.sh: whole run took $(( $(date +%s) - start )) s"
