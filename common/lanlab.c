/* lanlab.c - the simulated LAN's DHCP server, and leases from any client. */
#define _GNU_SOURCE
#include "lanlab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../04-netns-veth/rtnl.h"
#include "dhcp.h"
#include "narrate.h"
#include "netns.h"

/* "ip netns exec NS argv..." into buf, for narration and errors. */
static void shell_of(char *buf, size_t size, const char *ns, char *const argv[])
{
    int n = snprintf(buf, size, "ip netns exec %s", ns);
    for (int i = 0; argv[i] && n > 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, " %s", argv[i]);
}

int lanlab_dnsmasq_start(struct labstage *s, const char *ns, const struct dnsmasq_conf *conf)
{
    char buf[2048], *argv[32], shell[2400];
    int r;

    if (dnsmasq_build_argv(conf, buf, sizeof(buf), argv, 32) < 0)
        return labstage_fail(s, -ENOSPC, NULL, "dnsmasq", "its command line is too long");
    shell_of(shell, sizeof(shell), ns, argv);
    /* Recorded before it exists: a killed up still has down stop it (found by its
     * pid file then, with its command name and start time checked). */
    if ((r = labstep_record(s, LAB_PROC, "dnsmasq", ns)) < 0)
        return r;
    narrate_op(shell, "fork, setns(%s), execvp(dnsmasq): it serves DHCP on %s", ns, conf->ifname);
    if ((r = netns_spawn(ns, argv, NULL, &s->pending)) < 0)
        return labstage_fail(s, r, NULL, "dnsmasq", "see %s/dnsmasq.log", conf->dir);
    return 0;
}

int lanlab_dnsmasq_ready(struct labstage *s, const struct dnsmasq_conf *conf)
{
    int status, r;
    pid_t pid;

    r = netns_wait(s->pending, NULL, &status);
    s->pending = 0;
    if (r == 0 && status != 0)
        r = -EIO;
    if (r == 0)
        r = dnsmasq_pid(conf->dir, &pid);
    int i = lab_find(&s->lab, LAB_PROC, "dnsmasq");
    if (r == 0)
        r = i < 0 ? i : lab_confirm_proc(&s->lab, i, pid);
    if (r < 0)
        return labstage_fail(s, r, NULL, "dnsmasq", "see %s/dnsmasq.log", conf->dir);
    narrate_note("dnsmasq is ready: PID %d serves DHCP on %s", (int)pid, conf->ifname);
    return 0;
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

/* Ours: the exchange in this process, inside ns (setns), then the lease applied over
 * netlink, as dhclient-script would with ip. */
static int lease_ours(struct labstage *s, struct nl *nl, const char *ns, const char *ifname,
                      const struct lanlab_client *c)
{
    struct dhcp_lease l;
    char shell[128];
    int back, r;

    snprintf(shell, sizeof(shell), "ip netns exec %s dhclient %s", ns, ifname);
    if ((r = netns_enter(ns, &back)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    r = dhcp_acquire_flags(ifname, NULL, 0, c->rapid ? DHCP_RAPID_COMMIT : 0, &l);
    int rl = netns_leave(back);
    if (r == -ETIMEDOUT)
        return labstage_fail(s, r, NULL, shell, "no answer from dnsmasq: see %s/dnsmasq.log",
                             c->dir);
    if (r < 0 || rl < 0)
        return labstage_fail(s, r < 0 ? r : rl, NULL, shell, NULL);
    struct cidr4 a = {.addr = l.addr, .prefix = l.prefix};
    char buf[NL_BUFSIZE];
    if ((r = rtnl_addr4_add(s, nl, buf, ns, ifname, 0, &a)) < 0)
        return r;
    if (l.router.s_addr)
        return labstep_default_route(s, nl, ns, ifname, l.router);
    return 0;
}

/* dhclient's daemon writes its pid file just after the foreground process exits:
 * waits for it (at most 0.2 s) and returns the pid, or 0. */
static pid_t daemon_pid(const char *pidfile, const char *comm)
{
    for (int k = 0; k < 2000; k++) {
        int v = 0;
        FILE *f = fopen(pidfile, "re");
        if (f && (fscanf(f, "%d", &v) != 1 || lab_proc_check(v, comm, 0) < 0))
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
 * (netns.h): what they write to /etc/resolv.conf lands in the lab's directory. */
static int lease_real(struct labstage *s, const char *ns, const char *ifname,
                      const struct lanlab_client *c)
{
    char name[64], pidf[300], leasef[300], etc[300], shell[1400];
    struct netns_exec_opts o = {.new_uts = true, .timeout_ms = 10000, .quiet = !narrate_enabled()};
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
    if ((i = labstep_record(s, LAB_PROC, name, ns)) < 0)
        return i;
    narrate_op(shell,
               "fork, setns(%s), unshare(CLONE_NEWNS|CLONE_NEWUTS), overlay on /etc, "
               "execvp(%s)",
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

/* dnsmasq answers first and writes its lease file after (its log lines too): waits,
 * at most half a second, until the file lists mac with addr, so that whoever reads it
 * once up has returned (show, the tests) finds every lease.  0 or -ETIMEDOUT. */
static int wait_listed(const char *dir, const unsigned char mac[6], struct in_addr addr)
{
    char path[300], text[8192], want_mac[18], want_ip[INET_ADDRSTRLEN];
    struct dnsmasq_lease leases[64];

    snprintf(path, sizeof(path), "%s/dnsmasq.leases", dir);
    snprintf(want_mac, sizeof(want_mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
             mac[3], mac[4], mac[5]);
    inet_ntop(AF_INET, &addr, want_ip, sizeof(want_ip));
    for (int waited_us = 0; waited_us < 500 * 1000; waited_us += 200) {
        FILE *f = fopen(path, "re");
        size_t len = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
        if (f)
            fclose(f);
        text[len] = '\0';
        int n = dnsmasq_parse_leases(text, leases, 64);
        for (int i = 0; i < n && i < 64; i++)
            if (!strcmp(leases[i].mac, want_mac) && !strcmp(leases[i].ip, want_ip))
                return 0;
        nanosleep(&(struct timespec){0, 200 * 1000}, NULL);
    }
    return -ETIMEDOUT;
}

int lanlab_lease(struct labstage *s, struct nl *nl, const char *ns, const char *ifname,
                 const struct lanlab_client *c, struct nl_addr4 *addr, long *us)
{
    struct labstep_watch w;
    int r;

    if ((r = labstep_watch_start(s, ns, ifname, &w)) < 0)
        return r;
    r = !strcmp(c->name, "ours") ? lease_ours(s, nl, ns, ifname, c) : lease_real(s, ns, ifname, c);
    if (r < 0) {
        labstep_watch_cancel(&w);
        return r;
    }
    if (labstep_watch_end(&w) < 0)
        return labstage_fail(s, -ETIMEDOUT, NULL, "ip monitor address", "no address on %s", ifname);
    *addr = w.addr;
    *us = w.t1_us - w.t0_us;
    struct nl_link l;
    if (nl_link_get(nl, ifname, &l) < 0)
        return labstage_fail(s, -ENODEV, NULL, "ip link show", "%s", ifname);
    if (wait_listed(c->dir, l.mac, w.addr.addr) < 0)
        return labstage_fail(s, -ETIMEDOUT, NULL, "dnsmasq",
                             "%s's lease is not in %s/dnsmasq.leases", ifname, c->dir);
    return 0;
}
