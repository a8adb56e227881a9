#!/usr/bin/env bash
# bridge-dhcp-by-hand.sh - the article's steps 8 and 9 typed as commands, for make bench
# to time stage 05's demo against: the same lab as 05-bridge-dhcp/bridge-dhcp (a LAN
# namespace with dnsmasq, the lab host's br0 over eth0 and veth0, ns1 behind veth1),
# leases by dhclient, then ns1 pings the router and br0, then everything is removed.
# Only namespaces it creates are touched; dnsmasq offers no DNS server, so dhclient-script
# never writes /etc/resolv.conf.
# Usage: bridge-dhcp-by-hand.sh HOST-NS LAN-NS NS
set -eu
h=$1 l=$2 n=$3
d=$(mktemp -d /run/nslab-byhand.XXXXXX)
ip netns add "$h"
ip netns add "$l"
ip netns add "$n"
ip -n "$h" link set lo up
ip -n "$h" link add br0 type bridge # brctl addbr br0
ip -n "$l" link set lo up
ip -n "$l" link add lan0 type veth peer name eth0 netns "$h"
ip -n "$l" addr add 192.168.3.1/24 dev lan0
ip -n "$l" link set lan0 up
ip netns exec "$l" dnsmasq --conf-file=/dev/null --port=0 --interface=lan0 --bind-interfaces \
  --except-interface=lo --dhcp-authoritative --dhcp-range=192.168.3.100,192.168.3.199,255.255.255.0,3600 \
  --dhcp-option=option:router,192.168.3.1 --dhcp-leasefile="$d/leases" --pid-file="$d/dnsmasq.pid" \
  --log-facility="$d/log" --no-ping
ip -n "$h" link add veth0 type veth peer name veth1 netns "$n"
ip -n "$h" link set eth0 master br0 # brctl addif br0 eth0
ip -n "$h" link set veth0 master br0 # brctl addif br0 veth0
ip -n "$h" link set br0 up
ip -n "$h" link set eth0 up
ip -n "$h" link set veth0 up
ip -n "$n" link set lo up
ip -n "$n" link set veth1 up
ip netns exec "$h" dhclient -1 -pf "$d/br0.pid" -lf "$d/br0.leases" br0
ip netns exec "$n" dhclient -1 -pf "$d/veth1.pid" -lf "$d/veth1.leases" veth1
ip -n "$h" addr show dev br0
ip -n "$n" addr show dev veth1
ip netns exec "$n" ping -c 1 -W 2 192.168.3.1
ip netns exec "$n" ping -c 1 -W 2 "$(ip -n "$h" -4 -br addr show dev br0 | awk '{print $3}' | cut -d/ -f1)"
kill "$(cat "$d/br0.pid")" "$(cat "$d/veth1.pid")" "$(cat "$d/dnsmasq.pid")"
ip netns del "$n"
ip netns del "$l"
ip netns del "$h"
rm -rf "$d"
