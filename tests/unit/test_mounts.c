/* test_mounts.c - stage 01's private propagation and proc (01-pid-ns/pid1.c), the
 * mounts stage 02 writes out, and the mountinfo reader (common/mounts.c), inside a
 * throwaway mount namespace.  Check runs each test in a forked process; each first
 * moves into its own mount namespace, so nothing here can touch the machine's mount
 * table. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../../01-pid-ns/pid1.h"
#include "../../common/mounts.h"
#include "../../common/narrate.h"
#include "suites.h"

static void private_ns(void)
{
    narrate_init("t", true);
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
    /* narrated as the stages show it */
    FILE *nar = tmpfile();
    ck_assert_ptr_nonnull(nar);
    narrate_init("t", false);
    narrate_set_stream(nar);
    ck_assert_int_eq(pid1_make_private("/"), 0);
    narrate_set_stream(NULL);
    ck_assert_int_eq(root_is_shared(), 0);
    char line[256] = "";
    rewind(nar);
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), nar));
    fclose(nar);
    ck_assert_ptr_nonnull(strstr(line, "[t] mount(\"/\", MS_REC|MS_PRIVATE) "));
    ck_assert_ptr_nonnull(strstr(line, "~ mount --make-rprivate /\n"));
}
END_TEST

START_TEST(rprivate_missing_path_is_enoent)
{
    private_ns();
    ck_assert_int_eq(pid1_make_private("/nonexistent-nslab-path"), -ENOENT);
}
END_TEST

START_TEST(proc_on_missing_dir_is_enoent)
{
    private_ns();
    ck_assert_int_eq(pid1_mount_proc("/nonexistent-nslab-path"), -ENOENT);
}
END_TEST

START_TEST(proc_mounts_a_proc)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX", self[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    private_ns();
    ck_assert_int_eq(pid1_make_private("/"), 0);
    ck_assert_int_eq(pid1_mount_proc(dir), 0);
    snprintf(self, sizeof(self), "%s/self/status", dir);
    int ok = access(self, R_OK);
    umount(dir);
    rmdir(dir);
    ck_assert_int_eq(ok, 0);
}
END_TEST

static const char mountinfo[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
    "40 22 0:35 / /mnt rw shared:9 - tmpfs tmpfs rw\n"
    "41 40 0:36 / /mnt rw - mqueue mqueue rw"; /* no final newline: the last line counts */

START_TEST(info_finds_the_top_mount)
{
    char type[16];
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/proc", type, sizeof(type)), 0);
    ck_assert_str_eq(type, "proc");
    /* two on /mnt: the later one is on top */
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/mnt", type, sizeof(type)), 0);
    ck_assert_str_eq(type, "mqueue");
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/", type, sizeof(type)), 0);
    ck_assert_str_eq(type, "ext4");
}
END_TEST

START_TEST(info_misses_and_small_buffers)
{
    char type[4];
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/srv", type, sizeof(type)), -ENOENT);
    ck_assert_int_eq(mnt_info_fstype("", "/", type, sizeof(type)), -ENOENT);
    /* "/mn" is a prefix of a mount point, not one */
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/mn", type, sizeof(type)), -ENOENT);
    ck_assert_int_eq(mnt_info_fstype(mountinfo, "/mnt", type, sizeof(type)), -ENOSPC);
}
END_TEST

/* The calls 02-ipc-mount-ns/ipc-mount-ns.c writes out, with its flags: --leak's
 * shared / and the child's tmpfs. */
START_TEST(fs_and_rshared)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    private_ns();
    ck_assert_int_eq(pid1_make_private("/"), 0);
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL), 0);
    ck_assert_int_eq(root_is_shared(), 1);
    int r = mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, NULL);
    umount(dir);
    rmdir(dir);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(mount("nosuchfs-nslab", "/mnt", "nosuchfs-nslab", MS_NOSUID | MS_NODEV, NULL),
                     -1);
    ck_assert_int_eq(errno, ENODEV);
}
END_TEST

START_TEST(private_proc_cuts_propagation_unless_leak)
{
    private_ns();
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL), 0);
    /* --leak's way: proc without the private step, / stays shared */
    ck_assert_int_eq(pid1_mount_proc("/proc"), 0);
    ck_assert_int_eq(root_is_shared(), 1);
    ck_assert_int_eq(umount2("/proc", MNT_DETACH), 0);
    /* stage 01's way */
    ck_assert_int_eq(pid1_make_private("/"), 0);
    ck_assert_int_eq(pid1_mount_proc("/proc"), 0);
    ck_assert_int_eq(root_is_shared(), 0);
    ck_assert_int_eq(access("/proc/self/status", R_OK), 0);
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
    tcase_add_test(root, fs_and_rshared);
    tcase_add_test(root, private_proc_cuts_propagation_unless_leak);
    unit_add_root_tcase(s, root, 6);
    TCase *info = tcase_create("mountinfo");
    tcase_add_test(info, info_finds_the_top_mount);
    tcase_add_test(info, info_misses_and_small_buffers);
    suite_add_tcase(s, info);
    return s;
}
