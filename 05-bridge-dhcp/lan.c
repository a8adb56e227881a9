/* lan.c - stage 05's LAN at work: dnsmasq started inside the LAN namespace by fork(),
 * setns() and execvp(), and each lease: by the chosen client, ours applied with
 * RTM_NEWADDR and RTM_NEWROUTE.  The exchange itself is dhcp-client.c; the bridge is
 * bridge-dhcp.c.
 *
 * Read: setns(2), fork(2), execvp(3), dnsmasq(8), rtnetlink(7) (RTM_NEWROUTE),
 *       dhclient-script(8).
 */
#define _GNU_SOURCE
#include "lan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../04-netns-veth/rtnl.h"
#include "../common/lab.h"
#include "../common/lanlab.h"
#include "../common/narrate.h"
#include "../common/netns.h"
#include "dhcp-client.h"

/* ip netns exec LAN dnsmasq ...: the DHCP server starts inside the LAN, and the
 * caller goes on building the lab while it loads and binds (lan_dnsmasq_ready waits). */
int lan_dnsmasq_start(struct labstage *st, const char *lan, const struct dnsmasq_conf *conf)
{
    char buf[2048], *argv[32], shell[2400];
    int pipefd[2], e = 0, r;

    if (dnsmasq_build_argv(conf, buf, sizeof(buf), argv, 32) < 0)
        return labstage_fail(st, -ENOSPC, NULL, "dnsmasq", "its command line is too long");
    int n = snprintf(shell, sizeof(shell), "ip netns exec %s", lan);
    for (int i = 0; argv[i] && n > 0 && (size_t)n < sizeof(shell); i++)
        n += snprintf(shell + n, sizeof(shell) - (size_t)n, " %s", argv[i]);
    /* Recorded before it exists: a killed up still has down stop it (found by its
     * pid file then, with its command name and start time checked). */
    if ((r = labstage_record(st, LAB_PROC, "dnsmasq", lan)) < 0)
        return r;
    /* The LAN's namespace, opened by the parent: the child only has to join it. */
    int nsfd = netns_open(lan);
    if (nsfd < 0)
        return labstage_fail(st, nsfd, NULL, shell, NULL);
    /* A pipe closed by a successful exec: EOF says dnsmasq runs, an errno says why
     * the child never got there. */
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        e = errno;
        close(nsfd);
        return labstage_fail(st, -e, NULL, shell, NULL);
    }
    if (conf->stay_root)
        narrate_note("%s or %s has no ID in this user namespace (/proc/self/uid_map, gid_map), "
                     "or setgroups is denied: dnsmasq stays root here (--user=root) and changes "
                     "no group (--group=)",
                     DNSMASQ_USER, DNSMASQ_GROUP);
    narrate_op(shell, "fork, setns(%s), execvp(dnsmasq): it serves DHCP on %s", lan, conf->ifname);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* setns(CLONE_NEWNET): every socket dnsmasq opens from now on is the LAN's,
         * and --interface finds lan0 there.  Nothing else of the child changes. */
        if (setns(nsfd, CLONE_NEWNET) == 0)
            execvp(argv[0], argv);
        e = errno;
        if (write(pipefd[1], &e, sizeof(e)) < 0) {
            /* nothing more the child can say */
        }
        _exit(127);
    }
    if (pid < 0)
        e = errno;
    close(nsfd);
    close(pipefd[1]);
    ssize_t got = 0;
    if (pid > 0) {
        do
            got = read(pipefd[0], &e, sizeof(e));
        while (got < 0 && errno == EINTR);
    }
    close(pipefd[0]);
    if (pid > 0 && got > 0)
        waitpid(pid, NULL, 0); /* it never got to exec: e says why */
    if (got > 0 && e == ENOENT)
        return labstage_fail(st, -e, NULL, "execvp dnsmasq",
                             "not in PATH, /usr/sbin or /sbin: apt-get install dnsmasq-base");
    if (pid < 0 || got > 0)
        return labstage_fail(st, -e, NULL, shell, "see %s/dnsmasq.log", conf->dir);
    /* dnsmasq forks its daemon and exits once that one listens: down reaps the
     * first process if up dies before lan_dnsmasq_ready does. */
    st->pending = pid;
    return 0;
}

/* dnsmasq's first process exits once its daemon listens; then the daemon's pid (from
 * its pid file) goes into the state file, with its start time. */
int lan_dnsmasq_ready(struct labstage *st, const struct dnsmasq_conf *conf)
{
    int status, r = 0;
    pid_t pid = 0;

    while (waitpid(st->pending, &status, 0) < 0)
        if (errno != EINTR) {
            r = -errno;
            break;
        }
    st->pending = 0;
    if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        r = -EIO;
    if (r == 0)
        r = dnsmasq_pid(conf->dir, &pid);
    int i = lab_find(&st->lab, LAB_PROC, "dnsmasq");
    if (r == 0)
        r = i < 0 ? i : lab_confirm_proc(&st->lab, i, pid);
    if (r < 0)
        return labstage_fail(st, r, NULL, "dnsmasq", "see %s/dnsmasq.log", conf->dir);
    narrate_note("dnsmasq is ready: PID %d serves DHCP on %s", (int)pid, conf->ifname);
    return 0;
}

