#!/usr/bin/env bats
# Stage 01: a process that is PID 1 of its own PID namespace.

load helpers

PIDNS_PROG="$NSLAB_ROOT/01-pid-ns/pid-ns"

# As an ordinary user, every test runs the stage with -U (stage_for_uid).
setup() {
  require_userns
  PIDNS=$(stage_for_uid "$PIDNS_PROG")
}

@test "ps auxw inside shows ps itself as PID 1 and nothing of the host" {
  run --separate-stderr "$PIDNS" -q -- ps auxw
  assert_success
  # a header and exactly one process: ps, as PID 1
  assert_equal "${#lines[@]}" 2
  assert_line --index 0 --regexp '^USER +PID '
  assert_line --index 1 --regexp '^root +1 .* ps auxw$'
  [ -z "$stderr" ]
}

@test "bash is PID 1 and the ps it starts is PID 2" {
  # two commands, so bash cannot replace itself with ps (bash -c execs a lone command)
  run --separate-stderr "$PIDNS" -q -- bash -c 'ps -eo pid,comm; exit'
  assert_success
  assert_equal "${#lines[@]}" 3
  assert_line --index 1 --regexp '^ +1 bash$'
  assert_line --index 2 --regexp '^ +2 ps$'
}

@test "a lone command under bash -c replaces bash and becomes PID 1" {
  run --separate-stderr "$PIDNS" -q -- bash -c 'ps -eo pid,comm'
  assert_success
  assert_equal "${#lines[@]}" 2
  assert_line --index 1 --regexp '^ +1 ps$'
}

