/* test_dnsmasq.c - the lab DHCP server's command line, lease file and pid checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../common/dnsmasq.h"
#include "../../common/procfs.h"
#include "../../common/proc.h"
#include "suites.h"

static const struct dnsmasq_conf conf = {
    .ifname = "lan0",
    .range_start = "192.168.3.100",
    .range_end = "192.168.3.199",
    .netmask = "255.255.255.0",
    .router = "192.168.3.1",
    .lease_secs = 3600,
    .dir = "/run/nslab/lab",
};

static int has_arg(char **argv, const char *want)
{
    for (; *argv; argv++)
        if (strcmp(*argv, want) == 0)
            return 1;
    return 0;
}

START_TEST(argv_keeps_everything_in_the_lab)
{
    char buf[2048], *argv[32];
    ck_assert_int_eq(dnsmasq_build_argv(&conf, buf, sizeof(buf), argv, 32), 0);
    ck_assert_str_eq(argv[0], "dnsmasq");
    ck_assert(has_arg(argv, "--conf-file=/dev/null"));
    ck_assert(has_arg(argv, "--port=0"));
    ck_assert(has_arg(argv, "--interface=lan0"));
    ck_assert(has_arg(argv, "--bind-interfaces"));
    ck_assert(has_arg(argv, "--dhcp-range=192.168.3.100,192.168.3.199,255.255.255.0,3600"));
    ck_assert(has_arg(argv, "--dhcp-option=option:router,192.168.3.1"));
    ck_assert(has_arg(argv, "--dhcp-leasefile=/run/nslab/lab/dnsmasq.leases"));
    ck_assert(has_arg(argv, "--pid-file=/run/nslab/lab/dnsmasq.pid"));
    ck_assert(has_arg(argv, "--log-facility=/run/nslab/lab/dnsmasq.log"));
    ck_assert(has_arg(argv, "--no-ping"));
    ck_assert(!has_arg(argv, "--dhcp-rapid-commit"));
    /* DNS not offered unless asked */
    for (char **a = argv; *a; a++)
        ck_assert_ptr_null(strstr(*a, "dns-server"));
}
END_TEST

START_TEST(argv_offers_dns_when_asked)
{
    struct dnsmasq_conf c = conf;
    char buf[2048], *argv[32];
    c.dns = "192.168.3.1";
    ck_assert_int_eq(dnsmasq_build_argv(&c, buf, sizeof(buf), argv, 32), 0);
    ck_assert(has_arg(argv, "--dhcp-option=option:dns-server,192.168.3.1"));
}
END_TEST

START_TEST(argv_in_a_user_namespace_stays_root)
{
    struct dnsmasq_conf c = conf;
    char buf[2048], *argv[32];
    ck_assert_int_eq(dnsmasq_build_argv(&c, buf, sizeof(buf), argv, 32), 0);
    ck_assert(!has_arg(argv, "--user=root") && !has_arg(argv, "--group="));
    c.stay_root = 1;
    ck_assert_int_eq(dnsmasq_build_argv(&c, buf, sizeof(buf), argv, 32), 0);
    ck_assert(has_arg(argv, "--user=root") && has_arg(argv, "--group="));
}
END_TEST

/* The calling process's own answer: root of a user namespace that maps root alone
 * (unit_in_userns: main.c re-ran us there, setgroups denied) may not drop; elsewhere
 * the answer is this process's maps' for the machine's nobody and dip, and no when
 * the machine has no such user or group. */
START_TEST(can_drop_here)
{
    if (unit_in_userns) {
        ck_assert_int_eq(dnsmasq_can_drop(), 0);
        return;
    }
    const struct passwd *pw = getpwnam(DNSMASQ_USER);
    uid_t uid = pw ? pw->pw_uid : 0;
    const struct group *gr = getgrnam(DNSMASQ_GROUP);
    int want = pw && gr && procfs_can_drop_to("/proc/self", uid, gr->gr_gid) == 1;
    ck_assert_int_eq(dnsmasq_can_drop(), want);
}
END_TEST

START_TEST(argv_missing_field_is_einval)
{
    struct dnsmasq_conf c = conf;
    char buf[2048], *argv[32];
    c.router = NULL;
    ck_assert_int_eq(dnsmasq_build_argv(&c, buf, sizeof(buf), argv, 32), -EINVAL);
    c = conf;
    c.lease_secs = 0;
    ck_assert_int_eq(dnsmasq_build_argv(&c, buf, sizeof(buf), argv, 32), -EINVAL);
}
END_TEST

