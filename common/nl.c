/* nl.c - rtnetlink requests, dumps and the parsers of their replies, through libmnl. */
#define _GNU_SOURCE
#include "nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

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

const struct nlmsghdr *nl_next(const void *buf, size_t len, size_t *off)
{
    if (*off > len || len - *off < sizeof(struct nlmsghdr))
        return NULL;
    const struct nlmsghdr *h = (const void *)((const char *)buf + *off);
    size_t n = h->nlmsg_len;
    if (n < sizeof(*h) || n > len - *off)
        return NULL;
    /* The last message may lack its padding: never step past the end. */
    size_t step = NLMSG_ALIGN(n);
    *off += step < len - *off ? step : len - *off;
    return h;
}

/* Indexes the attributes in buf[0..len) by type into tb[0..max]; the first wrong
 * length ends the walk with -EBADMSG.  Our own walk: mnl_attr_for_each reads up to the
 * message's aligned end, three bytes past a last message that lacks its padding. */
static int parse_attrs(const void *buf, size_t len, const struct nlattr **tb, int max)
{
    size_t off = 0;
    memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
    while (off < len) {
        const struct nlattr *a = (const void *)((const char *)buf + off);
        if (len - off < sizeof(*a) || a->nla_len < sizeof(*a) || a->nla_len > len - off)
            return -EBADMSG;
        int type = a->nla_type & NLA_TYPE_MASK;
        if (type <= max)
            tb[type] = a;
        off += NLA_ALIGN(a->nla_len);
    }
    return 0;
}

/* The attributes after a message's fixed header of hdrlen bytes; -EBADMSG when the
 * message is too short to hold that header. */
static int parse_msg(const struct nlmsghdr *h, size_t hdrlen, const struct nlattr **tb, int max)
{
    size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
    if (h->nlmsg_len < NLMSG_HDRLEN + hdrlen)
        return -EBADMSG;
    if (h->nlmsg_len <= start) {
        memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
        return 0;
    }
    return parse_attrs((const char *)h + start, h->nlmsg_len - start, tb, max);
}

/* Keeps an attribute only when its payload has the size its type says (libmnl's
 * mnl_attr_validate: exactly 1, 2, 4 bytes; a NUL-terminated string): a short one
 * would be read past its end. */
static const struct nlattr *valid(const struct nlattr *a, enum mnl_attr_data_type type)
{
    return a && mnl_attr_validate(a, type) == 0 ? a : NULL;
}

static const struct nlattr *valid_len(const struct nlattr *a, size_t len)
{
    return a && mnl_attr_get_payload_len(a) == len ? a : NULL;
}

/* The message at buf, checked against the len bytes there. */
static const struct nlmsghdr *one_msg(const void *buf, size_t len)
{
    size_t off = 0;
    return nl_next(buf, len, &off);
}

int nl_parse_ack(const void *buf, size_t len, uint32_t seq, char *ext_ack, size_t size)
{
    const struct nlmsghdr *h;
    size_t off = 0;
    if (ext_ack && size)
        ext_ack[0] = '\0';
    while ((h = nl_next(buf, len, &off))) {
        /* Our socket sees only answers to us, but skip anything not for this seq. */
        if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
            continue;
        if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
            return -EBADMSG;
        const struct nlmsgerr *e = NLMSG_DATA(h);
        /* 0 is the ack; anything else must be a -errno. */
        if (e->error == 0)
            return 0;
        if (e->error > 0 || e->error < -4095)
            return -EBADMSG;
        if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !ext_ack)
            return e->error;
        /* The extended ack's attributes follow nlmsgerr and, unless the kernel capped
         * it, the whole request it echoes: that echo's length is checked like any. */
        size_t payload = h->nlmsg_len - NLMSG_HDRLEN, at = sizeof(*e);
        if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
            if (e->msg.nlmsg_len < sizeof(e->msg) ||
                e->msg.nlmsg_len - sizeof(e->msg) > payload - at)
                return e->error;
            at += NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
        }
        const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
        if (at < payload &&
            parse_attrs((const char *)e + at, payload - at, tb, NLMSGERR_ATTR_MAX) == 0 &&
            valid(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING))
            snprintf(ext_ack, size, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
        return e->error;
    }
    return 1;
}

