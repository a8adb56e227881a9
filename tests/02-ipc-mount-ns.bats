#!/usr/bin/env bats
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the shells inside
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# Stage 02: IPC, mount and UTS isolation, made visible.

load helpers

IPCNS_PROG="$NSLAB_ROOT/02-ipc-mount-ns/ipc-mount-ns"

# As an ordinary user, every test runs the stage with -U (stage_for_uid).
setup() {
  require_userns
  IPCNS=$(stage_for_uid "$IPCNS_PROG")
}

# The msqids of the System V message queues this IPC namespace has, one a line.
host_msqids() { ipcs -q | awk '$2 ~ /^[0-9]+$/ {print $2}' | sort; }

# Runs a command with the host's POSIX message queues under $1 (a mqueue mount made
# in a throwaway mount namespace: same IPC namespace as the host, no host mount).
# An ordinary user uses the machine's own mount of it, /dev/mqueue, when there is one.
with_host_mqueue() { # DIR CMD
  if ! is_root; then
    sh -c 'eval "$2"' sh /dev/mqueue "$2"
    return
  fi
  mkdir -p "$1"
  unshare --mount sh -c 'mount -t mqueue mqueue "$1" && eval "$2"' sh "$1" "$2"
}

@test "a System V queue made on the host is not visible inside: ipcs -q there lists none" {
  local id
  id=$(ipcmk -Q | grep -o '[0-9]*$')
  run ipcs -q -i "$id"
  assert_success
  run --separate-stderr "$IPCNS" -q -- sh -c 'ipcs -q | awk "\$2 ~ /^[0-9]+\$/" | wc -l'
  ipcrm -q "$id"
  assert_success
  assert_output 0
}

@test "a System V queue made inside never appears on the host" {
  local before after
  before=$(host_msqids)
  run --separate-stderr "$IPCNS" -q -- sh -c 'ipcmk -Q >/dev/null && ipcs -q | awk "\$2 ~ /^[0-9]+\$/" | wc -l'
  assert_success
  assert_output 1
  after=$(host_msqids)
  assert_equal "$after" "$before"
}

@test "POSIX message queues: the host's are not inside, and the child's own stay inside" {
  is_root || mountpoint -q /dev/mqueue ||
    require_root "the host's POSIX queues: no /dev/mqueue here, and only root may mount one"
  local dir="$BATS_TEST_TMPDIR/mq" name
  name=$(unique_name nslabq)
  with_host_mqueue "$dir" "touch \"\$1/$name\""
  # inside, the namespace's own mqueue filesystem: empty, then one queue of its own
  run --separate-stderr "$IPCNS" -q -- sh -c \
    'd=/dev/mqueue; [ -d "$d" ] && mountpoint -q "$d" || d=/mnt/mqueue; ls "$d"; touch "$d/inside"; ls "$d"'
  with_host_mqueue "$dir" "ls \"\$1\"" >"$BATS_TEST_TMPDIR/host"
  with_host_mqueue "$dir" "rm \"\$1/$name\""
  assert_success
  assert_output inside
  run grep -c "^$name\$" "$BATS_TEST_TMPDIR/host"
  assert_output 1
  run grep -c '^inside$' "$BATS_TEST_TMPDIR/host"
  assert_output 0
}

@test "a tmpfs mounted inside on /mnt is in findmnt there and absent from the host" {
  local before after
  before=$(host_snapshot)
  run --separate-stderr "$IPCNS" -q -- findmnt -n -o FSTYPE,OPTIONS /mnt
  assert_success
  assert_output --regexp '^tmpfs +rw,nosuid,nodev'
  after=$(host_snapshot)
  assert_equal "$after" "$before"
  run findmnt -n -o FSTYPE /mnt
  refute_output tmpfs
}

@test "on a shared /, the host's mounts made after the child starts do not appear inside" {
  local dir="$BATS_TEST_TMPDIR/later"
  mkdir -p "$dir"
  # a throwaway mount namespace with a shared /, as systemd leaves it
  run unshare_for_uid --mount sh -c '
    mount --make-rshared /
    "$1" -q -- sh -c "sleep 1; findmnt -n -o FSTYPE \"$2\" || echo none" &
    sleep 0.3
    mount -t tmpfs tmpfs "$2"
    echo "host: $(findmnt -n -o FSTYPE "$2")"
    wait $!' sh "$IPCNS" "$dir"
  assert_success
  assert_line 'host: tmpfs'
  assert_line none
  # the control: a mount namespace that keeps the shared propagation does see it
  run unshare_for_uid --mount sh -c '
    mount --make-rshared /
    unshare --mount --propagation unchanged sh -c "sleep 1; findmnt -n -o FSTYPE \"\$1\" || echo none" sh "$1" &
    sleep 0.3
    mount -t tmpfs tmpfs "$1"
    wait $!' sh "$dir"
  assert_success
  assert_output tmpfs
}

@test "--hostname sets the namespace's host name; the host's stays" {
  local before
  before=$(hostname)
  run --separate-stderr "$IPCNS" -q --hostname inside -- hostname
  assert_success
  assert_output inside
  assert_equal "$(hostname)" "$before"
}

