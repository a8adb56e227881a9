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
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
export LC_ALL=C TERM=dumb COLUMNS=100
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# nobody must reach the checkout to run `$` commands; when it cannot (a private home
# directory), they run in a copy.
nobody_dir=$top
if [ "$(id -u)" = 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$top" 2>/dev/null; then
  nobody_dir=$(mktemp -d /tmp/nslab-tutorial.XXXXXX)
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

# Runs one command and compares; prints the differences as TAP comments.
check_command() { # PROMPT CMD EXPECTED-TEXT
  local prompt=$1 cmd=$2 want=$3 got rc=0
  if [ "$prompt" = '#' ]; then
    got=$(cd "$top" && bash -c "$cmd" 2>&1 </dev/null) || rc=$?
  else
    got=$(cd "$nobody_dir" && setpriv --reuid=65534 --regid=65534 --clear-groups \
      --inh-caps=-all bash -c "$cmd" 2>&1 </dev/null) || rc=$?
  fi
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

# Splits a file's console blocks into commands; runs each block as one test.
n=0
for file in "$@"; do
  in_block=0 lineno=0 start=0
  cmds=() prompts=() outs=() cur=-1
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    if [ "$in_block" = 0 ]; then
      if [[ $line =~ ^\`\`\`console[[:space:]]*$ ]]; then
        in_block=1 start=$lineno cmds=() prompts=() outs=() cur=-1
      fi
      continue
    fi
    if [[ $line =~ ^\`\`\`[[:space:]]*$ ]]; then
      in_block=0
      n=$((n + 1))
      report=$(
        ok=1
        [ "${#cmds[@]}" -gt 0 ] || { echo "#   a console block with no command"; ok=0; }
        if [ "$(id -u)" != 0 ]; then
          echo "SKIP"
          exit 0
        fi
        for i in "${!cmds[@]}"; do
          check_command "${prompts[$i]}" "${cmds[$i]}" "${outs[$i]}" || ok=0
        done
        [ "$ok" = 1 ] && echo "OK"
      )
      case "$report" in
        SKIP) echo "ok $n - $file:$start console block # SKIP needs root: run sudo make test" ;;
        *OK) echo "ok $n - $file:$start console block" ;;
        *)
          echo "not ok $n - $file:$start console block"
          printf '%s\n' "$report"
          ;;
      esac
      continue
    fi
    if [[ $line =~ ^([#$])\ (.*)$ ]]; then
      cur=$((cur + 1))
      prompts[cur]=${BASH_REMATCH[1]}
      cmds[cur]=${BASH_REMATCH[2]}
      outs[cur]=""
    elif [ "$cur" -ge 0 ]; then
      outs[cur]+="$line"$'\n'
    fi
  done <"$file"
  [ "$in_block" = 1 ] && {
    n=$((n + 1))
    echo "not ok $n - $file:$start console block never closed"
  }
done
echo "1..$n"