/* Sends nlh (its seq set) and reads until the kernel answers it. */
static int send_recv(struct nl *nl, struct nlmsghdr *nlh,
                     int (*each)(const void *buf, size_t len, void *data), void *data)
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
        int r = each(buf, (size_t)n, data);
        if (r <= 0)
            return r;
    }
}

struct ack {
    struct nl *nl;
    uint32_t seq;
};

static int each_ack(const void *buf, size_t len, void *data)
{
    struct ack *a = data;
    return nl_parse_ack(buf, len, a->seq, a->nl->ext_ack, sizeof(a->nl->ext_ack));
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh)
{
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    struct ack a = {nl, nl->seq + 1};
    return send_recv(nl, nlh, each_ack, &a);
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

/* A link request: struct ifinfomsg, then the link's name. */
static struct nlmsghdr *link_msg(void *buf, int type, int flags, const char *name)
{
    struct nlmsghdr *nlh = msg_start(buf, type, flags);
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    if (name)
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nlh;
}

struct nlmsghdr *nl_msg_link_del(void *buf, const char *name)
{
    return link_msg(buf, RTM_DELLINK, 0, name);
}

/* ip link show NAME (one link, answered with one RTM_NEWLINK) */
static struct nlmsghdr *nl_msg_link_get(void *buf, const char *name)
{
    return link_msg(buf, RTM_GETLINK, 0, name);
}

/* ---- the parsers of the kernel's replies ---- */

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
    return valid(a, MNL_TYPE_U32) ? mnl_attr_get_u32(a) : dflt;
}

/* The link in h (an RTM_NEWLINK) into *l, its attributes in tb. */
static int link_attrs(const struct nlmsghdr *h, const struct nlattr **tb, struct nl_link *l)
{
    if (parse_msg(h, sizeof(struct ifinfomsg), tb, IFLA_MAX) < 0)
        return -EBADMSG;
    const struct ifinfomsg *ifi = NLMSG_DATA(h);
    memset(l, 0, sizeof(*l));
    l->index = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    /* A NUL inside the attribute, or the name is not taken. */
    if (valid(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING))
        snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
    if (valid(tb[IFLA_OPERSTATE], MNL_TYPE_U8))
        l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
    l->link = (int)get_u32(tb[IFLA_LINK], 0);
    l->link_netns = tb[IFLA_LINK_NETNSID] != NULL;
    l->master = (int)get_u32(tb[IFLA_MASTER], 0);
    if (valid_len(tb[IFLA_ADDRESS], 6)) {
        memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
        l->has_mac = true;
    }
    return 0;
}

int nl_parse_link(const void *buf, size_t len, struct nl_link *out)
{
    const struct nlattr *tb[IFLA_MAX + 1];
    const struct nlmsghdr *h = one_msg(buf, len);
    if (!h)
        return -EBADMSG;
    if (h->nlmsg_type != RTM_NEWLINK)
        return -ENOMSG;
    return link_attrs(h, tb, out);
}

int nl_parse_brport(const void *buf, size_t len, struct nl_brport *p)
{
    const struct nlattr *tb[IFLA_MAX + 1], *pt[IFLA_BRPORT_MAX + 1];
    const struct nlmsghdr *h = one_msg(buf, len);
    if (!h)
        return -EBADMSG;
    if (h->nlmsg_type != RTM_NEWLINK)
        return -ENOMSG;
    memset(p, 0, sizeof(*p));
    if (link_attrs(h, tb, &p->link) < 0)
        return -EBADMSG;
    p->state = p->priority = p->cost = -1;
    /* Only ports: the bridge itself answers too, without a master. */
    if (!p->link.master || p->link.master == p->link.index)
        return -ENOMSG;
    p->mtu = (int)get_u32(tb[IFLA_MTU], 0);
    /* IFLA_PROTINFO { IFLA_BRPORT_STATE, _PRIORITY, _COST, ... } */
    const struct nlattr *pi = valid(tb[IFLA_PROTINFO], MNL_TYPE_NESTED);
    if (pi && parse_attrs(mnl_attr_get_payload(pi), mnl_attr_get_payload_len(pi), pt,
                          IFLA_BRPORT_MAX) == 0) {
        if (valid(pt[IFLA_BRPORT_STATE], MNL_TYPE_U8))
            p->state = mnl_attr_get_u8(pt[IFLA_BRPORT_STATE]);
        if (valid(pt[IFLA_BRPORT_PRIORITY], MNL_TYPE_U16))
            p->priority = mnl_attr_get_u16(pt[IFLA_BRPORT_PRIORITY]);
        p->cost = (int)get_u32(pt[IFLA_BRPORT_COST], (uint32_t)-1);
    }
    return 0;
}

