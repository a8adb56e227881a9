#!/usr/bin/env bats
# The Chinese edition, TUTORIAL.zh-CN.md, shows the same console blocks as TUTORIAL.md,
# in the same order and byte for byte: the prose is translated, the commands and what
# they print are not.  make test runs the English blocks and judges each Chinese one by
# the English block at its place (tests/tutorial-check.sh --same-as-first); this
# test keeps them from drifting apart when only one edition is edited.

load helpers

EN="$NSLAB_ROOT/TUTORIAL.md"
ZH="$NSLAB_ROOT/TUTORIAL.zh-CN.md"

# console_blocks FILE DIR: writes each ```console block of FILE, fences included, to
# DIR/N (N from 1, in order) and the line it starts on to DIR/N.line.  Only fences at
# the start of a line count, as in tutorial-check.sh; other languages' blocks are
# skipped whole, so a ```console inside one is not taken for a block.  The comment
# that marks a block as needing the machine's root, on the line before its fence, is
# part of the block: both editions mark the same blocks, for the same reason.
console_blocks() {
  mkdir -p "$2"
  awk -v dir="$2" '
    fence == "" && /^```/ {
      fence = $0; n += (fence == "```console")
      if (fence == "```console") {
        f = dir "/" n; print NR > (f ".line"); close(f ".line")
        if (prev ~ /^<!-- needs the machine.s root: .* -->$/) print prev > f
        print > f
      }
      next
    }
    fence != "" {
      if (fence == "```console") print > f
      if ($0 == "```") { if (fence == "```console") close(f); fence = "" }
    }
    { prev = $0 }' "$1"
}

# same_blocks EN ZH: succeeds when both files have the same console blocks in the same
# order; otherwise prints the first block that differs, with the lines it is on.
same_blocks() {
  local a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b" na nb i
  rm -rf "$a" "$b"
  console_blocks "$1" "$a"
  console_blocks "$2" "$b"
  na=$(find "$a" -name '*.line' | wc -l)
  nb=$(find "$b" -name '*.line' | wc -l)
  for ((i = 1; i <= na && i <= nb; i++)); do
    if ! cmp -s "$a/$i" "$b/$i"; then
      echo "console block $i differs: $1:$(cat "$a/$i.line") and $2:$(cat "$b/$i.line")"
      diff "$a/$i" "$b/$i" | head -n 20
      return 1
    fi
  done
  if [ "$na" != "$nb" ]; then
    echo "$1 has $na console blocks, $2 has $nb: the first $((i - 1)) are the same"
    if [ "$na" -gt "$nb" ]; then
      echo "the first one missing from $2 is $1:$(cat "$a/$i.line")"
    else
      echo "the first one missing from $1 is $2:$(cat "$b/$i.line")"
    fi
    return 1
  fi
  echo "$na console blocks, the same in both"
}

@test "TUTORIAL.zh-CN.md shows TUTORIAL.md's console blocks, in order, byte for byte" {
  [ -f "$ZH" ] || fail "TUTORIAL.zh-CN.md is missing"
  run same_blocks "$EN" "$ZH"
  assert_success
  # the comparison saw the blocks: an extraction that found none would pass too
  [ "$(grep -c '^```console$' "$EN")" -gt 0 ]
  assert_output "$(grep -c '^```console$' "$EN") console blocks, the same in both"
}

@test "the comparison fails on a changed line, and names the block" {
  printf '%s\n' 'a' '```console' '# echo a' 'a' '```' '```console' '# echo b' 'b' '```' >"$BATS_TEST_TMPDIR/en.md"
  printf '%s\n' '甲' '```console' '# echo a' 'a' '```' '' '```console' '# echo b' 'B' '```' >"$BATS_TEST_TMPDIR/zh.md"
  run same_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/zh.md"
  assert_failure
  assert_line "console block 2 differs: $BATS_TEST_TMPDIR/en.md:6 and $BATS_TEST_TMPDIR/zh.md:7"
  assert_line '< b'
  assert_line '> B'
}

@test "the comparison fails on a missing block, and on two blocks swapped" {
  printf '%s\n' '```console' '# echo a' 'a' '```' '```console' '# echo b' 'b' '```' >"$BATS_TEST_TMPDIR/en.md"
  printf '%s\n' '```console' '# echo a' 'a' '```' >"$BATS_TEST_TMPDIR/zh.md"
  run same_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/zh.md"
  assert_failure
  assert_line "$BATS_TEST_TMPDIR/en.md has 2 console blocks, $BATS_TEST_TMPDIR/zh.md has 1: the first 1 are the same"
  assert_line "the first one missing from $BATS_TEST_TMPDIR/zh.md is $BATS_TEST_TMPDIR/en.md:5"
  printf '%s\n' '```console' '# echo b' 'b' '```' '```console' '# echo a' 'a' '```' >"$BATS_TEST_TMPDIR/zh.md"
  run same_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/zh.md"
  assert_failure
  assert_line --partial "console block 1 differs"
}

@test "the comparison fails on a block marked as needing the machine's root in one edition only" {
  printf '%s\n' '```console' '# id -u' '0' '```' >"$BATS_TEST_TMPDIR/en.md"
  printf '%s\n' "<!-- needs the machine's root: why -->" '```console' '# id -u' '0' '```' >"$BATS_TEST_TMPDIR/zh.md"
  run same_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/zh.md"
  assert_failure
  assert_line "console block 1 differs: $BATS_TEST_TMPDIR/en.md:1 and $BATS_TEST_TMPDIR/zh.md:2"
  cp "$BATS_TEST_TMPDIR/zh.md" "$BATS_TEST_TMPDIR/en.md"
  run same_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/zh.md"
  assert_success
}

@test "a console fence inside another block is not a block" {
  printf '%s\n' '```sh' '```console' '# x' '```' 'text ```console' >"$BATS_TEST_TMPDIR/en.md"
  console_blocks "$BATS_TEST_TMPDIR/en.md" "$BATS_TEST_TMPDIR/x"
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/x")" ]
}

@test "the Chinese edition links the English one, and both READMEs' editions are linked" {
  grep -q '(TUTORIAL.md)' "$ZH"
  grep -q '(TUTORIAL.zh-CN.md)' "$EN"
  grep -q '(TUTORIAL.zh-CN.md)' "$NSLAB_ROOT/README.md"
}
