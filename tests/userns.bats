#!/usr/bin/env bats
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the shells inside
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# Stages 01-03 without root: -U adds a user namespace, run here as the real
# unprivileged user nobody (setpriv from the root test run, no capabilities); run by
# an ordinary user, as that user (as_unprivileged, STUDENT_UID).

load helpers

PIDNS="$NSLAB_ROOT/01-pid-ns/pid-ns"
IPCNS="$NSLAB_ROOT/02-ipc-mount-ns/ipc-mount-ns"
DROP="$NSLAB_ROOT/03-user-drop/user-drop"

setup() {
  require_userns
  # the kernel must allow unprivileged user namespaces for these to mean anything
  local max
  max=$(cat /proc/sys/user/max_user_namespaces)
  [ "$max" -gt 0 ] || nslab_skip "user.max_user_namespaces is 0 on this machine"
}

@test "01 -U as nobody: PID 1, and root inside" {
  run --separate-stderr as_unprivileged "$PIDNS" -U -q -- sh -c 'id -u; ps -eo pid,user,comm'
  assert_success
  assert_line --index 0 0
  assert_line --index 2 --regexp '^ +1 root +sh$'
  assert_equal "${#lines[@]}" 4
}

@test "01 -U: the maps say root inside is nobody outside, and setgroups is denied" {
  run --separate-stderr as_unprivileged "$PIDNS" -U -q -- cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups
  assert_success
  assert_line --index 0 --regexp "^ +0 +$STUDENT_UID +1\$"
  assert_line --index 1 --regexp "^ +0 +$STUDENT_UID +1\$"
  assert_line --index 2 deny
}

@test "01 -U: the maps are written by the parent, setgroups before gid_map, before the child runs" {
  run --separate-stderr as_unprivileged "$PIDNS" -U -- true
  assert_success
  mapfile -t nar <<<"$stderr"
  [[ ${nar[1]} =~ clone\(CLONE_NEWUSER\|CLONE_NEWPID\|CLONE_NEWNS\|SIGCHLD\)\ +~\ unshare\ --user\ --pid\ --mount\ --fork$ ]]
  [[ ${nar[2]} =~ ^\[pid-ns\]\ write\ \"deny\"\ to\ /proc/[0-9]+/setgroups\ +~\ echo\ \'deny\'\ \>\ /proc/[0-9]+/setgroups$ ]]
  [[ ${nar[3]} =~ ^\[pid-ns\]\ write\ \"0\ $STUDENT_UID\ 1\"\ to\ /proc/[0-9]+/uid_map ]]
  [[ ${nar[4]} =~ ^\[pid-ns\]\ write\ \"0\ $STUDENT_UID\ 1\"\ to\ /proc/[0-9]+/gid_map ]]
  [[ ${nar[6]} =~ ^\[pid-ns\ child\] ]]
}

@test "the overflow ID: files of the real root show as 65534 inside" {
  run stat -c %u /etc/passwd
  assert_output 0
  run --separate-stderr as_unprivileged "$PIDNS" -U -q -- stat -c '%u %g' /etc/passwd
  assert_success
  assert_output '65534 65534'
  # the kernel's overflow IDs are what it shows
  assert_equal "$(cat /proc/sys/kernel/overflowuid)" 65534
}

@test "01 -U run by root: root inside is root outside, and the host is untouched" {
  require_root "-U run by root"
  local before after
  before=$(host_snapshot)
  run --separate-stderr "$PIDNS" -U -q -- sh -c 'cat /proc/self/uid_map; ps -e | wc -l'
  after=$(host_snapshot)
  assert_success
  assert_line --index 0 --regexp '^ +0 +0 +1$'
  assert_line --index 1 4 # header, sh, ps, wc
  assert_equal "$after" "$before"
}

@test "02 -U as nobody: its own host name, tmpfs and IPC namespace" {
  run --separate-stderr as_unprivileged "$IPCNS" -U -q -n rootless -- \
    sh -c 'hostname; findmnt -n -o FSTYPE /mnt; ipcmk -Q >/dev/null && ipcs -q | awk "\$2 ~ /^[0-9]+\$/" | wc -l'
  assert_success
  assert_output $'rootless\ntmpfs\n1'
  refute [ "$(hostname)" = rootless ]
}

@test "03 -U as nobody: the drop runs, no capabilities after exec, and no way back" {
  run --separate-stderr as_unprivileged "$DROP" -U -q -u 1000 -g 1000 -- \
    sh -c 'id -u; id -g; grep ^CapEff: /proc/self/status; cat /proc/self/uid_map'
  assert_success
  assert_line --index 0 1000
  assert_line --index 1 1000
  assert_line --index 2 --regexp '^CapEff:[[:space:]]+0000000000000000$'
  assert_line --index 3 --regexp "^ +1000 +$STUDENT_UID +1\$"
  # 0 is not mapped: setuid(0) is not even a valid request here
  run -127 --separate-stderr as_unprivileged "$DROP" -U -q -- setpriv --reuid=0 true
  assert_equal "$stderr" "setpriv: setresuid failed: Invalid argument"
}

@test "03 -U narrates why setgroups is skipped" {
  run --separate-stderr as_unprivileged "$DROP" -U -- true
  assert_success
  [[ $stderr =~ setgroups\(\)\ is\ denied\ in\ this\ user\ namespace ]]
  [[ $stderr =~ setgid\(65534\).*setuid\(65534\).*execvp ]]
}

@test "user namespaces turned off: one line naming the sysctl, exit 1" {
  # user.max_user_namespaces is per user namespace: set to 0 in a throwaway one only
  local prog
  for prog in "$PIDNS" "$IPCNS" "$DROP"; do
    run --separate-stderr unshare --user --map-root-user sh -c \
      'echo 0 >/proc/sys/user/max_user_namespaces && exec "$1" -U -- true' sh "$prog"
    assert_equal "$status" 1
    [[ $stderr =~ clone\(CLONE_NEWUSER.*:\ No\ space\ left\ on\ device\ \(user\ namespaces\ are\ turned\ off\ here:\ sysctl\ user.max_user_namespaces\ is\ 0\)$ ]]
  done
  # the machine's own setting is unchanged
  [ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ]
}
