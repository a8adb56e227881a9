/* nl.c - rtnetlink requests and dumps through libmnl, as `ip` sends them. */
#define _GNU_SOURCE
#include "nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>

/* <linux/if.h> has it but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int nl_open(struct nl *nl)
{
    memset(nl, 0, sizeof(*nl));
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->sock)
        return -errno;
    /* Ask for the kernel's own words on failure ("Invalid address"), the way
     * `ip` shows "Error: ..." before strerror. */
    int on = 1;
    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof(on));
    if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(nl->sock);
        nl->sock = NULL;
        return -e;
    }
    nl->portid = mnl_socket_get_portid(nl->sock);
    nl->seq = (unsigned int)time(NULL);
    return 0;
}

void nl_close(struct nl *nl)
{
    if (nl->sock)
        mnl_socket_close(nl->sock);
    nl->sock = NULL;
}

/* Reads the error's text from the extended-ack attributes after struct nlmsgerr. */
static void read_ext_ack(struct nl *nl, const struct nlmsghdr *nlh)
{
    const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return;
    /* The kernel echoes our request after nlmsgerr unless it capped it. */
    size_t off = sizeof(*e);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
        off += e->msg.nlmsg_len - sizeof(e->msg);
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, off)
    {
        if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
            mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
            snprintf(nl->ext_ack, sizeof(nl->ext_ack), "%s", mnl_attr_get_str(a));
    }
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh)
{
    char buf[NL_BUFSIZE];
    nl->ext_ack[0] = '\0';
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        /* Our socket sees only answers to us, but skip anything not for this seq. */
        int len = (int)n;
        for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
             h = mnl_nlmsg_next(h, &len)) {
            if (h->nlmsg_seq != nlh->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
                continue;
            if (h->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
                return -EBADMSG;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
            if (e->error == 0)
                return 0; /* the ack */
            read_ext_ack(nl, h);
            return e->error; /* already -errno */
        }
    }
}

/* The header every request starts with; the caller's type and flags. */
static struct nlmsghdr *msg_start(void *buf, int type, int flags)
{
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (unsigned short)type;
    nlh->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
    return nlh;
}

static struct ifinfomsg *link_start(struct nlmsghdr *nlh)
{
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    return ifi;
}

struct nlmsghdr *nl_msg_veth_add(void *buf, const char *name, const char *peer, int peer_netns_fd)
{
    /* NLM_F_EXCL: fail with EEXIST rather than change a link that is there. */
    struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    link_start(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    /* IFLA_LINKINFO { IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER
     * { struct ifinfomsg, IFLA_IFNAME peer } } }: the peer is described by a whole
     * second link message nested inside the first. */
    struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
    pifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    /* The peer's own IFLA_NET_NS_FD: created there, never moved. */
    if (peer_netns_fd >= 0)
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
    mnl_attr_nest_end(nlh, peerinfo);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    return nlh;
}

struct nlmsghdr *nl_msg_link_netns(void *buf, const char *name, int netns_fd)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
    link_start(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
    return nlh;
}

struct nlmsghdr *nl_msg_link_updown(void *buf, const char *name, bool up)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_NEWLINK, 0);
    struct ifinfomsg *ifi = link_start(nlh);
    /* Only the bits in ifi_change are changed. */
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

struct nlmsghdr *nl_msg_link_del(void *buf, const char *name)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_DELLINK, 0);
    link_start(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

struct nlmsghdr *nl_msg_link_get(void *buf, const char *name)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, 0);
    link_start(nlh);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

struct nlmsghdr *nl_msg_addr4_add(void *buf, int ifindex, struct in_addr addr, int prefix)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = (unsigned int)ifindex;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    /* IFA_LOCAL is the address of this end; IFA_ADDRESS the same on a non
     * point-to-point link.  The kernel adds the connected route from them. */
    mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
    mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
    if (prefix < 31) {
        uint32_t host = prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix);
        struct in_addr brd = {.s_addr = addr.s_addr | htonl(host)};
        mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
    }
    return nlh;
}

