#!/usr/bin/env bats
# make doctor: each finding one line with what to do; exit 0 only when ready.

load helpers

DOCTOR="$NSLAB_ROOT/scripts/doctor.sh"

setup() {
  require_root
}

@test "on this machine, as root, with the packages installed: ready, exit 0" {
  run "$DOCTOR" bats iproute2
  assert_success
  assert_output "doctor: ready: every stage can run here"
}

@test "not root: one line naming the privilege and what to do, exit 1" {
  run as_nobody "$DOCTOR"
  assert_failure 1
  assert_line --index 0 --partial "doctor: not root: the stages create PID, mount, IPC and network namespaces, which need CAP_SYS_ADMIN (run them with sudo"
  assert_line "doctor: 1 problem(s) to fix first"
}

@test "user namespaces switched off: the setting is named, with the command that fixes it" {
  # max_user_namespaces belongs to each user namespace: set to 0 in a throwaway one,
  # the machine's setting never changes.
  run unshare --user --map-root-user sh -c "echo 0 >/proc/sys/user/max_user_namespaces && '$DOCTOR'"
  assert_failure 1
  assert_line "doctor: user namespaces are switched off (user.max_user_namespaces = 0): the rootless mode of stages 01-03 cannot work (enable with: sudo sysctl -w user.max_user_namespaces=15000)"
}

@test "a missing package is named with the command that installs it" {
  run "$DOCTOR" bats nslab-no-such-package
  assert_failure 1
  assert_line "doctor: missing Debian packages: nslab-no-such-package (install them with: sudo make deps)"
}

@test "a shared / is explained, and is not a problem" {
  run unshare --mount sh -c "mount --make-rshared / && '$DOCTOR'"
  assert_success
  assert_line --index 0 --partial "doctor: / is a shared mount (as systemd makes it): fine, every stage makes its mounts private before mounting"
  assert_line "doctor: ready: every stage can run here"
}

@test "a lab left by a killed up is named, with the down that removes it; after it, ready" {
  local h n
  h=$(unique_name dch)
  n=$(unique_name dcn)
  # up kills itself (SIGKILL) after its third state write: half a lab is left
  NSLAB_KILL_AFTER_SAVE=3 "$NSLAB_ROOT/04-netns-veth/netns-veth" -q --host-ns "$h" --ns "$n" up || true
  [ -e "/run/nslab/$h.state" ]
  run "$DOCTOR"
  assert_failure 1
  assert_line "doctor: lab $h is still up, or an up was killed halfway (/run/nslab/$h.state): remove it with: sudo 04-netns-veth/netns-veth --host-ns $h down"
  # the command it names does remove it
  run "$NSLAB_ROOT/04-netns-veth/netns-veth" -q --host-ns "$h" down
  assert_success
  run "$DOCTOR"
  assert_success
  run ip netns list
  refute_output --partial "$h"
  refute_output --partial "$n"
}
