/* lab.c - the state file of a lab, and undoing what it lists.
 *
 * The state file is input like any other: `down` acts on what it reads (unlinks under
 * /run/netns, signals pids, removes a directory), so every line must be exactly as
 * lab_save writes it, and the directory it lies in must be one nobody else can write. */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "netns.h"
#include "nl.h"
#include "procfs.h"
#include "validate.h"

/* A state file is a few hundred bytes; a larger one is not ours. */
#define LAB_STATE_MAX (64 * 1024)

/* The names each kind of object may have, in lab_record and in the file alike: plain
 * names (validate.h), nothing a path could climb out of its directory with. */
static bool netns_name_ok(const char *s)
{
    return strlen(s) < LAB_NAME_MAX && validate_netns_name(s) == 0;
}

/* A process ("dnsmasq", "dhclient.eth0": its pid file is <name>.pid) or a directory:
 * not hidden either. */
static bool plain_name_ok(const char *s)
{
    return s[0] != '.' && netns_name_ok(s);
}

static int check_names(enum lab_kind kind, const char *name, const char *netns)
{
    if (strlen(name) >= LAB_NAME_MAX || (netns && strlen(netns) >= LAB_NAME_MAX))
        return -ENAMETOOLONG;
    switch (kind) {
    case LAB_NETNS:
        return netns_name_ok(name) ? 0 : -EINVAL;
    case LAB_LINK:
        return validate_ifname(name) == 0 && netns && netns_name_ok(netns) ? 0 : -EINVAL;
    case LAB_PROC:
        return plain_name_ok(name) && (!netns || !strcmp(netns, "-") || netns_name_ok(netns))
                   ? 0
                   : -EINVAL;
    case LAB_DIR:
        return plain_name_ok(name) ? 0 : -EINVAL;
    }
    return -EINVAL;
}

/* A number as PRIu64 prints it: digits only (no sign, no space, no leading zero),
 * and no more than fits. */
static bool parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;
    if (!*s || (s[0] == '0' && s[1]))
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *v = n;
    return true;
}

