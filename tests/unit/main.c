/* main.c - runs every Check suite of common/ and reports in TAP for make test. */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int unit_root_skipped;

/* Check frees a test case only through srunner_free() of a runner that holds it: the
 * ones left out for want of root go into a suite of a runner that is never run, or
 * valgrind finds them lost in the runner and in every test it forks. */
static SRunner *skipped_runner;
static Suite *skipped_suite;

void unit_add_root_tcase(Suite *s, TCase *tc, int n)
{
    if (unit_have_root()) {
        suite_add_tcase(s, tc);
        return;
    }
    if (!skipped_runner) {
        skipped_suite = suite_create("needs root");
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
    suite_nl,
    suite_netns,
    suite_lab,
    suite_ids,
    suite_userns,
    suite_userdir,
    suite_labdraw,
    // clang-format on
};

int main(void)
{
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
        printf("SKIP: %d unit tests need root (they create namespaces)\n", unit_root_skipped);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
