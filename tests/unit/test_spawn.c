/* test_spawn.c - common/spawn.c (exit codes as a shell reports them, the stack top) and
 * stage 01's steps around clone() (01-pid-ns/pid1.c): hold, release, wait, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../01-pid-ns/pid1.h"
#include "../../common/err.h"
#include "../../common/narrate.h"
#include "../../common/spawn.h"
#include "capture.h"
#include "suites.h"

static int status_of(void (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return st;
}

static void exit_7(void)
{
    _exit(7);
}

static void kill_self(void)
{
    raise(SIGKILL);
}

START_TEST(exit_code_of_normal_exit)
{
    ck_assert_int_eq(spawn_exit_code(status_of(exit_7)), 7);
}
END_TEST

START_TEST(exit_code_of_signal_is_128_plus_n)
{
    ck_assert_int_eq(spawn_exit_code(status_of(kill_self)), 128 + SIGKILL);
}
END_TEST

START_TEST(stack_top_is_aligned_and_inside)
{
    static char mem[1000];
    uintptr_t top = (uintptr_t)spawn_stack_top(mem + 3, 997);
    ck_assert_uint_eq(top % 16, 0);
    ck_assert_uint_le(top, (uintptr_t)(mem + 1000));
    ck_assert_uint_gt(top, (uintptr_t)(mem + 1000 - 16));
}
END_TEST

/* A child held on its pipe, as the stages' are (01-pid-ns/pid1.c). */
struct held {
    int hold[2];
    bool shared_files;
    int ret;
};

static int held_pid_in_ns(void *arg)
{
    struct held *h = arg;
    if (pid1_hold(h->hold, h->shared_files) < 0)
        return 1;
    return getpid(); /* 1 in a new PID namespace */
}

static int held_returns(void *arg)
{
    struct held *h = arg;
    if (pid1_hold(h->hold, h->shared_files) < 0)
        return 1;
    return h->ret;
}

static char stack[PID1_STACK_SIZE];

/* pipe2 and clone, as a stage's main writes them. */
static pid_t clone_held(struct held *h, int (*fn)(void *), int flags)
{
    ck_assert_int_eq(pipe2(h->hold, O_CLOEXEC), 0);
    h->shared_files = flags & CLONE_FILES;
    return clone(fn, spawn_stack_top(stack, sizeof(stack)), flags, h);
}

START_TEST(bad_flags_fail_cleanly)
{
    /* CLONE_THREAD without CLONE_SIGHAND is invalid for every caller: no child. */
    errno = 0;
    pid_t pid =
        clone(held_returns, spawn_stack_top(stack, sizeof(stack)), CLONE_THREAD | SIGCHLD, NULL);
    ck_assert_int_eq(pid, -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(child_is_pid_1_of_new_namespace)
{
    struct held h = {0};
    int code;
    narrate_init("t", true);
    pid_t pid = clone_held(&h, held_pid_in_ns, CLONE_NEWPID | SIGCHLD);
    ck_assert_int_gt(pid, 1);
    ck_assert_int_eq(pid1_release(h.hold), 0);
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), 0);
    ck_assert_int_eq(code, 1);
}
END_TEST

START_TEST(child_waits_for_release)
{
    struct held h = {.ret = 5};
    int st, code;
    narrate_init("t", true);
    pid_t pid = clone_held(&h, held_returns, CLONE_NEWPID | SIGCHLD);
    ck_assert_int_gt(pid, 0);
    usleep(100 * 1000);
    /* Still held: nothing to reap yet. */
    ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
    ck_assert_int_eq(pid1_release(h.hold), 0);
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), 0);
    ck_assert_int_eq(code, 5);
}
END_TEST

START_TEST(child_never_released_gives_up)
{
    struct held h = {.ret = 5};
    int code;
    narrate_init("t", true);
    pid_t pid = clone_held(&h, held_returns, CLONE_NEWPID | SIGCHLD);
    ck_assert_int_gt(pid, 0);
    /* The parent changes its mind: closing the write end must end the child
     * without running its function (status 1, not 5). */
    close(h.hold[1]);
    h.hold[1] = -1;
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), 0);
    ck_assert_int_eq(code, 1);
}
END_TEST

START_TEST(abandon_reaps_the_held_child)
{
    struct held h = {.ret = 5};
    pid_t pid = clone_held(&h, held_returns, CLONE_NEWPID | SIGCHLD);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(pid1_abandon(pid, h.hold), EXIT_RUNTIME);
    ck_assert_int_eq(h.hold[0], -1);
    /* reaped: nothing left to wait for */
    ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(clone_files_child_still_released)
{
    struct held h = {.ret = 9};
    int code;
    narrate_init("t", true);
    pid_t pid = clone_held(&h, held_returns, CLONE_NEWPID | CLONE_FILES | SIGCHLD);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(pid1_release(h.hold), 0);
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), 0);
    ck_assert_int_eq(code, 9);
    /* The pipe is closed once the child is reaped. */
    ck_assert_int_eq(h.hold[0], -1);
}
END_TEST

START_TEST(finish_releases_waits_and_passes_the_status_on)
{
    struct held h = {.ret = 3};
    int code = -1;
    narrate_init("t", true);
    pid_t pid = clone_held(&h, held_returns, CLONE_NEWPID | SIGCHLD);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(pid1_release(h.hold), 0);
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), 0);
    ck_assert_int_eq(code, 3);
    /* the child is reaped: nothing is left to wait for */
    ck_assert_int_eq(pid1_wait(pid, h.hold, &code), -ECHILD);
}
END_TEST

START_TEST(exec_failure_gives_a_shell_status_and_one_line)
{
    char *missing[] = {"/nonexistent-nslab/cmd", NULL};
    char *not_a_program[] = {"/etc/passwd", NULL};
    err_stage = "01-pid-ns";
    narrate_init("t", true);
    capture_start();
    int r = pid1_exec(missing, NULL);
    const char *out = capture_end();
    ck_assert_int_eq(r, 127);
    ck_assert_str_eq(out, "01-pid-ns: exec /nonexistent-nslab/cmd: No such file or directory\n");
    capture_start();
    r = pid1_exec(not_a_program, "uid 0 gid 0");
    capture_end();
    ck_assert_int_eq(r, 126);
}
END_TEST

Suite *suite_spawn(void)
{
    Suite *s = suite_create("spawn");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, exit_code_of_normal_exit);
    tcase_add_test(tc, exit_code_of_signal_is_128_plus_n);
    tcase_add_test(tc, stack_top_is_aligned_and_inside);
    tcase_add_test(tc, bad_flags_fail_cleanly);
    tcase_add_test(tc, exec_failure_gives_a_shell_status_and_one_line);
    suite_add_tcase(s, tc);

    TCase *root = tcase_create("clone (root)");
    tcase_add_test(root, child_is_pid_1_of_new_namespace);
    tcase_add_test(root, child_waits_for_release);
    tcase_add_test(root, child_never_released_gives_up);
    tcase_add_test(root, abandon_reaps_the_held_child);
    tcase_add_test(root, clone_files_child_still_released);
    tcase_add_test(root, finish_releases_waits_and_passes_the_status_on);
    unit_add_root_tcase(s, root, 6);
    return s;
}
