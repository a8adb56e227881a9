#!/usr/bin/env bats
# show's picture of the lab (common/labdraw.c): drawn from what netlink says is there,
# in box-drawing characters under a UTF-8 locale and in ASCII under LC_ALL=C, within 80
# columns; a link deleted by hand leaves it, a namespace gone is a box saying so.  As
# root with labs of their own names; as an ordinary user the same tests run the stages
# with -U (stage_for_uid) and change the lab by hand from inside its world (in_lab).
# The last test runs -U as another ordinary user also under root.

load helpers

NV="$NSLAB_ROOT/04-netns-veth/netns-veth"
BD="$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp"
# The ordinary user of the -U tests: a uid of its own (see rootless.bats), not that
# suite's, so the two can run at the same time.
PIC_UID=${NSLAB_PIC_UID:-64124}
# The tests' own shell matches the box-drawing characters as characters, whatever the
# student's locale: in the POSIX locale (LANG unset) bash's =~ reads bytes, and "─+"
# would repeat the last byte of "─".  (picture sets show's own locale per call.)
export LC_ALL=C.UTF-8

setup_file() {
  PIC_BIN=$(mktemp -d /tmp/nslab-pic.XXXXXX)
  chmod 755 "$PIC_BIN"
  cp "$NV" "$BD" "$PIC_BIN/"
  export PIC_BIN
}

teardown_file() {
  rm -rf "$PIC_BIN"
  if [ "$(id -u)" = 0 ]; then rm -rf "/tmp/nslab-$PIC_UID"; fi
}

setup() {
  require_userns
  H=$(unique_name pih)
  L=$(unique_name pil)
  N=$(unique_name pin)
  O4=(--host-ns "$H" --ns "$N")
  O5=(--host-ns "$H" --lan-ns "$L" --ns "$N")
  LONG=()
  NVX=$(stage_for_uid "$NV")
  BDX=$(stage_for_uid "$BD")
  export LAB_HOST=$H # read by in_lab (helpers.bash)
}

