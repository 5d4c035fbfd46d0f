/* Linear layers on the CPU backends, both weight layouts, with and without
 * bias, on non-square sizes: float forward vs naive double, cpu64 backward vs
 * finite differences (accumulating), float backward vs cpu64, and
 * thread-count independence of the weight gradients. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 7, C = 13, OC = 5 };

/* W[o][c] is at w[o*C + c] for [OC,C] and at w[c*OC + o] for [C,OC]. */
static double weight_at(const double *w, pad_weight_layout layout, int o, int c, int c_dim,
                        int oc_dim)
{
    return layout == PAD_W_OUT_IN ? w[o * c_dim + c] : w[c * oc_dim + o];
}

static void ref_matmul(double *out, const double *x, const double *w, pad_weight_layout layout,
                       const double *bias, int n_rows, int c_dim, int oc_dim)
{
    for (int n = 0; n < n_rows; n++)
        for (int o = 0; o < oc_dim; o++) {
            double s = bias ? bias[o] : 0;
            for (int c = 0; c < c_dim; c++)
                s += x[n * c_dim + c] * weight_at(w, layout, o, c, c_dim, oc_dim);
            out[n * oc_dim + o] = s;
        }
}

typedef struct {
    double *x, *w, *bias, *R;
    pad_weight_layout layout;
} mm_ctx;

static double mm_loss(void *p)
{
    mm_ctx *k = p;
    double out[N * OC];
    ref_matmul(out, k->x, k->w, k->layout, k->bias, N, C, OC);
    return gc_dot(out, k->R, N * OC);
}

static void check_matmul(pad_weight_layout layout, int with_bias)
{
    uint64_t s = 100 * (uint64_t)layout + 10 * (uint64_t)with_bias;
    double *x = gc_rand(N * C, s + 1, -1, 1), *w = gc_rand(OC * C, s + 2, -1, 1);
    double *bias = with_bias ? gc_rand(OC, s + 3, -1, 1) : NULL;
    double *R = gc_rand(N * OC, s + 4, -1, 1);

    double out[N * OC];
    ref_matmul(out, x, w, layout, bias, N, C, OC);
    float *o32 = gc_f32(gc_rand(N * OC, s + 5, -9, 9), N * OC); /* overwritten, not added to */
    be32->ops->matmul_fwd(be32, o32, gc_f32(x, N * C), gc_f32(w, OC * C), layout,
                          bias ? gc_f32(bias, OC) : NULL, N, C, OC);
    CHECK_MSG(gc_max_err_f32(o32, out, N * OC, 1e-2) < 1e-5, "layout %d bias %d", layout,
              with_bias);

    double *dx0 = gc_rand(N * C, s + 6, -1, 1), *dw0 = gc_rand(OC * C, s + 7, -1, 1);
    double *db0 = gc_rand(OC, s + 8, -1, 1);
    double *dx = gc_copy(dx0, N * C), *dw = gc_copy(dw0, OC * C), *db = gc_copy(db0, OC);
    be64->ops->matmul_bwd(be64, dx, dw, bias ? db : NULL, R, x, w, layout, N, C, OC);
    mm_ctx k = {x, w, bias, R, layout};
    double *ndx = gc_alloc(sizeof(double) * N * C), *ndw = gc_alloc(sizeof(double) * OC * C);
    gc_numeric_grad(mm_loss, &k, x, N * C, ndx);
    gc_numeric_grad(mm_loss, &k, w, OC * C, ndw);
    CHECK(gc_max_err(gc_sub(dx, dx0, N * C), ndx, N * C, 1e-3) < 1e-6);
    CHECK(gc_max_err(gc_sub(dw, dw0, OC * C), ndw, OC * C, 1e-3) < 1e-6);
    if (bias) {
        double *ndb = gc_alloc(sizeof(double) * OC);
        gc_numeric_grad(mm_loss, &k, bias, OC, ndb);
        CHECK(gc_max_err(gc_sub(db, db0, OC), ndb, OC, 1e-3) < 1e-6);
    } else {
        CHECK(memcmp(db, db0, sizeof(double) * OC) == 0);
    }

    float *dx32 = gc_f32(dx0, N * C), *dw32 = gc_f32(dw0, OC * C), *db32 = gc_f32(db0, OC);
    be32->ops->matmul_bwd(be32, dx32, dw32, bias ? db32 : NULL, gc_f32(R, N * OC),
                          gc_f32(x, N * C), gc_f32(w, OC * C), layout, N, C, OC);
    CHECK(gc_max_err_f32(dx32, dx, N * C, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(dw32, dw, OC * C, 1e-2) < 1e-4);
    CHECK(gc_max_err_f32(db32, db, OC, 1e-2) < 1e-4);

    /* without dx only the weight gradient moves */
    double *dw_only = gc_copy(dw0, OC * C);
    be64->ops->matmul_bwd(be64, NULL, dw_only, NULL, R, x, w, layout, N, C, OC);
    CHECK(memcmp(dw_only, dw, sizeof(double) * OC * C) == 0);
    gc_release();
}

static void test_matmul_out_in(void)
{
    check_matmul(PAD_W_OUT_IN, 0);
    check_matmul(PAD_W_OUT_IN, 1);
}

static void test_matmul_in_out(void)
{
    check_matmul(PAD_W_IN_OUT, 0);
    check_matmul(PAD_W_IN_OUT, 1);
}

/* Gradients summed over many rows must not depend on OpenMP or BLAS threads. */
static void test_matmul_threads(void)
{
    enum { TN = 301, TC = 67, TOC = 130 };
    float *x = gc_f32(gc_rand(TN * TC, 41, -1, 1), TN * TC);
    float *w = gc_f32(gc_rand(TOC * TC, 42, -1, 1), TOC * TC);
    float *g = gc_f32(gc_rand(TN * TOC, 43, -1, 1), TN * TOC);
    float *grads[2][3];
    int threads[2] = {1, 3};
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(threads[t]);
        openblas_set_num_threads(threads[t]);
        grads[t][0] = gc_alloc(sizeof(float) * TN * TC);
        grads[t][1] = gc_alloc(sizeof(float) * TOC * TC);
        grads[t][2] = gc_alloc(sizeof(float) * TOC);
        for (int layout = PAD_W_OUT_IN; layout <= PAD_W_IN_OUT; layout++)
            be32->ops->matmul_bwd(be32, grads[t][0], grads[t][1], grads[t][2], g, x, w, layout, TN,
                                  TC, TOC);
    }
    omp_set_num_threads(2);
    openblas_set_num_threads(2);
    CHECK(memcmp(grads[0][0], grads[1][0], sizeof(float) * TN * TC) == 0);
    CHECK(memcmp(grads[0][1], grads[1][1], sizeof(float) * TOC * TC) == 0);
    CHECK(memcmp(grads[0][2], grads[1][2], sizeof(float) * TOC) == 0);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_matmul_out_in);
    RUN(test_matmul_in_out);
    RUN(test_matmul_threads);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
