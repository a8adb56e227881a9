#!/usr/bin/env bats
# Stages 04 and 05 without root (-U): a keeper holds each lab's user, mount, network
# and PID namespaces; every command joins it; down ends it.  Run by an ordinary user:
# as root, a uid of its own that no other process of the machine runs as (NSLAB_RL_UID,
# no passwd entry needed), so that "no process of that user is left" means what it
# says; otherwise the caller itself.  The labs use the article's own names: in a lab
# of one's own they collide with nobody's.

load helpers

RL_UID=${NSLAB_RL_UID:-64123}

setup_file() {
  # The programs in a directory any user can read (the checkout may not be).
  RL_BIN=$(mktemp -d /tmp/nslab-rl.XXXXXX)
  chmod 755 "$RL_BIN"
  cp "$NSLAB_ROOT/04-netns-veth/netns-veth" "$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp" "$RL_BIN/"
  export RL_BIN
}

teardown_file() {
  rm -rf "$RL_BIN"
  if [ "$(id -u)" = 0 ]; then rm -rf "/tmp/nslab-$RL_UID"; fi
}

# rl CMD...: CMD as the ordinary user (see above), with XDG_RUNTIME_DIR as RL_XDG says
# (unset by default: the per-user directory is then /tmp/nslab-UID).
rl() {
  local env=(env -u XDG_RUNTIME_DIR)
  [ -z "${RL_XDG:-}" ] || env=(env XDG_RUNTIME_DIR="$RL_XDG")
  if [ "$(id -u)" = 0 ]; then
    # root's PATH may hold directories the user cannot search (execvp then says EACCES)
    setpriv --reuid="$RL_UID" --regid="$RL_UID" --clear-groups --inh-caps=-all "${env[@]}" \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  else
    "${env[@]}" "$@"
  fi
}

setup() {
  rl unshare --user --map-root-user true 2>/dev/null ||
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
  NV="$RL_BIN/netns-veth"
  BD="$RL_BIN/bridge-dhcp"
  RL_XDG=""
  if [ "$(id -u)" = 0 ]; then
    RL_DIR="/tmp/nslab-$RL_UID"
    RL_USER=$RL_UID
  else
    RL_DIR="/tmp/nslab-$(id -u)"
    RL_USER=$(id -u)
  fi
}

teardown() {
  rl "$NV" -U -q down >/dev/null 2>&1 || true
  rl "$BD" -U -q down >/dev/null 2>&1 || true
  # the labs of a test's own names, and the runtime directory it made
  if [ -n "${H4:-}" ]; then rl "$NV" -U -q --host-ns "$H4" down >/dev/null 2>&1 || true; fi
  if [ -n "${H5:-}" ]; then rl "$BD" -U -q --host-ns "$H5" down >/dev/null 2>&1 || true; fi
  # a keeper whose record a failed test removed can be found by no down: by its pid
  local k
  for k in ${KEEPERS:-}; do
    [ "$(cat "/proc/$k/comm" 2>/dev/null)" != nslab-keeper ] || kill -KILL "$k" 2>/dev/null || true
  done
  if [ -n "${BAD_DIR:-}" ]; then rm -rf "$BAD_DIR"; fi
  if [ -n "${XDG_DIR:-}" ]; then rm -rf "$XDG_DIR"; fi
}

# The keepers of this user; as root, every process of the test's own uid.
rl_procs() {
  if [ "$(id -u)" = 0 ]; then
    ps -u "$RL_UID" -o pid=,stat=,comm= | awk '$2 !~ /^Z/' || true
  else
    ps -u "$RL_USER" -o pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 == "nslab-keeper"' || true
  fi
}

# Nothing of the user's labs is left: no process (its keepers, dnsmasq, clients), no
# record in the per-user directory.
assert_nothing_left() {
  local _
  for _ in $(seq 30); do
    [ -n "$(rl_procs)" ] || break
    sleep 0.1
  done
  [ -z "$(rl_procs)" ] || fail "still running: $(rl_procs)"
  [ -z "$(ls -A "$RL_DIR" 2>/dev/null)" ] || fail "$RL_DIR still holds: $(ls -A "$RL_DIR")"
}

