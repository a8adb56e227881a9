#!/usr/bin/env bats
# Stage 05: a bridge onto an uplink, and DHCP inside the namespaces; checked with ip,
# bridge, ping and dnsmasq's own lease file.  As an ordinary user the same tests run
# the stage with -U (stage_for_uid), and look at the lab from inside its world (in_lab).

load helpers

BD_PROG="$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp"

setup_file() {
  host_snapshot >"$BATS_FILE_TMPDIR/host.before"
  sha256sum /etc/resolv.conf >"$BATS_FILE_TMPDIR/resolv.before"
}

setup() {
  require_userns
  BD=$(stage_for_uid "$BD_PROG")
  BD_HINT="05-bridge-dhcp/bridge-dhcp${NSLAB_U:+ $NSLAB_U}"
  # each test its own lab: no two tests, nor the tutorial's ns1, can collide
  H=$(unique_name b5h)
  L=$(unique_name b5l)
  N=$(unique_name b5n)
  OPTS=(--host-ns "$H" --lan-ns "$L" --ns "$N")
  export LAB_HOST=$H # read by in_lab (helpers.bash)
}

teardown() {
  "$BD" -q "${OPTS[@]}" down >/dev/null 2>&1 || true
  if [ -n "${UNS_DIR:-}" ]; then rm -rf "$UNS_DIR"; fi
}

# The processes of lab H still running: their command lines name its directory.
lab_procs() {
  pgrep -af "/run/nslab/$H/" || true
}

# Nothing of lab H is left: namespaces, state file, directory, processes.
assert_nothing_left() {
  if ip netns list | grep -qE "^($H|$L|$N)( |\$)"; then
    fail "ip netns list still shows the lab: $(ip netns list)"
  fi
  [ ! -e "/run/netns/$H" ] && [ ! -e "/run/netns/$L" ] && [ ! -e "/run/netns/$N" ]
  [ ! -e "/run/nslab/$H.state" ]
  [ ! -e "/run/nslab/$H" ]
  [ -z "$(lab_procs)" ] || fail "still running: $(lab_procs)"
  if ! is_root; then
    [ ! -e "$(user_dir)/$H.keeper" ] || fail "the keeper's record is left: $(user_dir)/$H.keeper"
  fi
}

mac_of() { # NS DEV
  in_lab ip -n "$1" -br link show dev "$2" | awk '{print $3}'
}

addr_of() { # NS DEV
  in_lab ip -n "$1" -br -4 addr show dev "$2" | awk '{print $3}' | cut -d/ -f1
}

@test "up: br0 has exactly eth0 and veth0 as ports, both forwarding" {
  run "$BD" -q "${OPTS[@]}" up
  assert_success
  run in_lab bridge -n "$H" link
  assert_equal "${#lines[@]}" 2
  # (bridge names a port's veth peer by its index, looked up in the wrong namespace)
  assert_line --regexp '^[0-9]+: eth0@[a-z0-9]+: .* master br0 state forwarding '
  assert_line --regexp '^[0-9]+: veth0@[a-z0-9]+: .* master br0 state forwarding '
  # eth0 and veth0 hold no address (ifconfig eth0 0.0.0.0); br0 has eth0's MAC
  [ -z "$(in_lab ip -n "$H" -4 addr show dev eth0)" ]
  [ -z "$(in_lab ip -n "$H" -4 addr show dev veth0)" ]
  assert_equal "$(mac_of "$H" br0)" "$(mac_of "$H" eth0)"
}

@test "br0 and veth1 hold DHCP addresses in 192.168.3.0/24, in dnsmasq's lease file with their MACs" {
  "$BD" -q "${OPTS[@]}" up
  local a0 a1 leases
  a0=$(addr_of "$H" br0)
  a1=$(addr_of "$N" veth1)
  [[ $a0 =~ ^192\.168\.3\.[0-9]+$ ]]
  [[ $a1 =~ ^192\.168\.3\.[0-9]+$ ]]
  [ "$a0" != "$a1" ]
  leases=$(in_lab cat "/run/nslab/$H/dnsmasq.leases")
  [[ $leases == *" $(mac_of "$H" br0) $a0 "* ]]
  [[ $leases == *" $(mac_of "$N" veth1) $a1 "* ]]
  # the router is each one's default route
  run in_lab ip -n "$N" route
  assert_line --regexp '^default via 192\.168\.3\.1 dev veth1'
  run in_lab ip -n "$H" route
  assert_line --regexp '^default via 192\.168\.3\.1 dev br0'
}

