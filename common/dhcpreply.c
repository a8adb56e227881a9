/* dhcpreply.c - the checks on a DHCP server's reply and on the IP/UDP packet around it,
 * and the tally of what a client could not use. */
#define _GNU_SOURCE
#include "dhcpreply.h"
#include "validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int dhcp_mask_to_prefix(struct in_addr mask)
{
    uint32_t m = ntohl(mask.s_addr);
    /* Contiguous ones from the top: the inverted mask plus one is a power of two. */
    uint32_t inv = ~m;
    if ((inv & (inv + 1)) != 0)
        return -EINVAL;
    return m ? __builtin_popcount(m) : 0;
}

const char *dhcp_type_name(int type)
{
    static const char *const names[] = {
        [DHCPDISCOVER] = "DHCPDISCOVER", [DHCPOFFER] = "DHCPOFFER",   [DHCPREQUEST] = "DHCPREQUEST",
        [DHCPDECLINE] = "DHCPDECLINE",   [DHCPACK] = "DHCPACK",       [DHCPNAK] = "DHCPNAK",
        [DHCPRELEASE] = "DHCPRELEASE",   [DHCPINFORM] = "DHCPINFORM",
    };
    if (type >= DHCPDISCOVER && type <= DHCPINFORM)
        return names[type];
    return "DHCP?";
}

void dhcp_ignored_add(struct dhcp_ignored *ig, const char *why)
{
    ig->total++;
    for (int i = 0; i < DHCP_IGNORED_REASONS; i++)
        if (!ig->why[i] || ig->why[i] == why) {
            ig->why[i] = why;
            ig->n[i]++;
            return;
        }
    ig->other++;
}

void dhcp_ignored_text(const struct dhcp_ignored *ig, char *text, size_t size)
{
    int len = 0;
    text[0] = '\0';
    for (int i = 0; i < DHCP_IGNORED_REASONS && ig->why[i] && (size_t)len < size; i++)
        len += snprintf(text + len, size - (size_t)len, "%s%s (%ld)", i ? ", " : "", ig->why[i],
                        ig->n[i]);
    if (ig->other && (size_t)len < size)
        snprintf(text + len, size - (size_t)len, ", other reasons (%ld)", ig->other);
}

#define REJECT(err, reason)                                                                        \
    do {                                                                                           \
        *why = (reason);                                                                           \
        return -(err);                                                                             \
    } while (0)

