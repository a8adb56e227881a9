/* validate.h - checks on the names and addresses a user gives a network stage.
 * Each returns 0 or -errno and prints nothing: the stage's main turns a failure
 * into one line and exit status 2 (err_usage).  All run before anything is created. */
#ifndef NSLAB_VALIDATE_H
#define NSLAB_VALIDATE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* An IPv4 address with its prefix length, as in "192.168.5.5/24". */
struct cidr4 {
    struct in_addr addr;
    int prefix; /* 0..32 */
};

/* An interface name the kernel accepts: 1 to IFNAMSIZ-1 (15) bytes, not "." or "..",
 * no '/', ':' or white space (dev_valid_name() in the kernel), and, to stay easy to
 * type, only ASCII letters, digits and "_.-", with no leading '-' (which ip and the
 * DHCP clients would read as an option).  -ENAMETOOLONG when too long, else -EINVAL. */
int validate_ifname(const char *name);

/* A name for /run/netns/NAME that `ip netns` accepts: 1 to NAME_MAX bytes, not "."
 * or "..", no '/'; we also keep to ASCII letters, digits and "_.-" (and no leading
 * '-', which `ip` would read as an option), and refuse "all", which `ip netns delete`
 * takes for every namespace.  -ENAMETOOLONG or -EINVAL. */
int validate_netns_name(const char *name);

/* A number as PRIu64 prints it, for the files the lab reads back: digits only (no
 * sign, no space, no leading zero), and no more than fits.  false for anything else. */
bool validate_u64(const char *s, uint64_t *v);

/* Whether h (host byte order) can be a host's own unicast address: not in 0.0.0.0/8
 * or 127.0.0.0/8 (loopback), nor 224.0.0.0 and above (multicast, reserved, broadcast).
 * The one rule for an address typed on the command line and one a DHCP server names
 * itself by (common/dhcpreply.c), so that a lab the options build can get its lease. */
bool validate_unicast_host(uint32_t h);

/* Parses "A.B.C.D/N" (N from 0 to 32 in decimal, no leading zero; both parts
 * required, nothing before or after, not even a space).  The address must be usable
 * on a host: validate_unicast_host, and not the network's nor (for N < 31) its
 * broadcast address.  -EINVAL otherwise, and *out is left as it was. */
int validate_cidr4(const char *text, struct cidr4 *out);

/* Are a and b in one subnet (same prefix length, same network part) and different
 * addresses?  That is what two ends of one veth need to reach each other through
 * the kernel's connected routes alone. */
bool validate_same_subnet(const struct cidr4 *a, const struct cidr4 *b);

/* A DHCP pool "A-B" for the subnet of router: two host addresses A <= B of its
 * subnet (neither its network nor its broadcast address), the router in neither of
 * them nor between.  -EINVAL when text is not exactly "A-B" (dotted quads, nothing
 * else) with A <= B, -ERANGE when the pool does not fit the router's subnet; *lo and
 * *hi are set only on success. */
int validate_pool(const char *text, const struct cidr4 *router, struct in_addr *lo,
                  struct in_addr *hi);

/* The network address of c, e.g. 192.168.5.0 for 192.168.5.5/24 (a prefix outside
 * 0..32 counts as the nearest end). */
struct in_addr cidr4_network(const struct cidr4 *c);

#endif
