/* nl.h - rtnetlink through libmnl: what `ip link`, `ip addr` and `ip route` send.
 *
 * `ip` does not configure the network itself: it sends the kernel one netlink
 * message per command (RTM_NEWLINK, RTM_NEWADDR, ...) on an AF_NETLINK socket and
 * reads back an acknowledgement.  This module does the same with libmnl.
 *
 * A netlink socket belongs to the network namespace it was opened in, for life: open
 * one while inside a namespace (netns_enter) and it keeps talking to that namespace
 * after you leave.  That is how a stage configures several namespaces from one place.
 *
 * The nl_msg_* builders only fill a buffer (so the unit tests can check a message
 * without sending it); nl_request sends one and waits for its ack.  Everything
 * returns 0 (or a count) or -errno and prints nothing, except the nl_show_* printers.
 */
#ifndef NSLAB_NL_H
#define NSLAB_NL_H

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

/* Enough for any request we build and for a page of dump replies. */
#define NL_BUFSIZE 8192

struct mnl_socket;

struct nl {
    struct mnl_socket *sock;
    unsigned int portid;
    unsigned int seq;
    /* The kernel's extended-ack message for the last failed request ("" if none),
     * e.g. "Invalid address" - more precise than strerror alone. */
    char ext_ack[256];
};

/* Opens a NETLINK_ROUTE socket in the caller's current network namespace. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* Sends nlh with NLM_F_REQUEST|NLM_F_ACK and waits for the kernel's answer: 0, or
 * -errno from the kernel's error message (nl->ext_ack then holds its text, if any). */
int nl_request(struct nl *nl, struct nlmsghdr *nlh);

/* Request builders.  buf must hold NL_BUFSIZE bytes; each returns the message in it.
 * Links are named, not numbered: with ifi_index 0 the kernel looks the name up
 * (IFLA_IFNAME), as `ip link set NAME` relies on. */

/* ip link add NAME type veth peer name PEER [netns <the namespace behind peer_netns_fd>]:
 * with peer_netns_fd -1 both ends are made in the socket's namespace; otherwise PEER
 * is born in the other one, which spares the kernel a later move (see
 * nl_msg_link_netns). */
struct nlmsghdr *nl_msg_veth_add(void *buf, const char *name, const char *peer, int peer_netns_fd);
/* ip link set NAME netns <the namespace behind netns_fd>.  Moving a live link makes
 * the kernel wait for an RCU grace period (about 20 ms here) before it is done. */
struct nlmsghdr *nl_msg_link_netns(void *buf, const char *name, int netns_fd);
/* ip link set NAME up | down */
struct nlmsghdr *nl_msg_link_updown(void *buf, const char *name, bool up);
/* ip link del NAME */
struct nlmsghdr *nl_msg_link_del(void *buf, const char *name);
/* ip link show NAME (one link, answered with one RTM_NEWLINK) */
struct nlmsghdr *nl_msg_link_get(void *buf, const char *name);
/* ip addr add ADDR/PREFIX dev <ifindex> (broadcast derived, as `ip addr add ... brd +`) */
struct nlmsghdr *nl_msg_addr4_add(void *buf, int ifindex, struct in_addr addr, int prefix);
/* ip route add DST/PREFIX [via GW] dev <ifindex>; gw.s_addr 0 for none.  proto boot
 * and scope link (no gateway) or universe (gateway), as ip route add chooses. */
struct nlmsghdr *nl_msg_route4_add(void *buf, struct in_addr dst, int prefix, struct in_addr gw,
                                   int ifindex);

/* What a link dump tells about one link. */
struct nl_link {
    int index;
    char name[IFNAMSIZ];
    unsigned int flags; /* IFF_UP, IFF_LOWER_UP, ... */
    int operstate;      /* IF_OPER_* */
    int link;           /* IFLA_LINK: the peer's index, 0 when none */
    bool link_netns;    /* the peer lives in another namespace (IFLA_LINK_NETNSID) */
    int master;         /* IFLA_MASTER: the bridge it is a port of, 0 when none */
    unsigned char mac[6];
    bool has_mac;
};

/* ip link show NAME: the link's index and state. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out);

/* Dumps, each calling fn once per object; return 0 or -errno. */
struct nl_addr4 {
    int index;
    struct in_addr addr;
    int prefix;
};
struct nl_route4 {
    struct in_addr dst, gw, prefsrc;
    int prefix, oif, protocol, scope, table, type;
    bool has_gw, has_prefsrc, linkdown;
    long metric; /* -1 when absent */
};
/* Listens for addresses being added (RTNLGRP_IPV4_IFADDR, what `ip monitor address`
 * shows), then waits up to timeout_ms for one on link ifindex: 0 with *out, or
 * -ETIMEDOUT. */
int nl_watch_addrs4(struct nl *nl);
int nl_wait_addr4(struct nl *nl, int ifindex, int timeout_ms, struct nl_addr4 *out);

int nl_dump_links(struct nl *nl, void (*fn)(const struct nl_link *, void *), void *data);
int nl_dump_addrs4(struct nl *nl, void (*fn)(const struct nl_addr4 *, void *), void *data);
int nl_dump_routes4(struct nl *nl, void (*fn)(const struct nl_route4 *, void *), void *data);

/* A bridge port, as `bridge link` shows it (an AF_BRIDGE link dump). */
struct nl_brport {
    struct nl_link link;
    int mtu;
    int state;    /* BR_STATE_*: forwarding, blocking, ... (-1 when not said) */
    int priority; /* -1 when not said */
    int cost;     /* -1 when not said */
};
int nl_dump_brports(struct nl *nl, void (*fn)(const struct nl_brport *, void *), void *data);
/* Waits until each of the n ports of bridge br forwards (at most timeout_ms): a port
 * forwards only once the kernel has seen its carrier, asynchronously, and a frame
 * sent through it before is lost.  0, -ENODEV without the bridge, -ETIMEDOUT. */
int nl_bridge_wait_forwarding(struct nl *nl, const char *br, const char *const ports[], int n,
                              int timeout_ms);
/* The first IPv4 address of link name, in *addr: 0, -ENODEV, or -ENOENT when none. */
int nl_link_addr4(struct nl *nl, const char *name, struct in_addr *addr);
/* "disabled", "listening", "learning", "forwarding", "blocking" */
const char *nl_brstate_name(int state);
/* `bridge link`'s line:
 *   "3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state forwarding
 *    priority 32 cost 2" */
int nl_format_brport(char *buf, size_t size, const struct nl_brport *p, const char *master);

/* One line as iproute2 prints it (no trailing newline), for show and the tests:
 *   `ip route`:     "192.168.5.0/24 dev veth0 proto kernel scope link src 192.168.5.5"
 *   `ip -br link`:  "veth0@if2  UP  aa:bb:cc:dd:ee:ff <BROADCAST,MULTICAST,UP,LOWER_UP>"
 * ifname resolves an index to a name (the dump's links). */
int nl_format_route4(char *buf, size_t size, const struct nl_route4 *r, const char *dev);
int nl_format_link(char *buf, size_t size, const struct nl_link *l, const char *peer);
const char *nl_operstate_name(int operstate);

/* Prints the namespace's links (like `ip -br link`), IPv4 addresses (like
 * `ip -br -4 addr`) and main-table IPv4 routes (like `ip route`) to out. */
int nl_show(struct nl *nl, FILE *out);

#endif
