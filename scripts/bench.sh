#!/usr/bin/env bash
# bench.sh - make bench: each stage against the standard tool doing the same, run
# alternately in one run (so both see the same machine), median wall time of each and
# their ratio; then the rootless labs (-U, run by an ordinary user) against root mode
# the same way, and many of one user's at once.  Targets are printed beside the
# figures.  A miss is reported at the end, named, with how far off it was; the exit
# status says which targets missed: bit K (1, 2, 4, ...) for the Kth target in the
# order they run (0: every target met).
set -u
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces): sudo make bench" >&2; exit 1; }

RUNS=${BENCH_RUNS:-101}
missed=0 ntarget=0 misses=()

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# The kernel frees a network namespace after its last user is gone, in a work queue
# that holds the routing lock for tens of milliseconds: a run that starts at once pays
# for the previous one's namespaces, and which side pays depends on the order.  So
# the runs that make network namespaces start after an untimed pause, the same for
# both sides (SETTLE seconds; BENCH_SETTLE=S to change, 0 for none).
SETTLE=0
settle() { [ "$SETTLE" = 0 ] || sleep "$SETTLE"; }

# bench NAME TARGET "OURS" "THEIRS": runs both RUNS times, alternating.  TARGET
# "none" prints the ratio for information only.
bench() {
  local name=$1 target=$2 ours=$3 theirs=$4 i t0
  local a=() b=()
  for ((i = 0; i < RUNS; i++)); do
    settle
    t0=$(now_us); eval "$ours" >/dev/null 2>&1 || { echo "bench: failed: $ours" >&2; return 1; }
    a+=($(($(now_us) - t0)))
    settle
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

# target NAME VALUE LIMIT OK TEXT: a figure that is not a ratio, against its upper limit;
# OK 0 (the run itself failed) is a miss whatever the figure.
target() {
  local name=$1 value=$2 limit=$3 good=$4 text=$5 ok
  ok=$(awk -v v="$value" -v l="$limit" -v g="$good" 'BEGIN {print (g && v <= l) ? "met" : "MISSED"}')
  if [ "$ok" != met ]; then
    missed=$((missed | (1 << ntarget)))
    misses+=("$name: $value, target <= $limit$([ "$good" = 1 ] || echo ', and the run failed') (exit bit $((1 << ntarget)))")
  fi
  ntarget=$((ntarget + 1))
  printf '%-36s %s (target <= %s: %s)\n' "$name" "$text" "$limit" "$ok"
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
# From here on, every run makes network namespaces: the pause between runs.
SETTLE=${BENCH_SETTLE:-0.1}
echo "(from 04 on, an untimed pause of ${SETTLE} s before each run: the kernel frees the previous run's network namespaces meanwhile)"
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
# before the client starts (our dhcp_exchange() called in the process; dhclient forked
# and exec'd in its own mount namespace) to the kernel's notice that br0 has an address
# (RTNLGRP_IPV4_IFADDR).  dnsmasq runs with --no-ping for both.
first_lease() { # NAME TARGET OPTS-OURS OPTS-THEIRS
  local name=$1 target=$2 ours=$3 theirs=$4 i a=() b=() runs=${BENCH_RUNS5:-41}
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

# ---- -U: the rootless labs of stages 04 and 05 --------------------------------------
# Run by an ordinary user: a uid of the bench's own that no other process runs as
# (BENCH_UID, no passwd entry needed; not one of the uids the tests run as, 64123 and
# up, so that a bench beside a test run does not make a test's "nothing of that user
# is left" fail), so "every process of that user" is exactly the labs.  That user has a shell
# of its own, started once (a coprocess), which times each command it is sent itself:
# the rootless side is then one fork and exec per command, as root's side is here, and
# neither pays for setpriv.
RL_UID=${BENCH_UID:-64140}
RL_BIN=$(mktemp -d /tmp/nslab-bench.XXXXXX) || exit 1
chmod 755 "$RL_BIN"
cp 04-netns-veth/netns-veth 05-bridge-dhcp/bridge-dhcp "$RL_BIN/"
rl_dir=/tmp/nslab-$RL_UID
# Interrupted, the bench takes down the user's labs it made: once the user's shell is
# gone and every command it started has ended (an up in flight finishes or dies), each
# keeper's record names one; its down ends the keeper, and the kernel frees the lab
# with it, whichever stage made it.
# shellcheck disable=SC2317 # called by the trap
rl_cleanup() {
  local f _
  [ -z "${rl_pid:-}" ] || kill -KILL "$rl_pid" 2>/dev/null
  for _ in $(seq 100); do
    ps -u "$RL_UID" -o stat=,comm= | awk '$1 !~ /^Z/ && $2 != "nslab-keeper" && $2 != "dnsmasq" {f = 1} END {exit !f}' || break
    sleep 0.1
  done
  for f in "$rl_dir"/nslab-bench-u*.keeper; do
    [ -e "$f" ] || continue
    f=${f##*/}
    setpriv --reuid="$RL_UID" --regid="$RL_UID" --clear-groups env -u XDG_RUNTIME_DIR \
      "$RL_BIN/bridge-dhcp" -U -q --host-ns "${f%.keeper}" down >/dev/null 2>&1
  done
  rm -rf "$RL_BIN"
  rmdir "$rl_dir" 2>/dev/null
  # and root's lab of these lines, whichever stage it was at (the other's down refuses)
  04-netns-veth/netns-veth -q --host-ns "$bh" --ns "$bn" down >/dev/null 2>&1
  05-bridge-dhcp/bridge-dhcp -q --host-ns "$bh" --lan-ns "$bl" --ns "$bn" down >/dev/null 2>&1
}
trap rl_cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC2016 # expanded by the user's shell
coproc RL { exec setpriv --reuid="$RL_UID" --regid="$RL_UID" --clear-groups --inh-caps=-all \
  env -u XDG_RUNTIME_DIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd / && while IFS= read -r c; do
    t0=${EPOCHREALTIME/./}; eval "$c" >/dev/null 2>&1; r=$?
    echo "$r $((${EPOCHREALTIME/./} - t0))"; done'; }
# shellcheck disable=SC2153 # set by coproc
rl_pid=$RL_PID
# rl CMD: CMD run by the bench user's shell; prints the microseconds it took, and
# fails when CMD did.
rl() {
  local r t
  printf '%s\n' "$1" >&"${RL[1]}" && read -r r t <&"${RL[0]}" || return 1
  echo "$t"
  return "$r"
}
# rl_procs: the bench user's processes but its shell, zombies left out (PID 1 of the
# machine reaps those).
rl_procs() { ps -u "$RL_UID" -o pid=,stat= | awk -v sh="$rl_pid" '$1 != sh && $2 !~ /^Z/ {print $1}'; }
rl_nothing_left() { # waits up to 5 s: the kernel frees a killed keeper's world after down
  local _
  for _ in $(seq 50); do
    [ -z "$(rl_procs)" ] && [ -z "$(ls -A "$rl_dir" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  return 1
}

# bench_rl NAME TARGET "USER-CMD" "ROOT-CMD": as bench, the first run by the bench user.
bench_rl() {
  local name=$1 target=$2 ours=$3 theirs=$4 i t t0 a=() b=() runs=$5
  for ((i = 0; i < runs; i++)); do
    settle
    t=$(rl "$ours") || { echo "bench: failed as uid $RL_UID: $ours" >&2; return 1; }
    a+=("$t")
    settle
    t0=$(now_us); eval "$theirs" >/dev/null 2>&1 || { echo "bench: failed: $theirs" >&2; return 1; }
    b+=($(($(now_us) - t0)))
  done
  report "$name" "$target" "$runs" "${a[*]}" "${b[*]}"
}

if ! rl "unshare --user --map-root-user true" >/dev/null; then
  echo "bench: -U lines skipped: uid $RL_UID may not make a user namespace here (make doctor says why)"
else
  nv="$RL_BIN/netns-veth" bd="$RL_BIN/bridge-dhcp" rh="nslab-bench-u$$"
  # the same lab, the same names; ours as the ordinary user, -U, against root's
  bench_rl "04 up+down: -U vs root" 1.3 \
    "$nv -U -q --host-ns $rh --ns $bn up && $nv -U -q --host-ns $rh --ns $bn down" \
    "$nv -q --host-ns $bh --ns $bn up && $nv -q --host-ns $bh --ns $bn down" "$RUNS"
  bench_rl "05 up+down: -U vs root" none \
    "$bd -U -q --host-ns $rh --lan-ns $bl --ns $bn up && $bd -U -q --host-ns $rh --lan-ns $bl --ns $bn down" \
    "$bd -q --host-ns $bh --lan-ns $bl --ns $bn up && $bd -q --host-ns $bh --lan-ns $bl --ns $bn down" \
    "${BENCH_RUNS5:-41}"

  # Many labs of one user at once: each a keeper, its dnsmasq, two leases (br0's and
  # ns1's); all brought up together, then ns1 of each pings its router.  The wall time
  # of the whole, and the memory of every process of that user while all are up,
  # per lab: RSS (what the target counts; shared pages counted in each process) and
  # PSS (shared pages divided among their users: what the machine really gives).
  labs=${BENCH_LABS:-30}
  # one line each: the user's shell reads a command a line
  each="p=(); for i in \$(seq $labs); do" reap="p+=(\$!); done; f=0; for j in \"\${p[@]}\"; do wait \$j || f=1; done"
  many="($each $bd -U -q --host-ns $rh-\$i up & $reap; [ \$f = 0 ] || exit 1;"
  many+=" $each $bd -U -q --host-ns $rh-\$i exec -- ping -c 1 -W 2 192.168.3.1 & $reap; exit \$f)"
  if t=$(rl "$many"); then ok=1 how="all $labs up, each ns1 pinged its router"; else
    ok=0 how="FAILED: not all $labs came up and pinged"
    echo "bench: failed as uid $RL_UID: $labs labs up, then a ping from each" >&2
  fi
  read -r rss pss n < <(for p in $(rl_procs); do
    awk '$1 == "Rss:" {r = $2} $1 == "Pss:" {s = $2} END {print r + 0, s + 0}' \
      "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '{r += $1; s += $2; n++} END {print r + 0, s + 0, n + 0}')
  down="($each $bd -U -q --host-ns $rh-\$i down & $reap; exit \$f)"
  td=$(rl "$down") || { ok=0 how+="; a down FAILED"; }
  left="nothing left"
  rl_nothing_left || { ok=0 left="LEFT BEHIND: see above"; echo "bench: left after down: $(rl_procs | wc -l) processes, $rl_dir: $(find "$rl_dir" -mindepth 1 | wc -l) files" >&2; }
  ms=$(awk -v t="$t" 'BEGIN {printf "%.0f", t / 1000}')
  rss_lab=$(awk -v r="$rss" -v n="$labs" 'BEGIN {printf "%.2f", r / n / 1024}')
  pss_lab=$(awk -v r="$pss" -v n="$labs" 'BEGIN {printf "%.2f", r / n / 1024}')
  target "05 $labs labs -U at once: up+ping" "$ms" 3000 "$ok" \
    "$ms ms wall ($how; down $(awk -v t="$td" 'BEGIN {printf "%.0f", t / 1000}') ms, $left)"
  target "05 $labs labs -U: RSS per lab" "$rss_lab" 10 "$ok" \
    "$rss_lab MiB RSS, $pss_lab MiB PSS per lab ($n processes: keepers and dnsmasq)"
fi
[ -z "${RL[1]:-}" ] || eval "exec ${RL[1]}>&-"
wait "$rl_pid" 2>/dev/null
rl_pid=""

echo
if [ "$missed" = 0 ]; then
  echo "bench: all $ntarget targets met"
else
  echo "bench: ${#misses[@]} of $ntarget targets missed (exit status $missed):"
  printf '  %s\n' "${misses[@]}"
fi
exit "$missed"
