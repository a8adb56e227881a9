/* test_nl.c - netlink requests built into a buffer and checked attribute by attribute,
 * then sent for real inside a throwaway network namespace (root only).  Check forks
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

START_TEST(route_add_message)
{
    char buf[NL_BUFSIZE], s[INET_ADDRSTRLEN];
    struct in_addr dst, gw = {0};
    inet_pton(AF_INET, "10.9.0.0", &dst);
    struct nlmsghdr *nlh = nl_msg_route4_add(buf, dst, 16, gw, 4);
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
    ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWROUTE);
    ck_assert_int_eq(rtm->rtm_dst_len, 16);
    ck_assert_int_eq(rtm->rtm_table, RT_TABLE_MAIN);
    ck_assert_int_eq(rtm->rtm_scope, RT_SCOPE_LINK);
    ck_assert_str_eq(
        inet_ntop(AF_INET, mnl_attr_get_payload(find_attr(nlh, sizeof(*rtm), RTA_DST)), s, 16),
        "10.9.0.0");
    ck_assert_uint_eq(mnl_attr_get_u32(find_attr(nlh, sizeof(*rtm), RTA_OIF)), 4);
    ck_assert_ptr_null(find_attr(nlh, sizeof(*rtm), RTA_GATEWAY));
}
END_TEST

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
    struct in_addr a, dst, gw = {0};
    inet_pton(AF_INET, "192.168.5.5", &a);
    inet_pton(AF_INET, "10.9.0.0", &dst);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "ta", l.index, &(struct cidr4){a, 24}), 0);
    ck_assert_int_eq(rtnl_addr4_add(&ts, &nl, buf, "t", "ta", 0, &(struct cidr4){a, 24}), -EEXIST);
    ck_assert_int_eq(nl_request(&nl, nl_msg_route4_add(buf, dst, 16, gw, l.index)), 0);

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

Suite *suite_nl(void)
{
    Suite *s = suite_create("nl");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, veth_add_message);
    tcase_add_test(tc, veth_add_with_peer_in_another_namespace);
    tcase_add_test(tc, link_netns_updown_del_messages);
    tcase_add_test(tc, addr_add_message);
    tcase_add_test(tc, route_add_message);
    tcase_add_test(tc, route_and_link_lines_as_ip_prints_them);
    suite_add_tcase(s, tc);
    TCase *root = tcase_create("nl (root)");
    tcase_add_test(root, veth_pair_addresses_routes_for_real);
    tcase_add_test(root, kernel_errors_come_back_as_errno_with_its_message);
    tcase_add_test(root, show_prints_the_three_sections);
    unit_add_root_tcase(s, root, 3);
    return s;
}