keeper_of() { # HOST: the keeper's pid, from its record
  cut -d' ' -f1 "$RL_DIR/$1.keeper"
}

# A runtime directory of the test's own, as logind makes /run/user/UID: mode 0700,
# the user's.  The labs' records go in XDG_DIR/nslab.
make_xdg() {
  XDG_DIR=$(mktemp -d /tmp/nslab-xdg.XXXXXX)
  chmod 700 "$XDG_DIR"
  if [ "$(id -u)" = 0 ]; then chown "$RL_UID:$RL_UID" "$XDG_DIR"; fi
  RL_XDG=$XDG_DIR
}

# running PID...: those still running (a zombie has ended; only its exit status waits
# for its parent).
running() {
  local p st
  for p in "$@"; do
    st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1) || continue
    [ -z "$st" ] || [ "$st" = Z ] || printf '%s ' "$p"
  done
}

# gone_within_1s PID...: all of them end within a second; prints how long it took.
gone_within_1s() {
  local t0 ms
  t0=$(date +%s%N)
  while [ -n "$(running "$@")" ]; do
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$ms" -lt 1000 ] || fail "still running after 1 s: $(running "$@")"
    sleep 0.01
  done
  echo "# gone in $((($(date +%s%N) - t0) / 1000000)) ms" >&3
}

# The namespaces of the processes given by pid (their network namespace's inode):
# no process of the user is in any of them any more.
net_of() { # PID
  stat -L -c %i "/proc/$1/ns/net"
}
assert_no_process_in_net() { # INODE...
  local f i
  for f in /proc/[0-9]*/ns/net; do
    i=$(stat -L -c %i "$f" 2>/dev/null) || continue
    for n in "$@"; do
      [ "$i" != "$n" ] || fail "$f is still in the lab's network namespace"
    done
  done
}

@test "04 -U: up, show, exec, shell and down by an ordinary user, with the article's names" {
  run --separate-stderr rl "$NV" -U up
  assert_success
  # shellcheck disable=SC2154 # set by run --separate-stderr
  [[ $stderr == *"~ unshare --user --pid --mount --net --fork (the keeper)"* ]]
  [[ $stderr == *"~ mount -t tmpfs -o mode=0755 tmpfs /run/netns"* ]]
  [[ $stderr == *"~ nsenter --target $(keeper_of nslab-host) --user --mount --net --pid"* ]]
  [ -f "$RL_DIR/nslab-host.keeper" ]
  [ "$(stat -c %a "$RL_DIR")" = 700 ]
  run rl "$NV" -U -q show
  assert_success
  assert_line --regexp '^  veth1 +[A-Z]+ +192\.168\.5\.10/24$'
  run rl "$NV" -U -q exec -- ping -c 1 -W 2 192.168.5.5
  assert_success
  assert_output --partial "1 received"
  # The student's own ip, exactly as the article types it, without sudo.
  run rl "$NV" -U -q shell <<<'ip netns list; ip -n ns1 -br -4 addr; ip netns exec ns1 ping -c 1 -W 2 192.168.5.5; id -u'
  assert_success
  assert_line --regexp '^ns1( |$)'
  assert_line --regexp '^nslab-host( |$)'
  assert_line --regexp '^veth1@if[0-9]+ +[A-Z]+ +192\.168\.5\.10/24 *$'
  assert_output --partial "1 received"
  assert_line 0
  run --separate-stderr rl "$NV" -U down
  assert_success
  [[ $stderr == *"~ ip netns del ns1"* ]]
  [[ $stderr == *"~ kill -KILL "* ]]
  assert_nothing_left
}

@test "04 -U up killed after each step, then down: nothing is left" {
  for k in 1 2 3 4 5; do
    run rl env NSLAB_KILL_AFTER_SAVE=$k "$NV" -U -q up
    assert_equal "$status" 137
    [ -f "$RL_DIR/nslab-host.keeper" ]
    run rl "$NV" -U -q up
    assert_failure 1
    run rl "$NV" -U -q down
    assert_success
    assert_nothing_left
  done
}

