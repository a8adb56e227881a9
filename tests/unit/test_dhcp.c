/* test_dhcp.c - the DHCP builders and the checks on every reply field, without a
 * network: each test builds a good reply, breaks one thing, and expects the parser
 * to refuse it with the reason. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#include "../../05-bridge-dhcp/dhcp-client.h"
#include "../../common/narrate.h"
#include "suites.h"

static const uint8_t MAC[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
#define XID 0x1a2b3c4du

/* Our client's DISCOVER (or REQUEST), through the one builder. */
static int discover(uint8_t *b, size_t size, uint16_t secs, bool rapid)
{
    struct dhcp_msg m = {.type = DHCPDISCOVER, .xid = XID, .secs = secs, .rapid_commit = rapid};
    memcpy(m.mac, MAC, 6);
    return dhcp_build(b, size, &m);
}

/* Offsets in a BOOTP message (RFC 2131, figure 1). */
enum { OFF_OP = 0, OFF_HTYPE = 1, OFF_HLEN = 2, OFF_XID = 4, OFF_FLAGS = 10 };
enum { OFF_YIADDR = 16, OFF_CHADDR = 28, OFF_COOKIE = 236, OFF_OPTS = 240 };

/* A server's reply, field by field; a test changes one and builds it. */
struct fake {
    uint8_t type;       /* 0: no option 53 */
    const char *yiaddr; /* dotted quad */
    const char *mask;   /* NULL: no option 1 */
    const char *router; /* NULL: no option 3 */
    const char *server; /* NULL: no option 54 */
    bool has_lease;
    uint32_t lease;
    bool no_end;
};

static struct fake good_offer(void)
{
    return (struct fake){.type = DHCPOFFER,
                         .yiaddr = "192.168.3.248",
                         .mask = "255.255.255.0",
                         .router = "192.168.3.1",
                         .server = "192.168.3.1",
                         .has_lease = true,
                         .lease = 3600};
}

static void put_addr_opt(uint8_t *b, size_t *i, uint8_t code, const char *dotted)
{
    struct in_addr a;
    ck_assert_int_eq(inet_pton(AF_INET, dotted, &a), 1);
    b[(*i)++] = code;
    b[(*i)++] = 4;
    memcpy(b + *i, &a.s_addr, 4);
    *i += 4;
}

/* Writes f as a BOOTREPLY into b (room for DHCP_MSG_MAX); returns its length. */
static size_t build_fake(uint8_t *b, const struct fake *f)
{
    memset(b, 0, DHCP_MSG_MAX);
    b[OFF_OP] = 2;
    b[OFF_HTYPE] = 1;
    b[OFF_HLEN] = 6;
    uint32_t x = htonl(XID);
    memcpy(b + OFF_XID, &x, 4);
    struct in_addr yi;
    ck_assert_int_eq(inet_pton(AF_INET, f->yiaddr, &yi), 1);
    memcpy(b + OFF_YIADDR, &yi.s_addr, 4);
    memcpy(b + OFF_CHADDR, MAC, 6);
    uint32_t cookie = htonl(DHCP_MAGIC_COOKIE);
    memcpy(b + OFF_COOKIE, &cookie, 4);
    size_t i = OFF_OPTS;
    if (f->type) {
        b[i++] = 53;
        b[i++] = 1;
        b[i++] = f->type;
    }
    if (f->server)
        put_addr_opt(b, &i, 54, f->server);
    if (f->mask)
        put_addr_opt(b, &i, 1, f->mask);
    if (f->router)
        put_addr_opt(b, &i, 3, f->router);
    if (f->has_lease) {
        uint32_t l = htonl(f->lease);
        b[i++] = 51;
        b[i++] = 4;
        memcpy(b + i, &l, 4);
        i += 4;
    }
    if (!f->no_end)
        b[i++] = 255;
    return i;
}

static int parse(const uint8_t *b, size_t len, struct dhcp_reply *r, const char **why)
{
    return dhcp_parse_reply(b, len, XID, MAC, r, why);
}

/* Expects the fake f to be refused with err and a reason containing word. */
static void expect_reject(const struct fake *f, int err, const char *word)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why = NULL;
    size_t len = build_fake(b, f);
    ck_assert_int_eq(parse(b, len, &r, &why), err);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strstr(why, word), "reason '%s' lacks '%s'", why, word);
}

/* Finds option code in a built message; returns its data or NULL, length in *olen. */
static const uint8_t *find_opt(const uint8_t *b, size_t len, uint8_t code, int *olen)
{
    size_t i = OFF_OPTS;
    while (i < len && b[i] != 255) {
        if (b[i] == 0) {
            i++;
            continue;
        }
        if (b[i] == code) {
            *olen = b[i + 1];
            return b + i + 2;
        }
        i += 2 + (size_t)b[i + 1];
    }
    return NULL;
}

