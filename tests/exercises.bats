#!/usr/bin/env bats
# The exercises' checks must tell done from not yet: each is run both ways.

load helpers

EX="$NSLAB_ROOT/scripts/exercises.sh"

setup() {
  require_userns
}

# The checks run as root, as `sudo make exercise` does; as an ordinary user, as root of
# a world of one's own: a user namespace with mount, network and PID namespaces, and a
# /run of its own where the labs' /run/netns and /run/nslab are.
as_root() { # CMD [ARGS...]
  if is_root; then
    "$@"
    return
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare --user --map-root-user --mount --net --pid --fork --mount-proc bash -c \
    'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/netns /run/nslab && exec "$@"' bash "$@"
}

# A copy of the checkout to break on purpose, as the student would.
copy_tree() {
  tree="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$tree"
  (cd "$NSLAB_ROOT" && tar --exclude=.git --exclude=build -cf - .) | (cd "$tree" && tar -xf -)
}

@test "1.1 is not yet done on the course's own code" {
  run as_root "$EX" 1.1
  assert_failure 1
  assert_output --partial "exercise 1.1: not yet: the parent's /proc still lists"
}

@test "1.1 is done once MS_PRIVATE is gone" {
  copy_tree
  sed -i 's/if ((r = pid1_make_private("\/")) < 0)/if (0)/' "$tree/01-pid-ns/pid-ns.c"
  if grep -q 'pid1_make_private("/")) < 0' "$tree/01-pid-ns/pid-ns.c"; then
    fail "the edit did not apply"
  fi
  run as_root "$tree/scripts/exercises.sh" 1.1
  assert_success
  assert_output --partial "exercise 1.1: done: with / shared and no MS_PRIVATE, the child's proc landed on the parent's /proc, which now lists 0 processes"
}

@test "1.2: a PID 1 without a handler ignores SIGTERM: not yet" {
  run as_root "$EX" 1.2 -- sleep 300
  assert_failure 1
  assert_output --partial "exercise 1.2: not yet: PID 1 (sleep 300) ignored SIGTERM from the host"
}

@test "1.2: a PID 1 with a handler ends on SIGTERM: done" {
  run as_root "$EX" 1.2 -- sh -c 'trap "exit 143" TERM; sleep 300 & wait'
  assert_success
  assert_output --partial "exercise 1.2: done: PID 1 (sh -c trap \"exit 143\" TERM; sleep 300 & wait) had a handler and ended on SIGTERM, exit status 143"
}

@test "1.2: a correct handler written another way is done too" {
  # no "& wait": a loop of short sleeps gives the shell a moment between commands
  run as_root "$EX" 1.2 -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
  assert_success
  assert_output --partial "exercise 1.2: done: PID 1 (sh -c trap \"exit 0\" TERM; while :; do sleep 0.2; done) had a handler and ended on SIGTERM, exit status 0"
  # bash, waiting for the one job by its PID
  run as_root "$EX" 1.2 -- bash -c 'trap "exit 143" TERM; sleep 300 & wait $!'
  assert_success
  assert_output --partial "ended on SIGTERM, exit status 143"
}

@test "1.2: a handler behind a foreground command: not yet, and why" {
  run as_root "$EX" 1.2 -- sh -c 'trap "exit 143" TERM; sleep 300'
  assert_failure 1
  assert_output --partial "exercise 1.2: not yet: PID 1 (sh -c trap \"exit 143\" TERM; sleep 300) has a handler for SIGTERM"
  assert_output --partial "while it waits for a foreground command to end, the trap waits too"
}

@test "1.2: no handler at all, even in a shell: not yet" {
  run as_root "$EX" 1.2 -- sh -c 'sleep 300; true'
  assert_failure 1
  assert_output --partial "ignored SIGTERM from the host: it has no handler for it"
  refute_output --partial "& wait"
}

@test "an unknown exercise: one line, exit 2" {
  run as_root "$EX" 9.9
  assert_failure 2
  assert_output "exercise 9.9: no such exercise (see the Exercises sections of TUTORIAL.md)"
}

@test "2.1 is not yet done on the course's own code" {
  run as_root "$EX" 2.1
  assert_failure 1
  assert_output --partial "exercise 2.1: not yet: the queue made outside is not listed inside"
}

