#!/usr/bin/env bash
# bench.sh - make bench: each stage against the standard tool doing the same, run
# alternately in one run (so both see the same machine), median wall time of each and
# their ratio.  Targets are printed beside the ratios.  A miss is reported at the end,
# named, with how far off it was; the exit status says which targets missed: bit K
# (1, 2, 4, ...) for the Kth target in the order they run (0: every target met).
set -u
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces): sudo make bench" >&2; exit 1; }

RUNS=${BENCH_RUNS:-101}
missed=0 ntarget=0 misses=()

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# bench NAME TARGET "OURS" "THEIRS": runs both RUNS times, alternating.  TARGET
# "none" prints the ratio for information only.
bench() {
  local name=$1 target=$2 ours=$3 theirs=$4 i t0
  local a=() b=()
  for ((i = 0; i < RUNS; i++)); do
    t0=$(now_us); eval "$ours" >/dev/null 2>&1 || { echo "bench: failed: $ours" >&2; return 1; }
    a+=($(($(now_us) - t0)))
    t0=$(now_us); eval "$theirs" >/dev/null 2>&1 || { echo "bench: failed: $theirs" >&2; return 1; }
    b+=($(($(now_us) - t0)))
  done
  report "$name" "$target" "$RUNS" "${a[*]}" "${b[*]}"
}

# report NAME TARGET RUNS "OURS-TIMES" "THEIRS-TIMES": the medians, their ratio, and
# whether it meets TARGET ("none": for information only).
report() {
  local name=$1 target=$2 runs=$3 ma mb ratio ok
  # shellcheck disable=SC2086 # the times are one word each
  ma=$(printf '%s\n' $4 | median)
  # shellcheck disable=SC2086
  mb=$(printf '%s\n' $5 | median)
  ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')
  if [ "$target" = none ]; then
    ok="for information"
  else
    ok=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r <= t) ? "met" : "MISSED"}')
    if [ "$ok" != met ]; then
      missed=$((missed | (1 << ntarget)))
      misses+=("$name: ratio $ratio, target <= $target (exit bit $((1 << ntarget)))")
    fi
    ntarget=$((ntarget + 1))
    ok="target <= $target: $ok"
  fi
  printf '%-36s ours %8.0f us  theirs %8.0f us  ratio %s (%s, median of %d)\n' \
    "$name" "$ma" "$mb" "$ratio" "$ok" "$runs"
}

echo "median of $RUNS alternated runs each (BENCH_RUNS=N to change)"
bench "01 pid-ns vs unshare --mount-proc" 1.0 \
  "01-pid-ns/pid-ns -q -- true" \
  "unshare --pid --fork --mount-proc true"
# -U as an unprivileged user would run it: the user namespace, its maps, then the same
bench "01 pid-ns -U vs unshare --user" 1.0 \
  "01-pid-ns/pid-ns -U -q -- true" \
  "unshare --user --map-root-user --pid --fork --mount-proc true"
# 04: the same lab built and removed; names of our own, so nothing else is touched.
bh="nslab-bench-h$$" bn="nslab-bench-n$$"
bench "04 netns-veth up+down vs ip" 0.2 \
  "04-netns-veth/netns-veth -q --host-ns $bh --ns $bn up && 04-netns-veth/netns-veth -q --host-ns $bh --ns $bn down" \
  "scripts/netns-veth-by-hand.sh up $bh $bn && scripts/netns-veth-by-hand.sh down $bh $bn"
# the article's steps, move included, for comparison
bench "04 ... --article-steps vs ip" none \
  "04-netns-veth/netns-veth -q --article-steps --host-ns $bh --ns $bn up && 04-netns-veth/netns-veth -q --host-ns $bh --ns $bn down" \
  "scripts/netns-veth-by-hand.sh up $bh $bn && scripts/netns-veth-by-hand.sh down $bh $bn"

# 05: the time to the first lease on a freshly built lab, our client against dhclient,
# alternated.  Both are timed the same way, by bridge-dhcp itself (--timing): from just
# before the client starts (our dhcp_acquire() called in the process; dhclient forked
# and exec'd in its own mount namespace) to the kernel's notice that br0 has an address
# (RTNLGRP_IPV4_IFADDR).  dnsmasq runs with --no-ping for both.
first_lease() { # NAME TARGET OPTS-OURS OPTS-THEIRS
  local name=$1 target=$2 ours=$3 theirs=$4 i a=() b=() runs=${BENCH_RUNS5:-21}
  local o="--host-ns $bh --lan-ns $bl --ns $bn"
  # shellcheck disable=SC2086 # word splitting of the options wanted
  for ((i = 0; i < runs; i++)); do
    a+=("$(05-bridge-dhcp/bridge-dhcp -q --timing $o $ours up | awk '$2 == "br0" {print $4}')")
    05-bridge-dhcp/bridge-dhcp -q $o down
    b+=("$(05-bridge-dhcp/bridge-dhcp -q --timing $o $theirs up | awk '$2 == "br0" {print $4}')")
    05-bridge-dhcp/bridge-dhcp -q $o down
  done
  report "$name" "$target" "$runs" "${a[*]}" "${b[*]}"
}
bl="nslab-bench-l$$"
first_lease "05 first lease: ours vs dhclient" 0.05 "" "--dhcp-client dhclient"
first_lease "05 ... ours --rapid-commit" 0.05 "--rapid-commit" "--dhcp-client dhclient"
first_lease "05 ... udhcpc vs dhclient" none "--dhcp-client udhcpc" "--dhcp-client dhclient"
# the whole demo (up, show, two pings, down) against the article's steps as a script
bench "05 bridge-dhcp demo vs script" 0.2 \
  "05-bridge-dhcp/bridge-dhcp -q --host-ns $bh --lan-ns $bl --ns $bn" \
  "scripts/bridge-dhcp-by-hand.sh $bh $bl $bn"
echo
if [ "$missed" = 0 ]; then
  echo "bench: all $ntarget targets met"
else
  echo "bench: ${#misses[@]} of $ntarget targets missed (exit status $missed):"
  printf '  %s\n' "${misses[@]}"
fi
exit "$missed"
