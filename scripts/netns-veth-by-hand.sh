#!/usr/bin/env bash
# netns-veth-by-hand.sh - what `04-netns-veth/netns-veth up` and `down` do, as the
# iproute2 commands a student would type.  make bench times the program against it.
# Usage: scripts/netns-veth-by-hand.sh up|down [HOST-NS [NS]]
set -eu
h=${2:-nslab-host} n=${3:-ns1}
case "${1:-}" in
  up)
    ip netns add "$h"
    ip netns add "$n"
    ip -n "$h" link set lo up
    ip -n "$h" link add veth0 type veth peer name veth1
    ip -n "$h" link set veth1 netns "$n"
    ip -n "$h" addr add 192.168.5.5/24 dev veth0
    ip -n "$h" link set veth0 up
    ip -n "$n" link set lo up
    ip -n "$n" addr add 192.168.5.10/24 dev veth1
    ip -n "$n" link set veth1 up
    ;;
  down)
    ip -n "$h" link del veth0
    ip netns del "$n"
    ip netns del "$h"
    ;;
  *)
    echo "usage: $0 up|down [HOST-NS [NS]]" >&2
    exit 2
    ;;
esac
