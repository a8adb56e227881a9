/* args.h - checks on the command line shared by the stages.
 * Each returns 0 or -errno and prints nothing: the stage's main turns a failure
 * into one line and exit status 2 (err_usage). */
#ifndef NSLAB_ARGS_H
#define NSLAB_ARGS_H

#include <stddef.h>

/* The command to run inside, from argv[optind..]: what follows "--", or the first
 * non-option word.  With nothing there, *cmd is dflt (the article's /bin/bash).
 * -EINVAL when "--" was given with nothing after it.  getopt must have been run
 * with a leading '+' so it stopped at the command instead of reading its options. */
int args_command(int argc, char *argv[], int optind, char **dflt, char ***cmd);

/* Writes prefix and the words of cmd, separated by spaces, into buf (for narration);
 * "..." ends a line that does not fit.  Returns 0, or -ENOSPC when it was cut. */
int args_join(char *const cmd[], const char *prefix, char *buf, size_t size);

/* A host name sethostname() takes: 1 to 64 bytes (HOST_NAME_MAX), no '/' or blank, so
 * the prompt and `hostname` show it as typed.  0, -EINVAL or -ENAMETOOLONG. */
int args_check_hostname(const char *name);

#endif
