/* test_narrate.c - the narration line format and -q. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/narrate.h"
#include "suites.h"

START_TEST(op_line_aligns_the_shell_equivalent)
{
    char buf[256];
    int n = narrate_format_op(buf, sizeof(buf), "pid-ns", "clone(CLONE_NEWPID)",
                              "unshare --pid --fork");
    ck_assert_int_eq(n, (int)strlen(buf));
    ck_assert_str_eq(buf, "[pid-ns] clone(CLONE_NEWPID)"
                          "                        ~ unshare --pid --fork");
    ck_assert_int_eq(strstr(buf, "~") - buf, NARRATE_SHELL_COL);
}
END_TEST

START_TEST(long_op_keeps_two_spaces_before_tilde)
{
    char buf[512], op[200];
    memset(op, 'o', 80);
    op[80] = '\0';
    narrate_format_op(buf, sizeof(buf), "w", op, "sh");
    ck_assert_ptr_nonnull(strstr(buf, "o  ~ sh"));
}
END_TEST

START_TEST(note_has_no_tilde)
{
    char buf[128];
    narrate_format_op(buf, sizeof(buf), "pid-ns", "a note", NULL);
    ck_assert_str_eq(buf, "[pid-ns] a note");
}
END_TEST

START_TEST(too_small_a_buffer_is_enospc)
{
    char buf[8];
    ck_assert_int_eq(narrate_format_op(buf, sizeof(buf), "pid-ns", "clone", "x"), -ENOSPC);
}
END_TEST

static char *run_narration(bool quiet)
{
    static char *out;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    narrate_set_stream(f);
    narrate_init("t", quiet);
    narrate_op("mount -t proc proc /proc", "mount(%s)", "proc");
    narrate_note("the child is PID %d", 1);
    fclose(f);
    narrate_set_stream(NULL);
    return out;
}

START_TEST(narration_prints_one_line_each)
{
    char *out = run_narration(false);
    ck_assert_ptr_nonnull(strstr(out, "[t] mount(proc)"));
    ck_assert_ptr_nonnull(strstr(out, "~ mount -t proc proc /proc\n[t] the child is PID 1\n"));
    free(out);
}
END_TEST

START_TEST(quiet_prints_nothing)
{
    char *out = run_narration(true);
    ck_assert_str_eq(out, "");
    ck_assert(!narrate_enabled());
    free(out);
}
END_TEST

Suite *suite_narrate(void)
{
    Suite *s = suite_create("narrate");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, op_line_aligns_the_shell_equivalent);
    tcase_add_test(tc, long_op_keeps_two_spaces_before_tilde);
    tcase_add_test(tc, note_has_no_tilde);
    tcase_add_test(tc, too_small_a_buffer_is_enospc);
    tcase_add_test(tc, narration_prints_one_line_each);
    tcase_add_test(tc, quiet_prints_nothing);
    suite_add_tcase(s, tc);
    return s;
}
