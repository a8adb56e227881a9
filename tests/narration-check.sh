#!/usr/bin/env bash
# narration-check.sh - is a stage's narration the truth?  Runs one stage under strace
# and checks that every system call and netlink or DHCP message a narration line names
# was really made, in the narrated order, by the stage itself (not by a program it
# executed: ping's or dnsmasq's own calls do not count).
#
# Usage: tests/narration-check.sh [-k DIR] STAGE-PROGRAM [ARGS...]
#   -k DIR   keep the narration (DIR/narration) and the strace log (DIR/strace) there
# Prints one line per narrated call that fails ("narration line N: ..."), then a
# summary "narration: N lines, C calls checked, M notes"; exit 0 when every line holds,
# 1 when one does not, 2 when the stage itself failed.
#
# Each narration line is "[who] <op>  ~ <shell twin>" or a note "[who] <text>".  The
# table below is the one place that says what a narration names and what proves it:
# a line is either a note (NOTE rows) or names calls (CALL rows); a line that is
# neither, or that names a message the table does not know (RTM_*, DHCP*), fails, so
# a new narration line cannot go unchecked.
set -u

# --- The table -------------------------------------------------------------------
# CALL rows: NARRATION-ERE <tab> STRACE-ERE [<tab> N].  The narration ERE is looked
# for anywhere in a line's <op> part, as often as it occurs; each occurrence must be
# matched by a later strace event matching STRACE-ERE, in which {1}..{9} stand for
# what the narration's groups captured (quoted).  N names a group holding flags
# (A|B|C): each must appear in the event, in any order.  Rows are tried in order and
# text a row matched is not seen by the rows after it: specific before generic.  The
# last row takes any other name(...) for the system call of that name.
# The events are strace lines ("call(args) = ret"), calls merged when strace split
# them, long byte strings shortened, and sends annotated with " nl=RTM_..." per
# rtnetlink message, send and receive with " dhcp=DHCP..." (see normalise below).
CALLS=$(
  cat <<'EOF'
clone\(([A-Z_|]+)\)	^clone3?\(	1
(^|[^[:alnum:]_-])fork([^[:alnum:]_(-]|$)	^(clone3?|fork|vfork)\(
unshare\(([A-Z_|]+)\)	^unshare\(	1
setns\(([A-Za-z0-9_.-]+)\)	^setns\([0-9]+</run/netns/{1}>, 
setns\([^)]*\)	^setns\(
setns back	^setns\([0-9]+<net:\[
socket\((AF_[A-Z0-9]+)(, ([A-Z_]+))?\)	^socket\({1}, .*{3}
mount --bind[^/]*(/[^ ,]*)	^mount\([^,]*, "{1}", .*MS_BIND
mount sysfs (/[^ ,]*)	^mount\("[^"]*", "{1}", 
mount\("([^"]*)", "([^"]*)", ([A-Z_|]+)\)	^mount\("{1}", "{2}", 	3
mount\("([^"]*)", ([A-Z_|]+)\)	^mount\([^,]*, "{1}", 	2
umount2\("?([^",)]+)"?	^umount2\("{1}", 
(^|[^[:alnum:]_])unlink(\(\))?([^[:alnum:]_(]|$)	^unlink(at)?\(
(^|[^[:alnum:]_])rmdir(\(\))?([^[:alnum:]_(]|$)	^(rmdir\(|unlinkat\(.*AT_REMOVEDIR)
mkdir\("?([^")]*)"?\)	^mkdir(at)?\(([^,]*, )?"{1}"
execvp\("?([^")]*)"?\)	^execve\("([^"]*/)?{1}", .*= 0$
sethostname\("?([^")]*)"?\)	^sethostname\("{1}", 
setgroups\(([^)]*)\)	^setgroups\({1}\)
setgid\(([0-9]+)\)	^setgid\({1}\)
setuid\(([0-9]+)\)	^setuid\({1}\)
write "([^"]*)" to (/[^ ]+)	^write\([0-9]+<{2}>, "{1}
waitpid\(([0-9]+)\)	^(wait4\({1},|waitid\(P_PID, {1},)
kill\(([0-9]+), (SIG[A-Z0-9]+)\)	^kill\({1}, {2}\)
inotify_add_watch\(([^,]+), ([A-Z_|]+)\)	^inotify_add_watch\([^,]*, "{1}", 	2
(RTM_[A-Z]+)	^(sendto|sendmsg)\(.* nl={1}( |$)
(DHCP(DISCOVER|REQUEST|DECLINE|RELEASE|INFORM))	^(sendto|sendmsg)\(.* dhcp={1}( |$)
(DHCP(OFFER|ACK|NAK))	^(recvfrom|recvmsg|read)\(.* dhcp={1}( |$)
(^|[^[:alnum:]_])open\(	^open(at)?\(
(^|[^[:alnum:]_])([a-z_][a-z0-9_]*)\(	^{2}\(
EOF
)
# NOTE rows: an <op> part matching one of these explains what happened and names no
# call of its own.
NOTES=$(
  cat <<'EOF'
^child stack: 
^--leak: 
^setgroups\(\) is denied in this user namespace
^the child is PID [0-9]+ on the host
^[^ ]+ is born in 
^no route to add: 
^[^ ]+ and [^ ]+ are operationally up: 
^[^:]+ go(es)? with the lab's namespaces: 
^[^ ]+ and [^ ]+ hold no address 
^dnsmasq is ready: 
^[^ ]+ or [^ ]+ has no ID in this user namespace 
^rapid commit: 
^ignored [0-9]+ packets?: 
^[^ ]+ has [0-9./]+, .* after the client 
EOF
)
# What looks like a call in a narration line: word( (the last CALL row takes it),
# RTM_*, DHCP*.
CALL_LIKE='[a-z_][a-z0-9_]*\(|RTM_[A-Z]+|DHCP[A-Z]+'
# ----------------------------------------------------------------------------------

keep=""
if [ "${1:-}" = -k ]; then
  keep=$2
  shift 2
fi
[ $# -ge 1 ] || {
  echo "usage: $0 [-k DIR] STAGE-PROGRAM [ARGS...]" >&2
  exit 2
}
command -v strace >/dev/null || {
  echo "narration-check: strace is not installed (sudo make deps)" >&2
  exit 2
}

dir=${keep:-$(mktemp -d /tmp/nslab-narration.XXXXXX)}
mkdir -p "$dir"
cleanup() { [ -n "$keep" ] || rm -rf "$dir"; }
trap cleanup EXIT

# A SANITIZE=1 build: LeakSanitizer cannot work under ptrace and would fail the stage
# at exit; AddressSanitizer and UBSan still check everything else.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
rc=0
# Every system call (a narration may name any); -f: the stage's children too; -yy:
# paths and socket kinds for descriptors; --pidns-translation: the pids of a child in
# another PID namespace as strace knows them; -x: byte strings in hex, so the netlink and
# DHCP payloads can be decoded below; -s: whole.
strace -f --pidns-translation -qq -e signal=none -yy -x -s 4096 -o "$dir/strace" \
  "$@" >"$dir/stdout" 2>"$dir/narration" || rc=$?
if [ "$rc" != 0 ]; then
  echo "narration-check: $* exited with status $rc under strace:" >&2
  tail -n 5 "$dir/narration" >&2
  exit 2
fi

# normalise: one event per line, "ID<tab>PID<tab>call(args) = ret [annotations]".  A
# call strace split in two (<unfinished ...> / <... resumed>) is an event at both
# places with one ID (clone is narrated where it starts, waitpid where it returns); it
# matches one narration only.  Events of a process after it executed another program
# (and of that program's children) are left out.
normalise() {
  awk '
    function hexval(h,   v, i) {
      v = 0
      for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
      return v
    }
    function callname(rest) {
      if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) { split(rest, w, " "); return w[2] }
      return substr(rest, 1, index(rest, "(") - 1)
    }
    function retval(s,   off, last) {
      off = 0; last = 0
      while (match(substr(s, off + 1), /\) += /)) { last = off + RSTART + RLENGTH; off = last - 1 }
      return last ? substr(s, last) : ""
    }
    function foreign(pid, line) {
      if ((pid in from) && line > from[pid]) return 1
      if (pid in parent) return foreign(parent[pid], cloned[pid])
      return 0
    }
    # the rtnetlink message types, which strace cannot name for a socket of another
    # network namespace (it prints 0x10 /* NLMSG_??? */)
    BEGIN {
      split("NEWLINK DELLINK GETLINK SETLINK NEWADDR DELADDR GETADDR - NEWROUTE DELROUTE GETROUTE - NEWNEIGH DELNEIGH GETNEIGH", t, " ")
      for (i in t) if (t[i] != "-") rtm[16 + i - 1] = "RTM_" t[i]
      split("DISCOVER OFFER REQUEST DECLINE ACK NAK RELEASE INFORM", d, " ")
    }
    function netlink(s,   out, v) {
      out = ""
      while (match(s, /nlmsg_type=[A-Za-z0-9_]+/)) {
        v = substr(s, RSTART + 11, RLENGTH - 11)
        if (v ~ /^0x/ && (hexval(substr(v, 3)) in rtm)) v = rtm[hexval(substr(v, 3))]
        out = out " nl=" v
        s = substr(s, RSTART + RLENGTH)
      }
      return out
    }
    # DHCP option 53 (message type), after the magic cookie 63 82 53 63
    function dhcp(s,   p, o, l) {
      p = index(s, "\\x63\\x82\\x53\\x63")
      if (!p) return ""
      s = substr(s, p + 16)
      while (s ~ /^\\x[0-9a-f][0-9a-f]/) {
        o = hexval(substr(s, 3, 2)); s = substr(s, 5)
        if (o == 0) continue
        if (o == 255 || s !~ /^\\x/) return ""
        l = hexval(substr(s, 3, 2)); s = substr(s, 5)
        if (o == 53) return (hexval(substr(s, 3, 2)) in d) ? " dhcp=DHCP" d[hexval(substr(s, 3, 2))] : ""
        s = substr(s, 4 * l + 1)
      }
      return ""
    }
    NR == FNR {
      rest = $0; sub(/^[0-9]+ +/, "", rest)
      name = callname(rest)
      ret = retval(rest)
      # a child in another PID namespace (the keeper of -U): clone returns its pid there,
      # and --pidns-translation adds the one strace names it by
      if (match(ret, /\/\* [0-9]+ in strace/)) ret = substr(ret, RSTART + 3)
      if (name ~ /^(clone3?|fork|vfork)$/ && ret ~ /^[0-9]+/) { parent[ret + 0] = $1; cloned[ret + 0] = FNR }
      if (name == "execve" && ret ~ /^0/) { if (seen_exec) from[$1] = FNR; seen_exec = 1 }
      next
    }
    {
      pid = $1
      if (foreign(pid, FNR)) next
      rest = $0; sub(/^[0-9]+ +/, "", rest)
      if (rest ~ / <unfinished \.\.\.>$/) {
        sub(/ <unfinished \.\.\.>$/, "", rest)
        pending[pid] = rest; pid_id[pid] = ++id
        ev = rest; this = id
      } else if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
        sub(/^<\.\.\. [a-z0-9_]+ resumed>/, "", rest)
        ev = pending[pid] rest; this = pid_id[pid]
      } else {
        ev = rest; this = ++id
      }
      gsub(/  +=/, " =", ev)
      gsub(/ \/\* [0-9]+ in strace.s PID NS \*\//, "", ev)
      name = callname(ev)
      ann = ""
      if (name == "sendto" || name == "sendmsg") ann = netlink(ev)
      if (name ~ /^(sendto|sendmsg|recvfrom|recvmsg|read)$/) ann = ann dhcp(ev)
      gsub(/"(\\x[0-9a-f][0-9a-f])+"(\.\.\.)?/, "\"...\"", ev)
      print this "\t" pid "\t" ev ann
    }
  ' "$1" "$1"
}
normalise "$dir/strace" >"$dir/events"

# ere_quote TEXT: TEXT as an ERE matching itself.
ere_quote() {
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [][.*+?^\$\(\)\{\}\|\\]) out+="\\$c" ;;
      *) out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

ev_id=() ev_text=()
while IFS=$'\t' read -r i _ t; do
  ev_id+=("$i")
  ev_text+=("$t")
done <"$dir/events"
declare -A used=()
cursor=0 failed=0 checked=0 notes=0 lines=0 n=0

mapfile -t call_rows <<<"$CALLS"
mapfile -t note_rows <<<"$NOTES"

fail() { # LINE-NUMBER LINE MESSAGE
  echo "narration line $1: \"$2\": $3"
  failed=$((failed + 1))
}

# find EVENT-ERE FLAGS: the first unused event from the cursor on that matches; moves
# the cursor past it.
find_event() {
  local re=$1 flags=$2 i f ok
  for ((i = cursor; i < ${#ev_text[@]}; i++)); do
    [[ ${ev_text[i]} =~ $re ]] || continue
    [ -z "${used[${ev_id[i]}]:-}" ] || continue
    ok=1
    if [ -n "$flags" ]; then
      IFS='|' read -ra fl <<<"$flags"
      for f in "${fl[@]}"; do
        fre="(^|[^A-Z_])${f}([^A-Z0-9_]|\$)"
        [[ ${ev_text[i]} =~ $fre ]] || { ok=0; break; }
      done
    fi
    [ "$ok" = 1 ] || continue
    used[${ev_id[i]}]=1
    cursor=$((i + 1))
    return 0
  done
  return 1
}

while IFS= read -r line; do
  n=$((n + 1))
  [[ $line =~ ^\[[^]]+\]\ (.*)$ ]] || continue # the programs' own output
  lines=$((lines + 1))
  op=${BASH_REMATCH[1]}
  op=${op%%  ~ *}
  op=${op%"${op##*[! ]}"}

  is_note=0
  for r in "${note_rows[@]}"; do
    [[ $op =~ $r ]] && { is_note=1; break; }
  done
  if [ "$is_note" = 1 ]; then
    notes=$((notes + 1))
    continue
  fi

  # Every occurrence of every CALL row, with where it starts in the line.
  found=() rest=$op
  for ((k = 0; k < ${#call_rows[@]}; k++)); do
    IFS=$'\t' read -r nre _ <<<"${call_rows[k]}"
    s=$rest off=0
    while [[ $s =~ $nre ]]; do
      m=${BASH_REMATCH[0]}
      pre=${s%%"$m"*}
      caps=""
      for ((g = 1; g < ${#BASH_REMATCH[@]}; g++)); do caps+="${BASH_REMATCH[g]}"$'\x1f'; done
      found+=("$(printf '%05d' $((off + ${#pre})))"$'\t'"$k"$'\t'"$m"$'\t'"$caps")
      # blank it out for the rows after this one
      blank=$(printf '%*s' "${#m}" '')
      rest=${rest:0:off+${#pre}}$blank${rest:off+${#pre}+${#m}}
      off=$((off + ${#pre} + ${#m}))
      s=${s:${#pre}+${#m}}
      [ -n "$m" ] || break
    done
  done
  if [[ $rest =~ $CALL_LIKE ]]; then
    fail "$n" "$line" "names ${BASH_REMATCH[0]}, which the table in tests/narration-check.sh does not map to a strace pattern"
    continue
  fi
  if [ ${#found[@]} = 0 ]; then
    fail "$n" "$line" "names no call the table in tests/narration-check.sh knows, and is not one of its notes"
    continue
  fi

  while IFS=$'\t' read -r _ k m caps; do
    IFS=$'\t' read -r _ sre fg <<<"${call_rows[k]}"
    IFS=$'\x1f' read -ra cap <<<"$caps"
    for ((g = 9; g >= 1; g--)); do
      sre=${sre//\{$g\}/$(ere_quote "${cap[g - 1]:-}")}
    done
    flags=""
    [ -z "$fg" ] || flags=${cap[fg - 1]:-}
    checked=$((checked + 1))
    if ! find_event "$sre" "$flags"; then
      fail "$n" "$line" "names $m, but strace saw no such call (/$sre/${flags:+ with $flags}) after the previous narrated one"
    fi
  done < <(printf '%s\n' "${found[@]}" | sort -n)
done <"$dir/narration"

summary="narration: $lines lines, $checked calls checked, $notes notes"
[ "$failed" = 0 ] || summary+=", $failed failing"
echo "$summary"
[ "$failed" = 0 ]
