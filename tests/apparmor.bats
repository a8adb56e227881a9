#!/usr/bin/env bats
# scripts/apparmor: the profile that lifts Ubuntu's restriction of unprivileged user
# namespaces for the course's programs, and `make allow-userns`, which installs it.
# Nothing here loads a profile into a kernel or installs one: the parser runs with
# -Q (--skip-kernel-load) and -K (--skip-cache), and allow-userns is only run where it
# refuses.

load helpers

GEN="$NSLAB_ROOT/scripts/apparmor/allow-userns.sh"

setup() {
  profile="$BATS_TEST_TMPDIR/nslab-userns"
}

# Debian's apparmor package puts the parser in /sbin, which an ordinary user's PATH
# may lack.
parser() {
  local p
  for p in "$(command -v apparmor_parser)" /usr/sbin/apparmor_parser /sbin/apparmor_parser; do
    [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# Parses a profile without loading it.  AppArmor 4.0 brought the userns rule and
# abi/4.0; an older parser (Debian 12 has 3.0.8) knows neither, so it is given the
# profile with those two adapted and checks all the rest: profile names, quoted
# paths, flags, includes and braces.
parse() { # FILE
  local p major
  p=$(parser) || nslab_skip "needs apparmor_parser: Debian's apparmor package (make deps)"
  major=$("$p" --version | sed -n 's/^AppArmor parser version \([0-9]*\)\..*/\1/p')
  if [ "${major:-0}" -ge 4 ]; then
    "$p" -Q -K "$1"
  else
    sed -e 's|<abi/4.0>|<abi/3.0>|' -e '/^[[:space:]]*userns,$/d' "$1" >"$1.v3"
    "$p" -Q -K "$1.v3"
  fi
}

@test "the profile grants userns to each stage program, by this checkout's real path" {
  local root dir name id count=0
  root=$(cd "$NSLAB_ROOT" && pwd -P)
  run "$GEN" profile "$root"
  assert_success
  assert_line --index 0 --partial "# nslab-userns - AppArmor profile"
  assert_line "abi <abi/4.0>,"
  assert_line "include <tunables/global>"
  id=$(printf '%s' "$root" | sha256sum | cut -c1-8)
  for dir in "$NSLAB_ROOT"/[0-9][0-9]-*/; do
    dir=$(basename "$dir")
    name=${dir#[0-9][0-9]-}
    assert_line "profile nslab-$id-$name \"$root/$dir/$name\" flags=(unconfined) {"
    assert_line "  include if exists <local/nslab-$name>"
    count=$((count + 1))
  done
  [ "$count" = 5 ]
  # one userns rule per program, and no placeholder left
  [ "$(grep -c '^  userns,$' <<<"$output")" = "$count" ]
  refute_output --partial "@ROOT@"
  refute_output --partial "@ID@"
  # where it is installed: a file of this checkout's own
  run "$GEN" file "$root"
  assert_output "/etc/apparmor.d/nslab-userns-$id"
}

@test "two checkouts get profiles and files of their own" {
  run "$GEN" file /home/ada/nslab
  local a=$output
  run "$GEN" file /home/bob/nslab
  [ "$a" != "$output" ]
  # no profile name in common: loading one checkout's never replaces the other's
  run comm -12 <("$GEN" profile /home/ada/nslab | grep -o '^profile [^ ]*' | sort) \
    <("$GEN" profile /home/bob/nslab | grep -o '^profile [^ ]*' | sort)
  assert_success
  assert_output ""
}

@test "make builds the same profile into build/ for an administrator to read first" {
  local root
  root=$(cd "$NSLAB_ROOT" && pwd -P)
  # BUILD elsewhere: an ordinary user may have a checkout it cannot write
  run make -s -C "$NSLAB_ROOT" BUILD="$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/b/apparmor/nslab-userns"
  assert_success
  "$GEN" profile "$root" | cmp - "$BATS_TEST_TMPDIR/b/apparmor/nslab-userns"
}

@test "apparmor_parser accepts the profile, without loading it" {
  "$GEN" profile "$(cd "$NSLAB_ROOT" && pwd -P)" >"$profile"
  run parse "$profile"
  assert_success
  # a checkout in a path with spaces (and an &, which bash could misread) parses too
  "$GEN" profile "/opt/course files & labs/nslab" >"$profile"
  run parse "$profile"
  assert_success
  run grep -c '"/opt/course files & labs/nslab/0[1-5]-' "$profile"
  assert_output 5
}

@test "a broken profile fails the parse: the check can fail" {
  "$GEN" profile "$(cd "$NSLAB_ROOT" && pwd -P)" >"$profile"
  # the last profile loses its closing brace
  sed -i '$d' "$profile"
  run parse "$profile"
  assert_failure
  assert_output --partial "AppArmor parser error"
}

@test "a checkout path AppArmor would read as a pattern is refused in one line" {
  run "$GEN" profile "/opt/nslab*"
  assert_failure 1
  assert_output "allow-userns: the checkout's path /opt/nslab* holds a character AppArmor reads as a pattern ([ ] * ? { } ^ \" \\ @ or a control character): move the checkout to a plain path such as /opt/nslab"
  run "$GEN" profile "relative/nslab"
  assert_failure 1
  assert_output "allow-userns: the checkout's path must be absolute: relative/nslab"
}

@test "make allow-userns without AppArmor: one line, nothing installed" {
  local before
  before=$(ls -l /etc/apparmor.d/ 2>&1 || true)
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
    run make -s -C "$NSLAB_ROOT" allow-userns
  else
    # AppArmor is on here (as root, the real script would install and load the
    # profile): switched off as the script sees it, by a private /sys/module without
    # it, in a mount namespace of the test's own; the machine's is untouched
    run unshare_for_uid --mount sh -c "mount -t tmpfs nslab-aa /sys/module && make -s -C '$NSLAB_ROOT' allow-userns"
  fi
  assert_failure
  assert_line --index 0 "allow-userns: AppArmor is not enabled in this kernel (/sys/module/apparmor/parameters/enabled is not Y): it restricts no user namespace here, nothing to allow"
  [ "$(ls -l /etc/apparmor.d/ 2>&1 || true)" = "$before" ]
}

@test "make allow-userns as an ordinary user where AppArmor is on: one line naming sudo make allow-userns" {
  local dir as_user file
  dir=$(mktemp -d /tmp/nslab-aa.XXXXXX)
  chmod 755 "$dir"
  file=$("$GEN" file "$(cd "$dir" && pwd -P)")
  cp "$NSLAB_ROOT/Makefile" "$dir/"
  mkdir -p "$dir/scripts"
  cp -r "$NSLAB_ROOT/scripts/apparmor" "$dir/scripts/"
  # AppArmor switched on as the script sees it: a private /sys/module in a mount
  # namespace of the test's own (an ordinary user's in a user namespace of its own);
  # the machine's is untouched.  Then make runs as an ordinary user: as root, the real
  # nobody; as an ordinary user, that user again, through a second user namespace that
  # maps its uid back (id -u is theirs, and no capability over anything of the
  # machine's is left).  Either way nothing can be installed, whatever the script does.
  if is_root; then
    as_user="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
  else
    as_user="unshare --user --map-user=$(id -u) --map-group=$(id -g)"
  fi
  run unshare_for_uid --mount sh -c "mount -t tmpfs nslab-aa /sys/module &&
    mkdir -p /sys/module/apparmor/parameters &&
    echo Y >/sys/module/apparmor/parameters/enabled &&
    $as_user make -s -C '$dir' allow-userns"
  rm -rf "$dir"
  assert_failure
  assert_line --index 0 "allow-userns: installing an AppArmor profile needs root: whoever administers this machine runs, once: sudo make allow-userns"
  # and nothing was installed
  [ ! -e "$file" ]
}

@test "a stage refused a user namespace under the AppArmor restriction names sudo make allow-userns" {
  local prog cmd
  # The restriction as the stages read it: the setting's file in a private tmpfs over
  # /proc/sys/kernel, in a user and mount namespace of the test's own (so it runs for
  # an ordinary user too).  The refusal itself is real: 33 user namespaces deep, the
  # kernel refuses one more (on Ubuntu the refusal would be EPERM; the hint is the same).
  for prog in 01-pid-ns/pid-ns 02-ipc-mount-ns/ipc-mount-ns 03-user-drop/user-drop; do
    cmd=("$NSLAB_ROOT/$prog" -U -q -- true)
    for _ in $(seq 32); do cmd=(unshare --user --map-root-user "${cmd[@]}"); done
    # shellcheck disable=SC2016 # expanded by the inner bash
    run unshare --user --map-root-user --mount bash -c 'mount -t tmpfs nslab-aa /proc/sys/kernel &&
      echo 1 >/proc/sys/kernel/apparmor_restrict_unprivileged_userns && "$@"' bash "${cmd[@]}"
    assert_failure 1
    assert_output --regexp "^${prog%%/*}: clone\(CLONE_NEWUSER.*\(AppArmor restricts unprivileged user namespaces here: sysctl kernel.apparmor_restrict_unprivileged_userns is 1; an administrator lets the course's programs have them, once: sudo make allow-userns\)$"
  done
}
