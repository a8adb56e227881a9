/* fuzz_dhcp_reply.c - dhcp_parse_reply() on any UDP payload a LAN could deliver.
 *
 * The input is the payload of a datagram to port 68.  It is parsed twice: once as
 * the reply to the exchange it names itself (its own xid and chaddr, so the fuzzer
 * reaches the options at once), and once for another exchange, which must be turned
 * away as not ours (-ENOMSG) or malformed, never accepted.  An accepted reply must
 * hold what dhcpreply.h promises; a refused one must say why.  The same bytes also go
 * through dhcp_parse_ip_udp(), as a packet read from an AF_PACKET socket. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dhcpreply.h"

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_dhcp_reply: %s:%d: broken promise: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Offsets in a BOOTP message (RFC 2131, figure 1). */
enum { OFF_XID = 4, OFF_CHADDR = 28 };

static void check(const uint8_t *data, size_t size, uint32_t xid, const uint8_t mac[6], bool ours)
{
    struct dhcp_reply r;
    const char *why = "unset";
    memset(&r, 0, sizeof(r));
    int ret = dhcp_parse_reply(data, size, xid, mac, &r, &why);
    EXPECT(ret == 0 || ret == -EBADMSG || ret == -ENOMSG || ret == -EINVAL);
    EXPECT(dhcp_type_name(r.type) != NULL);
    if (ret < 0) {
        EXPECT(why != NULL && strlen(why) > 0);
        return;
    }
    EXPECT(ours);
    EXPECT(r.type == DHCPOFFER || r.type == DHCPACK || r.type == DHCPNAK);
    EXPECT(r.xid == xid);
    EXPECT(r.n_dns >= 0 && r.n_dns <= DHCP_MAX_DNS);
    EXPECT(r.server.s_addr != 0);
    if (r.type == DHCPNAK)
        return;
    uint32_t yi = ntohl(r.yiaddr.s_addr);
    EXPECT(yi != 0 && yi != 0xffffffffu);
    EXPECT(r.prefix >= 1 && r.prefix <= 32 && dhcp_mask_to_prefix(r.mask) == r.prefix);
    EXPECT(r.lease_time != 0);
    uint32_t m = ntohl(r.mask.s_addr), gw = ntohl(r.router.s_addr);
    if (r.prefix <= 30)
        EXPECT((yi & ~m) != 0 && (yi & ~m) != ~m);
    if (gw != 0)
        EXPECT((gw & m) == (yi & m) && gw != yi);
}

/* Both parses of one payload: as the reply to the exchange it names, and to another. */
static void check_both(const uint8_t *data, size_t size)
{
    uint32_t xid = 0x1a2b3c4du;
    uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
    if (size >= OFF_CHADDR + 6) {
        uint32_t x;
        memcpy(&x, data + OFF_XID, 4);
        xid = ntohl(x);
        memcpy(mac, data + OFF_CHADDR, 6);
    }
    check(data, size, xid, mac, true);
    check(data, size, xid ^ 0x80000000u, mac, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_both(data, size);

    const uint8_t *payload = NULL;
    size_t plen = 0;
    const char *why = NULL;
    int ret = dhcp_parse_ip_udp(data, size, &payload, &plen, &why);
    EXPECT(ret == 0 || ret == -EBADMSG || ret == -ENOMSG);
    if (ret < 0) {
        EXPECT(why != NULL);
        return 0;
    }
    /* The payload lies inside the packet, after at least the two headers. */
    EXPECT(payload >= data + 28 && payload + plen <= data + size);
    check_both(payload, plen);
    return 0;
}
