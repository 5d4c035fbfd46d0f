/* Sum and sum of squares on the CPU backends: against a naive double sum,
 * over lengths around the fixed block size, bitwise equal for any thread
 * count, and 0 for an empty input. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

static void test_sums(void)
{
    size_t lengths[] = {1, 7, 4096, 4097, 3 * 4096 + 17, 300000};
    for (size_t t = 0; t < sizeof lengths / sizeof *lengths; t++) {
        size_t n = lengths[t];
        double *x = gc_rand(n, 60 + t, -1, 2), sum = 0, sq = 0;
        for (size_t i = 0; i < n; i++) {
            sum += x[i];
            sq += x[i] * x[i];
        }
        float *x32 = gc_f32(x, n), s32, q32;
        be32->ops->sum(be32, &s32, x32, n);
        be32->ops->sum_squares(be32, &q32, x32, n);
        CHECK_MSG(check_rel_err(s32, sum, 1) < 1e-6, "n %zu: %g vs %g", n, s32, sum);
        CHECK_MSG(check_rel_err(q32, sq, 1) < 1e-6, "n %zu: %g vs %g", n, q32, sq);
        double s64, q64;
        be64->ops->sum(be64, &s64, x, n);
        be64->ops->sum_squares(be64, &q64, x, n);
        CHECK(check_rel_err(s64, sum, 1) < 1e-12 && check_rel_err(q64, sq, 1) < 1e-12);
        gc_release();
    }
    float empty = 5, none[1] = {3};
    be32->ops->sum(be32, &empty, none, 0);
    CHECK(empty == 0);
}

static void test_sums_threads(void)
{
    enum { n = 1000003 };
    float *x = gc_f32(gc_rand(n, 70, -1, 1), n), out[2][2];
    int threads[2] = {1, 3};
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(threads[t]);
        be32->ops->sum(be32, &out[t][0], x, n);
        be32->ops->sum_squares(be32, &out[t][1], x, n);
    }
    omp_set_num_threads(2);
    CHECK(memcmp(out[0], out[1], sizeof out[0]) == 0);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_sums);
    RUN(test_sums_threads);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
