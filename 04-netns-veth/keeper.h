/* 04-netns-veth/keeper.h - a lab without root (-U): chapter 3's user namespaces meet
 * chapter 4's named ones.
 *
 * Made by an ordinary user, a user namespace makes that user root of a private world
 * (03-user-drop/userns-maps.c writes the maps).  A mount namespace owned by it gets
 * its own /run/netns and /run/nslab (private tmpfs mounts): there `ip netns add ns1`
 * pins ns1 where nobody else looks, so every student on one machine has the
 * article's ns1, veth0 and 192.168.5.5 at once.  Stage 04's and 05's code runs
 * unchanged inside: it is root of its own world.
 *
 * A named namespace outlives its command only because something holds it; here
 * that is the mount namespace, and a mount namespace lives only while a process is
 * in it.  So `up` starts a small keeper (podman's rootless "pause" process has the
 * same job) that does nothing but stay: PID 1 of a new PID namespace, in new user,
 * mount and network namespaces.  Every later command joins it with setns() (what
 * `nsenter --target PID --user --mount --net --pid` does) and forks: its child runs
 * in the lab's world, and so do dnsmasq and the DHCP clients it starts.  When the
 * keeper dies (`down`, or killed), the kernel kills every process of its PID
 * namespace, and with their last user the namespaces go, links, mounts and all:
 * nothing is left on the machine, whatever was killed when.
 *
 * The keeper's PID and start time are written in the per-user directory
 * (common/userdir.h: the record, its lock) as <host-ns>.keeper, one keeper per lab.  A lab ends
 * with that record: the keeper watches the directory (inotify) and ends when the record or the
 * directory goes, as $XDG_RUNTIME_DIR goes at the last logout, since no command could
 * find the lab any more.
 */
#ifndef NSLAB_KEEPER_H
#define NSLAB_KEEPER_H

#include "../common/args.h"
#include "../common/labstage.h"

/* A network stage's main, once its command line is checked: `shell` goes with -U only
 * (a usage error otherwise); with -U (userns), every hint names prog_u, the stage
 * with its -U, and the subcommand goes into the keeper's world, started for up and the
 * demo when none holds the lab, ended after down (and whenever the lab is down again).
 * As nsenter does, only a child that is inside returns, to go on with labrun there;
 * this process waits for it and exits with its status.  Without -U, one line naming
 * -U ends the stage, before anything is done, when show, exec or down would miss a
 * lab that is up with -U only, and when up or the demo is run without root; else it
 * returns (as root: labrun on the machine's /run/netns).  A failure ends the stage
 * (labstage_die). */
void keeper_dispatch(struct labstage *s, bool userns, enum labsub which, const char *host,
                     const char *prog_u);

#endif
