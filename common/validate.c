/* validate.c - names and addresses checked before a network stage creates anything. */
#define _GNU_SOURCE
#include "validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ASCII by hand rather than isalnum(): in another locale than "C", isalnum() takes
 * bytes above 127 for letters, and a name must mean the same to every tool. */
static bool plain_chars(const char *s)
{
    for (; *s; s++)
        if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
            *s != '_' && *s != '.' && *s != '-')
            return false;
    return true;
}

int validate_ifname(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return -EINVAL;
    /* IFNAMSIZ counts the terminating NUL: 15 characters at most. */
    if (len >= IFNAMSIZ)
        return -ENAMETOOLONG;
    /* A leading '-' is an option to the tools a student retypes the narration into
     * (ip link ... dev -x) and to the DHCP clients we run (dhclient -d). */
    if (!strcmp(name, ".") || !strcmp(name, "..") || name[0] == '-' || !plain_chars(name))
        return -EINVAL;
    return 0;
}

int validate_netns_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return -EINVAL;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    /* "all" is taken by `ip netns delete all` and `ip -all netns exec`, which mean
     * every namespace of the machine: the narration of a lab named so would be a
     * command that destroys them all. */
    if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "all") || name[0] == '-' ||
        !plain_chars(name))
        return -EINVAL;
    return 0;
}

/* Defined for any int: a cidr4 filled by hand must not make the shift undefined. */
static uint32_t mask_of(int prefix)
{
    if (prefix <= 0)
        return 0;
    if (prefix >= 32)
        return 0xffffffffu;
    return 0xffffffffu << (32 - prefix);
}

bool validate_u64(const char *s, uint64_t *v)
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

bool validate_unicast_host(uint32_t h)
{
    /* Not a host's address: 0.0.0.0/8 ("this network", a source only while booting,
     * RFC 1122), 127.0.0.0/8 (loopback: the kernel drops it as martian on any other
     * link), 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, RFC 1112) and the
     * broadcast address 255.255.255.255 in it. */
    uint8_t first = (uint8_t)(h >> 24);
    return first != 0 && first != 127 && first < 224;
}

int validate_cidr4(const char *text, struct cidr4 *out)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof(addr))
        return -EINVAL;
    memcpy(addr, text, (size_t)(slash - text));
    addr[slash - text] = '\0';
    /* inet_pton accepts only the dotted quad: no "10.1", no hex, no spaces. */
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1)
        return -EINVAL;
    /* The prefix: one or two decimal digits, no leading zero, and nothing after them
     * (strtol and atoi would stop quietly at "2x" and take it for 2). */
    const char *p = slash + 1;
    size_t n = strspn(p, "0123456789");
    if (n == 0 || n > 2 || p[n] != '\0' || (p[0] == '0' && n > 1))
        return -EINVAL;
    int prefix = n == 1 ? p[0] - '0' : (p[0] - '0') * 10 + (p[1] - '0');
    if (prefix > 32)
        return -EINVAL;
    uint32_t h = ntohl(a.s_addr), m = mask_of(prefix);
    if (!validate_unicast_host(h))
        return -EINVAL;
    /* The network and broadcast addresses name the subnet, not a host on it. */
    if (prefix < 31 && ((h & ~m) == 0 || (h & ~m) == ~m))
        return -EINVAL;
    out->addr = a;
    out->prefix = prefix;
    return 0;
}

struct in_addr cidr4_network(const struct cidr4 *c)
{
    struct in_addr n = {.s_addr = htonl(ntohl(c->addr.s_addr) & mask_of(c->prefix))};
    return n;
}

bool validate_same_subnet(const struct cidr4 *a, const struct cidr4 *b)
{
    return a->prefix == b->prefix && cidr4_network(a).s_addr == cidr4_network(b).s_addr &&
           a->addr.s_addr != b->addr.s_addr;
}

int validate_pool(const char *text, const struct cidr4 *router, struct in_addr *lo,
                  struct in_addr *hi)
{
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN + 4];
    const char *dash = strchr(text, '-');
    if (!dash || (size_t)(dash - text) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
        return -EINVAL;
    memcpy(a, text, (size_t)(dash - text));
    a[dash - text] = '\0';
    strcpy(b, dash + 1);
    /* inet_pton takes the whole string or nothing: no space, '/' or second '-'. */
    struct in_addr l4, h4;
    if (inet_pton(AF_INET, a, &l4) != 1 || inet_pton(AF_INET, b, &h4) != 1 ||
        ntohl(l4.s_addr) > ntohl(h4.s_addr))
        return -EINVAL;
    /* Each end as a host address of the router's subnet. */
    struct cidr4 l, h;
    snprintf(t, sizeof(t), "%s/%d", a, router->prefix);
    if (validate_cidr4(t, &l) < 0 || !validate_same_subnet(router, &l))
        return -ERANGE;
    snprintf(t, sizeof(t), "%s/%d", b, router->prefix);
    if (validate_cidr4(t, &h) < 0 ||
        !(validate_same_subnet(router, &h) || h.addr.s_addr == l.addr.s_addr))
        return -ERANGE;
    uint32_t r = ntohl(router->addr.s_addr);
    if (r >= ntohl(l4.s_addr) && r <= ntohl(h4.s_addr))
        return -ERANGE;
    *lo = l4;
    *hi = h4;
    return 0;
}
