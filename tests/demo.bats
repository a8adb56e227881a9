#!/usr/bin/env bats
# make demo: every stage's demo in order, introduced; the machine as it was after.

load helpers

# As an ordinary user, make demo runs every stage rootless (-U), as it says.

stages() {
  local d
  for d in "$NSLAB_ROOT"/[0-9][0-9]-*/; do
    d=$(basename "$d")
    echo "$d/${d#[0-9][0-9]-}"
  done
}

@test "make demo runs each stage's demo, each introduced by one sentence, and leaves the machine as it found it" {
  local before
  before=$(host_snapshot; ip netns list; ls /run/nslab 2>/dev/null; ipcs -q | grep -c '^0x' || true)
  run make -s -C "$NSLAB_ROOT" demo NOPAUSE=1
  assert_success
  local n=0 s
  for s in $(stages); do
    assert_line --regexp "^== Stage ${s%%-*}: "
    n=$((n + 1))
  done
  [ "$n" -ge 4 ]
  assert_line "== The demos are over; each one removed what it made."
  # no pause when not on a terminal
  refute_output --partial "Enter to run it"
  assert_equal "$(host_snapshot; ip netns list; ls /run/nslab 2>/dev/null; ipcs -q | grep -c '^0x' || true)" "$before"
}

@test "on a terminal, the tour waits for Enter before each stage" {
  # script(1) gives the demo a terminal; the Enters come from a pipe through it
  run script -qec "'$NSLAB_ROOT/scripts/demo.sh' ${NSLAB_U:+--userns} 01-pid-ns/pid-ns" /dev/null <<<$'\n'
  assert_success
  assert_output --partial "== Stage 01: "
  assert_output --partial "(Enter to run it, Ctrl-C to stop)"
  assert_output --partial "ps auxw"
}
