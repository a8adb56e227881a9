#!/usr/bin/env bash
# demo.sh - make demo: each stage's demo, in order, introduced by one sentence.
set -eu
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n\n' "$*"; }

for prog in "$@"; do
  case "$prog" in
    01-pid-ns/pid-ns)
      say "Stage 01: ps in a new PID namespace sees itself as PID 1 and nothing of the host."
      "$prog" -- ps auxw
      ;;
    02-ipc-mount-ns/ipc-mount-ns)
      say "Stage 02: a System V queue on the host is not inside; inside, its own host name and /mnt."
      id=$(ipcmk -Q | grep -o '[0-9]*$')
      echo "host: ipcs -q lists $(ipcs -q | awk '$2 ~ /^[0-9]+$/' | wc -l) queue(s)"
      # shellcheck disable=SC2016 # expanded by the shell inside
      "$prog" -n inside -- sh -c 'echo "inside: ipcs -q lists $(ipcs -q | awk "\$2 ~ /^[0-9]+\$/" | wc -l) queue(s), hostname $(hostname)"; findmnt /mnt'
      ipcrm -q "$id"
      echo "host: hostname $(hostname); findmnt /mnt: $(findmnt -n /mnt || echo nothing mounted)"
      ;;
    03-user-drop/user-drop)
      say "Stage 03: the article's program: dropped to nobody, PID 1, no capabilities."
      "$prog" -- sh -c 'id; grep CapEff /proc/self/status; ps auxw'
      ;;
    *)
      say "Stage ${prog%%-*}: its demo."
      "$prog"
      ;;
  esac
done
