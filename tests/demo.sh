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
    04-netns-veth/netns-veth)
      say "Stage 04: namespaces nslab-host (the article's host) and ns1, joined by a veth pair over netlink; a ping each way, then down."
      "$prog"
      ;;
    *)
      say "Stage ${prog%%-*}: its demo."
      "$prog"
      ;;
  esac
done