@test "ns1 reaches the router and the lab host through the bridge" {
  "$BD" -q "${OPTS[@]}" up
  run in_lab ip netns exec "$N" ping -c 1 -W 2 192.168.3.1
  assert_success
  run in_lab ip netns exec "$N" ping -c 1 -W 2 "$(addr_of "$H" br0)"
  assert_success
  run "$BD" -q "${OPTS[@]}" exec -- ping -c 1 -W 2 192.168.3.1
  assert_success
  run "$BD" -q "${OPTS[@]}" exec --lan -- ping -c 1 -W 2 "$(addr_of "$N" veth1)"
  assert_success
  run "$BD" -q "${OPTS[@]}" exec --host -- readlink /proc/self/ns/net
  assert_output "net:[$(in_lab stat -L -c %i "/run/netns/$H")]"
}

@test "down stops dnsmasq and leaves nothing" {
  "$BD" -q "${OPTS[@]}" up
  [ -n "$(lab_procs)" ]
  run --separate-stderr "$BD" "${OPTS[@]}" down
  assert_success
  # shellcheck disable=SC2154 # set by run --separate-stderr
  [[ $stderr == *"(dnsmasq)"*"~ kill "* ]]
  [[ $stderr == *"~ rm -r /run/nslab/$H"* ]]
  assert_nothing_left
  run --separate-stderr "$BD" "${OPTS[@]}" down
  assert_success
  if is_root; then
    assert_equal "$stderr" "[bridge-dhcp] $H is not up (no /run/nslab/$H.state): nothing to remove"
  else
    assert_equal "$stderr" "[bridge-dhcp] $H is not up (no keeper in $(user_dir)/$H.keeper): nothing to remove"
  fi
}

@test "up killed after each state write, then down: nothing is left" {
  local k=1
  while :; do
    run env NSLAB_KILL_AFTER_SAVE=$k "$BD" -q "${OPTS[@]}" up
    [ "$status" = 0 ] && break
    assert_equal "$status" 137
    in_lab test -e "/run/nslab/$H.state"
    run "$BD" -q "${OPTS[@]}" down
    assert_success
    assert_nothing_left
    k=$((k + 1))
    [ "$k" -lt 40 ] || fail "up never completed"
  done
  [ "$k" -gt 10 ]
}

@test "up with dhclient killed after each state write past dnsmasq, then down: nothing is left" {
  local k=14
  while :; do
    run env NSLAB_KILL_AFTER_SAVE=$k "$BD" -q --dhcp-client dhclient "${OPTS[@]}" up
    [ "$status" = 0 ] && break
    assert_equal "$status" 137
    run "$BD" -q "${OPTS[@]}" down
    assert_success
    assert_nothing_left
    k=$((k + 1))
    [ "$k" -lt 40 ] || fail "up never completed"
  done
  run "$BD" -q "${OPTS[@]}" down
  assert_nothing_left
}

