/* dnsmasq.h - the simulated LAN's DHCP server: start, read its leases, stop.
 *
 * Stage 05's LAN namespace runs a real dnsmasq, so the DHCP exchange a student sees
 * is the one a real network would have.  It runs with no configuration file of the
 * machine's (--conf-file=/dev/null), DNS off unless asked (--port=0), and its pid,
 * lease and log files in the lab's own runtime directory, never the system's.
 */
#ifndef NSLAB_DNSMASQ_H
#define NSLAB_DNSMASQ_H

#include <stddef.h>
#include <sys/types.h>

struct dnsmasq_conf {
    const char *ifname;      /* the interface to serve, e.g. "lan0" */
    const char *range_start; /* the pool, e.g. "192.168.3.100" */
    const char *range_end;   /*            "192.168.3.199" */
    const char *netmask;     /* "255.255.255.0" */
    const char *router;      /* offered as the default router (option 3) */
    const char *dns;         /* offered as DNS server (option 6), or NULL for none */
    unsigned lease_secs;     /* lease time offered */
    const char *dir;         /* runtime directory for dnsmasq.{pid,leases,log} */
    int rapid_commit;        /* answer a DISCOVER carrying option 80 with an ACK (RFC 4039) */
    int stay_root;           /* it cannot drop root here (dnsmasq_can_drop): --user=root */
};

/* Fills argv (NULL-terminated, at most max entries) with the dnsmasq command line
 * for conf; the strings are written into buf.  0, -EINVAL for a missing field,
 * -ENOSPC when buf or argv is too small. */
int dnsmasq_build_argv(const struct dnsmasq_conf *conf, char *buf, size_t size, char *argv[],
                       size_t max);

/* dnsmasq drops root once it listens: to user nobody (setuid), and to group dip
 * after setgroups(0) removes the supplementary ones.  In a user namespace that is
 * possible only when both IDs are mapped there and setgroups() is allowed: not under
 * -U (the keeper maps root alone), nor as root of `unshare --user --map-root-user`.
 * Where it cannot, the stage makes it stay root (root of the namespace, the student
 * outside) and change no group. */
#define DNSMASQ_USER  "nobody"
#define DNSMASQ_GROUP "dip"

/* procfs_can_drop_to (procfs.h) for the calling process and dnsmasq's own user and group
 * (DNSMASQ_USER, DNSMASQ_GROUP, as this machine's passwd and group files number
 * them): 1, or 0 also when one is not there or a file cannot be read - staying root
 * always works, a failed drop stops dnsmasq. */
int dnsmasq_can_drop(void);

/* One line of dnsmasq's lease file: "<expiry> <mac> <ip> <hostname> <client-id>". */
struct dnsmasq_lease {
    long long expiry;
    char mac[18];
    char ip[16];
    char hostname[64];
};

/* Parses a lease file's text; stores up to max leases and returns how many there are.
 * A line it cannot use (garbled, or a client that is not on Ethernet) is skipped, a
 * host name too long for the struct is shortened, and a long line (a client's 255-byte
 * identifier) is read as far as its fourth field: the good leases are never lost.
 * -EINVAL when the text has lines and not one of them is a lease. */
int dnsmasq_parse_leases(const char *text, struct dnsmasq_lease *leases, size_t max);

/* Reads dir/dnsmasq.leases, the one place the lease file is read, and parses it as
 * dnsmasq_parse_leases does: how many leases (0 when the file is not there yet). */
int dnsmasq_read_leases(const char *dir, struct dnsmasq_lease *leases, size_t max);

/* The pid in dir/dnsmasq.pid, if that process is still a live dnsmasq (proc_check:
 * its command name, and not a zombie; a recycled pid is never signalled).  0, -ENOENT
 * when there is no pid file, -ESRCH when the process is gone or is something else. */
int dnsmasq_pid(const char *dir, pid_t *pid);

#endif
