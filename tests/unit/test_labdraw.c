/* test_labdraw.c - the picture show draws: exact, in UTF-8 and in ASCII, for stage 04's
 * and stage 05's labs as the kernel reports them, with a link deleted, a namespace gone,
 * and the longest names the options allow (still within 80 columns). */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/labdraw.h"
#include "suites.h"

static struct labdraw d;
static char out[16384];

static struct labdraw_ns *ns_add(const char *name, const char *title)
{
    struct labdraw_ns *ns = &d.ns[d.n++];
    memset(ns, 0, sizeof(*ns));
    snprintf(ns->name, sizeof(ns->name), "%s", name);
    snprintf(ns->title, sizeof(ns->title), "%s", title);
    return ns;
}

/* A link as the dump gives it: index, IFLA_LINK (peer), IFLA_LINK_NETNSID given,
 * IFLA_MASTER, IFF_UP, and its address. */
static struct labdraw_link *link_add(struct labdraw_ns *ns, const char *name, int index, int peer,
                                     bool peer_netns, int master, const char *addr)
{
    struct labdraw_link *l = &ns->link[ns->n++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->index = index;
    l->peer = peer;
    l->peer_netns = peer_netns;
    l->master = master;
    l->up = true;
    if (addr)
        snprintf(l->addr[l->naddr++], sizeof(l->addr[0]), "%s", addr);
    return l;
}

/* Stage 04's lab: veth0 is link 2 of the host, veth1 link 2 of ns1, each naming the
 * other (the same index on both sides: only the pairing by both ends tells them). */
static void lab04(void)
{
    memset(&d, 0, sizeof(d));
    struct labdraw_ns *h = ns_add("nslab-host", "the article's host");
    link_add(h, "lo", 1, 0, false, 0, "127.0.0.1/8");
    link_add(h, "veth0", 2, 2, true, 0, "192.168.5.5/24");
    struct labdraw_ns *n = ns_add("ns1", "");
    link_add(n, "lo", 1, 0, false, 0, "127.0.0.1/8");
    link_add(n, "veth1", 2, 2, true, 0, "192.168.5.10/24");
}

/* Stage 05's, stacked along the cable: lan0 (2) <-> eth0 (3), veth0 (4) <-> veth1 (2). */
static void lab05(void)
{
    memset(&d, 0, sizeof(d));
    struct labdraw_ns *lan = ns_add("nslab-lan", "the LAN: router and DHCP server");
    link_add(lan, "lo", 1, 0, false, 0, "127.0.0.1/8");
    link_add(lan, "lan0", 2, 3, true, 0, "192.168.3.1/24");
    snprintf(lan->daemon[lan->ndaemon++], sizeof(lan->daemon[0]),
             "dnsmasq (PID 4242): DHCP server");
    struct labdraw_ns *h = ns_add("nslab-host5", "the article's host");
    link_add(h, "lo", 1, 0, false, 0, "127.0.0.1/8");
    link_add(h, "br0", 2, 0, false, 0, "192.168.3.159/24");
    link_add(h, "eth0", 3, 2, true, 2, NULL);
    link_add(h, "veth0", 4, 2, true, 2, NULL);
    struct labdraw_ns *n = ns_add("ns1", "");
    link_add(n, "lo", 1, 0, false, 0, "127.0.0.1/8");
    link_add(n, "veth1", 2, 4, true, 0, "192.168.3.152/24");
}

static const char *draw(bool utf8)
{
    int r = labdraw_render(&d, utf8, out, sizeof(out));
    ck_assert_int_ge(r, 0);
    ck_assert_int_eq((int)strlen(out), r);
    if (getenv("LABDRAW_PRINT"))
        fputs(out, stderr);
    return out;
}

/* Every line's width in columns (UTF-8 characters), at most 80. */
static void assert_fits(const char *s)
{
    int col = 0;
    for (; *s; s++) {
        if (*s == '\n') {
            ck_assert_int_le(col, LABDRAW_COLS);
            col = 0;
        } else if (((unsigned char)*s & 0xc0) != 0x80) {
            col++;
        }
    }
    ck_assert_int_eq(col, 0); /* every line ends with '\n' */
}

START_TEST(stage04_utf8)
{
    lab04();
    ck_assert_str_eq(draw(true), "┌─ nslab-host (the article's host) ──┐\n"
                                 "│ lo     127.0.0.1/8                 │\n"
                                 "│ veth0  192.168.5.5/24 ─────────────┼──┐\n"
                                 "└────────────────────────────────────┘  │\n"
                                 "┌─ ns1 ──────────────────────────────┐  │\n"
                                 "│ lo     127.0.0.1/8                 │  │\n"
                                 "│ veth1  192.168.5.10/24 ────────────┼──┘\n"
                                 "└────────────────────────────────────┘\n");
}
END_TEST

START_TEST(stage04_ascii)
{
    lab04();
    ck_assert_str_eq(draw(false), "+- nslab-host (the article's host) --+\n"
                                  "| lo     127.0.0.1/8                 |\n"
                                  "| veth0  192.168.5.5/24 -------------+--+\n"
                                  "+------------------------------------+  |\n"
                                  "+- ns1 ------------------------------+  |\n"
                                  "| lo     127.0.0.1/8                 |  |\n"
                                  "| veth1  192.168.5.10/24 ------------+--+\n"
                                  "+------------------------------------+\n");
}
END_TEST

START_TEST(stage05_utf8)
{
    lab05();
    ck_assert_str_eq(draw(true), "┌─ nslab-lan (the LAN: router and DHCP server) ──┐\n"
                                 "│ lo        127.0.0.1/8                          │\n"
                                 "│ lan0      192.168.3.1/24 ──────────────────────┼──┐\n"
                                 "│ dnsmasq (PID 4242): DHCP server                │  │\n"
                                 "└────────────────────────────────────────────────┘  │\n"
                                 "┌─ nslab-host5 (the article's host) ─────────────┐  │\n"
                                 "│ lo        127.0.0.1/8                          │  │\n"
                                 "│ br0       192.168.3.159/24                     │  │\n"
                                 "│ ├─ eth0 ───────────────────────────────────────┼──┘\n"
                                 "│ └─ veth0 ──────────────────────────────────────┼──┐\n"
                                 "└────────────────────────────────────────────────┘  │\n"
                                 "┌─ ns1 ──────────────────────────────────────────┐  │\n"
                                 "│ lo        127.0.0.1/8                          │  │\n"
                                 "│ veth1     192.168.3.152/24 ────────────────────┼──┘\n"
                                 "└────────────────────────────────────────────────┘\n");
}
END_TEST

START_TEST(stage05_ascii)
{
    lab05();
    ck_assert_str_eq(draw(false), "+- nslab-lan (the LAN: router and DHCP server) --+\n"
                                  "| lo        127.0.0.1/8                          |\n"
                                  "| lan0      192.168.3.1/24 ----------------------+--+\n"
                                  "| dnsmasq (PID 4242): DHCP server                |  |\n"
                                  "+------------------------------------------------+  |\n"
                                  "+- nslab-host5 (the article's host) -------------+  |\n"
                                  "| lo        127.0.0.1/8                          |  |\n"
                                  "| br0       192.168.3.159/24                     |  |\n"
                                  "| |- eth0 ---------------------------------------+--+\n"
                                  "| `- veth0 --------------------------------------+--+\n"
                                  "+------------------------------------------------+  |\n"
                                  "+- ns1 ------------------------------------------+  |\n"
                                  "| lo        127.0.0.1/8                          |  |\n"
                                  "| veth1     192.168.3.152/24 --------------------+--+\n"
                                  "+------------------------------------------------+\n");
}
END_TEST

/* ip -n nslab-host5 link del veth0: both ends are gone from the dumps, so from the
 * picture; the other wire stays. */
START_TEST(deleted_link_is_not_drawn)
{
    lab05();
    d.ns[1].n = 3; /* veth0 was the host's last link */
    d.ns[2].n = 1; /* and veth1 went with it */
    ck_assert_str_eq(draw(true), "┌─ nslab-lan (the LAN: router and DHCP server) ──┐\n"
                                 "│ lo       127.0.0.1/8                           │\n"
                                 "│ lan0     192.168.3.1/24 ───────────────────────┼──┐\n"
                                 "│ dnsmasq (PID 4242): DHCP server                │  │\n"
                                 "└────────────────────────────────────────────────┘  │\n"
                                 "┌─ nslab-host5 (the article's host) ─────────────┐  │\n"
                                 "│ lo       127.0.0.1/8                           │  │\n"
                                 "│ br0      192.168.3.159/24                      │  │\n"
                                 "│ └─ eth0 ───────────────────────────────────────┼──┘\n"
                                 "└────────────────────────────────────────────────┘\n"
                                 "┌─ ns1 ──────────────────────────────────────────┐\n"
                                 "│ lo       127.0.0.1/8                           │\n"
                                 "└────────────────────────────────────────────────┘\n");
}
END_TEST

/* ns1's /run/netns file is gone: its box says so, and veth0, whose peer is no longer
 * in the picture, keeps ip's @ifN and no wire.  A link set down says so. */
START_TEST(gone_namespace_is_a_box_saying_so)
{
    lab04();
    snprintf(d.ns[1].gone, sizeof(d.ns[1].gone), "gone: no /run/netns/ns1");
    d.ns[0].link[1].up = false;
    ck_assert_str_eq(draw(false), "+- nslab-host (the article's host) --+\n"
                                  "| lo         127.0.0.1/8             |\n"
                                  "| veth0@if2  192.168.5.5/24 (down)   |\n"
                                  "+------------------------------------+\n"
                                  "+- ns1 ------------------------------+\n"
                                  "| gone: no /run/netns/ns1            |\n"
                                  "+------------------------------------+\n");
}
END_TEST

/* The longest names the options allow (namespaces of 63 characters, links of 15, two
 * addresses on one link) still fit 80 columns: titles and rows are cut, marked. */
START_TEST(longest_names_fit_80_columns)
{
    char ns[64];
    lab05();
    for (int i = 0; i < d.n; i++) {
        memset(ns, 'a' + i, sizeof(ns) - 1);
        ns[sizeof(ns) - 1] = '\0';
        snprintf(d.ns[i].name, sizeof(d.ns[i].name), "%s", ns);
        for (int k = 0; k < d.ns[i].n; k++)
            memset(d.ns[i].link[k].name, 'A' + k, IFNAMSIZ - 1);
    }
    struct labdraw_link *br = &d.ns[1].link[1];
    snprintf(br->addr[br->naddr++], sizeof(br->addr[0]), "255.255.255.254/31");
    d.ns[2].link[1].up = false;
    const char *s = draw(true);
    assert_fits(s);
    ck_assert_ptr_nonnull(strstr(s, "…"));
    ck_assert_ptr_nonnull(strstr(s, "255.255.255.254/31"));
    ck_assert_ptr_nonnull(strstr(s, "┼──┘"));
    s = draw(false);
    assert_fits(s);
    ck_assert_ptr_nonnull(strstr(s, "+--+"));
}
END_TEST

START_TEST(too_small_a_buffer)
{
    lab04();
    ck_assert_int_eq(labdraw_render(&d, true, out, 40), -ENOSPC);
    ck_assert_int_eq(labdraw_render(&d, true, out, 0), -ENOSPC);
}
END_TEST

/* The locale decides: LC_ALL=C draws ASCII, LC_ALL=C.UTF-8 box-drawing characters. */
START_TEST(locale_decides)
{
    const char *was = getenv("LC_ALL");
    char saved[64];
    snprintf(saved, sizeof(saved), "%s", was ? was : "");
    setenv("LC_ALL", "C", 1);
    ck_assert(!labdraw_utf8());
    setenv("LC_ALL", "C.UTF-8", 1);
    if (setlocale(LC_CTYPE, "C.UTF-8")) {
        setlocale(LC_CTYPE, "C");
        ck_assert(labdraw_utf8());
    }
    if (was)
        setenv("LC_ALL", saved, 1);
    else
        unsetenv("LC_ALL");
}
END_TEST

Suite *suite_labdraw(void)
{
    Suite *s = suite_create("labdraw");
    TCase *tc = tcase_create("labdraw");
    tcase_add_test(tc, stage04_utf8);
    tcase_add_test(tc, stage04_ascii);
    tcase_add_test(tc, stage05_utf8);
    tcase_add_test(tc, stage05_ascii);
    tcase_add_test(tc, deleted_link_is_not_drawn);
    tcase_add_test(tc, gone_namespace_is_a_box_saying_so);
    tcase_add_test(tc, longest_names_fit_80_columns);
    tcase_add_test(tc, too_small_a_buffer);
    tcase_add_test(tc, locale_decides);
    suite_add_tcase(s, tc);
    return s;
}
