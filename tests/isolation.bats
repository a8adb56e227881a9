#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# Two students on one machine: two ordinary users (two uids, no passwd entry needed)
# each bring up a stage-04 and a stage-05 lab with the article's own names, at once,
# beside a root-mode lab.  Each sees only its own; neither can show, exec into or take
# down the other's, even by pointing its own record at the other's keeper; one's down
# leaves the other's labs as they were.  Only the machine's root has two users to play.

load helpers

UA=${NSLAB_ISO_UID_A:-64131}
UB=${NSLAB_ISO_UID_B:-64132}

setup_file() {
  # The programs in a directory both users can read (the checkout may not be).
  ISO_BIN=$(mktemp -d /tmp/nslab-iso.XXXXXX)
  chmod 755 "$ISO_BIN"
  cp "$NSLAB_ROOT/04-netns-veth/netns-veth" "$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp" "$ISO_BIN/"
  export ISO_BIN
}

teardown_file() {
  rm -rf "$ISO_BIN" "/tmp/nslab-$UA" "/tmp/nslab-$UB"
}

setup() {
  require_root "two users of the machine"
  NV="$ISO_BIN/netns-veth"
  BD="$ISO_BIN/bridge-dhcp"
  RH=$(unique_name isoh)
  RN=$(unique_name ison)
}

