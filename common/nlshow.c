/* nlshow.c - netlink dumps printed the way iproute2 prints them. */
#define _GNU_SOURCE
#include "nlshow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* <linux/if.h> has it but clashes with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* "disabled", "listening", "learning", "forwarding", "blocking" (BR_STATE_*) */
static const char *nlshow_brstate(int state)
{
    static const char *const names[] = {"disabled", "listening", "learning", "forwarding",
                                        "blocking"};
    return state >= 0 && state <= BR_STATE_BLOCKING ? names[state] : "unknown";
}

/* "UP", "DOWN", ...  (IF_OPER_*) */
static const char *nlshow_operstate(int operstate)
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

int nlshow_route4(char *buf, size_t size, const struct nl_route4 *r, const char *dev)
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

int nlshow_link(char *buf, size_t size, const struct nl_link *l, const char *peer)
{
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
    put(&o, "%-16s %-14s ", name, nlshow_operstate(l->operstate));
    if (l->has_mac)
        put(&o, "%02x:%02x:%02x:%02x:%02x:%02x ", l->mac[0], l->mac[1], l->mac[2], l->mac[3],
            l->mac[4], l->mac[5]);
    put_flags(&o, l->flags);
    return o.cut ? -ENOSPC : (int)o.len;
}

int nlshow_brport(char *buf, size_t size, const struct nl_brport *p, const char *master)
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
        put(&o, " state %s", nlshow_brstate(p->state));
    if (p->priority >= 0)
        put(&o, " priority %d", p->priority);
    if (p->cost >= 0)
        put(&o, " cost %d", p->cost);
    return o.cut ? -ENOSPC : (int)o.len;
}

/* nlshow_ns collects the links first, to name the indexes in addresses and routes. */
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
            nlshow_operstate(l ? l->operstate : 0), inet_ntop(AF_INET, &a->addr, ip, sizeof(ip)),
            a->prefix);
}

static void show_route(const struct nl_route4 *r, void *data)
{
    struct show *s = data;
    char line[256];
    /* `ip route` lists the main table; local and broadcast routes live in "local". */
    if (r->table != RT_TABLE_MAIN)
        return;
    if (nlshow_route4(line, sizeof(line), r, r->oif ? show_name(s, r->oif) : NULL) >= 0)
        fprintf(s->out, "  %s\n", line);
}

int nlshow_ns(struct nl *nl, FILE *out)
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
        if (nlshow_link(line, sizeof(line), &s.links[i], show_name(&s, s.links[i].link)) >= 0)
            fprintf(out, "  %s\n", line);
    fprintf(out, " addresses (ip -br -4 addr):\n");
    if ((r = nl_dump_addrs4(nl, show_addr, &s)) < 0)
        return r;
    fprintf(out, " routes (ip route):\n");
    if ((r = nl_dump_routes4(nl, show_route, &s)) < 0)
        return r;
    return 0;
}
