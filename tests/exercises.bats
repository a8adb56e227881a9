#!/usr/bin/env bats
# The exercises' checks must tell done from not yet: each is run on the course's own
# code and on a copy with the student's edit, and by each kind of student.  Run by
# root, every test runs its check twice: as root (the stages as they are) and as an
# ordinary user of a uid of its own (EX_UID, no passwd entry, no capability) on a copy
# of the tree that user owns (the stages with -U).  Run by an ordinary user, once, as
# that user.  3.1 and 3.2 run a third time as root of a user namespace of one's own.

load helpers

# The ordinary user of the root run: a uid no other suite uses, so they can run at
# the same time.
EX_UID=${NSLAB_EX_UID:-64171}

# A copy of the checkout, its build included (make rebuilds only what an edit
# touches), in a directory of its own under /tmp that EX_UID can reach.
copy_tree() {
  local d
  d=$(mktemp -d /tmp/nslab-ex.XXXXXX) || return 1
  chmod 755 "$d"
  (cd "$NSLAB_ROOT" && tar --exclude=./.git --exclude=./build/test-results -cf - .) | tar -xf - -C "$d" || return 1
  printf '%s\n' "$d"
}

setup_file() {
  # the course's own code, for EX_UID: a copy it owns, as a student's checkout
  if is_root; then
    EX_SHIPPED=$(copy_tree) && chown -R "$EX_UID:$EX_UID" "$EX_SHIPPED"
    export EX_SHIPPED
  fi
}

teardown_file() {
  if is_root; then rm -rf "$EX_SHIPPED" "/tmp/nslab-$EX_UID"; fi
}

setup() {
  require_userns
  if is_root && ! as_ex_user unshare --user --map-root-user true 2>/dev/null; then
    nslab_skip "user namespaces are not allowed here for an ordinary user: make doctor says why"
  fi
  EDITED=""
}

teardown() {
  if [ -n "$EDITED" ]; then rm -rf "$EDITED"; fi
}

# CMD as EX_UID, as CI runs its ordinary user: no group, no capability, a home of its
# own, Debian's PATH for an ordinary user, no XDG_RUNTIME_DIR.
as_ex_user() { # CMD [ARGS...]
  setpriv --reuid="$EX_UID" --regid="$EX_UID" --clear-groups --inh-caps=-all \
    env -u XDG_RUNTIME_DIR HOME="${EX_SHIPPED:-/}" PATH=/usr/local/bin:/usr/bin:/bin "$@"
}

# Who runs the checks: "self" (whoever runs this suite: root mode for root, -U for an
# ordinary user) and, in a root run, "user" (EX_UID).  ways_userns adds "userns", root
# of a user namespace of one's own (unshare -r), before the edited tree is EX_UID's.
ways() {
  if is_root; then echo self user; else echo self; fi
}
ways_userns() {
  if is_root; then echo self userns user; else echo self userns; fi
}

# The shipped tree WAY runs: the checkout itself, or EX_UID's copy of it.
shipped() { # WAY
  if [ "$1" = user ]; then printf '%s\n' "$EX_SHIPPED"; else printf '%s\n' "$NSLAB_ROOT"; fi
}

# Runs TREE's check as WAY (a third way: "userns", root of a user namespace of one's
# own), into $status and $output.  Says which, for a failure's report.
check() { # WAY TREE EXERCISE [-- CMD...]
  local way=$1 tree=$2
  shift 2
  echo "# the check as $way, in $tree"
  case "$way" in
    self) run "$tree/scripts/exercises.sh" "$@" ;;
    user) run as_ex_user env --chdir="$tree" "$tree/scripts/exercises.sh" "$@" ;;
    userns) run unshare --user --map-root-user "$tree/scripts/exercises.sh" "$@" ;;
  esac
}

