/* AdamW on the CPU backends against a naive double transcription of
 * torch.optim.AdamW, over several steps with weight decay; the master-weights
 * path; and the sign-step property of the first update. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static pad_backend *be32, *be64;

enum { N = 301, STEPS = 5 };

static void ref_adamw(double *p, const double *g, double *m, double *v, int n,
                      const pad_adamw_hparams *h)
{
    double b1 = h->beta1, b2 = h->beta2;
    for (int i = 0; i < n; i++) {
        p[i] *= 1 - (double)h->lr * h->weight_decay;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double mhat = m[i] / (1 - pow(b1, h->step)), vhat = v[i] / (1 - pow(b2, h->step));
        p[i] -= h->lr * mhat / (sqrt(vhat) + h->eps);
    }
}

static pad_adamw_hparams hparams(int step)
{
    pad_adamw_hparams h = {.lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                           .weight_decay = 0.1f, .step = step};
    return h;
}

static void test_adamw_steps(void)
{
    double *p = gc_rand(N, 80, -1, 1), *m = gc_alloc(sizeof(double) * N);
    double *v = gc_alloc(sizeof(double) * N);
    double *p64 = gc_copy(p, N), *m64 = gc_alloc(sizeof(double) * N);
    double *v64 = gc_alloc(sizeof(double) * N);
    float *p32 = gc_f32(p, N), *m32 = gc_alloc(sizeof(float) * N);
    float *v32 = gc_alloc(sizeof(float) * N);
    for (int t = 1; t <= STEPS; t++) {
        double *g = gc_rand(N, 90 + t, -2, 2);
        pad_adamw_hparams h = hparams(t);
        ref_adamw(p, g, m, v, N, &h);
        be64->ops->adamw(be64, p64, NULL, g, m64, v64, N, &h);
        be32->ops->adamw(be32, p32, NULL, gc_f32(g, N), m32, v32, N, &h);
    }
    CHECK(gc_max_err(p64, p, N, 1e-2) < 1e-12);
    CHECK(gc_max_err(m64, m, N, 1e-2) < 1e-12 && gc_max_err(v64, v, N, 1e-2) < 1e-12);
    CHECK(gc_max_err_f32(p32, p, N, 1e-2) < 1e-5);
    CHECK(gc_max_err_f32(m32, m, N, 1e-2) < 1e-5 && gc_max_err_f32(v32, v, N, 1e-2) < 1e-5);
    gc_release();
}

/* Step 1 without decay moves every weight by lr * g/(|g| + eps), about lr. */
static void test_adamw_first_step(void)
{
    double *p = gc_rand(N, 81, -1, 1), *g = gc_rand(N, 82, -2, 2);
    double *p1 = gc_copy(p, N), *m = gc_alloc(sizeof(double) * N);
    double *v = gc_alloc(sizeof(double) * N);
    pad_adamw_hparams h = hparams(1);
    h.weight_decay = 0;
    be64->ops->adamw(be64, p1, NULL, g, m, v, N, &h);
    int ok = 1;
    for (int i = 0; i < N; i++)
        if (fabs((p[i] - p1[i]) - h.lr * g[i] / (fabs(g[i]) + h.eps)) > 1e-12) ok = 0;
    CHECK(ok);
    gc_release();
}

/* With master weights the update runs on the master copy and params become
 * a copy of it, whatever they held before. */
static void test_adamw_master(void)
{
    double *init = gc_rand(N, 83, -1, 1);
    float *plain = gc_f32(init, N), *master = gc_f32(init, N);
    float *params = gc_f32(gc_rand(N, 84, 5, 6), N);
    float *m1 = gc_alloc(sizeof(float) * N), *v1 = gc_alloc(sizeof(float) * N);
    float *m2 = gc_alloc(sizeof(float) * N), *v2 = gc_alloc(sizeof(float) * N);
    for (int t = 1; t <= STEPS; t++) {
        float *g = gc_f32(gc_rand(N, 95 + t, -2, 2), N);
        pad_adamw_hparams h = hparams(t);
        be32->ops->adamw(be32, plain, NULL, g, m1, v1, N, &h);
        be32->ops->adamw(be32, params, master, g, m2, v2, N, &h);
    }
    CHECK(memcmp(master, plain, sizeof(float) * N) == 0);
    CHECK(memcmp(params, master, sizeof(float) * N) == 0);
    CHECK(memcmp(m1, m2, sizeof(float) * N) == 0 && memcmp(v1, v2, sizeof(float) * N) == 0);
    gc_release();
}

int main(void)
{
    be32 = gc_backend("cpu");
    be64 = gc_backend("cpu64");
    RUN(test_adamw_steps);
    RUN(test_adamw_first_step);
    RUN(test_adamw_master);
    pad_backend_destroy(be32);
    pad_backend_destroy(be64);
    return check_finish();
}