/* ---- a good reply ---- */

START_TEST(good_offer_parses_every_field)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why = "untouched";
    struct fake f = good_offer();
    size_t n = build_fake(b, &f);
    ck_assert_int_eq(parse(b, n, &r, &why), 0);
    ck_assert_ptr_null(why);
    ck_assert_int_eq(r.type, DHCPOFFER);
    ck_assert_uint_eq(r.xid, XID);
    ck_assert_str_eq(inet_ntoa(r.yiaddr), "192.168.3.248");
    ck_assert_str_eq(inet_ntoa(r.mask), "255.255.255.0");
    ck_assert_int_eq(r.prefix, 24);
    ck_assert_str_eq(inet_ntoa(r.router), "192.168.3.1");
    ck_assert_str_eq(inet_ntoa(r.server), "192.168.3.1");
    ck_assert_uint_eq(r.lease_time, 3600);
    ck_assert_int_eq(r.n_dns, 0);
}
END_TEST

START_TEST(ack_with_dns_pad_and_unknown_options)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    f.type = DHCPACK;
    f.no_end = true;
    size_t i = build_fake(b, &f);
    /* PAD, an option we never asked for (15, domain name), two DNS servers, END */
    b[i++] = 0;
    b[i++] = 15;
    b[i++] = 3;
    memcpy(b + i, "lab", 3);
    i += 3;
    b[i++] = 6;
    b[i++] = 8;
    memcpy(b + i, "\x0a\x00\x00\x35\x0a\x00\x00\x36", 8);
    i += 8;
    b[i++] = 255;
    ck_assert_int_eq(parse(b, i, &r, NULL), 0);
    ck_assert_int_eq(r.type, DHCPACK);
    ck_assert_int_eq(r.n_dns, 2);
    ck_assert_str_eq(inet_ntoa(r.dns[0]), "10.0.0.53");
    ck_assert_str_eq(inet_ntoa(r.dns[1]), "10.0.0.54");
}
END_TEST

START_TEST(rapid_commit_option_parsed_and_checked)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    f.type = DHCPACK;
    f.no_end = true;
    size_t i = build_fake(b, &f);
    ck_assert_int_eq(parse(b, i + 1, &r, NULL), -EBADMSG); /* no END yet: garbage */
    b[i++] = 80;                                           /* RFC 4039: option 80, empty */
    b[i++] = 0;
    b[i++] = 255;
    ck_assert_int_eq(parse(b, i, &r, NULL), 0);
    ck_assert(r.rapid_commit);
    /* option 80 with data is malformed */
    i -= 1; /* over the END: option 80 gets a length of 1 and a byte */
    b[i - 1] = 1;
    b[i++] = 0;
    b[i++] = 255;
    const char *why = NULL;
    ck_assert_int_eq(parse(b, i, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "rapid commit"));
    /* a plain ACK says nothing of it */
    f.no_end = false;
    i = build_fake(b, &f);
    ck_assert_int_eq(parse(b, i, &r, NULL), 0);
    ck_assert(!r.rapid_commit);
}
END_TEST

START_TEST(discover_asks_for_rapid_commit_only_when_told)
{
    uint8_t b[DHCP_MSG_MAX];
    int olen = -1;
    int n = discover(b, sizeof(b), 0, true);
    ck_assert_int_ge(n, DHCP_MIN_LEN);
    ck_assert_ptr_nonnull(find_opt(b, (size_t)n, 80, &olen));
    ck_assert_int_eq(olen, 0);
    n = discover(b, sizeof(b), 0, false);
    ck_assert_ptr_null(find_opt(b, (size_t)n, 80, &olen));
}
END_TEST

START_TEST(nak_needs_only_type_and_server)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = {.type = DHCPNAK, .yiaddr = "0.0.0.0", .server = "192.168.3.1"};
    size_t n = build_fake(b, &f);
    ck_assert_int_eq(parse(b, n, &r, NULL), 0);
    ck_assert_int_eq(r.type, DHCPNAK);
}
END_TEST

START_TEST(no_router_is_fine_and_infinite_lease_accepted)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    f.router = NULL;
    f.lease = DHCP_LEASE_INFINITE;
    size_t n = build_fake(b, &f);
    ck_assert_int_eq(parse(b, n, &r, NULL), 0);
    ck_assert_uint_eq(r.router.s_addr, 0);
    ck_assert_uint_eq(r.lease_time, DHCP_LEASE_INFINITE);
}
END_TEST

