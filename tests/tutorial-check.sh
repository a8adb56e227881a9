#!/usr/bin/env bash
# tutorial-check.sh - runs every ```console block of the given Markdown files and
# compares what each command prints with what the file shows.  Prints TAP: one test
# per block, so `make test` counts them with the rest.
#
# The rules a block follows (TUTORIAL.md's "How to read this tutorial" says the same):
#   # CMD      a command run as root (bash -c, from the top of the checkout)
#   $ CMD      a command run as the unprivileged user nobody
#   other      the output expected from the command above it, stdout and stderr
#              together as a terminal shows them
# A command must exit 0: to show a failure, print its status (`...; echo "exit $?"`).
# Runs of spaces compare as one space; leading and trailing spaces are ignored.
# Placeholders for values that change from run to run:
#   {{N}}      a whole number (a PID, a count, a time)
#   {{HEX}}    hexadecimal digits
#   {{MAC}}    a MAC address, aa:bb:cc:dd:ee:ff
#   {{IP}}     an IPv4 address
#   {{*}}      any text within the line
#   {{...}}    alone on a line: any number of lines, none included
# Blocks in other languages (```sh, ```text) are shown, never run.
# A block that only the machine's root can show (the drop to the real nobody, the
# machine's own files) has this line, alone, just before its opening fence:
#   <!-- needs the machine's root: WHY -->
#
# Who runs them:
#   as root              `#` commands run as the machine's root, `$` commands as the
#                        machine's user nobody: what the tutorial's reader sees.
#   as an ordinary user  the blocks run in a world of their own, as on a machine of
#                        their own: new user (the user mapped to root inside), mount,
#                        network and PID namespaces, with a private /run, /tmp and /sys.
#                        `#` commands run as that world's root, `$` commands as nobody of
#                        a user namespace inside it (uid 65534, no capability).  A block
#                        marked as needing the machine's root skips, saying why.  The
#                        world ends with the run: the kernel kills whatever the blocks
#                        left running, and their mounts and links go with its namespaces.
#
# Two ways to run them:
#   tutorial-check.sh FILE...            each command in a shell of its own, from the top
#                                        of the checkout: a block is judged on its own
#   tutorial-check.sh --one-shell FILE...
#                                        every command of every block in order, in ONE
#                                        shell, as a student pasting them would: a `cd`,
#                                        a variable or a job a command leaves behind is
#                                        still there for the next.  `$` commands run as
#                                        nobody from that shell's directory.  One more
#                                        test at the end: /tmp has no entry it did not
#                                        have before.
#   ... --same-as-first FILE2            FILE2's blocks are the first file's, translated
#                                        around (the Chinese edition): each one passes
#                                        when it is byte for byte the block at the same
#                                        place of the first file, and that block passed.
#                                        The same commands are not run twice.
set -u

mode=each mirrors=()
if [ "${1:-}" = --one-shell ]; then
  mode=one-shell
  shift
