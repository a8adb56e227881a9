/* fuzz_keeper_record.c - a -U lab's keeper record (<host>.keeper in the per-user
 * directory), which every later command reads to find the process to join and the
 * one `down` kills.  userdir_parse_record takes exactly what userdir_format_record
 * writes: whatever parses formats back to the same bytes, its pid is one a kernel can
 * give (2 to PROC_PID_MAX) and its start time is not 0; what does not parse is
 * -EBADMSG and stores nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/proc.h"
#include "../../common/userdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pid_t pid = -7;
    uint64_t start = 7;
    char back[64];
    int r = userdir_parse_record((const char *)data, size, &pid, &start);
    if (r == 0) {
        if (pid <= 1 || pid > PROC_PID_MAX || start == 0)
            abort();
        int n = userdir_format_record(pid, start, back, sizeof(back));
        if (n < 0 || (size_t)n != size || memcmp(back, data, size) != 0)
            abort();
    } else if (r != -EBADMSG || pid != -7 || start != 7) {
        abort();
    }
    return 0;
}
