/* fuzz_validate.c - the option validators of validate.h on any text a user may type.
 *
 * Beyond not crashing, each validator must keep what its header promises, checked
 * here on every input it accepts: a name has only the allowed bytes and length, an
 * accepted address is written exactly as inet_ntop and "%d" would write it back (so
 * nothing can follow the prefix), a pool is two host addresses of the router's
 * subnet around which the router stays outside.  A failure leaves the outputs alone.
 *
 * The input is text: the whole of it goes to every validator; split at its first
 * newline, the first line is a router "A.B.C.D/N" (192.168.3.1/24 when it is not
 * one) and the rest a pool "A-B" for it, and both parts are compared as subnets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/validate.h"

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_validate: %s:%d: broken promise: %s\n", __FILE__, __LINE__,      \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static bool plain(const char *s)
{
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *s))
            return false;
    return true;
}

static void check_names(const char *s)
{
    size_t len = strlen(s);
    int r = validate_ifname(s);
    EXPECT(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
    EXPECT((r == -ENAMETOOLONG) == (len >= IFNAMSIZ));
    if (r == 0)
        EXPECT(len >= 1 && len < IFNAMSIZ && plain(s) && s[0] != '-' && strcmp(s, ".") &&
               strcmp(s, ".."));

    r = validate_netns_name(s);
    EXPECT(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
    EXPECT((r == -ENAMETOOLONG) == (len > NAME_MAX));
    if (r == 0)
        EXPECT(len >= 1 && len <= NAME_MAX && plain(s) && s[0] != '-' && strcmp(s, ".") &&
               strcmp(s, "..") && strcmp(s, "all"));
}

static uint32_t mask(int prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* Parses text as validate_cidr4 does and checks the result; true when accepted. */
static bool check_cidr(const char *text, struct cidr4 *out)
{
    struct cidr4 c = {.addr.s_addr = 0x5a5a5a5a, .prefix = -7};
    int r = validate_cidr4(text, &c);
    EXPECT(r == 0 || r == -EINVAL);
    if (r < 0) {
        EXPECT(c.addr.s_addr == 0x5a5a5a5a && c.prefix == -7);
        return false;
    }
    EXPECT(c.prefix >= 0 && c.prefix <= 32);
    /* Accepted text is canonical: written back, it is the same string. */
    char again[INET_ADDRSTRLEN + 8], addr[INET_ADDRSTRLEN];
    EXPECT(inet_ntop(AF_INET, &c.addr, addr, sizeof(addr)));
    snprintf(again, sizeof(again), "%s/%d", addr, c.prefix);
    EXPECT(!strcmp(again, text));
    uint32_t h = ntohl(c.addr.s_addr), m = mask(c.prefix);
    /* A host's unicast address, as the DHCP client wants the router's (its server
     * identifier): not 0/8, not 127/8, nothing from 224.0.0.0 up (multicast, then the
     * reserved 240/4 and the broadcast address). */
    EXPECT((h >> 24) != 0 && (h >> 24) != 127 && (h >> 24) < 224);
    if (c.prefix < 31)
        EXPECT((h & ~m) != 0 && (h & ~m) != ~m);
    struct in_addr net = cidr4_network(&c);
    EXPECT(ntohl(net.s_addr) == (h & m));
    struct cidr4 n = {.addr = net, .prefix = c.prefix};
    EXPECT(cidr4_network(&n).s_addr == net.s_addr);
    *out = c;
    return true;
}

static void check_pool(const char *text, const struct cidr4 *router)
{
    struct in_addr lo = {.s_addr = 0x5a5a5a5a}, hi = {.s_addr = 0x5a5a5a5a};
    int r = validate_pool(text, router, &lo, &hi);
    EXPECT(r == 0 || r == -EINVAL || r == -ERANGE);
    if (r < 0) {
        EXPECT(lo.s_addr == 0x5a5a5a5a && hi.s_addr == 0x5a5a5a5a);
        return;
    }
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], again[2 * INET_ADDRSTRLEN + 2];
    EXPECT(inet_ntop(AF_INET, &lo, a, sizeof(a)) && inet_ntop(AF_INET, &hi, b, sizeof(b)));
    snprintf(again, sizeof(again), "%s-%s", a, b);
    EXPECT(!strcmp(again, text));
    uint32_t l = ntohl(lo.s_addr), h = ntohl(hi.s_addr), rt = ntohl(router->addr.s_addr);
    uint32_t m = mask(router->prefix);
    EXPECT(l <= h);
    EXPECT((l & m) == (rt & m) && (h & m) == (rt & m));
    EXPECT(rt < l || rt > h);
    if (router->prefix < 31)
        EXPECT((l & ~m) != 0 && (h & ~m) != ~m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct cidr4 whole, router, other;
    check_names(text);
    check_cidr(text, &whole);

    char *nl = strchr(text, '\n');
    const char *rest = "";
    if (nl) {
        *nl = '\0';
        rest = nl + 1;
    }
    bool have_router = check_cidr(text, &router);
    if (!have_router) {
        int r = validate_cidr4("192.168.3.1/24", &router);
        EXPECT(r == 0);
    }
    check_pool(rest, &router);
    if (have_router && check_cidr(rest, &other)) {
        bool ab = validate_same_subnet(&router, &other), ba = validate_same_subnet(&other, &router);
        EXPECT(ab == ba);
        if (router.addr.s_addr == other.addr.s_addr)
            EXPECT(!ab);
        if (ab)
            EXPECT(router.prefix == other.prefix &&
                   cidr4_network(&router).s_addr == cidr4_network(&other).s_addr);
    }
    free(text);
    return 0;
}
