/* test_userdir.c - the per-user directory of rootless labs: made 0700, refused when it
 * is not ours alone, looked up without being made. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/proc.h"
#include "../../common/userdir.h"
#include "suites.h"

static char xdg[64];

static void make_xdg(void)
{
    snprintf(xdg, sizeof(xdg), "/tmp/nslab-unit-xdg.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(xdg));
    setenv("XDG_RUNTIME_DIR", xdg, 1);
}

static void remove_xdg(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/nslab", xdg);
    unlink(path);
    rmdir(path);
    rmdir(xdg);
    unsetenv("XDG_RUNTIME_DIR");
}

START_TEST(made_0700_under_xdg_runtime_dir)
{
    char path[256], want[128], why[160];
    struct stat st;
    int fd = userdir_open(path, sizeof(path), why, sizeof(why));
    ck_assert_int_ge(fd, 0);
    snprintf(want, sizeof(want), "%s/nslab", xdg);
    ck_assert_str_eq(path, want);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0700);
    close(fd);
    /* a second time: the same directory, still good */
    fd = userdir_open(path, sizeof(path), why, sizeof(why));
    ck_assert_int_ge(fd, 0);
    close(fd);
}
END_TEST

START_TEST(open_to_others_is_refused_and_said)
{
    char path[256], want[128], why[160];
    snprintf(want, sizeof(want), "%s/nslab", xdg);
    ck_assert_int_eq(mkdir(want, 0700), 0);
    ck_assert_int_eq(chmod(want, 0755), 0);
    ck_assert_int_eq(userdir_open(path, sizeof(path), why, sizeof(why)), -EPERM);
    char expect[160];
    snprintf(expect, sizeof(expect), "owner uid %u, mode 0755; it must be ours (uid %u), mode 0700",
             (unsigned)getuid(), (unsigned)getuid());
    ck_assert_str_eq(why, expect);
}
END_TEST

START_TEST(a_symbolic_link_is_refused)
{
    char path[256], link[128], why[160];
    snprintf(link, sizeof(link), "%s/nslab", xdg);
    ck_assert_int_eq(symlink("/tmp", link), 0);
    ck_assert_int_eq(userdir_open(path, sizeof(path), why, sizeof(why)), -EPERM);
    ck_assert_str_eq(why, "not a directory of ours: remove it");
}
END_TEST

START_TEST(lookup_makes_nothing)
{
    char path[256], want[128], why[160];
    struct stat st;
    snprintf(want, sizeof(want), "%s/nslab", xdg);
    ck_assert_int_eq(userdir_lookup(path, sizeof(path), why, sizeof(why)), -ENOENT);
    ck_assert_str_eq(path, want);
    ck_assert_int_eq(stat(want, &st), -1);
    /* once made, the same directory, through the same checks */
    int fd = userdir_open(path, sizeof(path), why, sizeof(why));
    ck_assert_int_ge(fd, 0);
    close(fd);
    fd = userdir_lookup(path, sizeof(path), why, sizeof(why));
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(chmod(want, 0755), 0);
    ck_assert_int_eq(userdir_lookup(path, sizeof(path), why, sizeof(why)), -EPERM);
}
END_TEST

/* A keeper's record: exactly what is written reads back; a record whose process is
 * not the one it names (here: a live process under another command name) is no
 * keeper, and find removes it when told to tidy. */
START_TEST(a_record_reads_back_and_names_its_process)
{
    char path[256], why[160], line[64];
    pid_t pid;
    uint64_t start;
    ck_assert_int_eq(userdir_format_record(4242, 987654, line, sizeof(line)), 12);
    ck_assert_str_eq(line, "4242 987654\n");
    ck_assert_int_eq(userdir_parse_record(line, 12, &pid, &start), 0);
    ck_assert_int_eq(pid, 4242);
    ck_assert_uint_eq(start, 987654);
    static const char *const bad[] = {"4242 987654", "1 5\n",      "4242 0\n",  "04242 5\n",
                                      "4242  5\n",   "4242 5\n\n", "-4242 5\n", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(userdir_parse_record(bad[i], strlen(bad[i]), &pid, &start), -EBADMSG);
    ck_assert_int_eq(userdir_format_record(1, 5, line, sizeof(line)), -EINVAL);

    int fd = userdir_open(path, sizeof(path), why, sizeof(why));
    ck_assert_int_ge(fd, 0);
    uint64_t me = proc_start_time(getpid());
    ck_assert_uint_ne(me, 0);
    ck_assert_int_eq(userdir_save(fd, "t.keeper", getpid(), me), 0);
    int pfd = userdir_find(fd, "t.keeper", "no-such-comm", 0, &pid, &start);
    ck_assert_int_eq(pfd, -ENOENT);
    char comm[32];
    FILE *f = fopen("/proc/self/comm", "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    pfd = userdir_find(fd, "t.keeper", comm, 0, &pid, &start);
    ck_assert_int_ge(pfd, 0);
    ck_assert_int_eq(pid, getpid());
    ck_assert_uint_eq(start, me);
    close(pfd);
    ck_assert_int_eq(userdir_find(fd, "t.keeper", "no-such-comm", 1, &pid, &start), -ENOENT);
    ck_assert_int_eq(faccessat(fd, "t.keeper", F_OK, 0), -1);
    close(fd);
}
END_TEST

Suite *suite_userdir(void)
{
    Suite *s = suite_create("userdir");
    TCase *tc = tcase_create("checks");
    tcase_add_checked_fixture(tc, make_xdg, remove_xdg);
    tcase_add_test(tc, made_0700_under_xdg_runtime_dir);
    tcase_add_test(tc, open_to_others_is_refused_and_said);
    tcase_add_test(tc, a_symbolic_link_is_refused);
    tcase_add_test(tc, lookup_makes_nothing);
    tcase_add_test(tc, a_record_reads_back_and_names_its_process);
    suite_add_tcase(s, tc);
    return s;
}
