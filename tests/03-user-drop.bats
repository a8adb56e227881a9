#!/usr/bin/env bats
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the shells inside
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# Stage 03: the article's whole program, with a checked drop to nobody.

load helpers

DROP_PROG="$NSLAB_ROOT/03-user-drop/user-drop"

# As an ordinary user, every test runs the stage with -U (stage_for_uid).
setup() {
  require_userns
  DROP=$(stage_for_uid "$DROP_PROG")
}

@test "id after the drop: uid=65534(nobody) gid=65534(nogroup), no supplementary groups" {
  run --separate-stderr "$DROP" -q -- id
  assert_success
  assert_output 'uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)'
  # id always lists the group itself; the kernel's list of supplementary groups is empty
  run --separate-stderr "$DROP" -q -- sh -c 'grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  assert_success
  assert_line --regexp '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$'
  assert_line --regexp '^Gid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$'
  if is_root; then
    assert_line --regexp '^Groups:[[:space:]]*$'
  else
    # -U: setgroups() is denied in a user namespace an ordinary user makes (the stage
    # says so), so the groups from outside stay.  Inside, each shows as 65534: the
    # user's own group is mapped there, any other is unmapped (the overflow gid).
    local outside want="Groups:"
    outside=$(sed -n 's/^Groups:[[:space:]]*//p' /proc/self/status)
    for _ in $outside; do want="${want}[[:space:]]+65534"; done
    assert_line --regexp "^${want}[[:space:]]*\$"
  fi
}

@test "no capabilities left: CapInh, CapPrm, CapEff and CapAmb are 0" {
  run --separate-stderr "$DROP" -q -- grep -E '^Cap(Inh|Prm|Eff|Amb):' /proc/self/status
  assert_success
  assert_equal "${#lines[@]}" 4
  for l in "${lines[@]}"; do
    [[ $l =~ :[[:space:]]+0000000000000000$ ]]
  done
}

@test "no way back to root: setresuid(0) is refused with EPERM" {
  # setpriv exits 127 when it cannot set up the command
  local why="Operation not permitted"
  # -U: in the user namespace 0 is not even mapped (only 65534 is, to us)
  is_root || why="Invalid argument"
  run -127 --separate-stderr "$DROP" -q -- setpriv --regid=0 --keep-groups id
  assert_equal "$stderr" "setpriv: setresgid failed: $why"
  run -127 --separate-stderr "$DROP" -q -- setpriv --reuid=0 id
  assert_equal "$stderr" "setpriv: setresuid failed: $why"
}

@test "the article's view: bash is PID 1, ps as nobody sees only the namespace" {
  run --separate-stderr "$DROP" -q -- bash -c 'ps -eo pid,user,comm; exit'
  assert_success
  assert_equal "${#lines[@]}" 3
  assert_line --index 1 --regexp '^ +1 nobody +bash$'
  assert_line --index 2 --regexp '^ +[0-9]+ nobody +ps$'
}

