#!/usr/bin/env bash
# run-all.sh - make test: the Check unit tests, the fuzz targets' corpora, every
# bats suite and the tutorial checks, counted together.  The last line is
# "N passed, N failed" (", N skipped" when any were), and the exit status is
# non-zero on any failure.  With NSLAB_STRICT=1 (CI, as root) a skipped test counts
# as a failure.  With NSLAB_STRICT=user (CI, as an ordinary user) only a test that
# needs the machine's root may skip (its reason says "needs the machine's root"):
# any other skip counts as a failure, and so do those when they are more than 10% of
# all the tests (NSLAB_USER_SKIP_MAX=N: N%).
set -u
cd "$(dirname "$0")/.." || exit 1
# An ordinary user's PATH on Debian has no sbin, where bridge, dnsmasq and dhclient
# live; the tests call them by name, as root would.  After the user's own directories.
for d in /usr/local/sbin /usr/sbin /sbin; do
  case ":$PATH:" in *":$d:"*) ;; *) PATH=$PATH:$d ;; esac
done
export PATH
out=build/test-results
rm -rf "$out"
mkdir -p "$out"

echo "== unit tests (Check) =="
CK_TAP_LOG_FILE_NAME="$out/unit.tap" CK_VERBOSITY=normal build/unit-tests >"$out/unit.log" 2>&1
cat "$out/unit.log"
# the tests left out for want of root are counted as skipped
skipped_unit=$(sed -n 's/^SKIP: \([0-9]*\) unit tests.*/\1/p' "$out/unit.log")
for ((i = 0; i < ${skipped_unit:-0}; i++)); do
  echo "ok - unit test that needs the machine's root # SKIP needs the machine's root" >>"$out/unit.tap"
done

echo "== fuzz corpora, replayed =="
# Every seed and regression input of every fuzz target, as plain tests (the replay
# runner, built with the normal compiler: under ASan with SANITIZE=1).  A replay
# that dies prints no plan line: that and the input it died on count as a failure.
for src in tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  name=${src#tests/fuzz/fuzz_}
  name=${name%.c}
  tap="$out/fuzz-$name.tap" bin="build/tests/fuzz/replay_$name"
  if [ ! -x "$bin" ]; then
    echo "not ok - fuzz $name: $bin was not built" >"$tap"
  else
    timeout 300 "$bin" "$name" "tests/fuzz/corpus/$name" >"$tap" 2>"$out/fuzz-$name.log"
    status=$?
    if ! grep -qE '^1\.\.[0-9]+$' "$tap"; then
      last=$(sed -n 's/^# [^:]*: \(.*\) ([0-9]* bytes)$/\1/p' "$tap" | tail -n 1)
      echo "not ok - fuzz $name: the replay died (status $status) on ${last:-its first input}" >>"$tap"
      tail -n 30 "$out/fuzz-$name.log"
    elif [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$tap"; then
      # every input ran, and then the process failed: a sanitizer at exit
      echo "not ok - fuzz $name: exited with status $status after its last input" >>"$tap"
      tail -n 30 "$out/fuzz-$name.log"
    fi
  fi
  echo "fuzz $name: $(grep -c '^ok ' "$tap") corpus inputs replayed, $(grep -c '^not ok ' "$tap") failing"
done

echo "== behaviour tests (bats) =="
bats --tap tests/*.bats 2>&1 | tee "$out/bats.tap"

echo "== tutorial checks =="
# TUTORIAL.md's blocks once, as a student pasting them would: every block in order in
# one shell, each reported on its own, and nothing left in /tmp afterwards.  The
# Chinese edition's blocks are the same bytes (tests/tutorial-zh.bats): each is judged
# by the English block at its place, not run again.  README's blocks each on its own.
tests/tutorial-check.sh --one-shell TUTORIAL.md --same-as-first TUTORIAL.zh-CN.md 2>&1 |
  tee "$out/tutorial.tap"
tests/tutorial-check.sh README.md 2>&1 | tee "$out/readme.tap"

passed=0 failed=0 skipped=0
for tap in "$out"/*.tap; do
  p=$(grep -cE '^ok ' "$tap" || true)
  s=$(grep -ciE '^ok .*# skip' "$tap" || true)
  f=$(grep -cE '^not ok ' "$tap" || true)
  passed=$((passed + p - s))
  skipped=$((skipped + s))
  failed=$((failed + f))
done
# a runner that died before reporting must not look like a pass
[ -s "$out/unit.tap" ] || { echo "unit tests produced no results"; failed=$((failed + 1)); }
[ -s "$out/bats.tap" ] || { echo "bats produced no results"; failed=$((failed + 1)); }

if [ "${NSLAB_STRICT:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
  echo "NSLAB_STRICT=1: the $skipped skipped tests count as failed"
  failed=$((failed + skipped))
  skipped=0
fi
if [ "${NSLAB_STRICT:-0}" = user ] && [ "$skipped" -gt 0 ]; then
  # the bats suites fail such a skip themselves; the other runners are counted here
  other=$(grep -hiE '^ok .*# skip' "$out"/*.tap | grep -viE "# skip needs the machine's root" || true)
  n_other=$(grep -c . <<<"$other" || true)
  if [ "$n_other" -gt 0 ]; then
    echo "NSLAB_STRICT=user: $n_other tests skipped for another reason than needing the machine's root; they count as failed:"
    printf '%s\n' "$other" | sed 's/^/  /'
    failed=$((failed + n_other))
    skipped=$((skipped - n_other))
  fi
  total=$((passed + failed + skipped))
  max=${NSLAB_USER_SKIP_MAX:-10}
  if [ $((skipped * 100)) -gt $((total * max)) ]; then
    echo "NSLAB_STRICT=user: $skipped of $total tests need the machine's root: more than $max%"
    failed=$((failed + 1))
  else
    echo "NSLAB_STRICT=user: $skipped of $total tests need the machine's root (at most $max% may)"
  fi
fi
echo
if [ "$failed" -gt 0 ]; then
  echo "failed:"
  grep -hE '^not ok ' "$out"/*.tap | sed 's/^/  /'
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