int lab_format_obj(const struct lab_obj *o, char *buf, size_t size)
{
    int n;
    switch (o->kind) {
    case LAB_NETNS:
        n = snprintf(buf, size, "netns %s %" PRIu64 " %" PRIu64, o->name, o->id, o->id2);
        break;
    case LAB_LINK:
        n = snprintf(buf, size, "link %s %s", o->name, o->netns);
        break;
    case LAB_PROC:
        n = snprintf(buf, size, "proc %s %" PRIu64 " %" PRIu64 " %s", o->name, o->id, o->id2,
                     o->netns);
        break;
    case LAB_DIR:
        n = snprintf(buf, size, "dir %s", o->name);
        break;
    default:
        return -EINVAL;
    }
    return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

__attribute__((format(printf, 3, 4))) static int bad(char *why, size_t size, const char *fmt, ...)
{
    if (why && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
    }
    return -EBADMSG;
}

/* lab_parse_obj, saying in why (when not NULL) what is wrong. */
static int parse_obj(const char *line, struct lab_obj *o, char *why, size_t size)
{
    static const struct {
        const char *word;
        enum lab_kind kind;
        int fields;
    } kinds[] = {
        {"netns", LAB_NETNS, 4}, {"link", LAB_LINK, 3}, {"proc", LAB_PROC, 5}, {"dir", LAB_DIR, 2}};
    char copy[LAB_LINE_MAX], *f[6];
    int n = 0;
    size_t len = strlen(line), k;

    memset(o, 0, sizeof(*o));
    if (len >= sizeof(copy))
        return bad(why, size, "longer than %d bytes", LAB_LINE_MAX - 1);
    memcpy(copy, line, len + 1);
    /* Fields one space apart, nothing before the first nor after the last. */
    for (char *p = copy;;) {
        if (n == 6)
            return bad(why, size, "too many fields");
        f[n++] = p;
        if (!(p = strchr(p, ' ')))
            break;
        *p++ = '\0';
    }
    for (int i = 0; i < n; i++)
        if (!f[i][0])
            return bad(why, size, "two spaces in a row, or one at an end");
    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        if (!strcmp(f[0], kinds[k].word))
            break;
    if (k == sizeof(kinds) / sizeof(kinds[0]))
        return bad(why, size, "unknown kind of object '%.32s'", f[0]);
    if (n != kinds[k].fields)
        return bad(why, size, "a %s line has %d fields, not %d", f[0], kinds[k].fields, n);
    o->kind = kinds[k].kind;
    switch (o->kind) {
    case LAB_NETNS:
        if (!netns_name_ok(f[1]))
            return bad(why, size, "bad namespace name '%.64s'", f[1]);
        if (!parse_u64(f[2], &o->id) || !parse_u64(f[3], &o->id2))
            return bad(why, size, "bad inode or cookie '%.24s %.24s'", f[2], f[3]);
        /* The cookie is written with the inode (lab_confirm), never alone. */
        if (o->id == 0 && o->id2 != 0)
            return bad(why, size, "a cookie without an inode");
        break;
    case LAB_LINK:
        if (validate_ifname(f[1]) < 0)
            return bad(why, size, "bad interface name '%.64s'", f[1]);
        if (!netns_name_ok(f[2]))
            return bad(why, size, "bad namespace name '%.64s'", f[2]);
        snprintf(o->netns, sizeof(o->netns), "%s", f[2]);
        break;
    case LAB_PROC:
        if (!plain_name_ok(f[1]))
            return bad(why, size, "bad process name '%.64s'", f[1]);
        /* pid 0: not known yet (then its start time is 0 too); else a pid the kernel
         * can give (init, 1, is never ours), with the start time read with it. */
        if (!parse_u64(f[2], &o->id) || !parse_u64(f[3], &o->id2))
            return bad(why, size, "bad pid or start time '%.24s %.24s'", f[2], f[3]);
        if (o->id == 1 || o->id > LAB_PID_MAX)
            return bad(why, size, "pid %.24s out of range (2 to %d)", f[2], LAB_PID_MAX);
        if ((o->id == 0) != (o->id2 == 0))
            return bad(why, size, "a pid without its start time, or the other way round");
        if (strcmp(f[4], "-") != 0 && !netns_name_ok(f[4]))
            return bad(why, size, "bad namespace name '%.64s'", f[4]);
        snprintf(o->netns, sizeof(o->netns), "%s", f[4]);
        break;
    case LAB_DIR:
        if (!plain_name_ok(f[1]))
            return bad(why, size, "bad directory name '%.64s'", f[1]);
        break;
    }
    snprintf(o->name, sizeof(o->name), "%s", f[1]);
    return 0;
}

int lab_parse_obj(const char *line, struct lab_obj *o)
{
    return parse_obj(line, o, NULL, 0);
}

int lab_read_state(struct lab *lab, FILE *f, char *owner, size_t size)
{
    char *line = NULL, why[128];
    size_t cap = 0;
    ssize_t len;
    int r = 0, no = 0;

    lab->n = 0;
    lab->line = 0;
    lab->why[0] = owner[0] = '\0';
    /* getline: a line of any length is read whole, so a long one cannot pass its tail
     * off as a line of its own. */
    while (r == 0 && (len = getline(&line, &cap, f)) > 0) {
        no++;
        if (line[len - 1] != '\n') {
            r = bad(why, sizeof(why), "no newline at its end: cut short");
            break;
        }
        line[--len] = '\0';
        if (len >= LAB_LINE_MAX)
            r = bad(why, sizeof(why), "longer than %d bytes", LAB_LINE_MAX - 1);
        else if (strlen(line) != (size_t)len)
            r = bad(why, sizeof(why), "a NUL byte");
        else if (len == 0 || line[0] == '#')
            continue; /* blank, or a comment */
        else if (!strncmp(line, "owner ", 6)) {
            if (owner[0])
                r = bad(why, sizeof(why), "a second owner line");
            else if (!plain_name_ok(line + 6) || strlen(line + 6) >= size)
                r = bad(why, sizeof(why), "bad owner '%.64s'", line + 6);
            else
                snprintf(owner, size, "%s", line + 6);
        } else if (lab->n >= LAB_MAX_OBJS)
            r = bad(why, sizeof(why), "more than %d objects", LAB_MAX_OBJS);
        else if ((r = parse_obj(line, &lab->obj[lab->n], why, sizeof(why))) == 0)
            lab->n++;
    }
    if (r == 0 && ferror(f))
        r = -EIO;
    free(line);
    if (r == -EBADMSG) {
        lab->line = no;
        snprintf(lab->why, sizeof(lab->why),
                 "line %d: %s; nslab writes no such line: undo by hand what the file lists, "
                 "then remove it",
                 no, why);
    } else if (r == 0 && !owner[0]) {
        r = -EBADMSG;
        snprintf(lab->why, sizeof(lab->why), "no owner line");
    }
    if (r < 0)
        lab->n = 0;
    return r;
}

/* Is a file or directory of the lab's ours alone: our euid's (or root's, who could do
 * anything anyway: /run/nslab, for a user who runs a stage without root and is told
 * what fails), and not writable by group or others, who could plant or swap a state
 * or pid file there? */
static int check_ours(const struct stat *st, const char *path, char *why, size_t size)
{
    if (st->st_uid != geteuid() && st->st_uid != 0) {
        if (why)
            snprintf(why, size, "%s belongs to uid %u, neither us (uid %u) nor root", path,
                     (unsigned)st->st_uid, (unsigned)geteuid());
        return -EPERM;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        if (why)
            snprintf(why, size,
                     "%s may be written by others (mode %04o): 'chmod go-w %s' if it is ours", path,
                     (unsigned)(st->st_mode & 07777), path);
        return -EPERM;
    }
    return 0;
}

/* Opens the directory name (relative to at) for the lab, refusing a symbolic link
 * (whoever made it chose the directory) and one not ours alone.  An fd, or -errno with
 * the reason in why.  path is its full name, for why. */
static int open_trusted(int at, const char *name, const char *path, char *why, size_t size)
{
    struct stat st;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOTDIR && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
            if (why)
                snprintf(why, size, "%s is a symbolic link, not a directory of ours", path);
            return -ELOOP;
        }
        if (e == ENOTDIR && why)
            snprintf(why, size, "%s is not a directory", path);
        return -e;
    }
    int r = fstat(fd, &st) < 0 ? -errno : check_ours(&st, path, why, size);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