int nl_parse_addr4(const void *buf, size_t len, struct nl_addr4 *out)
{
    const struct nlattr *tb[IFA_MAX + 1];
    const struct nlmsghdr *h = one_msg(buf, len);
    if (!h)
        return -EBADMSG;
    if (h->nlmsg_type != RTM_NEWADDR)
        return -ENOMSG;
    if (parse_msg(h, sizeof(struct ifaddrmsg), tb, IFA_MAX) < 0)
        return -EBADMSG;
    const struct ifaddrmsg *ifa = NLMSG_DATA(h);
    if (ifa->ifa_family != AF_INET)
        return -ENOMSG;
    const struct nlattr *a = valid_len(tb[IFA_LOCAL], 4) ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (!valid_len(a, 4))
        return -ENOMSG;
    *out = (struct nl_addr4){.index = (int)ifa->ifa_index, .prefix = ifa->ifa_prefixlen};
    memcpy(&out->addr, mnl_attr_get_payload(a), 4);
    return 0;
}

static bool get_in_addr(const struct nlattr *a, struct in_addr *out)
{
    if (!valid_len(a, 4))
        return false;
    memcpy(out, mnl_attr_get_payload(a), 4);
    return true;
}

int nl_parse_route4(const void *buf, size_t len, struct nl_route4 *r)
{
    const struct nlattr *tb[RTA_MAX + 1];
    const struct nlmsghdr *h = one_msg(buf, len);
    if (!h)
        return -EBADMSG;
    if (h->nlmsg_type != RTM_NEWROUTE)
        return -ENOMSG;
    if (parse_msg(h, sizeof(struct rtmsg), tb, RTA_MAX) < 0)
        return -EBADMSG;
    const struct rtmsg *rtm = NLMSG_DATA(h);
    if (rtm->rtm_family != AF_INET)
        return -ENOMSG;
    *r = (struct nl_route4){
        .prefix = rtm->rtm_dst_len,
        .protocol = rtm->rtm_protocol,
        .scope = rtm->rtm_scope,
        .table = (int)get_u32(tb[RTA_TABLE], rtm->rtm_table),
        .type = rtm->rtm_type,
        .linkdown = rtm->rtm_flags & RTNH_F_LINKDOWN,
        .metric =
            valid(tb[RTA_PRIORITY], MNL_TYPE_U32) ? (long)mnl_attr_get_u32(tb[RTA_PRIORITY]) : -1,
        .oif = (int)get_u32(tb[RTA_OIF], 0),
    };
    get_in_addr(tb[RTA_DST], &r->dst);
    r->has_gw = get_in_addr(tb[RTA_GATEWAY], &r->gw);
    r->has_prefsrc = get_in_addr(tb[RTA_PREFSRC], &r->prefsrc);
    return 0;
}

/* ---- dumps ---- */

/* What a dump asks for: one kind of object, each reply parsed as it and handed to a
 * callback of its own type (none for a GET of one object: found and obj say it). */
enum dump_kind { DUMP_LINK, DUMP_BRPORT, DUMP_ADDR4, DUMP_ROUTE4 };

struct dump {
    enum dump_kind kind;
    union {
        void (*link)(const struct nl_link *, void *);
        void (*brport)(const struct nl_brport *, void *);
        void (*addr4)(const struct nl_addr4 *, void *);
        void (*route4)(const struct nl_route4 *, void *);
    } fn;
    void *data;
    uint32_t seq;
    bool single; /* a GET of one object: one reply, no NLMSG_DONE after it */
    bool found;
    union {
        struct nl_link link;
        struct nl_addr4 addr;
        struct nl_route4 route;
        struct nl_brport brport;
    } obj;
};

/* One reply parsed as the dump's kind, and given to its callback: 0, or < 0 when the
 * reply is not one (another family, a link without a name...). */
