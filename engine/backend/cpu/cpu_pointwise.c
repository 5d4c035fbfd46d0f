/* pad: CPU element-wise ops: activations, adds, scaling, dropout.
 *
 * Each element is independent, so any OpenMP split gives identical bits;
 * dropout draws element i's number from (seed, stream, i) for the same
 * reason. */
#include <string.h>

#include "backend/cpu/cpu_internal.h"
#include "core/rng.h"

/* sqrt(2/pi), the constant of the tanh approximation */
#define GELU_K ((real)0.7978845608028654)
#define GELU_C ((real)0.044715)

static inline real gelu(real x)
{
    real t = R_TANH(GELU_K * (x + GELU_C * x * x * x));
    return (real)0.5 * x * (1 + t);
}

static inline real gelu_grad(real x)
{
    real t = R_TANH(GELU_K * (x + GELU_C * x * x * x));
    real du = GELU_K * (1 + 3 * GELU_C * x * x);
    return (real)0.5 * (1 + t) + (real)0.5 * x * (1 - t * t) * du;
}

void CPU_FN(relu_fwd)(pad_backend *be, void *out, const void *x, size_t n)
{
    real *o = out;
    const real *xs = x;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) o[i] = xs[i] > 0 ? xs[i] : 0;
}

void CPU_FN(relu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n)
{
    real *d = dx;
    const real *g = dout, *xs = x;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (xs[i] > 0) d[i] += g[i];
}

void CPU_FN(gelu_fwd)(pad_backend *be, void *out, const void *x, size_t n)
{
    real *o = out;
    const real *xs = x;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) o[i] = gelu(xs[i]);
}

void CPU_FN(gelu_bwd)(pad_backend *be, void *dx, const void *dout, const void *x, size_t n)
{
    real *d = dx;
    const real *g = dout, *xs = x;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) d[i] += g[i] * gelu_grad(xs[i]);
}

void CPU_FN(gated_gelu_fwd)(pad_backend *be, void *out, const void *gate, const void *up,
                            size_t n)
{
    real *o = out;
    const real *gs = gate, *us = up;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) o[i] = gelu(gs[i]) * us[i];
}

void CPU_FN(gated_gelu_bwd)(pad_backend *be, void *dgate, void *dup, const void *dout,
                            const void *gate, const void *up, size_t n)
{
    real *dg = dgate, *du = dup;
    const real *g = dout, *gs = gate, *us = up;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        dg[i] += g[i] * us[i] * gelu_grad(gs[i]);
        du[i] += g[i] * gelu(gs[i]);
    }
}

void CPU_FN(add)(pad_backend *be, void *out, const void *a, const void *b, size_t n)
{
    real *o = out;
    const real *as = a, *bs = b;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) o[i] = as[i] + bs[i];
}

void CPU_FN(accumulate)(pad_backend *be, void *y, const void *x, size_t n)
{
    real *ys = y;
    const real *xs = x;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) ys[i] += xs[i];
}

void CPU_FN(scale)(pad_backend *be, void *out, const void *x, float s, size_t n)
{
    real *o = out;
    const real *xs = x;
    real k = s;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) o[i] = k * xs[i];
}

/* The factor a kept element is multiplied by; p >= 1 drops everything. */
static real dropout_scale(float p)
{
    return p < 1 ? (real)1 / ((real)1 - (real)p) : 0;
}

void CPU_FN(dropout_fwd)(pad_backend *be, void *out, const void *x, float p, uint64_t seed,
                         uint64_t stream, size_t n)
{
    real *o = out;
    const real *xs = x;
    if (p <= 0) {
        if (o != xs) memcpy(o, xs, n * sizeof(real));
        return;
    }
    real k = dropout_scale(p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        o[i] = pad_rng_uniform_at(seed, stream, i) >= p ? xs[i] * k : 0;
}

void CPU_FN(dropout_bwd)(pad_backend *be, void *dx, const void *dout, float p, uint64_t seed,
                         uint64_t stream, size_t n)
{
    real *d = dx;
    const real *g = dout;
    if (p <= 0) {
        CPU_FN(accumulate)(be, dx, dout, n);
        return;
    }
    real k = dropout_scale(p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (pad_rng_uniform_at(seed, stream, i) >= p) d[i] += g[i] * k;
}
