#!/usr/bin/env bash
# doctor.sh - make doctor: says, before anything fails, why a stage would fail on this
# machine.  Each finding is one line: what is wrong, then what to do.  Exit 0 when the
# machine is ready for the course as whoever runs doctor takes it (root: every stage as
# root; an ordinary user: every stage rootless, with -U, as make run-NN runs them), 1
# when something must be fixed first.
# Usage: doctor.sh [[--optional] DEBIAN-PACKAGE...]   (the Makefile passes the packages
# running the course needs)
set -u
cd "$(dirname "$0")/.." || exit 1

blocking=0
notes=0
problem() { echo "doctor: $*"; blocking=$((blocking + 1)); }
note() { echo "doctor: $*"; notes=$((notes + 1)); }

# The kinds of namespace the course uses, as this kernel lists them.
for kind in pid:PID_NS mnt:NAMESPACES ipc:IPC_NS uts:UTS_NS user:USER_NS net:NET_NS; do
  [ -e "/proc/self/ns/${kind%%:*}" ] ||
    problem "this kernel has no ${kind%%:*} namespaces (/proc/self/ns/${kind%%:*} is missing): use a kernel built with CONFIG_${kind#*:}, as every distribution's is"
done

# Unprivileged user namespaces (the rootless mode, -U).  Each setting that forbids them
# gets one line naming it, with its fix.
rootless_blocked=0
max_userns=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo missing)
if [ "$max_userns" = 0 ]; then
  problem "user namespaces are switched off (user.max_user_namespaces = 0): the rootless mode of stages 01-03 cannot work (enable with: sudo sysctl -w user.max_user_namespaces=15000)"
  rootless_blocked=1
fi
# Ubuntu 23.10+: an ordinary program still gets a user namespace, but no capabilities in
# it, unless an AppArmor profile grants it "userns"; make allow-userns installs the
# course's, a file of this checkout's own that names its five programs by their paths.
aa_allowed=0
if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" = 1 ]; then
  aa_profile=$(scripts/apparmor/allow-userns.sh file "$(pwd -P)" 2>/dev/null)
  if [ -n "$aa_profile" ] && grep -qF "\"$(pwd -P)/01-pid-ns/pid-ns\"" "$aa_profile" 2>/dev/null; then
    note "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1), and $aa_profile lets this checkout's programs have them: fine (other programs, unshare among them, stay restricted)"
    aa_allowed=1
  else
    problem "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1): every rootless step fails with EPERM (whoever administers this machine runs, once, in this checkout: sudo make allow-userns)"
    rootless_blocked=1
  fi
fi
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null)" = 0 ]; then
  problem "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0): the rootless mode of stages 01-03 fails (enable with: sudo sysctl -w kernel.unprivileged_userns_clone=1)"
  rootless_blocked=1
fi

# A shared / is what systemd sets up; the course copes, the article's code does not.
if [ "$(findmnt -no PROPAGATION / 2>/dev/null)" = shared ]; then
  note "/ is a shared mount (as systemd makes it): fine, every stage makes its mounts private before mounting (chapter 1 shows what the article's code does here instead)"
fi

# veth pairs and bridges (stages 04 and 05).  The sure way is to make one, inside a
# throwaway network namespace (as an ordinary user, inside a user namespace too).
throwaway_net="unshare --net"
[ "$(id -u)" = 0 ] || throwaway_net="unshare --user --map-root-user --net"
if $throwaway_net true 2>/dev/null; then
  $throwaway_net ip link add nslabdoc0 type veth peer name nslabdoc1 2>/dev/null ||
    problem "this kernel cannot make veth pairs: stages 04 and 05 need them (load the module: sudo modprobe veth)"
  $throwaway_net ip link add nslabdoc0 type bridge 2>/dev/null ||
    problem "this kernel cannot make bridges: stage 05 needs one (load the module: sudo modprobe bridge)"
else
  note "could not make a throwaway network namespace to test veth and bridge support (run sudo make doctor to check them)"
fi

# Whether rootless labs work here, tried for real in a throwaway child: an ordinary
# user makes a user namespace with a network namespace in it, and a veth pair there, as
# a rootless lab does.  Run as root (of the machine), doctor tries it as nobody.
probe_as=()
probe_who=$(id -un 2>/dev/null) || probe_who=$(id -u) # a uid with no name: id -un prints it, and fails
if [ "$(id -u)" = 0 ] && [ "$(awk '{print $1, $2, $3}' /proc/self/uid_map)" = "0 0 4294967295" ]; then
  probe_as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
  probe_who=nobody
fi
rootless_ok=0
if [ "$aa_allowed" = 1 ]; then
  rootless_ok=1 # unshare is not one of the programs the profile names: it would be refused
elif probe_err=$("${probe_as[@]}" unshare --user --map-root-user --net \
  ip link add nslabdoc0 type veth peer name nslabdoc1 2>&1); then
  note "rootless labs work here: as $probe_who, unshare --user --map-root-user --net made a user and a network namespace, and a veth pair in them"
  [ "$rootless_blocked" = 1 ] || rootless_ok=1
