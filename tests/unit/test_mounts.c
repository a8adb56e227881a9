/* test_mounts.c - private propagation and proc, inside a throwaway mount namespace.
 * Check runs each test in a forked process; each first moves into its own mount
 * namespace, so nothing here can touch the machine's mount table. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../../common/mounts.h"
#include "suites.h"

static void private_ns(void)
{
    ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
}

/* Is the mount at '/' tagged "shared:" in our mountinfo? */
static int root_is_shared(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[1024];
    int shared = -1;
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f)) {
        char mnt[512];
        if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strcmp(mnt, "/") == 0)
            shared = strstr(line, " shared:") != NULL;
    }
    fclose(f);
    return shared;
}

START_TEST(rprivate_cuts_shared_propagation)
{
    private_ns();
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL), 0);
    ck_assert_int_eq(root_is_shared(), 1);
    ck_assert_int_eq(mnt_make_rprivate("/"), 0);
    ck_assert_int_eq(root_is_shared(), 0);
}
END_TEST

START_TEST(rprivate_missing_path_is_enoent)
{
    private_ns();
    ck_assert_int_eq(mnt_make_rprivate("/nonexistent-nslab-path"), -ENOENT);
}
END_TEST

START_TEST(proc_on_missing_dir_is_enoent)
{
    private_ns();
    ck_assert_int_eq(mnt_proc("/nonexistent-nslab-path"), -ENOENT);
}
END_TEST

START_TEST(proc_mounts_a_proc)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX", self[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    private_ns();
    ck_assert_int_eq(mnt_make_rprivate("/"), 0);
    ck_assert_int_eq(mnt_proc(dir), 0);
    snprintf(self, sizeof(self), "%s/self/status", dir);
    int ok = access(self, R_OK);
    umount(dir);
    rmdir(dir);
    ck_assert_int_eq(ok, 0);
}
END_TEST

Suite *suite_mounts(void)
{
    Suite *s = suite_create("mounts");
    TCase *root = tcase_create("mounts (root)");
    tcase_add_test(root, rprivate_cuts_shared_propagation);
    tcase_add_test(root, rprivate_missing_path_is_enoent);
    tcase_add_test(root, proc_on_missing_dir_is_enoent);
    tcase_add_test(root, proc_mounts_a_proc);
    unit_add_root_tcase(s, root, 4);
    return s;
}
