/* args.h - the command line of the stages: options, names, subcommands.
 * Each returns 0 or -errno and prints nothing: the stage's main turns a failure
 * into one line and exit status 2 (err_usage), before anything is created. */
#ifndef NSLAB_ARGS_H
#define NSLAB_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "validate.h"

/* The command to run inside, from argv[first..]: what follows "--", or the first
 * non-option word.  With nothing there, *cmd is dflt (the article's /bin/bash).
 * -EINVAL when "--" was given with nothing after it.  getopt must have been run
 * with a leading '+' so it stopped at the command instead of reading its options. */
int args_command(int argc, char *argv[], int first, char **dflt, char ***cmd);

/* Writes prefix and the words of cmd, separated by spaces, into buf (for narration);
 * "..." ends a line that does not fit.  Returns 0, or -ENOSPC when it was cut. */
int args_join(char *const cmd[], const char *prefix, char *buf, size_t size);

/* A host name sethostname() takes: 1 to 64 bytes (HOST_NAME_MAX), no '/' or blank, so
 * the prompt and `hostname` show it as typed.  0, -EINVAL or -ENAMETOOLONG. */
int args_check_hostname(const char *name);

/* The network stages' options, as a table: each names its long option (without
 * "--"), what its value must be, and where the value goes.  A name is checked as
 * `ip` would take it (letters, digits and _.- only; an interface name fits IFNAMSIZ, a
 * namespace name a lab's state file).  ARGS_WHERE options (04's --host, 05's --host
 * and --lan) say where exec runs: *dst gets the option as typed, and two of them are
 * a mistake. */
enum args_kind {
    ARGS_NETNS,  /* a namespace name; dst: const char ** */
    ARGS_IFNAME, /* an interface name; dst: const char ** */
    ARGS_CIDR4,  /* A.B.C.D/N; dst: struct args_cidr4 * */
    ARGS_STRING, /* any text, checked later; dst: const char ** */
    ARGS_FLAG,   /* no value; dst: bool * */
    ARGS_WHERE,  /* no value; dst: const char ** (shared by the options of one choice) */
    ARGS_USERNS, /* no value, and -U too, as stages 01-03 spell it; dst: bool * */
};
struct args_cidr4 {
    struct cidr4 a;
    char text[24]; /* as typed: "192.168.5.5/24" */
};
struct args_opt {
    const char *name;
    enum args_kind kind;
    void *dst;
};

/* getopt_long over opts (ended by {NULL}), -q/--quiet and -h/--help.  Without a
 * leading '+', getopt permutes: options may come before or after the subcommand, and
 * what follows "--" is left alone for exec.  Returns 0, 1 for --help, or -EINVAL with
 * the problem in msg.  optind is then the first word that is not an option. */
int args_parse(int argc, char *argv[], const struct args_opt *opts, bool *quiet, char *msg,
               size_t size);

/* One value of an option's kind into dst (args_parse's check, and the defaults). */
int args_set(const struct args_opt *o, const char *val, char *msg, size_t size);

/* The words getopt left at argv[first_arg..]: the first is the subcommand (NULL when
 * there is none); *rest and *nrest are the words after it. */
void args_subcommand(int argc, char *argv[], int first_arg, const char **sub, char ***rest,
                     int *nrest);

enum labsub { LABSUB_DEMO, LABSUB_UP, LABSUB_DOWN, LABSUB_SHOW, LABSUB_EXEC, LABSUB_SHELL };
/* A network stage's subcommand (up, down, show, exec -- CMD, shell, or none: the demo) from
 * the words after the options; *rest gets exec's command.  where is the ARGS_WHERE
 * option given ("--host"), which only goes with exec, or NULL.  Its enum, or -EINVAL
 * with the problem in msg. */
int args_labsub(int argc, char *argv[], int first_arg, const char *where, char ***rest, char *msg,
                size_t size);

#endif