struct nlmsghdr *nl_msg_route4_add(void *buf, struct in_addr dst, int prefix, struct in_addr gw,
                                   int ifindex)
{
    struct nlmsghdr *nlh = msg_start(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = (unsigned char)prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    rtm->rtm_scope = gw.s_addr ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    if (prefix > 0)
        mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
    if (gw.s_addr)
        mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    return nlh;
}

/* ---- dumps ---- */

static int link_attr(const struct nlattr *a, void *data)
{
    const struct nlattr **tb = data;
    int type = mnl_attr_get_type(a);
    if (mnl_attr_type_valid(a, IFLA_MAX) > 0)
        tb[type] = a;
    return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct nl_link *l)
{
    const struct nlattr *tb[IFLA_MAX + 1] = {0};
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    memset(l, 0, sizeof(*l));
    mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb);
    l->index = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    if (tb[IFLA_IFNAME])
        snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
    if (tb[IFLA_OPERSTATE])
        l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
    if (tb[IFLA_LINK])
        l->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
    l->link_netns = tb[IFLA_LINK_NETNSID] != NULL;
    if (tb[IFLA_MASTER])
        l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
    if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
        memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
        l->has_mac = true;
    }
}

/* Sends one request and runs cb over every reply until the kernel says done. */
static int run(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    char buf[NL_BUFSIZE];
    nl->ext_ack[0] = '\0';
    nlh->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, cb, data);
        if (r < 0)
            return -errno;
        if (r == MNL_CB_STOP)
            return 0;
    }
}

struct link_get {
    struct nl_link *out;
    bool found;
};

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_get *g = data;
    if (nlh->nlmsg_type == RTM_NEWLINK) {
        parse_link(nlh, g->out);
        g->found = true;
    }
    /* A single GET is answered by one message, with no NLMSG_DONE after it. */
    return MNL_CB_STOP;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out)
{
    char buf[NL_BUFSIZE];
    struct link_get g = {.out = out};
    int r = run(nl, nl_msg_link_get(buf, name), link_get_cb, &g);
    if (r < 0)
        return r;
    return g.found ? 0 : -ENODEV;
}

struct dump {
    void (*fn)(const void *, void *);
    void *data;
};

static int dump_link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump *d = data;
    struct nl_link l;
    parse_link(nlh, &l);
    d->fn(&l, d->data);
    return MNL_CB_OK;
}

int nl_dump_links(struct nl *nl, void (*fn)(const struct nl_link *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, NLM_F_DUMP);
    link_start(nlh);
    struct dump d = {(void (*)(const void *, void *))fn, data};
    return run(nl, nlh, dump_link_cb, &d);
}

static int brport_attr(const struct nlattr *a, void *data)
{
    const struct nlattr **tb = data;
    if (mnl_attr_type_valid(a, IFLA_BRPORT_MAX) > 0)
        tb[mnl_attr_get_type(a)] = a;
    return MNL_CB_OK;
}

static int dump_brport_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump *d = data;
    const struct nlattr *tb[IFLA_MAX + 1] = {0};
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct nl_brport p = {.state = -1, .priority = -1, .cost = -1};
    parse_link(nlh, &p.link);
    /* Only ports: the bridge itself answers too, without a master. */
    if (!p.link.master || p.link.master == ifi->ifi_index)
        return MNL_CB_OK;
    mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb);
    if (tb[IFLA_MTU])
        p.mtu = (int)mnl_attr_get_u32(tb[IFLA_MTU]);
    /* IFLA_PROTINFO { IFLA_BRPORT_STATE, _PRIORITY, _COST, ... } */
    if (tb[IFLA_PROTINFO] && (mnl_attr_get_type(tb[IFLA_PROTINFO]) == IFLA_PROTINFO)) {
        const struct nlattr *pt[IFLA_BRPORT_MAX + 1] = {0};
        if (mnl_attr_parse_nested(tb[IFLA_PROTINFO], brport_attr, pt) >= 0) {
            if (pt[IFLA_BRPORT_STATE])
                p.state = mnl_attr_get_u8(pt[IFLA_BRPORT_STATE]);
            if (pt[IFLA_BRPORT_PRIORITY])
                p.priority = mnl_attr_get_u16(pt[IFLA_BRPORT_PRIORITY]);
            if (pt[IFLA_BRPORT_COST])
                p.cost = (int)mnl_attr_get_u32(pt[IFLA_BRPORT_COST]);
        }
    }
    d->fn(&p, d->data);
    return MNL_CB_OK;
}

