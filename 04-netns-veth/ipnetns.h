/* ipnetns.h - stage 04's lesson on named network namespaces: how `ip netns add` pins
 * one under /run/netns, and how `ip -n NAME` talks to it (ipnetns.c).
 *
 * Stage 05 builds its three namespaces with these same functions.  Each narrates its
 * kernel operations beside the `ip` command that does the same, writes what it makes
 * to the lab's state file first (so `down` finds it, even after a killed `up`), and
 * returns 0 or -errno with the failed step in s->fail (common/labstage.h).
 */
#ifndef NSLAB_IPNETNS_H
#define NSLAB_IPNETNS_H

#include "../common/labstage.h"
#include "../common/nl.h"

/* Refuses, before anything is created, when /run/netns/NAME is taken by a namespace
 * the lab did not make: -EEXIST ("ip netns add NAME"). */
int ipnetns_check_free(struct labstage *s, const char *const names[], int n);

/* The steps of ip netns add NAME, unnarrated and unrecorded: /run/netns made a shared
 * mount point, the empty file /run/netns/NAME (O_EXCL: -EEXIST when taken), and a
 * thread's new namespace bind-mounted on it.  0 or -errno; on failure nothing is left. */
int ipnetns_pin(const char *name);

/* ip netns add NAME: a new network namespace, kept alive with nobody in it by a bind
 * mount on /run/netns/NAME.  The calling thread never leaves its own namespace. */
int ipnetns_add(struct labstage *s, const char *name);

/* ip -n NAME: an rtnetlink socket opened inside the namespace, in *nl.  Every request
 * sent on it acts there, wherever the program is. */
int ipnetns_rtnl(struct labstage *s, const char *name, struct nl *nl);

#endif
