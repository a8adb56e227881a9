/* fuzz_dhcp_reply.c - a packet as the client's packet socket hands it over: the IP and
 * UDP framing (dhcp_parse_ip_udp), then the DHCP reply inside (dhcp_parse_reply).
 * The xid and MAC the reply must echo are the ones the seeds carry. */
#include <stddef.h>
#include <stdint.h>

#include "../../common/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
    const uint8_t *payload;
    size_t plen;
    const char *why;
    struct dhcp_reply r;

    /* The whole input as a reply, and as a packet around one. */
    dhcp_parse_reply(data, size, 0x1a2b3c4du, mac, &r, &why);
    if (dhcp_parse_ip_udp(data, size, &payload, &plen, &why) == 0)
        dhcp_parse_reply(payload, plen, 0x1a2b3c4du, mac, &r, &why);
    return 0;
}
