/* lanlab.h - the services of a lab's simulated LAN: its DHCP server, and the leases
 * DHCP clients get from it.
 *
 * Stage 05's LAN is a namespace with a real dnsmasq; its hosts get their addresses
 * by DHCP, from the course's own client (common/dhcp.c, applied over netlink) or from
 * the article's real ones (dhclient, udhcpc).  Every process started here is written
 * to the lab's state file first, so `down` stops it, also after a killed `up`.
 *
 * As in labstep.h: each function returns 0 or -errno, with the failed step in
 * s->fail for the stage's main to die with; narration is printed here.
 */
#ifndef NSLAB_LANLAB_H
#define NSLAB_LANLAB_H

#include <stdbool.h>

#include "dnsmasq.h"
#include "labstep.h"

/* ip netns exec NS dnsmasq ...: recorded, then started; the caller goes on building
 * the lab while dnsmasq starts (a few milliseconds of loading and binding).
 * lanlab_dnsmasq_ready waits until it is: dnsmasq forks its daemon and exits once
 * that one listens; then the daemon's pid (from its pid file) is confirmed in the
 * state file. */
int lanlab_dnsmasq_start(struct labstage *s, const char *ns, const struct dnsmasq_conf *conf);
int lanlab_dnsmasq_ready(struct labstage *s, const struct dnsmasq_conf *conf);

/* Which DHCP client, and where the real ones keep their files. */
struct lanlab_client {
    const char *name; /* "ours", "dhclient" or "udhcpc" */
    const char *dir;  /* the lab's directory */
    bool rapid;       /* ours: ask for RFC 4039 rapid commit */
};

/* Is a real client installed where root's PATH finds it? */
bool lanlab_client_installed(const char *prog);

/* One lease for ifname in ns, applied: ours runs the exchange in this process (setns)
 * and adds the address and default route over nl; a real client runs in a mount
 * namespace of its own whose /etc is an overlay in the lab's directory (so the
 * machine's /etc/resolv.conf is never written), and its own script applies the lease.
 * Timed the same way for every client: *us from just before the client starts to the
 * kernel's notice of the address, which goes to *addr. */
int lanlab_lease(struct labstage *s, struct nl *nl, const char *ns, const char *ifname,
                 const struct lanlab_client *c, struct nl_addr4 *addr, long *us);

#endif