int nl_dump_brports(struct nl *nl, void (*fn)(const struct nl_brport *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETLINK, NLM_F_DUMP);
    /* AF_BRIDGE: the bridge's view of its ports, what `bridge link` asks for. */
    struct ifinfomsg *ifi = link_start(nlh);
    ifi->ifi_family = AF_BRIDGE;
    struct dump d = {(void (*)(const void *, void *))fn, data};
    return run(nl, nlh, dump_brport_cb, &d);
}

const char *nl_brstate_name(int state)
{
    static const char *const names[] = {"disabled", "listening", "learning", "forwarding",
                                        "blocking"};
    return state >= 0 && state <= BR_STATE_BLOCKING ? names[state] : "unknown";
}

static int addr_attr(const struct nlattr *a, void *data)
{
    const struct nlattr **tb = data;
    if (mnl_attr_type_valid(a, IFA_MAX) > 0)
        tb[mnl_attr_get_type(a)] = a;
    return MNL_CB_OK;
}

static int dump_addr_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump *d = data;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *tb[IFA_MAX + 1] = {0};
    if (ifa->ifa_family != AF_INET)
        return MNL_CB_OK;
    mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
    const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!a || mnl_attr_get_payload_len(a) != 4)
        return MNL_CB_OK;
    struct nl_addr4 ad = {.index = (int)ifa->ifa_index, .prefix = ifa->ifa_prefixlen};
    memcpy(&ad.addr, mnl_attr_get_payload(a), 4);
    d->fn(&ad, d->data);
    return MNL_CB_OK;
}

int nl_watch_addrs4(struct nl *nl)
{
    int group = RTNLGRP_IPV4_IFADDR;
    if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
        return -errno;
    return 0;
}

struct wait_addr {
    int ifindex;
    bool found;
    struct nl_addr4 *out;
};

static void wait_addr_fn(const struct nl_addr4 *a, void *data)
{
    struct wait_addr *w = data;
    if (a->index == w->ifindex && !w->found) {
        *w->out = *a;
        w->found = true;
    }
}

int nl_wait_addr4(struct nl *nl, int ifindex, int timeout_ms, struct nl_addr4 *out)
{
    char buf[NL_BUFSIZE];
    struct wait_addr w = {.ifindex = ifindex, .out = out};
    struct dump d = {(void (*)(const void *, void *))wait_addr_fn, &w};
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd = mnl_socket_get_fd(nl->sock);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
        return -errno;
    while (!w.found) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        }
        int len = (int)n;
        for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
             h = mnl_nlmsg_next(h, &len))
            if (h->nlmsg_type == RTM_NEWADDR)
                dump_addr_cb(h, &d);
    }
    return 0;
}