/* The lab's state directory (made first when create is set). */
static int open_state_dir(const struct lab *lab, bool create, char *why, size_t size)
{
    if (create && mkdir(lab->dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    return open_trusted(AT_FDCWD, lab->dir, lab->dir, why, size);
}

/* "NAME.state", the state file's name in its directory. */
static const char *state_name(const struct lab *lab)
{
    return strrchr(lab->path, '/') + 1;
}

int lab_open(struct lab *lab, const char *owner, const char *name)
{
    return lab_open_at(lab, LAB_STATE_DIR, owner, name);
}

int lab_open_at(struct lab *lab, const char *dir, const char *owner, const char *name)
{
    struct stat st;
    char who[LAB_NAME_MAX];
    int r;

    memset(lab, 0, sizeof(*lab));
    lab->lock_fd = -1;
    lab->busy = -1;
    snprintf(lab->owner, sizeof(lab->owner), "%s", owner);
    if (!netns_name_ok(name))
        return -EINVAL;
    int n = snprintf(lab->dir, sizeof(lab->dir), "%s", dir);
    if (n < 0 || (size_t)n >= sizeof(lab->dir))
        return -ENAMETOOLONG;
    n = snprintf(lab->path, sizeof(lab->path), "%s/%s.state", dir, name);
    if (n < 0 || (size_t)n >= sizeof(lab->path))
        return -ENAMETOOLONG;
    int dfd = open_state_dir(lab, false, lab->why, sizeof(lab->why));
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    /* O_NONBLOCK: a FIFO in its place must not hang us; fstat refuses it next. */
    int fd = openat(dfd, state_name(lab), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    r = fd < 0 ? -errno : 0;
    close(dfd);
    if (r == -ENOENT)
        return 0;
    if (r == -ELOOP)
        snprintf(lab->why, sizeof(lab->why), "%s is a symbolic link", lab->path);
    if (r < 0)
        return r;
    if (fstat(fd, &st) < 0)
        r = -errno;
    else if (!S_ISREG(st.st_mode) || st.st_size > LAB_STATE_MAX) {
        snprintf(lab->why, sizeof(lab->why), "%s is not a state file (%s)", lab->path,
                 S_ISREG(st.st_mode) ? "too large" : "not a regular file");
        r = -EBADMSG;
    } else
        r = check_ours(&st, lab->path, lab->why, sizeof(lab->why));
    FILE *f = r == 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        r = r < 0 ? r : -errno;
        close(fd);
        return r;
    }
    r = lab_read_state(lab, f, who, sizeof(who));
    fclose(f);
    if (r < 0)
        return r;
    return strcmp(who, owner) != 0 ? -EBUSY : 1;
}

int lab_lock(struct lab *lab)
{
    lab->why[0] = '\0';
    int fd = open_state_dir(lab, true, lab->why, sizeof(lab->why));
    if (fd < 0)
        return fd;
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return -e;
        }
    lab->lock_fd = fd;
    return 0;
}

void lab_unlock(struct lab *lab)
{
    if (lab->lock_fd >= 0)
        close(lab->lock_fd); /* closing the last fd releases the flock */
    lab->lock_fd = -1;
}

static int save_count;

void lab_test_hook(void)
{
    const char *s = getenv("NSLAB_KILL_AFTER_SAVE");
    if (s && atoi(s) == save_count)
        raise(SIGKILL);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        }
    }
    return 0;
}

