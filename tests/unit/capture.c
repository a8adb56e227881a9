/* capture.c - stderr capture for the unit tests. */
#define _GNU_SOURCE
#include "capture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int saved_fd = -1;
static FILE *tmp;

void capture_start(void)
{
    fflush(stderr);
    tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    saved_fd = dup(2);
    ck_assert_int_ge(saved_fd, 0);
    ck_assert_int_eq(dup2(fileno(tmp), 2), 2);
}

const char *capture_end(void)
{
    static char buf[4096];
    fflush(stderr);
    ck_assert_int_eq(dup2(saved_fd, 2), 2);
    close(saved_fd);
    rewind(tmp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return buf;
}