START_TEST(argv_too_small_is_enospc)
{
    char buf[2048], small[64], *argv[32];
    ck_assert_int_eq(dnsmasq_build_argv(&conf, small, sizeof(small), argv, 32), -ENOSPC);
    ck_assert_int_eq(dnsmasq_build_argv(&conf, buf, sizeof(buf), argv, 4), -ENOSPC);
}
END_TEST

START_TEST(leases_parse)
{
    struct dnsmasq_lease l[4];
    const char *text = "1764385200 0a:58:c0:a8:03:02 192.168.3.148 * 01:0a:58:c0:a8:03:02\n"
                       "1764385201 de:ad:be:ef:00:01 192.168.3.101 ns1 *\n";
    ck_assert_int_eq(dnsmasq_parse_leases(text, l, 4), 2);
    ck_assert_int_eq(l[0].expiry, 1764385200LL);
    ck_assert_str_eq(l[0].mac, "0a:58:c0:a8:03:02");
    ck_assert_str_eq(l[0].ip, "192.168.3.148");
    ck_assert_str_eq(l[1].hostname, "ns1");
    ck_assert_int_eq(dnsmasq_parse_leases("", l, 4), 0);
}
END_TEST

START_TEST(leases_malformed_is_einval)
{
    struct dnsmasq_lease l[4];
    ck_assert_int_eq(dnsmasq_parse_leases("garbage\n", l, 4), -EINVAL);
    ck_assert_int_eq(dnsmasq_parse_leases("1 de:ad 192.168.3.1 * *\n", l, 4), -EINVAL);
    ck_assert_int_eq(dnsmasq_parse_leases("1 de:ad:be:ef:00:01 1921.168.300.1000 * *\n", l, 4),
                     -EINVAL);
}
END_TEST

/* dnsmasq writes a line over 511 bytes for a client that sent a 255-byte client
 * identifier (option 61, in hex with colons), and a hardware type before the address
 * for a client that is not on Ethernet (06-... ): neither may cost the good leases. */
START_TEST(leases_survive_a_long_or_foreign_line)
{
    struct dnsmasq_lease l[4];
    char text[2048];
    int n = snprintf(text, sizeof(text), "1764385200 de:ad:be:ef:00:01 192.168.3.101 long ");
    for (int i = 0; i < 255; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%02x", i ? ":" : "", i);
    snprintf(text + n, sizeof(text) - (size_t)n,
             "\n1764385201 06-00:11:22:33:44:55 192.168.3.102 tr *\n"
             "1764385202 de:ad:be:ef:00:03 192.168.3.103 ns1 *\n");
    ck_assert_int_gt(strlen(text), 600);
    ck_assert_int_eq(dnsmasq_parse_leases(text, l, 4), 2);
    ck_assert_str_eq(l[0].mac, "de:ad:be:ef:00:01");
    ck_assert_str_eq(l[0].ip, "192.168.3.101");
    ck_assert_str_eq(l[0].hostname, "long");
    ck_assert_str_eq(l[1].mac, "de:ad:be:ef:00:03");
    ck_assert_str_eq(l[1].hostname, "ns1");
    /* a good line after a garbled one, and after a host name too long to keep: a field
     * cut short would be another value, so that line is skipped whole */
    char host[100];
    memset(host, 'h', 99);
    host[99] = '\0';
    snprintf(text, sizeof(text),
             "garbage\n1 de:ad:be:ef:00:04 192.168.3.104 %s *\n2 de:ad:be:ef:00:05 "
             "192.168.3.105 ns1 *\n",
             host);
    ck_assert_int_eq(dnsmasq_parse_leases(text, l, 4), 1);
    ck_assert_str_eq(l[0].ip, "192.168.3.105");
}
END_TEST

/* Found by fuzzing (issue 17): an expiry longer than its buffer was read cut short,
 * and one after vertical tabs was read by strtoll as if they were not there. */
START_TEST(leases_an_expiry_that_is_not_plain_digits_is_skipped)
{
    struct dnsmasq_lease l[4];
    ck_assert_int_eq(dnsmasq_parse_leases("\v\v\v93600 02:00:5e:10:20:30 1.8.3.2 n\n", l, 4),
                     -EINVAL);
    ck_assert_int_eq(
        dnsmasq_parse_leases("0000000000000000000001733000000 02:00:5e:10:20:30 1.8.3.2 n\n", l, 4),
        -EINVAL);
    ck_assert_int_eq(dnsmasq_parse_leases("-5 02:00:5e:10:20:30 1.8.3.2 n\n", l, 4), -EINVAL);
    ck_assert_int_eq(dnsmasq_parse_leases("93600 02:00:5e:10:20:30 1.8.3.2 n\n", l, 4), 1);
    ck_assert_int_eq(l[0].expiry, 93600);
}
END_TEST

START_TEST(pid_file_missing_is_enoent)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX";
    pid_t pid;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(dnsmasq_pid(dir, &pid), -ENOENT);
    rmdir(dir);
}
END_TEST

