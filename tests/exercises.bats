#!/usr/bin/env bats
# The exercises' checks must tell done from not yet: each is run both ways.

load helpers

EX="$NSLAB_ROOT/tests/exercises.sh"

setup() {
  require_root
}

# A copy of the checkout to break on purpose, as the student would.
copy_tree() {
  tree="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$tree"
  (cd "$NSLAB_ROOT" && tar --exclude=.git --exclude=build -cf - .) | (cd "$tree" && tar -xf -)
}

@test "1.1 is not yet done on the course's own code" {
  run "$EX" 1.1
  assert_failure 1
  assert_output --partial "exercise 1.1: not yet: the parent's /proc still lists"
}

@test "1.1 is done once MS_PRIVATE is gone" {
  copy_tree
  sed -i 's/if ((r = mnt_make_rprivate("\/")) < 0) {/if (0) {/' "$tree/01-pid-ns/pid-ns.c"
  if grep -q 'mnt_make_rprivate("/")) < 0' "$tree/01-pid-ns/pid-ns.c"; then
    fail "the edit did not apply"
  fi
  run "$tree/tests/exercises.sh" 1.1
  assert_success
  assert_output --partial "exercise 1.1: done: with / shared and no MS_PRIVATE, the child's proc landed on the parent's /proc, which now lists 0 processes"
}

@test "1.2: a PID 1 without a handler ignores SIGTERM: not yet" {
  run "$EX" 1.2 -- sleep 300
  assert_failure 1
  assert_output --partial "exercise 1.2: not yet: PID 1 (sleep 300) ignored SIGTERM from the host"
}

@test "1.2: a PID 1 with a handler ends on SIGTERM: done" {
  run "$EX" 1.2 -- sh -c 'trap "exit 143" TERM; sleep 300 & wait'
  assert_success
  assert_output --partial "exercise 1.2: done: PID 1 (sh -c trap \"exit 143\" TERM; sleep 300 & wait) had a handler and ended on SIGTERM, exit status 143"
}

@test "an unknown exercise: one line, exit 2" {
  run "$EX" 9.9
  assert_failure 2
  assert_output "exercise 9.9: no such exercise (see the Exercises sections of TUTORIAL.md)"
}
