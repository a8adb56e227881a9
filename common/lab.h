/* lab.h - what a network stage created, so that `down` removes exactly that.
 *
 * A lab is a set of objects a stage's `up` creates: named network namespaces, links
 * inside them, processes (stage 05's dnsmasq).  Each is written to a state file,
 * /run/nslab/<lab>.state, *before* it is created, and its identity (a namespace's
 * inode, a process's start time) once it exists.  `down` reads the file and undoes
 * every object in reverse order, so it works after a complete `up`, after an `up` that
 * failed, and after one that was killed halfway.  An object with the same name that
 * the lab did not create is never touched: `up` refuses to start when a name is
 * taken, and `down` checks each namespace's and each process's identity before
 * deleting or signalling it.
 *
 * The state file is plain text, one object a line, for a student to read:
 *   owner 04-netns-veth
 *   netns nslab-host 4026532290 8193          (inode, cookie: see netns_cookie)
 *   netns ns1 4026532351 8194
 *   link veth0 nslab-host
 *   dir nslab-host5                           (/run/nslab/nslab-host5/: pid, lease files)
 *   proc dnsmasq 4242 987654 nslab-lan       (pid, start time: common/proc.h; namespace)
 *   proc dhclient.br0 0 0 nslab-host5        (started, pid not known yet)
 *
 * `down` believes what the file says (it unlinks under /run/netns, signals pids,
 * removes a directory), so the file is input to check like any other: every line must
 * be exactly as lab_save writes it (plain names, numbers without sign or overflow,
 * pids a kernel can give), or `down` stops before doing anything and names the line.
 * And it is trusted only in a directory nobody else can write: LAB_STATE_DIR, and the
 * lab's own directory, must be ours alone (common/ourdir.h: our euid's or root's, not
 * writable by group or others); the file is made afresh (O_EXCL, O_NOFOLLOW, mode
 * 0644) and renamed into place.  The undo of each object is `down`'s
 * (labrun_undo, common/labrun.h); the processes' identity is common/proc.h's.
 *
 * Functions return 0 (or an index) or -errno and print nothing.
 */
#ifndef NSLAB_LAB_H
#define NSLAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define LAB_STATE_DIR "/run/nslab"
#define LAB_MAX_OBJS  32
#define LAB_NAME_MAX  64
#define LAB_LINE_MAX  256 /* a longer state-file line (newline included) is not ours */

enum lab_kind {
    LAB_NETNS, /* name: /run/netns/NAME; id: its inode, id2: its cookie (0 until made) */
    LAB_LINK,  /* name: the link; netns: the lab namespace it was created in */
    LAB_PROC,  /* name: its command name, or "COMM.WHAT" (dhclient.br0); id: pid (0
                * until known: then <dir>/<name>.pid tells, and running in netns, a
                * namespace of the lab, makes it ours); id2: its start time; netns: where */
    LAB_DIR,   /* name: a directory LAB_STATE_DIR/NAME for the lab's files */
};

struct lab_obj {
    enum lab_kind kind;
    char name[LAB_NAME_MAX];
    char netns[LAB_NAME_MAX];
    uint64_t id, id2;
};

struct lab {
    char dir[64];   /* LAB_STATE_DIR, or the tests' own (lab_open_at) */
    char path[128]; /* dir/NAME.state */
    char owner[LAB_NAME_MAX];
    int n;
    struct lab_obj obj[LAB_MAX_OBJS];
    int lock_fd;
    /* Whether a process is still in one of the lab's namespaces, found once per down
     * (its processes are stopped first): -1 not looked yet, else the index in obj of
     * the namespace it is in, or LAB_NOBODY_INSIDE; busy_pid is one such process. */
    int busy;
    pid_t busy_pid;
    /* down has said, once, that the links go with the namespaces. */
    bool links_noted;
    /* When lab_open or lab_lock fails, what was wrong where, for the
     * stage's message ("line 3: bad namespace name '../x'; ..."); "" when errno says
     * it all.  line is the state file's line at fault, 0 for none. */
    int line;
    char why[256];
};

