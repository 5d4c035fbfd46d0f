/* pad: CPU reductions to one value, deterministic for any thread count:
 * fixed blocks of CPU_REDUCE_BLOCK elements are summed in parallel (in
 * double), then the block sums are added in order. */
#include "backend/cpu/cpu_internal.h"

/* Block sums held at once; rounds of this many keep the scratch on the stack. */
#define REDUCE_ROUND 256

static double block_sum(const real *x, size_t lo, size_t hi, int squares)
{
    double s = 0.0;
    if (squares)
        for (size_t i = lo; i < hi; i++) s += (double)x[i] * x[i];
    else
        for (size_t i = lo; i < hi; i++) s += x[i];
    return s;
}

static real reduce(const real *x, size_t n, int squares)
{
    size_t nblocks = (n + CPU_REDUCE_BLOCK - 1) / CPU_REDUCE_BLOCK;
    double total = 0.0;
    for (size_t b0 = 0; b0 < nblocks; b0 += REDUCE_ROUND) {
        double part[REDUCE_ROUND];
        int count = nblocks - b0 < REDUCE_ROUND ? (int)(nblocks - b0) : REDUCE_ROUND;
#pragma omp parallel for schedule(static)
        for (int k = 0; k < count; k++) {
            size_t lo = (b0 + k) * CPU_REDUCE_BLOCK;
            size_t hi = lo + CPU_REDUCE_BLOCK < n ? lo + CPU_REDUCE_BLOCK : n;
            part[k] = block_sum(x, lo, hi, squares);
        }
        for (int k = 0; k < count; k++) total += part[k];
    }
    return (real)total;
}

void CPU_FN(sum)(pad_backend *be, void *out, const void *stat_x, size_t n)
{
    *(real *)out = reduce(stat_x, n, 0);
}

void CPU_FN(sum_squares)(pad_backend *be, void *out, const void *x, size_t n)
{
    *(real *)out = reduce(x, n, 1);
}