static int take(struct dump *d, const void *buf, size_t len)
{
    int r = -EINVAL;
    switch (d->kind) {
    case DUMP_LINK:
        if ((r = nl_parse_link(buf, len, &d->obj.link)) == 0 && d->fn.link)
            d->fn.link(&d->obj.link, d->data);
        break;
    case DUMP_BRPORT:
        if ((r = nl_parse_brport(buf, len, &d->obj.brport)) == 0 && d->fn.brport)
            d->fn.brport(&d->obj.brport, d->data);
        break;
    case DUMP_ADDR4:
        if ((r = nl_parse_addr4(buf, len, &d->obj.addr)) == 0 && d->fn.addr4)
            d->fn.addr4(&d->obj.addr, d->data);
        break;
    case DUMP_ROUTE4:
        if ((r = nl_parse_route4(buf, len, &d->obj.route)) == 0 && d->fn.route4)
            d->fn.route4(&d->obj.route, d->data);
        break;
    }
    return r;
}

/* One datagram of a dump: 0 when the dump is done, 1 to read on, or -errno. */
static int each_reply(const void *buf, size_t len, void *data)
{
    struct dump *d = data;
    const struct nlmsghdr *h;
    size_t off = 0, at;
    while (at = off, (h = nl_next(buf, len, &off))) {
        if (h->nlmsg_seq != d->seq)
            continue;
        if (h->nlmsg_type == NLMSG_DONE)
            return 0;
        if (h->nlmsg_type == NLMSG_ERROR)
            return nl_parse_ack(h, h->nlmsg_len, d->seq, NULL, 0);
        if (take(d, (const char *)buf + at, len - at) == 0)
            d->found = true;
        if (d->single)
            return 0;
    }
    return 1;
}

static int dump(struct nl *nl, struct nlmsghdr *nlh, struct dump *d)
{
    d->seq = nl->seq + 1;
    return send_recv(nl, nlh, each_reply, d);
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out)
{
    char buf[NL_BUFSIZE];
    struct dump d = {.kind = DUMP_LINK, .single = true};
    int r = dump(nl, nl_msg_link_get(buf, name), &d);
    if (r < 0)
        return r;
    if (!d.found)
        return -ENODEV;
    *out = d.obj.link;
    return 0;
}

int nl_dump_links(struct nl *nl, void (*fn)(const struct nl_link *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct dump d = {.kind = DUMP_LINK, .fn.link = fn, .data = data};
    return dump(nl, link_msg(buf, RTM_GETLINK, NLM_F_DUMP, NULL), &d);
}

int nl_dump_brports(struct nl *nl, void (*fn)(const struct nl_brport *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, NLM_F_DUMP, NULL);
    /* AF_BRIDGE: the bridge's view of its ports, what `bridge link` asks for. */
    ((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_BRIDGE;
    struct dump d = {.kind = DUMP_BRPORT, .fn.brport = fn, .data = data};
    return dump(nl, nlh, &d);
}

int nl_dump_addrs4(struct nl *nl, void (*fn)(const struct nl_addr4 *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETADDR, NLM_F_DUMP);
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
    ifa->ifa_family = AF_INET;
    struct dump d = {.kind = DUMP_ADDR4, .fn.addr4 = fn, .data = data};
    return dump(nl, nlh, &d);
}

int nl_dump_routes4(struct nl *nl, void (*fn)(const struct nl_route4 *, void *), void *data)
{
    char buf[NL_BUFSIZE];
    struct nlmsghdr *nlh = msg_start(buf, RTM_GETROUTE, NLM_F_DUMP);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    struct dump d = {.kind = DUMP_ROUTE4, .fn.route4 = fn, .data = data};
    return dump(nl, nlh, &d);
}

int nl_watch_addrs4(struct nl *nl)
{
    int group = RTNLGRP_IPV4_IFADDR;
    if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
        return -errno;
    return 0;
}

int nl_wait_addr4(struct nl *nl, int ifindex, int timeout_ms, struct nl_addr4 *out)
{
    char buf[NL_BUFSIZE];
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd = mnl_socket_get_fd(nl->sock);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
        return -errno;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        }
        size_t off = 0, at;
        while (at = off, nl_next(buf, (size_t)n, &off))
            if (nl_parse_addr4(buf + at, (size_t)n - at, out) == 0 && out->index == ifindex)
                return 0;
    }
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

int nl_wait_oper_up(struct nl *nl, const char *name, int timeout_ms)
{
    struct nl_link l;
    for (int waited_us = 0; waited_us <= timeout_ms * 1000; waited_us += 250) {
        if (nl_link_get(nl, name, &l) < 0)
            return -ENODEV;
        if (l.operstate == IF_OPER_UP)
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
