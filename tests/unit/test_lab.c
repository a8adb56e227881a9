/* test_lab.c - the lab's state file: its lines, and undoing what it lists. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/lab.h"
#include "../../common/narrate.h"
#include "../../common/netns.h"
#include "suites.h"

START_TEST(lines_round_trip)
{
    const char *lines[] = {"netns ns1 4026532290 8193", "link veth0 nslab-host",
                           "proc dnsmasq 4242 987654 nslab-lan"};
    for (size_t i = 0; i < 3; i++) {
        struct lab_obj o;
        char buf[128];
        ck_assert_int_eq(lab_parse_obj(lines[i], &o), 0);
        ck_assert_int_gt(lab_format_obj(&o, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, lines[i]);
    }
}
END_TEST

START_TEST(bad_lines_are_refused)
{
    struct lab_obj o;
    const char *bad[] = {"",
                         "netns",
                         "netns ns1",
                         "netns ns1 12",
                         "netns ns1 12 3 extra",
                         "link veth0",
                         "route 10.0.0.0/8",
                         "proc x 1 2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(lab_parse_obj(bad[i], &o) == -EBADMSG, "accepted '%s'", bad[i]);
}
END_TEST

static char lab_name[64], ns_name[64];

START_TEST(record_create_undo_leaves_nothing)
{
    struct lab lab;
    char shell[128];
    snprintf(lab_name, sizeof(lab_name), "nslab-unit-lab-%d", (int)getpid());
    snprintf(ns_name, sizeof(ns_name), "nslab-unit-ns-%d", (int)getpid());
    narrate_init("t", true);
    ck_assert_int_eq(lab_open(&lab, "unit", lab_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), -EEXIST); /* and not recorded twice */
    ck_assert_int_eq(lab.n, 1);
    ck_assert_int_eq(lab_netns_check(&lab, ns_name), 0);

    struct lab again;
    ck_assert_int_eq(lab_open(&again, "unit", lab_name), 1);
    ck_assert_int_eq(again.n, 1);
    ck_assert_uint_eq(again.obj[0].id, lab.obj[0].id);
    ck_assert_int_eq(lab_open(&again, "someone-else", lab_name), -EBUSY);

    ck_assert_int_eq(lab_undo(&lab, 0, shell, sizeof(shell)), 0);
    ck_assert_str_eq(shell + strlen("ip netns del "), ns_name);
    ck_assert_int_eq(lab_netns_check(&lab, ns_name), -ENOENT);
    ck_assert_int_eq(lab_remove_state(&lab), 0);
    ck_assert_int_eq(access(lab.path, F_OK), -1);
}
END_TEST

START_TEST(a_replaced_namespace_is_left_alone)
{
    struct lab lab;
    char shell[128];
    uint64_t ino;
    snprintf(lab_name, sizeof(lab_name), "nslab-unit-lab-%d", (int)getpid());
    snprintf(ns_name, sizeof(ns_name), "nslab-unit-ns-%d", (int)getpid());
    narrate_init("t", true);
    ck_assert_int_eq(lab_open(&lab, "unit", lab_name), 0);
    ck_assert_int_eq(lab_netns_add(&lab, ns_name), 0);
    /* Someone deletes ours and makes their own with the same name. */
    ck_assert_int_eq(netns_del(ns_name), 0);
    ck_assert_int_eq(netns_add(ns_name), 0);
    int r = lab_undo(&lab, 0, shell, sizeof(shell));
    int still = netns_inode(ns_name, &ino);
    netns_del(ns_name);
    lab_remove_state(&lab);
    ck_assert_int_eq(r, -ESTALE);
    ck_assert_int_eq(still, 0);
}
END_TEST

Suite *suite_lab(void)
{
    Suite *s = suite_create("lab");
    TCase *tc = tcase_create("lab");
    tcase_add_test(tc, lines_round_trip);
    tcase_add_test(tc, bad_lines_are_refused);
    suite_add_tcase(s, tc);
    TCase *root = tcase_create("lab (root)");
    tcase_add_test(root, record_create_undo_leaves_nothing);
    tcase_add_test(root, a_replaced_namespace_is_left_alone);
    unit_add_root_tcase(s, root, 2);
    return s;
}