teardown() {
  "$NVX" -q "${O4[@]}" down >/dev/null 2>&1 || true
  if [ ${#LONG[@]} -gt 0 ]; then "$NVX" -q "${LONG[@]}" down >/dev/null 2>&1 || true; fi
  "$BDX" -q "${O5[@]}" down >/dev/null 2>&1 || true
  pic "$PIC_BIN/netns-veth" -U -q "${O4[@]}" down >/dev/null 2>&1 || true
  pic "$PIC_BIN/bridge-dhcp" -U -q "${O5[@]}" down >/dev/null 2>&1 || true
}

# pic CMD...: CMD as the ordinary user PIC_UID, without capabilities (run by an
# ordinary user: as that user).
pic() {
  is_root || {
    env -u XDG_RUNTIME_DIR "$@"
    return
  }
  setpriv --reuid="$PIC_UID" --regid="$PIC_UID" --clear-groups --inh-caps=-all \
    env -u XDG_RUNTIME_DIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# picture LOCALE CMD...: show's picture alone (what it prints before the first empty
# line) under LC_ALL=LOCALE, in $output; the listings after it are other tests' job.
picture() {
  local was=${LC_ALL-unset}
  export LC_ALL=$1 # exported: CMD may be pic, a function
  shift
  run --separate-stderr "$@"
  if [ "$was" = unset ]; then unset LC_ALL; else LC_ALL=$was; fi
  output=$(sed '/^$/,$d' <<<"$output")
  mapfile -t lines <<<"$output"
}

# Every line of the picture within 80 columns (box-drawing characters count one).
assert_fits_80() {
  local w
  w=$(LC_ALL=C.UTF-8 wc -L <<<"$output")
  [ "$w" -le 80 ] || fail "the picture is $w columns wide: $output"
}

@test "04: show draws both namespaces, veth0 and veth1 joined; ip link del takes the wire away" {
  "$NVX" -q "${O4[@]}" up
  picture C.UTF-8 "$NVX" -q "${O4[@]}" show
  assert_success
  assert_line --regexp "^┌─ $H \(the article's host\) ─+┐$"
  assert_line --regexp "^│ lo +127\.0\.0\.1/8 +│$"
  assert_line --regexp "^│ veth0 +192\.168\.5\.5/24 ─+┼──┐$"
  assert_line --regexp "^┌─ $N ─+┐  │$"
  assert_line --regexp "^│ veth1 +192\.168\.5\.10/24 ─+┼──┘$"
  assert_fits_80
  # the listings still follow, unchanged
  run "$NVX" -q "${O4[@]}" show
  assert_line "$H (the article's host):"
  assert_line --regexp '^  veth1 +[A-Z]+ +192\.168\.5\.10/24$'

  picture C "$NVX" -q "${O4[@]}" show
  assert_line --regexp "^\+- $H \(the article's host\) -+\+$"
  assert_line --regexp "^\| veth0 +192\.168\.5\.5/24 -+\+--\+$"
  assert_line --regexp "^\| veth1 +192\.168\.5\.10/24 -+\+--\+$"
  [[ $output != *"│"* && $output != *"─"* ]]

  in_lab ip -n "$H" link del veth0
  picture C.UTF-8 "$NVX" -q "${O4[@]}" show
  assert_success
  [[ $output != *veth* ]] || fail "veth0 or veth1 still drawn: $output"
  [[ $output != *"┼"* ]]
  assert_line --regexp "^│ lo +127\.0\.0\.1/8 +│$"
}

@test "04: the longest names the options allow still fit 80 columns" {
  local h n
  h=pih$(printf 'h%.0s' {1..50})$$
  n=pin$(printf 'n%.0s' {1..50})$$
  h=${h:0:63} n=${n:0:63}
  LONG=(--host-ns "$h" --ns "$n" --veth0 vethhhhhhhhhhh0 --veth1 vethhhhhhhhhhh1)
  "$NVX" -q "${LONG[@]}" up
  picture C.UTF-8 "$NVX" -q "${LONG[@]}" show
  assert_success
  assert_fits_80
  assert_line --regexp "^│ vethhhhhhhhhhh0 +192\.168\.5\.5/24 ─+┼──┐$"
  assert_output --partial "…"
  picture C "$NVX" -q "${LONG[@]}" show
  assert_fits_80
}

@test "05: show draws the LAN with dnsmasq, br0 with its ports, ns1; a port deleted by hand goes" {
  "$BDX" -q "${O5[@]}" up
  picture C.UTF-8 "$BDX" -q "${O5[@]}" show
  assert_success
  assert_line --index 0 --regexp "^┌─ $L \(the LAN: router and DHCP server\) ─+┐$"
  assert_line --regexp "^│ lan0 +192\.168\.3\.1/24 ─+┼──┐$"
  assert_line --regexp "^│ dnsmasq \(PID [0-9]+\): DHCP server +│  │$"
  assert_line --regexp "^┌─ $H \(the article's host\) ─+┐  │$"
  assert_line --regexp "^│ br0 +192\.168\.3\.[0-9]+/24 +│  │$"
  assert_line --regexp "^│ ├─ eth0 ─+┼──┘$"
  assert_line --regexp "^│ └─ veth0 ─+┼──┐$"
  assert_line --regexp "^│ veth1 +192\.168\.3\.[0-9]+/24 ─+┼──┘$"
  assert_fits_80
  picture C "$BDX" -q "${O5[@]}" show
  assert_line --regexp "^\| \|- eth0 -+\+--\+$"
  assert_line --regexp "^\| \`- veth0 -+\+--\+$"

  in_lab ip -n "$H" link del veth0
  picture C.UTF-8 "$BDX" -q "${O5[@]}" show
  assert_success
  assert_line --regexp "^│ └─ eth0 ─+┼──┘$"
  [[ $output != *veth* ]] || fail "veth0 or veth1 still drawn: $output"
  run "$BDX" -q "${O5[@]}" show
  assert_line " bridge ports (bridge link):"

  # dnsmasq is drawn while it runs: stopped by hand, the LAN's box says so
  local p
  for p in $(in_lab ip netns pids "$L"); do in_lab kill "$p"; done
  for p in $(seq 30); do [ -n "$(in_lab ip netns pids "$L")" ] || break; sleep 0.1; done
  picture C.UTF-8 "$BDX" -q "${O5[@]}" show
  assert_success
  assert_line --regexp "^│ dnsmasq: not running +│  │$"
}

@test "05: a namespace gone is drawn as gone, and show still says the lab is half up" {
  "$BDX" -q "${O5[@]}" up
  in_lab ip netns del "$N"
  picture C.UTF-8 "$BDX" -q "${O5[@]}" show
  assert_failure 1
  assert_line --regexp "^┌─ $N ─+┐$"
  assert_line --regexp "^│ gone: no /run/netns/$N +│$"
  # Nothing held ns1: it goes with its file, veth1 with it, and veth0 with veth1, as
  # soon as the kernel's cleanup runs (in the background).  Until then veth0 names a
  # peer that is in no box: ip's @ifN, and no wire.
  assert_line --regexp "^│ [├└]─ eth0 ─+┼──┘$"
  [[ $output != *veth1* ]] || fail "veth1 still drawn: $output"
  if [[ $output == *veth0* ]]; then assert_line --regexp "^│ └─ veth0@if[0-9]+ +│$"; fi
  # shellcheck disable=SC2154 # set by run --separate-stderr
  [[ $stderr == *"is only half up: namespace $N is missing"* ]]
}

@test "-U: the same pictures without root, and a link deleted by hand in the lab's shell" {
  pic unshare --user --map-root-user true 2>/dev/null ||
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
  local nv="$PIC_BIN/netns-veth" bd="$PIC_BIN/bridge-dhcp"
  pic "$nv" -U -q "${O4[@]}" up
  picture C.UTF-8 pic "$nv" -U -q "${O4[@]}" show
  assert_success
  assert_line --regexp "^│ veth0 +192\.168\.5\.5/24 ─+┼──┐$"
  assert_line --regexp "^│ veth1 +192\.168\.5\.10/24 ─+┼──┘$"
  pic "$nv" -U -q "${O4[@]}" shell <<<"ip -n $H link del veth0"
  picture C pic "$nv" -U -q "${O4[@]}" show
  assert_success
  assert_line --regexp "^\+- $N -+\+$"
  [[ $output != *veth* ]] || fail "veth0 or veth1 still drawn: $output"
  pic "$nv" -U -q "${O4[@]}" down

  pic "$bd" -U -q "${O5[@]}" up
  picture C.UTF-8 pic "$bd" -U -q "${O5[@]}" show
  assert_success
  assert_line --regexp "^│ dnsmasq \(PID [0-9]+\): DHCP server +│  │$"
  assert_line --regexp "^│ └─ veth0 ─+┼──┐$"
  assert_line --regexp "^│ veth1 +192\.168\.3\.[0-9]+/24 ─+┼──┘$"
  pic "$bd" -U -q "${O5[@]}" shell <<<"ip -n $H link del veth0"
  picture C.UTF-8 pic "$bd" -U -q "${O5[@]}" show
  assert_success
  assert_line --regexp "^│ └─ eth0 ─+┼──┘$"
  [[ $output != *veth* ]] || fail "veth0 or veth1 still drawn: $output"
  pic "$bd" -U -q "${O5[@]}" down
}
