/* labrun.h - a network stage's subcommands: up, down, show, exec and the demo.
 *
 * Stages 04 and 05 answer the same subcommands on a lab (lab.h) in the same way:
 * show and exec need the lab up and still their own; up refuses a lab that is up;
 * down undoes the state file, newest first, also after a killed up.  up and down hold
 * the machine-wide lock (with -U, the lab's own: 04-netns-veth/keeper.c runs all of this
 * inside the keeper's namespaces).  The stage gives what only it knows (how to build its lab,
 * how to show it, its demo); labrun calls each in the right state.
 */
#ifndef NSLAB_LABRUN_H
#define NSLAB_LABRUN_H

#include "args.h"
#include "labdraw.h"
#include "labstage.h"
#include "nl.h"

/* show: the namespaces it reads, in the order the picture stacks them.  Each one's
 * netlink socket is opened once (labrun_picture) and serves the picture and the
 * listings after it (labrun_show_ns); labrun_view_close closes them. */
struct labrun_view {
    int n;
    struct {
        const char *name, *title; /* title: "the article's host", or "" */
        struct nl nl;
        bool open;
    } ns[LABDRAW_MAX_NS];
    /* The lab's daemon, drawn in its namespace while it runs: its state-file name
     * ("dnsmasq"), its namespace and its job ("DHCP server"); NULL when none. */
    const char *daemon, *daemon_ns, *daemon_job;
};

/* What a stage does for each subcommand.  Each returns 0, or a failure (< 0) with
 * s->fail filled in.  up undoes what it made before it returns a failure (its own
 * `goto undo`, calling labrun_down), so that a failed up changes nothing. */
struct labrun_ops {
    int (*up)(void);   /* builds the lab */
    int (*show)(void); /* prints it */
    int (*demo)(void); /* after up: shows it at work, then down; exit status */
    /* may be NULL: the namespaces show reads; when show finds the lab half up, their
     * picture alone is drawn (with the gone namespaces marked) */
    struct labrun_view (*view)(void);
    const char *const *names; /* the lab's namespaces, checked before show and exec */
    int n;
};

/* The subcommand which (args_labsub) on the lab named host: exec runs cmd in exec_ns.
 * Returns the exit status, or a failure (< 0, s->fail filled in) for the stage's main
 * to die with. */
int labrun(struct labstage *s, enum labsub which, const char *host, const struct labrun_ops *ops,
           const char *exec_ns, char **cmd);

/* Undoes everything the state file lists, newest first; keeps (and saves) what could
 * not be undone.  report (may be NULL) gets each failure.  0, or 1 when any failed. */
int labrun_down(struct labstage *s, void (*report)(const struct labfail *));

/* Undoes object i of the state file (narrating the operation and its shell twin):
 * deletes a link in its namespace, deletes a namespace, stops a process (common/proc.h:
 * only while a pidfd holds it, and only when it is still the one the lab started),
 * removes the lab's directory.  What is already gone counts as done; a namespace whose
 * inode changed is left alone (-ESTALE); a directory not ours alone too (-EPERM).
 * shell receives the command it mirrors, for an error message. */
int labrun_undo(struct lab *lab, int i, char *shell, size_t size);

/* ip netns exec NS CMD...: narrated; the exit status a shell would give (128+N for a
 * signal, 127 for a command that is not there), or a failure (< 0). */
int labrun_exec(struct labstage *s, const char *ns, char **cmd);

/* shell: an interactive bash where the program stands (with -U, inside the lab's
 * user and mount namespaces, where `ip netns list` shows the lab); its exit status. */
int labrun_shell(struct labstage *s);

/* For show: the picture of the lab as the kernel has it now (common/labdraw.h), on
 * stdout, followed by an empty line.  Links and addresses come from each namespace's
 * RTM_GETLINK and RTM_GETADDR dumps; a namespace that is gone, or not the lab's any
 * more, is drawn as a box saying so.  Box-drawing characters when the locale speaks
 * UTF-8, else ASCII. */
int labrun_picture(struct labstage *s, struct labrun_view *v);

/* For show, after the picture: prints "<ns> (<title>):" and namespace i's links,
 * addresses and routes as ip prints them (nlshow_ns), on the socket the picture
 * opened. */
int labrun_show_ns(struct labstage *s, struct labrun_view *v, int i);

void labrun_view_close(struct labrun_view *v);

#endif