int lab_save(const struct lab *lab)
{
    char text[(LAB_MAX_OBJS + 2) * LAB_LINE_MAX], tmp[sizeof(lab->path)];
    int n, len, r, fd;

    if (lab->n > LAB_MAX_OBJS)
        return -ENOSPC;
    len = snprintf(text, sizeof(text), "# what '%s up' created; '%s down' removes it\nowner %s\n",
                   lab->owner, lab->owner, lab->owner);
    for (int i = 0; i < lab->n; i++) {
        /* Fits: each line is shorter than LAB_LINE_MAX, newline included. */
        if ((n = lab_format_obj(&lab->obj[i], text + len, LAB_LINE_MAX - 1)) < 0)
            return n;
        len += n;
        text[len++] = '\n';
    }
    int dfd = open_state_dir(lab, true, NULL, 0);
    if (dfd < 0)
        return dfd;
    snprintf(tmp, sizeof(tmp), "%s.new", state_name(lab));
    /* A new file, never one that is there: O_EXCL, and O_NOFOLLOW for a link.  A
     * leftover is a save killed before its rename (nobody else writes here): gone. */
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    fd = openat(dfd, tmp, flags, 0644);
    if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
        fd = openat(dfd, tmp, flags, 0644);
    if (fd < 0) {
        r = -errno;
        close(dfd);
        return r;
    }
    /* 0644 whatever the umask: a student reads it without sudo; only we write it. */
    r = fchmod(fd, 0644) < 0 ? -errno : write_all(fd, text, (size_t)len);
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && renameat(dfd, tmp, dfd, state_name(lab)) < 0)
        r = -errno;
    if (r < 0)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    if (r < 0)
        return r;
    save_count++;
    lab_test_hook();
    return 0;
}

int lab_find(const struct lab *lab, enum lab_kind kind, const char *name)
{
    for (int i = 0; i < lab->n; i++)
        if (lab->obj[i].kind == kind && !strcmp(lab->obj[i].name, name))
            return i;
    return -ENOENT;
}

int lab_record(struct lab *lab, enum lab_kind kind, const char *name, const char *netns)
{
    int r;
    if (lab->n >= LAB_MAX_OBJS)
        return -ENOSPC;
    /* What is written must read back: the names the parser takes, no others. */
    if ((r = check_names(kind, name, netns)) < 0)
        return r;
    struct lab_obj *o = &lab->obj[lab->n];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    snprintf(o->name, sizeof(o->name), "%s", name);
    snprintf(o->netns, sizeof(o->netns), "%s", netns ? netns : "-");
    lab->n++;
    if ((r = lab_save(lab)) < 0) {
        lab->n--;
        return r;
    }
    return lab->n - 1;
}

int lab_forget_last(struct lab *lab)
{
    if (lab->n > 0)
        lab->n--;
    return lab_save(lab);
}

int lab_confirm(struct lab *lab, int i, uint64_t id, uint64_t id2)
{
    if (i < 0 || i >= lab->n)
        return -EINVAL;
    lab->obj[i].id = id;
    lab->obj[i].id2 = id2;
    return lab_save(lab);
}

int lab_netns_check(const struct lab *lab, const char *name)
{
    uint64_t ino;
    /* Only a plain name stays inside /run/netns. */
    if (!netns_name_ok(name))
        return -EINVAL;
    int i = lab_find(lab, LAB_NETNS, name);
    if (i < 0)
        return -ESTALE;
    int r = netns_inode(name, &ino);
    if (r == -ENOENT)
        return r;
    /* Not recorded yet: `up` was stopped between creating it and writing its inode.
     * The name was free when we recorded it, so what is there is ours: the namespace,
     * or the bare mount point of a half-made one (-EINVAL). */
    if (lab->obj[i].id == 0)
        return r == 0 || r == -EINVAL ? 0 : r;
    if (r < 0)
        return r;
    if (ino != lab->obj[i].id)
        return -ESTALE;
    /* Same inode can still be another namespace: the kernel reuses inode numbers. */
    uint64_t cookie;
    if ((r = netns_cookie(name, &cookie)) < 0)
        return r;
    return cookie == lab->obj[i].id2 ? 0 : -ESTALE;
}

