/* pad tests: a small harness.  Each test program runs its cases, counts the
 * CHECKs, and ends with the line "N passed, N failed"; it exits non-zero when
 * any check failed. */
#ifndef PAD_TEST_CHECK_H
#define PAD_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>

extern int check_passed, check_failed;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) check_passed++;                                                   \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

#define CHECK_MSG(cond, ...)                                                        \
    do {                                                                            \
        if (cond) check_passed++;                                                   \
        else {                                                                      \
            check_failed++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                    \
        }                                                                           \
    } while (0)

/* Runs a case and prints its name. */
#define RUN(fn)                                   \
    do {                                          \
        int failed_before_ = check_failed;        \
        fn();                                     \
        printf("%s %s\n", check_failed == failed_before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

/* Prints the closing line and returns the exit status. */
int check_finish(void);

/* Relative error |a-b| / max(|b|, floor), for tolerances on values that may be
 * near zero. */
double check_rel_err(double a, double b, double floor);

/* Fills with deterministic pseudo-random values in [lo, hi) (never zeros). */
void check_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi);
void check_fill_uniform_f64(double *x, size_t n, uint64_t seed, double lo, double hi);

/* A fresh path under the system temp dir: "/tmp/pad-test-XXXXXX/<name>". The
 * directory is created once per process. */
const char *check_tmp_path(const char *name);

#endif
