#!/usr/bin/env bats
# Stage 04: a named network namespace and a veth pair, over netlink; checked with ip.
# As an ordinary user the same tests run the stage with -U (stage_for_uid), and look
# at the lab from inside its world (in_lab), where ip sees it as root sees it here.

load helpers

NV_PROG="$NSLAB_ROOT/04-netns-veth/netns-veth"

setup_file() {
  host_snapshot >"$BATS_FILE_TMPDIR/host.before"
}

setup() {
  require_userns
  NV=$(stage_for_uid "$NV_PROG")
  # what the stage's hints call it: with -U as an ordinary user
  NV_HINT="04-netns-veth/netns-veth${NSLAB_U:+ $NSLAB_U}"
  # each test its own lab: no two tests, nor the tutorial's ns1, can collide
  H=$(unique_name nvh)
  N=$(unique_name nvn)
  OPTS=(--host-ns "$H" --ns "$N")
  export LAB_HOST=$H # read by in_lab (helpers.bash)
}

teardown() {
  "$NV" -q "${OPTS[@]}" down >/dev/null 2>&1 || true
  # a namespace a test made by hand, to play someone else's
  if [ -n "${HAND_MADE:-}" ]; then ip netns del "$HAND_MADE" 2>/dev/null || true; fi
}

# Nothing of lab H/N is left: namespaces, /run/netns entries, state file; as an
# ordinary user, the keeper that held them all (its record, its process).
assert_nothing_left() {
  if ip netns list | grep -qE "^($H|$N)( |\$)"; then
    fail "ip netns list still shows the lab: $(ip netns list)"
  fi
  [ ! -e "/run/netns/$H" ]
  [ ! -e "/run/netns/$N" ]
  [ ! -e "/run/nslab/$H.state" ]
  if ! is_root; then
    [ ! -e "$(user_dir)/$H.keeper" ] || fail "the keeper's record is left: $(user_dir)/$H.keeper"
  fi
}

@test "up: ip netns list shows both namespaces, ip -n shows the article's addresses and routes" {
  run "$NV" -q "${OPTS[@]}" up
  assert_success
  run in_lab ip netns list
  assert_line --regexp "^$H( |$)"
  assert_line --regexp "^$N( |$)"
  run in_lab ip -n "$N" -br -4 addr
  assert_line --regexp '^lo +UNKNOWN +127\.0\.0\.1/8 *$'
  assert_line --regexp '^veth1@if[0-9]+ +(UP|LOWERLAYERDOWN|DOWN) +192\.168\.5\.10/24 *$'
  run in_lab ip -n "$H" -br -4 addr
  assert_line --regexp '^veth0@if[0-9]+ +[A-Z]+ +192\.168\.5\.5/24 *$'
  run in_lab ip -n "$N" route
  assert_output --regexp '^192\.168\.5\.0/24 dev veth1 proto kernel scope link src 192\.168\.5\.10 *$'
  run in_lab ip -n "$H" route
  assert_output --regexp '^192\.168\.5\.0/24 dev veth0 proto kernel scope link src 192\.168\.5\.5 *$'
}

@test "ip netns exec ns1 ip link shows only lo and veth1; the host side only lo and veth0" {
  "$NV" -q "${OPTS[@]}" up
  run in_lab ip netns exec "$N" ip -br link
  assert_equal "${#lines[@]}" 2
  assert_line --index 0 --regexp '^lo '
  assert_line --index 1 --regexp '^veth1@if[0-9]+ '
  run in_lab ip -n "$H" -o link
  assert_equal "${#lines[@]}" 2
  assert_line --index 1 --regexp '^[0-9]+: veth0@if[0-9]+: .*link-netns '"$N"
}

@test "a ping crosses the pair both ways (ip netns exec and our exec)" {
  "$NV" -q "${OPTS[@]}" up
  run in_lab ip netns exec "$H" ping -c 1 -W 2 192.168.5.10
  assert_success
  assert_line --partial '1 received'
  run in_lab ip netns exec "$N" ping -c 1 -W 2 192.168.5.5
  assert_success
  run "$NV" -q "${OPTS[@]}" exec -- ping -c 1 -W 2 192.168.5.5
  assert_success
  run "$NV" -q "${OPTS[@]}" exec --host -- ping -c 1 -W 2 192.168.5.10
  assert_success
}

