/* rtnl.h - stage 04's lesson on rtnetlink: the messages `ip link` and `ip addr` send,
 * each built with libmnl where it is sent, and the kernel's answer read back (rtnl.c).
 *
 * Stage 05 makes its veth pairs, addresses and links up with these same functions.
 * Each narrates the message beside the `ip` command that sends it and returns 0 or
 * -errno, with the failed step (and the kernel's own words) in s->fail.
 *
 * buf (NL_BUFSIZE bytes) is where the message is built, as libmnl's examples keep it
 * in main.  With nl NULL the message is only built, not sent nor narrated: the unit
 * tests read it there.
 */
#ifndef NSLAB_RTNL_H
#define NSLAB_RTNL_H

#include <stdbool.h>

#include "../common/labstage.h"
#include "../common/nl.h"
#include "../common/validate.h"

/* ip -n NS link add NAME type veth peer name PEER [netns PEER_NS]: with peer_fd an open
 * fd on namespace peer_ns, PEER is born there; with -1, beside NAME. */
int rtnl_veth_add(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                  const char *peer, const char *peer_ns, int peer_fd);

/* ip -n NS link set NAME netns TO_NS (fd: an open fd on TO_NS). */
int rtnl_link_move(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                   const char *to_ns, int fd);

/* ip -n NS addr add A/N dev NAME (ifindex: NAME's index, or 0 to ask the kernel). */
int rtnl_addr4_add(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                   int ifindex, const struct cidr4 *a);

/* ip -n NS link set NAME up (or down) */
int rtnl_link_up(struct labstage *s, struct nl *nl, char *buf, const char *ns, const char *name,
                 bool up);

/* The conversation itself: narrates op beside shell, sends nlh asking for an ack, and
 * reads the kernel's answer. */
int rtnl_talk(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
              const char *op);

#endif
