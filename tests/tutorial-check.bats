#!/usr/bin/env bats
# The tutorial checker itself: it must fail when a block drifts from its command.

load helpers

CHECK="$NSLAB_ROOT/tests/tutorial-check.sh"

setup() {
  # as an ordinary user, each block runs in a world of user namespaces of its own
  require_userns
  doc="$BATS_TEST_TMPDIR/doc.md"
}

write_doc() {
  printf '%s\n' "$@" >"$doc"
}

# The checker as an ordinary user runs it (CI's user run, a student without sudo): as
# root, as uid 64162 on a copy of the checker, which it can reach; as an ordinary user,
# as itself.  Document: $udoc.
udoc=""
user_check() { # [--one-shell]
  if ! is_root; then
    "$CHECK" "$@" "$doc"
    return
  fi
  setpriv --reuid=64162 --regid=64162 --clear-groups --inh-caps=-all env -u XDG_RUNTIME_DIR \
    HOME="$udir" "$udir/tests/tutorial-check.sh" "$@" "$udoc"
}
user_setup() {
  if is_root; then
    if [ -z "${udir:-}" ]; then
      udir=$(mktemp -d /tmp/nslab-tc-user.XXXXXX)
      mkdir "$udir/tests"
      cp "$CHECK" "$udir/tests/"
    fi
    cp "$doc" "$udir/doc.md"
    chown -R 64162:64162 "$udir"
    chmod 755 "$udir"
    udoc=$udir/doc.md
  else
    udoc=$doc
  fi
}
teardown() {
  [ -z "${udir:-}" ] || rm -rf "$udir"
  [ -z "${runs:-}" ] || rm -f "$runs"
}

@test "a block whose output matches passes; other languages are not run" {
  write_doc 'text' '```console' '# echo hello' 'hello' '```' '```sh' '# false' '```'
  run "$CHECK" "$doc"
  assert_success
  assert_output "ok 1 - $doc:2 console block
1..1"
}

@test "a block whose output drifted fails and shows both sides" {
  write_doc '```console' '# echo hello' 'goodbye' '```'
  run "$CHECK" "$doc"
  assert_line "not ok 1 - $doc:1 console block"
  assert_line '#   goodbye'
  assert_line '#   hello'
}

@test "a command that fails fails the block, even with matching output" {
  write_doc '```console' '# echo same; false' 'same' '```'
  run "$CHECK" "$doc"
  assert_line "not ok 1 - $doc:1 console block"
  assert_line '#   exited with status 1 (a console block'"'"'s commands must succeed)'
}

@test "placeholders match what changes and nothing else" {
  write_doc '```console' \
    '# echo "pid 4242 mac 0a:1b:2c:3d:4e:5f at 10.0.0.7 id beef: any thing"' \
    'pid {{N}} mac {{MAC}} at {{IP}} id {{HEX}}: {{*}}' '```' \
    '```console' '# echo "pid x42"' 'pid {{N}}' '```'
  run "$CHECK" "$doc"
  assert_line "ok 1 - $doc:1 console block"
  assert_line "not ok 2 - $doc:5 console block"
}

@test "{{...}} stands for any number of lines, none included" {
  write_doc '```console' '# printf "a\nb\nc\nz\n"' 'a' '{{...}}' 'z' '```' \
    '```console' '# printf "a\nz\n"' 'a' '{{...}}' 'z' '```' \
    '```console' '# printf "a\nb\n"' 'a' '{{...}}' 'z' '```'
  run "$CHECK" "$doc"
  assert_line "ok 1 - $doc:1 console block"
  assert_line "ok 2 - $doc:7 console block"
  assert_line "not ok 3 - $doc:13 console block"
}

@test "\$ commands run as an unprivileged user, # commands as root" {
  write_doc '```console' '$ id -u' '65534' '# id -u' '0' '```'
  run "$CHECK" "$doc"
  assert_output "ok 1 - $doc:1 console block
1..1"
}

