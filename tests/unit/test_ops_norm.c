/* RMSNorm (T5) and LayerNorm (GPT-2) on the CPU backends: float forward vs a
 * naive double reference, cpu64 backward vs finite differences, float
 * backward vs cpu64, accumulation, and thread-count independence. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 6, C = 11 };
#define EPS 1e-6f

static void ref_rmsnorm(double *out, double *rstd, const double *x, const double *w, int n_rows,
                        int c_dim, double eps)
{
    for (int n = 0; n < n_rows; n++) {
        double ss = 0;
        for (int c = 0; c < c_dim; c++) ss += x[n * c_dim + c] * x[n * c_dim + c];
        rstd[n] = 1 / sqrt(ss / c_dim + eps);
        for (int c = 0; c < c_dim; c++) out[n * c_dim + c] = x[n * c_dim + c] * rstd[n] * w[c];
    }
}

static void ref_layernorm(double *out, double *mean, double *rstd, const double *x,
                          const double *w, const double *b, int n_rows, int c_dim, double eps)
{
    for (int n = 0; n < n_rows; n++) {
        const double *xr = x + n * c_dim;
        double s = 0, v = 0;
        for (int c = 0; c < c_dim; c++) s += xr[c];
        mean[n] = s / c_dim;
        for (int c = 0; c < c_dim; c++) v += (xr[c] - mean[n]) * (xr[c] - mean[n]);
        rstd[n] = 1 / sqrt(v / c_dim + eps);
        for (int c = 0; c < c_dim; c++)
            out[n * c_dim + c] = (xr[c] - mean[n]) * rstd[n] * w[c] + b[c];
    }
}

/* L = sum(norm(x) * R) for finite differences; b == NULL selects RMSNorm. */
typedef struct {
    double *x, *w, *b, *R;
} norm_ctx;

static double norm_loss(void *p)
{
    norm_ctx *k = p;
    double out[N * C], s1[N], s2[N];
    if (k->b) ref_layernorm(out, s1, s2, k->x, k->w, k->b, N, C, EPS);
    else ref_rmsnorm(out, s1, k->x, k->w, N, C, EPS);
    return gc_dot(out, k->R, N * C);
}

static void test_rmsnorm_forward(void)
{
    /* x is not centred, so a mean subtraction would show */
    double *x = gc_rand(N * C, 1, -1.0, 2.5), *w = gc_rand(C, 2, 0.5, 1.5);
    double out[N * C], rstd[N];
    ref_rmsnorm(out, rstd, x, w, N, C, EPS);
    float *o32 = gc_alloc(sizeof(float) * N * C), *r32 = gc_alloc(sizeof(float) * N);
    be32->ops->rmsnorm_fwd(be32, o32, r32, gc_f32(x, N * C), gc_f32(w, C), N, C, EPS);
    CHECK(gc_max_err_f32(o32, out, N * C, 1e-2) < 1e-5);
    CHECK(gc_max_err_f32(r32, rstd, N, 1e-2) < 1e-5);
    gc_release();
}

