#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* Central-difference step: truncation error ~h^2, round-off ~1e-16/h. */
#define GC_STEP 1e-5

static void **scratch;
static size_t scratch_len, scratch_cap;

pad_backend *gc_backend(const char *name)
{
    pad_error err;
    pad_error_clear(&err);
    pad_backend *be = pad_backend_create(name, &err);
    if (!be) {
        fprintf(stderr, "cannot create backend %s: %s\n", name, err.message);
        exit(2);
    }
    return be;
}

void *gc_alloc(size_t bytes)
{
    if (scratch_len == scratch_cap) {
        scratch_cap = scratch_cap ? 2 * scratch_cap : 64;
        scratch = realloc(scratch, scratch_cap * sizeof *scratch);
        if (!scratch) exit(2);
    }
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p) exit(2);
    scratch[scratch_len++] = p;
    return p;
}

double *gc_rand(size_t n, uint64_t seed, double lo, double hi)
{
    double *x = gc_alloc(n * sizeof *x);
    check_fill_uniform_f64(x, n, seed, lo, hi);
    return x;
}

double *gc_copy(const double *x, size_t n)
{
    double *y = gc_alloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = x[i];
    return y;
}

float *gc_f32(const double *x, size_t n)
{
    float *y = gc_alloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = (float)x[i];
    return y;
}

double *gc_f64(const float *x, size_t n)
{
    double *y = gc_alloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = x[i];
    return y;
}

void gc_release(void)
{
    for (size_t i = 0; i < scratch_len; i++) free(scratch[i]);
    free(scratch);
    scratch = NULL;
    scratch_len = scratch_cap = 0;
}

double gc_max_err(const double *a, const double *b, size_t n, double floor)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = check_rel_err(a[i], b[i], floor);
        if (!(e <= worst)) worst = e; /* NaN wins */
    }
    return worst;
}

double gc_max_err_f32(const float *a, const double *b, size_t n, double floor)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = check_rel_err(a[i], b[i], floor);
        if (!(e <= worst)) worst = e;
    }
    return worst;
}

double gc_dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

double *gc_sub(const double *a, const double *b, size_t n)
{
    double *d = gc_alloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = a[i] - b[i];
    return d;
}

void gc_numeric_grad(gc_loss_fn f, void *ctx, double *x, size_t n, double *grad)
{
    for (size_t i = 0; i < n; i++) {
        double keep = x[i];
        x[i] = keep + GC_STEP;
        double up = f(ctx);
        x[i] = keep - GC_STEP;
        double down = f(ctx);
        x[i] = keep;
        grad[i] = (up - down) / (2 * GC_STEP);
    }
}