START_TEST(trailing_bytes_after_end_are_ignored)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    build_fake(b, &f);
    /* dnsmasq and others pad to 300 bytes or more after END */
    ck_assert_int_eq(parse(b, DHCP_MSG_MAX, &r, NULL), 0);
}
END_TEST

/* ---- malformed: -EBADMSG ---- */

START_TEST(truncated_header_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    build_fake(b, &f);
    ck_assert_int_eq(parse(b, 0, &r, &why), -EBADMSG);
    ck_assert_int_eq(parse(b, 100, &r, &why), -EBADMSG);
    ck_assert_int_eq(parse(b, OFF_OPTS - 1, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "truncated"));
}
END_TEST

START_TEST(truncated_in_the_options_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    /* cut anywhere inside the options: never accepted, never read past len */
    for (size_t cut = OFF_OPTS; cut < len; cut++)
        ck_assert_int_eq(parse(b, cut, &r, &why), -EBADMSG);
}
END_TEST

START_TEST(request_op_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    b[OFF_OP] = 1;
    ck_assert_int_eq(parse(b, len, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "BOOTREPLY"));
}
END_TEST

START_TEST(not_ethernet_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    b[OFF_HLEN] = 16;
    ck_assert_int_eq(parse(b, len, &r, NULL), -EBADMSG);
    b[OFF_HLEN] = 6;
    b[OFF_HTYPE] = 6; /* IEEE 802 */
    ck_assert_int_eq(parse(b, len, &r, NULL), -EBADMSG);
}
END_TEST

START_TEST(wrong_magic_cookie_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    b[OFF_COOKIE + 3] ^= 1;
    ck_assert_int_eq(parse(b, len, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "cookie"));
    /* plain BOOTP: no cookie at all */
    memset(b + OFF_COOKIE, 0, 4);
    ck_assert_int_eq(parse(b, len, &r, &why), -EBADMSG);
}
END_TEST

START_TEST(option_length_past_end_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    f.no_end = true;
    size_t i = build_fake(b, &f);
    /* option 15 claims 200 bytes; the packet ends 3 bytes later */
    b[i++] = 15;
    b[i++] = 200;
    memcpy(b + i, "lab", 3);
    i += 3;
    ck_assert_int_eq(parse(b, i, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "past the end"));
}
END_TEST

START_TEST(option_code_without_length_byte_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    f.no_end = true;
    size_t i = build_fake(b, &f);
    b[i++] = 15; /* the last byte: a code with no length */
    ck_assert_int_eq(parse(b, i, &r, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "past the end"));
}
END_TEST

START_TEST(options_without_end_rejected)
{
    struct fake f = good_offer();
    f.no_end = true;
    expect_reject(&f, -EBADMSG, "end option");
}
END_TEST

START_TEST(missing_message_type_rejected)
{
    struct fake f = good_offer();
    f.type = 0;
    expect_reject(&f, -EBADMSG, "no message type");
}
END_TEST

START_TEST(client_message_types_rejected)
{
    const uint8_t types[] = {DHCPDISCOVER, DHCPREQUEST, DHCPDECLINE, DHCPRELEASE,
                             DHCPINFORM,   9,           200};
    for (size_t k = 0; k < sizeof(types); k++) {
        struct fake f = good_offer();
        f.type = types[k];
        expect_reject(&f, -EBADMSG, "message type");
    }
}
END_TEST

START_TEST(wrong_option_lengths_rejected)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    int olen;
    /* options are laid out 53, 54, 1, 3, 51: shorten each to 3 bytes in turn and
     * pad the freed byte, so the packet stays well formed around it */
    const uint8_t codes[] = {54, 1, 3, 51};
    for (size_t k = 0; k < sizeof(codes); k++) {
        uint8_t c[DHCP_MSG_MAX];
        memcpy(c, b, sizeof(c));
        uint8_t *d = (uint8_t *)find_opt(c, len, codes[k], &olen);
        ck_assert_ptr_nonnull(d);
        d[-1] = 3;
        d[3] = 0; /* PAD */
        ck_assert_int_eq(parse(c, len, &r, &why), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(why, "bytes long") ? why : strstr(why, "list of"));
    }
    /* message type two bytes long */
    uint8_t *d = (uint8_t *)find_opt(b, len, 53, &olen);
    d[-1] = 2;
    ck_assert_int_eq(parse(b, len, &r, &why), -EBADMSG);
}
END_TEST

/* ---- not for us: -ENOMSG ---- */

START_TEST(foreign_xid_ignored)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    ck_assert_int_eq(dhcp_parse_reply(b, len, XID + 1, MAC, &r, &why), -ENOMSG);
    ck_assert_ptr_nonnull(strstr(why, "xid"));
}
END_TEST

