/* pad: CPU RMSNorm (T5: no mean, no bias) and LayerNorm (GPT-2).
 *
 * Row statistics are accumulated in double; weight gradients are column sums
 * taken in row order by one thread per column band, so they do not depend on
 * the thread count. */
#include "backend/cpu/cpu_internal.h"

#define NORM_COL_BLOCK 64

void CPU_FN(rmsnorm_fwd)(pad_backend *be, void *out, void *rstd, const void *x, const void *w,
                         int N, int C, float eps)
{
    real *o = out, *rs = rstd;
    const real *xs = x, *ws = w;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const real *xr = xs + (size_t)n * C;
        double ss = 0.0;
        for (int c = 0; c < C; c++) ss += (double)xr[c] * xr[c];
        real r = (real)(1.0 / sqrt(ss / C + eps));
        rs[n] = r;
        real *orow = o + (size_t)n * C;
        for (int c = 0; c < C; c++) orow[c] = xr[c] * r * ws[c];
    }
}

void CPU_FN(rmsnorm_bwd)(pad_backend *be, void *dx, void *dw, const void *dout, const void *x,
                         const void *w, const void *rstd, int N, int C)
{
    real *dxs = dx, *dws = dw;
    const real *g = dout, *xs = x, *ws = w, *rs = rstd;
    if (dxs) {
        /* y = w*x*r with r = (mean(x^2)+eps)^-1/2, so
         * dx = r*w*g - x * r^3/C * sum(g*w*x). */
#pragma omp parallel for schedule(static)
        for (int n = 0; n < N; n++) {
            const real *xr = xs + (size_t)n * C, *gr = g + (size_t)n * C;
            double dot = 0.0;
            for (int c = 0; c < C; c++) dot += (double)gr[c] * ws[c] * xr[c];
            real r = rs[n];
            real k = (real)(dot * r * r * r / C);
            real *d = dxs + (size_t)n * C;
            for (int c = 0; c < C; c++) d[c] += r * ws[c] * gr[c] - xr[c] * k;
        }
    }
    if (dws) {
        int nblocks = (C + NORM_COL_BLOCK - 1) / NORM_COL_BLOCK;
#pragma omp parallel for schedule(static)
        for (int b = 0; b < nblocks; b++) {
            int c0 = b * NORM_COL_BLOCK;
            int c1 = c0 + NORM_COL_BLOCK < C ? c0 + NORM_COL_BLOCK : C;
            for (int n = 0; n < N; n++) {
                const real *xr = xs + (size_t)n * C, *gr = g + (size_t)n * C;
                for (int c = c0; c < c1; c++) dws[c] += gr[c] * xr[c] * rs[n];
            }
        }
    }
}

void CPU_FN(layernorm_fwd)(pad_backend *be, void *out, void *mean, void *rstd, const void *x,
                           const void *w, const void *b, int N, int C, float eps)
{
    real *o = out, *ms = mean, *rs = rstd;
    const real *xs = x, *ws = w, *bs = b;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const real *xr = xs + (size_t)n * C;
        double s = 0.0;
        for (int c = 0; c < C; c++) s += xr[c];
        double mu = s / C;
        double v = 0.0; /* biased variance, as torch */
        for (int c = 0; c < C; c++) v += (xr[c] - mu) * (xr[c] - mu);
        real m = (real)mu;
        real r = (real)(1.0 / sqrt(v / C + eps));
        ms[n] = m;
        rs[n] = r;
        real *orow = o + (size_t)n * C;
        for (int c = 0; c < C; c++) orow[c] = (xr[c] - m) * r * ws[c] + bs[c];
    }
}

void CPU_FN(layernorm_bwd)(pad_backend *be, void *dx, void *dw, void *db, const void *dout,
                           const void *x, const void *w, const void *mean, const void *rstd,
                           int N, int C)
{
    real *dxs = dx, *dws = dw, *dbs = db;
    const real *g = dout, *xs = x, *ws = w, *ms = mean, *rs = rstd;
    if (dxs) {
        /* With xhat = (x-mean)*r and h = g*w:
         * dx = r * (h - mean(h) - xhat * mean(h*xhat)). */
#pragma omp parallel for schedule(static)
        for (int n = 0; n < N; n++) {
            const real *xr = xs + (size_t)n * C, *gr = g + (size_t)n * C;
            real m = ms[n], r = rs[n];
            double sh = 0.0, shx = 0.0;
            for (int c = 0; c < C; c++) {
                double h = (double)gr[c] * ws[c];
                sh += h;
                shx += h * ((xr[c] - m) * r);
            }
            real mh = (real)(sh / C), mhx = (real)(shx / C);
            real *d = dxs + (size_t)n * C;
            for (int c = 0; c < C; c++) {
                real xhat = (xr[c] - m) * r;
                d[c] += r * (gr[c] * ws[c] - mh - xhat * mhx);
            }
        }
    }
    if (dws || dbs) {
        int nblocks = (C + NORM_COL_BLOCK - 1) / NORM_COL_BLOCK;
#pragma omp parallel for schedule(static)
        for (int b = 0; b < nblocks; b++) {
            int c0 = b * NORM_COL_BLOCK;
            int c1 = c0 + NORM_COL_BLOCK < C ? c0 + NORM_COL_BLOCK : C;
            for (int n = 0; n < N; n++) {
                const real *xr = xs + (size_t)n * C, *gr = g + (size_t)n * C;
                for (int c = c0; c < c1; c++) {
                    if (dws) dws[c] += gr[c] * ((xr[c] - ms[n]) * rs[n]);
                    if (dbs) dbs[c] += gr[c];
                }
            }
        }
    }
}