START_TEST(pid_of_another_program_is_never_signalled)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX", path[64];
    pid_t pid;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    /* our own pid: alive, but not a dnsmasq */
    fprintf(f, "%d\n", (int)getpid());
    fclose(f);
    ck_assert_int_eq(dnsmasq_pid(dir, &pid), -ESRCH);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* A child that calls itself dnsmasq, in dir's pid file.  ignore_term: it answers
 * SIGTERM by taking another name and staying (what a recycled pid looks like to
 * whoever signals it next); otherwise it exits at once and stays a zombie. */
static void term_renames(int sig)
{
    (void)sig;
    prctl(PR_SET_NAME, "not-dnsmasq");
}

static void remove_pid_file(const char *dir)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    unlink(path);
}

static pid_t fake_dnsmasq(const char *dir, bool exit_now)
{
    char path[96];
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_NAME, "dnsmasq");
        signal(SIGTERM, term_renames);
        if (write(p[1], "x", 1) != 1 || exit_now)
            _exit(0);
        for (;;)
            pause();
    }
    char c;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    close(p[1]);
    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
    return pid;
}

static uint64_t our_netns(void)
{
    struct stat st;
    ck_assert_int_eq(stat("/proc/self/ns/net", &st), 0);
    return st.st_ino;
}

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

START_TEST(stop_leaves_a_zombie_alone)
{
    char dir[] = "/tmp/nslab-unit-XXXXXX";
    pid_t pid;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    pid_t z = fake_dnsmasq(dir, true);
    /* a zombie: exited, not reaped yet (we are its parent and wait below) */
    siginfo_t si = {0};
    ck_assert_int_eq(waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT), 0);
    ck_assert_int_eq(dnsmasq_pid(dir, &pid), -ESRCH);
    long t0 = ms_now();
    /* down stops a daemon only through proc_stop (common/proc.c), by name and the
     * namespace it runs in: ours, here */
    ck_assert_int_eq(proc_stop(z, "dnsmasq", 0, our_netns()), 0);
    ck_assert_msg(ms_now() - t0 < 300, "stop waited %ld ms on a zombie", ms_now() - t0);
    waitpid(z, NULL, 0);
    remove_pid_file(dir);
    rmdir(dir);
}
END_TEST

Suite *suite_dnsmasq(void)
{
    Suite *s = suite_create("dnsmasq");
    TCase *tc = tcase_create("dnsmasq");
    tcase_add_test(tc, argv_keeps_everything_in_the_lab);
    tcase_add_test(tc, argv_offers_dns_when_asked);
    tcase_add_test(tc, argv_in_a_user_namespace_stays_root);
    tcase_add_test(tc, can_drop_here);
    tcase_add_test(tc, argv_missing_field_is_einval);
    tcase_add_test(tc, argv_too_small_is_enospc);
    tcase_add_test(tc, leases_parse);
    tcase_add_test(tc, leases_malformed_is_einval);
    tcase_add_test(tc, leases_survive_a_long_or_foreign_line);
    tcase_add_test(tc, leases_an_expiry_that_is_not_plain_digits_is_skipped);
    tcase_add_test(tc, pid_file_missing_is_enoent);
    tcase_add_test(tc, pid_of_another_program_is_never_signalled);
    tcase_add_test(tc, stop_leaves_a_zombie_alone);
    suite_add_tcase(s, tc);
    return s;
}
