#!/usr/bin/env bats
# The narration is the truth: each stage runs under strace, and every system call and
# netlink or DHCP message a narration line names must have been made, in the narrated
# order (tests/narration-check.sh holds the table of what proves what).

load helpers

CHECK="$NSLAB_ROOT/tests/narration-check.sh"

setup() {
  command -v strace >/dev/null || nslab_skip "strace is not installed: sudo make deps"
  cd "$NSLAB_ROOT" || return 1
  keep="$BATS_TEST_TMPDIR/run"
}

teardown() {
  if [ -n "${rl_keep:-}" ]; then rm -rf "$rl_keep"; fi
  # A failed run may leave its lab: its own down removes exactly that.
  if [ -n "${h4:-}" ]; then
    04-netns-veth/netns-veth ${NSLAB_U:+"$NSLAB_U"} -q --host-ns "$h4" --ns "$n4" down >/dev/null 2>&1 || true
  fi
  if [ -n "${h5:-}" ]; then
    05-bridge-dhcp/bridge-dhcp ${NSLAB_U:+"$NSLAB_U"} -q --host-ns "$h5" --lan-ns "$l5" --ns "$n5" down >/dev/null 2>&1 || true
  fi
}

# check STAGE ARGS...: the stage's narration holds, and it names some calls.
check() {
  run "$CHECK" -k "$keep" "$@"
  assert_success
  assert_line --regexp '^narration: [0-9]+ lines, [1-9][0-9]* calls checked, [0-9]+ notes$'
}

# narrated WORD: the run narrated WORD (the lesson did not go quiet).
narrated() {
  grep -q -F -- "$1" "$keep/narration" || fail "the narration does not name $1: $(cat "$keep/narration")"
}

@test "the checker passes a narration that is true" {
  check sh -c 'echo "[fake] execvp(\"true\")  ~ exec true" >&2; exec true'
}

@test "the checker fails a narration line that names a call not made, and names the line" {
  run "$CHECK" sh -c 'echo "[fake] sethostname(\"h\")  ~ hostname h" >&2; exec true'
  assert_failure 1
  assert_line --index 0 --partial 'narration line 1: "[fake] sethostname("h")  ~ hostname h": names sethostname("h"), but strace saw no such call'
  assert_line --partial ", 1 failing"
}

@test "the checker fails calls made in another order than narrated" {
  # both writes happen, f1's first; the narration tells them the other way round
  # shellcheck disable=SC2016 # expanded by the inner shell
  run "$CHECK" sh -c 'echo a >"$0/f1"; echo b >"$0/f2"
    echo "[fake] write \"b\" to $0/f2" >&2; echo "[fake] write \"a\" to $0/f1" >&2' "$BATS_TEST_TMPDIR"
  assert_failure 1
  assert_line --index 0 --regexp '^narration line 2: "\[fake\] write "a" to .*/f1": names write "a" to .*/f1, but strace saw no such call'
  # told in the right order, they pass
  # shellcheck disable=SC2016
  run "$CHECK" sh -c 'echo a >"$0/f1"; echo b >"$0/f2"
    echo "[fake] write \"a\" to $0/f1" >&2; echo "[fake] write \"b\" to $0/f2" >&2' "$BATS_TEST_TMPDIR"
  assert_success
}

@test "the checker fails a call never made, a message the table does not know, and a line it cannot classify" {
  run "$CHECK" sh -c 'echo "[fake] frobnicate(1)  ~ frob" >&2; echo "[fake] DHCPLEASEQUERY  ~ frob" >&2; echo "[fake] something happened" >&2'
  assert_failure 1
  assert_line --index 0 'narration line 1: "[fake] frobnicate(1)  ~ frob": names frobnicate(, but strace saw no such call (/^frobnicate\(/) after the previous narrated one'
  assert_line --index 1 'narration line 2: "[fake] DHCPLEASEQUERY  ~ frob": names DHCPLEASEQUERY, which the table in tests/narration-check.sh does not map to a strace pattern'
  assert_line --index 2 'narration line 3: "[fake] something happened": names no call the table in tests/narration-check.sh knows, and is not one of its notes'
}

# As an ordinary user, the tests of root mode run the stage with -U.
@test "01 pid-ns: clone, the private / and the proc mount, the exec, the wait" {
  require_userns
  check 01-pid-ns/pid-ns ${NSLAB_U:+"$NSLAB_U"} -- true
  narrated "CLONE_NEWPID"
  narrated 'mount("proc", "/proc"'
}

@test "01 pid-ns -U: the user namespace's maps too (no root needed)" {
  check 01-pid-ns/pid-ns -U -- true
  narrated "CLONE_NEWUSER"
  narrated "uid_map"
}

@test "02 ipc-mount-ns -n: the tmpfs, the mqueue mount, sethostname" {
  require_userns
  check 02-ipc-mount-ns/ipc-mount-ns ${NSLAB_U:+"$NSLAB_U"} -n "$(unique_name nh)" -- true
  narrated "CLONE_NEWIPC"
  narrated "sethostname"
}

@test "02 ipc-mount-ns -U -n: the same inside a user namespace (no root needed)" {
  check 02-ipc-mount-ns/ipc-mount-ns -U -n "$(unique_name nh)" -- true
  narrated "CLONE_NEWUSER"
  narrated "sethostname"
}

