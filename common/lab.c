/* lab.c - the state file of a lab, and undoing what it lists. */
#define _GNU_SOURCE
#include "lab.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "narrate.h"
#include "netns.h"
#include "nl.h"

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

int lab_parse_obj(const char *line, struct lab_obj *o)
{
    char kind[16], name[LAB_NAME_MAX], netns[LAB_NAME_MAX], extra[2];
    uint64_t id = 0, id2 = 0;
    memset(o, 0, sizeof(*o));
    /* %63s: the buffers are LAB_NAME_MAX (64) bytes; a longer name is corruption. */
    if (sscanf(line, "%15s", kind) != 1)
        return -EBADMSG;
    if (!strcmp(kind, "netns")) {
        if (sscanf(line, "netns %63s %" SCNu64 " %" SCNu64 " %1s", name, &id, &id2, extra) != 3)
            return -EBADMSG;
        o->kind = LAB_NETNS;
    } else if (!strcmp(kind, "link")) {
        if (sscanf(line, "link %63s %63s %1s", name, netns, extra) != 2)
            return -EBADMSG;
        o->kind = LAB_LINK;
        snprintf(o->netns, sizeof(o->netns), "%s", netns);
    } else if (!strcmp(kind, "proc")) {
        if (sscanf(line, "proc %63s %" SCNu64 " %" SCNu64 " %63s %1s", name, &id, &id2, netns,
                   extra) != 4)
            return -EBADMSG;
        o->kind = LAB_PROC;
        snprintf(o->netns, sizeof(o->netns), "%s", netns);
    } else if (!strcmp(kind, "dir")) {
        if (sscanf(line, "dir %63s %1s", name, extra) != 1 || strchr(name, '/') || name[0] == '.')
            return -EBADMSG;
        o->kind = LAB_DIR;
    } else {
        return -EBADMSG;
    }
    snprintf(o->name, sizeof(o->name), "%s", name);
    o->id = id;
    o->id2 = id2;
    return 0;
}

int lab_open(struct lab *lab, const char *owner, const char *name)
{
    memset(lab, 0, sizeof(*lab));
    lab->lock_fd = -1;
    lab->busy = -1;
    snprintf(lab->owner, sizeof(lab->owner), "%s", owner);
    int n = snprintf(lab->path, sizeof(lab->path), "%s/%s.state", LAB_STATE_DIR, name);
    if (n < 0 || (size_t)n >= sizeof(lab->path))
        return -ENAMETOOLONG;
    FILE *f = fopen(lab->path, "re");
    if (!f)
        return errno == ENOENT ? 0 : -errno;
    char line[256], who[LAB_NAME_MAX] = "";
    int r = 1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        if (sscanf(line, "owner %63s", who) == 1)
            continue;
        if (lab->n >= LAB_MAX_OBJS || lab_parse_obj(line, &lab->obj[lab->n]) < 0) {
            r = -EBADMSG;
            break;
        }
        lab->n++;
    }
    fclose(f);
    if (r > 0 && strcmp(who, owner) != 0)
        r = who[0] ? -EBUSY : -EBADMSG;
    return r;
}

