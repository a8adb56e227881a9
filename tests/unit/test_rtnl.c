/* test_rtnl.c - stage 04's rtnetlink messages (04-netns-veth/rtnl.c) and common/nl.c's
 * parsers of the replies: each request built into a buffer and checked attribute by
 * attribute, then sent for real inside a throwaway network namespace (root only).  Check forks
 * each test, so the unshare(CLONE_NEWNET) of one never reaches the machine. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../04-netns-veth/rtnl.h"
#include "../../common/narrate.h"
#include "../../common/nl.h"
#include "../../common/nlshow.h"
#include "suites.h"

/* The attribute of that type at the top level of payload (after hdrlen), or NULL. */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, size_t hdrlen, int type)
{
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, hdrlen) if (mnl_attr_get_type(a) == type) return a;
    return NULL;
}

static const struct nlattr *find_nested(const struct nlattr *nest, int type)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, nest) if (mnl_attr_get_type(a) == type) return a;
    return NULL;
}

/* The stage whose failures the rtnl lessons record. */
static struct labstage ts = {.stage = "test", .prog = "test", .who = "test"};

START_TEST(veth_add_message)
{
    char buf[NL_BUFSIZE];
    /* nl NULL: the lesson only builds the message into buf. */
    ck_assert_int_eq(rtnl_veth_add(&ts, NULL, buf, "h", "veth0", "veth1", NULL, -1), 0);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWLINK);
    ck_assert_int_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ck_assert_int_eq(ifi->ifi_index, 0);
    ck_assert_str_eq(mnl_attr_get_str(find_attr(nlh, sizeof(*ifi), IFLA_IFNAME)), "veth0");
    const struct nlattr *info = find_attr(nlh, sizeof(*ifi), IFLA_LINKINFO);
    ck_assert_ptr_nonnull(info);
    ck_assert_str_eq(mnl_attr_get_str(find_nested(info, IFLA_INFO_KIND)), "veth");
    const struct nlattr *data = find_nested(info, IFLA_INFO_DATA);
    const struct nlattr *peer = find_nested(data, VETH_INFO_PEER);
    ck_assert_ptr_nonnull(peer);
    /* The peer: a struct ifinfomsg, then its own IFLA_IFNAME. */
    const struct nlattr *pname =
        (const void *)((const char *)mnl_attr_get_payload(peer) + MNL_ALIGN(sizeof(*ifi)));
    ck_assert_int_eq(mnl_attr_get_type(pname), IFLA_IFNAME);
    ck_assert_str_eq(mnl_attr_get_str(pname), "veth1");
    ck_assert_int_eq((char *)info + info->nla_len - (char *)nlh, (int)nlh->nlmsg_len);
}
END_TEST

START_TEST(veth_add_with_peer_in_another_namespace)
{
    char buf[NL_BUFSIZE];
    ck_assert_int_eq(rtnl_veth_add(&ts, NULL, buf, "h", "veth0", "veth1", "ns1", 9), 0);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    /* The namespace fd goes to the peer only: veth0 stays where it is made. */
    ck_assert_ptr_null(find_attr(nlh, sizeof(*ifi), IFLA_NET_NS_FD));
    const struct nlattr *info = find_attr(nlh, sizeof(*ifi), IFLA_LINKINFO);
    const struct nlattr *peer = find_nested(find_nested(info, IFLA_INFO_DATA), VETH_INFO_PEER);
    const struct nlattr *a =
        (const void *)((const char *)mnl_attr_get_payload(peer) + MNL_ALIGN(sizeof(*ifi)));
    int seen = 0;
    for (; (const char *)a < (const char *)peer + peer->nla_len;
         a = (const void *)((const char *)a + MNL_ALIGN(a->nla_len))) {
        if (mnl_attr_get_type(a) == IFLA_NET_NS_FD) {
            ck_assert_uint_eq(mnl_attr_get_u32(a), 9);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 1);
}
END_TEST

START_TEST(link_netns_updown_del_messages)
{
    char buf[NL_BUFSIZE];
    rtnl_link_move(&ts, NULL, buf, "h", "veth1", "ns1", 7);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    size_t h = sizeof(struct ifinfomsg);
    ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWLINK);
    ck_assert_uint_eq(mnl_attr_get_u32(find_attr(nlh, h, IFLA_NET_NS_FD)), 7);
    ck_assert_str_eq(mnl_attr_get_str(find_attr(nlh, h, IFLA_IFNAME)), "veth1");

    rtnl_link_up(&ts, NULL, buf, "h", "veth0", true);
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
    ck_assert_uint_eq(ifi->ifi_flags, IFF_UP);
    rtnl_link_up(&ts, NULL, buf, "h", "veth0", false);
    ifi = mnl_nlmsg_get_payload(nlh);
    ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
    ck_assert_uint_eq(ifi->ifi_flags, 0);

    nlh = nl_msg_link_del(buf, "veth0");
    ck_assert_int_eq(nlh->nlmsg_type, RTM_DELLINK);
    ck_assert_str_eq(mnl_attr_get_str(find_attr(nlh, h, IFLA_IFNAME)), "veth0");
}
END_TEST

