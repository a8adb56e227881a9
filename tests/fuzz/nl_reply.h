/* nl_reply.h - what the fuzz targets of the netlink reply parsers share: a datagram as
 * the kernel would send it (any bytes, any lengths in them), each of its messages
 * handed to one parser of common/nl.c the way the dumps read them (nl_next's bounded
 * walk).  Each fuzz_nl_*.c defines NL_REPLY_PARSE and NL_REPLY_TYPE, then includes
 * this file, which defines LLVMFuzzerTestOneInput. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A received buffer is aligned; the fuzzer's may not be. */
    void *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    NL_REPLY_TYPE out;
    size_t off = 0, at;
    while (at = off, nl_next(buf, size, &off))
        NL_REPLY_PARSE((const char *)buf + at, size - at, &out);
    free(buf);
    return 0;
}
