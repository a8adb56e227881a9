/* labstep.h - the steps a network stage is made of: up, down, show and exec.
 *
 * Stages 04 and 05 build a lab of named namespaces and links (lab.h) out of the same
 * steps: `ip netns add`, a netlink socket in a namespace (`ip -n NAME`), a request
 * narrated beside the `ip` command that sends it, an address, a link up; `down` undoes
 * the state file newest first; `show` prints a namespace as ip does; `exec` runs a
 * command inside.  They live here, once, so both stages call them.
 *
 * As everywhere in common/, nothing here prints an error or exits.  A step that fails
 * returns -errno and leaves, in stage->fail, the step as the shell command it mirrors
 * and a hint (the kernel's extended-ack text, or why), so that the stage's main can
 * die with one line such as
 *   05-bridge-dhcp: ip -n nslab-host5 link set veth0 master br0: No such device
 * Narration (one line per kernel operation, narrate.h) is printed here.
 */
#ifndef NSLAB_LABSTEP_H
#define NSLAB_LABSTEP_H

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"
#include "nl.h"
#include "validate.h"

/* The step that failed: what to print after the stage's name. */
struct labstep_fail {
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
    struct labstep_fail fail;
    /* A helper started in the background and not reaped yet (dnsmasq's first process,
     * which exits once its daemon listens): down waits for it first, so that what it
     * starts is written down (its pid file) before down looks.  0 when none. */
    pid_t pending;
};

/* Records a failure in s->fail (hint: a printf format, or NULL) and returns r (< 0).
 * With nl, the kernel's ext-ack text (if any) becomes the hint. */
__attribute__((format(printf, 5, 6))) int labstep_failed(struct labstage *s, int r,
                                                         const struct nl *nl, const char *shell,
                                                         const char *hint, ...);

/* For the stage's main: prints s->fail as one line and exits with its status. */
__attribute__((noreturn)) void labstep_die(const struct labstage *s);
/* For labstep_down's report: prints one failure, goes on. */
void labstep_print(const struct labstep_fail *f);

/* Refuses, before anything is created, when /run/netns/NAME is taken by a namespace
 * that is not the lab's: -EEXIST ("ip netns add NAME"). */
int labstep_names_free(struct labstage *s, const char *const names[], int n);

/* ip netns add NAME, recorded in the lab's state first. */
int labstep_netns_add(struct labstage *s, const char *name);

/* A netlink socket inside namespace ns (setns there, socket(), setns back): every
 * request on it goes there, which is all `ip -n NAME` does. */
int labstep_nl_open(struct labstage *s, const char *ns, struct nl *nl);

/* One request: narrated ("<op>  ~ <shell>"), sent, acknowledged. */
int labstep_request(struct labstage *s, struct nl *nl, struct nlmsghdr *nlh, const char *shell,
                    const char *op);

/* ip -n NS link set NAME up */
int labstep_link_up(struct labstage *s, struct nl *nl, const char *ns, const char *name);

/* ip -n NS addr add A/N dev NAME (an RTM_GETLINK for its index, then RTM_NEWADDR). */
int labstep_addr_add(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                     const struct cidr4 *a);

/* ip -n NS route add default via GW dev NAME */
int labstep_default_route(struct labstage *s, struct nl *nl, const char *ns, const char *name,
                          struct in_addr gw);

/* Records an object before creating it (lab_record), failing as "writing the lab's
 * state".  Returns its index. */
int labstep_record(struct labstage *s, enum lab_kind kind, const char *name, const char *netns);

/* Opens the lab named host for the stage: 0 down, 1 up (or half up), or a failure
 * (another stage's lab: "pick another --host-ns"). */
int labstep_open(struct labstage *s, const char *host);
/* Takes the machine-wide lock for up and down and reads the state again under it. */
int labstep_lock(struct labstage *s, const char *host);

/* Undoes everything the state file lists, newest first; keeps (and saves) what could
 * not be undone.  report (may be NULL) gets each failure.  0, or 1 when any failed. */
int labstep_down(struct labstage *s, void (*report)(const struct labstep_fail *));

/* An up that fails halfway takes back what it made, so a failure changes nothing:
 * from labstep_up_begin until labstep_up_end, an exit (labstep_die exits) runs
 * labstep_down first, reporting with labstep_print. */
void labstep_up_begin(struct labstage *s);
void labstep_up_end(struct labstage *s);

/* The lab must be up, and the namespaces in names[] still its own, before show or
 * exec.  -ENOENT (not up) or -ESTALE (half up), with the advice in the hint. */
int labstep_require_up(struct labstage *s, int state, const char *const names[], int n);

/* Prints "<ns><title>:" and the namespace's links, addresses and routes (nl_show). */
int labstep_show_ns(struct labstage *s, const char *ns, const char *title);

/* ip netns exec NS CMD...: narrated; *code gets the shell's exit status for it. */
int labstep_exec(struct labstage *s, const char *ns, char **cmd, int *code);

/* Option values, checked before anything is created.  On a bad value: -EINVAL (or
 * -ENAMETOOLONG) and the one-line problem in msg, for err_usage. */
int labopt_name(const char **dst, const char *val, const char *opt, bool ifname, char *msg,
                size_t size);
int labopt_addr(struct cidr4 *dst, char *text, size_t tsize, const char *val, const char *opt,
                char *msg, size_t size);

enum labsub { LABSUB_DEMO, LABSUB_UP, LABSUB_DOWN, LABSUB_SHOW, LABSUB_EXEC };
/* The subcommand and what follows it (lab_subcommand's results): its enum, or
 * -EINVAL with the problem in msg.  where_opt ("--host") is an option given that
 * only goes with exec, or NULL. */
int labopt_subcommand(const char *sub, int nrest, char **rest, const char *where_opt, char *msg,
                      size_t size);

/* What a stage does for each subcommand; labstep_run calls them in the right
 * state.  They are the stage's own code, so they may die (labstep_die). */
struct labstep_ops {
    void (*up)(void);         /* builds the lab */
    void (*show)(void);       /* prints it */
    int (*demo)(void);        /* after up: shows it at work, then down; exit status */
    const char *const *names; /* the lab's namespaces, checked before show and exec */
    int n;
};

/* The subcommand which (labopt_subcommand) on the lab named host: exec runs cmd in
 * exec_ns; show and exec need the lab up and its own; up (and the demo) refuse a lab
 * that is up, and take back a half-made one if they fail; down undoes the state
 * file.  up and down hold the machine-wide lock.  Returns the exit status, or a
 * failure (< 0, s->fail filled in) for the stage's main to die with. */
int labstep_run(struct labstage *s, int which, const char *host, const struct labstep_ops *ops,
                const char *exec_ns, char **cmd);

#endif