START_TEST(addr_add_message)
{
    char buf[NL_BUFSIZE], s[INET_ADDRSTRLEN];
    struct in_addr a;
    inet_pton(AF_INET, "192.168.5.5", &a);
    rtnl_addr4_add(&ts, NULL, buf, "h", "veth0", 3, &(struct cidr4){a, 24});
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWADDR);
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    ck_assert_int_eq(ifa->ifa_family, AF_INET);
    ck_assert_int_eq(ifa->ifa_prefixlen, 24);
    ck_assert_int_eq(ifa->ifa_index, 3);
    const struct nlattr *local = find_attr(nlh, sizeof(*ifa), IFA_LOCAL);
    ck_assert_str_eq(inet_ntop(AF_INET, mnl_attr_get_payload(local), s, sizeof(s)), "192.168.5.5");
    const struct nlattr *brd = find_attr(nlh, sizeof(*ifa), IFA_BROADCAST);
    ck_assert_str_eq(inet_ntop(AF_INET, mnl_attr_get_payload(brd), s, sizeof(s)), "192.168.5.255");
}
END_TEST

/* A route for the dump test to find (05-bridge-dhcp/bridge-dhcp.c writes out the
 * default route a lease brings; this is the same message for any destination). */
static struct nlmsghdr *route4_add(void *buf, struct in_addr dst, int prefix, int ifindex)
{
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = (unsigned char)prefix;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    rtm->rtm_scope = RT_SCOPE_LINK;
    mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
    return nlh;
}

START_TEST(route_and_link_lines_as_ip_prints_them)
{
    char buf[256];
    struct nl_route4 r = {.prefix = 24,
                          .protocol = RTPROT_KERNEL,
                          .scope = RT_SCOPE_LINK,
                          .has_prefsrc = true,
                          .metric = -1};
    inet_pton(AF_INET, "192.168.5.0", &r.dst);
    inet_pton(AF_INET, "192.168.5.5", &r.prefsrc);
    nlshow_route4(buf, sizeof(buf), &r, "veth0");
    ck_assert_str_eq(buf, "192.168.5.0/24 dev veth0 proto kernel scope link src 192.168.5.5");
    struct nl_route4 d = {.prefix = 0, .protocol = RTPROT_DHCP, .has_gw = true, .metric = 100};
    inet_pton(AF_INET, "192.168.3.1", &d.gw);
    nlshow_route4(buf, sizeof(buf), &d, "br0");
    ck_assert_str_eq(buf, "default via 192.168.3.1 dev br0 proto dhcp metric 100");
    ck_assert_int_eq(nlshow_route4(buf, 8, &r, "veth0"), -ENOSPC);

    struct nl_link l = {.index = 3,
                        .name = "veth0",
                        .flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING,
                        .operstate = 6,
                        .link = 2,
                        .link_netns = true};
    nlshow_link(buf, sizeof(buf), &l, NULL);
    ck_assert_str_eq(buf, "veth0@if2        UP             <BROADCAST,UP>");
    /* the peer in another namespace may have the very same index */
    l.link = 3;
    nlshow_link(buf, sizeof(buf), &l, NULL);
    ck_assert_str_eq(buf, "veth0@if3        UP             <BROADCAST,UP>");
    /* a link that is its own link (no peer) shows no '@' */
    l.link_netns = false;
    nlshow_link(buf, sizeof(buf), &l, NULL);
    ck_assert_str_eq(buf, "veth0            UP             <BROADCAST,UP>");
}
END_TEST