@test "missing lines and extra lines both fail" {
  write_doc '```console' '# printf "a\nb\n"' 'a' '```' \
    '```console' '# printf "a\n"' 'a' 'b' '```'
  run "$CHECK" "$doc"
  assert_line "not ok 1 - $doc:1 console block"
  assert_line "not ok 2 - $doc:5 console block"
}

@test "--one-shell: one shell for every block, in order: a cd or a variable carries over" {
  # shellcheck disable=SC2016 # a document's command, written as it is typed
  write_doc '```console' '# cd /usr && greeting=hello' '```' \
    '```console' '# pwd; echo "$greeting"' '/usr' 'hello' '```'
  run "$CHECK" --one-shell "$doc"
  assert_line "ok 1 - $doc:1 console block"
  assert_line "ok 2 - $doc:4 console block"
  assert_line "ok 3 - /tmp holds nothing new after the blocks"
  # each on its own, the second block starts afresh and fails
  run "$CHECK" "$doc"
  assert_line "not ok 2 - $doc:4 console block"
}

@test "--one-shell: a block that leaves the student in another directory breaks the next" {
  # shellcheck disable=SC2016 # a document's command, written as it is typed
  write_doc '```console' '# cd "$(mktemp -d /tmp/nslab-cd.XXXXXX)"; echo "exit $?"' 'exit 0' '```' \
    '```console' '# test -x 01-pid-ns/pid-ns && echo found' 'found' '```'
  run "$CHECK" --one-shell "$doc"
  rm -rf /tmp/nslab-cd.* # as root (an ordinary user's blocks have a /tmp of their own)
  assert_line "ok 1 - $doc:1 console block"
  assert_line "not ok 2 - $doc:5 console block"
  assert_line --regexp '^#   left in /tmp: nslab-cd\.[A-Za-z0-9]{6}$'
}

@test "--one-shell: what a block leaves in /tmp fails the last test and is named" {
  # shellcheck disable=SC2016 # a document's command, written as it is typed
  write_doc '```console' '# f=$(mktemp /tmp/nslab-left.XXXXXX); echo made' 'made' '```'
  run "$CHECK" --one-shell "$doc"
  rm -f /tmp/nslab-left.* # as root
  assert_line "ok 1 - $doc:1 console block"
  assert_line "not ok 2 - /tmp holds nothing new after the blocks"
  assert_line --regexp '^#   left in /tmp: nslab-left\.[A-Za-z0-9]{6}$'
  assert_line "1..2"
}

@test "--one-shell: \$ commands run as nobody from the shell's directory, outputs and statuses apart" {
  write_doc '```console' '# cd /usr' '$ id -u; pwd' '65534' '/usr' '# printf "no newline"; false' 'no newline' '```'
  run "$CHECK" --one-shell "$doc"
  assert_line "not ok 1 - $doc:1 console block"
  assert_line '#   exited with status 1 (a console block'"'"'s commands must succeed)'
  refute_line --partial '#   $ id -u'
}

@test "--one-shell: an exit ends the shell, and the commands after it are reported as never run" {
  write_doc '```console' '# exit 3' '```' '```console' '# echo after' 'after' '```'
  run "$CHECK" --one-shell "$doc"
  assert_line "not ok 1 - $doc:1 console block"
  assert_line "not ok 2 - $doc:4 console block"
  assert_line "#   never ran: the shell had ended before it (an exit in an earlier command?)"
}

