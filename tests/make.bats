#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
# The Makefile as a student meets it: deps, help, builds with gcc and clang.

load helpers

# make_unprivileged MAKE-ARGS...: make -s as someone without privilege (as root, the
# real nobody), on a copy of the Makefile and scripts/deps.sh alone, in $output and
# $stderr.
make_unprivileged() {
  local dir
  dir=$(mktemp -d /tmp/nslab-make.XXXXXX)
  chmod 755 "$dir"
  mkdir "$dir/scripts"
  cp "$NSLAB_ROOT/Makefile" "$dir/"
  cp "$NSLAB_ROOT/scripts/deps.sh" "$dir/scripts/"
  if is_root; then
    run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups make -s -C "$dir" "$@"
  else
    run --separate-stderr make -s -C "$dir" "$@"
  fi
  rm -rf "$dir"
}

@test "make deps as an ordinary user names what is missing and sudo make deps, once, by the administrator" {
  make_unprivileged deps DEBS='bats nslab-no-such-package'
  assert_failure
  mapfile -t lines <<<"$stderr"
  assert_line "make deps: missing Debian packages: nslab-no-such-package"
  assert_line "make deps: whoever administers this machine installs them, once: sudo make deps"
}

@test "make deps with everything installed does nothing and says nothing" {
  run make -s -C "$NSLAB_ROOT" deps
  assert_success
  assert_output ""
}

@test "make help lists the targets a student needs" {
  run make -s -C "$NSLAB_ROOT" help
  assert_success
  assert_line --partial "sudo make demo"
  assert_line --partial "sudo make test"
  assert_line --partial "sudo make run-NN"
  assert_line --partial "make doctor"
}

@test "every stage builds clean with clang and -Werror" {
  local tree="$BATS_TEST_TMPDIR/tree"
  mkdir -p "$tree"
  (cd "$NSLAB_ROOT" && tar --exclude=.git --exclude=build -cf - .) | (cd "$tree" && tar -xf -)
  run make -C "$tree" -s clean all CC=clang
  assert_success
  refute_output --partial "warning"
  # each stage's program is NN-name/name, built from NN-name/name.c (further .c files
  # there are lesson files linked into it)
  local dir n=0
  for dir in "$tree"/[0-9][0-9]-*/; do
    dir=${dir%/}
    [ -x "$dir/${dir##*/[0-9][0-9]-}" ]
    n=$((n + 1))
  done
  [ "$n" -eq 5 ]
}

@test "a missing optional package is one line of note, and make deps still succeeds" {
  make_unprivileged deps-run DEBS_RUN=bats DEBS_CLIENTS=nslab-no-such-client
  assert_success
  assert_output ""
  assert_equal "$stderr" "make deps: not installed, and only what needs them skips: nslab-no-such-client (sudo make deps installs them)"
}