/* ---- the reply parsers, on bytes no kernel would send ---- */

/* Hex text into out, which must be aligned like a received buffer; returns the size. */
static size_t unhex(const char *hex, void *out)
{
    size_t n = 0;
    unsigned int b;
    for (; hex[0] && hex[1] && sscanf(hex, "%2x", &b) == 1; hex += 2)
        ((unsigned char *)out)[n++] = (unsigned char)b;
    return n;
}

/* The regression inputs, as they were fed to the parsers: each begins with three bytes
 * (00, the message's length, 00) before the message itself, so the parsers saw a first
 * nlmsg_len far past the buffer.  Without those three bytes each is the message that
 * was meant, on a little-endian machine. */
static const char *const regressions[] = {
    /* NLMSG_ERROR, ENODEV, with an echoed request claiming 0xfffffff0 bytes */
    "002c002c000000020000020100000000000000edfffffff0ffffff110005000100000000000000080001006162630"
    "0",
    /* nlmsg_len 0xc0000000 (3 GB) */
    "001000000000c0010000000000000000000000",
    /* nlmsg_len 0xffffffff: mnl_nlmsg_ok takes it as -1 and its walk never ends */
    "001000ffffffff100000000000000000000000",
};

START_TEST(lengths_past_the_buffer_are_refused)
{
    static uint32_t buf[64];
    char ack[64];
    struct nl_link l;
    struct nl_addr4 a;
    struct nl_route4 r;
    struct nl_brport p;
    for (size_t i = 0; i < sizeof(regressions) / sizeof(regressions[0]); i++) {
        size_t n = unhex(regressions[i], buf);
        for (size_t skip = 0; skip <= 3; skip += 3) {
            const char *m = (const char *)buf + skip;
            size_t len = n - skip, off = 0;
            /* as sent, misaligned by three bytes, the parsers must not read it */
            if (skip == 0) {
                ck_assert_ptr_null(nl_next(m, len, &off));
                ck_assert_int_eq(nl_parse_ack(m, len, 1, ack, sizeof(ack)), 1);
                ck_assert_int_eq(nl_parse_link(m, len, &l), -EBADMSG);
                continue;
            }
            memmove(buf, m, len);
            if (i == 0) {
                /* the ack itself is whole: the error stands, the bogus echo is skipped */
                ck_assert_int_eq(nl_parse_ack(buf, len, 1, ack, sizeof(ack)), -ENODEV);
                ck_assert_str_eq(ack, "");
                continue;
            }
            ck_assert_ptr_null(nl_next(buf, len, &off));
            ck_assert_int_eq(nl_parse_ack(buf, len, 0, ack, sizeof(ack)), 1);
            ck_assert_int_eq(nl_parse_link(buf, len, &l), -EBADMSG);
            ck_assert_int_eq(nl_parse_addr4(buf, len, &a), -EBADMSG);
            ck_assert_int_eq(nl_parse_route4(buf, len, &r), -EBADMSG);
            ck_assert_int_eq(nl_parse_brport(buf, len, &p), -EBADMSG);
        }
    }
}
END_TEST

