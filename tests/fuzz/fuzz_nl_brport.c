/* fuzz_nl_brport.c - nl_parse_brport (common/nl.c) on a datagram as the kernel would send it:
 * any bytes, any lengths in them (the harness is nl_reply.h). */
#define NL_REPLY_PARSE nl_parse_brport
#define NL_REPLY_TYPE  struct nl_brport
#include "nl_reply.h"
