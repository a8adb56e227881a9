/* fuzz_nl_addr4.c - nl_parse_addr4 (common/nl.c) on a datagram as the kernel would send it:
 * any bytes, any lengths in them (the harness is nl_reply.h). */
#define NL_REPLY_PARSE nl_parse_addr4
#define NL_REPLY_TYPE  struct nl_addr4
#include "nl_reply.h"
