/* test_err.c - the one-line error messages and the statuses that go with them. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/err.h"
#include "capture.h"
#include "suites.h"

START_TEST(print_names_stage_op_strerror_and_hint)
{
    err_stage = "04-netns-veth";
    capture_start();
    err_print(EEXIST, "run '04-netns-veth/netns-veth down' first",
              "ip link add %s type veth peer name %s", "veth0", "veth1");
    ck_assert_str_eq(capture_end(),
                     "04-netns-veth: ip link add veth0 type veth peer name veth1: File exists "
                     "(run '04-netns-veth/netns-veth down' first)\n");
}
END_TEST

START_TEST(print_without_errno_or_hint)
{
    err_stage = "01-pid-ns";
    capture_start();
    err_print(0, NULL, "something odd");
    ck_assert_str_eq(capture_end(), "01-pid-ns: something odd\n");
}
END_TEST

START_TEST(print_truncates_a_huge_message_to_one_line)
{
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    err_stage = "01-pid-ns";
    capture_start();
    err_print(EPERM, NULL, "%s", big);
    const char *out = capture_end();
    ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(die_exits_with_the_status)
{
    err_stage = "01-pid-ns";
    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
    err_die(EXIT_RUNTIME, EPERM, NULL, "clone");
}
END_TEST

START_TEST(usage_exits_2)
{
    err_stage = "01-pid-ns";
    ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
    err_usage("unknown option '-x'");
}
END_TEST

START_TEST(usage_line_points_at_the_program)
{
    err_stage = "01-pid-ns";
    capture_start();
    pid_t pid = fork();
    if (pid == 0)
        err_usage("unknown option '%s'", "-x");
    int st;
    waitpid(pid, &st, 0);
    ck_assert_str_eq(capture_end(), "01-pid-ns: unknown option '-x' (try '01-pid-ns/pid-ns -h')\n");
    ck_assert_int_eq(WEXITSTATUS(st), 2);
}
END_TEST

START_TEST(fail_prints_and_returns_the_runtime_status)
{
    err_stage = "02-ipc-mount-ns";
    capture_start();
    int st = err_fail(EPERM, NULL, "hostname %s", "lab");
    ck_assert_str_eq(capture_end(), "02-ipc-mount-ns: hostname lab: Operation not permitted\n");
    ck_assert_int_eq(st, EXIT_RUNTIME);
}
END_TEST

START_TEST(bad_usage_prints_and_returns_2)
{
    err_stage = "03-user-drop";
    capture_start();
    int st = err_bad_usage("no user named '%s'", "x");
    ck_assert_str_eq(capture_end(),
                     "03-user-drop: no user named 'x' (try '03-user-drop/user-drop -h')\n");
    ck_assert_int_eq(st, EXIT_USAGE);
}
END_TEST

/* What getopt_long leaves for an unknown short option, an unknown long one and a
 * missing argument, and the line each gets. */
START_TEST(bad_option_words_each_getopt_failure)
{
    static const struct option longopts[] = {{"hostname", required_argument, NULL, 'n'}, {0}};
    char *unknown_short[] = {"prog", "-x", NULL};
    char *unknown_long[] = {"prog", "--bogus", NULL};
    char *missing_arg[] = {"prog", "--hostname", NULL};
    char **argvs[] = {unknown_short, unknown_long, missing_arg};
    const char *want[] = {
        "01-pid-ns: unknown option '-x' (try '01-pid-ns/pid-ns -h')\n",
        "01-pid-ns: unknown option '--bogus' (try '01-pid-ns/pid-ns -h')\n",
        "01-pid-ns: option '--hostname' needs an argument (try '01-pid-ns/pid-ns -h')\n",
    };
    err_stage = "01-pid-ns";
    for (int i = 0; i < 3; i++) {
        optind = 0; /* 0: getopt starts over, as on a new command line */
        opterr = 0;
        int opt = getopt_long(2, argvs[i], "+:qn:", longopts, NULL);
        capture_start();
        int st = err_bad_option(opt, argvs[i]);
        ck_assert_str_eq(capture_end(), want[i]);
        ck_assert_int_eq(st, EXIT_USAGE);
    }
}
END_TEST

START_TEST(root_hint_names_the_make_target)
{
    err_stage = "03-user-drop";
    ck_assert_str_eq(err_root_hint("setgroups needs CAP_SETGID"),
                     "setgroups needs CAP_SETGID; run as root: sudo make run-03");
}
END_TEST

Suite *suite_err(void)
{
    Suite *s = suite_create("err");
    TCase *tc = tcase_create("messages");
    tcase_add_test(tc, print_names_stage_op_strerror_and_hint);
    tcase_add_test(tc, print_without_errno_or_hint);
    tcase_add_test(tc, print_truncates_a_huge_message_to_one_line);
    tcase_add_exit_test(tc, die_exits_with_the_status, EXIT_RUNTIME);
    tcase_add_exit_test(tc, usage_exits_2, EXIT_USAGE);
    tcase_add_test(tc, usage_line_points_at_the_program);
    tcase_add_test(tc, root_hint_names_the_make_target);
    tcase_add_test(tc, fail_prints_and_returns_the_runtime_status);
    tcase_add_test(tc, bad_usage_prints_and_returns_2);
    tcase_add_test(tc, bad_option_words_each_getopt_failure);
    suite_add_tcase(s, tc);
    return s;
}