int nl_dump_addrs4(struct nl *nl, void (*fn)(const struct nl_addr4 *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    struct dump d = {(void (*)(const void *, void *))fn, data};
    return run(nl, nlh, dump_addr_cb, &d);
}

static int route_attr(const struct nlattr *a, void *data)
{
    const struct nlattr **tb = data;
    if (mnl_attr_type_valid(a, RTA_MAX) > 0)
        tb[mnl_attr_get_type(a)] = a;
    return MNL_CB_OK;
}

static void get_in_addr(const struct nlattr *a, struct in_addr *out)
{
    if (mnl_attr_get_payload_len(a) == 4)
        memcpy(out, mnl_attr_get_payload(a), 4);
}

static int dump_route_cb(const struct nlmsghdr *nlh, void *data)
{
    struct dump *d = data;
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *tb[RTA_MAX + 1] = {0};
    if (rtm->rtm_family != AF_INET)
        return MNL_CB_OK;
    mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb);
    struct nl_route4 r = {
        .prefix = rtm->rtm_dst_len,
        .protocol = rtm->rtm_protocol,
        .scope = rtm->rtm_scope,
        .table = tb[RTA_TABLE] ? (int)mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
        .type = rtm->rtm_type,
        .linkdown = rtm->rtm_flags & RTNH_F_LINKDOWN,
        .metric = tb[RTA_PRIORITY] ? (long)mnl_attr_get_u32(tb[RTA_PRIORITY]) : -1,
    };
    if (tb[RTA_DST])
        get_in_addr(tb[RTA_DST], &r.dst);
    if (tb[RTA_GATEWAY]) {
        get_in_addr(tb[RTA_GATEWAY], &r.gw);
        r.has_gw = true;
    }
    if (tb[RTA_PREFSRC]) {
        get_in_addr(tb[RTA_PREFSRC], &r.prefsrc);
        r.has_prefsrc = true;
    }
    if (tb[RTA_OIF])
        r.oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
    d->fn(&r, d->data);
    return MNL_CB_OK;
}

int nl_dump_routes4(struct nl *nl, void (*fn)(const struct nl_route4 *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETROUTE, NLM_F_DUMP);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    struct dump d = {(void (*)(const void *, void *))fn, data};
    return run(nl, nlh, dump_route_cb, &d);
}

/* ---- printing, as iproute2 does ---- */

const char *nl_operstate_name(int operstate)
{
    static const char *const names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
                                        "TESTING", "DORMANT",    "UP"};
    return operstate >= 0 && operstate < 7 ? names[operstate] : "UNKNOWN";
}

static const char *proto_name(int p)
{
    switch (p) {
    case RTPROT_KERNEL:
        return "kernel";
    case RTPROT_STATIC:
        return "static";
    case RTPROT_DHCP:
        return "dhcp";
    default:
        return NULL;
    }
}

/* Appends with snprintf, remembering overflow. */
struct out {
    char *buf;
    size_t size, len;
    bool cut;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len) {
        o->cut = true;
        o->len = o->size - 1;
    } else {
        o->len += (size_t)n;
    }
}

int nl_format_route4(char *buf, size_t size, const struct nl_route4 *r, const char *dev)
{
    struct out o = {buf, size, 0, false};
    char a[INET_ADDRSTRLEN];
    buf[0] = '\0';
    if (r->prefix == 0)
        put(&o, "default");
    else
        put(&o, "%s/%d", inet_ntop(AF_INET, &r->dst, a, sizeof(a)), r->prefix);
    if (r->has_gw)
        put(&o, " via %s", inet_ntop(AF_INET, &r->gw, a, sizeof(a)));
    if (dev)
        put(&o, " dev %s", dev);
    const char *proto = proto_name(r->protocol);
    if (proto)
        put(&o, " proto %s", proto);
    else if (r->protocol != RTPROT_BOOT && r->protocol != RTPROT_UNSPEC)
        put(&o, " proto %d", r->protocol);
    if (r->scope == RT_SCOPE_LINK)
        put(&o, " scope link");
    else if (r->scope == RT_SCOPE_HOST)
        put(&o, " scope host");
    if (r->has_prefsrc)
        put(&o, " src %s", inet_ntop(AF_INET, &r->prefsrc, a, sizeof(a)));
    if (r->metric > 0)
        put(&o, " metric %ld", r->metric);
    if (r->linkdown)
        put(&o, " linkdown");
    return o.cut ? -ENOSPC : (int)o.len;
}