# A copy of the tree with EXERCISE's edit made, as the student would (sed on the
# source), in $EDITED; a root run gives it to EX_UID with edit_for_user.
edit() { # EXERCISE
  EDITED=$(copy_tree) || fail "could not copy the tree"
  case "$1" in
    1.1)
      sed -i 's/if ((r = pid1_make_private("\/")) < 0)/if (0)/' "$EDITED/01-pid-ns/pid-ns.c"
      ! grep -q 'pid1_make_private("/")) < 0' "$EDITED/01-pid-ns/pid-ns.c"
      ;;
    2.1)
      sed -i 's/int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;/int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | SIGCHLD;/' "$EDITED/02-ipc-mount-ns/ipc-mount-ns.c"
      ! grep -q 'CLONE_NEWNS | CLONE_NEWIPC' "$EDITED/02-ipc-mount-ns/ipc-mount-ns.c"
      ;;
    3.1)
      # a setuid() ahead of the setgid() step, as a student moving the call would have it
      sed -i 's|^    narrate_op(shell, "setgid(%u)", (unsigned)a->gid);|    if (setuid(a->uid) < 0)\n        return EXIT_RUNTIME;\n&|' "$EDITED/03-user-drop/user-drop.c"
      grep -B2 'narrate_op(shell, "setgid(%u)"' "$EDITED/03-user-drop/user-drop.c" | grep -q 'setuid(a->uid)'
      ;;
    3.2)
      # the setgroups write moved after gid_map's
      sed -i -e '/write_one(pid, "setgroups", "deny", op, opsize)) < 0)/{N;d}' \
        -e 's|^    return write_one(pid, "gid_map", gid_map, op, opsize);|    if ((r = write_one(pid, "gid_map", gid_map, op, opsize)) < 0)\n        return r;\n    return write_one(pid, "setgroups", "deny", op, opsize);|' \
        "$EDITED/03-user-drop/userns-maps.c"
      grep -A3 'write_one(pid, "gid_map"' "$EDITED/03-user-drop/userns-maps.c" | grep -q 'write_one(pid, "setgroups"' &&
        ! grep -B3 'write_one(pid, "uid_map"' "$EDITED/03-user-drop/userns-maps.c" | grep -q setgroups
      ;;
    4.1)
      sed -i '/rtnl_link_up(&st, &ns1, buf, cfg.ns, "lo", true)/{N;d}' "$EDITED/04-netns-veth/netns-veth.c"
      ! grep -q 'cfg.ns, "lo"' "$EDITED/04-netns-veth/netns-veth.c"
      ;;
    5.1)
      sed -i '/r |= add(&b, "--no-ping");/d' "$EDITED/common/dnsmasq.c"
      ! grep -q '"--no-ping"' "$EDITED/common/dnsmasq.c"
      ;;
  esac || fail "the edit of $1 did not apply"
}

# The edited tree for WAY: EX_UID's once the root run is done with it.
edited_for() { # WAY
  if [ "$1" = user ]; then chown -R "$EX_UID:$EX_UID" "$EDITED"; fi
  printf '%s\n' "$EDITED"
}

# Nothing of lab HOST is left for WAY: no namespace in the machine's /run/netns, no
# keeper in the per-user directory, no live process of EX_UID (a keeper killed is a
# zombie until a reaper takes it: waited for up to 3 s).
assert_lab_gone() { # WAY HOST
  local _ p
  run ip netns list
  refute_output --partial "$2"
  if [ "$1" = user ]; then
    [ ! -e "/tmp/nslab-$EX_UID/$2.keeper" ] || fail "the keeper of $2 is left"
    for _ in $(seq 30); do
      p=$(ps -u "$EX_UID" -o pid=,stat=,args= | awk '$2 !~ /^Z/' || true)
      [ -n "$p" ] || break
      sleep 0.1
    done
    [ -z "$p" ] || fail "still running as $EX_UID: $p"
  else
    [ ! -e "$(user_dir)/$2.keeper" ] || fail "the keeper of $2 is left"
  fi
}

@test "1.1 is not yet done on the course's own code" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 1.1
    assert_failure 1
    assert_output "exercise 1.1: not yet: a tmpfs mounted outside after your child started did not show up inside it: remove the pid1_make_private(\"/\") step from child_main in 01-pid-ns/pid-ns.c, then run this check again"
  done
}