/* The lease applied as dhclient-script does with ip: the address (stage 04's
 * RTM_NEWADDR), then the default route through the router the server named.  Both name
 * the link by the index the caller looked up. */
static int apply(struct labstage *st, struct nl *nl, const char *ns, const struct dhcp_iface *ifc,
                 const struct dhcp_lease *l)
{
    char shell[128], buf[NL_BUFSIZE], gw[INET_ADDRSTRLEN], op[128];
    struct cidr4 a = {.addr = l->ack.yiaddr, .prefix = l->ack.prefix};
    int r;

    if ((r = rtnl_addr4_add(st, nl, buf, ns, ifc->name, ifc->index, &a)) < 0 ||
        !l->ack.router.s_addr)
        return r;
    inet_ntop(AF_INET, &l->ack.router, gw, sizeof(gw));
    snprintf(shell, sizeof(shell), "ip -n %s route add default via %s dev %s", ns, gw, ifc->name);
    /* RTM_NEWROUTE { rtmsg: AF_INET, dst_len 0 (the default route), main table, proto
     * boot and scope universe as `ip route add` chooses for a route via a gateway;
     * RTA_GATEWAY, RTA_OIF }.  NLM_F_EXCL: fail rather than replace a route there. */
    memset(buf, 0, NL_BUFSIZE);
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = 0;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_type = RTN_UNICAST;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    mnl_attr_put(nlh, RTA_GATEWAY, sizeof(l->ack.router), &l->ack.router);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifc->index);
    snprintf(op, sizeof(op), "RTM_NEWROUTE 0.0.0.0/0 RTA_GATEWAY %s RTA_OIF %d (%s)", gw,
             ifc->index, ifc->name);
    return rtnl_talk(st, nl, nlh, shell, op);
}

/* ip netns exec NS dhclient IFNAME, with our own client (05-bridge-dhcp/dhcp-client.c):
 * its sockets are opened and the exchange runs in this thread after setns() into ns
 * (a socket stays in the namespace it was made in), then the lease is applied over
 * netlink, as dhclient-script would with ip, and only then are the sockets closed. */
static int lan_lease_ours(struct labstage *st, struct nl *nl, const char *ns,
                          const struct dhcp_iface *ifc, bool rapid, const char *dir)
{
    struct dhcp_sockets s = {-1, -1};
    struct dhcp_lease l;
    char shell[128];
    int back, r;

    snprintf(shell, sizeof(shell), "ip netns exec %s dhclient %s", ns, ifc->name);
    if ((r = netns_enter(ns, &back)) < 0)
        return labstage_fail(st, r, NULL, shell, NULL);
    if ((r = dhcp_open(ifc, &s)) == 0)
        r = dhcp_exchange(&s, ifc, NULL, 0, rapid ? DHCP_RAPID_COMMIT : 0, &l);
    int rl = netns_leave(back);
    if (r == -ETIMEDOUT)
        r = labstage_fail(st, r, NULL, shell, "no answer from dnsmasq: see %s/dnsmasq.log", dir);
    else if (r < 0 || rl < 0)
        r = labstage_fail(st, r < 0 ? r : rl, NULL, shell, NULL);
    else
        r = apply(st, nl, ns, ifc, &l);
    /* Closing may wait for the kernel (dhcp_close): after the address, not before. */
    dhcp_close(&s);
    return r;
}

/* dhclient IFNAME in NS: one lease by the chosen client (ours by default), timed
 * (lanlab_timer; --timing prints it), then found in dnsmasq's lease file, so that
 * whoever reads it once up has returned finds it. */
int lan_lease(struct labstage *st, struct nl *nl, const char *ns, const char *ifname,
              const struct lanlab_client *c, bool timing)
{
    struct dhcp_iface ifc = {.name = ifname};
    struct lanlab_timer t;
    struct nl_link l;
    char ip[INET_ADDRSTRLEN];
    int r;

    /* ip link show IFNAME (RTM_GETLINK), once: its index and MAC go down the lease path. */
    if (nl_link_get(nl, ifname, &l) < 0)
        return labstage_fail(st, -ENODEV, NULL, "ip link show", "%s", ifname);
    ifc.index = l.index;
    memcpy(ifc.mac, l.mac, 6);
    if ((r = lanlab_timer_start(st, ns, l.index, timing, &t)) < 0)
        return r;
    r = !strcmp(c->name, "ours") ? lan_lease_ours(st, nl, ns, &ifc, c->rapid, c->dir)
                                 : lanlab_lease_real(st, ns, ifname, c);
    if (r < 0) {
        lanlab_timer_cancel(&t);
        return r;
    }
    if ((r = lanlab_timer_stop(st, nl, ifname, &t)) < 0 ||
        (r = lanlab_lease_listed(st, c->dir, ifname, ifc.mac, t.addr.addr)) < 0)
        return r;
    long us = t.t1_us - t.t0_us;
    inet_ntop(AF_INET, &t.addr.addr, ip, sizeof(ip));
    narrate_note("%s has %s/%d, %.2f ms after the client (%s) started", ifname, ip, t.addr.prefix,
                 (double)us / 1000.0, c->name);
    if (timing)
        printf("lease %s %s/%d %ld us %s\n", ifname, ip, t.addr.prefix, us, c->name);
    return 0;
}