START_TEST(ext_ack_text_is_read_within_the_message)
{
    static uint32_t buf[64];
    char ack[64];
    /* the first regression with an honest echo: a bare 16-byte header */
    size_t n = unhex("2c00000002000002010000000000000"
                     "0edffffff10000000110005000100000000000000"
                     "0800010061626300",
                     buf);
    ck_assert_int_eq(n, 44);
    ck_assert_int_eq(nl_parse_ack(buf, n, 1, ack, sizeof(ack)), -ENODEV);
    ck_assert_str_eq(ack, "abc");
    /* the text without its NUL is not taken */
    ((unsigned char *)buf)[43] = 'd';
    ck_assert_int_eq(nl_parse_ack(buf, n, 1, ack, sizeof(ack)), -ENODEV);
    ck_assert_str_eq(ack, "");
    /* an answer to another request is not ours; a positive error is no errno */
    ck_assert_int_eq(nl_parse_ack(buf, n, 2, ack, sizeof(ack)), 1);
    buf[4] = 5;
    ck_assert_int_eq(nl_parse_ack(buf, n, 1, ack, sizeof(ack)), -EBADMSG);
    /* an ack cut short of its struct nlmsgerr */
    buf[0] = 18;
    ck_assert_int_eq(nl_parse_ack(buf, 18, 1, ack, sizeof(ack)), -EBADMSG);
}
END_TEST

/* An RTM_NEWLINK: ifinfomsg index 7, then the attributes given. */
static size_t link_msg(void *buf, const void *attrs, size_t alen)
{
    struct nlmsghdr *h = buf;
    memset(buf, 0, 256);
    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(struct ifinfomsg) + alen);
    ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index = 7;
    if (alen)
        memcpy((char *)NLMSG_DATA(h) + sizeof(struct ifinfomsg), attrs, alen);
    return h->nlmsg_len;
}