@test "1.1 is done once MS_PRIVATE is gone" {
  edit 1.1
  for way in $(ways); do
    check "$way" "$(edited_for "$way")" 1.1
    assert_success
    assert_output --partial "exercise 1.1: done: a tmpfs mounted outside after your child started showed up inside it: without MS_PRIVATE the child's mounts stay joined to the parent's"
  done
}

@test "1.2: a PID 1 without a handler ignores SIGTERM: not yet" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 1.2 -- sleep 300
    assert_failure 1
    assert_output --partial "exercise 1.2: not yet: PID 1 (sleep 300) ignored SIGTERM from the host"
  done
}

@test "1.2: a PID 1 with a handler ends on SIGTERM: done" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 1.2 -- sh -c 'trap "exit 143" TERM; sleep 300 & wait'
    assert_success
    assert_output --partial "exercise 1.2: done: PID 1 (sh -c trap \"exit 143\" TERM; sleep 300 & wait) had a handler and ended on SIGTERM, exit status 143"
  done
}

@test "1.2: a correct handler written another way is done too" {
  for way in $(ways); do
    # no "& wait": a loop of short sleeps gives the shell a moment between commands
    check "$way" "$(shipped "$way")" 1.2 -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
    assert_success
    assert_output --partial "exercise 1.2: done: PID 1 (sh -c trap \"exit 0\" TERM; while :; do sleep 0.2; done) had a handler and ended on SIGTERM, exit status 0"
    # bash, waiting for the one job by its PID
    check "$way" "$(shipped "$way")" 1.2 -- bash -c 'trap "exit 143" TERM; sleep 300 & wait $!'
    assert_success
    assert_output --partial "ended on SIGTERM, exit status 143"
  done
}

@test "1.2: a handler behind a foreground command: not yet, and why" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 1.2 -- sh -c 'trap "exit 143" TERM; sleep 300'
    assert_failure 1
    assert_output --partial "exercise 1.2: not yet: PID 1 (sh -c trap \"exit 143\" TERM; sleep 300) has a handler for SIGTERM"
    assert_output --partial "while it waits for a foreground command to end, the trap waits too"
  done
}

@test "1.2: no handler at all, even in a shell: not yet" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 1.2 -- sh -c 'sleep 300; true'
    assert_failure 1
    assert_output --partial "ignored SIGTERM from the host: it has no handler for it"
    refute_output --partial "& wait"
  done
}

@test "an unknown exercise: one line, exit 2" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 9.9
    assert_failure 2
    assert_output "exercise 9.9: no such exercise (see the Exercises sections of TUTORIAL.md)"
  done
}

@test "2.1 is not yet done on the course's own code" {
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 2.1
    assert_failure 1
    assert_output "exercise 2.1: not yet: the queue made outside is not listed inside: remove CLONE_NEWIPC from the clone flags in 02-ipc-mount-ns/ipc-mount-ns.c's main, then run this check again"
  done
}

@test "2.1 is done once CLONE_NEWIPC is gone; the machine gets no queue" {
  edit 2.1
  local before
  before=$(ipcs -q | grep -c '^0x' || true)
  for way in $(ways); do
    check "$way" "$(edited_for "$way")" 2.1
    assert_success
    if [ "$way" = self ] && is_root; then
      assert_output "exercise 2.1: done: without CLONE_NEWIPC the child shares the parent's IPC namespace: the queue made outside is listed by ipcs -q inside. Put the flag back and run make."
    else
      # -U: the child's user namespace owns no IPC namespace but one made with it
      assert_output --partial "exercise 2.1: done: without CLONE_NEWIPC the child stays in the parent's IPC namespace, which its user namespace of your own (-U) does not own, so the kernel refused it that namespace's mqueue filesystem (EPERM)"
    fi
  done
  # the throwaway IPC namespace took its queue with it
  assert_equal "$(ipcs -q | grep -c '^0x' || true)" "$before"
}