# as UID CMD...: CMD as that user, no capability, no group, the per-user directory
# /tmp/nslab-UID (root's PATH may hold directories the user cannot search).
as() {
  local uid=$1
  shift
  setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all env -u XDG_RUNTIME_DIR \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

teardown() {
  local u
  for u in "$UA" "$UB"; do
    as "$u" "$NV" -U -q down >/dev/null 2>&1 || true
    as "$u" "$BD" -U -q down >/dev/null 2>&1 || true
  done
  "$NSLAB_ROOT/04-netns-veth/netns-veth" -q --host-ns "$RH" --ns "$RN" down >/dev/null 2>&1 || true
}

# The live processes of UID (a keeper killed is a zombie until its parent, long gone,
# has been replaced by a reaper), waited for up to 3 s to go.
live_procs() { # UID
  local _ p
  for _ in $(seq 30); do
    p=$(ps -u "$1" -o pid=,stat=,comm= | awk '$2 !~ /^Z/' || true)
    [ -n "$p" ] || return 0
    sleep 0.1
  done
  printf '%s\n' "$p"
}

keeper_of() { # UID HOST: the keeper's pid, from its record
  cut -d' ' -f1 "/tmp/nslab-$1/$2.keeper"
}

# What identifies a lab from inside: the network namespace of its ns1, and veth1's MAC.
id_04() { as "$1" "$NV" -U -q exec -- sh -c 'readlink /proc/self/ns/net; cat /sys/class/net/veth1/address'; }
id_05() { as "$1" "$BD" -U -q exec -- sh -c 'readlink /proc/self/ns/net; cat /sys/class/net/veth1/address'; }

# A root-mode lab with names of its own, then each user's stage-04 and stage-05 labs
# with the article's names: five labs at once.
five_labs_up() {
  run "$NSLAB_ROOT/04-netns-veth/netns-veth" -q --host-ns "$RH" --ns "$RN" up
  assert_success
  local u
  for u in "$UA" "$UB"; do
    run as "$u" "$NV" -U -q up
    assert_success
    run as "$u" "$BD" -U -q up
    assert_success
  done
}

@test "two users, four labs with the article's names at once, a root lab beside: each user sees only its own" {
  five_labs_up
  # all four work, each with the article's own addresses
  local u
  for u in "$UA" "$UB"; do
    run as "$u" "$NV" -U -q exec -- ping -c 1 -W 2 192.168.5.5
    assert_success
    run as "$u" "$BD" -U -q exec -- ping -c 1 -W 2 192.168.3.1
    assert_success
  done
  # four different labs: no two share an ns1
  local a4 b4 a5 b5
  a4=$(id_04 "$UA") b4=$(id_04 "$UB") a5=$(id_05 "$UA") b5=$(id_05 "$UB")
  [ -n "$a4" ] && [ -n "$b4" ] && [ -n "$a5" ] && [ -n "$b5" ]
  [ "$a4" != "$b4" ] && [ "$a5" != "$b5" ] && [ "$a4" != "$a5" ] && [ "$b4" != "$b5" ]
  # each user's keepers are its own processes, and its directory is its own alone
  [ "$(stat -c '%u %a' "/tmp/nslab-$UA")" = "$UA 700" ]
  [ "$(stat -c '%u %a' "/tmp/nslab-$UB")" = "$UB 700" ]
  [ "$(ps -o uid= -p "$(keeper_of "$UA" nslab-host)" | tr -d ' ')" = "$UA" ]
  [ "$(ps -o uid= -p "$(keeper_of "$UB" nslab-host5)" | tr -d ' ')" = "$UB" ]
  # show and the shell see only their own: the shell lists the two namespaces of
  # that user's stage-04 lab, none of the other's nor root's; show prints its own MAC
  for u in "$UA" "$UB"; do
    run as "$u" "$NV" -U -q shell <<<'ip netns list'
    assert_success
    assert_equal "${#lines[@]}" 2
    assert_line --regexp '^ns1( |$)'
    assert_line --regexp '^nslab-host( |$)'
    refute_output --partial "$RH"
  done
  run as "$UA" "$NV" -U -q show
  assert_success
  assert_output --partial "${a4##*$'\n'}"
  refute_output --partial "${b4##*$'\n'}"
  run as "$UB" "$BD" -U -q show
  assert_success
  assert_output --partial "${b5##*$'\n'}"
  refute_output --partial "${a5##*$'\n'}"
  # the machine's own /run/netns holds root's lab, and nothing of the users'
  run ip netns list
  assert_line --regexp "^$RH( |$)"
  refute_line --regexp '^(ns1|nslab-host|nslab-host5|nslab-lan)( |$)'
  run ip netns exec "$RH" ping -c 1 -W 2 192.168.5.10
  assert_success
}

@test "one user cannot reach the other's labs: not its directory, not its keeper, not by a forged record" {
  run as "$UA" "$NV" -U -q up
  assert_success
  run as "$UA" "$BD" -U -q up
  assert_success
  local before4 before5 ka
  before4=$(id_04 "$UA")
  before5=$(id_05 "$UA")
  ka=$(keeper_of "$UA" nslab-host)
  # B has no lab: its show, exec and down act on its own (absent) labs, cleanly
  run --separate-stderr as "$UB" "$NV" -U -q show
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: nslab-host is not up (run '04-netns-veth/netns-veth -U up' first)"
  run --separate-stderr as "$UB" "$BD" -U -q exec -- true
  assert_failure 1
  assert_equal "$stderr" "05-bridge-dhcp: nslab-host5 is not up (run '05-bridge-dhcp/bridge-dhcp -U up' first)"
  run --separate-stderr as "$UB" "$NV" -U down
  assert_success
  assert_equal "$stderr" "[netns-veth] nslab-host is not up (no keeper in /tmp/nslab-$UB/nslab-host.keeper): nothing to remove"
  # A's directory is closed to B, and so are the namespaces of A's keeper
  run as "$UB" ls "/tmp/nslab-$UA"
  assert_failure
  run as "$UB" nsenter --target "$ka" --user --mount --net --preserve-credentials true
  assert_failure
  run as "$UB" kill -0 "$ka"
  assert_failure
  # B's own record pointing at A's keeper (its pid and start time are public): B
  # may not signal it, so it is no keeper of B's; show, exec and down say so
  local start
  start=$(awk '{print $22}' "/proc/$ka/stat")
  for host in nslab-host nslab-host5; do
    as "$UB" mkdir -p -m 700 "/tmp/nslab-$UB"
    as "$UB" sh -c "echo '$ka $start' >/tmp/nslab-$UB/$host.keeper"
  done
  run --separate-stderr as "$UB" "$NV" -U -q show
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: nslab-host is not up (run '04-netns-veth/netns-veth -U up' first)"
  as "$UB" sh -c "echo '$ka $start' >/tmp/nslab-$UB/nslab-host.keeper"
  run as "$UB" "$NV" -U -q exec -- true
  assert_failure 1
  as "$UB" sh -c "echo '$ka $start' >/tmp/nslab-$UB/nslab-host.keeper"
  run as "$UB" "$NV" -U -q down
  assert_success
  run as "$UB" "$BD" -U -q down
  assert_success
  # A's labs are as they were, and still work
  [ "$(keeper_of "$UA" nslab-host)" = "$ka" ]
  assert_equal "$(id_04 "$UA")" "$before4"
  assert_equal "$(id_05 "$UA")" "$before5"
  run as "$UA" "$NV" -U -q exec -- ping -c 1 -W 2 192.168.5.5
  assert_success
  run as "$UA" "$BD" -U -q exec -- ping -c 1 -W 2 192.168.3.1
  assert_success
}

@test "one user's down leaves the other's labs intact, and root's" {
  five_labs_up
  local b4 b5 kb4 kb5
  b4=$(id_04 "$UB")
  b5=$(id_05 "$UB")
  kb4=$(keeper_of "$UB" nslab-host)
  kb5=$(keeper_of "$UB" nslab-host5)
  run as "$UA" "$NV" -U -q down
  assert_success
  run as "$UA" "$BD" -U -q down
  assert_success
  # A's are gone: no keeper of A's is left
  [ ! -e "/tmp/nslab-$UA/nslab-host.keeper" ] && [ ! -e "/tmp/nslab-$UA/nslab-host5.keeper" ]
  [ -z "$(live_procs "$UA")" ] || fail "still running as $UA: $(live_procs "$UA")"
  # B's are the same labs, and work
  [ "$(keeper_of "$UB" nslab-host)" = "$kb4" ]
  [ "$(keeper_of "$UB" nslab-host5)" = "$kb5" ]
  assert_equal "$(id_04 "$UB")" "$b4"
  assert_equal "$(id_05 "$UB")" "$b5"
  run as "$UB" "$NV" -U -q exec -- ping -c 1 -W 2 192.168.5.5
  assert_success
  run as "$UB" "$BD" -U -q exec -- ping -c 1 -W 2 192.168.3.1
  assert_success
  # and root's lab too
  run ip netns exec "$RH" ping -c 1 -W 2 192.168.5.10
  assert_success
  run as "$UB" "$NV" -U -q down
  assert_success
  run as "$UB" "$BD" -U -q down
  assert_success
  [ -z "$(live_procs "$UB")" ] || fail "still running as $UB: $(live_procs "$UB")"
  run "$NSLAB_ROOT/04-netns-veth/netns-veth" -q --host-ns "$RH" --ns "$RN" down
  assert_success
}
