/* fuzz_nl_ack.c - nl_parse_ack (common/nl.c) on a datagram as the kernel would send it:
 * any bytes, any lengths in them. */
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
    char text[256];
    /* Every sequence number a reply may carry is as likely: take it from the input. */
    uint32_t seq = size >= 12 ? ((const uint32_t *)buf)[2] : 0;
    nl_parse_ack(buf, size, seq, text, sizeof(text));
    free(buf);
    return 0;
}
