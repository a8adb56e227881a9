/* test_procfs.c - reading a process's PIDs from its NSpid line. */
#include <errno.h>
#include <unistd.h>

#include "../../common/procfs.h"
#include "suites.h"

START_TEST(nspid_two_levels)
{
    pid_t ids[4];
    const char *st = "Name:\tbash\nPid:\t4242\nNSpid:\t4242\t1\nNSpgid:\t4242\t1\n";
    ck_assert_int_eq(procfs_parse_nspid(st, ids, 4), 2);
    ck_assert_int_eq(ids[0], 4242);
    ck_assert_int_eq(ids[1], 1);
}
END_TEST

START_TEST(nspid_one_level_at_end_of_text)
{
    pid_t ids[4];
    ck_assert_int_eq(procfs_parse_nspid("Pid:\t7\nNSpid:\t7", ids, 4), 1);
    ck_assert_int_eq(ids[0], 7);
}
END_TEST

START_TEST(nspid_more_levels_than_room_counts_all)
{
    pid_t ids[2];
    ck_assert_int_eq(procfs_parse_nspid("NSpid:\t900\t30\t1\n", ids, 2), 3);
    ck_assert_int_eq(ids[0], 900);
    ck_assert_int_eq(ids[1], 30);
}
END_TEST

START_TEST(nspid_missing_is_enoent)
{
    pid_t ids[2];
    /* NSpgid must not be taken for NSpid, nor a field that merely contains it. */
    ck_assert_int_eq(procfs_parse_nspid("Pid:\t7\nNSpgid:\t7\nXNSpid:\t7\n", ids, 2), -ENOENT);
}
END_TEST

START_TEST(nspid_garbage_is_einval)
{
    pid_t ids[2];
    ck_assert_int_eq(procfs_parse_nspid("NSpid:\t12x\n", ids, 2), -EINVAL);
    ck_assert_int_eq(procfs_parse_nspid("NSpid:\t-3\n", ids, 2), -EINVAL);
    ck_assert_int_eq(procfs_parse_nspid("NSpid:\t\n", ids, 2), -EINVAL);
    ck_assert_int_eq(procfs_parse_nspid("NSpid:\t99999999999999\n", ids, 2), -EINVAL);
}
END_TEST

START_TEST(read_own_status)
{
    pid_t ids[4];
    int n = procfs_read_nspid(getpid(), ids, 4);
    ck_assert_int_ge(n, 1);
    ck_assert_int_eq(ids[n - 1], getpid());
}
END_TEST

START_TEST(read_missing_process_is_enoent)
{
    pid_t ids[4];
    /* PIDs never reach this value (pid_max is at most 2^22). */
    ck_assert_int_eq(procfs_read_nspid(0x7ffffff0, ids, 4), -ENOENT);
}
END_TEST

Suite *suite_procfs(void)
{
    Suite *s = suite_create("procfs");
    TCase *tc = tcase_create("nspid");
    tcase_add_test(tc, nspid_two_levels);
    tcase_add_test(tc, nspid_one_level_at_end_of_text);
    tcase_add_test(tc, nspid_more_levels_than_room_counts_all);
    tcase_add_test(tc, nspid_missing_is_enoent);
    tcase_add_test(tc, nspid_garbage_is_einval);
    tcase_add_test(tc, read_own_status);
    tcase_add_test(tc, read_missing_process_is_enoent);
    suite_add_tcase(s, tc);
    return s;
}
