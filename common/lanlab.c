/* lanlab.c - the lease timer, the real DHCP clients, and dnsmasq's lease file. */
#define _GNU_SOURCE
#include "lanlab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dnsmasq.h"
#include "narrate.h"
#include "netns.h"
#include "proc.h"

/* "ip netns exec NS argv..." into buf, for narration and errors. */
static void shell_of(char *buf, size_t size, const char *ns, char *const argv[])
{
    int n = snprintf(buf, size, "ip netns exec %s", ns);
    for (int i = 0; argv[i] && n > 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, " %s", argv[i]);
}

static long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

/* Long enough for dhclient's first lease on a slow machine; the client's own bound
 * is shorter. */
#define WATCH_TIMEOUT_MS 15000

static void *watch_thread(void *arg)
{
    struct lanlab_timer *t = arg;
    t->r = nl_wait_addr4(&t->nl, t->ifindex, WATCH_TIMEOUT_MS, &t->addr);
    t->t1_us = mono_us();
    return NULL;
}

/* ip monitor address, in ns, on a thread of its own. */
static int watch_start(struct labstage *s, const char *ns, struct lanlab_timer *t)
{
    char shell[128];
    int back, r;
    snprintf(shell, sizeof(shell), "ip -n %s monitor address", ns);
    if ((r = netns_enter(ns, &back)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    r = nl_open(&t->nl);
    int rl = netns_leave(back);
    if (r < 0 || rl < 0) {
        if (r == 0)
            nl_close(&t->nl);
        return labstage_fail(s, r < 0 ? r : rl, NULL, shell, NULL);
    }
    if ((r = nl_watch_addrs4(&t->nl)) < 0) {
        nl_close(&t->nl);
        return labstage_fail(s, r, NULL, shell, NULL);
    }
    if ((r = pthread_create(&t->thread, NULL, watch_thread, t)) != 0) {
        nl_close(&t->nl);
        return labstage_fail(s, -r, NULL, shell, NULL);
    }
    t->running = true;
    return 0;
}

int lanlab_timer_start(struct labstage *s, const char *ns, int ifindex, bool watch,
                       struct lanlab_timer *t)
{
    int r;
    memset(t, 0, sizeof(*t));
    t->watch = watch;
    t->ifindex = ifindex;
    if (watch && (r = watch_start(s, ns, t)) < 0)
        return r;
    t->t0_us = mono_us();
    return 0;
}

static void first_addr(const struct nl_addr4 *a, void *data)
{
    struct lanlab_timer *t = data;
    if (a->index == t->ifindex && t->r != 0) {
        t->addr = *a;
        t->r = 0;
    }
}

int lanlab_timer_stop(struct labstage *s, struct nl *nl, const char *ifname, struct lanlab_timer *t)
{
    if (t->running) {
        pthread_join(t->thread, NULL);
        t->running = false;
        nl_close(&t->nl);
    } else {
        t->t1_us = mono_us();
        t->r = -ENOENT;
        int r = nl_dump_addrs4(nl, first_addr, t);
        if (r < 0)
            t->r = r;
    }
    if (t->r < 0)
        return labstage_fail(s, -ETIMEDOUT, NULL, "ip monitor address", "no address on %s", ifname);
    return 0;
}

void lanlab_timer_cancel(struct lanlab_timer *t)
{
    if (!t->running)
        return;
    /* The thread waits in poll(), a cancellation point. */
    pthread_cancel(t->thread);
    pthread_join(t->thread, NULL);
    t->running = false;
    nl_close(&t->nl);
}

bool lanlab_client_installed(const char *prog)
{
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    char path[64];
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dirs[i], prog);
        if (access(path, X_OK) == 0)
            return true;
    }
    return false;
}

int lanlab_path_sbin(void)
{
    static const char *const dirs[] = {"/usr/sbin", "/sbin"};
    const char *path = getenv("PATH");
    char buf[4096];
    /* No PATH at all: execvp searches its own default, which has no sbin either. */
    int n = snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        size_t len = strlen(dirs[i]);
        bool has = false;
        for (const char *p = buf; p && *p;) {
            const char *end = strchr(p, ':');
            size_t plen = end ? (size_t)(end - p) : strlen(p);
            if (plen == len && !strncmp(p, dirs[i], len))
                has = true;
            p = end ? end + 1 : NULL;
        }
        if (!has && n >= 0 && (size_t)n < sizeof(buf))
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", *buf ? ":" : "", dirs[i]);
    }
    if (n < 0 || (size_t)n >= sizeof(buf))
        return -ENAMETOOLONG;
    return setenv("PATH", buf, 1) < 0 ? -errno : 0;
}

