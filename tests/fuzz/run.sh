#!/usr/bin/env bash
# run.sh - the fuzzing half of `make fuzz`: runs each libFuzzer target for SECONDS
# on a copy of its seed corpus (tests/fuzz/corpus/NAME is only read, never written),
# one target after the other, and fails when any of them found a crash, a leak,
# undefined behaviour or an input that takes more than 10 s.  One summary line per
# target: runs, runs per second, and libFuzzer's coverage (cov: edges, ft: features).
#
#   tests/fuzz/run.sh SECONDS BUILD_DIR NAME...
#
# What a failing target found is in BUILD_DIR/artifacts/NAME/; once the parser is
# fixed, copy it into tests/fuzz/corpus/NAME/ so `make test` replays it for ever.
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ $# -lt 3 ]; then
  echo "usage: $0 SECONDS BUILD_DIR NAME..." >&2
  exit 2
fi
secs=$1 dir=$2
shift 2

failed=()
for name in "$@"; do
  bin=$dir/fuzz_$name work=$dir/work/$name art=$dir/artifacts/$name log=$dir/$name.log
  rm -rf "$work" "$art"
  mkdir -p "$work" "$art"
  if [ -d "tests/fuzz/corpus/$name" ]; then
    cp -R "tests/fuzz/corpus/$name/." "$work/"
  fi
  opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$art/")
  [ -f "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
  "$bin" "${opts[@]}" "$work" >"$log" 2>&1
  status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)
  new=$(find "$work" -type f | wc -l)
  new=$((new - $(find "tests/fuzz/corpus/$name" -type f 2>/dev/null | wc -l)))
  if [ "$status" -eq 0 ]; then
    echo "fuzz $name: ${runs:-?} runs in ${secs} s (${rate:-?}/s), ${cov:-no coverage line}, $new files added to the copy of its corpus"
  else
    failed+=("$name")
    echo "fuzz $name: FAILED (libFuzzer exit status $status) after ${runs:-?} runs; last lines of $log:"
    tail -n 30 "$log" | sed 's/^/  /'
    echo "  the input that did it: $(find "$art" -type f | head -n 3 | tr '\n' ' ')"
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "make fuzz: ${#failed[@]} of $# targets failed: ${failed[*]}"
  exit 1
fi
echo "make fuzz: $# targets ran ${secs} s each, no crash, leak or undefined behaviour"
