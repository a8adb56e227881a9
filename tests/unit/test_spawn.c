/* test_spawn.c - clone, release and wait; exit codes as a shell reports them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/narrate.h"
#include "../../common/spawn.h"
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

static int child_pid_in_ns(void *arg)
{
    (void)arg;
    return getpid(); /* 1 in a new PID namespace */
}

static int child_returns_arg(void *arg)
{
    return *(int *)arg;
}

static char stack[SPAWN_STACK_MIN];

START_TEST(bad_flags_fail_cleanly)
{
    struct spawn_child c;
    /* CLONE_THREAD without CLONE_SIGHAND is invalid for every caller. */
    int r = spawn_clone(&c, child_pid_in_ns, NULL, spawn_stack_top(stack, sizeof(stack)),
                        CLONE_THREAD | SIGCHLD);
    ck_assert_int_eq(r, -EINVAL);
    ck_assert_int_eq(c.go[0], -1);
}
END_TEST

START_TEST(child_is_pid_1_of_new_namespace)
{
    struct spawn_child c;
    int st;
    ck_assert_int_eq(spawn_clone(&c, child_pid_in_ns, NULL, spawn_stack_top(stack, sizeof(stack)),
                                 CLONE_NEWPID | SIGCHLD),
                     0);
    ck_assert_int_gt(c.pid, 1);
    ck_assert_int_eq(spawn_release(&c), 0);
    ck_assert_int_eq(spawn_wait(&c, &st), 0);
    ck_assert_int_eq(spawn_exit_code(st), 1);
}
END_TEST

START_TEST(child_waits_for_release)
{
    struct spawn_child c;
    int st, val = 5;
    ck_assert_int_eq(spawn_clone(&c, child_returns_arg, &val, spawn_stack_top(stack, sizeof(stack)),
                                 CLONE_NEWPID | SIGCHLD),
                     0);
    usleep(100 * 1000);
    /* Still held: nothing to reap yet. */
    ck_assert_int_eq(waitpid(c.pid, &st, WNOHANG), 0);
    ck_assert_int_eq(spawn_release(&c), 0);
    ck_assert_int_eq(spawn_wait(&c, &st), 0);
    ck_assert_int_eq(spawn_exit_code(st), 5);
}
END_TEST

START_TEST(child_never_released_gives_up)
{
    struct spawn_child c;
    int st, val = 5;
    ck_assert_int_eq(spawn_clone(&c, child_returns_arg, &val, spawn_stack_top(stack, sizeof(stack)),
                                 CLONE_NEWPID | SIGCHLD),
                     0);
    /* The parent changes its mind: closing the write end must end the child
     * without running its function (status 1, not 5). */
    close(c.go[1]);
    c.go[1] = -1;
    ck_assert_int_eq(spawn_wait(&c, &st), 0);
    ck_assert_int_eq(spawn_exit_code(st), 1);
}
END_TEST

START_TEST(clone_files_child_still_released)
{
    struct spawn_child c;
    int st, val = 9;
    ck_assert_int_eq(spawn_clone(&c, child_returns_arg, &val, spawn_stack_top(stack, sizeof(stack)),
                                 CLONE_NEWPID | CLONE_FILES | SIGCHLD),
                     0);
    ck_assert_int_eq(spawn_release(&c), 0);
    ck_assert_int_eq(spawn_wait(&c, &st), 0);
    ck_assert_int_eq(spawn_exit_code(st), 9);
    /* The pipe is closed once the child is reaped. */
    ck_assert_int_eq(c.go[0], -1);
}
END_TEST

START_TEST(finish_releases_waits_and_passes_the_status_on)
{
    struct spawn_child c;
    int val = 3, code = -1;
    const char *failed = NULL;
    narrate_init("t", true);
    ck_assert_int_eq(spawn_clone(&c, child_returns_arg, &val, spawn_stack_top(stack, sizeof(stack)),
                                 CLONE_NEWPID | SIGCHLD),
                     0);
    ck_assert_int_eq(spawn_finish(&c, &code, &failed), 0);
    ck_assert_int_eq(code, 3);
    /* the child is reaped: nothing is left to wait for */
    ck_assert_int_eq(spawn_wait(&c, &code), -ECHILD);
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
    suite_add_tcase(s, tc);

    TCase *root = tcase_create("clone (root)");
    tcase_add_test(root, child_is_pid_1_of_new_namespace);
    tcase_add_test(root, child_waits_for_release);
    tcase_add_test(root, child_never_released_gives_up);
    tcase_add_test(root, clone_files_child_still_released);
    tcase_add_test(root, finish_releases_waits_and_passes_the_status_on);
    unit_add_root_tcase(s, root, 5);
    return s;
}
