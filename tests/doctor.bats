#!/usr/bin/env bats
# make doctor: each finding one line with what to do; exit 0 only when ready.

load helpers

DOCTOR="$NSLAB_ROOT/scripts/doctor.sh"

# As an ordinary user, what doctor says as root is checked in a user namespace of
# one's own (unshare_for_uid), where doctor is root; what it says to an ordinary user,
# as that user.

# Runs a command with an empty /run/nslab of its own (a tmpfs in a private mount
# namespace), so that labs other test runs have up at the same time are not findings.
without_other_labs() { # COMMAND [ARGS...]
  # bash, not sh: it keeps the functions a test exports (as_nobody)
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare_for_uid --mount bash -c '[ ! -d /run/nslab ] || mount -t tmpfs nslab-doc /run/nslab; "$@"' bash "$@"
}

# A test that leaves a lab behind on purpose sets LAB_DOWN to the stage and options
# that remove it: however the test ends, the lab goes.
teardown() {
  [ -z "${LAB_DOWN+set}" ] || "${LAB_DOWN[@]}" -q down >/dev/null 2>&1 || true
}

# Sets AS to what runs a command as someone without privilege, from inside
# without_other_labs (or another namespace of the test's, where an ordinary user is
# root, mapped): as root, the real nobody; as an ordinary user, that user again,
# through a second user namespace that maps its uid back, so that id -u is theirs and
# no capability over anything of the machine's is left.
as_student() {
  if is_root; then
    export -f as_nobody
    AS=(as_nobody)
  else
    AS=(unshare --user --map-user="$(id -u)" --map-group="$(id -g)")
  fi
}

# A per-user directory of the test's own ($XDG_RUNTIME_DIR/nslab, which the stages
# and doctor both read): the rootless labs of other runs are not findings.
private_user_dir() {
  export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
  mkdir -m 700 "$XDG_RUNTIME_DIR"
}

# AS for a doctor that must find the whole checkout (its probe, build/doctor-probe):
# uid 65534 of a user namespace of one's own as root (the real nobody may not enter a
# checkout in /root), the user again as an ordinary user (as_student).
as_student_in_tree() {
  if is_root; then
    AS=(unshare --user --map-user=65534 --map-group=65534)
  else
    as_student
  fi
}

# Who the rootless probe runs as when doctor runs as the student (as_student): doctor
# names the real nobody, or the user (a uid with no name: the number).
probe_who() {
  local who=nobody
  is_root || who=$(id -un 2>/dev/null) || who=$(id -u)
  echo "$who"
}

# Doctor as whoever runs the tests, able to look into their own rootless labs: as
# root, with an empty /run/nslab of its own (without_other_labs); as an ordinary user,
# as that user, in the machine's user namespace, as a person runs it: from any other
# (without_other_labs makes one) /proc/PID/root of the user's keepers is out of reach,
# since a user namespace only sees into those it owns.  The root-mode labs other runs
# may have up in the machine's /run/nslab are notes for an ordinary user, not problems.
doctor_as_self() {
  if is_root; then
    without_other_labs "$DOCTOR"
  else
    "$DOCTOR"
  fi
}

@test "on this machine, as root, with the packages installed: ready, exit 0" {
  require_root "doctor as the machine's root probes as the real nobody"
  run without_other_labs "$DOCTOR" bats iproute2
  assert_success
  assert_output "doctor: rootless labs work here: as nobody, unshare --user --map-root-user --net made a user and a network namespace, and a veth pair in them
doctor: ready: every stage can run here"
}

@test "on this machine, as an ordinary user, with the packages installed: ready for the rootless course, exit 0" {
  # an empty per-user directory: no rootless lab of this user's is up
  private_user_dir
  as_student_in_tree
  run without_other_labs "${AS[@]}" "$DOCTOR" bats iproute2
  assert_success
  assert_output "doctor: rootless labs work here: as $(probe_who), unshare --user --map-root-user --net made a user and a network namespace, and a veth pair in them
doctor: not root: make run-NN runs every stage rootless (-U: in a user namespace of your own, where the labs of stages 04 and 05 get a /run/netns of their own); what only root adds is the root mode, whose labs are in the machine's /run/netns (sudo make run-NN)
doctor: ready: every stage can run here"
}

