# helpers.bash - shared by every bats suite: load with `load helpers`.
# shellcheck shell=bash

NSLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NSLAB_ROOT

bats_require_minimum_version 1.5.0

# bats-support and bats-assert, from Debian's packages.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# A test that cannot run here skips with the reason; under NSLAB_STRICT=1 (CI) a skip
# is a failure, so a missing privilege never passes for green.  Under
# NSLAB_STRICT=user (CI's run as an ordinary user) only what needs the machine's root
# may skip: run-all.sh counts those, and fails when they are too many.
NSLAB_MACHINE_ROOT="needs the machine's root"
nslab_skip() {
  case "${NSLAB_STRICT:-0}" in
    1) fail "cannot run ($*), and NSLAB_STRICT=1 counts that as a failure" ;;
    user)
      [[ $* == "$NSLAB_MACHINE_ROOT"* ]] ||
        fail "cannot run ($*), and NSLAB_STRICT=user counts that as a failure"
      ;;
  esac
  skip "$*"
}

# What only the machine's root can do or show (the host's own /run/netns, another
# user, the real nobody): an ordinary user skips it, saying why.
require_root() { # [WHY]
  [ "$(id -u)" = 0 ] || nslab_skip "$NSLAB_MACHINE_ROOT${1:+ ($1)}: run sudo make test"
}

is_root() { [ "$(id -u)" = 0 ]; }

# As an ordinary user, the stages run in a user namespace of their own (-U): the
# kernel must allow it.
require_userns() {
  is_root || unshare --user --map-root-user true 2>/dev/null ||
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
}

# The mode of the stages chosen from the uid: as root, PROG itself; as an ordinary
# user, a wrapper in the test's directory that runs PROG with -U (exec: the same
# process, the same narration and messages).  Prints the path to run.
stage_for_uid() { # PROG
  if is_root; then
    printf '%s\n' "$1"
    return
  fi
  local w
  w="$BATS_FILE_TMPDIR/u-$(basename "$1")"
  [ -x "$w" ] || printf '#!/bin/sh\nexec %q -U "$@"\n' "$1" >"$w" && chmod 755 "$w"
  printf '%s\n' "$w"
}

# -U when the stages run rootless for this uid, as make run-NN chooses.
NSLAB_U=""
[ "$(id -u)" = 0 ] || NSLAB_U="-U"
export NSLAB_U

# A name unique to this test run, for namespaces and links: a leftover or a parallel
# run cannot collide with it.  Short, because interface names stop at 15 bytes.
unique_name() { # PREFIX
  printf '%s%x%x' "$1" "$$" "${BATS_TEST_NUMBER:-0}"
}

# Runs a program as the unprivileged user nobody, with no capabilities.  The program
# is copied to a directory of its own under /tmp, since nobody may not be able to
# reach the checkout.
as_nobody() { # PROGRAM [ARGS...]
  local prog=$1 dir rc=0
  shift
  dir=$(mktemp -d /tmp/nslab-nobody.XXXXXX)
  chmod 755 "$dir"
  cp "$prog" "$dir/"
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --reset-env \
    "$dir/$(basename "$prog")" "$@" || rc=$?
  rm -rf "$dir"
  return "$rc"
}

# PROG run by someone without privilege: as root, the real nobody (as_nobody); as an
# ordinary user, that user.  STUDENT_UID is that one's uid.
as_unprivileged() { # PROGRAM [ARGS...]
  if is_root; then as_nobody "$@"; else "$@"; fi
}
export STUDENT_UID=65534
[ "$(id -u)" = 0 ] || STUDENT_UID=$(id -u)

# unshare(1) as the machine's root does it; as an ordinary user, the same in a user
# namespace of one's own (root inside, mapped to the user).
unshare_for_uid() { # ARGS...
  if is_root; then unshare "$@"; else unshare --user --map-root-user "$@"; fi
}

# The per-user directory of rootless labs (common/userdir.c).
user_dir() {
  if [ "${XDG_RUNTIME_DIR:-}" = "${XDG_RUNTIME_DIR#/}" ]; then
    printf '/tmp/nslab-%s\n' "$(id -u)"
  else
    printf '%s/nslab\n' "$XDG_RUNTIME_DIR"
  fi
}

# CMD where the lab is: as root, here (the machine's /run/netns); as an ordinary user,
# in the lab's world: the user, mount, network and PID namespaces of the keeper of
# lab LAB_HOST (its --host-ns), joined as every -U command joins them.  nsenter, not
# the stage's `shell`: a half-made lab must be looked at too.  Its status is CMD's.
in_lab() { # CMD [ARGS...]
  if is_root; then
    "$@"
    return
  fi
  local pid
  pid=$(cut -d' ' -f1 "$(user_dir)/$LAB_HOST.keeper") || return 1
  # --preserve-credentials: we are root inside already (mapped), and setgroups is denied
  nsenter --target "$pid" --user --mount --net --pid --preserve-credentials --wdns="$PWD" "$@"
}

# The host's view of things a test must leave unchanged: its mounts (less the
# /run/netns entries other suites' namespaces add), links, addresses and routes.
host_snapshot() {
  {
    echo "## mountinfo"
    # mount IDs and the fields that identify a mount; the rest can change legitimately
    awk '$5 !~ /^\/run\/netns/ {print $1, $2, $5, $9}' /proc/self/mountinfo
    echo "## links"
    ip -o link show | sed -E 's/ +/ /g'
    echo "## addresses"
    ip -o addr show
    echo "## routes"
    ip route show table all
  }
}