@test "exec runs in ns1, or in the host with --host, and passes the status on" {
  "$NV" -q "${OPTS[@]}" up
  run "$NV" -q "${OPTS[@]}" exec -- sh -c 'ls /sys/class/net'
  assert_output "lo
veth1"
  run "$NV" -q exec --host "${OPTS[@]}" -- readlink /proc/self/ns/net
  assert_output "net:[$(in_lab stat -L -c %i "/run/netns/$H")]"
  run "$NV" -q "${OPTS[@]}" exec -- sh -c 'exit 5'
  assert_equal "$status" 5
  run -127 --separate-stderr "$NV" -q "${OPTS[@]}" exec -- /nonexistent/cmd
  # shellcheck disable=SC2154 # set by run --separate-stderr
  assert_equal "$stderr" "04-netns-veth: ip netns exec $N /nonexistent/cmd: No such file or directory"
}

@test "down leaves nothing: namespaces, links, /run/netns entries, state" {
  "$NV" -q "${OPTS[@]}" up
  in_lab test -e "/run/nslab/$H.state"
  run --separate-stderr "$NV" "${OPTS[@]}" down
  assert_success
  assert_nothing_left
  # nobody is inside: the pair goes with the namespaces, no RTM_DELLINK needed
  [[ $stderr == *"veth0 goes with the lab's namespaces: no process is left in them"* ]]
  [[ $stderr != *"RTM_DELLINK"* ]]
  [[ $stderr == *"~ ip netns del $N"* ]]
  # down again: nothing to do, says so, succeeds
  run --separate-stderr "$NV" "${OPTS[@]}" down
  assert_success
  if is_root; then
    assert_equal "$stderr" "[netns-veth] $H is not up (no /run/nslab/$H.state): nothing to remove"
  else
    assert_equal "$stderr" "[netns-veth] $H is not up (no keeper in $(user_dir)/$H.keeper): nothing to remove"
  fi
  assert_nothing_left
}

@test "up killed after each step, then down: nothing is left" {
  # NSLAB_KILL_AFTER_SAVE=K: up kills itself (SIGKILL) right after its Kth state write
  for k in 1 2 3 4 5; do
    run env NSLAB_KILL_AFTER_SAVE=$k "$NV" -q "${OPTS[@]}" up
    assert_equal "$status" 137
    in_lab test -e "/run/nslab/$H.state"
    run "$NV" -q "${OPTS[@]}" up
    assert_failure 1
    run "$NV" -q "${OPTS[@]}" down
    assert_success
    assert_nothing_left
  done
}

@test "up killed with a process still inside ns1: down deletes the veth pair too" {
  "$NV" -q "${OPTS[@]}" up
  if is_root; then
    ip netns exec "$N" sleep 30 &
  else
    in_lab ip netns exec "$N" sleep 30 &
  fi
  local holder=$!
  sleep 0.2
  if ! is_root; then
    sleep 0.3 # the join first
    # -U: the sleeper is in the keeper's PID namespace, so down, which ends the
    # keeper, ends it too; before that, it deletes the pair itself all the same
    run "$NV" "${OPTS[@]}" down
    assert_success
    assert_nothing_left
    assert_output --partial "RTM_DELLINK veth0 (in $H; PID "
    wait "$holder" || true
    return
  fi
  local ns_ino
  ns_ino=$(stat -L -c %i "/run/netns/$N")
  run "$NV" "${OPTS[@]}" down
  assert_success
  assert_nothing_left
  # someone is inside: down deletes the pair itself, and says why
  assert_output --partial "RTM_DELLINK veth0 (in $H; PID "
  # the namespace lives on in the sleeper, but without the veth
  run nsenter --net="/proc/$holder/ns/net" ip -br link
  assert_output --regexp '^lo '
  assert_equal "${#lines[@]}" 1
  [ "$(stat -L -c %i "/proc/$holder/ns/net")" = "$ns_ino" ]
  kill "$holder"
  wait "$holder" || true
}

