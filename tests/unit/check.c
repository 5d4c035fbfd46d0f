#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

int check_passed, check_failed;

int check_finish(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

double check_rel_err(double a, double b, double floor)
{
    double d = fabs(b);
    return fabs(a - b) / (d > floor ? d : floor);
}

void check_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * pad_rng_uniform_at(seed, 7, i);
}

void check_fill_uniform_f64(double *x, size_t n, uint64_t seed, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * (double)pad_rng_uniform_at(seed, 7, i);
}

const char *check_tmp_path(const char *name)
{
    static char dir[64];
    static char path[512];
    if (!dir[0]) {
        strcpy(dir, "/tmp/pad-test-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}
