/* labstep.h - the narrated steps of a network stage that stage 04 does not teach.
 *
 * Stage 04 writes out how a namespace is pinned, how a netlink socket is opened in it
 * and each message it sends (04-netns-veth/ipnetns.c, rtnl.c).  What both network
 * stages also do, and no stage teaches, is here: writing an object to the lab's state
 * file before making it, sending a request narrated beside the `ip` command it
 * mirrors, the default route a DHCP lease brings, and timing a DHCP client.
 *
 * Each function returns 0 or -errno, with the failed step in s->fail (labstage.h);
 * narration (narrate.h) is printed here.
 */
#ifndef NSLAB_LABSTEP_H
#define NSLAB_LABSTEP_H

#include <pthread.h>
#include <stdbool.h>

#include "labstage.h"
#include "nl.h"

/* Records an object before creating it (lab_record), failing as "writing the lab's
 * state".  Returns its index. */
int labstep_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns);

/* One request: narrated ("<op>  ~ <shell>"), sent, acknowledged (nl_request). */
int labstep_request(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
                    const char *op);

/* ip -n NS route add default via GW dev NAME */
int labstep_default_route(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                          struct in_addr gw);

/* Times a DHCP client the same way whatever it is: from labstep_watch_start (called
 * just before the client starts) to the kernel's notice that an IPv4 address was
 * added to ifname in ns (RTNLGRP_IPV4_IFADDR, read by a thread of its own). */
struct labstep_watch {
    struct nl nl;
    int ifindex, r;
    long t0_us, t1_us;
    struct nl_addr4 addr;
    pthread_t thread;
    bool running;
};
int labstep_watch_start(struct labstage *s, const char *ns, const char *ifname,
                        struct labstep_watch *w);
/* Waits for the thread: 0 (w->t1_us - w->t0_us is the time), or -ETIMEDOUT. */
int labstep_watch_end(struct labstep_watch *w);
/* Stops the watch without waiting for an address (the client failed). */
void labstep_watch_cancel(struct labstep_watch *w);

#endif