@test "narration shows each operation with its shell equivalent, in order" {
  run --separate-stderr "$PIDNS" -- true
  assert_success
  # narration goes to stderr, the command's output to stdout
  [ -z "$output" ]
  mapfile -t nar <<<"$stderr"
  if is_root; then
    [[ ${nar[1]} =~ ^\[pid-ns\]\ clone\(CLONE_NEWPID\|CLONE_NEWNS\|SIGCHLD\)\ +~\ unshare\ --pid\ --mount\ --fork$ ]]
  else
    # -U: the user namespace, and its maps written by the parent, come first
    [[ ${nar[1]} =~ ^\[pid-ns\]\ clone\(CLONE_NEWUSER\|CLONE_NEWPID\|CLONE_NEWNS\|SIGCHLD\)\ +~\ unshare\ --user\ --pid\ --mount\ --fork$ ]]
    [[ ${nar[2]} == *"~ echo 'deny' > /proc/"*"/setgroups" ]]
    [[ ${nar[3]} == *"~ echo '0 $STUDENT_UID 1' > /proc/"*"/uid_map" ]]
    [[ ${nar[4]} == *"/gid_map" ]]
    nar=("${nar[0]}" "${nar[1]}" "${nar[@]:5}")
  fi
  assert_equal "${#nar[@]}" 7
  [[ ${nar[2]} =~ ^\[pid-ns\]\ the\ child\ is\ PID\ [0-9]+\ on\ the\ host\ and\ PID\ 1\ inside ]]
  [[ ${nar[3]} =~ ~\ mount\ --make-rprivate\ /$ ]]
  [[ ${nar[4]} =~ ~\ mount\ -t\ proc\ proc\ /proc$ ]]
  [[ ${nar[5]} =~ execvp\(\"true\"\)\ as\ PID\ 1\ +~\ exec\ true$ ]]
  [[ ${nar[6]} =~ ^\[pid-ns\]\ waitpid\([0-9]+\):\ exited\ with\ status\ 0$ ]]
}

@test "the host PID in the narration is the child's, as /proc/PID/status says from outside" {
  "$PIDNS" -- sleep 3 2>"$BATS_TEST_TMPDIR/nar" &
  local runner=$!
  local host_pid=""
  for _ in $(seq 50); do
    host_pid=$(sed -nE 's/.*the child is PID ([0-9]+) on the host.*/\1/p' "$BATS_TEST_TMPDIR/nar")
    [ -n "$host_pid" ] && grep -q 'execvp' "$BATS_TEST_TMPDIR/nar" && break
    sleep 0.1
  done
  [ -n "$host_pid" ]
  # seen from the host: the same process, NSpid <host pid> 1, running sleep
  run grep '^NSpid:' "/proc/$host_pid/status"
  assert_output --regexp "^NSpid:[[:space:]]+${host_pid}[[:space:]]+1$"
  run cat "/proc/$host_pid/comm"
  assert_output sleep
  # and it is a child of pid-ns
  run awk '/^PPid:/ {print $2}' "/proc/$host_pid/status"
  assert_output "$runner"
  kill "$runner"
  wait "$runner" || true
}

@test "the command's exit status is passed on" {
  run "$PIDNS" -q -- sh -c 'exit 7'
  assert_equal "$status" 7
}

@test "a command killed by signal N gives 128+N" {
  "$PIDNS" -- sleep 30 2>"$BATS_TEST_TMPDIR/nar" &
  local runner=$!
  local host_pid=""
  for _ in $(seq 50); do
    host_pid=$(sed -nE 's/.*the child is PID ([0-9]+) on the host.*/\1/p' "$BATS_TEST_TMPDIR/nar")
    [ -n "$host_pid" ] && break
    sleep 0.1
  done
  # from the host, SIGKILL reaches a namespace's PID 1 (from inside it would not)
  kill -KILL "$host_pid"
  local rc=0
  wait "$runner" || rc=$?
  assert_equal "$rc" 137
  run grep -c 'killed by signal 9' "$BATS_TEST_TMPDIR/nar"
  assert_output 1
}

@test "a command that does not exist exits 127 with one line" {
  run -127 --separate-stderr "$PIDNS" -q -- /nonexistent/cmd
  assert_equal "$stderr" "01-pid-ns: exec /nonexistent/cmd: No such file or directory"
}

@test "no command runs bash, as the article does" {
  # shellcheck disable=SC2016 # expanded by the bash inside, not here
  run --separate-stderr "$PIDNS" -q <<<'echo "I am $$ in $(readlink /proc/self/ns/pid)"'
  assert_success
  assert_output --regexp '^I am 1 in pid:\[[0-9]+\]$'
  [ "$output" != "I am 1 in $(readlink /proc/self/ns/pid)" ]
}

@test "the host's /proc is untouched: mount table and process list the same after" {
  local before after
  before=$(host_snapshot)
  "$PIDNS" -q -- sh -c 'mount -t tmpfs none /mnt; ls /proc >/dev/null'
  after=$(host_snapshot)
  assert_equal "$after" "$before"
  [ -e /proc/self/status ]
  [ -d "/proc/$$" ]
}

@test "where / is shared (systemd), the article's code breaks the host's /proc: the trap is real here" {
  # the control: without MS_PRIVATE, a proc mounted in a child leaks into the parent.
  # All inside a throwaway mount namespace, so the machine's /proc is never touched.
  run unshare_for_uid --mount sh -c '
    mount --make-rshared /
    unshare --pid --fork --mount --propagation unchanged sh -c "mount -t proc proc /proc"
    test -e /proc/self && echo "proc ok" || echo "proc broken"'
  assert_success
  assert_output "proc broken"
}

@test "where / is shared (systemd), pid-ns leaves the host's /proc listing its processes" {
  run unshare_for_uid --mount sh -c "
    mount --make-rshared /
    '$PIDNS' -q -- true || exit 1
    test -e /proc/self && test -d /proc/\$\$ && echo 'proc ok' || echo 'proc broken'
    ls /proc | grep -c '^[0-9]'"
  assert_success
  assert_line --index 0 'proc ok'
  # more than one process listed: the host's, not a dead namespace's empty proc
  [ "${lines[1]}" -gt 1 ]
}

@test "not root: one line naming the privilege and how to run it, exit 1" {
  run --separate-stderr as_unprivileged "$PIDNS_PROG" -- true
  assert_equal "$status" 1
  assert_equal "$output" ""
  assert_equal "$stderr" "01-pid-ns: clone(CLONE_NEWPID|CLONE_NEWNS|SIGCHLD) ~ unshare --pid --mount --fork: Operation not permitted (new namespaces need CAP_SYS_ADMIN; run as root: sudo make run-01, or add -U for a user namespace of your own)"
}

@test "a bad option: one line naming it, exit 2, nothing run" {
  run --separate-stderr "$PIDNS" --bogus -- touch "$BATS_TEST_TMPDIR/ran"
  assert_equal "$status" 2
  assert_equal "$stderr" "01-pid-ns: unknown option '--bogus' (try '01-pid-ns/pid-ns -h')"
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  run --separate-stderr "$PIDNS" -x
  assert_equal "$status" 2
  assert_equal "$stderr" "01-pid-ns: unknown option '-x' (try '01-pid-ns/pid-ns -h')"
}

@test "'--' with no command after it: one line, exit 2" {
  run --separate-stderr "$PIDNS" -q --
  assert_equal "$status" 2
  assert_equal "$stderr" "01-pid-ns: missing command after '--' (try '01-pid-ns/pid-ns -h')"
}

@test "-h prints usage with an example, exit 0" {
  run "$PIDNS" -h
  assert_success
  assert_line --index 0 'Usage: pid-ns [-q] [-U] [-- CMD [ARG...]]'
  assert_line 'Example:'
  assert_line '  sudo 01-pid-ns/pid-ns -- ps -eo pid,comm'
}