static int undo_link(struct lab *lab, const struct lab_obj *o)
{
    struct nl nl;
    char buf[NL_BUFSIZE];
    int back, r;
    /* The link lives in a lab namespace; gone with it when that is gone. */
    r = lab_netns_check(lab, o->netns);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    if ((r = netns_enter(o->netns, &back)) < 0)
        return r == -ENOENT ? 0 : r;
    r = nl_open(&nl);
    int rl = netns_leave(back);
    if (r < 0)
        return r;
    if (rl < 0) {
        nl_close(&nl);
        return rl;
    }
    r = nl_request(&nl, nl_msg_link_del(buf, o->name));
    nl_close(&nl);
    return r == -ENODEV ? 0 : r;
}

/* Is another process in one of the lab's namespaces?  Looked up once (a scan of every
 * thread of the machine); returns the namespace's name, NULL when nobody is in. */
static const char *lab_netns_busy(struct lab *lab)
{
    if (lab->busy == -1) {
        uint64_t ino[LAB_MAX_OBJS] = {0};
        int idx[LAB_MAX_OBJS] = {0}, n = 0;
        for (int i = 0; i < lab->n; i++)
            /* An unconfirmed namespace (id 0) may not exist; nobody can be in it then. */
            if (lab->obj[i].kind == LAB_NETNS && lab->obj[i].id) {
                idx[n] = i;
                ino[n++] = lab->obj[i].id;
            }
        int k = netns_users(ino, n, &lab->busy_pid);
        lab->busy = k < 0 ? LAB_NOBODY_INSIDE : idx[k];
    }
    return lab->busy >= 0 ? lab->obj[lab->busy].name : NULL;
}

/* The lab's directory, LAB_STATE_DIR/NAME of its LAB_DIR object, into buf; -ENOENT
 * when it has none. */
static int lab_dir(const struct lab *lab, char *buf, size_t size)
{
    for (int i = 0; i < lab->n; i++)
        if (lab->obj[i].kind == LAB_DIR) {
            int n = snprintf(buf, size, "%s/%s", lab->dir, lab->obj[i].name);
            return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
        }
    return -ENOENT;
}

/* The lab's own directory name in its state directory, opened as open_trusted does:
 * -ENOENT when there is none. */
static int open_lab_dir(const struct lab *lab, const char *name, char *why, size_t size)
{
    char path[192];
    int sfd = open_state_dir(lab, false, why, size);
    if (sfd < 0)
        return sfd;
    snprintf(path, sizeof(path), "%s/%s", lab->dir, name);
    int fd = open_trusted(sfd, name, path, why, size);
    close(sfd);
    return fd;
}

int lab_dir_add(struct lab *lab, const char *name)
{
    char path[192];
    struct stat st;
    int i, r;
    lab->why[0] = '\0';
    if (!plain_name_ok(name))
        return -EINVAL;
    int sfd = open_state_dir(lab, true, lab->why, sizeof(lab->why));
    if (sfd < 0)
        return sfd;
    snprintf(path, sizeof(path), "%s/%s", lab->dir, name);
    /* Taken: not ours to fill, nor to remove at down. */
    if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        r = -EEXIST;
    else if ((i = lab_record(lab, LAB_DIR, name, NULL)) < 0)
        r = i;
    else if (mkdirat(sfd, name, 0755) < 0) {
        r = -errno;
        lab_forget_last(lab);
    } else if ((r = open_trusted(sfd, name, path, lab->why, sizeof(lab->why))) >= 0) {
        close(r);
        r = i;
    }
    close(sfd);
    return r;
}

/* What /proc/PID/stat says of a process: its command name (the kernel keeps 15
 * bytes), its state letter, its start time (field 22, clock ticks since boot).
 * -ESRCH when there is no such process. */
static int proc_stat(pid_t pid, char *comm, size_t size, char *state, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (procfs_read(path, buf, sizeof(buf)) < 0)
        return -ESRCH;
    /* The command name may hold spaces and parentheses: it ends at the last ')'. */
    char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
    unsigned long long t;
    if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ' || !close_p[2])
        return -ESRCH;
    if (sscanf(close_p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
               "%*d %*d %llu",
               &t) != 1)
        return -ESRCH;
    snprintf(comm, size, "%.*s", (int)(close_p - open_p - 1), open_p + 1);
    *state = close_p[2];
    *start = t;
    return 0;
}