fi
# --same-as-first FILE: FILE's blocks are not run; each is judged by the block at the
# same place in the first file, which must be the same byte for byte (its commands,
# what they print, its root marker) and must have passed.
files=()
while [ $# -gt 0 ]; do
  if [ "$1" = --same-as-first ]; then
    mirrors+=("$2")
    shift 2
  else
    files+=("$1")
    shift
  fi
done
set -- "${files[@]}"

top=$(cd "$(dirname "$0")/.." && pwd)
export LC_ALL=C TERM=dumb COLUMNS=100
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# the per-user directory of rootless labs the tutorial shows is /tmp/nslab-UID
unset XDG_RUNTIME_DIR

rootless=0 no_world=""
if [ "$(id -u)" != 0 ]; then
  rootless=1
  unshare --user --map-root-user --mount --net --pid --fork true 2>/dev/null ||
    no_world="user namespaces are not allowed here for an ordinary user: make doctor says why"
fi
work=$(mktemp -d /tmp/nslab-tutorial.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

# nobody must reach the checkout to run `$` commands; when it cannot (a private home
# directory), they run in a copy.
nobody_dir=$top
if [ "$(id -u)" = 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$top" 2>/dev/null; then
  nobody_dir=$work/tree
  chmod 755 "$work"
  mkdir -m 755 "$nobody_dir"
  (cd "$top" && tar --exclude=.git -cf - .) | (cd "$nobody_dir" && tar -xf -)
fi

# An expected line as an anchored extended regular expression.
to_regex() {
  local re
  re=$(printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g' \
    -e 's/\\{\\{N\\}\\}/[0-9]+/g' \
    -e 's/\\{\\{HEX\\}\\}/[0-9a-f]+/g' \
    -e 's/\\{\\{MAC\\}\\}/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g' \
    -e 's/\\{\\{IP\\}\\}/[0-9]{1,3}(\\.[0-9]{1,3}){3}/g' \
    -e 's/\\{\\{\\[*]\\}\\}/.*/g')
  printf '^%s$' "$re"
}

squeeze() { # collapse runs of blanks, drop leading and trailing ones
  sed -e 's/[[:blank:]]\{1,\}/ /g' -e 's/^ //' -e 's/ $//'
}

# match EI AI: do expected[EI..] and actual[AI..] match?  {{...}} tries every length.
match() {
  local ei=$1 ai=$2
  while [ "$ei" -lt "${#expected[@]}" ]; do
    if [ "${expected[$ei]}" = "{{...}}" ]; then
      local k
      for ((k = ai; k <= ${#actual[@]}; k++)); do
        match $((ei + 1)) "$k" && return 0
      done
      return 1
    fi
    [ "$ai" -lt "${#actual[@]}" ] || return 1
    [[ ${actual[$ai]} =~ ${regex[$ei]} ]] || return 1
    ei=$((ei + 1))
    ai=$((ai + 1))
  done
  [ "$ai" -eq "${#actual[@]}" ]
}

# Compares what one command printed with what the file shows; prints the
# differences as TAP comments.
compare() { # PROMPT CMD EXPECTED-TEXT ACTUAL-TEXT STATUS
  local prompt=$1 cmd=$2 want=$3 got=$4 rc=$5
  mapfile -t actual < <(printf '%s\n' "$got" | squeeze | sed -e '${/^$/d}')
  mapfile -t expected < <(printf '%s' "$want" | squeeze)
  regex=()
  local line
  for line in "${expected[@]}"; do regex+=("$(to_regex "$line")"); done
  if [ "$rc" -ne 0 ] || ! match 0 0; then
    echo "#   $prompt $cmd"
    [ "$rc" -ne 0 ] && echo "#   exited with status $rc (a console block's commands must succeed)"
    echo "#   --- the tutorial shows"
    printf '%s\n' "${expected[@]}" | sed 's/^/#   /'
    echo "#   +++ the command printed"
    printf '%s\n' "${actual[@]}" | sed 's/^/#   /'
    return 1
  fi
}

is_mirror() { # FILE
  local m
  for m in "${mirrors[@]}"; do [ "$m" = "$1" ] && return 0; done
  return 1
}

# Splits the files' console blocks into commands: block b is B_FILE[b]:B_START[b],
# its commands C_*[B_FIRST[b]] to C_*[B_FIRST[b] + B_COUNT[b] - 1]; B_OPEN[b] is 1 for
# a block that is never closed, B_ROOT[b] why it needs the machine's root (or empty).
B_FILE=() B_START=() B_FIRST=() B_COUNT=() B_OPEN=() B_ROOT=() B_MIRROR=()
C_PROMPT=() C_CMD=() C_WANT=()
root_marker="^<!-- needs the machine's root: (.*[^ ]) -->\$"
for file in "$@" "${mirrors[@]}"; do
  in_block=0 lineno=0 prev="" mirror=0
  is_mirror "$file" && mirror=1
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    if [ "$in_block" = 0 ]; then
      if [[ $line =~ ^\`\`\`console[[:space:]]*$ ]]; then
        in_block=1 why=""
        [[ $prev =~ $root_marker ]] && why=${BASH_REMATCH[1]}
        B_FILE+=("$file") B_START+=("$lineno") B_FIRST+=("${#C_CMD[@]}") B_COUNT+=(0) B_OPEN+=(1)
        B_ROOT+=("$why") B_MIRROR+=("$mirror")
      fi
      prev=$line
      continue
    fi
    b=$((${#B_FILE[@]} - 1))
    if [[ $line =~ ^\`\`\`[[:space:]]*$ ]]; then
      in_block=0 B_OPEN[b]=0
    elif [[ $line =~ ^([#$])\ (.*)$ ]]; then
      C_PROMPT+=("${BASH_REMATCH[1]}") C_CMD+=("${BASH_REMATCH[2]}") C_WANT+=("")
      B_COUNT[b]=$((B_COUNT[b] + 1))
    elif [ "${B_COUNT[b]}" -gt 0 ]; then
      c=$((${#C_CMD[@]} - 1))
      C_WANT[c]+="$line"$'\n'
    fi
  done <"$file"
done


# The lines of a script that runs command C and prints what it printed, and its status,
# between two marker lines.  SHARED=1: in the script's own shell, as a student pasting
# it (a cd or a variable stays for the next command); SHARED=0: in a shell of its own,
# started at the top of the checkout.  stdin is /dev/null, so that no command reads
# the script itself.
emit_command() { # C SHARED
  local c=$1 shared=$2 cmd=${C_CMD[$1]} at=""
  [ "$shared" = 1 ] || at=$(printf 'cd %q && ' "$top")
  printf "printf '%%s\\\\n' '@@nslab-tutorial begin %d@@'\n" "$c"
  if [ "${C_PROMPT[c]}" = '#' ]; then
    if [ "$shared" = 1 ]; then
      printf '{ %s\n} </dev/null 2>&1\n' "$cmd"
    else
      printf '( %sbash -c %q ) </dev/null 2>&1\n' "$at" "$cmd"
    fi
  elif [ "$rootless" = 1 ]; then
    # nobody of the world's one nobody namespace (see world_setup), as every nobody
    # of a machine shares its user namespace: what one $ command makes (a lab's
    # keeper), the next can join.  Not root there, it has no capability left once
    # it runs a program.
    # shellcheck disable=SC2016 # expanded by the script's shell
    printf '( %snsenter --user --preserve-credentials --target "$NSLAB_TUTORIAL_NOBODY" setpriv --inh-caps=-all bash -c %q ) </dev/null 2>&1\n' \
      "$at" "$cmd"
  elif [ "$shared" = 1 ]; then
    # nobody runs it from the shell's directory, or from the same place in the copy
    # of the checkout when it cannot reach the checkout itself
    # shellcheck disable=SC2016 # expanded by the script's shell
    printf '( d=$PWD; case $PWD in %q | %q/*) d=%q${PWD#%q} ;; esac; cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all bash -c %q ) </dev/null 2>&1\n' \
      "$top" "$top" "$nobody_dir" "$top" "$cmd"
  else
    printf '( cd %q && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all bash -c %q ) </dev/null 2>&1\n' \
      "$nobody_dir" "$cmd"
  fi
  printf "printf '\\\\n@@nslab-tutorial end %d %%d@@\\\\n' \"\$?\"\n" "$c"
}

# The lines of a script that lists /tmp's entries as marker lines (WHEN: before, after).
emit_tmp_listing() { # WHEN
  printf "find /tmp -mindepth 1 -maxdepth 1 -printf '@@nslab-tutorial tmp-%s %%f@@\\\\n'\n" "$1"
}

# Runs a script made of the lines above.  As root, on the machine.  As an ordinary
# user, in a world of its own (see the top of this file): the kernel ends every
# process the script left behind when the world's first process, the script's shell,
# ends, and the world's mounts and links go with its namespaces.
# The world's private /tmp must not hide the checkout when it lives there: it is
# bound aside, then moved back to its place in the new /tmp.  Its nobody is uid 65534
# of a user namespace inside, held by a process of its own (NSLAB_TUTORIAL_NOBODY),
# whose maps are written before the first command runs.
# shellcheck disable=SC2016 # expanded by the world's shell
world_setup='mount -t tmpfs -o mode=755 nslab-run /run &&
  mkdir /run/checkout && mount --rbind "$0" /run/checkout &&
  mount -t tmpfs -o mode=1777 nslab-tmp /tmp &&
  mkdir -p "$0" && mount --move /run/checkout "$0" && rmdir /run/checkout &&
  mount -t sysfs nslab-sys /sys && ip link set lo up || exit 1
  unshare --user --map-user=65534 --map-group=65534 sleep infinity &
  export NSLAB_TUTORIAL_NOBODY=$!
  until [ "$(readlink /proc/$!/ns/user)" != "$(readlink /proc/self/ns/user)" ] &&
    [ -n "$(cat /proc/$!/uid_map)" ]; do
    kill -0 $! || exit 1
    sleep 0.01
  done
  exec bash /dev/fd/3'
run_script() { # SCRIPT OUTPUT
  if [ "$rootless" = 0 ]; then
    (cd "$top" && bash "$1" >"$2" 2>&1 </dev/null)
  else
    (cd "$top" && unshare --user --map-root-user --mount --net --pid --fork --kill-child --mount-proc \
      bash -c "$world_setup" "$top" >"$2" 2>&1 </dev/null 3<"$1")
  fi
}

# Reads a script's output back: what each command printed into C_GOT, its status
# into C_RC; /tmp's listings into TMP_BEFORE and TMP_AFTER; anything printed outside
# a command (the world's setup failing) into OUTSIDE.
C_GOT=() C_RC=() TMP_BEFORE="" TMP_AFTER="" OUTSIDE=""
read_output() { # OUTPUT
  local cur=-1 text="" line
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^@@nslab-tutorial\ begin\ ([0-9]+)@@$ ]]; then
      cur=${BASH_REMATCH[1]} text=""
    elif [[ $line =~ ^@@nslab-tutorial\ end\ ([0-9]+)\ ([0-9]+)@@$ ]] && [ "${BASH_REMATCH[1]}" = "$cur" ]; then
      # the end marker starts with a newline of its own: drop it
      C_GOT[cur]=${text%$'\n'}
      C_RC[cur]=${BASH_REMATCH[2]}
      cur=-1
    elif [ "$cur" -ge 0 ]; then
      text+="$line"$'\n'
    elif [[ $line =~ ^@@nslab-tutorial\ tmp-before\ (.*)@@$ ]]; then
      TMP_BEFORE+="${BASH_REMATCH[1]}"$'\n'
    elif [[ $line =~ ^@@nslab-tutorial\ tmp-after\ (.*)@@$ ]]; then
      TMP_AFTER+="${BASH_REMATCH[1]}"$'\n'
    else
      OUTSIDE+="$line"$'\n'
    fi
  done <"$1"
  if [ "$cur" -ge 0 ]; then # the shell ended inside a command (an exit)
    C_GOT[cur]=$text C_RC[cur]=255
  fi
}

# Whether block B runs here: not when this user cannot make a world, nor, as an
# ordinary user, when it needs the machine's root.  Prints why not.
skipped() { # B
  if [ -n "$no_world" ]; then
    echo "$no_world"
  elif [ "$rootless" = 1 ] && [ -n "${B_ROOT[$1]}" ]; then
    echo "needs the machine's root (${B_ROOT[$1]}): run sudo make test"
  else
    return 1
  fi
}

# Run them: every command of every block that runs here, in order, in one script (in
# one world, as an ordinary user: what a block leaves, the next finds, as on a machine).
if [ "$mode" = one-shell ]; then
  {
    printf 'cd %q || exit 1\n' "$top"
    emit_tmp_listing before
    for b in "${!B_FILE[@]}"; do
      [ "${B_MIRROR[b]}" = 0 ] || continue
      skipped "$b" >/dev/null && continue
      for ((c = B_FIRST[b]; c < B_FIRST[b] + B_COUNT[b]; c++)); do emit_command "$c" 1; done
    done
    emit_tmp_listing after
  } >"$work/script.sh"
else
  for b in "${!B_FILE[@]}"; do
    if [ "${B_OPEN[b]}" != 0 ] || [ "${B_MIRROR[b]}" != 0 ]; then continue; fi
    skipped "$b" >/dev/null && continue
    for ((c = B_FIRST[b]; c < B_FIRST[b] + B_COUNT[b]; c++)); do emit_command "$c" 0; done
  done >"$work/script.sh"
fi
if [ -z "$no_world" ]; then
  run_script "$work/script.sh" "$work/out"
  read_output "$work/out"
fi

# The block of the first file that a mirror block stands for: the k-th block of its
# file is the k-th of the first file.  Prints its index, or nothing.
first_of() { # B
  local j k=0
  for ((j = 0; j < $1; j++)); do
    if [ "${B_FILE[j]}" = "${B_FILE[$1]}" ]; then k=$((k + 1)); fi
  done
  for j in "${!B_FILE[@]}"; do
    [ "${B_FILE[j]}" = "${files[0]}" ] || continue
    if [ "$k" = 0 ]; then
      echo "$j"
      return
    fi
    k=$((k - 1))
  done
}

# Whether blocks A and B are the same, byte for byte.
same_block() { # A B
  local a=$1 b=$2 i
  [ "${B_COUNT[a]}" = "${B_COUNT[b]}" ] && [ "${B_ROOT[a]}" = "${B_ROOT[b]}" ] || return 1
  for ((i = 0; i < B_COUNT[a]; i++)); do
    local ca=$((B_FIRST[a] + i)) cb=$((B_FIRST[b] + i))
    [ "${C_PROMPT[ca]}" = "${C_PROMPT[cb]}" ] && [ "${C_CMD[ca]}" = "${C_CMD[cb]}" ] &&
      [ "${C_WANT[ca]}" = "${C_WANT[cb]}" ] || return 1
  done
}

# One test per block.
n=0 RESULT=()
for b in "${!B_FILE[@]}"; do
  n=$((n + 1))
  where="${B_FILE[b]}:${B_START[b]}"
  if [ "${B_OPEN[b]}" = 1 ]; then
    echo "not ok $n - $where console block never closed"
    continue
  fi
  if [ "${B_MIRROR[b]}" = 1 ]; then
    a=$(first_of "$b")
    if [ -z "$a" ]; then
      echo "not ok $n - $where console block: ${files[0]} has no block at its place"
    elif ! same_block "$a" "$b"; then
      echo "not ok $n - $where console block: not the same as ${B_FILE[a]}:${B_START[a]}"
    elif [ "${RESULT[a]}" = ok ]; then
      echo "ok $n - $where console block (the same as ${B_FILE[a]}:${B_START[a]}, which passed)"
    elif [ "${RESULT[a]}" = skip ]; then
      echo "ok $n - $where console block # SKIP $(skipped "$a")"
    else
      echo "not ok $n - $where console block (the same as ${B_FILE[a]}:${B_START[a]}, which failed)"
    fi
    continue
  fi
  if why=$(skipped "$b"); then
    echo "ok $n - $where console block # SKIP $why"
    RESULT[b]=skip
    continue
  fi
  report=$(
    ok=1
    [ "${B_COUNT[b]}" -gt 0 ] || { echo "#   a console block with no command"; ok=0; }
    for ((c = B_FIRST[b]; c < B_FIRST[b] + B_COUNT[b]; c++)); do
      if [ -z "${C_RC[c]+set}" ]; then
        echo "#   ${C_PROMPT[c]} ${C_CMD[c]}"
        echo "#   never ran: the shell had ended before it (an exit in an earlier command?)"
        [ -n "$OUTSIDE" ] && printf '%s' "$OUTSIDE" | sed 's/^/#   printed outside any command: /'
        ok=0
      else
        compare "${C_PROMPT[c]}" "${C_CMD[c]}" "${C_WANT[c]}" "${C_GOT[c]}" "${C_RC[c]}" || ok=0
      fi
    done
    [ "$ok" = 1 ] && echo "OK"
  )
  RESULT[b]=failed
  case "$report" in
    *OK)
      echo "ok $n - $where console block"
      RESULT[b]=ok
      ;;
    *)
      echo "not ok $n - $where console block"
      printf '%s\n' "$report"
      ;;
  esac
done

# What the blocks left in /tmp: a student's /tmp fills up with what a tutorial forgets.
if [ "$mode" = one-shell ]; then
  n=$((n + 1))
  if [ -n "$no_world" ]; then
    echo "ok $n - /tmp holds nothing new after the blocks # SKIP $no_world"
  else
    left=$(comm -13 <(printf '%s' "$TMP_BEFORE" | sort) <(printf '%s' "$TMP_AFTER" | sort) | sed '/^$/d')
    if [ -z "$left" ]; then
      echo "ok $n - /tmp holds nothing new after the blocks"
    else
      echo "not ok $n - /tmp holds nothing new after the blocks"
      printf '%s\n' "$left" | sed 's|^|#   left in /tmp: |'
    fi
  fi
fi
echo "1..$n"