int lab_lock(struct lab *lab)
{
    if (mkdir(LAB_STATE_DIR, 0755) < 0 && errno != EEXIST)
        return -errno;
    lab->lock_fd = open(LAB_STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lab->lock_fd < 0)
        return -errno;
    while (flock(lab->lock_fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = errno;
            close(lab->lock_fd);
            lab->lock_fd = -1;
            return -e;
        }
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

int lab_save(const struct lab *lab)
{
    char tmp[sizeof(lab->path) + 8], line[256];
    if (mkdir(LAB_STATE_DIR, 0755) < 0 && errno != EEXIST)
        return -errno;
    snprintf(tmp, sizeof(tmp), "%s.new", lab->path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    fprintf(f, "# what '%s up' created; '%s down' removes it\nowner %s\n", lab->owner, lab->owner,
            lab->owner);
    for (int i = 0; i < lab->n; i++)
        if (lab_format_obj(&lab->obj[i], line, sizeof(line)) >= 0)
            fprintf(f, "%s\n", line);
    /* fflush before fclose, to see a write error (ENOSPC) there. */
    if (fflush(f) != 0 || ferror(f)) {
        int e = errno;
        fclose(f);
        unlink(tmp);
        return -e;
    }
    if (fclose(f) != 0 || rename(tmp, lab->path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
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
    if (lab->n >= LAB_MAX_OBJS)
        return -ENOSPC;
    if (strlen(name) >= LAB_NAME_MAX || (netns && strlen(netns) >= LAB_NAME_MAX))
        return -ENAMETOOLONG;
    struct lab_obj *o = &lab->obj[lab->n];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    snprintf(o->name, sizeof(o->name), "%s", name);
    snprintf(o->netns, sizeof(o->netns), "%s", netns ? netns : "-");
    lab->n++;
    int r = lab_save(lab);
    if (r < 0) {
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
    lab->obj[i].id = id;
    lab->obj[i].id2 = id2;
    return lab_save(lab);
}

int lab_netns_add(struct lab *lab, const char *name)
{
    char path[256];
    int r, i;
    uint64_t ino, cookie;
    if ((r = netns_path(name, path, sizeof(path))) < 0)
        return r;
    /* Taken: someone else's namespace (or a leftover of another lab); hands off. */
    if (access(path, F_OK) == 0)
        return -EEXIST;
    if ((i = lab_record(lab, LAB_NETNS, name, NULL)) < 0)
        return i;
    if ((r = netns_add(name)) < 0) {
        lab_forget_last(lab);
        return r;
    }
    if ((r = netns_inode(name, &ino)) < 0 || (r = netns_cookie(name, &cookie)) < 0)
        return r;
    return lab_confirm(lab, i, ino, cookie);
}

int lab_netns_check(const struct lab *lab, const char *name)
{
    int i = lab_find(lab, LAB_NETNS, name);
    uint64_t ino;
    if (i < 0)
        return -ESTALE;
    int r = netns_inode(name, &ino);
    if (r == -ENOENT)
        return r;
    /* Not recorded yet: `up` was stopped between creating it and writing its inode.
     * The name was free when we recorded it, so what is there is ours. */
    if (lab->obj[i].id == 0)
        return 0;
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
        uint64_t ino[LAB_MAX_OBJS];
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

/* The start time of a live process (field 22 of /proc/PID/stat), 0 when there is
 * none: gone, or a zombie (a daemon we stopped waits for PID 1 to reap it, and PID 1
 * may take seconds; it holds nothing any more). */
static uint64_t proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Field 22; the command name (field 2) may hold spaces, so count after its ')'. */
    char *p = strrchr(buf, ')');
    unsigned long long t = 0;
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return 0;
    if (sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
               "%*d %*d %llu",
               &t) != 1)
        return 0;
    return t;
}

int lab_proc_check(pid_t pid, const char *comm, uint64_t start)
{
    char path[64], text[64];
    if (pid <= 1)
        return -ESRCH;
    uint64_t t = proc_start_time(pid);
    if (t == 0 || (start && t != start))
        return -ESRCH;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -ESRCH;
    bool ok = fgets(text, sizeof(text), f) != NULL;
    fclose(f);
    if (!ok)
        return -ESRCH;
    text[strcspn(text, "\n")] = '\0';
    /* The kernel keeps 15 bytes of the command name. */
    return strncmp(text, comm, 15) == 0 ? 0 : -ESRCH;
}

int lab_confirm_proc(struct lab *lab, int i, pid_t pid)
{
    uint64_t t = proc_start_time(pid);
    if (t == 0)
        return -ESRCH;
    return lab_confirm(lab, i, (uint64_t)pid, t);
}

int lab_dir(const struct lab *lab, char *buf, size_t size)
{
    for (int i = 0; i < lab->n; i++)
        if (lab->obj[i].kind == LAB_DIR) {
            int n = snprintf(buf, size, "%s/%s", LAB_STATE_DIR, lab->obj[i].name);
            return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
        }
    return -ENOENT;
}

/* "dhclient.br0" -> "dhclient": the command name a process object runs under. */
static void proc_comm(const struct lab_obj *o, char *comm, size_t size)
{
    snprintf(comm, size, "%s", o->name);
    comm[strcspn(comm, ".")] = '\0';
}

/* A process recorded before we knew its pid (up was killed between starting it and
 * confirming it): the pid file it wrote in the lab's directory names it. */
static pid_t proc_from_pidfile(const struct lab *lab, const struct lab_obj *o)
{
    char dir[128], path[256], text[32];
    if (lab_dir(lab, dir, sizeof(dir)) < 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%s.pid", dir, o->name);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    long v = 0;
    if (!fgets(text, sizeof(text), f) || sscanf(text, "%ld", &v) != 1)
        v = 0;
    fclose(f);
    return v > 1 && v < (1L << 22) ? (pid_t)v : 0;
}

static int undo_proc(const struct lab *lab, const struct lab_obj *o)
{
    char comm[LAB_NAME_MAX];
    pid_t pid = (pid_t)o->id;
    uint64_t start = o->id2;
    proc_comm(o, comm, sizeof(comm));
    /* Recorded but never confirmed: up was killed while the daemon was starting.
     * It may still be on its way to writing its pid file: give it a moment (a
     * daemon that never started costs down these 300 ms, a stray one far more). */
    for (int waited_ms = 0; pid <= 0 && waited_ms < 300; waited_ms++) {
        if ((pid = proc_from_pidfile(lab, o)) <= 0)
            nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    }
    if (o->id == 0)
        start = pid > 0 ? proc_start_time(pid) : 0;
    /* A pid can be reused: only the process with the recorded start time and
     * command name is ours. */
    if (pid <= 0 || lab_proc_check(pid, comm, start) < 0)
        return 0;
    if (kill(pid, SIGTERM) < 0)
        return errno == ESRCH ? 0 : -errno;
    /* Not our child (a daemon): poll, finely, until it is gone or a zombie. */
    for (int i = 0; i < 2000; i++) {
        if (proc_start_time(pid) != start)
            return 0;
        nanosleep(&(struct timespec){0, 500 * 1000}, NULL);
    }
    return kill(pid, SIGKILL) < 0 && errno != ESRCH ? -errno : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -r of the lab's own directory: depth first, never following a symbolic link
 * nor crossing into another file system. */
static int undo_dir(const struct lab_obj *o)
{
    char path[128];
    if (!o->name[0] || strchr(o->name, '/') || o->name[0] == '.')
        return -EINVAL;
    snprintf(path, sizeof(path), "%s/%s", LAB_STATE_DIR, o->name);
    if (access(path, F_OK) < 0)
        return errno == ENOENT ? 0 : -errno;
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
            narrate_note("%s goes with its namespace: no process is left in the lab's "
                         "namespaces, so the kernel deletes it once ip netns del frees them",
                         o->name);
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
        snprintf(shell, size, "kill %" PRIu64, o->id);
        if (o->id == 0)
            snprintf(shell, size, "kill $(cat %s.pid)", o->name);
        narrate_op(shell, "kill(%" PRIu64 ", SIGTERM) (%s)", o->id, o->name);
        return undo_proc(lab, o);
    case LAB_DIR:
        snprintf(shell, size, "rm -r %s/%s", LAB_STATE_DIR, o->name);
        narrate_op(shell, "unlink() its files, rmdir()");
        return undo_dir(o);
    }
    return -EINVAL;
}

int lab_remove_state(struct lab *lab)
{
    if (unlink(lab->path) < 0 && errno != ENOENT)
        return -errno;
    lab->n = 0;
    return 0;
}
