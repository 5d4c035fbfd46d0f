/* pad: CPU token embedding lookup and its gradient, and the strided row
 * gather the KV caches use. */
#include <string.h>

#include "backend/cpu/cpu_internal.h"

/* Channels per task in the backward pass: wide enough for contiguous adds,
 * narrow enough to spread small models over threads. */
#define EMB_COL_BLOCK 64

void CPU_FN(embedding_fwd)(pad_backend *be, void *out, const int32_t *ids, const void *table,
                           int N, int C)
{
    real *o = out;
    const real *t = table;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++)
        memcpy(o + (size_t)n * C, t + (size_t)ids[n] * C, (size_t)C * sizeof(real));
}

void CPU_FN(embedding_bwd)(pad_backend *be, void *dtable, const void *dout, const int32_t *ids,
                           int N, int C, int V)
{
    real *dt = dtable;
    const real *g = dout;
    int nblocks = (C + EMB_COL_BLOCK - 1) / EMB_COL_BLOCK;
    /* Repeated ids hit the same row: each task owns a band of channels and
     * walks the tokens in order, so the sums are race-free and their order
     * is fixed whatever the thread count. */
#pragma omp parallel for schedule(static)
    for (int b = 0; b < nblocks; b++) {
        int c0 = b * EMB_COL_BLOCK;
        int c1 = c0 + EMB_COL_BLOCK < C ? c0 + EMB_COL_BLOCK : C;
        for (int n = 0; n < N; n++) {
            if (ids[n] < 0 || ids[n] >= V) continue;
            real *row = dt + (size_t)ids[n] * C;
            const real *gr = g + (size_t)n * C;
            for (int c = c0; c < c1; c++) row[c] += gr[c];
        }
    }
}

void CPU_FN(copy_rows)(pad_backend *be, void *dst, size_t dst_stride, const void *src,
                       size_t src_stride, const int32_t *idx, int n, size_t row_elems)
{
    real *d = dst;
    const real *s = src;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        size_t from = idx ? (size_t)idx[i] : (size_t)i;
        memcpy(d + (size_t)i * dst_stride, s + from * src_stride, row_elems * sizeof(real));
    }
}