START_TEST(foreign_chaddr_ignored)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    const char *why;
    struct fake f = good_offer();
    size_t len = build_fake(b, &f);
    b[OFF_CHADDR + 5] ^= 0xff;
    ck_assert_int_eq(parse(b, len, &r, &why), -ENOMSG);
    ck_assert_ptr_nonnull(strstr(why, "hardware address"));
}
END_TEST

/* ---- well formed but unusable: -EINVAL ---- */

START_TEST(yiaddr_zero_rejected)
{
    struct fake f = good_offer();
    f.yiaddr = "0.0.0.0";
    expect_reject(&f, -EINVAL, "0.0.0.0");
}
END_TEST

START_TEST(yiaddr_broadcast_rejected)
{
    struct fake f = good_offer();
    f.yiaddr = "255.255.255.255";
    expect_reject(&f, -EINVAL, "broadcast");
}
END_TEST

START_TEST(yiaddr_not_unicast_rejected)
{
    const char *bad[] = {"224.0.0.1", "127.0.0.1", "240.1.2.3", "0.1.2.3"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct fake f = good_offer();
        f.yiaddr = bad[k];
        expect_reject(&f, -EINVAL, "unicast");
    }
}
END_TEST

START_TEST(yiaddr_network_or_subnet_broadcast_rejected)
{
    struct fake f = good_offer();
    f.yiaddr = "192.168.3.0";
    expect_reject(&f, -EINVAL, "network or broadcast");
    f.yiaddr = "192.168.3.255";
    expect_reject(&f, -EINVAL, "network or broadcast");
}
END_TEST

START_TEST(non_contiguous_mask_rejected)
{
    const char *bad[] = {"255.0.255.0", "255.255.255.1", "0.255.255.255", "255.255.254.128"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct fake f = good_offer();
        f.mask = bad[k];
        expect_reject(&f, -EINVAL, "not contiguous");
    }
}
END_TEST

START_TEST(zero_or_missing_mask_rejected)
{
    struct fake f = good_offer();
    f.mask = "0.0.0.0";
    f.router = NULL;
    expect_reject(&f, -EINVAL, "0.0.0.0");
    f.mask = NULL;
    expect_reject(&f, -EINVAL, "no subnet mask");
}
END_TEST

START_TEST(lease_zero_rejected)
{
    struct fake f = good_offer();
    f.lease = 0;
    expect_reject(&f, -EINVAL, "lease time is 0");
}
END_TEST

START_TEST(missing_lease_rejected)
{
    struct fake f = good_offer();
    f.has_lease = false;
    expect_reject(&f, -EINVAL, "no lease time");
}
END_TEST

START_TEST(missing_server_id_rejected)
{
    struct fake f = good_offer();
    f.server = NULL;
    expect_reject(&f, -EINVAL, "server identifier");
    f.server = "255.255.255.255";
    expect_reject(&f, -EINVAL, "server identifier");
}
END_TEST

START_TEST(router_off_subnet_rejected)
{
    struct fake f = good_offer();
    f.router = "10.0.0.1";
    expect_reject(&f, -EINVAL, "router");
    f.router = "192.168.3.248"; /* ourselves */
    expect_reject(&f, -EINVAL, "router");
}
END_TEST

START_TEST(small_prefixes_accept_edge_hosts)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    f.router = NULL;
    f.mask = "255.255.255.255";
    f.yiaddr = "192.168.3.0"; /* on a /32 even .0 is a host */
    size_t n = build_fake(b, &f);
    ck_assert_int_eq(parse(b, n, &r, NULL), 0);
    ck_assert_int_eq(r.prefix, 32);
}
END_TEST

START_TEST(every_single_byte_corruption_is_safe)
{
    /* Each byte of a good ACK set to 0x00, 0xff and its bit flip, at every length:
     * the parser may accept or refuse, but never reads past len (ASan checks that
     * under make test SANITIZE=1), and a success is always a usable lease. */
    uint8_t good[DHCP_MSG_MAX], b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    struct fake f = good_offer();
    f.type = DHCPACK;
    size_t len = build_fake(good, &f);
    const uint8_t vals[] = {0x00, 0xff, 0x80};
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            memcpy(b, good, len);
            b[pos] = v == 2 ? (uint8_t)(b[pos] ^ 0x80) : vals[v];
            uint8_t *copy = malloc(len); /* exact size: an overread is an ASan error */
            ck_assert_ptr_nonnull(copy);
            memcpy(copy, b, len);
            const char *why = NULL;
            int rc = parse(copy, len, &r, &why);
            if (rc == 0) {
                ck_assert_uint_ne(r.yiaddr.s_addr, 0);
                ck_assert_int_ge(r.prefix, 1);
                ck_assert_uint_ne(r.lease_time, 0);
            } else {
                ck_assert_ptr_nonnull(why);
            }
            free(copy);
        }
    }
}
END_TEST

