/* Softmax cross-entropy on the CPU backends, as torch's F.cross_entropy with
 * reduction='none', ignore_index and label smoothing 0 and 0.1: float forward
 * vs naive double, cpu64 backward vs finite differences, float vs cpu64,
 * ignored rows untouched, stability on large logits. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 6, V = 9, IGNORE = -100 };

static const int32_t targets[N] = {3, IGNORE, 0, 8, IGNORE, 5};

/* -log p_c = log(sum exp z) - z_c, written the direct way */
static double ref_row_loss(const double *z, int t, double eps)
{
    double s = 0;
    for (int c = 0; c < V; c++) s += exp(z[c]);
    double nll_t = -log(exp(z[t]) / s), nll_mean = 0;
    for (int c = 0; c < V; c++) nll_mean += -log(exp(z[c]) / s) / V;
    return (1 - eps) * nll_t + eps * nll_mean;
}

typedef struct {
    double *z;
    double eps, dloss;
} ce_ctx;

static double ce_loss(void *p)
{
    ce_ctx *k = p;
    double s = 0;
    for (int n = 0; n < N; n++)
        if (targets[n] != IGNORE) s += k->dloss * ref_row_loss(k->z + n * V, targets[n], k->eps);
    return s;
}

static void check_cross_entropy(float eps, uint64_t s)
{
    double *z = gc_rand(N * V, s + 1, -3, 3), ref[N];
    for (int n = 0; n < N; n++)
        ref[n] = targets[n] == IGNORE ? 0 : ref_row_loss(z + n * V, targets[n], eps);
    float *l32 = gc_f32(gc_rand(N, s + 2, 1, 2), N); /* every row overwritten */
    be32->ops->cross_entropy_fwd(be32, l32, gc_f32(z, N * V), targets, N, V, IGNORE, eps);
    CHECK_MSG(gc_max_err_f32(l32, ref, N, 1e-2) < 1e-5, "eps %g", eps);
    CHECK(l32[1] == 0 && l32[4] == 0);

    const float dloss = 0.25f;
    double *d0 = gc_rand(N * V, s + 3, -1, 1);
    double *d = gc_copy(d0, N * V), *nd = gc_alloc(sizeof(double) * N * V);
    be64->ops->cross_entropy_bwd(be64, d, z, targets, N, V, IGNORE, eps, dloss);
    ce_ctx k = {z, eps, dloss};
    gc_numeric_grad(ce_loss, &k, z, N * V, nd);
    CHECK(gc_max_err(gc_sub(d, d0, N * V), nd, N * V, 1e-3) < 1e-6);
    CHECK(memcmp(d + 1 * V, d0 + 1 * V, sizeof(double) * V) == 0); /* ignored rows */
    CHECK(memcmp(d + 4 * V, d0 + 4 * V, sizeof(double) * V) == 0);

    float *d32 = gc_f32(d0, N * V);
    be32->ops->cross_entropy_bwd(be32, d32, gc_f32(z, N * V), targets, N, V, IGNORE, eps, dloss);
    CHECK(gc_max_err_f32(d32, d, N * V, 1e-2) < 1e-4);
    gc_release();
}

static void test_cross_entropy_plain(void) { check_cross_entropy(0.0f, 10); }

static void test_cross_entropy_smoothed(void) { check_cross_entropy(0.1f, 20); }

/* Logits far beyond exp's range still give finite, exact losses. */
static void test_cross_entropy_stable(void)
{
    float z[2 * 3] = {1000, 0, -1000, 500, 500, 500};
    int32_t t[2] = {0, 2};
    float loss[2], d[6] = {0};
    be32->ops->cross_entropy_fwd(be32, loss, z, t, 2, 3, IGNORE, 0);
    CHECK(fabsf(loss[0]) < 1e-6f);
    CHECK(fabs(loss[1] - log(3.0)) < 1e-6);
    be32->ops->cross_entropy_bwd(be32, d, z, t, 2, 3, IGNORE, 0, 1);
    CHECK(fabsf(d[0]) < 1e-6f && fabsf(d[5] - (1 / 3.0f - 1)) < 1e-6f);
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_cross_entropy_plain);
    RUN(test_cross_entropy_smoothed);
    RUN(test_cross_entropy_stable);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
