#!/usr/bin/env bash
# deps.sh - make deps (and deps-run, deps-test, deps-fuzz, deps-lint): the Debian
# packages one purpose needs.  Installed packages are passed over silently.  As root,
# the missing ones are installed with apt-get (no recommends); otherwise they are named
# with the one command whoever administers the machine runs, once, for every user.
#
#   deps.sh [--optional PKG]... PKG...
#
# An optional package (a real DHCP client, which chapter 5 compares with the course's
# own) that this distribution does not have, or that is not installed, is one line of
# note: what needs it skips and names it; the rest of the course runs.  A package that
# is needed and missing fails (exit 1).
set -u

need=() want=()
while [ $# -gt 0 ]; do
  case "$1" in
    --optional)
      want+=("$2")
      shift 2
      ;;
    *)
      need+=("$1")
      shift
      ;;
  esac
done

installed() {
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}
missing_need=() missing_want=()
for p in "${need[@]}"; do installed "$p" || missing_need+=("$p"); done
for p in "${want[@]}"; do installed "$p" || missing_want+=("$p"); done
[ $((${#missing_need[@]} + ${#missing_want[@]})) -gt 0 ] || exit 0

if [ "$(id -u)" != 0 ]; then
  [ ${#missing_want[@]} -eq 0 ] ||
    echo "make deps: not installed, and only what needs them skips: ${missing_want[*]} (sudo make deps installs them)" >&2
  [ ${#missing_need[@]} -gt 0 ] || exit 0
  echo "make deps: missing Debian packages: ${missing_need[*]}" >&2
  echo "make deps: whoever administers this machine installs them, once: sudo make deps" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || echo "make deps: apt-get update failed: installing from the lists this machine has" >&2
# A name this distribution has no package for would make apt-get refuse them all:
# asked of apt-cache first ("Candidate: (none)", or no such package at all).
candidate() {
  local c
  c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  [ -n "$c" ] && [ "$c" != "(none)" ]
}
install=() absent_need=() absent_want=()
for p in "${missing_need[@]}"; do
  if candidate "$p"; then install+=("$p"); else absent_need+=("$p"); fi
done
for p in "${missing_want[@]}"; do
  if candidate "$p"; then install+=("$p"); else absent_want+=("$p"); fi
done
[ ${#absent_want[@]} -eq 0 ] ||
  echo "make deps: this distribution has no package ${absent_want[*]}: only what needs it skips, naming it" >&2
[ ${#absent_need[@]} -eq 0 ] || {
  echo "make deps: this distribution has no package ${absent_need[*]}, which the course needs" >&2
  exit 1
}
[ ${#install[@]} -gt 0 ] || exit 0
echo "make deps: installing ${install[*]}"
apt-get install -y -q --no-install-recommends "${install[@]}" >/dev/null || {
  echo "make deps: apt-get install failed for: ${install[*]}" >&2
  exit 1
}
