# helpers.bash - shared by every bats suite: load with `load helpers`.
# shellcheck shell=bash

NSLAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NSLAB_ROOT

bats_require_minimum_version 1.5.0

# bats-support and bats-assert, from Debian's packages.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# A test that cannot run here skips with the reason; under NSLAB_STRICT=1 (CI) a skip
# is a failure, so a missing privilege never passes for green.
nslab_skip() {
  if [ "${NSLAB_STRICT:-0}" = 1 ]; then
    fail "cannot run ($*), and NSLAB_STRICT=1 counts that as a failure"
  fi
  skip "$*"
}

# Every test here creates namespaces: it needs root.
require_root() {
  [ "$(id -u)" = 0 ] || nslab_skip "needs root: run sudo make test"
}

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