@test "02 ipc-mount-ns --leak: the throwaway mount namespace and the umount" {
  require_root "--leak goes without -U"
  check 02-ipc-mount-ns/ipc-mount-ns --leak -- true
  narrated "umount2"
}

@test "03 user-drop: setgroups, setgid, setuid in that order" {
  require_userns
  check 03-user-drop/user-drop ${NSLAB_U:+"$NSLAB_U"} -- true
  # (-U: setgroups() is denied in the user namespace, and said so)
  if is_root; then narrated "setgroups(0, NULL)"; fi
  narrated "setuid(65534)"
}

@test "03 user-drop -U: the maps, then setgid and setuid inside (no root needed)" {
  check 03-user-drop/user-drop -U -- true
  narrated "gid_map"
}

@test "04 netns-veth demo: namespaces, rtnetlink messages, the pings, down" {
  require_userns
  h4=$(unique_name nh)
  n4=$(unique_name nn)
  check 04-netns-veth/netns-veth ${NSLAB_U:+"$NSLAB_U"} --host-ns "$h4" --ns "$n4"
  narrated "RTM_NEWLINK"
  narrated "RTM_NEWADDR"
  narrated "execvp(ping)"
  narrated "umount2"
}

@test "04 netns-veth --article-steps up, show, down: each holds on its own" {
  require_userns
  h4=$(unique_name nh)
  n4=$(unique_name nn)
  if ! is_root; then
    # -U: strace -f would follow up's keeper, which outlives it; the demo (up, show,
    # down in one run) ends it
    check 04-netns-veth/netns-veth -U --host-ns "$h4" --ns "$n4" --article-steps
    narrated "IFLA_NET_NS_FD"
    return
  fi
  check 04-netns-veth/netns-veth --host-ns "$h4" --ns "$n4" --article-steps up
  narrated "IFLA_NET_NS_FD"
  check 04-netns-veth/netns-veth --host-ns "$h4" --ns "$n4" show
  check 04-netns-veth/netns-veth --host-ns "$h4" --ns "$n4" down
  run ip netns list
  refute_output --partial "$h4"
  refute_output --partial "$n4"
}

@test "05 bridge-dhcp demo: the bridge, dnsmasq, the four DHCP messages, the routes, down" {
  require_userns
  h5=$(unique_name bh)
  l5=$(unique_name bl)
  n5=$(unique_name bn)
  check 05-bridge-dhcp/bridge-dhcp ${NSLAB_U:+"$NSLAB_U"} --host-ns "$h5" --lan-ns "$l5" --ns "$n5"
  for m in "type bridge" "execvp(dnsmasq)" DHCPDISCOVER DHCPOFFER DHCPREQUEST DHCPACK RTM_NEWROUTE "pidfd_send_signal("; do
    narrated "$m"
  done
}

@test "05 bridge-dhcp --rapid-commit: DISCOVER answered by ACK" {
  require_userns
  h5=$(unique_name bh)
  l5=$(unique_name bl)
  n5=$(unique_name bn)
  check 05-bridge-dhcp/bridge-dhcp ${NSLAB_U:+"$NSLAB_U"} --host-ns "$h5" --lan-ns "$l5" --ns "$n5" --rapid-commit
  narrated "rapid commit"
}

# The rootless demos run as an ordinary user: as root, a uid of their own (strace then
# traces as that user, and writes its logs where that user may), on copies of the
# checker and the stage in a directory of the test's: the checkout may be in /root,
# which no other uid may enter.
rootless_check() { # STAGE ARGS...
  local check=$CHECK
  rl unshare --user --map-root-user true 2>/dev/null ||
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
  if [ "$(id -u)" = 0 ]; then
    rl_keep=$(mktemp -d /tmp/nslab-narration.XXXXXX)
    mkdir -p "$rl_keep/tree/tests" "$rl_keep/tree/${1%/*}"
    cp "$CHECK" "$rl_keep/tree/tests/"
    cp "$1" "$rl_keep/tree/$1"
    chmod -R a+rX "$rl_keep"
    chown "${NSLAB_RL_UID:-64123}" "$rl_keep"
    keep="$rl_keep/run"
    check=$rl_keep/tree/tests/${CHECK##*/}
    cd "$rl_keep/tree" || return 1
  fi
  run rl "$check" -k "$keep" "$@"
  assert_success
  assert_line --regexp '^narration: [0-9]+ lines, [1-9][0-9]* calls checked, [0-9]+ notes$'
}

rl() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="${NSLAB_RL_UID:-64123}" --regid="${NSLAB_RL_UID:-64123}" --clear-groups \
      --inh-caps=-all env -u XDG_RUNTIME_DIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  else
    "$@"
  fi
}

@test "04 netns-veth -U demo: the keeper, the maps, its mounts, the join, the kill (no root needed)" {
  rootless_check 04-netns-veth/netns-veth -U
  narrated "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWNET"
  narrated "uid_map"
  narrated 'mount("tmpfs", "/run/netns"'
  narrated "--user --mount --net --pid"
  narrated "RTM_NEWLINK"
  narrated "pidfd_send_signal(SIGKILL)"
}

@test "05 bridge-dhcp -U demo: dnsmasq and the DHCP exchange inside the keeper's world" {
  rootless_check 05-bridge-dhcp/bridge-dhcp -U
  for m in "nsenter --target" "execvp(dnsmasq)" DHCPDISCOVER DHCPACK RTM_NEWROUTE; do
    narrated "$m"
  done
}