/* The start time of a live process, 0 when there is none: gone, or a zombie (a daemon
 * we stopped waits for PID 1 to reap it, which may take seconds; it holds nothing). */
uint64_t lab_proc_start_time(pid_t pid)
{
    char comm[32], state;
    uint64_t t;
    if (proc_stat(pid, comm, sizeof(comm), &state, &t) < 0 || state == 'Z' || state == 'X')
        return 0;
    return t;
}

/* A process the lab started, as far as the lab knows it: its pid, command name, and
 * its start time or the inode of the network namespace it runs in (or both). */
struct proc_id {
    pid_t pid;
    const char *comm;
    uint64_t start, netns_ino;
};

/* Is p->pid still the process p describes, alive (a zombie has ended)?  0 yes (and
 * p->start is now its start time), -ESRCH no. */
static int proc_is(struct proc_id *p)
{
    char comm[32], path[64], state;
    uint64_t t;
    struct stat st;
    if (proc_stat(p->pid, comm, sizeof(comm), &state, &t) < 0 || state == 'Z' || state == 'X' ||
        strncmp(comm, p->comm, 15) != 0 || (p->start && t != p->start))
        return -ESRCH;
    if (p->netns_ino) {
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)p->pid);
        if (stat(path, &st) < 0 || (uint64_t)st.st_ino != p->netns_ino)
            return -ESRCH;
    }
    p->start = t;
    return 0;
}

int lab_proc_check(pid_t pid, const char *comm, uint64_t start)
{
    struct proc_id p = {.pid = pid, .comm = comm, .start = start};
    return pid <= 1 ? -ESRCH : proc_is(&p);
}

int lab_confirm_proc(struct lab *lab, int i, pid_t pid)
{
    if (pid <= 1 || pid > LAB_PID_MAX)
        return -ESRCH;
    uint64_t t = lab_proc_start_time(pid);
    if (t == 0)
        return -ESRCH;
    return lab_confirm(lab, i, (uint64_t)pid, t);
}

static int sys_pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
}

/* Makes sure p->pid is the process p describes and holds on to it: a pidfd names one
 * process and never another, even once its pid is reused.  It is opened first; /proc
 * is read next; then a signal 0 through it proves the process it names still lives,
 * so what /proc showed was that process (a pid is not reused while its process
 * lives).  *pfd gets the pidfd, or -1 on a kernel without pidfds (before 5.3): then
 * every signal is sent by pid right after checking again.  0, -ESRCH (gone, or not
 * the one), or -errno. */
static int proc_identify(struct proc_id *p, int *pfd)
{
    *pfd = -1;
    if (p->pid <= 1 || p->pid > LAB_PID_MAX)
        return -ESRCH;
    int fd = sys_pidfd_open(p->pid);
    /* EINVAL: a thread's id, not a process's: not one we started. */
    if (fd < 0 && errno != ENOSYS)
        return errno == ESRCH || errno == EINVAL ? -ESRCH : -errno;
    int r = proc_is(p);
    if (r == 0 && fd >= 0 && sys_pidfd_send_signal(fd, 0) < 0)
        r = -errno;
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        return r;
    }
    *pfd = fd;
    return 0;
}

static int proc_signal(int pfd, struct proc_id *p, int sig)
{
    if (pfd >= 0)
        return sys_pidfd_send_signal(pfd, sig) < 0 ? -errno : 0;
    if (proc_is(p) < 0)
        return -ESRCH;
    return kill(p->pid, sig) < 0 ? -errno : 0;
}

/* Waits up to ms for the process to end (a zombie has ended: it is not our child,
 * and its parent may take a while to reap it).  0, -ETIMEDOUT, or -errno. */
static int proc_wait_gone(int pfd, struct proc_id *p, int ms)
{
    if (pfd >= 0) {
        /* A pidfd polls readable once its process has exited. */
        struct pollfd pf = {.fd = pfd, .events = POLLIN};
        int n;
        while ((n = poll(&pf, 1, ms)) < 0 && errno == EINTR)
            ;
        return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
    }
    for (int i = 0; i < ms * 2; i++) {
        if (proc_is(p) < 0)
            return 0;
        nanosleep(&(struct timespec){0, 500 * 1000}, NULL);
    }
    return -ETIMEDOUT;
}