/* ---- masks and names ---- */

START_TEST(mask_to_prefix)
{
    struct in_addr m;
    const struct {
        const char *mask;
        int prefix;
    } t[] = {{"255.255.255.0", 24},    {"255.255.255.255", 32}, {"0.0.0.0", 0},
             {"128.0.0.0", 1},         {"255.255.252.0", 22},   {"255.255.255.254", 31},
             {"255.0.255.0", -EINVAL}, {"0.0.0.255", -EINVAL},  {"255.255.255.253", -EINVAL}};
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        inet_pton(AF_INET, t[k].mask, &m);
        ck_assert_msg(dhcp_mask_to_prefix(m) == t[k].prefix, "%s", t[k].mask);
    }
}
END_TEST

START_TEST(type_names)
{
    ck_assert_str_eq(dhcp_type_name(DHCPDISCOVER), "DHCPDISCOVER");
    ck_assert_str_eq(dhcp_type_name(DHCPACK), "DHCPACK");
    ck_assert_str_eq(dhcp_type_name(0), "DHCP?");
    ck_assert_str_eq(dhcp_type_name(99), "DHCP?");
}
END_TEST

/* ---- builders ---- */

START_TEST(discover_header)
{
    uint8_t b[DHCP_MSG_MAX];
    int n = discover(b, sizeof(b), 3, false);
    ck_assert_int_ge(n, DHCP_MIN_LEN);
    ck_assert_int_le(n, DHCP_MSG_MAX);
    ck_assert_int_eq(b[OFF_OP], 1); /* BOOTREQUEST */
    ck_assert_int_eq(b[OFF_HTYPE], 1);
    ck_assert_int_eq(b[OFF_HLEN], 6);
    ck_assert_int_eq(b[3], 0); /* hops */
    uint32_t x;
    memcpy(&x, b + OFF_XID, 4);
    ck_assert_uint_eq(ntohl(x), XID);
    ck_assert_int_eq(b[8] << 8 | b[9], 3);       /* secs */
    ck_assert_int_eq(b[OFF_FLAGS] & 0x80, 0x80); /* broadcast bit */
    ck_assert_int_eq(b[OFF_FLAGS + 1], 0);
    for (int k = 12; k < 28; k++) /* ciaddr, yiaddr, siaddr, giaddr */
        ck_assert_int_eq(b[k], 0);
    ck_assert_mem_eq(b + OFF_CHADDR, MAC, 6);
    ck_assert_mem_eq(b + OFF_COOKIE, "\x63\x82\x53\x63", 4);
}
END_TEST

START_TEST(discover_options)
{
    uint8_t b[DHCP_MSG_MAX];
    int n = discover(b, sizeof(b), 0, false), olen;
    const uint8_t *d;
    ck_assert_int_eq(b[OFF_OPTS], 53); /* the message type comes first */
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 53, &olen));
    ck_assert_int_eq(olen, 1);
    ck_assert_int_eq(d[0], DHCPDISCOVER);
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 61, &olen));
    ck_assert_int_eq(olen, 7);
    ck_assert_int_eq(d[0], 1);
    ck_assert_mem_eq(d + 1, MAC, 6);
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 55, &olen));
    ck_assert_ptr_nonnull(memchr(d, 1, (size_t)olen)); /* mask */
    ck_assert_ptr_nonnull(memchr(d, 3, (size_t)olen)); /* router */
    ck_assert_ptr_nonnull(memchr(d, 51, (size_t)olen));
    ck_assert_ptr_null(find_opt(b, (size_t)n, 50, &olen));
    ck_assert_ptr_null(find_opt(b, (size_t)n, 54, &olen));
    ck_assert_ptr_null(find_opt(b, (size_t)n, 12, &olen));
    /* an END option, and only PAD after it */
    const uint8_t *end = memchr(b + OFF_OPTS, 255, (size_t)n - OFF_OPTS);
    ck_assert_ptr_nonnull(end);
    for (const uint8_t *p = end + 1; p < b + n; p++)
        ck_assert_int_eq(*p, 0);
}
END_TEST

