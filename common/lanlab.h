/* lanlab.h - the plumbing around a lease in stage 05's LAN: the timer that measures
 * any DHCP client, the runner of the real clients (dhclient, udhcpc), and the wait
 * until dnsmasq's lease file lists a lease.
 *
 * The lesson - the bridge, dnsmasq started inside the LAN, our own client's four
 * messages - is in 05-bridge-dhcp/; what is here only measures, runs a program a
 * student did not write, or waits.  Every process started here is written to the
 * lab's state file first, so `down` stops it, also after a killed `up`.
 *
 * As in labstage.h: each function returns 0 or -errno, with the failed step in
 * s->fail for the stage's main to die with; narration is printed here.
 */
#ifndef NSLAB_LANLAB_H
#define NSLAB_LANLAB_H

#include <pthread.h>
#include <stdbool.h>

#include "labstage.h"
#include "nl.h"

/* How long a lease took, the same way whatever the client: from lanlab_timer_start,
 * called just before the client starts, to the address on link ifindex.  With watch
 * (--timing) the end is the kernel's notice that the address was added
 * (RTNLGRP_IPV4_IFADDR, read by a thread of its own, so that every client, ours or a
 * program's, is measured alike: what make bench compares); without, it is the moment
 * the client is done, and the address is then read back from the kernel (RTM_GETADDR).
 * Not narrated: an instrument, not a step of the lab. */
struct lanlab_timer {
    bool watch;
    int ifindex, r;
    long t0_us, t1_us;
    struct nl_addr4 addr;
    struct nl nl; /* the watch's */
    pthread_t thread;
    bool running;
};
int lanlab_timer_start(struct labstage *s, const char *ns, int ifindex, bool watch,
                       struct lanlab_timer *t);
/* The client is done: 0 with t->addr and the time t->t1_us - t->t0_us, or -ETIMEDOUT
 * ("no address on IFNAME").  nl: a socket in the link's namespace. */
int lanlab_timer_stop(struct labstage *s, struct nl *nl, const char *ifname,
                      struct lanlab_timer *t);
/* The client failed: stops the watch without waiting for an address. */
void lanlab_timer_cancel(struct lanlab_timer *t);

/* Which DHCP client, and where the real ones keep their files. */
struct lanlab_client {
    const char *name; /* "ours", "dhclient" or "udhcpc" */
    const char *dir;  /* the lab's directory */
    bool rapid;       /* ours: ask for RFC 4039 rapid commit */
};

/* Is a real client installed where root's PATH finds it? */
bool lanlab_client_installed(const char *prog);

/* dnsmasq and the real clients live in /usr/sbin or /sbin, which root's PATH has and
 * an ordinary user's often has not (Debian's: /usr/local/bin:/usr/bin:/bin): appends
 * those of the two PATH lacks, after the user's own directories, so that execvp
 * finds them also under -U, and a program of the same name earlier in PATH still
 * comes first.  0 or -errno (-ENOMEM). */
int lanlab_path_sbin(void);

/* A lease for ifname in ns from a real client (dhclient or udhcpc), in a mount
 * namespace of its own whose /etc is an overlay in the lab's directory (so the
 * machine's /etc/resolv.conf is never written) and whose /run is a tmpfs holding the
 * lab's directory alone (so is nothing of the machine's /run); its own script
 * applies the lease.
 * dhclient stays to renew it, recorded in the state file; udhcpc -q is gone after. */
int lanlab_lease_real(struct labstage *s, const char *ns, const char *ifname,
                      const struct lanlab_client *c);

/* dnsmasq answers first and writes its lease file after: waits, at most half a
 * second, until dir/dnsmasq.leases lists mac with addr, so that whoever reads it once
 * up has returned (show, the tests) finds every lease.  0 or -ETIMEDOUT. */
int lanlab_lease_listed(struct labstage *s, const char *dir, const char *ifname,
                        const unsigned char mac[6], struct in_addr addr);

#endif
