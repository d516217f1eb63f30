#!/usr/bin/env bash
# Builds the fuzz tree (build-fuzz/: clang, every library coverage-instrumented, ASan + UBSan)
# and runs each libFuzzer target for SECONDS from a copy of its corpus (tests/fuzz/corpus/NAME,
# the repository's copy never grows) with its dictionary (tests/fuzz/dict/NAME.dict) if any.
#   tools/fuzz.sh SECONDS [NAME...]     (NAME: rtp_packet, stun, ...; default: every target)
# Non-zero when any target crashes, leaks, times out or runs out of memory; the input that did
# it is kept in build-fuzz/fuzz-artifacts/ and its path printed. One line per target: runs,
# coverage (edges), features, corpus size.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: tools/fuzz.sh SECONDS [NAME...]}
shift
start=$(date +%s)
nice -n 10 bash tools/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DMEDRELAY_FUZZ=ON -DCMAKE_BUILD_TYPE=Fuzz
built=$(date +%s)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for corpus in tests/fuzz/corpus/*/; do targets+=("$(basename "$corpus")"); done
fi
artifacts=$PWD/build-fuzz/fuzz-artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Leaks count as findings; the UBSan checks abort (-fno-sanitize-recover).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for name in "${targets[@]}"; do
  binary=build-fuzz/tests/fuzz/fuzz_$name
  [ -x "$binary" ] || { echo "fuzz $name: no binary $binary"; failed=1; continue; }
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name"/ 2>/dev/null || true
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/$name-")
  [ -f tests/fuzz/dict/"$name".dict ] && args+=(-dict=tests/fuzz/dict/"$name".dict)
  log=$work/$name.log
  status=0
  nice -n 10 "$binary" "${args[@]}" "$work/$name" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  units=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$status" -eq 0 ]; then
    printf 'fuzz %-16s ok    %4ss  runs %-9s cov %-6s ft %-6s corpus %s\n' "$name" "$seconds" \
      "${runs:-?}" "${cov:-?}" "${ft:-?}" "${units:-?}"
  else
    failed=1
    summary=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:' \
      "$log" || echo "exit status $status")
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    cp "$log" "$artifacts/$name.log"
    printf 'fuzz %-16s FAIL  %s\n' "$name" "$summary"
    echo "  input: ${input:-none written}  log: $artifacts/$name.log"
    grep -E '^    #[0-9]+ ' "$log" | head -12 | sed 's/^/  /' || true  # head may close the pipe
  fi
done
echo "tools/fuzz.sh: build $((built - start)) s, fuzzing $(( $(date +%s) - built )) s"
exit $failed