#define LAB_NOBODY_INSIDE (-2)

/* Prepares lab (named after its main namespace) for owner (the stage, "04-netns-veth")
 * and loads its state file if there is one.  Returns 0 when the lab is down (no
 * state), 1 when a state file exists (up, or half up), -EBUSY when another stage owns
 * it, -EBADMSG when a line is not as lab_save writes it (lab->line is its number and
 * lab->why says what is wrong), -EPERM or -ELOOP when the directory or the file is not
 * ours alone (lab->why names it), -EINVAL for a bad name. */
int lab_open(struct lab *lab, const char *owner, const char *name);
/* lab_open with the state in dir instead of LAB_STATE_DIR: for the tests. */
int lab_open_at(struct lab *lab, const char *dir, const char *owner, const char *name);

/* Reads a state file's lines from f into lab->obj and lab->n, and its owner line
 * into owner.  -EBADMSG at the first line that is not as lab_save writes it, with
 * lab->line and lab->why set, and nothing of the file kept (lab->n is 0). */
int lab_read_state(struct lab *lab, FILE *f, char *owner, size_t size);

/* Serializes `up` and `down` of all labs on the machine (flock on /run/nslab, made
 * first if missing): two of them at once could each find a name free and race for it.
 * -EPERM or -ELOOP (lab->why says why) when the directory is not ours alone. */
int lab_lock(struct lab *lab);
void lab_unlock(struct lab *lab);

/* Writes the state file: a new file (O_EXCL|O_NOFOLLOW, mode 0644) renamed over the
 * old, so it is never half written and never written through a link. */
int lab_save(const struct lab *lab);

/* One object as a state-file line and back (no newline).  lab_parse_obj takes only
 * what lab_format_obj writes: -EBADMSG for anything else. */
int lab_format_obj(const struct lab_obj *o, char *buf, size_t size);
int lab_parse_obj(const char *line, struct lab_obj *o);

/* Index of the object of that kind and name, or -ENOENT. */
int lab_find(const struct lab *lab, enum lab_kind kind, const char *name);

/* Appends an object and saves the state *before* the caller creates it.  Returns its
 * index; -EINVAL for a name the state file could not hold (see lab_parse_obj).
 * lab_forget_last drops the last one again when its creation failed, so that `down`
 * never deletes what someone else made in the meantime. */
int lab_record(struct lab *lab, enum lab_kind kind, const char *name, const char *netns);
int lab_forget_last(struct lab *lab);
/* Stores the identity of object i now that it exists, and saves. */
int lab_confirm(struct lab *lab, int i, uint64_t id, uint64_t id2);

/* Stores the pid of process object i and its start time (from /proc/PID/stat). */
int lab_confirm_proc(struct lab *lab, int i, pid_t pid);

/* mkdir LAB_STATE_DIR/NAME for the lab, recorded first: -EEXIST (and nothing
 * recorded) when the name is taken; -EPERM when what was made is not ours alone.
 * Returns its index. */
int lab_dir_add(struct lab *lab, const char *name);

/* Is the lab's namespace NAME still the one it created (same inode and cookie)?  0 yes;
 * -ENOENT gone; -ESTALE replaced by someone else's, or not the lab's; -EINVAL for a
 * name that is not a plain one (it would reach outside /run/netns). */
int lab_netns_check(const struct lab *lab, const char *name);

/* The lab's own directory LAB_STATE_DIR/name, opened when it is ours alone: an fd,
 * -ENOENT when there is none, -EINVAL for a name that is not plain, -errno. */
int lab_open_dir(const struct lab *lab, const char *name);

/* Removes the state file (after a complete down). */
int lab_remove_state(struct lab *lab);

/* For the tests of a killed `up`: when the environment variable NSLAB_KILL_AFTER_SAVE
 * is N, the Nth lab_save of this process kills it with SIGKILL right after writing. */
void lab_test_hook(void);

#endif