@test "the four namespaces are new: their /proc/self/ns links differ from the host's" {
  run --separate-stderr "$IPCNS" -q -- sh -c 'for n in pid mnt ipc uts net; do readlink /proc/self/ns/$n; done'
  assert_success
  local n=0 kind
  for kind in pid mnt ipc uts; do
    [ "${lines[$n]}" != "$(readlink /proc/self/ns/$kind)" ]
    n=$((n + 1))
  done
  # not asked for: the network namespace is the host's
  assert_equal "${lines[4]}" "$(readlink /proc/self/ns/net)"
}

@test "narration: the mounts, the mqueue, the host name, in order" {
  run --separate-stderr "$IPCNS" -n lab -- true
  assert_success
  mapfile -t nar <<<"$stderr"
  if is_root; then
    [[ ${nar[0]} =~ clone\(CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWIPC\|CLONE_NEWUTS\|SIGCHLD\)\ +~\ unshare\ --pid\ --mount\ --ipc\ --uts\ --fork$ ]]
  else
    # -U: the user namespace, then its maps, come first
    [[ ${nar[0]} =~ clone\(CLONE_NEWUSER\|CLONE_NEWPID\|CLONE_NEWNS\|CLONE_NEWIPC\|CLONE_NEWUTS\|SIGCHLD\)\ +~\ unshare\ --user\ --pid\ --mount\ --ipc\ --uts\ --fork$ ]]
    [[ ${nar[3]} == *"~ echo '0 $STUDENT_UID 1' > /proc/"*"/gid_map" ]]
    nar=("${nar[0]}" "${nar[@]:4}")
  fi
  [[ ${nar[1]} =~ ~\ mount\ --make-rprivate\ /$ ]]
  [[ ${nar[2]} =~ ~\ mount\ -t\ proc\ proc\ /proc$ ]]
  [[ ${nar[3]} =~ ~\ mount\ -t\ tmpfs\ tmpfs\ /mnt$ ]]
  [[ $stderr =~ ~\ mount\ -t\ mqueue\ mqueue\ /(dev|mnt)/mqueue ]]
  [[ $stderr =~ sethostname\(\"lab\"\)\ +~\ hostname\ lab ]]
  [[ ${nar[-1]} =~ waitpid\([0-9]+\):\ exited\ with\ status\ 0$ ]]
}

@test "--leak: the child's mounts land in the parent's table, and only in a throwaway one" {
  # --leak goes without -U: an ordinary user runs it as root of a user namespace of
  # its own, whose mount table is then the one the child's mounts must not reach
  require_userns
  local before after
  before=$(host_snapshot)
  run --separate-stderr unshare_for_uid "$IPCNS_PROG" --leak -- true
  after=$(host_snapshot)
  assert_success
  [[ $stderr =~ --leak:\ no\ mount\ --make-rprivate\ / ]]
  [[ $stderr =~ our\ mount\ table\ now\ has\ the\ child\'s\ tmpfs\ on\ /mnt ]]
  [[ $stderr =~ /proc\ is\ the\ dead\ namespace\'s:\ /proc/self\ is\ gone ]]
  assert_equal "$after" "$before"
  [ -e /proc/self/status ]
  [ -d "/proc/$$" ]
}

@test "--leak on a shared / leaves the machine's /proc listing its processes" {
  require_userns
  run unshare_for_uid --mount sh -c "
    mount --make-rshared /
    '$IPCNS_PROG' -q --leak -- true || exit 1
    test -e /proc/self && echo 'proc ok'"
  assert_success
  assert_output 'proc ok'
}

@test "--leak with -U: one line saying why, exit 2" {
  run --separate-stderr "$IPCNS_PROG" --leak -U -- true
  assert_equal "$status" 2
  assert_equal "$stderr" "02-ipc-mount-ns: --leak and -U do not go together: mounts made in a user namespace never propagate out (try '02-ipc-mount-ns/ipc-mount-ns -h')"
}

@test "a bad host name: one line, exit 2, nothing run" {
  run --separate-stderr "$IPCNS" -n "$(printf 'x%.0s' {1..65})" -- touch "$BATS_TEST_TMPDIR/ran"
  assert_equal "$status" 2
  [[ $stderr =~ ^02-ipc-mount-ns:\ bad\ host\ name\ \'x+\':\ 1\ to\ 64 ]]
  [ ! -e "$BATS_TEST_TMPDIR/ran" ]
  run --separate-stderr "$IPCNS" -n
  assert_equal "$status" 2
  assert_equal "$stderr" "02-ipc-mount-ns: option '-n' needs an argument (try '02-ipc-mount-ns/ipc-mount-ns -h')"
}

@test "the command's exit status is passed on" {
  run "$IPCNS" -q -- sh -c 'exit 5'
  assert_equal "$status" 5
}

@test "not root: one line naming the privilege and -U, exit 1" {
  run --separate-stderr as_unprivileged "$IPCNS_PROG" -- true
  assert_equal "$status" 1
  assert_equal "$stderr" "02-ipc-mount-ns: clone(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWUTS|SIGCHLD) ~ unshare --pid --mount --ipc --uts --fork: Operation not permitted (new namespaces need CAP_SYS_ADMIN; run as root: sudo make run-02, or add -U for a user namespace of your own)"
}

@test "-h prints usage with an example, exit 0" {
  run "$IPCNS" -h
  assert_success
  assert_line --index 0 'Usage: ipc-mount-ns [-q] [-U] [-n NAME] [--leak] [-- CMD [ARG...]]'
  assert_line 'Example:'
}
