/* fuzz_leases.c - dnsmasq_parse_leases() on any text found in dnsmasq's lease file.
 *
 * The file is written by a daemon in the lab's directory, not by us: whatever it
 * holds, the parser must return a count or -EINVAL, and every lease it stores must
 * be a terminated string of the promised shape.  Parsed twice, into room for one
 * lease and for many, the count must not depend on the room. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
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

/* The next space-separated field of line[*i..len) as [*from, *i): false when none. */
static bool field(const char *line, size_t len, size_t *i, size_t *from)
{
    while (*i < len && line[*i] == ' ')
        (*i)++;
    *from = *i;
    while (*i < len && line[*i] != ' ')
        (*i)++;
    return *i > *from;
}

static bool field_is(const char *line, size_t from, size_t to, const char *want)
{
    return to - from == strlen(want) && !memcmp(line + from, want, to - from);
}

/* Whether some line of text says exactly what l holds: its first four fields are the
 * expiry (decimal digits only, the same value), the MAC, the IP and the hostname.  A
 * field cut short, or read past junk, would give a lease no line says. */
static bool some_line_says(const char *text, const struct dnsmasq_lease *l)
{
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line), i = 0, f[4][2];
        bool ok = true;
        for (int k = 0; k < 4 && ok; k++) {
            ok = field(line, len, &i, &f[k][0]);
            f[k][1] = i;
        }
        if (ok) {
            unsigned long long v = 0;
            for (size_t k = f[0][0]; k < f[0][1] && ok; k++) {
                ok = line[k] >= '0' && line[k] <= '9' && v <= (unsigned long long)INT64_MAX / 10;
                v = v * 10 + (unsigned long long)(line[k] - '0');
            }
            if (ok && v == (unsigned long long)l->expiry &&
                field_is(line, f[1][0], f[1][1], l->mac) &&
                field_is(line, f[2][0], f[2][1], l->ip) &&
                field_is(line, f[3][0], f[3][1], l->hostname))
                return true;
        }
        line += len + (nl ? 1 : 0);
    }
    return false;
}

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
        EXPECT(some_line_says(text, l));
    }
    if (n >= 1)
        EXPECT(!strcmp(one->mac, many->mac) && !strcmp(one->ip, many->ip) &&
               one->expiry == many->expiry);
    free(one);
    free(many);
    free(text);
    return 0;
}