@test "not root where rootless labs are blocked: the setting, and the privilege with what to do, exit 1" {
  # The AppArmor restriction as doctor reads it: a private tmpfs over /proc/sys/kernel
  # (the machine's settings never change), then doctor as someone without privilege.
  # Not root and rootless blocked: nothing runs without sudo, or the setting fixed.
  as_student
  # shellcheck disable=SC2016 # expanded by the inner bash
  run unshare_for_uid --mount bash -c 'mount -t tmpfs nslab-doc /proc/sys/kernel &&
    echo 1 >/proc/sys/kernel/apparmor_restrict_unprivileged_userns &&
    { [ ! -d /run/nslab ] || mount -t tmpfs nslab-doc /run/nslab; } && "$@"' bash "${AS[@]}" "$DOCTOR"
  assert_failure 1
  assert_line "doctor: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): every rootless step fails with EPERM (whoever administers this machine runs, once, in this checkout: sudo make allow-userns)"
  assert_line "doctor: not root: the stages create PID, mount, IPC and network namespaces, which need CAP_SYS_ADMIN (run them with sudo, e.g. sudo make run-01, or sudo make doctor): their rootless mode (-U) cannot work here until what is named above is fixed"
  refute_line --partial "doctor: not root: make run-NN runs every stage rootless"
  assert_line "doctor: 2 problem(s) to fix first"
}

@test "a root-mode lab seen by an ordinary user: a note of what root removes, not a problem" {
  local h
  h=$(unique_name dcr)
  as_student
  # a state file as stage 04 writes it, in an empty /run/nslab of the test's own; doctor
  # only reads it
  # shellcheck disable=SC2016 # expanded by the inner bash
  run unshare_for_uid --mount bash -c 'mkdir -p /run/nslab && mount -t tmpfs -o mode=0755 nslab-doc /run/nslab &&
    printf "owner 04-netns-veth\n" >"/run/nslab/$0.state" && chmod 644 "/run/nslab/$0.state" && "$@"' \
    "$h" "${AS[@]}" "$DOCTOR"
  assert_success
  assert_line "doctor: lab $h of the root mode is up, or a root up was killed halfway (/run/nslab/$h.state): it does not touch your rootless labs; root removes it with: sudo 04-netns-veth/netns-veth --host-ns $h down"
  assert_line "doctor: ready: every stage can run here"
}

@test "user namespaces switched off: the setting is named, with the command that fixes it" {
  # max_user_namespaces belongs to each user namespace: set to 0 in a throwaway one,
  # the machine's setting never changes.
  run unshare --user --map-root-user sh -c "echo 0 >/proc/sys/user/max_user_namespaces && '$DOCTOR'"
  assert_failure 1
  assert_line "doctor: user namespaces are switched off (user.max_user_namespaces = 0): the rootless mode of stages 01-03 cannot work (enable with: sudo sysctl -w user.max_user_namespaces=15000)"
}

@test "not root, where user namespaces work: the rootless probe says so, as that user" {
  local who=nobody
  is_root || who=$(id -un 2>/dev/null) || who=$(id -u)
  run as_unprivileged "$DOCTOR"
  assert_line "doctor: rootless labs work here: as $who, unshare --user --map-root-user --net made a user and a network namespace, and a veth pair in them"
}

@test "rootless labs failing with no setting to blame: the probe's own error is named" {
  # A real failure: user namespaces nest 33 deep at most, so in the deepest one the
  # probe's unshare --user is refused by the kernel, whatever the settings say.
  local cmd=("$DOCTOR")
  # (an ordinary user's without_other_labs takes one level for itself)
  local depth=33
  is_root || depth=32
  for _ in $(seq "$depth"); do cmd=(unshare --user --map-root-user "${cmd[@]}"); done
  run without_other_labs "${cmd[@]}"
  assert_failure 1
  assert_line --regexp "^doctor: rootless labs do not work here: as root, unshare --user --map-root-user --net ip link add type veth failed: unshare: unshare failed: (No space left on device|Too many users)$"
  assert_line "doctor: 1 problem(s) to fix first"
}

# Runs doctor with kernel settings of the test's choosing: a private tmpfs over
# /proc/sys/kernel in a mount namespace of its own holds only the files given (NAME=VALUE).
# The machine's settings never change; this kernel has neither file to change anyway.
doctor_with_kernel_settings() { # NAME=VALUE... -- [SHELL-COMMAND-BEFORE-DOCTOR]
  local setup="mount -t tmpfs nslab-doc /proc/sys/kernel"
  [ ! -d /run/nslab ] || setup="$setup && mount -t tmpfs nslab-doc /run/nslab"
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    setup="$setup && echo ${1#*=} >/proc/sys/kernel/${1%%=*}"
    shift
  done
  [ "${1:-}" != -- ] || shift
  unshare_for_uid --mount sh -c "$setup ${1:+&& $1} && '$DOCTOR'"
}

@test "Ubuntu's AppArmor restriction: the setting is named, with sudo make allow-userns" {
  run doctor_with_kernel_settings apparmor_restrict_unprivileged_userns=1
  assert_failure 1
  assert_line "doctor: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): every rootless step fails with EPERM (whoever administers this machine runs, once, in this checkout: sudo make allow-userns)"
}