@test "05 -U up killed after each state write, then down: dnsmasq and all, nothing is left" {
  local k=1
  while :; do
    run rl env NSLAB_KILL_AFTER_SAVE=$k "$BD" -U -q up
    [ "$status" = 0 ] && break
    assert_equal "$status" 137
    run rl "$BD" -U -q down
    assert_success
    assert_nothing_left
    k=$((k + 1))
    [ "$k" -lt 40 ] || fail "up never completed"
  done
  [ "$k" -gt 10 ]
  run rl "$BD" -U -q down
  assert_success
  assert_nothing_left
}

@test "a killed keeper takes its lab with it (dnsmasq too); show says so, down has nothing to do" {
  run rl "$BD" -U -q up
  assert_success
  local pid
  pid=$(keeper_of nslab-host5)
  [ -n "$(rl_procs)" ]
  kill -KILL "$pid"
  local _
  for _ in $(seq 30); do
    [ -n "$(rl_procs)" ] || break
    sleep 0.1
  done
  [ -z "$(rl_procs)" ] || fail "still running after the keeper died: $(rl_procs)"
  run --separate-stderr rl "$BD" -U -q show
  assert_failure 1
  assert_equal "$stderr" "05-bridge-dhcp: nslab-host5 is not up (run '05-bridge-dhcp/bridge-dhcp -U up' first)"
  run --separate-stderr rl "$BD" -U down
  assert_success
  assert_equal "$stderr" "[bridge-dhcp] nslab-host5 is not up (no keeper in $RL_DIR/nslab-host5.keeper): nothing to remove"
  assert_nothing_left
}

@test "up killed from outside at any moment, then down: nothing is left" {
  for t in 0.005 0.02 0.05 0.1 0.3; do
    rl timeout -s KILL "$t" "$BD" -U -q up >/dev/null 2>&1 || true
    sleep 0.3 # what up's child was doing, it finishes on its own
    run rl "$BD" -U -q down
    assert_success
    assert_nothing_left
  done
}

@test "05 -U with dhclient and with udhcpc: leases inside, nothing left" {
  for c in dhclient udhcpc; do
    command -v "$c" >/dev/null || nslab_skip "$c is not installed: sudo make deps"
    run rl "$BD" -U -q --dhcp-client "$c" up
    assert_success
    run rl "$BD" -U -q exec -- ip -br -4 addr show dev veth1
    assert_output --regexp 'veth1@if[0-9]+ +UP +192\.168\.3\.[0-9]+/24'
    run rl "$BD" -U -q exec -- ping -c 1 -W 2 192.168.3.1
    assert_success
    run rl "$BD" -U -q down
    assert_success
    assert_nothing_left
  done
}

@test "a stage-04 and a stage-05 lab of one user at once, each on its own keeper" {
  run rl "$NV" -U -q up
  assert_success
  run rl "$BD" -U -q up
  assert_success
  [ "$(keeper_of nslab-host)" != "$(keeper_of nslab-host5)" ]
  # each has its own ns1: 192.168.5.10 in one, a lease of 192.168.3.0/24 in the other
  run rl "$NV" -U -q exec -- ip -br -4 addr show dev veth1
  assert_output --partial "192.168.5.10/24"
  run rl "$BD" -U -q exec -- ip -br -4 addr show dev veth1
  assert_output --partial "192.168.3."
  run rl "$NV" -U -q down
  assert_success
  run rl "$BD" -U -q exec -- ping -c 1 -W 2 192.168.3.1
  assert_success
  run rl "$BD" -U -q down
  assert_success
  assert_nothing_left
}

@test "the demos of 04 and 05 with -U: pings, then nothing left" {
  run --separate-stderr rl "$NV" -U
  assert_success
  [ "$(grep -c '1 received' <<<"$output")" = 2 ]
  assert_nothing_left
  run --separate-stderr rl "$BD" -U
  assert_success
  assert_nothing_left
}

