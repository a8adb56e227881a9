/* test_userns.c - stage 03's map lines and map writes (03-user-drop/userns-maps.c) and
 * the settings that forbid user namespaces (common/userns.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../03-user-drop/userns-maps.h"
#include "../../common/narrate.h"
#include "../../common/userns.h"
#include "suites.h"

START_TEST(format_map_line)
{
    char buf[64];
    ck_assert_int_eq(userns_format_map(buf, sizeof(buf), 0, 1000, 1), 9);
    ck_assert_str_eq(buf, "0 1000 1\n");
    ck_assert_int_eq(userns_format_map(buf, sizeof(buf), 65534, 4294967294UL, 1), 19);
    ck_assert_str_eq(buf, "65534 4294967294 1\n");
}
END_TEST

START_TEST(format_map_too_small_is_enospc)
{
    char buf[8];
    ck_assert_int_eq(userns_format_map(buf, sizeof(buf), 0, 1000, 1), -ENOSPC);
}
END_TEST

/* A fake /proc/sys with the given files and values. */
static void fake_setting(const char *dir, const char *file, const char *value)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s\n", value);
    fclose(f);
}

static char procsys[64];

static void make_procsys(void)
{
    strcpy(procsys, "/tmp/nslab-sys-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(procsys));
}

/* Removes the fake /proc/sys after each test (Check's checked fixture). */
static void remove_procsys(void)
{
    static const char *const files[] = {
        "user/max_user_namespaces",
        "kernel/unprivileged_userns_clone",
        "kernel/apparmor_restrict_unprivileged_userns",
        "user",
        "kernel",
        "",
    };
    char path[256];
    if (!procsys[0])
        return;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", procsys, files[i]);
        if (unlink(path) < 0)
            rmdir(path);
    }
    procsys[0] = '\0';
}

START_TEST(allowed_settings_give_no_hint)
{
    char hint[256] = "";
    make_procsys();
    /* no files at all (an older kernel): nothing to blame */
    ck_assert_int_eq(userns_blocked_hint(procsys, hint, sizeof(hint)), 0);
    fake_setting(procsys, "user/max_user_namespaces", "63000");
    fake_setting(procsys, "kernel/unprivileged_userns_clone", "1");
    fake_setting(procsys, "kernel/apparmor_restrict_unprivileged_userns", "0");
    ck_assert_int_eq(userns_blocked_hint(procsys, hint, sizeof(hint)), 0);
    ck_assert_str_eq(hint, "");
}
END_TEST

START_TEST(max_user_namespaces_zero_is_named)
{
    char hint[256];
    make_procsys();
    fake_setting(procsys, "user/max_user_namespaces", "0");
    ck_assert_int_eq(userns_blocked_hint(procsys, hint, sizeof(hint)), 1);
    ck_assert_str_eq(hint,
                     "user namespaces are turned off here: sysctl user.max_user_namespaces is 0");
}
END_TEST

START_TEST(debian_and_ubuntu_settings_are_named)
{
    char hint[256];
    make_procsys();
    fake_setting(procsys, "kernel/unprivileged_userns_clone", "0");
    ck_assert_int_eq(userns_blocked_hint(procsys, hint, sizeof(hint)), 1);
    ck_assert_str_eq(hint, "only root may create user namespaces here: sysctl "
                           "kernel.unprivileged_userns_clone is 0");
    fake_setting(procsys, "kernel/unprivileged_userns_clone", "1");
    fake_setting(procsys, "kernel/apparmor_restrict_unprivileged_userns", "1");
    ck_assert_int_eq(userns_blocked_hint(procsys, hint, sizeof(hint)), 1);
    ck_assert_str_eq(hint, "AppArmor restricts unprivileged user namespaces here: sysctl "
                           "kernel.apparmor_restrict_unprivileged_userns is 1; an administrator "
                           "lets the course's programs have them, once: sudo make allow-userns");
}
END_TEST

START_TEST(write_proc_missing_pid_is_enoent)
{
    /* PIDs never reach the top of the range */
    ck_assert_int_eq(userns_write_proc(2147483646, "uid_map", "0 0 1\n"), -ENOENT);
}
END_TEST

