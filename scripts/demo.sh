#!/usr/bin/env bash
# demo.sh - make demo: every stage's demo in order, each introduced by one sentence.
# On a terminal it pauses before each stage (a guided tour); piped, or with
# --no-pause (make demo NOPAUSE=1), it runs straight through.  --userns: every stage
# with -U, as an ordinary user runs them (make demo does so when not root).
# Usage: demo.sh [--no-pause] [--userns] STAGE-PROGRAM...
set -eu
cd "$(dirname "$0")/.." || exit 1

pause=0
[ -t 0 ] && [ -t 1 ] && pause=1
U=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-pause) pause=0 ;;
    --userns) U=(-U) ;;
    *) break ;;
  esac
  shift
done

intro() { # SENTENCE
  printf '\n== %s\n' "$*"
  if [ "$pause" = 1 ]; then
    read -r -p "   (Enter to run it, Ctrl-C to stop) " _
  fi
  echo
}

for prog in "$@"; do
  case "$prog" in
    01-pid-ns/pid-ns)
      intro "Stage 01: ps in a new PID namespace sees only itself, as PID 1."
      "$prog" "${U[@]}" -- ps auxw
      ;;
    02-ipc-mount-ns/ipc-mount-ns)
      intro "Stage 02: a System V queue on the host is not inside; inside, its own host name and /mnt."
      id=$(ipcmk -Q | grep -o '[0-9]*$')
      echo "host: ipcs -q lists $(ipcs -q | awk '$2 ~ /^[0-9]+$/' | wc -l) queue(s)"
      # shellcheck disable=SC2016 # expanded by the shell inside
      "$prog" "${U[@]}" -n inside -- sh -c 'echo "inside: ipcs -q lists $(ipcs -q | awk "\$2 ~ /^[0-9]+\$/" | wc -l) queue(s), hostname $(hostname)"; findmnt /mnt'
      ipcrm -q "$id"
      echo "host: hostname $(hostname); findmnt /mnt: $(findmnt -n /mnt || echo nothing mounted)"
      ;;
    03-user-drop/user-drop)
      intro "Stage 03: the article's program: dropped to nobody, PID 1, no capabilities."
      "$prog" "${U[@]}" -- sh -c 'id; grep CapEff /proc/self/status; ps auxw'
      ;;
    04-netns-veth/netns-veth)
      intro "Stage 04: namespaces nslab-host (the article's host) and ns1, joined by a veth pair over netlink; a ping each way, then down."
      "$prog" "${U[@]}"
      ;;
    05-bridge-dhcp/bridge-dhcp)
      intro "Stage 05: br0 bridges the lab host's eth0 (a cable to a LAN namespace running dnsmasq) and veth0; br0 and ns1 get addresses by DHCP, ns1 pings across the bridge, then down."
      "$prog" "${U[@]}"
      ;;
    *)
      intro "Stage ${prog%%-*}: its demo."
      "$prog" "${U[@]}"
      ;;
  esac
done
printf '\n== The demos are over; each one removed what it made.\n'
