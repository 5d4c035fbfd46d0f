/* pad: CPU linear layers through BLAS.
 *
 * out[N,OC] = x[N,C] W^T (+ bias), W stored [OC,C] (nn.Linear) or [C,OC]
 * (GPT-2's Conv1D).  Backward passes use beta = 1 so every gradient
 * accumulates, as backend.h requires. */
#include <cblas.h>

#include "backend/cpu/cpu_internal.h"

#if PAD_CPU_F64
#define R_GEMM cblas_dgemm
#else
#define R_GEMM cblas_sgemm
#endif

#define BIAS_COL_BLOCK 64

void CPU_FN(matmul_fwd)(pad_backend *be, void *out, const void *x, const void *w,
                        pad_weight_layout layout, const void *bias, int N, int C, int OC)
{
    real *o = out;
    const real *bs = bias;
    if (N <= 0 || OC <= 0) return;
    if (layout == PAD_W_OUT_IN)
        R_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1, x, C, w, C, 0, o, OC);
    else
        R_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, OC, C, 1, x, C, w, OC, 0, o, OC);
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
        if (dx)
            R_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1, dout, OC, w, C, 1, dx,
                   C);
        if (dw)
            R_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1, dout, OC, x, C, 1, dw, C);
    } else {
        /* dx[N,C] += dout[N,OC] W[C,OC]^T;  dW[C,OC] += x^T dout */
        if (dx)
            R_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, N, C, OC, 1, dout, OC, w, OC, 1, dx, C);
        if (dw)
            R_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, C, OC, N, 1, x, C, dout, OC, 1, dw, OC);
    }
    if (dbias) bias_grad(dbias, dout, N, OC);
}
