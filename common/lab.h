/* lab.h - what a network stage created, so that `down` removes exactly that.
 *
 * A lab is a set of objects a stage's `up` creates: named network namespaces, links
 * inside them, processes (stage 05's dnsmasq).  Each is written to a state file,
 * /run/nslab/<lab>.state, *before* it is created, and its identity (a namespace's
 * inode, a process's start time) once it exists.  `down` reads the file and undoes
 * every object in reverse order, so it works after a complete `up`, after an `up` that
 * failed, and after one that was killed halfway.  An object with the same name that
 * the lab did not create is never touched: `up` refuses to start when a name is
 * taken, and `down` checks each namespace's identity before deleting it.
 *
 * The state file is plain text, one object a line, for a student to read:
 *   owner 04-netns-veth
 *   netns nslab-host 4026532290 8193          (inode, cookie: see netns_cookie)
 *   netns ns1 4026532351 8194
 *   link veth0 nslab-host
 *   dir nslab-host5                           (/run/nslab/nslab-host5/: pid, lease files)
 *   proc dnsmasq 4242 987654 nslab-lan       (pid, start time, namespace)
 *
 * Functions return 0 (or an index) or -errno and print nothing; lab_undo narrates.
 */
#ifndef NSLAB_LAB_H
#define NSLAB_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAB_STATE_DIR "/run/nslab"
#define LAB_MAX_OBJS  32
#define LAB_NAME_MAX  64

enum lab_kind {
    LAB_NETNS, /* name: /run/netns/NAME; id: its inode, id2: its cookie (0 until made) */
    LAB_LINK,  /* name: the link; netns: the lab namespace it was created in */
    LAB_PROC,  /* name: its command name, or "COMM.WHAT" (dhclient.br0); id: pid (0
                * until known: then <dir>/<name>.pid tells); id2: start time; netns: where */
    LAB_DIR,   /* name: a directory LAB_STATE_DIR/NAME for the lab's files */
};

struct lab_obj {
    enum lab_kind kind;
    char name[LAB_NAME_MAX];
    char netns[LAB_NAME_MAX];
    uint64_t id, id2;
};

struct lab {
    char path[128];
    char owner[LAB_NAME_MAX];
    int n;
    struct lab_obj obj[LAB_MAX_OBJS];
    int lock_fd;
    /* Whether a process is still in one of the lab's namespaces, found once per down
     * (its processes are stopped first): -1 not looked yet, else the index in obj of
     * the namespace it is in, or LAB_NOBODY_INSIDE; busy_pid is one such process. */
    int busy;
    pid_t busy_pid;
};

#define LAB_NOBODY_INSIDE (-2)

/* Prepares lab (named after its main namespace) for owner (the stage, "04-netns-veth")
 * and loads its state file if there is one.  Returns 0 when the lab is down (no
 * state), 1 when a state file exists (up, or half up), -EBUSY when another stage owns
 * it, -EBADMSG when the file cannot be read back. */
int lab_open(struct lab *lab, const char *owner, const char *name);

/* Serializes `up` and `down` of all labs on the machine (flock on /run/nslab):
 * two of them at once could each find a name free and race for it. */
int lab_lock(struct lab *lab);
void lab_unlock(struct lab *lab);

/* Writes the state file (a new file renamed over the old: never half written). */
int lab_save(const struct lab *lab);

/* One object as a state-file line and back (no newline).  For the unit tests. */
int lab_format_obj(const struct lab_obj *o, char *buf, size_t size);
int lab_parse_obj(const char *line, struct lab_obj *o);

/* Index of the object of that kind and name, or -ENOENT. */
int lab_find(const struct lab *lab, enum lab_kind kind, const char *name);

/* Appends an object and saves the state *before* the caller creates it.  Returns its
 * index.  lab_forget drops the last one again when its creation failed, so that
 * `down` never deletes what someone else made in the meantime. */
int lab_record(struct lab *lab, enum lab_kind kind, const char *name, const char *netns);
int lab_forget_last(struct lab *lab);
/* Stores the identity of object i now that it exists, and saves. */
int lab_confirm(struct lab *lab, int i, uint64_t id, uint64_t id2);

/* Stores the pid of process object i and its start time (from /proc/PID/stat). */
int lab_confirm_proc(struct lab *lab, int i, pid_t pid);

/* The lab's directory, LAB_STATE_DIR/NAME of its LAB_DIR object, into buf; -ENOENT
 * when it has none. */
int lab_dir(const struct lab *lab, char *buf, size_t size);

/* Process pid, if it is alive (not a zombie), its command name is comm, and (when
 * start is not 0) it started at start: 0, else -ESRCH.  What makes it safe to signal
 * a pid read from a file: a recycled pid is something else. */
int lab_proc_check(pid_t pid, const char *comm, uint64_t start);

/* ip netns add NAME for the lab: -EEXIST (and nothing recorded) when /run/netns/NAME
 * is already there, since then it is not ours. */
int lab_netns_add(struct lab *lab, const char *name);

/* Is the lab's namespace NAME still the one it created (same inode and cookie)?  0 yes;
 * -ENOENT gone; -ESTALE replaced by someone else's. */
int lab_netns_check(const struct lab *lab, const char *name);

/* Undoes object i (narrating the operation and its shell equivalent): deletes a link
 * in its namespace, deletes a namespace, stops a process.  What is already gone counts
 * as done; a namespace whose inode changed is left alone (-ESTALE).  shell receives
 * the command it mirrors, for an error message. */
int lab_undo(struct lab *lab, int i, char *shell, size_t size);

/* Removes the state file (after a complete down). */
int lab_remove_state(struct lab *lab);

/* For the tests of a killed `up`: when the environment variable NSLAB_KILL_AFTER_SAVE
 * is N, the Nth lab_save of this process kills it with SIGKILL right after writing. */
void lab_test_hook(void);

#endif
