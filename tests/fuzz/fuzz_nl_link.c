/* fuzz_nl_link.c - nl_parse_link (common/nl.c) on a datagram as the kernel would send it:
 * any bytes, any lengths in them (the harness is nl_reply.h). */
#define NL_REPLY_PARSE nl_parse_link
#define NL_REPLY_TYPE  struct nl_link
#include "nl_reply.h"