int dhcp_parse_reply(const void *buf, size_t len, uint32_t xid, const uint8_t mac[6],
                     struct dhcp_reply *out, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    *why = NULL;
    memset(out, 0, sizeof(*out));

    /* The header, in the order a packet can go wrong: too short to be DHCP, not a
     * server's reply, not Ethernet, not DHCP (BOOTP without the cookie). */
    if (len < DHCP_OPTIONS_OFF)
        REJECT(EBADMSG, "truncated: shorter than the 240-byte header and magic cookie");
    struct bootp h;
    memcpy(&h, buf, sizeof(h));
    if (h.op != BOOTP_REPLY)
        REJECT(EBADMSG, "not a BOOTREPLY (op is not 2)");
    if (h.htype != BOOTP_HTYPE_ETHER || h.hlen != 6)
        REJECT(EBADMSG, "hardware type or length is not Ethernet's");
    if (ntohl(h.cookie) != DHCP_MAGIC_COOKIE)
        REJECT(EBADMSG, "wrong magic cookie");

    /* Another client's exchange on the same LAN: not an error, not ours either. */
    if (ntohl(h.xid) != xid)
        REJECT(ENOMSG, "foreign xid: a reply to another exchange");
    if (memcmp(h.chaddr, mac, 6) != 0)
        REJECT(ENOMSG, "foreign client hardware address");

    /* Options: code, length, data; PAD has no length, END stops.  Every length is
     * checked against the end of the packet before a byte of data is read. */
    const uint8_t *p = buf;
    bool end = false, has_mask = false, has_lease = false, has_server = false;
    size_t i = DHCP_OPTIONS_OFF;
    while (i < len) {
        uint8_t code = p[i];
        if (code == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END) {
            end = true;
            break;
        }
        if (i + 1 >= len || i + 2 + p[i + 1] > len)
            REJECT(EBADMSG, "an option runs past the end of the packet");
        uint8_t olen = p[i + 1];
        const uint8_t *d = p + i + 2;
        switch (code) {
        case DHCP_OPT_MSG_TYPE:
            if (olen != 1)
                REJECT(EBADMSG, "message type option (53) is not 1 byte long");
            out->type = d[0];
            break;
        case DHCP_OPT_SUBNET_MASK:
            if (olen != 4)
                REJECT(EBADMSG, "subnet mask option (1) is not 4 bytes long");
            memcpy(&out->mask.s_addr, d, 4);
            has_mask = true;
            break;
        case DHCP_OPT_ROUTER:
            if (olen == 0 || olen % 4)
                REJECT(EBADMSG, "router option (3) is not a list of addresses");
            memcpy(&out->router.s_addr, d, 4);
            break;
        case DHCP_OPT_DNS:
            if (olen == 0 || olen % 4)
                REJECT(EBADMSG, "DNS option (6) is not a list of addresses");
            for (int k = 0; k < olen / 4 && out->n_dns < DHCP_MAX_DNS; k++)
                memcpy(&out->dns[out->n_dns++].s_addr, d + 4 * k, 4);
            break;
        case DHCP_OPT_LEASE_TIME:
            if (olen != 4)
                REJECT(EBADMSG, "lease time option (51) is not 4 bytes long");
            memcpy(&out->lease_time, d, 4);
            out->lease_time = ntohl(out->lease_time);
            has_lease = true;
            break;
        case DHCP_OPT_SERVER_ID:
            if (olen != 4)
                REJECT(EBADMSG, "server identifier option (54) is not 4 bytes long");
            memcpy(&out->server.s_addr, d, 4);
            has_server = true;
            break;
        case DHCP_OPT_RAPID_COMMIT:
            if (olen != 0)
                REJECT(EBADMSG, "rapid commit option (80) is not empty");
            out->rapid_commit = true;
            break;
        default: /* an option we did not ask for: skipped */
            break;
        }
        i += 2 + (size_t)olen;
    }
    if (!end)
        REJECT(EBADMSG, "options do not finish with the end option (255)");
    if (out->type == 0)
        REJECT(EBADMSG, "no message type (option 53)");
    if (out->type != DHCPOFFER && out->type != DHCPACK && out->type != DHCPNAK)
        REJECT(EBADMSG, "message type is not a server's (OFFER, ACK or NAK)");

    out->xid = ntohl(h.xid);
    out->yiaddr.s_addr = h.yiaddr;
    out->siaddr.s_addr = h.siaddr;
    if (!has_server)
        REJECT(EINVAL, "no server identifier (option 54)");
    if (!validate_unicast_host(ntohl(out->server.s_addr)))
        REJECT(EINVAL, "server identifier is not a unicast address");
    if (out->type == DHCPNAK)
        return 0;

    /* An OFFER or ACK: everything the caller will configure must make sense, so a
     * bad value is refused here and never half-applied to a link. */
    uint32_t yi = ntohl(h.yiaddr);
    if (yi == 0)
        REJECT(EINVAL, "yiaddr is 0.0.0.0: no address offered");
    if (yi == 0xffffffffu)
        REJECT(EINVAL, "yiaddr is the broadcast address 255.255.255.255");
    if (!validate_unicast_host(yi))
        REJECT(EINVAL, "yiaddr is not a unicast host address");
    if (!has_mask)
        REJECT(EINVAL, "no subnet mask (option 1)");
    out->prefix = dhcp_mask_to_prefix(out->mask);
    if (out->prefix < 0)
        REJECT(EINVAL, "subnet mask is not contiguous ones then zeros");
    if (out->prefix == 0)
        REJECT(EINVAL, "subnet mask is 0.0.0.0");
    uint32_t m = ntohl(out->mask.s_addr);
    /* On a /31 or /32 every address is a host; on a larger subnet the all-zeros
     * and all-ones host parts name the network and its broadcast. */
    if (out->prefix <= 30 && ((yi & ~m) == 0 || (yi & ~m) == ~m))
        REJECT(EINVAL, "yiaddr is the subnet's network or broadcast address");
    if (!has_lease)
        REJECT(EINVAL, "no lease time (option 51)");
    if (out->lease_time == 0)
        REJECT(EINVAL, "lease time is 0 seconds");
    uint32_t gw = ntohl(out->router.s_addr);
    if (gw != 0 && ((gw & m) != (yi & m) || gw == yi))
        REJECT(EINVAL, "router is not another host on the offered subnet");
    return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int dhcp_parse_ip_udp(const void *pkt, size_t len, const uint8_t **payload, size_t *plen,
                      const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    *why = NULL;
    const uint8_t *p = pkt;

    if (len < sizeof(struct iphdr))
        REJECT(EBADMSG, "truncated IP header");
    struct iphdr ip;
    memcpy(&ip, p, sizeof(ip));
    if (ip.version != 4)
        REJECT(EBADMSG, "not IPv4");
    size_t ihl = (size_t)ip.ihl * 4;
    if (ihl < sizeof(struct iphdr) || ihl > len)
        REJECT(EBADMSG, "IP header length is wrong");
    /* The sum over a correct header, its checksum included, is 0. */
    if (ip_checksum(p, ihl) != 0)
        REJECT(EBADMSG, "bad IP header checksum");
    /* A frame may carry Ethernet padding after the datagram: trust tot_len. */
    size_t tot = ntohs(ip.tot_len);
    if (tot < ihl || tot > len)
        REJECT(EBADMSG, "IP total length is wrong");
    if (ip.protocol != IPPROTO_UDP)
        REJECT(ENOMSG, "not UDP");
    if (ntohs(ip.frag_off) & 0x3fff) /* more fragments, or an offset */
        REJECT(ENOMSG, "an IP fragment");
    if (tot - ihl < sizeof(struct udphdr))
        REJECT(EBADMSG, "truncated UDP header");
    struct udphdr udp;
    memcpy(&udp, p + ihl, sizeof(udp));
    if (ntohs(udp.dest) != DHCP_CLIENT_PORT)
        REJECT(ENOMSG, "not to the DHCP client port 68");
    size_t ulen = ntohs(udp.len);
    if (ulen < sizeof(struct udphdr) || ulen > tot - ihl)
        REJECT(EBADMSG, "UDP length is wrong");
    /* The UDP checksum is not checked: on a veth the sender leaves it to offload,
     * so AF_PACKET may see it unfilled.  The DHCP checks that follow are strict. */
    *payload = p + ihl + sizeof(struct udphdr);
    *plen = ulen - sizeof(struct udphdr);
    return 0;
}
