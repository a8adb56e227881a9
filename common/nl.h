/* nl.h - rtnetlink through libmnl: the protocol `ip link`, `ip addr` and `ip route` speak.
 *
 * `ip` does not configure the network itself: it sends the kernel one netlink message
 * per command (RTM_NEWLINK, RTM_NEWADDR, ...) on an AF_NETLINK socket and reads back
 * an acknowledgement.  Stage 04 writes that conversation out (04-netns-veth/rtnl.c);
 * this module is its plumbing for everything after: the socket, one request and its
 * ack, the dumps `ip link/addr/route show` ask for, and the parsers of the kernel's
 * replies.  How a dump is printed the way ip prints it is nlshow.h's job.
 *
 * A netlink socket belongs to the network namespace it was opened in, for life: open
 * one while inside a namespace (netns_enter) and it keeps talking to that namespace
 * after you leave.  That is how a stage configures several namespaces from one place.
 *
 * Replies are input from outside: every length in them (nlmsg_len, nla_len, the echoed
 * request in an error) is checked against the bytes received before it is used, and
 * every attribute's size against its type; a malformed message is -EBADMSG, an
 * attribute of the wrong size is ignored, as if absent.  The parsers take a buffer and
 * its length, so the unit tests and the fuzz targets (tests/fuzz/fuzz_nl_*.c) call
 * them directly.  Everything returns 0 (or a count) or -errno and prints nothing.
 */
#ifndef NSLAB_NL_H
#define NSLAB_NL_H

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Opens a NETLINK_ROUTE socket in the caller's current network namespace, asking for
 * extended acks (NETLINK_EXT_ACK). */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* Sends nlh with NLM_F_REQUEST|NLM_F_ACK and waits for the kernel's answer: 0, or
 * -errno from the kernel's error message (nl->ext_ack then holds its text, if any). */
int nl_request(struct nl *nl, struct nlmsghdr *nlh);

/* The message at *off in buf[0..len), advancing *off past it; NULL when no whole
 * message is left.  Unlike libmnl 1.0.4's mnl_nlmsg_ok (which casts nlmsg_len to int:
 * a length of 2^31 or more runs off the buffer, 0xfffffffd and up loops forever), the
 * length is checked as unsigned against what is there. */
const struct nlmsghdr *nl_next(const void *buf, size_t len, size_t *off);

/* The answer to request seq in buf[0..len) (one datagram): 0 for the ack, the kernel's
 * -errno with its extended-ack text copied to ext_ack (size bytes, may be NULL), 1 when
 * the buffer holds no answer to seq (read the next one), -EBADMSG when the answer is
 * malformed. */
int nl_parse_ack(const void *buf, size_t len, uint32_t seq, char *ext_ack, size_t size);

/* Request builders for what later stages and `down` send (stage 04 builds its own
 * messages where it sends them).  buf must hold NL_BUFSIZE bytes; each returns the
 * message in it.  Links are named, not numbered: with ifi_index 0 the kernel looks
 * the name up (IFLA_IFNAME), as `ip link set NAME` relies on. */

/* ip link del NAME */
struct nlmsghdr *nl_msg_link_del(void *buf, const char *name);

/* What the kernel tells about one link (RTM_NEWLINK). */
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
/* One IPv4 address (RTM_NEWADDR). */
struct nl_addr4 {
    int index;
    struct in_addr addr;
    int prefix;
};
/* One IPv4 route (RTM_NEWROUTE). */
struct nl_route4 {
    struct in_addr dst, gw, prefsrc;
    int prefix, oif, protocol, scope, table, type;
    bool has_gw, has_prefsrc, linkdown;
    long metric; /* -1 when absent */
};
/* A bridge port, as `bridge link` shows it (an AF_BRIDGE link dump). */
struct nl_brport {
    struct nl_link link;
    int mtu;
    int state;    /* BR_STATE_*: forwarding, blocking, ... (-1 when not said) */
    int priority; /* -1 when not said */
    int cost;     /* -1 when not said */
};

/* The reply parsers: the one message at buf (len bytes there, which may be more than
 * the message).  0 with *out; -ENOMSG when it is another kind of message (another type,
 * another family, a bridge's own entry); -EBADMSG when it is malformed. */
int nl_parse_link(const void *buf, size_t len, struct nl_link *out);
int nl_parse_addr4(const void *buf, size_t len, struct nl_addr4 *out);
int nl_parse_route4(const void *buf, size_t len, struct nl_route4 *out);
int nl_parse_brport(const void *buf, size_t len, struct nl_brport *out);

/* ip link show NAME: the link's index and state; -ENODEV when there is none. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out);

/* Dumps, each calling fn once per object; return 0 or -errno. */
int nl_dump_links(struct nl *nl, void (*fn)(const struct nl_link *, void *), void *data);
int nl_dump_addrs4(struct nl *nl, void (*fn)(const struct nl_addr4 *, void *), void *data);
int nl_dump_routes4(struct nl *nl, void (*fn)(const struct nl_route4 *, void *), void *data);
int nl_dump_brports(struct nl *nl, void (*fn)(const struct nl_brport *, void *), void *data);

/* Listens for addresses being added (RTNLGRP_IPV4_IFADDR, what `ip monitor address`
 * shows), then waits up to timeout_ms for one on link ifindex: 0 with *out, or
 * -ETIMEDOUT. */
int nl_watch_addrs4(struct nl *nl);
int nl_wait_addr4(struct nl *nl, int ifindex, int timeout_ms, struct nl_addr4 *out);

/* Waits until link name is operationally up (IF_OPER_UP), at most timeout_ms: the
 * kernel turns a veth's carrier on asynchronously (its link watch), a moment after
 * both ends are set up.  0, -ENODEV without the link, -ETIMEDOUT. */
int nl_wait_oper_up(struct nl *nl, const char *name, int timeout_ms);

/* Waits until each of the n ports of bridge br forwards (at most timeout_ms): a port
 * forwards only once the kernel has seen its carrier, asynchronously, and a frame
 * sent through it before is lost.  0, -ENODEV without the bridge, -ETIMEDOUT. */
int nl_bridge_wait_forwarding(struct nl *nl, const char *br, const char *const ports[], int n,
                              int timeout_ms);
/* The first IPv4 address of link name, in *addr: 0, -ENODEV, or -ENOENT when none. */
int nl_link_addr4(struct nl *nl, const char *name, struct in_addr *addr);

#endif
