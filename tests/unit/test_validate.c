/* test_validate.c - interface names, namespace names, IPv4 CIDRs, one subnet. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../../common/validate.h"
#include "suites.h"

START_TEST(ifname_ok_and_bad)
{
    ck_assert_int_eq(validate_ifname("veth0"), 0);
    ck_assert_int_eq(validate_ifname("a_b.c-1"), 0);
    ck_assert_int_eq(validate_ifname("abcdefghijklmno"), 0); /* 15: the most */
    ck_assert_int_eq(validate_ifname("abcdefghijklmnop"), -ENAMETOOLONG);
    ck_assert_int_eq(validate_ifname(""), -EINVAL);
    ck_assert_int_eq(validate_ifname("."), -EINVAL);
    ck_assert_int_eq(validate_ifname(".."), -EINVAL);
    ck_assert_int_eq(validate_ifname("a/b"), -EINVAL);
    ck_assert_int_eq(validate_ifname("a:b"), -EINVAL);
    ck_assert_int_eq(validate_ifname("a b"), -EINVAL);
    /* dhclient and ip would read a leading '-' as an option (dhclient -d, ip link -h) */
    ck_assert_int_eq(validate_ifname("-d"), -EINVAL);
    ck_assert_int_eq(validate_ifname("-"), -EINVAL);
    ck_assert_int_eq(validate_ifname("a-b"), 0);
    ck_assert_int_eq(validate_ifname("veth\xe9"), -EINVAL);
}
END_TEST

START_TEST(netns_name_ok_and_bad)
{
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ck_assert_int_eq(validate_netns_name("ns1"), 0);
    ck_assert_int_eq(validate_netns_name("nslab-host"), 0);
    ck_assert_int_eq(validate_netns_name(longname), -ENAMETOOLONG);
    ck_assert_int_eq(validate_netns_name(""), -EINVAL);
    ck_assert_int_eq(validate_netns_name(".."), -EINVAL);
    ck_assert_int_eq(validate_netns_name("a/b"), -EINVAL);
    ck_assert_int_eq(validate_netns_name("-n"), -EINVAL);
    ck_assert_int_eq(validate_netns_name("ns\xe9"), -EINVAL);
    /* `ip netns delete all` deletes every namespace of the machine: a lab named "all"
     * would narrate that as its own down. */
    ck_assert_int_eq(validate_netns_name("all"), -EINVAL);
    ck_assert_int_eq(validate_netns_name("all1"), 0);
}
END_TEST

START_TEST(cidr_parses_the_article_addresses)
{
    struct cidr4 c;
    char buf[INET_ADDRSTRLEN];
    ck_assert_int_eq(validate_cidr4("192.168.5.5/24", &c), 0);
    ck_assert_int_eq(c.prefix, 24);
    ck_assert_str_eq(inet_ntop(AF_INET, &c.addr, buf, sizeof(buf)), "192.168.5.5");
    struct in_addr net = cidr4_network(&c);
    ck_assert_str_eq(inet_ntop(AF_INET, &net, buf, sizeof(buf)), "192.168.5.0");
    ck_assert_int_eq(validate_cidr4("10.0.0.1/32", &c), 0);
    ck_assert_int_eq(validate_cidr4("10.0.0.0/31", &c), 0); /* RFC 3021 point-to-point */
}
END_TEST