@test "dhclient and udhcpc with DNS offered: the lab's resolv.conf gets it, the machine's never" {
  # (-U too: the machine's /etc under the clients' overlay belongs to a root that is
  # not mapped in the lab, but the overlay's upper /etc has a resolv.conf of its own)
  local before
  before=$(sha256sum /etc/resolv.conf)
  run "$BD" -q --dns --dhcp-client dhclient "${OPTS[@]}" up
  assert_success
  # dhclient stays to renew: recorded, and stopped by down
  [ "$(pgrep -cf "dhclient .*/run/nslab/$H/")" = 2 ]
  in_lab grep -q '^nameserver 192\.168\.3\.1$' "/run/nslab/$H/dhclient.br0/etc/resolv.conf"
  in_lab grep -q '^nameserver 192\.168\.3\.1$' "/run/nslab/$H/dhclient.veth1/etc/resolv.conf"
  # its hooks see a /run of their own, where the lab's directory is all there is
  local pid
  pid=$(pgrep -f "dhclient .*/run/nslab/$H/dhclient\.veth1\.pid")
  assert_equal "$(ls -A "/proc/$pid/root/run") $(ls -A "/proc/$pid/root/run/nslab")" "nslab $H"
  [ -e "/proc/$pid/root/run/nslab/$H/dhclient.veth1.pid" ]
  [[ $(in_lab cat "/run/nslab/$H/dnsmasq.leases") == *" $(mac_of "$N" veth1) $(addr_of "$N" veth1) "* ]]
  assert_equal "$(sha256sum /etc/resolv.conf)" "$before"
  "$BD" -q "${OPTS[@]}" down
  assert_nothing_left
  run "$BD" -q --dns --dhcp-client udhcpc "${OPTS[@]}" up
  assert_success
  in_lab grep -q 'nameserver 192\.168\.3\.1' "/run/nslab/$H/udhcpc.veth1/etc/resolv.conf"
  run in_lab ip netns exec "$N" ping -c 1 -W 2 192.168.3.1
  assert_success
  assert_equal "$(sha256sum /etc/resolv.conf)" "$before"
  "$BD" -q "${OPTS[@]}" down
  assert_nothing_left
}

# CMD... as someone without privilege on the machine: as root, the real nobody with no
# capabilities; as an ordinary user, that user.
unprivileged() {
  if is_root; then
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --reset-env \
      env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
  else
    "$@"
  fi
}

@test "root mode as root of a user namespace of one's own (unshare --user --map-root-user): the whole lab, dnsmasq stays root there" {
  # What the tutorial's '#' commands become without the machine's root: uid 0 of a
  # user namespace that maps that uid alone (setgroups denied), with mount, network
  # and PID namespaces and a /run of its own.  No -U: the stage's root mode.
  unprivileged unshare --user --map-root-user true 2>/dev/null ||
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
  UNS_DIR=$(mktemp -d /tmp/nslab-b5u.XXXXXX)
  chmod 755 "$UNS_DIR"
  cp "$BD_PROG" "$UNS_DIR/"
  cat >"$UNS_DIR/lab.sh" <<'LAB'
set -u
bd=$1 h=$2
export LC_ALL=C.UTF-8 # show draws its picture in box-drawing characters
shift 2
mount -t tmpfs -o mode=0755 tmpfs /run || exit 90
"$bd" "$@" --dns --dhcp-client dhclient up || exit 91
echo "## dnsmasq"
grep '^Uid:' "/proc/$(cat "/run/nslab/$h/dnsmasq.pid")/status"
echo "## show"
"$bd" -q "$@" show || exit 92
echo "## ping"
"$bd" -q "$@" exec -- ping -c 1 -W 2 192.168.3.1 >/dev/null && echo "ping: ok"
echo "## resolv.conf"
cat "/run/nslab/$h/dhclient.veth1/etc/resolv.conf"
echo "## down"
"$bd" -q "$@" down || exit 93
echo "## left in /run/netns: [$(ls -A /run/netns)], in /run/nslab: [$(ls -A /run/nslab)]"
echo "## running: $( (pgrep -x dnsmasq; pgrep -x dhclient) | wc -l)"
LAB
  local before
  before=$(sha256sum /etc/resolv.conf)
  run unprivileged unshare --user --map-root-user --mount --net --pid --fork --mount-proc \
    sh "$UNS_DIR/lab.sh" "$UNS_DIR/bridge-dhcp" "$H" "${OPTS[@]}"
  assert_success
  # nobody and dip have no ID there: dnsmasq is told to stay root, and does
  assert_output --partial "dnsmasq stays root here (--user=root) and changes no group (--group=)"
  assert_output --regexp "~ ip netns exec $L dnsmasq .* --user=root --group="
  assert_line --regexp '^Uid:\s+0\s+0\s+0\s+0$'
  assert_line --regexp '^│ dnsmasq \(PID [0-9]+\): DHCP server +│  │$'
  assert_line --regexp '^  veth1 +UP +192\.168\.3\.[0-9]+/24$'
  assert_line --regexp "^leases \(/run/nslab/$H/dnsmasq.leases\):$"
  assert_line "ping: ok"
  assert_line "nameserver 192.168.3.1"
  assert_line "## left in /run/netns: [], in /run/nslab: []"
  assert_line "## running: 0"
  assert_equal "$(sha256sum /etc/resolv.conf)" "$before"
}

