/* capture.h - capture what a piece of code writes to stderr, for the unit tests.
 * Check runs each test in its own forked process, so redirecting fd 2 is safe. */
#ifndef NSLAB_CAPTURE_H
#define NSLAB_CAPTURE_H

#include <stddef.h>

/* Redirects stderr to a temporary file. */
void capture_start(void);
/* Restores stderr and returns what was written (NUL-terminated, static buffer). */
const char *capture_end(void);

#endif