elif [ "$rootless_blocked" = 0 ]; then
  problem "rootless labs do not work here: as $probe_who, unshare --user --map-root-user --net ip link add type veth failed: ${probe_err%%$'\n'*}"
fi

# Kernel features beyond the kinds of namespace, each tried for real: pidfd_open and
# SO_NETNS_COOKIE by a small probe (scripts/doctor-probe.c: no command-line tool
# shows them), overlayfs in a user namespace with unshare.  Without pidfd_open, stages
# 04 and 05 refuse to stop a process (common/proc.c), in either mode.  NSLAB_DOCTOR_WITHOUT=
# pidfd_open has the kernel refuse pidfd_open to the probe, as a kernel before 5.3
# does (tests/doctor.bats).
probe=build/doctor-probe
if [ -x "$probe" ]; then
  probe_out=$("$probe" ${NSLAB_DOCTOR_WITHOUT:+--without "$NSLAB_DOCTOR_WITHOUT"} 2>&1)
  case "$probe_out" in
    *"pidfd_open no: "*)
      why=${probe_out#*pidfd_open no: }
      why=${why%%$'\n'*}
      problem "this kernel has no pidfd_open (Linux 5.3; it says: $why): stages 04 and 05 cannot stop the lab's processes safely (a pidfd is what makes sure the process signalled is the one they started), nor hold a rootless lab's keeper; use a newer kernel (Debian 12 has 6.1)"
      rootless_ok=0
      ;;
  esac
  case "$probe_out" in
    *"SO_NETNS_COOKIE no: "*)
      note "this kernel has no SO_NETNS_COOKIE (Linux 5.14): a lab knows its network namespaces by inode alone, which a namespace made after one is gone may reuse; down still removes only what its lab made while that lab is up"
      ;;
  esac
else
  note "$probe is not built (make builds it): pidfd_open and SO_NETNS_COOKIE were not checked"
