/* lan.h - stage 05's LAN at work: its DHCP server started inside the LAN namespace,
 * and each lease for a link, by the chosen client (lan.c).
 *
 * Each function narrates its kernel operations beside the shell command that does the
 * same, writes what it starts to the lab's state file first (so `down` stops it, even
 * after a killed `up`), and returns 0 or -errno with the failed step in st->fail.
 */
#ifndef NSLAB_LAN_H
#define NSLAB_LAN_H

#include <stdbool.h>

#include "../common/dnsmasq.h"
#include "../common/labstage.h"
#include "../common/lanlab.h"
#include "../common/nl.h"

/* ip netns exec LAN dnsmasq ...: fork, setns() into the LAN's network namespace,
 * execvp().  Returns once dnsmasq runs; the caller goes on building the lab while it
 * loads, and lan_dnsmasq_ready waits for it. */
int lan_dnsmasq_start(struct labstage *st, const char *lan, const struct dnsmasq_conf *conf);

/* Waits for dnsmasq's first process to exit (its daemon then listens) and records the
 * daemon's pid, from its pid file, with its start time. */
int lan_dnsmasq_ready(struct labstage *st, const struct dnsmasq_conf *conf);

/* ip netns exec NS dhclient IFNAME: a lease by client c, ours by default (the
 * exchange of dhcp-client.c after setns() into ns, then the lease applied over nl as
 * dhclient-script would with ip: the address, stage 04's RTM_NEWADDR, and the default
 * route, RTM_NEWROUTE), or a real one (lanlab_lease_real).  Timed (lanlab_timer: with
 * timing, by the kernel's notice of the address, and printed on stdout), narrated as
 * "IFNAME has A/N, T ms after the client (C) started", and found in dnsmasq's lease
 * file before it returns. */
int lan_lease(struct labstage *st, struct nl *nl, const char *ns, const char *ifname,
              const struct lanlab_client *c, bool timing);

#endif
