/* validate.c - names and addresses checked before a network stage creates anything. */
#define _GNU_SOURCE
#include "validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool plain_chars(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
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
    if (!strcmp(name, ".") || !strcmp(name, "..") || !plain_chars(name))
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
    if (!strcmp(name, ".") || !strcmp(name, "..") || name[0] == '-' || !plain_chars(name))
        return -EINVAL;
    return 0;
}

static uint32_t mask_of(int prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
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
    const char *p = slash + 1;
    if (!isdigit((unsigned char)p[0]) || (p[0] == '0' && p[1]) || strlen(p) > 2)
        return -EINVAL;
    int prefix = atoi(p);
    if (prefix > 32)
        return -EINVAL;
    uint32_t h = ntohl(a.s_addr), m = mask_of(prefix);
    if (h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
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
    char a[32], b[32], t[48];
    const char *dash = strchr(text, '-');
    if (!dash || dash - text >= (long)sizeof(a) || strlen(dash + 1) >= sizeof(b))
        return -EINVAL;
    snprintf(a, sizeof(a), "%.*s", (int)(dash - text), text);
    snprintf(b, sizeof(b), "%s", dash + 1);
    if (inet_pton(AF_INET, a, lo) != 1 || inet_pton(AF_INET, b, hi) != 1 ||
        ntohl(lo->s_addr) > ntohl(hi->s_addr))
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
    if (r >= ntohl(lo->s_addr) && r <= ntohl(hi->s_addr))
        return -ERANGE;
    return 0;
}