fi
# The real DHCP clients of stage 05 get an /etc of their own, an overlay on the
# machine's; without root that is an overlay mounted in a user namespace (5.11).
if ! overlay_err=$(unshare --user --map-root-user --mount sh -c '
  mount -t tmpfs nslab-doctor /mnt && mkdir /mnt/l /mnt/u /mnt/w /mnt/m &&
  mount -t overlay overlay -o lowerdir=/mnt/l,upperdir=/mnt/u,workdir=/mnt/w /mnt/m' 2>&1); then
  note "overlayfs in a user namespace is refused here (Linux 5.11; ${overlay_err%%$'\n'*}): with -U, stage 05's real DHCP clients (--dhcp-client dhclient or udhcpc) cannot have an /etc of their own; the course's own client works"
fi

# Privilege.  As root every stage makes its namespaces with CAP_SYS_ADMIN, and a
# network lab lives in the machine's /run/netns.  An ordinary user takes the course
# rootless: make run-NN adds -U, and each stage makes a user namespace first, which
# gives it CAP_SYS_ADMIN over the namespaces it makes in it.  Only when that is
# blocked (above) does an ordinary user need root.
rootless_user=0
if [ "$(id -u)" != 0 ]; then
  if [ "$rootless_ok" = 1 ]; then
    rootless_user=1
    note "not root: make run-NN runs every stage rootless (-U: in a user namespace of your own, where the labs of stages 04 and 05 get a /run/netns of their own); what only root adds is the root mode, whose labs are in the machine's /run/netns (sudo make run-NN)"
    # A rootless lab ends with the per-user directory its keeper is recorded in
    # (04-netns-veth/keeper.c): logind removes $XDG_RUNTIME_DIR at the last logout.
    # Without one, nothing removes /tmp/nslab-UID, and a lab stays until its down -U.
    case "${XDG_RUNTIME_DIR:-}" in
      /*) ;;
      *) note "no XDG_RUNTIME_DIR (no login session that logind manages): your rootless labs are recorded in /tmp/nslab-$(id -u), which no logout removes, and stay up until their down (make run-04 ARGS=down, make run-05 ARGS=down); doctor names those that are up, and rm -r /tmp/nslab-$(id -u) ends them all" ;;
    esac
  else
    problem "not root: the stages create PID, mount, IPC and network namespaces, which need CAP_SYS_ADMIN (run them with sudo, e.g. sudo make run-01, or sudo make doctor): their rootless mode (-U) cannot work here until what is named above is fixed"
  fi
fi

# Packages: those running the course needs, and the optional ones (--optional PKG:
# the article's DHCP clients), whose absence only skips what uses them.
missing="" missing_optional=""
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
while [ $# -gt 0 ]; do
  if [ "$1" = --optional ]; then
    installed "$2" || missing_optional="$missing_optional $2"
    shift 2
  else
    installed "$1" || missing="$missing $1"
    shift
  fi
done
[ -z "$missing" ] ||
  problem "missing Debian packages:$missing (install them with: sudo make deps)"
[ -z "$missing_optional" ] ||
  note "not installed:$missing_optional: chapter 5's comparison with the article's DHCP clients skips what needs them (sudo make deps installs them where the distribution has them)"

# What a killed run may have left: a lab's state file names the stage that made it (its
# "owner" line) and the lab (the file's name), which is all its down needs.
prog_of() { # STATE-FILE: the program whose down removes the lab, or nothing
  local owner
  owner=$(awk '$1 == "owner" {print $2; exit}' "$1" 2>/dev/null)
  case "$owner" in
    [0-9][0-9]-*) echo "$owner/${owner#[0-9][0-9]-}" ;;
  esac
}

# Root-mode labs, in the machine's /run/nslab.  They stand in root's way (the same
# names, the same addresses), not in a rootless user's, whose labs have a /run/netns
# of their own: for that user, one is a note of what root may want to remove.
for state in /run/nslab/*.state; do
  [ -e "$state" ] || continue
  lab=$(basename "$state" .state)
  prog=$(prog_of "$state")
  if [ -z "$prog" ]; then
    problem "$state is not a lab state file the course knows: look at it, and remove it if nothing uses it"
  elif [ "$rootless_user" = 1 ]; then
    note "lab $lab of the root mode is up, or a root up was killed halfway ($state): it does not touch your rootless labs; root removes it with: sudo $prog --host-ns $lab down"
  else
    problem "lab $lab is still up, or an up was killed halfway ($state): remove it with: sudo $prog --host-ns $lab down"
  fi
done

# Rootless labs, in the per-user directory where -U writes down each lab's keeper
# (common/userdir.c: $XDG_RUNTIME_DIR/nslab, else /tmp/nslab-UID), as "PID START-TIME".
# The keeper holds the lab's namespaces: while it lives the lab is up, and its state
# file is in the keeper's own /run/nslab, which /proc/PID/root shows us (the keeper is
# ours).  A record whose keeper is gone holds nothing; the next up or down removes it.
xdg=${XDG_RUNTIME_DIR:-}
if [ "$xdg" != "${xdg#/}" ]; then
  udir=$xdg/nslab
else
  udir=/tmp/nslab-$(id -u)
fi
if [ -L "$udir" ] || { [ -e "$udir" ] && [ ! -d "$udir" ]; }; then
  problem "$udir is not a directory of yours: every rootless lab refuses it (remove it)"
elif [ -d "$udir" ] && { [ "$(stat -c %u "$udir")" != "$(id -u)" ] || [ "$(($(stat -c 0%a "$udir") & 077))" != 0 ]; }; then
  problem "$udir is not yours alone (owner uid $(stat -c %u "$udir"), mode $(stat -c %04a "$udir"); it must be yours (uid $(id -u)), mode 0700): every rootless lab refuses it (remove it, or fix its owner and mode)"
else
  for rec in "$udir"/*.keeper; do
    [ -f "$rec" ] || continue
    lab=$(basename "$rec" .keeper)
    kpid="" kstart="" kstat=()
    read -r kpid kstart _ <"$rec" 2>/dev/null
    case "$kpid" in
      "" | *[!0-9]*) kpid=0 ;;
    esac
    # alive, and the same process: its name and its start time (after the name, which
    # may hold spaces, the 20th field of /proc/PID/stat; the first is its state)
    if [ "$kpid" -gt 1 ] && [ "$(cat "/proc/$kpid/comm" 2>/dev/null)" = nslab-keeper ]; then
      read -r -a kstat <<<"$(sed 's/.*) //' "/proc/$kpid/stat" 2>/dev/null)"
    fi
    if [ "${#kstat[@]}" -ge 20 ] && [ "${kstat[0]}" != Z ] && [ "${kstat[19]}" = "$kstart" ]; then
      # No state file yet (up killed before its first write): either stage's down ends
      # the keeper.  No /run/nslab to see: doctor runs in a user namespace that does
      # not own the keeper's, and /proc/PID/root is out of its reach.
      kstate=/proc/$kpid/root/run/nslab/$lab.state
      if [ -e "$kstate" ]; then
        prog=$(prog_of "$kstate")
      elif [ -d "${kstate%/*}" ]; then
        prog=04-netns-veth/netns-veth
      else
        prog=""
      fi
      if [ -n "$prog" ]; then
        problem "rootless lab $lab is still up, or its up -U was killed halfway (its keeper, pid $kpid, in $rec): remove it with: $prog -U --host-ns $lab down"
      else
        problem "rootless lab $lab is still up, or its up -U was killed halfway (its keeper, pid $kpid, in $rec): remove it with the down -U of the stage that made it: 04-netns-veth/netns-veth -U --host-ns $lab down, or 05-bridge-dhcp/bridge-dhcp -U --host-ns $lab down"
      fi
    else
      note "$rec names a keeper that is gone (killed, or the machine restarted): nothing of rootless lab $lab is left; the next up -U or down -U of $lab removes the record"
    fi
  done
fi

if [ "$blocking" = 0 ]; then
  echo "doctor: ready: every stage can run here"
  exit 0
fi
echo "doctor: $blocking problem(s) to fix first"
exit 1