int nl_format_link(char *buf, size_t size, const struct nl_link *l, const char *peer)
{
    static const struct {
        unsigned int bit;
        const char *name;
    } flags[] = {
        {IFF_LOOPBACK, "LOOPBACK"},
        {IFF_BROADCAST, "BROADCAST"},
        {IFF_POINTOPOINT, "POINTOPOINT"},
        {IFF_MULTICAST, "MULTICAST"},
        {IFF_NOARP, "NOARP"},
        {IFF_UP, "UP"},
        {IFF_LOWER_UP, "LOWER_UP"},
    };
    struct out o = {buf, size, 0, false};
    char name[IFNAMSIZ + 16];
    buf[0] = '\0';
    /* ip shows a veth's peer after '@': by name when it is in the same namespace,
     * as ifN (its index over there) when it is in another - where it may well have
     * the same index as this one. */
    if (l->link && (l->link_netns || l->link != l->index)) {
        if (l->link_netns || !peer)
            snprintf(name, sizeof(name), "%s@if%d", l->name, l->link);
        else
            snprintf(name, sizeof(name), "%s@%s", l->name, peer);
    } else {
        snprintf(name, sizeof(name), "%s", l->name);
    }
    put(&o, "%-16s %-14s ", name, nl_operstate_name(l->operstate));
    if (l->has_mac)
        put(&o, "%02x:%02x:%02x:%02x:%02x:%02x ", l->mac[0], l->mac[1], l->mac[2], l->mac[3],
            l->mac[4], l->mac[5]);
    put(&o, "<");
    bool first = true;
    if ((l->flags & IFF_UP) && !(l->flags & IFF_RUNNING)) {
        put(&o, "NO-CARRIER");
        first = false;
    }
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (l->flags & flags[i].bit) {
            put(&o, "%s%s", first ? "" : ",", flags[i].name);
            first = false;
        }
    put(&o, ">");
    return o.cut ? -ENOSPC : (int)o.len;
}

static void put_flags(struct out *o, unsigned int fl)
{
    static const struct {
        unsigned int bit;
        const char *name;
    } flags[] = {
        {IFF_LOOPBACK, "LOOPBACK"},
        {IFF_BROADCAST, "BROADCAST"},
        {IFF_POINTOPOINT, "POINTOPOINT"},
        {IFF_MULTICAST, "MULTICAST"},
        {IFF_NOARP, "NOARP"},
        {IFF_UP, "UP"},
        {IFF_LOWER_UP, "LOWER_UP"},
    };
    bool first = true;
    put(o, "<");
    if ((fl & IFF_UP) && !(fl & IFF_RUNNING)) {
        put(o, "NO-CARRIER");
        first = false;
    }
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (fl & flags[i].bit) {
            put(o, "%s%s", first ? "" : ",", flags[i].name);
            first = false;
        }
    put(o, ">");
}

int nl_format_brport(char *buf, size_t size, const struct nl_brport *p, const char *master)
{
    struct out o = {buf, size, 0, false};
    const struct nl_link *l = &p->link;
    buf[0] = '\0';
    put(&o, "%d: %s", l->index, l->name);
    if (l->link && (l->link_netns || l->link != l->index))
        put(&o, "@if%d", l->link);
    put(&o, ": ");
    put_flags(&o, l->flags);
    if (p->mtu)
        put(&o, " mtu %d", p->mtu);
    if (master)
        put(&o, " master %s", master);
    if (p->state >= 0)
        put(&o, " state %s", nl_brstate_name(p->state));
    if (p->priority >= 0)
        put(&o, " priority %d", p->priority);
    if (p->cost >= 0)
        put(&o, " cost %d", p->cost);
    return o.cut ? -ENOSPC : (int)o.len;
}

/* nl_show collects the links first, to name the indexes in addresses and routes. */
#define SHOW_MAX_LINKS 64
struct show {
    struct nl_link links[SHOW_MAX_LINKS];
    int n;
    FILE *out;
};

