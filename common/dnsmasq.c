/* dnsmasq.c - start, read and stop the lab's dnsmasq. */
#define _GNU_SOURCE
#include "dnsmasq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
     *                          (the article's "3 to 9 seconds" for a first dhclient) */
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
    return r ? -ENOSPC : 0;
}

int dnsmasq_parse_leases(const char *text, struct dnsmasq_lease *leases, size_t max)
{
    int count = 0;
    const char *line = text;

    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 0) {
            char copy[512], mac[32], ip[32], host[64];
            long long expiry;
            if (len >= sizeof(copy))
                return -EINVAL;
            memcpy(copy, line, len);
            copy[len] = '\0';
            if (sscanf(copy, "%lld %31s %31s %63s", &expiry, mac, ip, host) != 4 ||
                strlen(mac) != 17 || strlen(ip) > 15)
                return -EINVAL;
            if ((size_t)count < max) {
                struct dnsmasq_lease *l = &leases[count];
                l->expiry = expiry;
                snprintf(l->mac, sizeof(l->mac), "%s", mac);
                snprintf(l->ip, sizeof(l->ip), "%s", ip);
                snprintf(l->hostname, sizeof(l->hostname), "%s", host);
            }
            count++;
        }
        line += len + (end ? 1 : 0);
    }
    return count;
}

/* Reads a small file into buf; 0 or -errno. */
static int read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n;
    do
        n = read(fd, buf, size - 1);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    return 0;
}

int dnsmasq_pid(const char *dir, pid_t *pid)
{
    char path[512], text[64];
    int r;

    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    if ((r = read_small(path, text, sizeof(text))) < 0)
        return r;
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || v <= 1 || (*end != '\n' && *end != '\0'))
        return -ESRCH;
    /* Never signal a pid that has been reused by something else. */
    snprintf(path, sizeof(path), "/proc/%ld/comm", v);
    if (read_small(path, text, sizeof(text)) < 0 || strcmp(text, "dnsmasq\n") != 0)
        return -ESRCH;
    *pid = (pid_t)v;
    return 0;
}

int dnsmasq_stop(const char *dir)
{
    char path[512];
    pid_t pid;
    int r = dnsmasq_pid(dir, &pid);

    snprintf(path, sizeof(path), "%s/dnsmasq.pid", dir);
    if (r == -ENOENT)
        return 0;
    if (r == 0) {
        if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
            return -errno;
        /* dnsmasq is not our child (it daemonized): poll until it is gone. */
        for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        if (kill(pid, 0) == 0 && kill(pid, SIGKILL) < 0 && errno != ESRCH)
            return -errno;
    }
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}