START_TEST(attributes_of_the_wrong_size_are_ignored)
{
    static uint32_t buf[64];
    struct nl_link l;
    /* IFLA_IFNAME "veth0" with its NUL, IFLA_MTU (4) in 2 bytes, IFLA_LINK in 4 */
    static const unsigned char good[] = {10, 0, IFLA_IFNAME, 0, 'v',      'e', 't',  'h',  '0', 0,
                                         0,  0, 6,           0, IFLA_MTU, 0,   0x05, 0xdc, 0,   0,
                                         8,  0, IFLA_LINK,   0, 3,        0,   0,    0};
    size_t n = link_msg(buf, good, sizeof(good));
    ck_assert_int_eq(nl_parse_link(buf, n, &l), 0);
    ck_assert_int_eq(l.index, 7);
    ck_assert_str_eq(l.name, "veth0");
    ck_assert_int_eq(l.link, 3);
    /* the name without a NUL: not copied past its attribute */
    static const unsigned char nonul[] = {8, 0, IFLA_IFNAME, 0, 'v', 'e', 't', 'h'};
    n = link_msg(buf, nonul, sizeof(nonul));
    ck_assert_int_eq(nl_parse_link(buf, n, &l), 0);
    ck_assert_str_eq(l.name, "");
    /* IFLA_LINK in 1 byte: a u32 getter would read 3 bytes past it */
    static const unsigned char shortlink[] = {5, 0, IFLA_LINK, 0, 9, 0, 0, 0};
    n = link_msg(buf, shortlink, sizeof(shortlink));
    ck_assert_int_eq(nl_parse_link(buf, n, &l), 0);
    ck_assert_int_eq(l.link, 0);
    /* an attribute longer than the message */
    static const unsigned char over[] = {40, 0, IFLA_IFNAME, 0, 'x', 0, 0, 0};
    n = link_msg(buf, over, sizeof(over));
    ck_assert_int_eq(nl_parse_link(buf, n, &l), -EBADMSG);
    /* a message too short for its own ifinfomsg */
    n = link_msg(buf, NULL, 0);
    ((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN + 4;
    ck_assert_int_eq(nl_parse_link(buf, NLMSG_HDRLEN + 4, &l), -EBADMSG);
    /* another type is not a link */
    n = link_msg(buf, NULL, 0);
    ((struct nlmsghdr *)buf)->nlmsg_type = RTM_NEWADDR;
    ck_assert_int_eq(nl_parse_link(buf, n, &l), -ENOMSG);
    /* nor an address nor a route when its fixed header is cut short */
    struct nl_addr4 a;
    struct nl_route4 r;
    ((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN + 2;
    ck_assert_int_eq(nl_parse_addr4(buf, NLMSG_HDRLEN + 2, &a), -EBADMSG);
    ((struct nlmsghdr *)buf)->nlmsg_type = RTM_NEWROUTE;
    ck_assert_int_eq(nl_parse_route4(buf, NLMSG_HDRLEN + 2, &r), -EBADMSG);
}
END_TEST

START_TEST(the_walk_steps_over_whole_messages_only)
{
    static uint32_t buf[16];
    size_t off = 0;
    memset(buf, 0, sizeof(buf));
    /* two 20-byte messages (the second one's padding missing at the end) */
    buf[0] = 20;
    buf[5] = 17;
    ck_assert_ptr_eq(nl_next(buf, 37, &off), (void *)buf);
    ck_assert_uint_eq(off, 20);
    ck_assert_ptr_eq(nl_next(buf, 37, &off), (void *)&buf[5]);
    ck_assert_uint_eq(off, 37);
    ck_assert_ptr_null(nl_next(buf, 37, &off));
    /* a length shorter than a header would never advance */
    off = 0;
    buf[0] = 3;
    ck_assert_ptr_null(nl_next(buf, 37, &off));
}
END_TEST

/* ---- against the kernel, in a throwaway namespace ---- */

static struct nl nl;

static void fresh_netns(void)
{
    narrate_init("test", true);
    ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
    ck_assert_int_eq(nl_open(&nl), 0);
}

struct seen {
    char text[2048];
};
static void seen_link(const struct nl_link *l, void *data)
{
    struct seen *s = data;
    strcat(s->text, l->name);
    strcat(s->text, " ");
}
static void seen_route(const struct nl_route4 *r, void *data)
{
    struct seen *s = data;
    char line[128];
    if (r->table == RT_TABLE_MAIN && nlshow_route4(line, sizeof(line), r, "?") > 0) {
        strcat(s->text, line);
        strcat(s->text, "\n");
    }
}
static void seen_addr(const struct nl_addr4 *a, void *data)
{
    struct seen *s = data;
    char ip[INET_ADDRSTRLEN], line[64];
    snprintf(line, sizeof(line), "%d:%s/%d ", a->index, inet_ntop(AF_INET, &a->addr, ip, 16),
             a->prefix);
    strcat(s->text, line);
}

START_TEST(veth_pair_addresses_routes_for_real)
{
    char buf[NL_BUFSIZE];
    struct nl_link l;
    struct seen s = {""};
    fresh_netns();
    ck_assert_int_eq(rtnl_veth_add(&ts, &nl, buf, "t", "ta", "tb", NULL, -1), 0);
    ck_assert_int_eq(rtnl_veth_add(&ts, &nl, buf, "t", "ta", "tc", NULL, -1), -EEXIST);
    ck_assert_int_eq(ts.fail.err, EEXIST);
    ck_assert_str_eq(ts.fail.shell, "ip -n t link add ta type veth peer name tc");
    ck_assert_int_eq(nl_link_get(&nl, "ta", &l), 0);
    ck_assert_int_eq(rtnl_link_up(&ts, &nl, buf, "t", "ta", true), 0);
    ck_assert_int_eq(rtnl_link_up(&ts, &nl, buf, "t", "tb", true), 0);
    struct in_addr a, dst;
    inet_pton(AF_INET, "192.168.5.5", &a);
    inet_pton(AF_INET, "10.9.0.0", &dst);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "ta", l.index, &(struct cidr4){a, 24}), 0);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "ta", 0, &(struct cidr4){a, 24}), -EEXIST);
    ck_assert_int_eq(nl_request(&nl, route4_add(buf, dst, 16, l.index)), 0);

    ck_assert_int_eq(nl_dump_links(&nl, seen_link, &s), 0);
    /* the peer is made first and gets the lower index: compare as a set */
    ck_assert(!strcmp(s.text, "lo ta tb ") || !strcmp(s.text, "lo tb ta "));
    s.text[0] = '\0';
    ck_assert_int_eq(nl_dump_addrs4(&nl, seen_addr, &s), 0);
    char want[64];
    snprintf(want, sizeof(want), "%d:192.168.5.5/24 ", l.index);
    ck_assert_str_eq(s.text, want);
    s.text[0] = '\0';
    ck_assert_int_eq(nl_dump_routes4(&nl, seen_route, &s), 0);
    ck_assert_ptr_nonnull(strstr(s.text, "10.9.0.0/16 dev ? scope link\n"));
    ck_assert_ptr_nonnull(
        strstr(s.text, "192.168.5.0/24 dev ? proto kernel scope link src 192.168.5.5"));

    ck_assert_int_eq(nl_request(&nl, nl_msg_link_del(buf, "tb")), 0);
    ck_assert_int_eq(nl_link_get(&nl, "ta", &l), -ENODEV); /* both ends went */
    nl_close(&nl);
}
END_TEST