static const char *show_name(const struct show *s, int index)
{
    for (int i = 0; i < s->n; i++)
        if (s->links[i].index == index)
            return s->links[i].name;
    return NULL;
}

static void show_collect_link(const struct nl_link *l, void *data)
{
    struct show *s = data;
    if (s->n < SHOW_MAX_LINKS)
        s->links[s->n++] = *l;
}

static void show_addr(const struct nl_addr4 *a, void *data)
{
    struct show *s = data;
    char ip[INET_ADDRSTRLEN];
    const char *name = show_name(s, a->index);
    const struct nl_link *l = NULL;
    for (int i = 0; i < s->n; i++)
        if (s->links[i].index == a->index)
            l = &s->links[i];
    fprintf(s->out, "  %-16s %-14s %s/%d\n", name ? name : "?",
            nl_operstate_name(l ? l->operstate : 0), inet_ntop(AF_INET, &a->addr, ip, sizeof(ip)),
            a->prefix);
}

static void show_route(const struct nl_route4 *r, void *data)
{
    struct show *s = data;
    char line[256];
    /* `ip route` lists the main table; local and broadcast routes live in "local". */
    if (r->table != RT_TABLE_MAIN)
        return;
    if (nl_format_route4(line, sizeof(line), r, r->oif ? show_name(s, r->oif) : NULL) >= 0)
        fprintf(s->out, "  %s\n", line);
}

int nl_show(struct nl *nl, FILE *out)
{
    static struct show s; /* big: keep it off the stack */
    char line[256];
    int r;
    s.n = 0;
    s.out = out;
    if ((r = nl_dump_links(nl, show_collect_link, &s)) < 0)
        return r;
    fprintf(out, " links (ip -br link):\n");
    for (int i = 0; i < s.n; i++)
        if (nl_format_link(line, sizeof(line), &s.links[i], show_name(&s, s.links[i].link)) >= 0)
            fprintf(out, "  %s\n", line);
    fprintf(out, " addresses (ip -br -4 addr):\n");
    if ((r = nl_dump_addrs4(nl, show_addr, &s)) < 0)
        return r;
    fprintf(out, " routes (ip route):\n");
    if ((r = nl_dump_routes4(nl, show_route, &s)) < 0)
        return r;
    return 0;
}

struct brwait {
    const char *const *ports;
    int n, master, ok;
};

static void port_forwards(const struct nl_brport *p, void *data)
{
    struct brwait *w = data;
    if (p->link.master != w->master || p->state != BR_STATE_FORWARDING)
        return;
    for (int i = 0; i < w->n; i++)
        if (!strcmp(p->link.name, w->ports[i]))
            w->ok++;
}

int nl_bridge_wait_forwarding(struct nl *nl, const char *br, const char *const ports[], int n,
                              int timeout_ms)
{
    struct nl_link b;
    if (nl_link_get(nl, br, &b) < 0)
        return -ENODEV;
    for (int waited_us = 0; waited_us <= timeout_ms * 1000; waited_us += 250) {
        struct brwait w = {ports, n, b.index, 0};
        if (nl_dump_brports(nl, port_forwards, &w) == 0 && w.ok == n)
            return 0;
        nanosleep(&(struct timespec){0, 250 * 1000}, NULL);
    }
    return -ETIMEDOUT;
}

struct addr_of {
    int index;
    struct in_addr addr;
    bool found;
};

static void first_addr(const struct nl_addr4 *a, void *data)
{
    struct addr_of *w = data;
    if (a->index == w->index && !w->found) {
        w->addr = a->addr;
        w->found = true;
    }
}

int nl_link_addr4(struct nl *nl, const char *name, struct in_addr *addr)
{
    struct nl_link l;
    int r;
    if (nl_link_get(nl, name, &l) < 0)
        return -ENODEV;
    struct addr_of w = {.index = l.index};
    if ((r = nl_dump_addrs4(nl, first_addr, &w)) < 0)
        return r;
    if (!w.found)
        return -ENOENT;
    *addr = w.addr;
    return 0;
}