@test "bad input with -U: the same one line and exit status as without" {
  run --separate-stderr rl "$NV" -U --veth0 'bad/name' up
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: bad interface name 'bad/name' for --veth0 (letters, digits and _.- only) (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr rl "$NV" -U sideways
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: unknown subcommand 'sideways' (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr rl "$BD" -U --pool 1-2 up
  assert_equal "$status" 2
  run --separate-stderr rl "$NV" -U exec --
  assert_equal "$status" 2
  run --separate-stderr rl "$NV" shell
  assert_equal "$status" 2
  assert_equal "$stderr" "04-netns-veth: shell goes with -U (as root, your own shell sees the lab: sudo ip netns list) (try '04-netns-veth/netns-veth -h')"
  run --separate-stderr rl "$NV" -U -q show
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: nslab-host is not up (run '04-netns-veth/netns-veth -U up' first)"
  run --separate-stderr rl "$NV" -U -q exec -- true
  assert_failure 1
  run rl "$NV" -U -q up
  assert_success
  run --separate-stderr rl "$NV" -U -q up
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: nslab-host is already up (/run/nslab/nslab-host.state lists what it made) (run '04-netns-veth/netns-veth -U down' first)"
  run --separate-stderr rl "$NV" -U -q exec -- sh -c 'exit 7'
  assert_equal "$status" 7
  run -127 --separate-stderr rl "$NV" -U -q exec -- no-such-command
  assert_equal "$status" 127
  run rl "$NV" -U -q down
  assert_success
  assert_nothing_left
}

@test "a per-user directory with the wrong mode, or not ours, is refused with a line naming it" {
  # $XDG_RUNTIME_DIR/nslab, opened to everyone
  BAD_DIR=$(mktemp -d /tmp/nslab-xdg.XXXXXX)
  chmod 755 "$BAD_DIR"
  mkdir -m 755 "$BAD_DIR/nslab"
  if [ "$(id -u)" = 0 ]; then chown "$RL_UID:$RL_UID" "$BAD_DIR" "$BAD_DIR/nslab"; fi
  RL_XDG=$BAD_DIR
  run --separate-stderr rl "$NV" -U -q up
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "04-netns-veth: $BAD_DIR/nslab is not ours alone (owner uid $RL_USER, mode 0755; it must be ours (uid $RL_USER), mode 0700) (remove it, or fix its owner and mode)"
  # a symbolic link in its place
  rmdir "$BAD_DIR/nslab"
  ln -s /tmp "$BAD_DIR/nslab"
  run --separate-stderr rl "$NV" -U -q up
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: $BAD_DIR/nslab is not ours alone (not a directory of ours: remove it) (remove it, or fix its owner and mode)"
  RL_XDG=""
  # /tmp/nslab-UID made by someone else (root), mode 0700: not ours
  if [ "$(id -u)" = 0 ]; then
    rm -rf "$RL_DIR"
    mkdir -m 700 "$RL_DIR"
    run --separate-stderr rl "$NV" -U -q up
    assert_failure 1
    assert_equal "$stderr" "04-netns-veth: $RL_DIR is not ours alone (owner uid 0, mode 0700; it must be ours (uid $RL_UID), mode 0700) (remove it, or fix its owner and mode)"
    rmdir "$RL_DIR"
  fi
  assert_nothing_left
}

@test "make run-04, make run-05 and make demo as an ordinary user: rootless, said in one line" {
  local tree=$NSLAB_ROOT
  # built already (make test builds first): the user only reads the tree.  As root,
  # where the checkout is out of that user's reach (in /root, mode 0700), a copy of
  # it, built files and times kept, in a directory of the test's.
  if [ "$(id -u)" = 0 ] && ! rl test -r "$NSLAB_ROOT/Makefile"; then
    BAD_DIR=$(mktemp -d /tmp/nslab-rlmake.XXXXXX)
    tree=$BAD_DIR/tree
    mkdir "$tree"
    (cd "$NSLAB_ROOT" && tar --exclude=.git -cf - .) | tar -xpf - -C "$tree"
    chmod -R a+rX "$BAD_DIR"
  fi
  run rl make -s -C "$tree" run-04 ARGS=-q
  assert_success
  assert_line "make run-04: not root: rootless mode (-U: a user namespace of your own)"
  [ "$(grep -c '1 received' <<<"$output")" = 2 ]
  run rl make -s -C "$tree" run-05 ARGS=-q
  assert_success
  assert_line "make run-05: not root: rootless mode (-U: a user namespace of your own)"
  run rl make -s -C "$tree" demo NOPAUSE=1
  assert_success
  assert_line "make demo: not root: every stage rootless (-U: a user namespace of your own)"
  assert_line --regexp "^== Stage 05: "
  assert_line "== The demos are over; each one removed what it made."
  assert_nothing_left
}

@test "a -U lab whose runtime directory is removed (logout) is gone within a second, dnsmasq too" {
  make_xdg
  H4=$(unique_name nslab-x4)
  H5=$(unique_name nslab-x5)
  local links_before
  links_before=$(ip -o link show | sed -E 's/ +/ /g')
  run --separate-stderr rl "$NV" -U --host-ns "$H4" up
  assert_success
  # the keeper narrates its watch, on the directory of the lab's record
  [[ $stderr == *"~ inotifywait -e delete_self,move_self,delete,moved_from $XDG_DIR/nslab"* ]]
  run rl "$BD" -U -q --host-ns "$H5" up
  assert_success
  local k4 k5 d5 n4 n5
  k4=$(cut -d' ' -f1 "$XDG_DIR/nslab/$H4.keeper")
  k5=$(cut -d' ' -f1 "$XDG_DIR/nslab/$H5.keeper")
  KEEPERS="$k4 $k5"
  d5=$(pgrep -x -P "$k5" dnsmasq)
  [ -n "$d5" ] || fail "no dnsmasq under the keeper of $H5"
  n4=$(net_of "$k4")
  n5=$(net_of "$d5")
  [ -n "$(running "$k4" "$k5" "$d5")" ]
  # what logind does at the last logout: the directory's contents, then the directory
  rm -rf "$XDG_DIR"
  gone_within_1s "$k4" "$k5" "$d5"
  assert_no_process_in_net "$n4" "$n5"
  # and the machine as it was: no name of the labs in its /run/netns, its links unchanged
  run ip netns list
  refute_output --partial "$H4"
  refute_output --partial "$H5"
  assert_equal "$(ip -o link show | sed -E 's/ +/ /g')" "$links_before"
  assert_nothing_left
}

@test "without a runtime directory (/tmp/nslab-UID): a lab whose record is removed ends, another stays" {
  H4=$(unique_name nslab-t4)
  H5=$(unique_name nslab-t5)
  run rl "$NV" -U -q --host-ns "$H4" up
  assert_success
  run rl "$BD" -U -q --host-ns "$H5" up
  assert_success
  local k4 k5 d5
  k4=$(keeper_of "$H4")
  k5=$(keeper_of "$H5")
  KEEPERS="$k4 $k5"
  d5=$(pgrep -x -P "$k5" dnsmasq)
  [ -n "$d5" ] || fail "no dnsmasq under the keeper of $H5"
  # only this lab's record: the directory is shared by every lab of the user
  rm "$RL_DIR/$H5.keeper"
  gone_within_1s "$k5" "$d5"
  [ -n "$(running "$k4")" ] || fail "the keeper of $H4 ended with another lab's record"
  run rl "$NV" -U -q --host-ns "$H4" exec -- ping -c 1 -W 2 192.168.5.5
  assert_success
  run --separate-stderr rl "$BD" -U --host-ns "$H5" down
  assert_success
  assert_equal "$stderr" "[bridge-dhcp] $H5 is not up (no keeper in $RL_DIR/$H5.keeper): nothing to remove"
  run rl "$NV" -U -q --host-ns "$H4" down
  assert_success
  assert_nothing_left
}

@test "a runtime directory's nslab moved away: its lab can no longer be found, and ends" {
  make_xdg
  H4=$(unique_name nslab-m4)
  run rl "$NV" -U -q --host-ns "$H4" up
  assert_success
  local k4
  k4=$(cut -d' ' -f1 "$XDG_DIR/nslab/$H4.keeper")
  KEEPERS=$k4
  mv "$XDG_DIR/nslab" "$XDG_DIR/moved"
  gone_within_1s "$k4"
  assert_nothing_left
}

@test "without -U and without root: up and the demo name the rootless way, in one line, changing nothing" {
  H4=$(unique_name nslab-r4)
  H5=$(unique_name nslab-r5)
  run --separate-stderr rl "$NV" --host-ns "$H4" up
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "04-netns-veth: up needs root, or -U (without root: '04-netns-veth/netns-veth -U up', a lab in a user namespace of your own, as make run-04 does)"
  run --separate-stderr rl "$NV" --host-ns "$H4"
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: the demo needs root, or -U (without root: '04-netns-veth/netns-veth -U', a lab in a user namespace of your own, as make run-04 does)"
  run --separate-stderr rl "$BD" --host-ns "$H5" up
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "05-bridge-dhcp: up needs root, or -U (without root: '05-bridge-dhcp/bridge-dhcp -U up', a lab in a user namespace of your own, as make run-05 does)"
  run --separate-stderr rl "$BD" --host-ns "$H5"
  assert_failure 1
  assert_equal "$stderr" "05-bridge-dhcp: the demo needs root, or -U (without root: '05-bridge-dhcp/bridge-dhcp -U', a lab in a user namespace of your own, as make run-05 does)"
  # nothing made: no state, no namespace, no record, no keeper
  [ ! -e "/run/nslab/$H4.state" ] && [ ! -e "/run/nslab/$H5.state" ]
  run ip netns list
  refute_output --partial "$H4"
  refute_output --partial "$H5"
  [ ! -e "$RL_DIR/$H4.keeper" ] && [ ! -e "$RL_DIR/$H5.keeper" ]
  assert_nothing_left
}

@test "show, exec and down without -U while a -U lab of that name is up: one line naming -U" {
  H4=$(unique_name nslab-u4)
  run rl "$NV" -U -q --host-ns "$H4" up
  assert_success
  KEEPERS=$(keeper_of "$H4")
  run --separate-stderr rl "$NV" --host-ns "$H4" show
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "04-netns-veth: $H4 is up with -U, in a user namespace of your own (run '04-netns-veth/netns-veth -U show')"
  run --separate-stderr rl "$NV" --host-ns "$H4" exec -- true
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: $H4 is up with -U, in a user namespace of your own (run '04-netns-veth/netns-veth -U exec -- CMD')"
  run --separate-stderr rl "$NV" --host-ns "$H4" down
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: $H4 is up with -U, in a user namespace of your own (run '04-netns-veth/netns-veth -U down')"
  # the lab is still up, and -U finds it
  run rl "$NV" -U -q --host-ns "$H4" exec -- ping -c 1 -W 2 192.168.5.10
  assert_success
  run rl "$NV" -U -q --host-ns "$H4" down
  assert_success
  assert_nothing_left
}

@test "05: show without -U while its -U lab is up names -U" {
  H5=$(unique_name nslab-u5)
  run rl "$BD" -U -q --host-ns "$H5" up
  assert_success
  KEEPERS=$(keeper_of "$H5")
  run --separate-stderr rl "$BD" --host-ns "$H5" show
  assert_failure 1
  assert_equal "$stderr" "05-bridge-dhcp: $H5 is up with -U, in a user namespace of your own (run '05-bridge-dhcp/bridge-dhcp -U show')"
  run rl "$BD" -U -q --host-ns "$H5" down
  assert_success
  assert_nothing_left
}

@test "as root: show without -U finds root's own -U lab when the machine has no lab of that name" {
  require_root "root's own -U lab beside the machine's"
  make_xdg
  chown 0:0 "$XDG_DIR"
  H4=$(unique_name nslab-o4)
  run env XDG_RUNTIME_DIR="$XDG_DIR" "$NV" -U -q --host-ns "$H4" up
  assert_success
  KEEPERS=$(cut -d' ' -f1 "$XDG_DIR/nslab/$H4.keeper")
  run --separate-stderr env XDG_RUNTIME_DIR="$XDG_DIR" "$NV" --host-ns "$H4" show
  assert_failure 1
  assert_equal "$stderr" "04-netns-veth: $H4 is up with -U, in a user namespace of your own (run '04-netns-veth/netns-veth -U show')"
  run env XDG_RUNTIME_DIR="$XDG_DIR" "$NV" -U -q --host-ns "$H4" down
  assert_success
  [ -z "$(running "$KEEPERS")" ]
}
