/* labstep.c - narrated steps of a network stage that no stage teaches. */
#define _GNU_SOURCE
#include "labstep.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "narrate.h"
#include "netns.h"

int labstep_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns)
{
    int r = lab_record(&s->lab, kind, name, netns);
    return r < 0 ? labstage_fail(s, r, NULL, "writing the lab's state", NULL) : r;
}

int labstep_request(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
                    const char *op)
{
    narrate_op(shell, "%s", op);
    int r = nl_request(nl, nlh);
    return r < 0 ? labstage_fail(s, r, nl, shell, NULL) : 0;
}

int labstep_default_route(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                          struct in_addr gw)
{
    char buf[NL_BUFSIZE], shell[160], op[128], ip[INET_ADDRSTRLEN];
    struct nl_link l;
    inet_ntop(AF_INET, &gw, ip, sizeof(ip));
    snprintf(shell, sizeof(shell), "ip -n %s route add default via %s dev %s", ns, ip, name);
    int r = nl_link_get(nl, name, &l);
    if (r < 0)
        return labstage_fail(s, r, nl, shell, NULL);
    snprintf(op, sizeof(op), "RTM_NEWROUTE 0.0.0.0/0 RTA_GATEWAY %s RTA_OIF %d (%s)", ip, l.index,
             name);
    return labstep_request(s, nl, nl_msg_route4_add(buf, (struct in_addr){0}, 0, gw, l.index),
                           shell, op);
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
    struct labstep_watch *w = arg;
    w->r = nl_wait_addr4(&w->nl, w->ifindex, WATCH_TIMEOUT_MS, &w->addr);
    w->t1_us = mono_us();
    return NULL;
}

int labstep_watch_start(struct labstage *s, const char *ns, const char *ifname,
                        struct labstep_watch *w)
{
    struct nl_link l;
    char shell[128];
    int r;
    memset(w, 0, sizeof(*w));
    snprintf(shell, sizeof(shell), "ip -n %s monitor address", ns);
    int back;
    /* Not narrated: an instrument, not a step of the lab. */
    if ((r = netns_enter(ns, &back)) < 0)
        return labstage_fail(s, r, NULL, shell, NULL);
    r = nl_open(&w->nl);
    int rl = netns_leave(back);
    if (r < 0 || rl < 0) {
        if (r == 0)
            nl_close(&w->nl);
        return labstage_fail(s, r < 0 ? r : rl, NULL, shell, NULL);
    }
    if ((r = nl_link_get(&w->nl, ifname, &l)) < 0 || (r = nl_watch_addrs4(&w->nl)) < 0) {
        nl_close(&w->nl);
        return labstage_fail(s, r, NULL, shell, NULL);
    }
    w->ifindex = l.index;
    if ((r = pthread_create(&w->thread, NULL, watch_thread, w)) != 0) {
        nl_close(&w->nl);
        return labstage_fail(s, -r, NULL, shell, NULL);
    }
    w->running = true;
    w->t0_us = mono_us();
    return 0;
}

int labstep_watch_end(struct labstep_watch *w)
{
    if (!w->running)
        return -EINVAL;
    pthread_join(w->thread, NULL);
    w->running = false;
    nl_close(&w->nl);
    return w->r;
}

void labstep_watch_cancel(struct labstep_watch *w)
{
    if (!w->running)
        return;
    /* The thread waits in poll(), a cancellation point. */
    pthread_cancel(w->thread);
    pthread_join(w->thread, NULL);
    w->running = false;
    nl_close(&w->nl);
}