@test "3.1 is not yet done on the course's own code, also as root of a user namespace" {
  for way in $(ways_userns); do
    check "$way" "$(shipped "$way")" 3.1
    assert_failure 1
    assert_output --regexp "^exercise 3.1: not yet: .*: in 03-user-drop/user-drop.c's child_main, do the setuid\(\) step before the setgid\(\) step, then run this check again$"
    if [ "$way" = self ] && is_root; then
      assert_output --partial "not yet: the drop still works"
    else
      assert_output --partial "not yet: setgid(65534) still runs before setuid(65534) (strace saw the child's calls in that order)"
    fi
  done
}

@test "3.1 is done once setuid comes before setgid, also as root of a user namespace" {
  edit 3.1
  for way in $(ways_userns); do
    check "$way" "$(edited_for "$way")" 3.1
    assert_success
    assert_output --partial "exercise 3.1: done: setuid(65534) ran before setgid(65534)"
    if [ "$way" = self ] && is_root; then
      # the machine's root drops to the machine's nobody: setgid is refused
      assert_output --partial "once it has run, the process has no CAP_SETGID left: setgid fails with EPERM"
    else
      # -U: 65534 from the start, so both calls work; strace sees the order
      assert_output --partial "(strace saw the child's calls in that order). In a user namespace of your own (-U) both still work"
    fi
  done
}

@test "3.2 is not yet done on the course's own code, also as root of a user namespace" {
  for way in $(ways_userns); do
    check "$way" "$(shipped "$way")" 3.2
    assert_failure 1
    assert_output "exercise 3.2: not yet: the maps were written: in 03-user-drop/userns-maps.c's userns_write_maps, write gid_map before setgroups, then run this check again"
  done
}

@test "3.2 is done once gid_map is written before setgroups, also as root of a user namespace" {
  edit 3.2
  for way in $(ways_userns); do
    check "$way" "$(edited_for "$way")" 3.2
    assert_success
    if [ "$way" = userns ]; then
      # setgroups is denied there already, and the child namespace inherits it
      assert_output --partial "exercise 3.2: done: the kernel took gid_map first here, since this check runs where setgroups() is denied already"
    else
      assert_output --partial "exercise 3.2: done: an unprivileged process may write gid_map only after \"deny\" is in setgroups"
    fi
  done
}

# 4.1 and 5.1 name their labs after NSLAB_EX_LAB: names of this test's own.
@test "4.1 is not yet done on the course's own code; nothing is left" {
  NSLAB_EX_LAB=$(unique_name nslab-ex41-)
  export NSLAB_EX_LAB
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 4.1
    assert_failure 1
    assert_output --partial "exercise 4.1: not yet: ns1 can ping its own address"
    assert_lab_gone "$way" "${NSLAB_EX_LAB}h"
  done
}

@test "4.1 is done once lo stays down in ns1; nothing is left" {
  NSLAB_EX_LAB=$(unique_name nslab-ex41-)
  export NSLAB_EX_LAB
  edit 4.1
  for way in $(ways); do
    check "$way" "$(edited_for "$way")" 4.1
    assert_success
    assert_output --partial "exercise 4.1: done: with lo down, ns1 cannot even ping its own address"
    assert_lab_gone "$way" "${NSLAB_EX_LAB}h"
  done
}

@test "5.1 is not yet done on the course's own code; nothing is left" {
  NSLAB_EX_LAB=$(unique_name nslab-ex51-)
  export NSLAB_EX_LAB
  for way in $(ways); do
    check "$way" "$(shipped "$way")" 5.1
    assert_failure 1
    assert_output --regexp "exercise 5.1: not yet: br0's first lease took [0-9]+ ms"
    assert_lab_gone "$way" "${NSLAB_EX_LAB}h"
  done
}

@test "5.1 is done once dnsmasq pings again; nothing is left" {
  NSLAB_EX_LAB=$(unique_name nslab-ex51-)
  export NSLAB_EX_LAB
  edit 5.1
  for way in $(ways); do
    check "$way" "$(edited_for "$way")" 5.1
    assert_success
    assert_output --regexp "exercise 5.1: done: br0's first lease took [0-9]+ ms: dnsmasq pinged"
    assert_lab_gone "$way" "${NSLAB_EX_LAB}h"
    run pgrep -f "dnsmasq.*$NSLAB_EX_LAB"
    assert_failure
  done
}
