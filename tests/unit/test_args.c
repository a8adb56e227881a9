/* test_args.c - finding the command to run inside. */
#include <errno.h>
#include <getopt.h>
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

START_TEST(subcommand_and_rest)
{
    char *argv[] = {"prog", "exec", "ls", "-l", NULL};
    const char *sub;
    char **rest;
    int n;
    args_subcommand(4, argv, 1, &sub, &rest, &n);
    ck_assert_str_eq(sub, "exec");
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(rest[0], "ls");
    args_subcommand(4, argv, 4, &sub, &rest, &n);
    ck_assert_ptr_null(sub);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(lab_subcommands_and_their_checks)
{
    char *up[] = {"prog", "up", NULL}, *none[] = {"prog", NULL};
    char *ex[] = {"prog", "exec", "ls", NULL}, *bad[] = {"prog", "upp", NULL};
    char *extra[] = {"prog", "down", "x", NULL}, *bare[] = {"prog", "exec", NULL};
    char msg[128], **rest;
    ck_assert_int_eq(args_labsub(2, up, 1, NULL, &rest, msg, sizeof(msg)), LABSUB_UP);
    ck_assert_int_eq(args_labsub(1, none, 1, NULL, &rest, msg, sizeof(msg)), LABSUB_DEMO);
    ck_assert_int_eq(args_labsub(3, ex, 1, "--host", &rest, msg, sizeof(msg)), LABSUB_EXEC);
    ck_assert_str_eq(rest[0], "ls");
    ck_assert_int_eq(args_labsub(2, bad, 1, NULL, &rest, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "unknown subcommand 'upp'");
    ck_assert_int_eq(args_labsub(3, extra, 1, NULL, &rest, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "unexpected 'x' after down");
    ck_assert_int_eq(args_labsub(2, bare, 1, NULL, &rest, msg, sizeof(msg)), -EINVAL);
    ck_assert_int_eq(args_labsub(2, up, 1, "--host", &rest, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "--host goes with exec");
}
END_TEST

START_TEST(option_table)
{
    const char *ns = "ns1", *where = NULL;
    bool flag = false, quiet = false;
    struct args_cidr4 a;
    const struct args_opt opts[] = {{"ns", ARGS_NETNS, &ns},       {"addr", ARGS_CIDR4, &a},
                                    {"article", ARGS_FLAG, &flag}, {"host", ARGS_WHERE, &where},
                                    {"lan", ARGS_WHERE, &where},   {NULL, 0, NULL}};
    char *argv[] = {"prog", "--ns", "x1", "up", "--addr", "10.0.0.1/8", "--article", "-q", NULL};
    char msg[160];
    optind = 1;
    ck_assert_int_eq(args_parse(8, argv, opts, &quiet, msg, sizeof(msg)), 0);
    ck_assert_str_eq(ns, "x1");
    ck_assert_str_eq(a.text, "10.0.0.1/8");
    ck_assert_int_eq(a.a.prefix, 8);
    ck_assert(flag && quiet);
    ck_assert_str_eq(argv[optind], "up");
    char *bad[] = {"prog", "--ns", "a/b", NULL};
    optind = 1;
    ck_assert_int_eq(args_parse(3, bad, opts, &quiet, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "bad namespace name 'a/b' for --ns (letters, digits and _.- only)");
    char *two[] = {"prog", "--host", "--lan", NULL};
    optind = 1;
    ck_assert_int_eq(args_parse(3, two, opts, &quiet, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "--host and --lan: one place at a time");
    char *unknown[] = {"prog", "--nope", NULL};
    optind = 1;
    ck_assert_int_eq(args_parse(2, unknown, opts, &quiet, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "unknown option '--nope'");
    char *help[] = {"prog", "-h", NULL};
    optind = 1;
    ck_assert_int_eq(args_parse(2, help, opts, &quiet, msg, sizeof(msg)), 1);
}
END_TEST

START_TEST(userns_option_and_shell)
{
    bool userns = false, quiet = false;
    const char *ns = "ns1";
    const struct args_opt with[] = {
        {"ns", ARGS_NETNS, &ns}, {"userns", ARGS_USERNS, &userns}, {NULL, 0, NULL}};
    const struct args_opt without[] = {{"ns", ARGS_NETNS, &ns}, {NULL, 0, NULL}};
    char *shortopt[] = {"prog", "-U", "shell", NULL}, *longopt[] = {"prog", "up", "--userns", NULL};
    char msg[160], **rest;
    optind = 1;
    ck_assert_int_eq(args_parse(3, shortopt, with, &quiet, msg, sizeof(msg)), 0);
    ck_assert(userns);
    ck_assert_int_eq(args_labsub(3, shortopt, optind, NULL, &rest, msg, sizeof(msg)), LABSUB_SHELL);
    userns = false;
    optind = 1;
    ck_assert_int_eq(args_parse(3, longopt, with, &quiet, msg, sizeof(msg)), 0);
    ck_assert(userns);
    optind = 1;
    ck_assert_int_eq(args_parse(3, shortopt, without, &quiet, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "unknown option '-U'");
    char *extra[] = {"prog", "shell", "ls", NULL};
    ck_assert_int_eq(args_labsub(3, extra, 1, NULL, &rest, msg, sizeof(msg)), -EINVAL);
    ck_assert_str_eq(msg, "unexpected 'ls' after shell");
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
    tcase_add_test(tc, subcommand_and_rest);
    tcase_add_test(tc, lab_subcommands_and_their_checks);
    tcase_add_test(tc, option_table);
    tcase_add_test(tc, userns_option_and_shell);
    suite_add_tcase(s, tc);
    return s;
}