@test "a second up says so, exits 1, and changes nothing" {
  "$NV" -q "${OPTS[@]}" up
  local before
  # the kernel's own IPv6 duplicate address detection may finish in between: a link-local
  # address stops being "tentative" by itself, which is no change of ours; nor is the
  # link-local address it gives veth1 once its carrier is up, which may come in between
  # shellcheck disable=SC2016 # expanded by the inner sh
  addrs() { in_lab sh -c 'ip -n "$1" -o addr; ip -n "$2" -o addr' sh "$N" "$H" | grep -v ' inet6 fe80:'; }
  before=$(in_lab cat "/run/nslab/$H.state"; addrs | sed 's/ tentative//')
  run --separate-stderr "$NV" "${OPTS[@]}" up
  assert_failure 1
  local err=$stderr
  if ! is_root; then
    # -U: the join of the keeper is narrated first
    [[ ${err%%$'\n'*} == *"~ nsenter --target "* ]]
    err=${err#*$'\n'}
  fi
  assert_equal "$err" "04-netns-veth: $H is already up (/run/nslab/$H.state lists what it made) (run '$NV_HINT down' first)"
  assert_equal "$(in_lab cat "/run/nslab/$H.state"; addrs | sed 's/ tentative//')" "$before"
}

@test "a namespace of the same name that is not ours: up refuses, down never touches it" {
  # -U: before up there is no world of ours to make one in by hand
  require_root "a namespace made by hand on the machine before up"
  HAND_MADE=$N
  ip netns add "$N"
  local ino
  ino=$(stat -L -c %i "/run/netns/$N")
  run --separate-stderr "$NV" "${OPTS[@]}" up
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: ip netns add $N: File exists (netns-veth did not create it; pick another name)"
  [ ! -e "/run/netns/$H" ]
  [ ! -e "/run/nslab/$H.state" ]
  run "$NV" -q "${OPTS[@]}" down
  assert_success
  [ "$(stat -L -c %i "/run/netns/$N")" = "$ino" ]
  ip netns del "$N"
}

@test "a namespace replaced behind our back is left alone by down" {
  "$NV" -q "${OPTS[@]}" up
  in_lab ip netns del "$N"
  is_root && HAND_MADE=$N
  in_lab ip netns add "$N"
  local ino
  ino=$(in_lab stat -L -c %i "/run/netns/$N")
  # -U: down then ends the keeper; the hand-made namespace is the keeper's, and
  # goes with it: what this shows is down's refusal, and that it removed the rest
  run --separate-stderr "$NV" -q "${OPTS[@]}" down
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: ip netns del $N: Stale file handle (not the namespace netns-veth created: left alone)"
  if is_root; then
    [ "$(stat -L -c %i "/run/netns/$N")" = "$ino" ]
    [ ! -e "/run/netns/$H" ]
    [ ! -e "/run/nslab/$H.state" ]
    ip netns del "$N"
  else
    [ -n "$ino" ]
  fi
}

@test "bad input: one line naming the problem, exit 2, nothing created" {
  local before
  before=$(ip netns list; ls /run/nslab 2>/dev/null)
  run --separate-stderr "$NV" "${OPTS[@]}" --veth0 'bad/name' up
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: bad interface name 'bad/name' for --veth0 (letters, digits and _.- only) (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr "$NV" "${OPTS[@]}" up --veth1 abcdefghijklmnop
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: interface name 'abcdefghijklmnop' for --veth1 is too long (at most 15 bytes) (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr "$NV" "${OPTS[@]}" up --addr0 192.168.5.300/24
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: bad address '192.168.5.300/24' for --addr0 (a host address A.B.C.D/N, e.g. 192.168.5.5/24) (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr "$NV" "${OPTS[@]}" up --addr1 10.0.0.1/24
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: 192.168.5.5/24 and 10.0.0.1/24 are not two addresses in one subnet (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr "$NV" --ns 'a b' up
  assert_equal "$status" 2
  run --separate-stderr "$NV" "${OPTS[@]}" sideways
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: unknown subcommand 'sideways' (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr "$NV" "${OPTS[@]}" --bogus up
  assert_equal "$status" 2
  run --separate-stderr "$NV" "${OPTS[@]}" exec --
  assert_equal "$status" 2
  assert_equal "$(ip netns list; ls /run/nslab 2>/dev/null)" "$before"
}

@test "options go before or after the subcommand" {
  run "$NV" up -q "${OPTS[@]}"
  assert_success
  [ -z "$output" ]
  run "$NV" show "${OPTS[@]}" -q
  assert_success
  run "$NV" -q "${OPTS[@]}" down
  assert_success
  assert_nothing_left
}

@test "narration: each netlink request beside the ip command it replaces" {
  run --separate-stderr "$NV" "${OPTS[@]}" up
  assert_success
  mapfile -t nar <<<"$stderr"
  # -U: the keeper's lines come first, up to the join; the lab's follow, the same
  is_root || mapfile -t nar < <(sed '1,/~ nsenter --target /d' <<<"$stderr")
  [[ ${nar[0]} =~ ^\[netns-veth\]\ mkdir\(/run/netns\).*unshare\(CLONE_NEWNET\).*\ +~\ ip\ netns\ add\ $H$ ]]
  [[ ${nar[1]} =~ ~\ ip\ netns\ add\ $N$ ]]
  local s
  s=$(printf '%s\n' "${nar[@]}")
  # veth1 is born in ns1: the pair and the move in one request
  [[ $s == *"[netns-veth] RTM_NEWLINK veth0 type veth peer veth1 IFLA_NET_NS_FD (an fd on $N)  ~ ip -n $H link add veth0 type veth peer name veth1 netns $N"* ]]
  [[ $s != *"link set veth1 netns"* ]]
  [[ $s == *"RTM_NEWADDR 192.168.5.10/24 on veth1"*"~ ip -n $N addr add 192.168.5.10/24 dev veth1"* ]]
  [[ $s == *"~ ip -n $N link set veth1 up"* ]]
}

@test "--article-steps makes veth1 beside veth0, then moves it, as the article does" {
  run --separate-stderr "$NV" "${OPTS[@]}" --article-steps up
  assert_success
  local s=$stderr
  [[ $s == *"[netns-veth] RTM_NEWLINK veth0 type veth peer veth1  ~ ip -n $H link add veth0 type veth peer name veth1"$'\n'* ]]
  [[ $s == *"RTM_NEWLINK veth1 IFLA_NET_NS_FD (an fd on $N)"*"~ ip -n $H link set veth1 netns $N"* ]]
  # the same lab either way
  run in_lab ip -n "$N" -br -4 addr show dev veth1
  assert_output --regexp '^veth1@if[0-9]+ +[A-Z]+ +192\.168\.5\.10/24 *$'
  run in_lab ip netns exec "$N" ping -c 1 -W 2 192.168.5.5
  assert_success
}

@test "show prints both sides; its routes are ip route's lines" {
  "$NV" -q "${OPTS[@]}" up
  run --separate-stderr "$NV" -q "${OPTS[@]}" show
  assert_success
  assert_line "$H (the article's host):"
  assert_line "$N:"
  assert_line --regexp '^  veth1 +[A-Z]+ +192\.168\.5\.10/24$'
  local r
  r=$(in_lab ip -n "$N" route | sed 's/ *$//')
  assert_line "  $r"
  r=$(in_lab ip -n "$H" route | sed 's/ *$//')
  assert_line "  $r"
}

@test "show and exec when the lab is not up: one line, exit 1" {
  run --separate-stderr "$NV" -q "${OPTS[@]}" show
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: $H is not up (run '$NV_HINT up' first)"
}

@test "other names and addresses are used as given" {
  run "$NV" -q "${OPTS[@]}" --veth0 left --veth1 right --addr0 10.77.0.1/30 --addr1 10.77.0.2/30 up
  assert_success
  run in_lab ip -n "$N" -br -4 addr
  assert_line --regexp '^right@if[0-9]+ +[A-Z]+ +10\.77\.0\.2/30 *$'
  run in_lab ip netns exec "$H" ping -c 1 -W 2 10.77.0.2
  assert_success
  run "$NV" -q "${OPTS[@]}" --veth0 left --veth1 right --addr0 10.77.0.1/30 --addr1 10.77.0.2/30 down
  assert_success
  assert_nothing_left
}

@test "the demo: up, show, a ping each way, down; nothing left" {
  run --separate-stderr "$NV" "${OPTS[@]}"
  assert_success
  assert_line "$H (the article's host):"
  [ "$(grep -c '1 received' <<<"$output")" = 2 ]
  [[ $stderr == *"~ ip netns exec $H ping -c 1 -W 2 192.168.5.10"* ]]
  [[ $stderr == *"~ ip netns del $H"* ]]
  assert_nothing_left
}

@test "not root, without -U: one line naming the rootless way, exit 1, nothing created" {
  run --separate-stderr as_unprivileged "$NV_PROG" "${OPTS[@]}" up
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "04-netns-veth: up needs root, or -U (without root: '04-netns-veth/netns-veth -U up', a lab in a user namespace of your own, as make run-04 does)"
  assert_nothing_left
}

@test "-h prints usage with an example, exit 0" {
  run "$NV" -h
  assert_success
  assert_line --index 0 'Usage: netns-veth [OPTIONS] [up | down | show | exec [--host] -- CMD [ARG...]]'
  assert_line 'Example:'
}

@test "the root namespace's links, addresses and routes are byte-identical after the suite" {
  host_snapshot >"$BATS_TEST_TMPDIR/host.after"
  run diff "$BATS_FILE_TMPDIR/host.before" "$BATS_TEST_TMPDIR/host.after"
  assert_success
}