/* A child in a new user namespace that waits for a byte, then reports its IDs. */
static int pipe_fds[2];
static int child_fn(void *arg)
{
    (void)arg;
    char c;
    if (read(pipe_fds[0], &c, 1) != 1)
        return 99;
    return getuid() == 0 && getgid() == 0 ? 0 : 1;
}

START_TEST(write_maps_makes_the_child_root_inside)
{
    static char stack[64 * 1024];
    FILE *nar = tmpfile();
    ck_assert_ptr_nonnull(nar);
    narrate_init("unit", false);
    narrate_set_stream(nar);
    ck_assert_int_eq(pipe(pipe_fds), 0);
    pid_t pid = clone(child_fn, stack + sizeof(stack), CLONE_NEWUSER | SIGCHLD, NULL);
    ck_assert_int_gt(pid, 0);
    /* root inside stands for us outside, whoever runs the tests */
    struct userns_map m = {0, getuid(), 0, getgid()};
    char op[128];
    int r = userns_write_maps(pid, &m, op, sizeof(op));
    ck_assert_int_eq(write(pipe_fds[1], "g", 1), 1);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    narrate_set_stream(NULL);
    ck_assert_int_eq(r, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    /* the last write narrated is gid_map: setgroups and uid_map came before */
    char text[1024] = "";
    rewind(nar);
    size_t n = fread(text, 1, sizeof(text) - 1, nar);
    text[n] = '\0';
    fclose(nar);
    char *sg = strstr(text, "/setgroups"), *um = strstr(text, "/uid_map"),
         *gm = strstr(text, "/gid_map");
    ck_assert(sg && um && gm && sg < um && um < gm);
    ck_assert_ptr_nonnull(strstr(op, "gid_map"));
}
END_TEST

START_TEST(write_maps_twice_fails_and_names_the_file)
{
    static char stack[64 * 1024];
    narrate_init("unit", true);
    ck_assert_int_eq(pipe(pipe_fds), 0);
    pid_t pid = clone(child_fn, stack + sizeof(stack), CLONE_NEWUSER | SIGCHLD, NULL);
    ck_assert_int_gt(pid, 0);
    struct userns_map m = {0, getuid(), 0, getgid()};
    char op[128];
    int first = userns_write_maps(pid, &m, op, sizeof(op));
    /* once gid_map is written, setgroups cannot change any more: the first write of
     * the second round fails, and op names it */
    int second = userns_write_maps(pid, &m, op, sizeof(op));
    ck_assert_int_eq(write(pipe_fds[1], "g", 1), 1);
    waitpid(pid, NULL, 0);
    ck_assert_int_eq(first, 0);
    ck_assert_int_eq(second, -EPERM);
    ck_assert_str_eq(op + strlen(op) - strlen("/setgroups"), "/setgroups");
    ck_assert_int_eq(strncmp(op, "echo 'deny' > /proc/", 20), 0);
}
END_TEST

Suite *suite_userns(void)
{
    Suite *s = suite_create("userns");
    TCase *tc = tcase_create("maps and settings");
    tcase_add_checked_fixture(tc, NULL, remove_procsys);
    tcase_add_test(tc, format_map_line);
    tcase_add_test(tc, format_map_too_small_is_enospc);
    tcase_add_test(tc, allowed_settings_give_no_hint);
    tcase_add_test(tc, max_user_namespaces_zero_is_named);
    tcase_add_test(tc, debian_and_ubuntu_settings_are_named);
    tcase_add_test(tc, write_proc_missing_pid_is_enoent);
    suite_add_tcase(s, tc);
    /* writing another process's maps needs root outside, or to be its owner: keep it simple */
    TCase *root = tcase_create("writes (root)");
    tcase_add_test(root, write_maps_makes_the_child_root_inside);
    tcase_add_test(root, write_maps_twice_fails_and_names_the_file);
    unit_add_root_tcase(s, root, 2);
    return s;
}
