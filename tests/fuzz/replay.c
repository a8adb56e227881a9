/* replay.c - runs a fuzz target's corpus as plain tests, without libFuzzer.
 *
 * Linked with one tests/fuzz/fuzz_NAME.c by the project's own compiler (and under
 * ASan and UBSan with SANITIZE=1), it feeds every file of the corpus directories it
 * is given to LLVMFuzzerTestOneInput, so the seeds and every regression input saved
 * there run in `make test` on any machine, clang or not.
 *
 *   replay NAME DIR|FILE...
 *
 * Output is TAP: a comment naming each input before it runs (a crash is on the
 * last one named), one "ok" line after it returns, and the plan "1..N" at the end
 * only when every input has run: a replay that died has no plan.  Exit status 0
 * when every input ran, 1 when a file could not be read or the corpus is empty,
 * 2 on bad usage. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Under ASan (SANITIZE=1), memory an input leaked is found after that input, as
 * libFuzzer does, and not only at exit where no input can be named. */
#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_LSAN 1
#endif
#endif
#ifdef REPLAY_LSAN
#include <sanitizer/lsan_interface.h>
#define LEAKED() (__lsan_do_recoverable_leak_check() != 0)
#else
#define LEAKED() false
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int tests, failures;
/* LeakSanitizer reports every leak so far, not the new ones: once one input has
 * leaked, the next ones cannot be told apart and are checked for the rest only. */
static bool leak_found;

static void tap(bool ok, const char *name, const char *path, const char *why)
{
    tests++;
    failures += !ok;
    printf("%s %d - fuzz %s: %s%s%s\n", ok ? "ok" : "not ok", tests, name, path, why ? ": " : "",
           why ? why : "");
    fflush(stdout);
}

/* The whole file in a buffer of exactly its size, so that ASan sees a read past
 * the end of the input as the fuzzer would. */
static int read_all(const char *path, uint8_t **data, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    size_t n = (size_t)st.st_size, got = 0;
    /* malloc(0) may return NULL: keep one byte so an empty input is still a buffer. */
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO; /* shorter than fstat said */
            free(buf);
            close(fd);
            return -e;
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return 0;
}

static void run_one(const char *name, const char *path)
{
    uint8_t *data = NULL;
    size_t size = 0;
    int r = read_all(path, &data, &size);
    if (r < 0) {
        tap(false, name, path, strerror(-r));
        return;
    }
    printf("# %s: %s (%zu bytes)\n", name, path, size);
    fflush(stdout);
    /* libFuzzer's contract: 0, or -1 for an input not to keep; anything else is
     * reserved, so a target returning it is wrong. */
    int ret = LLVMFuzzerTestOneInput(data, size);
    free(data);
    if (ret != 0 && ret != -1)
        tap(false, name, path, "returned neither 0 nor -1");
    else if (!leak_found && (leak_found = LEAKED()))
        tap(false, name, path, "leaked memory (LeakSanitizer's report is on stderr)");
    else
        tap(true, name, path, NULL);
}

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static void run_dir(const char *name, const char *dir)
{
    struct dirent **list;
    /* In name order: the same inputs in the same order on every machine. */
    int n = scandir(dir, &list, not_hidden, alphasort);
    if (n < 0) {
        tap(false, name, dir, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name) < (int)sizeof(path) &&
            regular_file(path))
            run_one(name, path);
        free(list[i]);
    }
    free(list);
}

int main(int argc, char *argv[])
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s NAME DIR|FILE...\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    for (int i = 2; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            run_dir(name, argv[i]);
        else
            run_one(name, argv[i]);
    }
    /* A target with no input tests nothing: that is a failure, not a pass. */
    if (tests == 0)
        tap(false, name, argv[2], "no corpus files");
    printf("1..%d\n", tests);
    return failures ? 1 : 0;
}
