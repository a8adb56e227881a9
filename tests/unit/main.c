/* main.c - runs every Check suite of common/ and reports in TAP for make test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

int unit_root_skipped;
bool unit_in_userns;

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = n == (ssize_t)strlen(text) ? 0 : n < 0 ? errno : EIO;
    close(fd);
    return -e;
}

/* Not root: the tests that create namespaces run in a user namespace of our own, as
 * stage 04's -U does (root inside, with a private /run for /run/netns and /run/nslab);
 * only those that need the machine's root are left out. */
static void enter_own_world(void)
{
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    /* A network and PID namespace of ours too: a test that enters another network
     * namespace must be able to come back, and one that mounts a /proc must own the
     * PID namespace it shows. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) < 0)
        return;
    snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") < 0 || write_file("/proc/self/uid_map", map) < 0)
        goto fail;
    snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) < 0)
        goto fail;
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
        mkdir("/run/netns", 0755) < 0 || mkdir("/run/nslab", 0755) < 0)
        goto fail;
    /* The runner goes on as PID 1 of the new PID namespace, with its /proc; we wait. */
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        goto fail;
    if (child > 0) {
        int st;
        while (waitpid(child, &st, 0) < 0)
            if (errno != EINTR)
                exit(EXIT_FAILURE);
        exit(WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAILURE);
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        fprintf(stderr, "unit tests: mount -t proc proc /proc: %s\n", strerror(errno));
        exit(EXIT_FAILURE);
    }
    unit_in_userns = true;
    return;
fail:
    fprintf(stderr,
            "unit tests: no user namespace of our own here (%s): the tests that "
            "create namespaces are skipped\n",
            strerror(errno));
}

/* Check frees a test case only through srunner_free() of a runner that holds it: the
 * ones left out for want of root go into a suite of a runner that is never run, or
 * valgrind finds them lost in the runner and in every test it forks. */
static SRunner *skipped_runner;
static Suite *skipped_suite;

void unit_add_root_tcase(Suite *s, TCase *tc, int n)
{
    if (unit_have_root() || unit_in_userns) {
        suite_add_tcase(s, tc);
        return;
    }
    unit_skip_tcase(tc, n);
}

void unit_add_machine_root_tcase(Suite *s, TCase *tc, int n)
{
    if (unit_have_root() && !unit_in_userns) {
        suite_add_tcase(s, tc);
        return;
    }
    unit_skip_tcase(tc, n);
}

void unit_skip_tcase(TCase *tc, int n)
{
    if (!skipped_runner) {
        skipped_suite = suite_create("needs the machine's root");
        skipped_runner = srunner_create(skipped_suite);
    }
    suite_add_tcase(skipped_suite, tc);
    unit_root_skipped += n;
}

/* One line per suite: a new common/ module adds its suite here and in suites.h. */
static Suite *(*const suites[])(void) = {
    // clang-format off
    suite_err,
    suite_narrate,
    suite_spawn,
    suite_procfs,
    suite_mounts,
    suite_args,
    suite_dnsmasq,
    suite_dhcp,
    suite_validate,
    suite_rtnl,
    suite_ipnetns,
    suite_lab,
    suite_ids,
    suite_userns,
    suite_userdir,
    suite_labdraw,
    // clang-format on
};

int main(void)
{
    if (!unit_have_root())
        enter_own_world();
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        srunner_add_suite(sr, suites[i]());
    /* make test sets CK_TAP_LOG_FILE_NAME so the results join the bats counts. */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (skipped_runner)
        srunner_free(skipped_runner);
    if (unit_root_skipped)
        printf("SKIP: %d unit tests need the machine's root\n", unit_root_skipped);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