START_TEST(request_options)
{
    uint8_t b[DHCP_MSG_MAX];
    struct in_addr want, srv;
    inet_pton(AF_INET, "192.168.3.248", &want);
    inet_pton(AF_INET, "192.168.3.1", &srv);
    struct dhcp_msg m = {.type = DHCPREQUEST, .xid = XID, .requested = want, .server = srv};
    memcpy(m.mac, MAC, 6);
    int n = dhcp_build(b, sizeof(b), &m), olen;
    ck_assert_int_ge(n, DHCP_MIN_LEN);
    const uint8_t *d;
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 53, &olen));
    ck_assert_int_eq(d[0], DHCPREQUEST);
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 50, &olen));
    ck_assert_int_eq(olen, 4);
    ck_assert_mem_eq(d, &want.s_addr, 4);
    ck_assert_ptr_nonnull(d = find_opt(b, (size_t)n, 54, &olen));
    ck_assert_mem_eq(d, &srv.s_addr, 4);
    ck_assert_ptr_null(find_opt(b, (size_t)n, 80, &olen)); /* rapid commit: DISCOVER only */
    /* RFC 2131 4.3.2: in SELECTING, ciaddr stays 0 and the choice travels in 50/54 */
    ck_assert_mem_eq(b + 12, "\0\0\0\0", 4);
    ck_assert_int_eq(b[OFF_FLAGS] & 0x80, 0x80);
}
END_TEST

START_TEST(builders_refuse_small_buffers)
{
    uint8_t b[DHCP_MSG_MAX];
    ck_assert_int_eq(discover(b, DHCP_MIN_LEN - 1, 0, false), -ENOSPC);
    /* every message we build fits the 300 bytes RFC 1542 asks for, option 80 too */
    ck_assert_int_eq(discover(b, DHCP_MIN_LEN, 0, true), DHCP_MIN_LEN);
}
END_TEST

START_TEST(own_discover_is_not_a_reply)
{
    uint8_t b[DHCP_MSG_MAX];
    struct dhcp_reply r;
    int n = discover(b, sizeof(b), 0, false);
    ck_assert_int_eq(parse(b, (size_t)n, &r, NULL), -EBADMSG);
}
END_TEST

/* ---- IP and UDP around the message, as the packet socket reads it ---- */

static uint16_t csum(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4/UDP packet to port 68 carrying plen bytes of payload "DHCP..." */
static size_t build_ip(uint8_t *b, size_t plen)
{
    memset(b, 0, 60 + plen);
    size_t tot = 20 + 8 + plen;
    b[0] = 0x45;
    b[2] = (uint8_t)(tot >> 8);
    b[3] = (uint8_t)tot;
    b[8] = 64;
    b[9] = IPPROTO_UDP;
    memcpy(b + 12, "\x0a\x4d\x00\x01\xff\xff\xff\xff", 8);
    uint16_t c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    b[20] = 0;
    b[21] = 67;
    b[22] = 0;
    b[23] = 68;
    b[24] = (uint8_t)((8 + plen) >> 8);
    b[25] = (uint8_t)(8 + plen);
    memset(b + 28, 'D', plen);
    return tot;
}

static void fix_ip_csum(uint8_t *b)
{
    b[10] = b[11] = 0;
    uint16_t c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
}

START_TEST(ip_udp_good_with_ethernet_padding)
{
    uint8_t b[128];
    const uint8_t *pl;
    size_t plen;
    size_t n = build_ip(b, 10);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n + 8, &pl, &plen, NULL), 0);
    ck_assert_ptr_eq(pl, b + 28);
    ck_assert_uint_eq(plen, 10);
}
END_TEST

START_TEST(ip_udp_malformed_rejected)
{
    uint8_t b[128];
    const uint8_t *pl;
    size_t plen;
    const char *why;
    size_t n = build_ip(b, 10);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, 19, &pl, &plen, &why), -EBADMSG);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n - 1, &pl, &plen, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "total length"));
    b[8] = 63; /* TTL changed, checksum not */
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "checksum"));
    n = build_ip(b, 10);
    b[25] = 200; /* UDP length beyond the IP datagram */
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -EBADMSG);
    ck_assert_ptr_nonnull(strstr(why, "UDP length"));
    n = build_ip(b, 10);
    b[0] = 0x65;
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -EBADMSG);
    b[0] = 0x44; /* header length 16 */
    fix_ip_csum(b);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -EBADMSG);
}
END_TEST

START_TEST(ip_udp_not_ours_ignored)
{
    uint8_t b[128];
    const uint8_t *pl;
    size_t plen;
    const char *why;
    size_t n = build_ip(b, 10);
    b[9] = IPPROTO_TCP;
    fix_ip_csum(b);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -ENOMSG);
    n = build_ip(b, 10);
    b[23] = 67; /* to the server port: our own DISCOVER */
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -ENOMSG);
    n = build_ip(b, 10);
    b[6] = 0x20; /* more fragments */
    fix_ip_csum(b);
    ck_assert_int_eq(dhcp_parse_ip_udp(b, n, &pl, &plen, &why), -ENOMSG);
    ck_assert_ptr_nonnull(strstr(why, "fragment"));
}
END_TEST