START_TEST(kernel_errors_come_back_as_errno_with_its_message)
{
    char buf[NL_BUFSIZE];
    fresh_netns();
    ck_assert_int_eq(nl_request(&nl, nl_msg_link_del(buf, "nosuch0")), -ENODEV);
    /* An address on a link that does not exist: the kernel explains in an ext ack. */
    struct in_addr a;
    inet_pton(AF_INET, "192.168.5.5", &a);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "x", 9999, &(struct cidr4){a, 24}),
                     -ENODEV);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "lo", 1, &(struct cidr4){a, 33}), -EINVAL);
    ck_assert_msg(strstr(nl.ext_ack, "prefix") != NULL, "ext ack: '%s'", nl.ext_ack);
    ck_assert_int_eq(rtnl_veth_add(&ts, &nl, buf, "t", "lo", "tz", NULL, -1), -EEXIST);
    /* The kernel's words become the failure's hint. */
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "lo", 1, &(struct cidr4){a, 33}), -EINVAL);
    ck_assert_msg(strncmp(ts.fail.hint, "kernel: ", 8) == 0, "hint: '%s'", ts.fail.hint);
    nl_close(&nl);
}
END_TEST

START_TEST(show_prints_the_three_sections)
{
    char *out = NULL;
    size_t len;
    fresh_netns();
    FILE *f = open_memstream(&out, &len);
    ck_assert_int_eq(nlshow_ns(&nl, f), 0);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(out, " links (ip -br link):\n  lo "));
    ck_assert_ptr_nonnull(strstr(out, " addresses (ip -br -4 addr):\n"));
    ck_assert_ptr_nonnull(strstr(out, " routes (ip route):\n"));
    free(out);
    nl_close(&nl);
}
END_TEST

Suite *suite_rtnl(void)
{
    Suite *s = suite_create("nl");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, veth_add_message);
    tcase_add_test(tc, veth_add_with_peer_in_another_namespace);
    tcase_add_test(tc, link_netns_updown_del_messages);
    tcase_add_test(tc, addr_add_message);
    tcase_add_test(tc, route_and_link_lines_as_ip_prints_them);
    suite_add_tcase(s, tc);
    TCase *replies = tcase_create("replies");
    tcase_add_test(replies, lengths_past_the_buffer_are_refused);
    tcase_add_test(replies, ext_ack_text_is_read_within_the_message);
    tcase_add_test(replies, attributes_of_the_wrong_size_are_ignored);
    tcase_add_test(replies, the_walk_steps_over_whole_messages_only);
    suite_add_tcase(s, replies);
    TCase *root = tcase_create("nl (root)");
    tcase_add_test(root, veth_pair_addresses_routes_for_real);
    tcase_add_test(root, kernel_errors_come_back_as_errno_with_its_message);
    tcase_add_test(root, show_prints_the_three_sections);
    unit_add_root_tcase(s, root, 3);
    return s;
}