static void test_rmsnorm_backward(void)
{
    double *x = gc_rand(N * C, 3, -1.0, 2.5), *w = gc_rand(C, 4, 0.5, 1.5);
    double *R = gc_rand(N * C, 5, -1, 1);
    double *dx0 = gc_rand(N * C, 6, -1, 1), *dw0 = gc_rand(C, 7, -1, 1);
    double out[N * C], rstd[N];
    ref_rmsnorm(out, rstd, x, w, N, C, EPS);

    double *dx = gc_copy(dx0, N * C), *dw = gc_copy(dw0, C);
    be64->ops->rmsnorm_bwd(be64, dx, dw, R, x, w, rstd, N, C);
    norm_ctx k = {x, w, NULL, R};
    double *ndx = gc_alloc(sizeof(double) * N * C), *ndw = gc_alloc(sizeof(double) * C);
    gc_numeric_grad(norm_loss, &k, x, N * C, ndx);
    gc_numeric_grad(norm_loss, &k, w, C, ndw);
    /* gradients accumulate onto what was there */
    CHECK(gc_max_err(gc_sub(dx, dx0, N * C), ndx, N * C, 1e-3) < 1e-6);
    CHECK(gc_max_err(gc_sub(dw, dw0, C), ndw, C, 1e-3) < 1e-6);

    float *dx32 = gc_f32(dx0, N * C), *dw32 = gc_f32(dw0, C);
    be32->ops->rmsnorm_bwd(be32, dx32, dw32, gc_f32(R, N * C), gc_f32(x, N * C), gc_f32(w, C),
                           gc_f32(rstd, N), N, C);
    CHECK(gc_max_err_f32(dx32, dx, N * C, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(dw32, dw, C, 1e-2) < 1e-4);

    /* dx may be skipped */
    double *dw_only = gc_copy(dw0, C);
    be64->ops->rmsnorm_bwd(be64, NULL, dw_only, R, x, w, rstd, N, C);
    CHECK(memcmp(dw_only, dw, sizeof(double) * C) == 0);
    gc_release();
}

static void test_layernorm_forward(void)
{
    double *x = gc_rand(N * C, 11, -1.0, 2.5), *w = gc_rand(C, 12, 0.5, 1.5);
    double *b = gc_rand(C, 13, -0.5, 0.5);
    double out[N * C], mean[N], rstd[N];
    ref_layernorm(out, mean, rstd, x, w, b, N, C, EPS);
    float *o32 = gc_alloc(sizeof(float) * N * C), *m32 = gc_alloc(sizeof(float) * N);
    float *r32 = gc_alloc(sizeof(float) * N);
    be32->ops->layernorm_fwd(be32, o32, m32, r32, gc_f32(x, N * C), gc_f32(w, C), gc_f32(b, C),
                             N, C, EPS);
    CHECK(gc_max_err_f32(o32, out, N * C, 1e-2) < 1e-5);
    CHECK(gc_max_err_f32(m32, mean, N, 1e-2) < 1e-5);
    CHECK(gc_max_err_f32(r32, rstd, N, 1e-2) < 1e-5);
    gc_release();
}

static void test_layernorm_backward(void)
{
    double *x = gc_rand(N * C, 21, -1.0, 2.5), *w = gc_rand(C, 22, 0.5, 1.5);
    double *b = gc_rand(C, 23, -0.5, 0.5), *R = gc_rand(N * C, 24, -1, 1);
    double *dx0 = gc_rand(N * C, 25, -1, 1), *dw0 = gc_rand(C, 26, -1, 1);
    double *db0 = gc_rand(C, 27, -1, 1);
    double out[N * C], mean[N], rstd[N];
    ref_layernorm(out, mean, rstd, x, w, b, N, C, EPS);

    double *dx = gc_copy(dx0, N * C), *dw = gc_copy(dw0, C), *db = gc_copy(db0, C);
    be64->ops->layernorm_bwd(be64, dx, dw, db, R, x, w, mean, rstd, N, C);
    norm_ctx k = {x, w, b, R};
    double *ndx = gc_alloc(sizeof(double) * N * C), *ndw = gc_alloc(sizeof(double) * C);
    double *ndb = gc_alloc(sizeof(double) * C);
    gc_numeric_grad(norm_loss, &k, x, N * C, ndx);
    gc_numeric_grad(norm_loss, &k, w, C, ndw);
    gc_numeric_grad(norm_loss, &k, b, C, ndb);
    CHECK(gc_max_err(gc_sub(dx, dx0, N * C), ndx, N * C, 1e-3) < 1e-6);
    CHECK(gc_max_err(gc_sub(dw, dw0, C), ndw, C, 1e-3) < 1e-6);
    CHECK(gc_max_err(gc_sub(db, db0, C), ndb, C, 1e-3) < 1e-6);

    float *dx32 = gc_f32(dx0, N * C), *dw32 = gc_f32(dw0, C), *db32 = gc_f32(db0, C);
    be32->ops->layernorm_bwd(be32, dx32, dw32, db32, gc_f32(R, N * C), gc_f32(x, N * C),
                             gc_f32(w, C), gc_f32(mean, N), gc_f32(rstd, N), N, C);
    CHECK(gc_max_err_f32(dx32, dx, N * C, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(dw32, dw, C, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(db32, db, C, 1e-2) < 1e-4);
    gc_release();
}

/* Weight gradients sum over rows: the bits must not depend on threads. */
static void test_norm_threads(void)
{
    enum { TN = 67, TC = 300 };
    float *x = gc_f32(gc_rand(TN * TC, 31, -1, 2), TN * TC);
    float *w = gc_f32(gc_rand(TC, 32, 0.5, 1.5), TC), *b = gc_f32(gc_rand(TC, 33, -1, 1), TC);
    float *g = gc_f32(gc_rand(TN * TC, 34, -1, 1), TN * TC);
    float *out = gc_alloc(sizeof(float) * TN * TC), *mean = gc_alloc(sizeof(float) * TN);
    float *rstd = gc_alloc(sizeof(float) * TN);
    float *grads[2][4];
    int threads[2] = {1, 3};
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(threads[t]);
        for (int j = 0; j < 4; j++) grads[t][j] = gc_alloc(sizeof(float) * TN * TC);
        be32->ops->rmsnorm_fwd(be32, out, rstd, x, w, TN, TC, EPS);
        be32->ops->rmsnorm_bwd(be32, grads[t][0], grads[t][1], g, x, w, rstd, TN, TC);
        be32->ops->layernorm_fwd(be32, out, mean, rstd, x, w, b, TN, TC, EPS);
        be32->ops->layernorm_bwd(be32, grads[t][2], grads[t][3], grads[t][3] + TC, g, x, w, mean,
                                 rstd, TN, TC);
    }
    omp_set_num_threads(2);
    for (int j = 0; j < 4; j++)
        CHECK(memcmp(grads[0][j], grads[1][j], sizeof(float) * TN * TC) == 0);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_rmsnorm_forward);
    RUN(test_rmsnorm_backward);
    RUN(test_layernorm_forward);
    RUN(test_layernorm_backward);
    RUN(test_norm_threads);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