/* ---- a whole exchange in virtual time (struct dhcp_io): no socket, no clock ---- */

/* A server in the test's hands: it answers each message 1 ms after it is sent (a
 * DISCOVER with an OFFER, a REQUEST with an ACK), unless told to stay silent or say
 * NAK, and time passes only when the client waits. */
struct world {
    long now_us;
    int silent; /* DISCOVERs left unanswered */
    int nak;    /* REQUESTs answered with a NAK */
    uint8_t sent[16];
    int n_sent;
    uint8_t pkt[DHCP_MSG_MAX + 64];
    size_t len; /* a reply waiting to be read, 0 when none */
};

static long w_now_us(void *ctx)
{
    return ((struct world *)ctx)->now_us;
}

static uint32_t w_new_xid(void *ctx)
{
    (void)ctx;
    return XID;
}

static int w_send(void *ctx, int fd, const void *buf, size_t len)
{
    struct world *w = ctx;
    int olen;
    const uint8_t *type = find_opt(buf, len, 53, &olen);
    (void)fd;
    ck_assert_ptr_nonnull(type);
    ck_assert_int_lt(w->n_sent, 16);
    w->sent[w->n_sent++] = type[0];
    if (type[0] == DHCPDISCOVER && w->silent > 0 && w->silent--)
        return 0;
    struct fake f = good_offer();
    if (type[0] == DHCPREQUEST)
        f = w->nak > 0 && w->nak--
                ? (struct fake){.type = DHCPNAK, .yiaddr = "0.0.0.0", .server = "192.168.3.1"}
                : (struct fake){.type = DHCPACK,
                                .yiaddr = "192.168.3.248",
                                .mask = "255.255.255.0",
                                .router = "192.168.3.1",
                                .server = "192.168.3.1",
                                .has_lease = true,
                                .lease = 3600};
    uint8_t m[DHCP_MSG_MAX];
    size_t n = build_fake(m, &f);
    w->len = build_ip(w->pkt, n);
    memcpy(w->pkt + 28, m, n);
    w->now_us += 1000;
    return 0;
}

static int w_wait(void *ctx, int fd, int timeout_ms)
{
    struct world *w = ctx;
    (void)fd;
    if (w->len)
        return 1;
    w->now_us += timeout_ms * 1000L;
    return 0;
}

static ssize_t w_recv(void *ctx, int fd, void *buf, size_t size, bool *own)
{
    struct world *w = ctx;
    (void)fd;
    *own = false;
    if (!w->len)
        return -EAGAIN;
    ck_assert_uint_le(w->len, size);
    memcpy(buf, w->pkt, w->len);
    ssize_t n = (ssize_t)w->len;
    w->len = 0;
    return n;
}

static int run_world(struct world *w, struct dhcp_lease *l)
{
    const struct dhcp_io io = {w_now_us, w_new_xid, w_send, w_wait, w_recv, w};
    struct dhcp_iface ifc = {.name = "veth1", .index = 2};
    memcpy(ifc.mac, MAC, 6);
    narrate_init("dhcp", true);
    return dhcp_exchange(&(struct dhcp_sockets){-1, -1}, &ifc, &io, 0, 0, l);
}

START_TEST(virtual_exchange_four_messages)
{
    struct world w = {0};
    struct dhcp_lease l;
    ck_assert_int_eq(run_world(&w, &l), 0);
    ck_assert_int_eq(w.n_sent, 2);
    ck_assert_int_eq(w.sent[0], DHCPDISCOVER);
    ck_assert_int_eq(w.sent[1], DHCPREQUEST);
    ck_assert_int_eq(l.ack.type, DHCPACK);
    ck_assert_str_eq(inet_ntoa(l.ack.yiaddr), "192.168.3.248");
    ck_assert_int_eq(l.attempts, 2);
    ck_assert_int_eq(l.elapsed_us, 2000); /* two answers, 1 ms each */
}
END_TEST

START_TEST(virtual_exchange_retransmits_after_250_ms)
{
    struct world w = {.silent = 1};
    struct dhcp_lease l;
    ck_assert_int_eq(run_world(&w, &l), 0);
    ck_assert_int_eq(w.n_sent, 3);
    ck_assert_int_eq(w.sent[1], DHCPDISCOVER);
    ck_assert_int_eq(l.elapsed_us, (DHCP_RETRY_FIRST_MS + 2) * 1000L);
}
END_TEST

