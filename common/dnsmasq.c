/* dnsmasq.c - the lab's dnsmasq as the stages use it: its command line, and what it
 * writes that they read (the lease file and the pid file).  Starting and stopping it
 * is the job of 05-bridge-dhcp/lan.c and the lab's undo. */
#define _GNU_SOURCE
#include "dnsmasq.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "procfs.h"

/* Appends one formatted argument to argv, its text to buf. */
struct argv_builder {
    char *buf;
    size_t size, used;
    char **argv;
    size_t max, n;
};

__attribute__((format(printf, 2, 3))) static int add(struct argv_builder *b, const char *fmt, ...)
{
    if (b->n + 1 >= b->max)
        return -ENOSPC;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(b->buf + b->used, b->size - b->used, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= b->size - b->used)
        return -ENOSPC;
    b->argv[b->n++] = b->buf + b->used;
    b->argv[b->n] = NULL;
    b->used += (size_t)len + 1;
    return 0;
}

int dnsmasq_build_argv(const struct dnsmasq_conf *c, char *buf, size_t size, char *argv[],
                       size_t max)
{
    struct argv_builder b = {.buf = buf, .size = size, .argv = argv, .max = max};
    int r = 0;

    if (!c->ifname || !c->range_start || !c->range_end || !c->netmask || !c->router || !c->dir ||
        !c->lease_secs)
        return -EINVAL;
    if (max == 0)
        return -ENOSPC;
    argv[0] = NULL;
    /* Each option is the reason it is here:
     *  --conf-file=/dev/null   the machine's /etc/dnsmasq.conf must not change the lab
     *  --port=0                no DNS server unless asked: the lab needs only DHCP
     *  --bind-interfaces       listen on the LAN interface alone
     *  --dhcp-authoritative    the only server on this LAN: answer at once, NAK strangers
     *  --log-dhcp              the whole exchange in the log, for the student to read
     *  --no-ping               before it first offers an address, dnsmasq pings it and waits
     *                          up to 3 s for an answer (PING_WAIT in its config.h), in case a
     *                          host holds it without a lease; on a LAN the lab has just built
     *                          nobody can, and the wait would be most of the time to a lease
     *                          (3 to 9 s for dhclient's first lease, as measured while
     *                          this course was written; the article gives no timing) */
    r |= add(&b, "dnsmasq");
    r |= add(&b, "--conf-file=/dev/null");
    r |= add(&b, "--port=0");
    r |= add(&b, "--interface=%s", c->ifname);
    r |= add(&b, "--bind-interfaces");
    r |= add(&b, "--except-interface=lo");
    r |= add(&b, "--dhcp-authoritative");
    r |= add(&b, "--dhcp-range=%s,%s,%s,%u", c->range_start, c->range_end, c->netmask,
             c->lease_secs);
    r |= add(&b, "--dhcp-option=option:router,%s", c->router);
    if (c->dns)
        r |= add(&b, "--dhcp-option=option:dns-server,%s", c->dns);
    r |= add(&b, "--dhcp-leasefile=%s/dnsmasq.leases", c->dir);
    r |= add(&b, "--pid-file=%s/dnsmasq.pid", c->dir);
    r |= add(&b, "--log-facility=%s/dnsmasq.log", c->dir);
    r |= add(&b, "--log-dhcp");
    r |= add(&b, "--no-ping");
    if (c->rapid_commit)
        r |= add(&b, "--dhcp-rapid-commit");
    /* dnsmasq drops root after startup: to user nobody and group dip by default.  In a
     * user namespace that does not map them (the keeper's of -U maps root alone),
     * nobody is no user at all (setuid fails), and where setgroups() is denied any
     * group change fails: it stays root there (--user=root), which outside is whoever
     * made the namespace, and changes no group (an empty --group=). */
    if (c->stay_root) {
        r |= add(&b, "--user=root");
        r |= add(&b, "--group=");
    }
    return r ? -ENOSPC : 0;
}

int dnsmasq_can_drop(void)
{
    const struct passwd *pw = getpwnam(DNSMASQ_USER);
    if (!pw)
        return 0;
    uid_t uid = pw->pw_uid;
    const struct group *gr = getgrnam(DNSMASQ_GROUP);
    if (!gr)
        return 0;
    return procfs_can_drop_to("/proc/self", uid, gr->gr_gid) == 1;
}