@test "narration: each request beside its ip or bridge command, and the DHCP exchange" {
  run --separate-stderr "$BD" "${OPTS[@]}" up
  assert_success
  local s=$stderr
  [[ $s == *"[bridge-dhcp] RTM_NEWLINK br0 type bridge "*"~ ip -n $H link add br0 type bridge"* ]]
  [[ $s == *"RTM_NEWLINK eth0 IFLA_MASTER "*" (br0) "*"~ ip -n $H link set eth0 master br0"* ]]
  [[ $s == *"RTM_NEWLINK veth0 IFLA_MASTER "*" (br0) "*"~ ip -n $H link set veth0 master br0"* ]]
  [[ $s == *"~ ip netns exec $L dnsmasq "*"--no-ping"* ]]
  # the four messages, for br0 then veth1
  [ "$(grep -c 'DHCPDISCOVER xid 0x' <<<"$s")" = 2 ]
  [[ $s == *"DHCPOFFER xid"*"DHCPREQUEST xid"*"DHCPACK xid"*"br0 has 192.168.3."*"DHCPACK xid"*"veth1 has 192.168.3."* ]]
  [[ $s == *"~ ip -n $N route add default via 192.168.3.1 dev veth1"* ]]
}

@test "a flood of malformed DHCP replies on the LAN: our client still gets its leases, and says what it ignored in one line" {
  # A sender inside the lab's LAN namespace, started by a dnsmasq wrapper found first
  # in PATH (up runs dnsmasq there by execvp), so it floods before the first DISCOVER.
  local bin=$BATS_TEST_TMPDIR/bin real py
  real=$(command -v dnsmasq)
  py=$(command -v python3)
  mkdir -p "$bin"
  cat >"$bin/dnsmasq" <<WRAP
#!/bin/sh
"$py" "$NSLAB_ROOT/tests/dhcp-flood.py" lan0 "$BATS_TEST_TMPDIR/stop" "$BATS_TEST_TMPDIR/ready" >"$BATS_TEST_TMPDIR/sent" 2>&1 &
echo \$! >"$BATS_TEST_TMPDIR/flood.pid"
i=0
while [ ! -e "$BATS_TEST_TMPDIR/ready" ] && [ \$i -lt 300 ]; do sleep 0.01; i=\$((i + 1)); done
exec "$real" "\$@"
WRAP
  chmod +x "$bin/dnsmasq"
  run --separate-stderr env PATH="$bin:$PATH" "$BD" "${OPTS[@]}" up
  touch "$BATS_TEST_TMPDIR/stop"
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/flood.pid")
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  assert_success
  [ -e "$BATS_TEST_TMPDIR/ready" ]
  local s=$stderr
  [[ $(addr_of "$H" br0) =~ ^192\.168\.3\.[0-9]+$ ]]
  [[ $(addr_of "$N" veth1) =~ ^192\.168\.3\.[0-9]+$ ]]
  # at most one summary line per client run (two runs: br0, veth1), none per packet
  local n
  n=$(grep -c 'ignored [0-9]* packets: ' <<<"$s")
  [ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "summaries: $(grep ignored <<<"$s")"
  [ "$(grep -c 'ignored a ' <<<"$s")" = 0 ]
  grep 'ignored [0-9]* packets: ' <<<"$s" | grep -q 'wrong magic cookie'
  # each lease came within the client's bound (5 s): up took less in all
  [[ $s == *"br0 has 192.168.3."*"veth1 has 192.168.3."* ]]
}

@test "--rapid-commit: DISCOVER answered by ACK, two messages" {
  run --separate-stderr "$BD" "${OPTS[@]}" --rapid-commit up
  assert_success
  local s=$stderr
  [[ $s == *"rapid commit: DHCPACK in answer to the DHCPDISCOVER"* ]]
  [[ $s != *"DHCPREQUEST"* ]]
  [[ $(addr_of "$N" veth1) =~ ^192\.168\.3\.[0-9]+$ ]]
}

@test "show: three namespaces, br0's ports as bridge link shows them, and the leases" {
  "$BD" -q "${OPTS[@]}" up
  run --separate-stderr "$BD" -q "${OPTS[@]}" show
  assert_success
  assert_line "$H (the article's host):"
  assert_line "$L (the LAN: router and DHCP server):"
  assert_line "$N:"
  assert_line " bridge ports (bridge link):"
  # bridge link's lines, but for the peer after '@' (bridge looks its index up here,
  # where it names another link; we print @ifN as ip does)
  local l
  while read -r l; do
    assert_line --regexp "^  $(sed -e 's/ *$//' -e 's/@[a-z0-9]*:/@[a-z0-9]+:/' <<<"$l")\$"
  done < <(in_lab bridge -n "$H" link)
  assert_line "leases (/run/nslab/$H/dnsmasq.leases):"
  assert_line --regexp "^  $(addr_of "$N" veth1) $(mac_of "$N" veth1) "
}

@test "the demo: up, show, ns1 pings the router and br0, down; nothing left" {
  run --separate-stderr "$BD" "${OPTS[@]}"
  assert_success
  [ "$(grep -c '1 received' <<<"$output")" = 2 ]
  # show, right after up, already lists both leases: br0's and veth1's
  [ "$(sed -n '/^leases (/,/^PING/p' <<<"$output" | grep -cE '^  192\.168\.3\.[0-9]+ ([0-9a-f]{2}:){5}[0-9a-f]{2} ')" = 2 ]
  [[ $stderr == *"~ ip netns exec $N ping -c 1 -W 2 192.168.3.1"* ]]
  [[ $stderr == *"~ ip netns del $H"* ]]
  assert_nothing_left
}

@test "a second up says so, exits 1, and changes nothing" {
  "$BD" -q "${OPTS[@]}" up
  run --separate-stderr "$BD" "${OPTS[@]}" up
  assert_failure 1
  local err=$stderr
  if ! is_root; then
    # -U: the join of the keeper is narrated first
    [[ ${err%%$'\n'*} == *"~ nsenter --target "* ]]
    err=${err#*$'\n'}
  fi
  assert_equal "$err" "05-bridge-dhcp: $H is already up (/run/nslab/$H.state lists what it made) (run '$BD_HINT down' first)"
}

@test "bad options: one line naming the problem, exit 2, nothing created" {
  local before
  before=$(ip netns list; ls /run/nslab 2>/dev/null)
  run --separate-stderr "$BD" "${OPTS[@]}" --bridge 'b/r' up
  assert_equal "$status" 2
  assert_equal "$stderr" "05-bridge-dhcp: bad interface name 'b/r' for --bridge (letters, digits and _.- only) (try '05-bridge-dhcp/bridge-dhcp -h')"
  run --separate-stderr "$BD" "${OPTS[@]}" up --dhcp-client pump
  assert_equal "$status" 2
  assert_equal "$stderr" "05-bridge-dhcp: unknown DHCP client 'pump' for --dhcp-client (ours, dhclient or udhcpc) (try '05-bridge-dhcp/bridge-dhcp -h')"
  run --separate-stderr "$BD" "${OPTS[@]}" up --pool 10.0.0.5-10.0.0.9
  assert_equal "$status" 2
  assert_equal "$stderr" "05-bridge-dhcp: pool 10.0.0.5-10.0.0.9 is not in 192.168.3.1/24's subnet, or holds the router (try '05-bridge-dhcp/bridge-dhcp -h')"
  run --separate-stderr "$BD" "${OPTS[@]}" up --pool 192.168.3.1-192.168.3.9
  assert_equal "$status" 2
  run --separate-stderr "$BD" "${OPTS[@]}" up --router 192.168.3.0/24
  assert_equal "$status" 2
  run --separate-stderr "$BD" "${OPTS[@]}" --eth0 br0 up
  assert_equal "$status" 2
  assert_equal "$stderr" "05-bridge-dhcp: two links of the lab host are both 'br0' (try '05-bridge-dhcp/bridge-dhcp -h')"
  run --separate-stderr "$BD" --host-ns "$H" --lan-ns "$H" up
  assert_equal "$status" 2
  run --separate-stderr "$BD" "${OPTS[@]}" --lan up
  assert_equal "$status" 2
  assert_equal "$stderr" "05-bridge-dhcp: --lan goes with exec (try '05-bridge-dhcp/bridge-dhcp -h')"
  run --separate-stderr "$BD" "${OPTS[@]}" sideways
  assert_equal "$status" 2
  assert_equal "$(ip netns list; ls /run/nslab 2>/dev/null)" "$before"
}

@test "not root, without -U: one line naming the rootless way, exit 1, nothing created" {
  run --separate-stderr as_unprivileged "$BD_PROG" "${OPTS[@]}" up
  assert_failure 1
  assert_output ""
  assert_equal "$stderr" "05-bridge-dhcp: up needs root, or -U (without root: '05-bridge-dhcp/bridge-dhcp -U up', a lab in a user namespace of your own, as make run-05 does)"
  assert_nothing_left
}

@test "a DHCP client that is not installed: one line, exit 2, nothing created" {
  # a mount namespace where /usr/sbin and /sbin hide udhcpc
  run unshare_for_uid --mount sh -c "mount --make-rprivate / && mount -t tmpfs none /usr/sbin && mount -t tmpfs none /sbin 2>/dev/null; exec \"\$0\" \"\$@\"" \
    "$BD" "${OPTS[@]}" --dhcp-client udhcpc up
  assert_equal "$status" 2
  assert_output "05-bridge-dhcp: --dhcp-client udhcpc: udhcpc is not installed (apt-get install udhcpc) (try '05-bridge-dhcp/bridge-dhcp -h')"
  assert_nothing_left
}

@test "a PATH without /usr/sbin and /sbin (an ordinary user's on Debian): dnsmasq and dhclient are still found" {
  run env PATH=/usr/local/bin:/usr/bin:/bin "$BD" -q --dhcp-client dhclient "${OPTS[@]}" up
  assert_success
  [[ $(addr_of "$N" veth1) =~ ^192\.168\.3\.[0-9]+$ ]]
  [ "$(pgrep -cf "dhclient .*/run/nslab/$H/")" = 2 ]
  run env PATH=/usr/local/bin:/usr/bin:/bin "$BD" -q "${OPTS[@]}" down
  assert_success
  assert_nothing_left
}

@test "options go before or after the subcommand; -q is silent" {
  run "$BD" up -q "${OPTS[@]}"
  assert_success
  [ -z "$output" ]
  run "$BD" show "${OPTS[@]}" -q
  assert_success
  run "$BD" -q down "${OPTS[@]}"
  assert_success
  assert_nothing_left
}

@test "--timing prints each lease's time on stdout" {
  run --separate-stderr "$BD" -q --timing "${OPTS[@]}" up
  assert_success
  assert_line --index 0 --regexp '^lease br0 192\.168\.3\.[0-9]+/24 [0-9]+ us ours$'
  assert_line --index 1 --regexp '^lease veth1 192\.168\.3\.[0-9]+/24 [0-9]+ us ours$'
}

@test "-h prints usage with an example, exit 0" {
  run "$BD" -h
  assert_success
  assert_line --index 0 'Usage: bridge-dhcp [OPTIONS] [up | down | show | exec [--host | --lan] -- CMD [ARG...]]'
  assert_line 'Example:'
}

@test "the root namespace and /etc/resolv.conf are unchanged after the suite" {
  host_snapshot >"$BATS_TEST_TMPDIR/host.after"
  run diff "$BATS_FILE_TMPDIR/host.before" "$BATS_TEST_TMPDIR/host.after"
  assert_success
  run sha256sum -c "$BATS_FILE_TMPDIR/resolv.before"
  assert_success
}