@test "a block marked as needing the machine's root runs for root; without root it skips, saying why" {
  write_doc "<!-- needs the machine's root: the real nobody -->" '```console' '# id -u' '0' '```' \
    '```console' '# id -u' '0' '```'
  if is_root; then
    run "$CHECK" "$doc"
    assert_output "ok 1 - $doc:2 console block
ok 2 - $doc:6 console block
1..2"
  fi
  user_setup
  run user_check
  assert_output "ok 1 - $udoc:2 console block # SKIP needs the machine's root (the real nobody): run sudo make test
ok 2 - $udoc:6 console block
1..2"
  # only a comment on the line just before the fence marks the block
  write_doc "<!-- needs the machine's root: the real nobody -->" '' '```console' '# id -u' '0' '```'
  user_setup
  run user_check
  assert_output "ok 1 - $udoc:3 console block
1..1"
}

@test "without root, the blocks run in a world of their own: root there, nobody in it, nothing left on the machine" {
  # shellcheck disable=SC2016 # a document's command, written as it is typed
  # (the world's /run is its own tmpfs, mounted on top of whatever the machine has:
  # on a systemd machine a tmpfs too, so the source's name tells them apart)
  write_doc '```console' \
    "# id -u; ip link add nslabtc0 type veth peer name nslabtc1 && ip -br link show nslabtc0 | cut -d@ -f1" '0' 'nslabtc0' \
    '$ id -u; ip link add nslabtc2 type veth peer name nslabtc3; echo "exit $?"' '65534' 'RTNETLINK answers: Operation not permitted' 'exit 2' \
    '# sleep 987654 & touch /tmp/nslab-tc-left; findmnt -n -o SOURCE /run | tail -n 1' 'nslab-run' '```' \
    '```console' "# ip -br link show nslabtc0 | cut -d@ -f1; test -e /tmp/nslab-tc-left && echo 'still there'" \
    'nslabtc0' 'still there' '```'
  user_setup
  run user_check
  assert_output "ok 1 - $udoc:1 console block
ok 2 - $udoc:12 console block
1..2"
  # the machine has none of it: the link, the process, the file
  run ip link show nslabtc0
  assert_failure
  run pgrep -f 'sleep 987654'
  assert_failure
  [ ! -e /tmp/nslab-tc-left ]
}

@test "--same-as-first: a translated edition's blocks are judged by the first file's, not run again" {
  local zh="$BATS_TEST_TMPDIR/zh.md"
  # in the checkout, which the blocks see however they run (a world's /tmp is its own)
  runs="$NSLAB_ROOT/build/tutorial-check-runs.$$"
  # the first file: a block that passes, one that fails, one that runs once only
  write_doc '```console' '# echo hi' 'hi' '```' '```console' '# echo bad' 'good' '```' \
    '```console' "# echo run >>$runs" '```'
  # the edition: the same blocks, but the second of them translated by mistake
  printf '%s\n' 'zh' '```console' '# echo hi' 'hi' '```' '```console' '# echo 坏' 'good' '```' \
    '```console' "# echo run >>$runs" '```' >"$zh"
  run "$CHECK" --one-shell "$doc" --same-as-first "$zh"
  assert_line "ok 1 - $doc:1 console block"
  assert_line "not ok 2 - $doc:5 console block"
  assert_line "ok 3 - $doc:9 console block"
  assert_line "ok 4 - $zh:2 console block (the same as $doc:1, which passed)"
  assert_line "not ok 5 - $zh:6 console block: not the same as $doc:5"
  assert_line "ok 6 - $zh:10 console block (the same as $doc:9, which passed)"
  assert_line "ok 7 - /tmp holds nothing new after the blocks"
  # the edition's blocks did not run: the command that writes a line ran once
  assert_equal "$(wc -l <"$runs")" 1
  rm -f "$runs"
  # a block that failed in the first file fails in the edition too
  printf '%s\n' '```console' '# echo hi' 'hi' '```' '```console' '# echo bad' 'good' '```' >"$zh"
  write_doc '```console' '# echo hi' 'hi' '```' '```console' '# echo bad' 'good' '```'
  run "$CHECK" "$doc" --same-as-first "$zh"
  assert_line "not ok 4 - $zh:5 console block (the same as $doc:5, which failed)"
}
