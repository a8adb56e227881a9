/* fuzz_state_line.c - the lab's state file, which `down` acts on: one line
 * (lab_parse_obj) and a whole file (lab_read_state).  Whatever parses must be what
 * lab_format_obj writes, byte for byte; a refused file leaves no object behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/lab.h"

/* o formats back to exactly line, or the parser took something the writer never
 * writes. */
static void check_round_trip(const struct lab_obj *o, const char *line)
{
    char back[LAB_LINE_MAX];
    struct lab_obj again;
    if (lab_format_obj(o, back, sizeof(back)) < 0 || (line && strcmp(back, line) != 0))
        abort();
    if (lab_parse_obj(back, &again) != 0 || memcmp(&again, o, sizeof(again)) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lab lab;
    char owner[LAB_NAME_MAX];
    struct lab_obj o;

    /* As one line: the bytes up to the first NUL. */
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    if (lab_parse_obj(line, &o) == 0)
        check_round_trip(&o, line);
    free(line);

    /* As a whole file. */
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    int r = lab_read_state(&lab, f, owner, sizeof(owner));
    fclose(f);
    if (r == 0) {
        if (lab.n < 0 || lab.n > LAB_MAX_OBJS || !owner[0])
            abort();
        for (int i = 0; i < lab.n; i++)
            check_round_trip(&lab.obj[i], NULL);
    } else if (r != -EBADMSG || lab.n != 0 || !lab.why[0]) {
        abort();
    }
    return 0;
}
