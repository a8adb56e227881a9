/* suites.h - every Check suite of the unit tests; main.c runs them all. */
#ifndef NSLAB_SUITES_H
#define NSLAB_SUITES_H

#include <check.h>
#include <stdbool.h>
#include <unistd.h>

Suite *suite_err(void);
Suite *suite_narrate(void);
Suite *suite_spawn(void);
Suite *suite_procfs(void);
Suite *suite_mounts(void);
Suite *suite_args(void);
Suite *suite_dnsmasq(void);
Suite *suite_dhcp(void);
/* test_dhcp_vs_dnsmasq.c: the client against dnsmasq, added to the dhcp suite. */
void dhcp_vs_dnsmasq_tcases(Suite *s);
Suite *suite_validate(void);
Suite *suite_rtnl(void);
Suite *suite_ipnetns(void);
Suite *suite_lab(void);
Suite *suite_ids(void);
Suite *suite_userns(void);
Suite *suite_userdir(void);
Suite *suite_labdraw(void);

/* Tests that need root (they create namespaces) are added only when we are root, or
 * root of a user namespace of our own (main.c enters one when not root); the ones
 * that need the machine's real root only when we are that.  main.c reports the ones
 * left out as skipped, with the reason. */
extern int unit_root_skipped;
extern bool unit_in_userns;
static inline bool unit_have_root(void)
{
    return geteuid() == 0;
}
/* Adds tc to s when root (of the machine or our user namespace); otherwise counts its
 * n tests as skipped. */
void unit_add_root_tcase(Suite *s, TCase *tc, int n);
/* The same, for tests only the machine's root can run (other uids, the real /run). */
void unit_add_machine_root_tcase(Suite *s, TCase *tc, int n);
void unit_skip_tcase(TCase *tc, int n);

#endif