/* SIGTERM, up to a second's wait, and SIGKILL if it is still there; then closes pfd.
 * name (when not NULL) is what the narration calls it. */
static int proc_stop(int pfd, struct proc_id *p, const char *name)
{
    char shell[48];
    if (name) {
        snprintf(shell, sizeof(shell), "kill %d", (int)p->pid);
        if (pfd >= 0)
            narrate_op(shell, "pidfd_open(%d), pidfd_send_signal(SIGTERM) (%s)", (int)p->pid, name);
        else
            narrate_op(shell, "kill(%d, SIGTERM) (%s)", (int)p->pid, name);
    }
    int r = proc_signal(pfd, p, SIGTERM);
    if (r == 0 && (r = proc_wait_gone(pfd, p, 1000)) == -ETIMEDOUT) {
        /* Still running, and still the same process: its pidfd, or, without one,
         * proc_signal looks at its start time again. */
        if (name) {
            snprintf(shell, sizeof(shell), "kill -KILL %d", (int)p->pid);
            narrate_op(shell, "%s(SIGKILL) (%s did not end on SIGTERM)",
                       pfd >= 0 ? "pidfd_send_signal" : "kill", name);
        }
        if ((r = proc_signal(pfd, p, SIGKILL)) == 0)
            r = proc_wait_gone(pfd, p, 1000);
    }
    if (pfd >= 0)
        close(pfd);
    return r == -ESRCH ? 0 : r;
}

int lab_proc_stop(pid_t pid, const char *comm, uint64_t start, uint64_t netns_ino)
{
    struct proc_id p = {.pid = pid, .comm = comm, .start = start, .netns_ino = netns_ino};
    int pfd;
    /* A name alone is not an identity: a recycled pid may run the same program. */
    if (!start && !netns_ino)
        return -EINVAL;
    int r = proc_identify(&p, &pfd);
    if (r < 0)
        return r == -ESRCH ? 0 : r;
    r = proc_stop(pfd, &p, NULL);
    return r < 0 ? r : 1;
}

/* "dhclient.br0" -> "dhclient": the command name a process object runs under. */
static void proc_comm(const struct lab_obj *o, char *comm, size_t size)
{
    snprintf(comm, size, "%s", o->name);
    comm[strcspn(comm, ".")] = '\0';
}

/* The pid in <name>.pid of the lab's own directory: 0 when there is none (yet), -errno
 * when the directory is not to be trusted. */
static int proc_from_pidfile(const struct lab *lab, const struct lab_obj *o, pid_t *pid)
{
    char name[LAB_NAME_MAX + 8], text[32];
    uint64_t v;
    *pid = 0;
    int i = 0;
    while (i < lab->n && lab->obj[i].kind != LAB_DIR)
        i++;
    if (i == lab->n)
        return 0;
    int dfd = open_lab_dir(lab, lab->obj[i].name, NULL, 0);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    snprintf(name, sizeof(name), "%s.pid", o->name);
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int r = fd < 0 ? -errno : 0;
    close(dfd);
    if (r < 0)
        return r == -ENOENT ? 0 : r;
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    /* "4242\n"; anything else is a file still being written, or not a pid file. */
    if (n > 1 && text[n - 1] == '\n') {
        text[n - 1] = '\0';
        if (parse_u64(text, &v) && v > 1 && v <= LAB_PID_MAX)
            *pid = (pid_t)v;
    }
    return 0;
}

