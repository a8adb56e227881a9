/* fuzz_nl_addr4.c - nl_parse_addr4 (common/nl.c) on a datagram as the kernel would send it:
 * any bytes, any lengths in them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/nl.h"

static int parse(const void *msg, size_t len, void *out)
{
    return nl_parse_addr4(msg, len, out);
}

/* Every message of the datagram, as the dumps read them (nl_next's bounded walk). */
static void walk(const void *buf, size_t len, void *out, int (*fn)(const void *, size_t, void *))
{
    size_t off = 0, at;
    while (at = off, nl_next(buf, len, &off))
        fn((const char *)buf + at, len - at, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A received buffer is aligned; the fuzzer's may not be. */
    void *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct nl_addr4 out;
    walk(buf, size, &out, parse);
    free(buf);
    return 0;
}