/* Copies the next space-separated field of line[*i..len) into out and moves *i past
 * it; false when there is none, or when it does not fit in size (a field cut short
 * would be read as another value: the line is skipped instead). */
static bool next_field(const char *line, size_t len, size_t *i, char *out, size_t size)
{
    while (*i < len && line[*i] == ' ')
        (*i)++;
    size_t from = *i;
    while (*i < len && line[*i] != ' ')
        (*i)++;
    size_t n = *i - from;
    if (n == 0 || n >= size)
        return false;
    memcpy(out, line + from, n);
    out[n] = '\0';
    return true;
}

/* "de:ad:be:ef:00:01": an Ethernet address, as dnsmasq writes it (lower-case hex). */
static bool is_mac(const char *s)
{
    if (strlen(s) != 17)
        return false;
    for (int i = 0; i < 17; i++)
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* One line: "<expiry> <mac> <ip> <hostname> <client-id>".  Only the first four fields
 * are read, in place: the client identifier (hex, up to 255 bytes of it) can make a
 * line of 800 bytes, and a line is never copied whole. */
static bool parse_lease(const char *line, size_t len, struct dnsmasq_lease *l)
{
    char expiry[24], mac[24], ip[24], *end;
    struct in_addr a;
    size_t i = 0;
    if (!next_field(line, len, &i, expiry, sizeof(expiry)) ||
        !next_field(line, len, &i, mac, sizeof(mac)) ||
        !next_field(line, len, &i, ip, sizeof(ip)) ||
        !next_field(line, len, &i, l->hostname, sizeof(l->hostname)))
        return false;
    /* Decimal digits only, as dnsmasq writes it: strtoll alone would also take leading
     * white space and a sign. */
    if (strspn(expiry, "0123456789") != strlen(expiry))
        return false;
    errno = 0;
    l->expiry = strtoll(expiry, &end, 10);
    /* A client that is not on Ethernet ("06-..." for token ring) has no MAC to show. */
    if (errno || *end || end == expiry || !is_mac(mac) || inet_pton(AF_INET, ip, &a) != 1)
        return false;
    snprintf(l->mac, sizeof(l->mac), "%.17s", mac);
    snprintf(l->ip, sizeof(l->ip), "%.15s", ip);
    return true;
}

int dnsmasq_parse_leases(const char *text, struct dnsmasq_lease *leases, size_t max)
{
    int count = 0, skipped = 0;
    const char *line = text;

    /* A line we cannot use is skipped: one odd client never hides the others. */
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        struct dnsmasq_lease l;
        if (len > 0 && parse_lease(line, len, &l)) {
            if ((size_t)count < max)
                leases[count] = l;
            count++;
        } else if (len > 0) {
            skipped++;
        }
        line += len + (end ? 1 : 0);
    }
    return count == 0 && skipped > 0 ? -EINVAL : count;
}

int dnsmasq_read_leases(const char *dir, struct dnsmasq_lease *leases, size_t max)
{
    char path[300], text[8192];
    snprintf(path, sizeof(path), "%s/dnsmasq.leases", dir);
    FILE *f = fopen(path, "re");
    size_t len = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[len] = '\0';
    return dnsmasq_parse_leases(text, leases, max);
}

/* The pid in dir/dnsmasq.pid, unchecked: 0, -errno, or -ESRCH for no number. */
static int read_pid(const char *dir, pid_t *pid)
{
    char path[512], text[64], *end;
    int r;

    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    if ((r = procfs_read(path, text, sizeof(text))) < 0)
        return r;
    long v = strtol(text, &end, 10);
    if (end == text || v <= 1 || v > INT32_MAX || (*end != '\n' && *end != '\0'))
        return -ESRCH;
    *pid = (pid_t)v;
    return 0;
}

int dnsmasq_pid(const char *dir, pid_t *pid)
{
    pid_t v;
    int r = read_pid(dir, &v);
    if (r < 0)
        return r;
    /* Never signal a pid that has been reused by something else, nor a zombie. */
    if (proc_check(v, "dnsmasq", 0) < 0)
        return -ESRCH;
    *pid = v;
    return 0;
}
