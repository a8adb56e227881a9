/* test_args.c - finding the command to run inside. */
#include <errno.h>
#include <string.h>

#include "../../common/args.h"
#include "suites.h"

static char *dflt[] = {"/bin/bash", NULL};

START_TEST(command_after_double_dash)
{
    char *argv[] = {"pid-ns", "-q", "--", "ps", "-ef", NULL};
    char **cmd;
    ck_assert_int_eq(args_command(5, argv, 3, dflt, &cmd), 0);
    ck_assert_str_eq(cmd[0], "ps");
    ck_assert_str_eq(cmd[1], "-ef");
    ck_assert_ptr_null(cmd[2]);
}
END_TEST

START_TEST(command_without_double_dash)
{
    char *argv[] = {"pid-ns", "id", NULL};
    char **cmd;
    ck_assert_int_eq(args_command(2, argv, 1, dflt, &cmd), 0);
    ck_assert_str_eq(cmd[0], "id");
}
END_TEST

START_TEST(no_command_is_the_default)
{
    char *argv[] = {"pid-ns", "-q", NULL};
    char **cmd;
    ck_assert_int_eq(args_command(2, argv, 2, dflt, &cmd), 0);
    ck_assert_ptr_eq(cmd, dflt);
}
END_TEST

START_TEST(double_dash_with_nothing_after_is_einval)
{
    char *argv[] = {"pid-ns", "--", NULL};
    char **cmd = NULL;
    ck_assert_int_eq(args_command(2, argv, 2, dflt, &cmd), -EINVAL);
}
END_TEST

START_TEST(join_words)
{
    char *cmd[] = {"ps", "-eo", "pid,comm", NULL};
    char buf[64];
    ck_assert_int_eq(args_join(cmd, "exec ", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "exec ps -eo pid,comm");
}
END_TEST

START_TEST(join_cuts_with_dots)
{
    char *cmd[] = {"sleep", "1000000000", NULL};
    char buf[12];
    ck_assert_int_eq(args_join(cmd, "exec ", buf, sizeof(buf)), -ENOSPC);
    ck_assert_str_eq(buf, "exec sle...");
}
END_TEST

START_TEST(join_quotes_like_a_shell)
{
    char *cmd[] = {"bash", "-c", "ps -eo pid,comm; exit", "it's", "", NULL};
    char buf[128];
    ck_assert_int_eq(args_join(cmd, "", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "bash -c 'ps -eo pid,comm; exit' 'it'\\''s' ''");
}
END_TEST

START_TEST(hostnames)
{
    ck_assert_int_eq(args_check_hostname("inside"), 0);
    ck_assert_int_eq(args_check_hostname("lab-1.example"), 0);
    ck_assert_int_eq(args_check_hostname(""), -EINVAL);
    ck_assert_int_eq(args_check_hostname("a b"), -EINVAL);
    ck_assert_int_eq(args_check_hostname("a/b"), -EINVAL);
    char name[66];
    memset(name, 'x', 64);
    name[64] = '\0';
    ck_assert_int_eq(args_check_hostname(name), 0);
    name[64] = 'x';
    name[65] = '\0';
    ck_assert_int_eq(args_check_hostname(name), -ENAMETOOLONG);
}
END_TEST

Suite *suite_args(void)
{
    Suite *s = suite_create("args");
    TCase *tc = tcase_create("command");
    tcase_add_test(tc, command_after_double_dash);
    tcase_add_test(tc, command_without_double_dash);
    tcase_add_test(tc, no_command_is_the_default);
    tcase_add_test(tc, double_dash_with_nothing_after_is_einval);
    tcase_add_test(tc, join_words);
    tcase_add_test(tc, join_cuts_with_dots);
    tcase_add_test(tc, join_quotes_like_a_shell);
    tcase_add_test(tc, hostnames);
    suite_add_tcase(s, tc);
    return s;
}