START_TEST(cidr_rejects_what_is_not_a_host_address)
{
    struct cidr4 c;
    const char *bad[] = {
        "192.168.5.5",        "192.168.5.5/",
        "192.168.5.5/33",     "192.168.5.5/-1",
        "192.168.5.5/24x",    "192.168.5/24",
        "192.168.5.256/24",   "192.168.5.0/24",
        "192.168.5.255/24",   "0.0.0.0/0",
        "224.0.0.1/24",       "241.1.2.3/24", /* reserved (240/4): no DHCP server is named so */
        "255.255.255.255/32", "/24",
        "a.b.c.d/24",         "192.168.5.5/024",
        " 192.168.5.5/24",    "127.0.0.1/8", /* loopback: martian on any other link */
        "127.1.2.3/24",       "0.1.2.3/8",   /* "this network": never a host's address */
        "0.0.0.1/31"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(validate_cidr4(bad[i], &c) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

/* Issue 10: one digit of prefix and then anything was taken for the prefix alone. */
START_TEST(cidr_rejects_anything_after_the_prefix)
{
    struct cidr4 c = {.prefix = -1};
    const char *bad[] = {"192.168.5.5/2x", "10.1.2.3/3.",  "192.168.5.5/8 ", "192.168.5.5/8\n",
                         "10.1.2.3/1/",    "10.1.2.3/2-",  "10.1.2.3/2+",    "10.1.2.3/ 8",
                         "10.1.2.3/+8",    "10.1.2.3/24 ", "10.1.2.3/2\t",   "10.1.2.3/0x8",
                         "10.1.2.3/00",    "10.1.2.3/1e1", "10.1.2.3/24/8",  "10.1.2.3//8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(validate_cidr4(bad[i], &c) == -EINVAL, "accepted '%s'", bad[i]);
        ck_assert_int_eq(c.prefix, -1); /* nothing written on failure */
    }
    ck_assert_int_eq(validate_cidr4("10.1.2.3/8", &c), 0);
    ck_assert_int_eq(c.prefix, 8);
    ck_assert_int_eq(validate_cidr4("10.1.2.3/0", &c), 0);
    ck_assert_int_eq(c.prefix, 0);
}
END_TEST

/* cidr4_network() of a cidr4 not made by validate_cidr4 (prefix off 0..32) must not
 * shift by a negative count or 32 or more. */
START_TEST(network_of_an_odd_prefix)
{
    struct cidr4 c = {.addr.s_addr = htonl(0x0a010203), .prefix = 40};
    ck_assert_uint_eq(ntohl(cidr4_network(&c).s_addr), 0x0a010203);
    c.prefix = -3;
    ck_assert_uint_eq(cidr4_network(&c).s_addr, 0);
    c.prefix = 32;
    ck_assert_uint_eq(ntohl(cidr4_network(&c).s_addr), 0x0a010203);
    c.prefix = 0;
    ck_assert_uint_eq(cidr4_network(&c).s_addr, 0);
}
END_TEST

START_TEST(same_subnet)
{
    struct cidr4 a, b, c, d;
    validate_cidr4("192.168.5.5/24", &a);
    validate_cidr4("192.168.5.10/24", &b);
    validate_cidr4("192.168.6.10/24", &c);
    validate_cidr4("192.168.5.10/25", &d);
    ck_assert(validate_same_subnet(&a, &b));
    ck_assert(!validate_same_subnet(&a, &c));
    ck_assert(!validate_same_subnet(&a, &d)); /* prefixes differ */
    ck_assert(!validate_same_subnet(&a, &a)); /* one address twice */
}
END_TEST

START_TEST(pool_in_the_router_subnet)
{
    struct cidr4 router;
    struct in_addr lo, hi;
    ck_assert_int_eq(validate_cidr4("192.168.3.1/24", &router), 0);
    ck_assert_int_eq(validate_pool("192.168.3.100-192.168.3.199", &router, &lo, &hi), 0);
    ck_assert_uint_eq(ntohl(lo.s_addr) & 0xff, 100);
    ck_assert_uint_eq(ntohl(hi.s_addr) & 0xff, 199);
    /* one address is a pool too */
    ck_assert_int_eq(validate_pool("192.168.3.7-192.168.3.7", &router, &lo, &hi), 0);
    /* not A-B, or B before A */
    ck_assert_int_eq(validate_pool("192.168.3.100", &router, &lo, &hi), -EINVAL);
    ck_assert_int_eq(validate_pool("192.168.3.9-192.168.3.5", &router, &lo, &hi), -EINVAL);
    ck_assert_int_eq(validate_pool("a-b", &router, &lo, &hi), -EINVAL);
    /* another subnet, the network or broadcast address, or the router inside */
    ck_assert_int_eq(validate_pool("10.0.0.5-10.0.0.9", &router, &lo, &hi), -ERANGE);
    ck_assert_int_eq(validate_pool("192.168.3.0-192.168.3.9", &router, &lo, &hi), -ERANGE);
    ck_assert_int_eq(validate_pool("192.168.3.9-192.168.3.255", &router, &lo, &hi), -ERANGE);
    ck_assert_int_eq(validate_pool("192.168.3.1-192.168.3.9", &router, &lo, &hi), -ERANGE);
}
END_TEST

/* What follows the pool is not a pool, and a failure leaves lo and hi alone. */
START_TEST(pool_rejects_the_malformed)
{
    struct cidr4 router;
    ck_assert_int_eq(validate_cidr4("192.168.3.1/24", &router), 0);
    const char *bad[] = {"192.168.3.100-192.168.3.199-",
                         "192.168.3.100-192.168.3.199 ",
                         " 192.168.3.100-192.168.3.199",
                         "192.168.3.100 -192.168.3.199",
                         "192.168.3.100--192.168.3.199",
                         "192.168.3.100-192.168.3.199/24",
                         "192.168.3.100/24-192.168.3.199",
                         "-192.168.3.199",
                         "192.168.3.100-",
                         "-",
                         ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct in_addr lo = {.s_addr = 7}, hi = {.s_addr = 7};
        ck_assert_msg(validate_pool(bad[i], &router, &lo, &hi) == -EINVAL, "accepted '%s'", bad[i]);
        ck_assert_uint_eq(lo.s_addr, 7);
        ck_assert_uint_eq(hi.s_addr, 7);
    }
    struct in_addr lo = {.s_addr = 7}, hi = {.s_addr = 7};
    ck_assert_int_eq(validate_pool("10.0.0.5-10.0.0.9", &router, &lo, &hi), -ERANGE);
    ck_assert_uint_eq(lo.s_addr, 7);
    ck_assert_uint_eq(hi.s_addr, 7);
}
END_TEST

Suite *suite_validate(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, ifname_ok_and_bad);
    tcase_add_test(tc, netns_name_ok_and_bad);
    tcase_add_test(tc, cidr_parses_the_article_addresses);
    tcase_add_test(tc, cidr_rejects_what_is_not_a_host_address);
    tcase_add_test(tc, cidr_rejects_anything_after_the_prefix);
    tcase_add_test(tc, network_of_an_odd_prefix);
    tcase_add_test(tc, same_subnet);
    tcase_add_test(tc, pool_in_the_router_subnet);
    tcase_add_test(tc, pool_rejects_the_malformed);
    suite_add_tcase(s, tc);
    return s;
}
