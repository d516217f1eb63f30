#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/): the unit tests, then
#      the `asan` set of integration, hostile-input and browser tests (where viewers and
#      publishers come and go, ingest children die and hostile clients push: a memory error
#      aborts the server there and the test sees it)
#      (and, between the two, a short run of every libFuzzer target: tools/fuzz.sh)
#   2. every other test (integration, browser, bench smoke) on the optimized build (build/).
#      Each test runs once: the `asan` set and the unit tests ran under ASan already, so the
#      optimized build neither runs them again nor compiles the unit tests (MEDRELAY_UNIT_TESTS
#      OFF: about 4 minutes of a 2-core CI run, which must stay under 40 minutes)
# The last ctest summary covers the integration, browser and bench tests; ctest's summaries of
# step 1 cover the unit tests and the asan set.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash tools/setup.sh

if [ -f tests/browser/package.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

# Line tables only (-g1), as the release tree: ASan and UBSan reports name functions, files and
# lines; full -g costs about 20 % more compile time on the Beast-heavy files and a slower link.
bash tools/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DMEDRELAY_SANITIZE=ON -DMEDRELAY_BENCH=OFF \
  -DCMAKE_C_FLAGS_DEBUG=-g1 -DCMAKE_CXX_FLAGS_DEBUG=-g1
# GLib and GStreamer keep process-lifetime allocations that LeakSanitizer would report as leaks.
# The servers the tests start inherit these, so an ASan report aborts the server under test.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir build-asan -L unit --output-on-failure -j2
# Coverage-guided fuzzing: every libFuzzer target 5 s from its corpus on the instrumented fuzz
# tree (build-fuzz/, clang); fails on any crash, leak or timeout (tests/fuzz/README.md).
bash tools/fuzz.sh 5  # CI stays under 40 min; longer runs by hand (tests/fuzz/README.md)
ctest --test-dir build-asan -L asan --output-on-failure -j2
unset ASAN_OPTIONS UBSAN_OPTIONS

bash tools/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDRELAY_UNIT_TESTS=OFF
ctest --test-dir build -LE asan --output-on-failure -j2
echo "tools/test.sh: whole run took $(( $(date +%s) - start )) s"
