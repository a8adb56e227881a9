/* test_ids.c - user and group IDs from names and numbers. */
#include <errno.h>

#include "../../common/ids.h"
#include "suites.h"

START_TEST(uid_by_name_and_number)
{
    uid_t u = 1;
    ck_assert_int_eq(ids_parse_uid("root", &u), 0);
    ck_assert_uint_eq(u, 0);
    ck_assert_int_eq(ids_parse_uid("nobody", &u), 0);
    ck_assert_uint_eq(u, 65534);
    ck_assert_int_eq(ids_parse_uid("12345", &u), 0);
    ck_assert_uint_eq(u, 12345);
    /* a number needs no user of that number: setuid takes any ID */
    ck_assert_int_eq(ids_parse_uid("4294967294", &u), 0);
    ck_assert_uint_eq(u, 4294967294U);
}
END_TEST

START_TEST(gid_by_name_and_number)
{
    gid_t g = 1;
    ck_assert_int_eq(ids_parse_gid("root", &g), 0);
    ck_assert_uint_eq(g, 0);
    ck_assert_int_eq(ids_parse_gid("nogroup", &g), 0);
    ck_assert_uint_eq(g, 65534);
    ck_assert_int_eq(ids_parse_gid("0", &g), 0);
    ck_assert_uint_eq(g, 0);
}
END_TEST

START_TEST(unknown_names_are_enoent)
{
    uid_t u = 7;
    gid_t g = 7;
    ck_assert_int_eq(ids_parse_uid("no-such-user-nslab", &u), -ENOENT);
    ck_assert_int_eq(ids_parse_gid("no-such-group-nslab", &g), -ENOENT);
    /* digits then letters: a name, not a number */
    ck_assert_int_eq(ids_parse_uid("12x", &u), -ENOENT);
    ck_assert_uint_eq(u, 7);
    ck_assert_uint_eq(g, 7);
}
END_TEST

START_TEST(bad_words_are_einval)
{
    uid_t u = 7;
    gid_t g = 7;
    ck_assert_int_eq(ids_parse_uid("", &u), -EINVAL);
    ck_assert_int_eq(ids_parse_gid("", &g), -EINVAL);
    /* (uid_t)-1 means "unchanged" to setresuid, and beyond it is out of range */
    ck_assert_int_eq(ids_parse_uid("4294967295", &u), -EINVAL);
    ck_assert_int_eq(ids_parse_gid("99999999999999999999999", &g), -EINVAL);
    ck_assert_uint_eq(u, 7);
    ck_assert_uint_eq(g, 7);
}
END_TEST

Suite *suite_ids(void)
{
    Suite *s = suite_create("ids");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, uid_by_name_and_number);
    tcase_add_test(tc, gid_by_name_and_number);
    tcase_add_test(tc, unknown_names_are_enoent);
    tcase_add_test(tc, bad_words_are_einval);
    suite_add_tcase(s, tc);
    return s;
}
