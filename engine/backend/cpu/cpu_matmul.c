/* pad: CPU linear layers through BLAS.
 *
 * out[N,OC] = x[N,C] W^T (+ bias), W stored [OC,C] (nn.Linear) or [C,OC]
 * (GPT-2's Conv1D).  Backward passes use beta = 1 so every gradient
 * accumulates, as backend.h requires.
 *
 * BLAS runs single-threaded inside our own OpenMP threads, each taking a
 * band of output rows: two thread pools (OpenBLAS's and OpenMP's) on the
 * same cores spin against each other, which made training up to four
 * times slower on a busy 2-core machine.  Splitting output rows never
 * splits a dot product, so results do not depend on the thread count. */
#include <cblas.h>

#include "backend/cpu/cpu_internal.h"

#if PAD_CPU_F64
#define R_GEMM cblas_dgemm
#else
#define R_GEMM cblas_sgemm
#endif

#define BIAS_COL_BLOCK 64
#define GEMM_BAND 64 /* rows per BLAS call: fixed, so no result depends on the thread count */

void CPU_FN(blas_single_threaded)(void) { openblas_set_num_threads(1); }

/* C[M,N] = op(A) op(B) + beta C, row-major, in bands of GEMM_BAND rows of C
 * spread over the OpenMP threads.  op(A) rows are A's rows (NoTrans) or its
 * columns (Trans).  The bands are the same whatever the thread count (BLAS
 * may pick another kernel for another band height). */
static void gemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int M, int N, int K,
                 const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc)
{
    int bands = (M + GEMM_BAND - 1) / GEMM_BAND;
#pragma omp parallel for schedule(static)
    for (int b = 0; b < bands; b++) {
        int m0 = b * GEMM_BAND, m = M - m0 < GEMM_BAND ? M - m0 : GEMM_BAND;
        const real *a = ta == CblasNoTrans ? A + (size_t)m0 * lda : A + m0;
        R_GEMM(CblasRowMajor, ta, tb, m, N, K, 1, a, lda, B, ldb, beta, C + (size_t)m0 * ldc, ldc);
    }
}

void CPU_FN(matmul_fwd)(pad_backend *be, void *out, const void *x, const void *w,
                        pad_weight_layout layout, const void *bias, int N, int C, int OC)
{
    real *o = out;
    const real *bs = bias;
    if (N <= 0 || OC <= 0) return;
    if (layout == PAD_W_OUT_IN)
        gemm(CblasNoTrans, CblasTrans, N, OC, C, x, C, w, C, 0, o, OC);
    else
        gemm(CblasNoTrans, CblasNoTrans, N, OC, C, x, C, w, OC, 0, o, OC);
    if (!bs) return;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        real *row = o + (size_t)n * OC;
        for (int j = 0; j < OC; j++) row[j] += bs[j];
    }
}

/* dbias[j] += sum over rows of dout[:, j], each column band summed in row
 * order by one thread. */
static void bias_grad(real *dbias, const real *dout, int N, int OC)
{
    int nblocks = (OC + BIAS_COL_BLOCK - 1) / BIAS_COL_BLOCK;
#pragma omp parallel for schedule(static)
    for (int b = 0; b < nblocks; b++) {
        int j0 = b * BIAS_COL_BLOCK;
        int j1 = j0 + BIAS_COL_BLOCK < OC ? j0 + BIAS_COL_BLOCK : OC;
        for (int n = 0; n < N; n++) {
            const real *row = dout + (size_t)n * OC;
            for (int j = j0; j < j1; j++) dbias[j] += row[j];
        }
    }
}

void CPU_FN(matmul_bwd)(pad_backend *be, void *dx, void *dw, void *dbias, const void *dout,
                        const void *x, const void *w, pad_weight_layout layout, int N, int C,
                        int OC)
{
    if (N <= 0 || C <= 0 || OC <= 0) return;
    if (layout == PAD_W_OUT_IN) {
        /* dx[N,C] += dout[N,OC] W[OC,C];  dW[OC,C] += dout^T x */
        if (dx) gemm(CblasNoTrans, CblasNoTrans, N, C, OC, dout, OC, w, C, 1, dx, C);
        if (dw) gemm(CblasTrans, CblasNoTrans, OC, C, N, dout, OC, x, C, 1, dw, C);
    } else {
        /* dx[N,C] += dout[N,OC] W[C,OC]^T;  dW[C,OC] += x^T dout */
        if (dx) gemm(CblasNoTrans, CblasTrans, N, C, OC, dout, OC, w, OC, 1, dx, C);
        if (dw) gemm(CblasTrans, CblasNoTrans, C, OC, N, x, C, dout, OC, 1, dw, OC);
    }
    if (dbias) bias_grad(dbias, dout, N, OC);
}