@test "IPC, PID and mount namespaces are new; the file table was shared until exec" {
  run --separate-stderr "$DROP" -q -- sh -c 'for n in ipc pid mnt uts; do readlink /proc/self/ns/$n; done'
  assert_success
  [ "${lines[0]}" != "$(readlink /proc/self/ns/ipc)" ]
  [ "${lines[1]}" != "$(readlink /proc/self/ns/pid)" ]
  [ "${lines[2]}" != "$(readlink /proc/self/ns/mnt)" ]
  assert_equal "${lines[3]}" "$(readlink /proc/self/ns/uts)"
  # CLONE_FILES: the command gets the descriptors a plain sh would, not the release
  # pipe (O_CLOEXEC: closed in the command's own copy of the table at exec)
  local fds
  fds=$(sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "')
  run --separate-stderr "$DROP" -q -- sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
  assert_output "$fds"
}

@test "narration: setgroups, setgid, setuid, in that order, each with setpriv's option" {
  run --separate-stderr "$DROP" -- true
  assert_success
  mapfile -t nar <<<"$stderr"
  if is_root; then
    [[ ${nar[0]} =~ clone\(CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWIPC\|CLONE_FILES\|SIGCHLD\)\ +~\ unshare\ --pid\ --mount\ --ipc\ --fork$ ]]
  else
    # -U: 65534 inside is us outside; setgroups() is denied there, so it is skipped
    [[ ${nar[0]} =~ clone\(CLONE_NEWUSER\|CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWIPC\|CLONE_FILES\|SIGCHLD\)\ +~\ unshare\ --user\ --pid\ --mount\ --ipc\ --fork$ ]]
    [[ ${nar[2]} == *"~ echo '65534 $STUDENT_UID 1' > /proc/"*"/uid_map" ]]
    [[ ${nar[6]} == *"setgroups() is denied in this user namespace"* ]]
    nar=("${nar[0]}" "${nar[@]:4}")
  fi
  [[ ${nar[1]} =~ ~\ mount\ --make-rprivate\ /$ ]]
  [[ ${nar[2]} =~ ~\ mount\ -t\ proc\ proc\ /proc$ ]]
  if is_root; then
    [[ ${nar[3]} =~ setgroups\(0,\ NULL\)\ +~\ setpriv\ --clear-groups$ ]]
  fi
  [[ ${nar[4]} =~ setgid\(65534\)\ +~\ setpriv\ --regid=65534$ ]]
  [[ ${nar[5]} =~ setuid\(65534\)\ +~\ setpriv\ --reuid=65534$ ]]
  [[ ${nar[6]} =~ execvp\(\"true\"\)\ as\ uid\ 65534\ gid\ 65534\ +~\ exec\ true$ ]]
}

@test "--user and --group take names and numbers" {
  run --separate-stderr "$DROP" -q --user daemon --group 4 -- id
  assert_success
  assert_output --regexp '^uid=1\(daemon\) gid=4\('
  run --separate-stderr "$DROP" -q -u 12345 -g 23456 -- id -u
  assert_output 12345
}

@test "a user or group that does not exist: one line, exit 2, nothing run" {
  run --separate-stderr "$DROP" --user no-such-user-nslab -- touch "$BATS_TEST_TMPDIR/ran"
  assert_equal "$status" 2
  assert_equal "$stderr" "03-user-drop: no user named 'no-such-user-nslab' (try '03-user-drop/user-drop -h')"
  run --separate-stderr "$DROP" --group no-such-group-nslab -- touch "$BATS_TEST_TMPDIR/ran"
  assert_equal "$status" 2
  assert_equal "$stderr" "03-user-drop: no group named 'no-such-group-nslab' (try '03-user-drop/user-drop -h')"
  run --separate-stderr "$DROP" --user 4294967295 -- touch "$BATS_TEST_TMPDIR/ran"
  assert_equal "$status" 2
  assert_equal "$stderr" "03-user-drop: bad user ID '4294967295' (try '03-user-drop/user-drop -h')"
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "setuid failing for real stops the program before the command runs" {
  require_root "maps of 65536 groups"
  # An outer user namespace, made by root, where every group is mapped but only user
  # 0: setgroups and setgid(65534) work, setuid(65534) gets EINVAL.
  local go="$BATS_TEST_TMPDIR/go"
  mkfifo "$go"
  unshare --user -- sh -c 'read -r _ <"$1"; exec "$2" -- touch "$3"' \
    sh "$go" "$DROP" "$BATS_TEST_TMPDIR/ran" 2>"$BATS_TEST_TMPDIR/err" &
  local pid=$!
  for _ in $(seq 100); do
    [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.05
  done
  echo '0 0 1' >"/proc/$pid/uid_map"
  echo '0 0 65536' >"/proc/$pid/gid_map"
  echo go >"$go"
  local rc=0
  wait "$pid" || rc=$?
  assert_equal "$rc" 1
  run cat "$BATS_TEST_TMPDIR/err"
  assert_line --regexp 'setgid\(65534\) +~ setpriv --regid=65534$'
  assert_line "03-user-drop: setuid(65534) ~ setpriv --reuid=65534: Invalid argument (the ID is not mapped in this user namespace: see /proc/self/uid_map)"
  refute_line --partial 'execvp'
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "setuid first makes the later calls fail: the order matters" {
  require_root "setpriv from root"
  # what the drop would meet in the wrong order, with the standard tool
  run -127 --separate-stderr setpriv --reuid=65534 setpriv --regid=65534 --keep-groups true
  assert_equal "$stderr" "setpriv: setresgid failed: Operation not permitted"
}

@test "the command's exit status is passed on; a missing command exits 127" {
  run "$DROP" -q -- sh -c 'exit 9'
  assert_equal "$status" 9
  run -127 --separate-stderr "$DROP" -q -- /nonexistent/cmd
  assert_equal "$stderr" "03-user-drop: exec /nonexistent/cmd: No such file or directory"
}

@test "the host's mounts and /proc are untouched" {
  local before after
  before=$(host_snapshot)
  "$DROP" -q -- true
  after=$(host_snapshot)
  assert_equal "$after" "$before"
  [ -e /proc/self/status ]
}

@test "not root: one line naming the privilege and -U, exit 1" {
  run --separate-stderr as_unprivileged "$DROP_PROG" -- true
  assert_equal "$status" 1
  assert_equal "$stderr" "03-user-drop: clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_FILES|SIGCHLD) ~ unshare --pid --mount --ipc --fork: Operation not permitted (new namespaces need CAP_SYS_ADMIN; run as root: sudo make run-03, or add -U for a user namespace of your own)"
}

@test "-h prints usage with an example, exit 0" {
  run "$DROP" -h
  assert_success
  assert_line --index 0 'Usage: user-drop [-q] [-U] [-u USER] [-g GROUP] [-- CMD [ARG...]]'
  assert_line '  sudo 03-user-drop/user-drop -- id'
}
