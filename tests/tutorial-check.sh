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
set -u

mode=each
if [ "${1:-}" = --one-shell ]; then
  mode=one-shell
  shift
fi

top=$(cd "$(dirname "$0")/.." && pwd)
export LC_ALL=C TERM=dumb COLUMNS=100
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# nobody must reach the checkout to run `$` commands; when it cannot (a private home
# directory), they run in a copy.
nobody_dir=$top nobody_copy=""
if [ "$(id -u)" = 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$top" 2>/dev/null; then
  nobody_dir=$(mktemp -d /tmp/nslab-tutorial.XXXXXX)
  nobody_copy=1
  chmod 755 "$nobody_dir"
  (cd "$top" && tar --exclude=.git -cf - .) | (cd "$nobody_dir" && tar -xf -)
  trap 'rm -rf "$nobody_dir"' EXIT
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

# Runs one command in a shell of its own and compares.
check_command() { # PROMPT CMD EXPECTED-TEXT
  local prompt=$1 cmd=$2 want=$3 got rc=0
  if [ "$prompt" = '#' ]; then
    got=$(cd "$top" && bash -c "$cmd" 2>&1 </dev/null) || rc=$?
  else
    got=$(cd "$nobody_dir" && setpriv --reuid=65534 --regid=65534 --clear-groups \
      --inh-caps=-all bash -c "$cmd" 2>&1 </dev/null) || rc=$?
  fi
  compare "$prompt" "$cmd" "$want" "$got" "$rc"
}

# Splits the files' console blocks into commands: block b is B_FILE[b]:B_START[b],
# its commands C_*[B_FIRST[b]] to C_*[B_FIRST[b] + B_COUNT[b] - 1]; B_OPEN[b] is 1 for
# a block that is never closed.
B_FILE=() B_START=() B_FIRST=() B_COUNT=() B_OPEN=()
C_PROMPT=() C_CMD=() C_WANT=()
for file in "$@"; do
  in_block=0 lineno=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    if [ "$in_block" = 0 ]; then
      if [[ $line =~ ^\`\`\`console[[:space:]]*$ ]]; then
        in_block=1
        B_FILE+=("$file") B_START+=("$lineno") B_FIRST+=("${#C_CMD[@]}") B_COUNT+=(0) B_OPEN+=(1)
      fi
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

# --one-shell: every command, in order, in one bash started at the top of the
# checkout, each between two marker lines; its output and status are read back
# from between them afterwards.  stdin is /dev/null, as in the other mode, so that
# no command reads the script itself.
C_GOT=() C_RC=()
tmp_before="" tmp_after=""
if [ "$mode" = one-shell ] && [ "$(id -u)" = 0 ]; then
  work=$(mktemp -d /tmp/nslab-tutorial-shell.XXXXXX)
  trap 'rm -rf "$work" ${nobody_copy:+"$nobody_dir"}' EXIT
  script=$work/script.sh
  {
    printf 'cd %q || exit 1\n' "$top"
    for c in "${!C_CMD[@]}"; do
      printf "printf '%%s\\\\n' '@@nslab-tutorial begin %d@@'\n" "$c"
      if [ "${C_PROMPT[c]}" = '#' ]; then
        printf '{ %s\n} </dev/null 2>&1\n' "${C_CMD[c]}"
      else
        # nobody runs it from the shell's directory, or from the same place in the
        # copy of the checkout when it cannot reach the checkout itself
        # shellcheck disable=SC2016 # expanded by the script's shell
        printf '( d=$PWD; case $PWD in %q | %q/*) d=%q${PWD#%q} ;; esac; cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all bash -c %q ) </dev/null 2>&1\n' \
          "$top" "$top" "$nobody_dir" "$top" "${C_CMD[c]}"
      fi
      printf "printf '\\\\n@@nslab-tutorial end %d %%d@@\\\\n' \"\$?\"\n" "$c"
    done
  } >"$script"
  tmp_before=$(find /tmp -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
  (cd "$top" && bash "$script" >"$work/out" 2>&1 </dev/null)
  tmp_after=$(find /tmp -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
  cur=-1 text=""
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
    fi
  done <"$work/out"
  if [ "$cur" -ge 0 ]; then # the shell ended inside a command (an exit)
    C_GOT[cur]=$text C_RC[cur]=255
  fi
fi

# One test per block.
n=0
for b in "${!B_FILE[@]}"; do
  n=$((n + 1))
  where="${B_FILE[b]}:${B_START[b]}"
  if [ "${B_OPEN[b]}" = 1 ]; then
    echo "not ok $n - $where console block never closed"
    continue
  fi
  report=$(
    ok=1
    [ "${B_COUNT[b]}" -gt 0 ] || { echo "#   a console block with no command"; ok=0; }
    if [ "$(id -u)" != 0 ]; then
      echo "SKIP"
      exit 0
    fi
    for ((c = B_FIRST[b]; c < B_FIRST[b] + B_COUNT[b]; c++)); do
      if [ "$mode" = each ]; then
        check_command "${C_PROMPT[c]}" "${C_CMD[c]}" "${C_WANT[c]}" || ok=0
      elif [ -z "${C_RC[c]+set}" ]; then
        echo "#   ${C_PROMPT[c]} ${C_CMD[c]}"
        echo "#   never ran: the shell had ended before it (an exit in an earlier command?)"
        ok=0
      else
        compare "${C_PROMPT[c]}" "${C_CMD[c]}" "${C_WANT[c]}" "${C_GOT[c]}" "${C_RC[c]}" || ok=0
      fi
    done
    [ "$ok" = 1 ] && echo "OK"
  )
  case "$report" in
    SKIP) echo "ok $n - $where console block # SKIP needs the machine's root: run sudo make test" ;;
    *OK) echo "ok $n - $where console block" ;;
    *)
      echo "not ok $n - $where console block"
      printf '%s\n' "$report"
      ;;
  esac
done

# What the blocks left in /tmp: a student's /tmp fills up with what a tutorial forgets.
if [ "$mode" = one-shell ]; then
  n=$((n + 1))
  if [ "$(id -u)" != 0 ]; then
    echo "ok $n - /tmp holds nothing new after the blocks # SKIP needs the machine's root: run sudo make test"
  else
    left=$(comm -13 <(printf '%s\n' "$tmp_before") <(printf '%s\n' "$tmp_after") | sed '/^$/d')
    if [ -z "$left" ]; then
      echo "ok $n - /tmp holds nothing new after the blocks"
    else
      echo "not ok $n - /tmp holds nothing new after the blocks"
      printf '%s\n' "$left" | sed 's|^|#   left in /tmp: |'
    fi
  fi
fi
echo "1..$n"