START_TEST(virtual_exchange_nak_starts_again)
{
    struct world w = {.nak = 1};
    struct dhcp_lease l;
    ck_assert_int_eq(run_world(&w, &l), 0);
    const uint8_t want[] = {DHCPDISCOVER, DHCPREQUEST, DHCPDISCOVER, DHCPREQUEST};
    ck_assert_int_eq(w.n_sent, 4);
    ck_assert_mem_eq(w.sent, want, 4);
    ck_assert_int_eq(l.ack.type, DHCPACK);
}
END_TEST

START_TEST(virtual_exchange_gives_up_on_time)
{
    struct world w = {.silent = 100};
    struct dhcp_lease l;
    ck_assert_int_eq(run_world(&w, &l), -ETIMEDOUT);
    /* 0, 250, 750 ms, then each second: 1750, 2750, 3750, 4750; the bound is 5 s */
    ck_assert_int_eq(w.n_sent, 7);
    ck_assert_int_eq(w.now_us, DHCP_TIMEOUT_MS * 1000L);
}
END_TEST

Suite *suite_dhcp(void)
{
    Suite *s = suite_create("dhcp");

    TCase *ok = tcase_create("good replies");
    tcase_add_test(ok, good_offer_parses_every_field);
    tcase_add_test(ok, ack_with_dns_pad_and_unknown_options);
    tcase_add_test(ok, nak_needs_only_type_and_server);
    tcase_add_test(ok, rapid_commit_option_parsed_and_checked);
    tcase_add_test(ok, discover_asks_for_rapid_commit_only_when_told);
    tcase_add_test(ok, no_router_is_fine_and_infinite_lease_accepted);
    tcase_add_test(ok, trailing_bytes_after_end_are_ignored);
    tcase_add_test(ok, small_prefixes_accept_edge_hosts);
    suite_add_tcase(s, ok);

    TCase *bad = tcase_create("malformed replies");
    tcase_add_test(bad, truncated_header_rejected);
    tcase_add_test(bad, truncated_in_the_options_rejected);
    tcase_add_test(bad, request_op_rejected);
    tcase_add_test(bad, not_ethernet_rejected);
    tcase_add_test(bad, wrong_magic_cookie_rejected);
    tcase_add_test(bad, option_length_past_end_rejected);
    tcase_add_test(bad, option_code_without_length_byte_rejected);
    tcase_add_test(bad, options_without_end_rejected);
    tcase_add_test(bad, missing_message_type_rejected);
    tcase_add_test(bad, client_message_types_rejected);
    tcase_add_test(bad, wrong_option_lengths_rejected);
    tcase_add_test(bad, foreign_xid_ignored);
    tcase_add_test(bad, foreign_chaddr_ignored);
    tcase_add_test(bad, every_single_byte_corruption_is_safe);
    suite_add_tcase(s, bad);

    TCase *inval = tcase_create("unusable leases");
    tcase_add_test(inval, yiaddr_zero_rejected);
    tcase_add_test(inval, yiaddr_broadcast_rejected);
    tcase_add_test(inval, yiaddr_not_unicast_rejected);
    tcase_add_test(inval, yiaddr_network_or_subnet_broadcast_rejected);
    tcase_add_test(inval, non_contiguous_mask_rejected);
    tcase_add_test(inval, zero_or_missing_mask_rejected);
    tcase_add_test(inval, lease_zero_rejected);
    tcase_add_test(inval, missing_lease_rejected);
    tcase_add_test(inval, missing_server_id_rejected);
    tcase_add_test(inval, router_off_subnet_rejected);
    suite_add_tcase(s, inval);

    TCase *bld = tcase_create("builders");
    tcase_add_test(bld, mask_to_prefix);
    tcase_add_test(bld, type_names);
    tcase_add_test(bld, discover_header);
    tcase_add_test(bld, discover_options);
    tcase_add_test(bld, request_options);
    tcase_add_test(bld, builders_refuse_small_buffers);
    tcase_add_test(bld, own_discover_is_not_a_reply);
    suite_add_tcase(s, bld);

    TCase *virt = tcase_create("exchange in virtual time");
    tcase_add_test(virt, virtual_exchange_four_messages);
    tcase_add_test(virt, virtual_exchange_retransmits_after_250_ms);
    tcase_add_test(virt, virtual_exchange_nak_starts_again);
    tcase_add_test(virt, virtual_exchange_gives_up_on_time);
    suite_add_tcase(s, virt);

    TCase *ip = tcase_create("ip and udp");
    tcase_add_test(ip, ip_udp_good_with_ethernet_padding);
    tcase_add_test(ip, ip_udp_malformed_rejected);
    tcase_add_test(ip, ip_udp_not_ours_ignored);
    suite_add_tcase(s, ip);

    dhcp_vs_dnsmasq_tcases(s);
    return s;
}
