/* test_procfs.c - reading a process's PIDs from its NSpid line, and what its user
 * namespace's ID maps allow. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

START_TEST(idmap_covers_an_id_or_not)
{
    /* as the kernel writes them: the machine's own, -U's keeper, a container's range */
    const char *all = "         0          0 4294967295\n";
    const char *root_only = "         0      64152          1\n";
    const char *range = "         0     100000      65536\n";
    ck_assert_int_eq(procfs_idmap_has(all, 65534), 1);
    ck_assert_int_eq(procfs_idmap_has(all, 4294967294UL), 1);
    ck_assert_int_eq(procfs_idmap_has(root_only, 0), 1);
    ck_assert_int_eq(procfs_idmap_has(root_only, 65534), 0);
    ck_assert_int_eq(procfs_idmap_has(root_only, 1), 0);
    ck_assert_int_eq(procfs_idmap_has(range, 65534), 1);
    ck_assert_int_eq(procfs_idmap_has(range, 65535), 1);
    ck_assert_int_eq(procfs_idmap_has(range, 65536), 0);
    /* several lines, the id in the last, or between two */
    const char *lines = "0 64152 1\n1 200000 1000\n65534 300000 1\n";
    ck_assert_int_eq(procfs_idmap_has(lines, 65534), 1);
    ck_assert_int_eq(procfs_idmap_has(lines, 1000), 1);
    ck_assert_int_eq(procfs_idmap_has(lines, 1001), 0);
    ck_assert_int_eq(procfs_idmap_has("0 64152 1\n65535 1 1", 65534), 0);
    /* a namespace whose maps nobody wrote yet maps nothing */
    ck_assert_int_eq(procfs_idmap_has("", 0), 0);
}
END_TEST

START_TEST(idmap_garbage_is_einval)
{
    ck_assert_int_eq(procfs_idmap_has("garbage\n", 0), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("0 0\n", 0), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("0 0 1 1\n", 0), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("0 0 -1\n", 65534), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("0 0 99999999999999999999\n", 65534), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("0 0 4294967296\n", 65534), -EINVAL);
    ck_assert_int_eq(procfs_idmap_has("\n", 0), -EINVAL);
    /* a good line does not excuse a bad one after it */
    ck_assert_int_eq(procfs_idmap_has("0 0 4294967295\nx\n", 65534), -EINVAL);
}
END_TEST

/* A fake /proc/PID: its uid_map, gid_map and setgroups (NULL: no such file). */
static void fake_proc(const char *dir, const char *uid_map, const char *gid_map,
                      const char *setgroups)
{
    const char *names[] = {"uid_map", "gid_map", "setgroups"};
    const char *texts[] = {uid_map, gid_map, setgroups};
    char path[96];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
        if (!texts[i])
            continue;
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(texts[i], f);
        fclose(f);
    }
}

START_TEST(can_drop_needs_both_ids_and_setgroups)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX";
    const char *all = "0 0 4294967295\n";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* the machine's root */
    fake_proc(dir, all, all, "allow\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 1);
    /* a kernel before setgroups had a file */
    fake_proc(dir, all, all, NULL);
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 1);
    /* unshare --user --map-root-user, and -U's keeper: root alone, setgroups denied */
    fake_proc(dir, "0 64152 1\n", "0 64152 1\n", "deny\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 0);
    /* nobody mapped, but setgroups denied: dnsmasq's setgroups(0) would fail */
    fake_proc(dir, all, all, "deny\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 0);
    /* the user mapped, not the group */
    fake_proc(dir, all, "0 0 1\n", "allow\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 0);
    /* garbage, or no map at all */
    fake_proc(dir, "nonsense\n", all, "allow\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), -EINVAL);
    fake_proc(dir, NULL, all, "allow\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), -ENOENT);
    fake_proc(dir, all, all, "allow, or not\n");
    ck_assert_int_eq(procfs_can_drop_to(dir, 65534, 30), 0);
    fake_proc(dir, NULL, NULL, NULL);
    rmdir(dir);
}
END_TEST

/* A file read whole, or refused: one that does not fit is not read in part. */
START_TEST(read_whole_or_efbig)
{
    char path[] = "/tmp/nslab-unit-XXXXXX", buf[8];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "1234\n", 5), 5);
    ck_assert_int_eq(procfs_read(path, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "1234\n");
    /* seven bytes fill buf up to its NUL: more might follow, so it is too big */
    ck_assert_int_eq(write(fd, "56", 2), 2);
    ck_assert_int_eq(procfs_read(path, buf, sizeof(buf)), -EFBIG);
    close(fd);
    unlink(path);
    ck_assert_int_eq(procfs_read(path, buf, sizeof(buf)), -ENOENT);
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
    tcase_add_test(tc, read_whole_or_efbig);
    tcase_add_test(tc, idmap_covers_an_id_or_not);
    tcase_add_test(tc, idmap_garbage_is_einval);
    tcase_add_test(tc, can_drop_needs_both_ids_and_setgroups);
    suite_add_tcase(s, tc);
    return s;
}