@test "Ubuntu's AppArmor restriction with the course's profile installed for this checkout: fine" {
  [ -d /etc/apparmor.d ] || nslab_skip "needs /etc/apparmor.d: Debian's apparmor package (make deps)"
  local gen="$NSLAB_ROOT/scripts/apparmor/allow-userns.sh" profile="$BATS_TEST_TMPDIR/nslab-userns"
  local root file
  root=$(cd "$NSLAB_ROOT" && pwd -P)
  file=$("$gen" file "$root")
  "$gen" profile "$root" >"$profile"
  # the profile where make allow-userns installs it, in a private /etc/apparmor.d
  run doctor_with_kernel_settings apparmor_restrict_unprivileged_userns=1 -- \
    "mount -t tmpfs nslab-doc /etc/apparmor.d && cp '$profile' '$file'"
  assert_success
  assert_line "doctor: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1), and $file lets this checkout's programs have them: fine (other programs, unshare among them, stay restricted)"
  assert_line "doctor: ready: every stage can run here"
  # only this checkout's own profile counts: another checkout's, even in this
  # checkout's file, does not
  "$gen" profile /opt/another-nslab >"$profile"
  run doctor_with_kernel_settings apparmor_restrict_unprivileged_userns=1 -- \
    "mount -t tmpfs nslab-doc /etc/apparmor.d && cp '$profile' '$file'"
  assert_failure 1
  assert_line --partial "every rootless step fails with EPERM (whoever administers this machine runs, once, in this checkout: sudo make allow-userns)"
}

@test "Debian's older kernel.unprivileged_userns_clone = 0: the setting is named, with its fix" {
  run doctor_with_kernel_settings unprivileged_userns_clone=0
  assert_failure 1
  assert_line "doctor: unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0): the rootless mode of stages 01-03 fails (enable with: sudo sysctl -w kernel.unprivileged_userns_clone=1)"
  # the settings that allow them say nothing
  run doctor_with_kernel_settings unprivileged_userns_clone=1 apparmor_restrict_unprivileged_userns=0
  refute_output --partial "kernel."
  assert_line --partial "doctor: rootless labs work here"
}

@test "a missing package is named with the command that installs it" {
  run "$DOCTOR" bats nslab-no-such-package
  assert_failure 1
  assert_line "doctor: missing Debian packages: nslab-no-such-package (install them with: sudo make deps)"
}

@test "a shared / is explained, and is not a problem" {
  run without_other_labs sh -c "mount --make-rshared / && '$DOCTOR'"
  assert_success
  assert_line --index 0 --partial "doctor: / is a shared mount (as systemd makes it): fine, every stage makes its mounts private before mounting"
  assert_line "doctor: ready: every stage can run here"
}

