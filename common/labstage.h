/* labstage.h - a network stage's identity, its lab, and the record of its failure.
 *
 * As everywhere in common/, nothing prints an error or exits on its own.  A step of
 * stages 04 and 05 that fails returns -errno and leaves, in stage->fail, the step as
 * the shell command it mirrors and a hint (the kernel's extended-ack text, or why),
 * so that the stage's main, after undoing what it made, dies with one line such as
 *   05-bridge-dhcp: ip -n nslab-host5 link set veth0 master br0: No such device
 */
#ifndef NSLAB_LABSTAGE_H
#define NSLAB_LABSTAGE_H

#include <sys/types.h>

#include "lab.h"

struct nl;

/* The step that failed: what to print after the stage's name. */
struct labfail {
    int err;         /* positive errno; 0 when the message needs no strerror part */
    int status;      /* the exit status it deserves: EXIT_RUNTIME, or 127 for exec */
    char shell[256]; /* "ip -n nslab-host link add veth0 ..." */
    char hint[320];  /* "kernel: ..." or advice; "" for none */
};

/* One network stage: who it is, its lab, and its last failure. */
struct labstage {
    const char *stage; /* "04-netns-veth", as err_stage */
    const char *prog;  /* "04-netns-veth/netns-veth", for hints */
    const char *who;   /* "netns-veth": the narration's name, and "<who> did not create it" */
    struct lab lab;
    struct labfail fail;
    /* A helper started in the background and not reaped yet (dnsmasq's first process,
     * which exits once its daemon listens): down waits for it first, so that what it
     * starts is written down (its pid file) before down looks.  0 when none. */
    pid_t pending;
};

/* Records a failure in s->fail (hint: a printf format, or NULL) and returns r (< 0).
 * With nl, the kernel's ext-ack text (if any) becomes the hint. */
__attribute__((format(printf, 5, 6))) int labstage_fail(struct labstage *s, int r,
                                                        const struct nl *nl, const char *shell,
                                                        const char *hint, ...);

/* Writes an object to the lab's state file before the caller creates it (lab_record),
 * failing as "writing the lab's state".  Returns its index. */
int labstage_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns);

/* For the stage's main: prints s->fail as one line and exits with its status. */
__attribute__((noreturn)) void labstage_die(const struct labstage *s);
/* Prints one failure and goes on (down reports each thing it could not undo). */
void labstage_print(const struct labfail *f);

#endif
