/* fuzz_leases.c - dnsmasq's lease file, as the stage reads it (dnsmasq_parse_leases). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dnsmasq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dnsmasq_lease leases[4];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dnsmasq_parse_leases(text, leases, 4);
    free(text);
    return 0;
}