@test "a lab left by a killed up is named, with the down that removes it; after it, ready" {
  require_root "a lab in the machine's /run/nslab"
  local h n
  h=$(unique_name dch)
  n=$(unique_name dcn)
  # up kills itself (SIGKILL) after its third state write: half a lab is left
  LAB_DOWN=("$NSLAB_ROOT/04-netns-veth/netns-veth" --host-ns "$h")
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

@test "a rootless lab left by a killed up -U is named, with the down -U that removes it; after it, ready" {
  local h n dir pid
  h=$(unique_name dcu)
  n=$(unique_name dcv)
  private_user_dir
  dir=$(user_dir)
  # up -U kills itself (SIGKILL) after its third state write: its keeper holds half a lab
  LAB_DOWN=("$NSLAB_ROOT/04-netns-veth/netns-veth" -U --host-ns "$h")
  NSLAB_KILL_AFTER_SAVE=3 "$NSLAB_ROOT/04-netns-veth/netns-veth" -U -q --host-ns "$h" --ns "$n" up || true
  [ -f "$dir/$h.keeper" ]
  pid=$(cut -d' ' -f1 "$dir/$h.keeper")
  run doctor_as_self
  assert_failure 1
  assert_line "doctor: rootless lab $h is still up, or its up -U was killed halfway (its keeper, pid $pid, in $dir/$h.keeper): remove it with: 04-netns-veth/netns-veth -U --host-ns $h down"
  assert_line "doctor: 1 problem(s) to fix first"
  # from a user namespace of its own (doctor run in a container, say) the keeper's
  # files are out of reach: which stage made the lab is not known, both downs are named
  run unshare --user --map-root-user "$DOCTOR"
  assert_failure 1
  assert_line "doctor: rootless lab $h is still up, or its up -U was killed halfway (its keeper, pid $pid, in $dir/$h.keeper): remove it with the down -U of the stage that made it: 04-netns-veth/netns-veth -U --host-ns $h down, or 05-bridge-dhcp/bridge-dhcp -U --host-ns $h down"
  # the command it names does remove it
  run "$NSLAB_ROOT/04-netns-veth/netns-veth" -U -q --host-ns "$h" down
  assert_success
  [ ! -e "$dir/$h.keeper" ]
  run doctor_as_self
  assert_success
  refute_output --partial "$h"
  assert_line "doctor: ready: every stage can run here"
}

@test "a rootless lab whose keeper was killed: its record is named, nothing is left, still ready; the next down -U removes it" {
  local h dir pid
  h=$(unique_name dcw)
  private_user_dir
  dir=$(user_dir)
  LAB_DOWN=("$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp" -U --host-ns "$h")
  "$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp" -U -q --host-ns "$h" up
  pid=$(cut -d' ' -f1 "$dir/$h.keeper")
  # while its keeper lives, the lab is up: stage 05's, named with stage 05's down
  run doctor_as_self
  assert_failure 1
  assert_line "doctor: rootless lab $h is still up, or its up -U was killed halfway (its keeper, pid $pid, in $dir/$h.keeper): remove it with: 05-bridge-dhcp/bridge-dhcp -U --host-ns $h down"
  # the keeper killed: the kernel ends the lab with it, and only the record is left
  kill -KILL "$pid"
  for _ in $(seq 50); do
    [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null || echo gone)" != S ] && break
    sleep 0.1
  done
  [ -f "$dir/$h.keeper" ]
  run doctor_as_self
  assert_success
  assert_line "doctor: $dir/$h.keeper names a keeper that is gone (killed, or the machine restarted): nothing of rootless lab $h is left; the next up -U or down -U of $h removes the record"
  assert_line "doctor: ready: every stage can run here"
  run "$NSLAB_ROOT/05-bridge-dhcp/bridge-dhcp" -U -q --host-ns "$h" down
  assert_success
  [ ! -e "$dir/$h.keeper" ]
  run doctor_as_self
  assert_success
  refute_output --partial "$h"
}

@test "a per-user directory that is not the user's alone is named, as every rootless lab refuses it" {
  local dir
  private_user_dir
  dir=$(user_dir)
  mkdir -m 755 "$dir"
  run doctor_as_self
  assert_failure 1
  assert_line "doctor: $dir is not yours alone (owner uid $(id -u), mode 0755; it must be yours (uid $(id -u)), mode 0700): every rootless lab refuses it (remove it, or fix its owner and mode)"
  # as the stages do
  run "$NSLAB_ROOT/04-netns-veth/netns-veth" -U -q --host-ns "$(unique_name dcx)" up
  assert_failure
  assert_output --partial "$dir is not ours alone (owner uid $(id -u), mode 0755; it must be ours (uid $(id -u)), mode 0700)"
  # a file in its place
  rmdir "$dir"
  touch "$dir"
  run doctor_as_self
  assert_failure 1
  assert_line "doctor: $dir is not a directory of yours: every rootless lab refuses it (remove it)"
}

@test "a kernel without pidfd_open (refused by seccomp, as before 5.3): a problem, as root and as an ordinary user" {
  local line="doctor: this kernel has no pidfd_open (Linux 5.3; it says: Function not implemented): stages 04 and 05 cannot stop the lab's processes safely (a pidfd is what makes sure the process signalled is the one they started), nor hold a rootless lab's keeper; use a newer kernel (Debian 12 has 6.1)"
  private_user_dir
  as_student_in_tree
  export NSLAB_DOCTOR_WITHOUT=pidfd_open
  run without_other_labs "${AS[@]}" "$DOCTOR" bats iproute2
  assert_failure 1
  assert_line "$line"
  refute_line --partial "doctor: not root: make run-NN runs every stage rootless"
  # root (of the machine, or of a user namespace of one's own)
  run without_other_labs "$DOCTOR" bats iproute2
  assert_failure 1
  assert_line "$line"
}

@test "no XDG_RUNTIME_DIR: an ordinary user is told that a rootless lab outlives the logout, and how to end it" {
  as_student_in_tree
  run without_other_labs "${AS[@]}" env -u XDG_RUNTIME_DIR "$DOCTOR" bats iproute2
  assert_success
  assert_line "doctor: no XDG_RUNTIME_DIR (no login session that logind manages): your rootless labs are recorded in /tmp/nslab-$STUDENT_UID, which no logout removes, and stay up until their down (make run-04 ARGS=down, make run-05 ARGS=down); doctor names those that are up, and rm -r /tmp/nslab-$STUDENT_UID ends them all"
  # with one, nothing to say: the labs end with the session (the test above)
  private_user_dir
  run without_other_labs "${AS[@]}" "$DOCTOR" bats iproute2
  refute_line --partial "XDG_RUNTIME_DIR"
}