@test "2.1 is done once CLONE_NEWIPC is gone" {
  copy_tree
  sed -i 's/int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;/int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | SIGCHLD;/' "$tree/02-ipc-mount-ns/ipc-mount-ns.c"
  if grep -q 'CLONE_NEWNS | CLONE_NEWIPC' "$tree/02-ipc-mount-ns/ipc-mount-ns.c"; then
    fail "the edit did not apply"
  fi
  local before
  before=$(ipcs -q | grep -c '^0x' || true)
  run as_root "$tree/scripts/exercises.sh" 2.1
  assert_success
  assert_output --partial "exercise 2.1: done: without CLONE_NEWIPC"
  # the throwaway IPC namespace took its queue with it: the machine has no more
  assert_equal "$(ipcs -q | grep -c '^0x' || true)" "$before"
}

@test "3.1 is not yet done on the course's own code" {
  require_root "the drop to the machine's nobody"
  run as_root "$EX" 3.1
  assert_failure 1
  assert_output --partial "exercise 3.1: not yet: the drop still works"
}

@test "3.1 is done once setuid comes before setgid" {
  require_root "the drop to the machine's nobody"
  copy_tree
  # a setuid() ahead of the setgid() step, as a student moving the call would have it
  sed -i 's|^    narrate_op(shell, "setgid(%u)", (unsigned)a->gid);|    if (setuid(a->uid) < 0)\n        return EXIT_RUNTIME;\n&|' "$tree/03-user-drop/user-drop.c"
  if ! grep -B2 'narrate_op(shell, "setgid(%u)"' "$tree/03-user-drop/user-drop.c" | grep -q 'setuid(a->uid)'; then
    fail "the edit did not apply"
  fi
  run as_root "$tree/scripts/exercises.sh" 3.1
  assert_success
  assert_output --partial "exercise 3.1: done: once setuid(65534) has run, the process has no CAP_SETGID left"
}

@test "3.2 is not yet done on the course's own code" {
  require_root "maps of the machine's nobody"
  run as_root "$EX" 3.2
  assert_failure 1
  assert_output --partial "exercise 3.2: not yet: the maps were written"
}

@test "3.2 is done once gid_map is written before setgroups" {
  require_root "maps of the machine's nobody"
  copy_tree
  sed -i '0,/write_one(pid, "setgroups", "deny", op, opsize)/s//write_one(pid, "gid_map", gid_map, op, opsize)/' "$tree/03-user-drop/userns-maps.c"
  if ! grep -q 'write_one(pid, "gid_map", gid_map, op, opsize)) < 0' "$tree/03-user-drop/userns-maps.c"; then
    fail "the edit did not apply"
  fi
  run as_root "$tree/scripts/exercises.sh" 3.2
  assert_success
  assert_output --partial "exercise 3.2: done: an unprivileged process may write gid_map only after"
}

@test "4.1 is not yet done on the course's own code; nothing is left" {
  run as_root "$EX" 4.1
  assert_failure 1
  assert_output --partial "exercise 4.1: not yet: ns1 can ping its own address"
  run ip netns list
  refute_output --partial nslab-ex41
}

@test "4.1 is done once lo stays down in ns1; nothing is left" {
  copy_tree
  sed -i '/rtnl_link_up(&st, &ns1, buf, cfg.ns, "lo", true)/{N;d}' "$tree/04-netns-veth/netns-veth.c"
  if grep -q 'cfg.ns, "lo"' "$tree/04-netns-veth/netns-veth.c"; then
    fail "the edit did not apply"
  fi
  run as_root "$tree/scripts/exercises.sh" 4.1
  assert_success
  assert_output --partial "exercise 4.1: done: with lo down, ns1 cannot even ping its own address"
  run ip netns list
  refute_output --partial nslab-ex41
}

# 5.1 runs as the student runs it: as root, or rootless (-U) as an ordinary user,
# not as root of a world of one's own (as_root).
@test "5.1 is not yet done on the course's own code; nothing is left" {
  run "$EX" 5.1
  assert_failure 1
  assert_output --regexp "exercise 5.1: not yet: br0's first lease took [0-9]+ ms"
  run ip netns list
  refute_output --partial nslab-ex51
  [ ! -e "$(user_dir)/nslab-ex51h.keeper" ]
}

@test "5.1 is done once dnsmasq pings again; nothing is left" {
  copy_tree
  sed -i '/r |= add(&b, "--no-ping");/d' "$tree/common/dnsmasq.c"
  if grep -q '"--no-ping"' "$tree/common/dnsmasq.c"; then
    fail "the edit did not apply"
  fi
  run "$tree/scripts/exercises.sh" 5.1
  assert_success
  assert_output --regexp "exercise 5.1: done: br0's first lease took [0-9]+ ms: dnsmasq pinged"
  run ip netns list
  refute_output --partial nslab-ex51
  run pgrep -f 'dnsmasq.*nslab-ex51'
  assert_failure
  [ ! -e "$(user_dir)/nslab-ex51h.keeper" ]
}