/* dhclient's daemon writes its pid file just after the foreground process exits:
 * waits for it (at most 0.2 s) and returns the pid, or 0. */
static pid_t daemon_pid(const char *pidfile, const char *comm)
{
    for (int k = 0; k < 2000; k++) {
        int v = 0;
        FILE *f = fopen(pidfile, "re");
        if (f && (fscanf(f, "%d", &v) != 1 || proc_check(v, comm, 0) < 0))
            v = 0;
        if (f)
            fclose(f);
        if (v > 0)
            return v;
        nanosleep(&(struct timespec){0, 100 * 1000}, NULL);
    }
    return 0;
}

/* The real clients, each in a mount namespace of its own whose /etc is an overlay
 * (netns.h): what they write to /etc/resolv.conf lands in the lab's directory.  Their
 * scripts' hooks reach into /run too (dhclient's timesyncd hook removes a file of
 * /run/systemd and restarts the service; udhcpc's script hands the DNS server to a
 * resolvconf): they get a /run of their own, with the lab's directory alone in it. */
int lanlab_lease_real(struct labstage *s, const char *ns, const char *ifname,
                      const struct lanlab_client *c)
{
    char name[64], pidf[300], leasef[300], etc[300], shell[1400];
    struct netns_exec_opts o = {
        .private_run = true, .new_uts = true, .timeout_ms = 10000, .quiet = !narrate_enabled()};
    bool dhclient = !strcmp(c->name, "dhclient");
    int status, i, r;

    snprintf(name, sizeof(name), "%s.%s", c->name, ifname);
    snprintf(pidf, sizeof(pidf), "%s/%s.pid", c->dir, name);
    snprintf(leasef, sizeof(leasef), "%s/%s.leases", c->dir, name);
    snprintf(etc, sizeof(etc), "%s/%s", c->dir, name);
    o.etc_dir = etc;
    char *dhclient_argv[] = {"dhclient", "-1", "-pf", pidf, "-lf", leasef, (char *)ifname, NULL};
    /* -q: quit once it has a lease (nothing stays running); -n: give up if none. */
    char *udhcpc_argv[] = {"udhcpc", "-f", "-q", "-n", "-t",           "5", "-T",
                           "1",      "-p", pidf, "-i", (char *)ifname, NULL};
    char **argv = dhclient ? dhclient_argv : udhcpc_argv;
    shell_of(shell, sizeof(shell), ns, argv);
    if (mkdir(etc, 0755) < 0)
        return labstage_fail(s, -errno, NULL, "mkdir", "%s", etc);
    if ((i = labstage_record(s, LAB_PROC, name, ns)) < 0)
        return i;
    narrate_op(shell,
               "fork, setns(%s), unshare(CLONE_NEWNS|CLONE_NEWUTS), overlay on /etc, tmpfs on "
               "/run but for the lab's directory, execvp(%s)",
               ns, argv[0]);
    r = netns_exec_opts(ns, argv, &o, &status);
    if (r == 0 && status != 0)
        r = -EIO;
    if (r < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    /* dhclient stays, as a daemon renewing the lease: down stops it.  udhcpc -q is
     * gone already: nothing is left for down to stop, so the state forgets it. */
    if (!dhclient)
        return lab_forget_last(&s->lab) < 0
                   ? labstage_fail(s, -EIO, NULL, "writing the lab's state", NULL)
                   : 0;
    pid_t pid = daemon_pid(pidf, c->name);
    if (pid <= 0 || lab_confirm_proc(&s->lab, i, pid) < 0)
        return labstage_fail(s, -ESRCH, NULL, shell, "it did not stay running");
    return 0;
}

int lanlab_lease_listed(struct labstage *s, const char *dir, const char *ifname,
                        const unsigned char mac[6], struct in_addr addr)
{
    char want_mac[18], want_ip[INET_ADDRSTRLEN];
    struct dnsmasq_lease leases[64];

    snprintf(want_mac, sizeof(want_mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
             mac[3], mac[4], mac[5]);
    inet_ntop(AF_INET, &addr, want_ip, sizeof(want_ip));
    for (int waited_us = 0; waited_us < 500 * 1000; waited_us += 200) {
        int n = dnsmasq_read_leases(dir, leases, 64);
        for (int i = 0; i < n && i < 64; i++)
            if (!strcmp(leases[i].mac, want_mac) && !strcmp(leases[i].ip, want_ip))
                return 0;
        nanosleep(&(struct timespec){0, 200 * 1000}, NULL);
    }
    return labstage_fail(s, -ETIMEDOUT, NULL, "dnsmasq", "%s's lease is not in %s/dnsmasq.leases",
                         ifname, dir);
}
