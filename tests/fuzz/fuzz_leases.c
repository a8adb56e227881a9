/* fuzz_leases.c - dnsmasq_parse_leases() on any text found in dnsmasq's lease file.
 *
 * The file is written by a daemon in the lab's directory, not by us: whatever it
 * holds, the parser must return a count or -EINVAL, and every lease it stores must
 * be a terminated string of the promised shape.  Parsed twice, into room for one
 * lease and for many, the count must not depend on the room. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dnsmasq.h"

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_leases: %s:%d: broken promise: %s\n", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define ROOM 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* Heap arrays of exactly their size: ASan catches a lease written past them. */
    struct dnsmasq_lease *one = malloc(sizeof(*one));
    struct dnsmasq_lease *many = malloc(ROOM * sizeof(*many));
    if (!one || !many) {
        free(one);
        free(many);
        free(text);
        return 0;
    }
    memset(many, 0x5a, ROOM * sizeof(*many));
    int n1 = dnsmasq_parse_leases(text, one, 1);
    int n = dnsmasq_parse_leases(text, many, ROOM);
    EXPECT(n == n1);
    EXPECT(n >= 0 || n == -EINVAL);
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n' || p[1] == '\0';
    EXPECT(n <= lines);
    for (int i = 0; i < n && i < ROOM; i++) {
        const struct dnsmasq_lease *l = &many[i];
        EXPECT(memchr(l->mac, '\0', sizeof(l->mac)) && strlen(l->mac) == 17);
        EXPECT(memchr(l->ip, '\0', sizeof(l->ip)) && strlen(l->ip) > 0);
        EXPECT(memchr(l->hostname, '\0', sizeof(l->hostname)) && strlen(l->hostname) > 0);
    }
    if (n >= 1)
        EXPECT(!strcmp(one->mac, many->mac) && !strcmp(one->ip, many->ip) &&
               one->expiry == many->expiry);
    free(one);
    free(many);
    free(text);
    return 0;
}