static int undo_proc(const struct lab *lab, const struct lab_obj *o, char *shell, size_t size)
{
    char comm[LAB_NAME_MAX];
    struct proc_id p = {.pid = (pid_t)o->id, .comm = comm, .start = o->id2};
    int r, pfd;
    proc_comm(o, comm, sizeof(comm));
    if (o->id == 0) {
        /* Recorded but never confirmed: up was killed while it was starting.  Its pid
         * file may still be on its way: give it a moment (a daemon that never
         * started costs down these 300 ms, a stray one far more). */
        for (int waited_ms = 0; p.pid <= 0 && waited_ms < 300; waited_ms++)
            if ((r = proc_from_pidfile(lab, o, &p.pid)) < 0)
                return r;
            else if (p.pid <= 0)
                nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        char dir[160];
        if (lab_dir(lab, dir, sizeof(dir)) < 0)
            snprintf(dir, sizeof(dir), "?");
        snprintf(shell, size, "kill $(cat %s/%s.pid)", dir, o->name);
        if (p.pid <= 0) {
            narrate_note("%s left no pid file: it never started", o->name);
            return 0;
        }
        /* No start time was recorded: the namespace the lab started it in is what
         * makes it ours, with its name. */
        int i = lab_find(lab, LAB_NETNS, o->netns);
        p.netns_ino = i >= 0 ? lab->obj[i].id : 0;
        if (!p.netns_ino) {
            narrate_note("%s.pid names PID %d, but the lab has no inode of namespace %s to check "
                         "it by: left alone",
                         o->name, (int)p.pid, o->netns);
            return 0;
        }
    }
    snprintf(shell, size, "kill %d", (int)p.pid);
    if ((r = proc_identify(&p, &pfd)) == -ESRCH) {
        narrate_note("PID %d is not the lab's %s any more: nothing to stop", (int)p.pid, o->name);
        return 0;
    }
    return r < 0 ? r : proc_stop(pfd, &p, o->name);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -r of the lab's own directory: depth first, never following a symbolic link
 * nor crossing into another file system; and only when it is ours alone. */
static int undo_dir(const struct lab *lab, const struct lab_obj *o)
{
    char path[192];
    if (!plain_name_ok(o->name))
        return -EINVAL;
    int fd = open_lab_dir(lab, o->name, NULL, 0);
    if (fd < 0)
        return fd == -ENOENT ? 0 : fd;
    close(fd);
    snprintf(path, sizeof(path), "%s/%s", lab->dir, o->name);
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
        return errno ? -errno : -EIO;
    return 0;
}

int lab_undo(struct lab *lab, int i, char *shell, size_t size)
{
    const struct lab_obj *o = &lab->obj[i];
    int r;
    switch (o->kind) {
    case LAB_LINK: {
        const char *busy;
        snprintf(shell, size, "ip -n %s link del %s", o->netns, o->name);
        /* A namespace that nothing uses any more dies when ip netns del drops its
         * mount, and the kernel deletes its links then, in the background.  Deleting
         * a link ourselves makes us wait for that (about 25 ms here), so we do it
         * only when a process still inside would keep the namespace, and the link,
         * alive. */
        if (!(busy = lab_netns_busy(lab))) {
            /* Said once for all the lab's links, when down meets the first. */
            if (!lab->links_noted) {
                char names[256] = "";
                size_t n = 0;
                int links = 0, k2 = 0;
                for (int k = 0; k < lab->n; k++)
                    links += lab->obj[k].kind == LAB_LINK;
                for (int k = 0; k < lab->n; k++)
                    if (lab->obj[k].kind == LAB_LINK && n < sizeof(names)) {
                        const char *sep = k2 == 0 ? "" : k2 == links - 1 ? " and " : ", ";
                        n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", sep,
                                              lab->obj[k].name);
                        k2++;
                    }
                narrate_note("%s %s with the lab's namespaces: no process is left in them, so "
                             "the kernel deletes %s once ip netns del frees them",
                             names, links > 1 ? "go" : "goes", links > 1 ? "them" : "it");
                lab->links_noted = true;
            }
            return 0;
        }
        narrate_op(shell, "RTM_DELLINK %s (in %s; PID %d is still in %s)", o->name, o->netns,
                   (int)lab->busy_pid, busy);
        return undo_link(lab, o);
    }
    case LAB_NETNS:
        snprintf(shell, size, "ip netns del %s", o->name);
        narrate_op(shell, "umount2(%s/%s, MNT_DETACH), unlink", NETNS_RUN_DIR, o->name);
        r = lab_netns_check(lab, o->name);
        if (r == -ENOENT)
            return 0;
        if (r < 0)
            return r;
        r = netns_del(o->name);
        return r == -ENOENT ? 0 : r;
    case LAB_PROC:
        return undo_proc(lab, o, shell, size);
    case LAB_DIR:
        snprintf(shell, size, "rm -r %s/%s", lab->dir, o->name);
        narrate_op(shell, "unlink() its files, rmdir()");
        return undo_dir(lab, o);
    }
    return -EINVAL;
}

int lab_remove_state(struct lab *lab)
{
    int dfd = open_state_dir(lab, false, NULL, 0);
    if (dfd == -ENOENT) {
        lab->n = 0;
        return 0;
    }
    if (dfd < 0)
        return dfd;
    int r = unlinkat(dfd, state_name(lab), 0) < 0 && errno != ENOENT ? -errno : 0;
    close(dfd);
    if (r == 0)
        lab->n = 0;
    return r;
}
