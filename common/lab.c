/* lab.c - the state file of a lab: its format, reading it, writing it.
 *
 * The state file is input like any other: `down` acts on what it reads (unlinks under
 * /run/netns, signals pids, removes a directory), so every line must be exactly as
 * lab_save writes it, and the directory it lies in must be one nobody else can write. */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "ourdir.h"
#include "proc.h"
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
        if (!validate_u64(f[2], &o->id) || !validate_u64(f[3], &o->id2))
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
        if (!validate_u64(f[2], &o->id) || !validate_u64(f[3], &o->id2))
            return bad(why, size, "bad pid or start time '%.24s %.24s'", f[2], f[3]);
        if (o->id == 1 || o->id > PROC_PID_MAX)
            return bad(why, size, "pid %.24s out of range (2 to %d)", f[2], PROC_PID_MAX);
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

/* The lab's files and directories are trusted when ours alone (common/ourdir.h): our
 * euid's or root's (who could do anything anyway: /run/nslab, for a user who runs a
 * stage without root and is told what fails), and not writable by group or others,
 * who could plant or swap a state or pid file there.  r as ourdir says it, into why
 * for path. */
static int not_ours(int r, const struct stat *st, const char *path, char *why, size_t size)
{
    if (!why)
        return r == -ESTALE ? -EPERM : r;
    if (r == -ELOOP)
        snprintf(why, size, "%s is a symbolic link, not a directory of ours", path);
    else if (r == -ENOTDIR)
        snprintf(why, size, "%s is not a directory", path);
    else if (r == -ESTALE)
        snprintf(why, size, "%s changed while we looked", path);
    else if (r == -EPERM && st->st_uid != geteuid() && st->st_uid != 0)
        snprintf(why, size, "%s belongs to uid %u, neither us (uid %u) nor root", path,
                 (unsigned)st->st_uid, (unsigned)geteuid());
    else if (r == -EPERM)
        snprintf(why, size,
                 "%s may be written by others (mode %04o): 'chmod go-w %s' if it is ours", path,
                 (unsigned)(st->st_mode & 07777), path);
    return r == -ESTALE ? -EPERM : r;
}

/* Opens the directory name (relative to at) for the lab when it is ours alone.  An
 * fd, or -errno with the reason in why.  path is its full name, for why. */
static int open_trusted(int at, const char *name, const char *path, char *why, size_t size)
{
    struct stat st;
    int fd = ourdir_open(at, name, S_IWGRP | S_IWOTH, true, &st);
    return fd >= 0 ? fd : not_ours(fd, &st, path, why, size);
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
        r = not_ours(ourdir_check(&st, S_IWGRP | S_IWOTH, true), &st, lab->path, lab->why,
                     sizeof(lab->why));
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

int lab_open_dir(const struct lab *lab, const char *name)
{
    char path[192];
    if (!plain_name_ok(name))
        return -EINVAL;
    int sfd = open_state_dir(lab, false, NULL, 0);
    if (sfd < 0)
        return sfd;
    snprintf(path, sizeof(path), "%s/%s", lab->dir, name);
    int fd = open_trusted(sfd, name, path, NULL, 0);
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

int lab_confirm_proc(struct lab *lab, int i, pid_t pid)
{
    if (pid <= 1 || pid > PROC_PID_MAX)
        return -ESRCH;
    uint64_t t = proc_start_time(pid);
    if (t == 0)
        return -ESRCH;
    return lab_confirm(lab, i, (uint64_t)pid, t);
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
