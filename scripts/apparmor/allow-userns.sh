#!/usr/bin/env bash
# allow-userns.sh - the course's answer to Ubuntu's restriction of unprivileged user
# namespaces (23.10 and later: kernel.apparmor_restrict_unprivileged_userns = 1): an
# unconfined program still gets a user namespace, but no capabilities in it, so every
# rootless step fails with EPERM.  Ubuntu lifts it per program with an AppArmor profile
# that grants "userns"; nslab-userns.in beside this script is that profile for the five
# stage programs, with @ROOT@ for the checkout's path, which only this machine knows.
#
# Usage: allow-userns.sh profile ROOT   print the profile for the checkout at ROOT
#        allow-userns.sh file ROOT      print where install puts it
#        allow-userns.sh install        what `sudo make allow-userns` runs, once, as root
#                                       in each checkout: check, install, load
set -u
here=$(cd "$(dirname "$0")" && pwd)

fail() {
  echo "allow-userns: $*" >&2
  exit 1
}

# AppArmor reads a profile's path as a pattern: * ? [ ] { } ^ glob, @{...} names a
# variable, \ escapes and " ends it.  A checkout whose path holds one would grant the
# permission to other files, or none: it is refused rather than escaped.
print_profile() { # ROOT
  local root=$1 line id
  case "$root" in
    /*) ;;
    *) fail "the checkout's path must be absolute: $root" ;;
  esac
  case "$root" in
    *[][*?{}^\"\\@]* | *[[:cntrl:]]*)
      fail "the checkout's path $root holds a character AppArmor reads as a pattern ([ ] * ? { } ^ \" \\ @ or a control character): move the checkout to a plain path such as /opt/nslab" ;;
  esac
  id=$(checkout_id "$root")
  while IFS= read -r line; do
    line=${line//@ID@/$id}
    # the replacement quoted: bash 5.2 would read an unquoted & in it as the match
    printf '%s\n' "${line//@ROOT@/"$root"}"
  done <"$here/nslab-userns.in"
}

# Eight hex digits of the path's SHA-256: names the checkout's file and profiles.
checkout_id() { # ROOT
  printf '%s' "$1" | sha256sum | cut -c1-8
}

install_profile() {
  local root tmp dest
  root=$(cd "$here/../.." && pwd -P)
  dest=/etc/apparmor.d/nslab-userns-$(checkout_id "$root")
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
    fail "AppArmor is not enabled in this kernel (/sys/module/apparmor/parameters/enabled is not Y): it restricts no user namespace here, nothing to allow"
  [ "$(id -u)" = 0 ] ||
    fail "installing an AppArmor profile needs root: whoever administers this machine runs, once: sudo make allow-userns"
  command -v apparmor_parser >/dev/null ||
    fail "apparmor_parser is missing: install Debian's apparmor package first (sudo make deps)"
  # Generated outside build/: a root-owned build/ would stop the checkout's owner
  # from building afterwards.
  tmp=$(mktemp /tmp/nslab-userns.XXXXXX) || fail "mktemp failed"
  # a subshell: a refused path exits it, and the temporary file is still removed
  (print_profile "$root") >"$tmp" || {
    rm -f "$tmp"
    exit 1
  }
  # Parsed before it is installed, so a parser too old for the userns rule (AppArmor
  # 4.0 brought it) leaves nothing behind that the next boot would trip over.
  if ! apparmor_parser -Q -K "$tmp" >/dev/null; then
    rm -f "$tmp"
    fail "apparmor_parser rejected the profile (above): the userns rule needs AppArmor 4.0 or later, as on Ubuntu 23.10 and later"
  fi
  install -m 644 "$tmp" "$dest" || {
    rm -f "$tmp"
    fail "install -m 644 $dest failed"
  }
  rm -f "$tmp"
  if ! apparmor_parser -r "$dest"; then
    rm -f "$dest"
    fail "apparmor_parser -r $dest failed (above): the profile was removed again"
  fi
  echo "allow-userns: $dest is loaded and installed: the five programs under $root may create user namespaces"
}

case "${1:-}" in
  profile) [ $# = 2 ] || fail "usage: allow-userns.sh profile ROOT"; print_profile "$2" ;;
  file) [ $# = 2 ] || fail "usage: allow-userns.sh file ROOT"; echo "/etc/apparmor.d/nslab-userns-$(checkout_id "$2")" ;;
  install) install_profile ;;
  *) fail "usage: allow-userns.sh profile ROOT | file ROOT | install" ;;
esac
