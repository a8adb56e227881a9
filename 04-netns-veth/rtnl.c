/* rtnl.c - the rtnetlink messages of stage 04, as `ip link` and `ip addr` send them.
 *
 * Every message is a struct nlmsghdr (type RTM_NEWLINK, RTM_NEWADDR; flags), then a
 * fixed header for its family (struct ifinfomsg for a link, struct ifaddrmsg for an
 * address), then attributes: type-length-value records (IFLA_IFNAME "veth0"), which
 * nest.  libmnl lays them out with the kernel's alignment: mnl_nlmsg_put_header,
 * mnl_nlmsg_put_extra_header, mnl_attr_put_*, mnl_attr_nest_start/end.
 *
 * Read: rtnetlink(7), netlink(7), veth(4), libmnl's examples/rtnl/rtnl-link-set.c and
 *       rtnl-addr-add.c, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>.
 */
#define _GNU_SOURCE
#include "rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>

#include "../common/narrate.h"

/* A link message: the header, struct ifinfomsg, and the link's name.  ifi_index 0:
 * the kernel finds the link by its IFLA_IFNAME, as `ip link set NAME` relies on. */
static struct nlmsghdr *link_msg(char *buf, int flags, const char *name)
{
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

int rtnl_veth_add(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                  const char *peer, const char *peer_ns, int peer_fd)
{
    char shell[160], op[128];
    /* NLM_F_CREATE | NLM_F_EXCL: make it, and fail with EEXIST rather than change a
     * link that is already there (someone else's). */
    struct nlmsghdr *nlh = link_msg(buf, NLM_F_CREATE | NLM_F_EXCL, name);
    /* IFLA_LINKINFO { IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER {...} } }:
     * what kind of link, and the kind's own data.  A veth's data is its peer, described
     * by a whole second link message nested inside the first: its own struct ifinfomsg
     * and attributes. */
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    /* The peer's own IFLA_NET_NS_FD: it is born in that namespace and never has to
     * move.  The kernel takes a namespace as an open fd on it, not by name: names are
     * ip's business (the files under /run/netns). */
    if (peer_fd >= 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_fd);
    mnl_attr_nest_end(nlh, peerinfo);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);

    if (peer_fd >= 0) {
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s netns %s", ns,
                 name, peer, peer_ns);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s IFLA_NET_NS_FD (an fd on %s)",
                 name, peer, peer_ns);
    } else {
        snprintf(shell, sizeof(shell), "ip -n %s link add %s type veth peer name %s", ns, name,
                 peer);
        snprintf(op, sizeof(op), "RTM_NEWLINK %s type veth peer %s", name, peer);
    }
    return rtnl_talk(s, nl, nlh, shell, op);
}

int rtnl_link_move(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                   const char *to_ns, int fd)
{
    char shell[160], op[128];
    /* The same RTM_NEWLINK that changes a link: IFLA_NET_NS_FD says where it goes. */
    struct nlmsghdr *nlh = link_msg(buf, 0, name);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)fd);
    snprintf(shell, sizeof(shell), "ip -n %s link set %s netns %s", ns, name, to_ns);
    snprintf(op, sizeof(op), "RTM_NEWLINK %s IFLA_NET_NS_FD (an fd on %s)", name, to_ns);
    return rtnl_talk(s, nl, nlh, shell, op);
}

int rtnl_link_up(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                 bool up)
{
    char shell[160], op[96];
    struct nlmsghdr *nlh = link_msg(buf, 0, name);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    /* ifi_change is the mask of the flags to change: only IFF_UP, the others (PROMISC,
     * NOARP, ...) stay as they are. */
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    snprintf(shell, sizeof(shell), "ip -n %s link set %s %s", ns, name, up ? "up" : "down");
    snprintf(op, sizeof(op), "RTM_NEWLINK %s %sIFF_UP", name, up ? "" : "~");
    return rtnl_talk(s, nl, nlh, shell, op);
}

int rtnl_addr4_add(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                   int ifindex, const struct cidr4 *a)
{
    char shell[160], op[128], ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->addr, ip, sizeof(ip));
    snprintf(shell, sizeof(shell), "ip -n %s addr add %s/%d dev %s", ns, ip, a->prefix, name);
    /* An address names its link by index, not by name: ask for it (RTM_GETLINK), as
     * ip does for "dev NAME". */
    if (ifindex == 0 && nl) {
        struct nl_link l;
        int r = nl_link_get(nl, name, &l);
        if (r < 0)
            return labstage_fail(s, r, nl, shell, NULL);
        ifindex = l.index;
    }
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)a->prefix;
    ifa->ifa_index = (unsigned int)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    /* IFA_LOCAL is this end's address; IFA_ADDRESS the same on a link that is not
     * point-to-point.  From them and the prefix the kernel adds, by itself, the route
     * to the subnet (proto kernel scope link): the article's step 7 needs no request. */
    mnl_attr_put(nlh, IFA_LOCAL, sizeof(a->addr), &a->addr);
    mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a->addr), &a->addr);
    /* The broadcast address, the subnet's last: `ip addr add ... brd +`, and what
     * ifconfig sets by default. */
    if (a->prefix < 31) {
        struct in_addr brd = {a->addr.s_addr | htonl(0xffffffffu >> a->prefix)};
        mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
    }
    snprintf(op, sizeof(op), "RTM_NEWADDR %s/%d on %s (index %d)", ip, a->prefix, name, ifindex);
    return rtnl_talk(s, nl, nlh, shell, op);
}

int rtnl_talk(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
              const char *op)
{
    char buf[NL_BUFSIZE];
    if (!nl)
        return 0;
    narrate_op(shell, "%s", op);
    /* NLM_F_ACK: answer even on success, so we know the step is done before the next.
     * The sequence number pairs the answer with its request. */
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return labstage_fail(s, -errno, NULL, shell, NULL);
    /* The answer is an NLMSG_ERROR message for our sequence number: a struct nlmsgerr
     * whose error is 0 for the ack, or -errno.  On failure, with NETLINK_EXT_ACK, the
     * echo of our request follows, then attributes, NLMSGERR_ATTR_MSG the kernel's
     * words.  nl_parse_ack (common/nl.c) reads it, checking every length in it first:
     * a reply is input, and its lengths are not to be trusted. */
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return labstage_fail(s, -errno, NULL, shell, NULL);
        int r = nl_parse_ack(buf, (size_t)n, nlh->nlmsg_seq, nl->ext_ack, sizeof(nl->ext_ack));
        if (r < 0)
            return labstage_fail(s, r, nl, shell, NULL);
        if (r == 0)
            return 0;
    }
}
