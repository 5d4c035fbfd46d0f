/* pad: linear layers through cuBLASLt: bf16 operands, fp32 accumulation.
 *
 * cuBLASLt is column-major; a row-major [R, K] matrix is the column-major
 * [K, R] one, so out[N,OC] = x W^T is computed as out^T = W' x^T with m = OC,
 * n = N, k = C, where W' is W (transposed or not by its layout).  Backward
 * products use beta = 1 so the gradients accumulate.  The bias rides in the
 * epilogue when it is aligned, else a separate pass adds it.  dbias is a
 * deterministic column sum (colsum.cuh). */
#include <stdio.h>
#include <string.h>

#include "colsum.cuh"

/* One D[m,n] (+)= op(A) op(B) (+ bias[m]) in column-major terms. */
typedef struct lt_gemm {
    cublasOperation_t transa, transb;
    int m, n, k;
    const bf16 *A;
    int lda;
    const bf16 *B;
    int ldb;
    bf16 *D;
    int ldd;
    float beta; /* 0 overwrites D, 1 accumulates into it */
    const bf16 *bias;
} lt_gemm;

/* Largest power of two (at most 256, cuBLASLt's default assumption) that
 * divides the address: algorithms needing more are then excluded. */
static int ptr_align(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    int al = 256;
    while (al > 1 && a % (uintptr_t)al) al >>= 1;
    return al;
}

static cuda_algo_key algo_key(const lt_gemm *g)
{
    cuda_algo_key key;
    memset(&key, 0, sizeof key);
    key.transa = g->transa;
    key.transb = g->transb;
    key.m = g->m;
    key.n = g->n;
    key.k = g->k;
    key.lda = g->lda;
    key.ldb = g->ldb;
    key.ldd = g->ldd;
    key.epilogue = g->bias != NULL;
    key.beta_one = g->beta != 0.0f;
    key.align_a = ptr_align(g->A);
    key.align_b = ptr_align(g->B);
    key.align_d = ptr_align(g->D);
    return key;
}

static int set_pref(pad_backend *be, cublasLtMatmulPreference_t pref,
                    cublasLtMatmulPreferenceAttributes_t attr, const void *value, size_t size)
{
    return cuda_check_blas(be, cublasLtMatmulPreferenceSetAttribute(pref, attr, value, size),
                           "matmul preference");
}

static int set_desc(pad_backend *be, cublasLtMatmulDesc_t op, cublasLtMatmulDescAttributes_t attr,
                    const void *value, size_t size, const char *what)
{
    return cuda_check_blas(be, cublasLtMatmulDescSetAttribute(op, attr, value, size), what);
}

/* The heuristic's first choice for this problem, remembered per shape: the
 * query costs more than a small matmul. */
static int find_algo(pad_backend *be, const lt_gemm *g, cublasLtMatmulDesc_t op,
                     cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb,
                     cublasLtMatrixLayout_t ld, cublasLtMatmulAlgo_t *algo)
{
    cuda_state *s = cuda_st(be);
    cuda_algo_key key = algo_key(g);
    for (int i = 0; i < CUDA_ALGO_CACHE; i++)
        if (s->algos[i].used && memcmp(&s->algos[i].key, &key, sizeof key) == 0) {
            *algo = s->algos[i].algo;
            return 0;
        }
    cublasLtMatmulPreference_t pref = NULL;
    cublasLtMatmulHeuristicResult_t result;
    int found = 0, failed = 1;
    uint64_t ws = s->workspace_bytes;
    uint32_t al_a = (uint32_t)key.align_a, al_b = (uint32_t)key.align_b;
    uint32_t al_d = (uint32_t)key.align_d;
    if (cuda_check_blas(be, cublasLtMatmulPreferenceCreate(&pref), "matmul preference")) return 1;
    if (set_pref(be, pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws) ||
        set_pref(be, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof al_a) ||
        set_pref(be, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof al_b) ||
        set_pref(be, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_d, sizeof al_d) ||
        set_pref(be, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_d, sizeof al_d) ||
        cuda_check_blas(be, cublasLtMatmulAlgoGetHeuristic(s->lt, op, la, lb, ld, ld, pref, 1,
                                                           &result, &found),
                        "matmul heuristic"))
        goto done;
    if (found < 1) {
        char why[160];
        snprintf(why, sizeof why, "no cuBLASLt algorithm for m=%d n=%d k=%d (lda %d ldb %d ldd %d)",
                 g->m, g->n, g->k, g->lda, g->ldb, g->ldd);
        cuda_fail(be, "matmul", why);
        goto done;
    }
    *algo = result.algo;
    s->algos[s->algo_next].key = key;
    s->algos[s->algo_next].algo = result.algo;
    s->algos[s->algo_next].used = 1;
    s->algo_next = (s->algo_next + 1) % CUDA_ALGO_CACHE;
    failed = 0;
done:
    cublasLtMatmulPreferenceDestroy(pref);
    return failed;
}

/* A column-major bf16 layout of the matrix as stored (before op()). */
static int make_layout(pad_backend *be, cublasLtMatrixLayout_t *l, int rows, int cols, int ld)
{
    return cuda_check_blas(be, cublasLtMatrixLayoutCreate(l, CUDA_R_16BF, rows, cols, ld),
                           "matmul layout");
}

static void lt_run(pad_backend *be, const lt_gemm *g, const char *what)
{
    cuda_state *s = cuda_st(be);
    cublasLtMatmulDesc_t op = NULL;
    cublasLtMatrixLayout_t la = NULL, lb = NULL, ld = NULL;
    cublasLtMatmulAlgo_t algo;
    int a_n = g->transa == CUBLAS_OP_N, b_n = g->transb == CUBLAS_OP_N;
    float alpha = 1.0f, beta = g->beta;
    if (cuda_check_blas(be, cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), what))
        return;
    if (set_desc(be, op, CUBLASLT_MATMUL_DESC_TRANSA, &g->transa, sizeof g->transa, what) ||
        set_desc(be, op, CUBLASLT_MATMUL_DESC_TRANSB, &g->transb, sizeof g->transb, what))
        goto done;
    if (g->bias) {
        cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
        const void *bias = g->bias;
        if (set_desc(be, op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi, what) ||
            set_desc(be, op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias, what))
            goto done;
    }
    if (make_layout(be, &la, a_n ? g->m : g->k, a_n ? g->k : g->m, g->lda) ||
        make_layout(be, &lb, b_n ? g->k : g->n, b_n ? g->n : g->k, g->ldb) ||
        make_layout(be, &ld, g->m, g->n, g->ldd) || find_algo(be, g, op, la, lb, ld, &algo))
        goto done;
    cuda_check_blas(be, cublasLtMatmul(s->lt, op, &alpha, g->A, la, g->B, lb, &beta, g->D, ld, g->D,
                                       ld, &algo, s->workspace, s->workspace_bytes, s->stream),
                    what);
done:
    if (ld) cublasLtMatrixLayoutDestroy(ld);
    if (lb) cublasLtMatrixLayoutDestroy(lb);
    if (la) cublasLtMatrixLayoutDestroy(la);
    cublasLtMatmulDescDestroy(op);
}

void cuda_matmul_fwd(pad_backend *be, void *out, const void *x, const void *w,
                     pad_weight_layout layout, const void *bias, int N, int C, int OC)
{
    if (N <= 0 || OC <= 0) return;
    if (C <= 0) /* an empty product: out is zero, plus the bias below */
        cuda_check(be, cudaMemsetAsync(out, 0, (size_t)N * OC * sizeof(bf16), cuda_stream(be)),
                   "matmul_fwd");
    int fuse_bias = bias && ptr_align(bias) >= 16 && C > 0;
    lt_gemm g = {layout == PAD_W_OUT_IN ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, OC, N, C,
                 (const bf16 *)w, layout == PAD_W_OUT_IN ? C : OC, (const bf16 *)x, C,
                 (bf16 *)out, OC, 0.0f, fuse_bias ? (const bf16 *)bias : NULL};
    if (C > 0) lt_run(be, &g, "matmul_fwd");
    if (!bias || fuse_bias) return;
    bf16 *o = (bf16 *)out;
    const bf16 *bs = (const bf16 *)bias;
    cuda_map(be, (size_t)N * OC, [=] __device__(size_t i) {
        acc_bf(o, i, ld_bf(bs, i % (size_t)OC));
    }, "matmul_fwd bias");
}

void cuda_matmul_bwd(pad_backend *be, void *dx, void *dw, void *dbias, const void *dout,
                     const void *x, const void *w, pad_weight_layout layout, int N, int C, int OC)
{
    if (N <= 0 || C <= 0 || OC <= 0) return;
    const bf16 *g = (const bf16 *)dout, *xs = (const bf16 *)x, *ws = (const bf16 *)w;
    int out_in = layout == PAD_W_OUT_IN;
    if (dx) { /* dx^T[C,N] += W'^T dout^T */
        lt_gemm d = {out_in ? CUBLAS_OP_N : CUBLAS_OP_T, CUBLAS_OP_N, C, N, OC,
                     ws, out_in ? C : OC, g, OC, (bf16 *)dx, C, 1.0f, NULL};
        lt_run(be, &d, "matmul_bwd dx");
    }
    if (dw && out_in) { /* dW^T[C,OC] += x^T dout */
        lt_gemm d = {CUBLAS_OP_N, CUBLAS_OP_T, C, OC, N, xs, C, g, OC, (bf16 *)dw, C, 1.0f, NULL};
        lt_run(be, &d, "matmul_bwd dw");
    } else if (dw) { /* dW^T[OC,C] += dout^T x */
        lt_gemm d = {CUBLAS_OP_N, CUBLAS_OP_T, OC, C, N, g, OC, xs, C, (bf16 *)dw, OC, 1.0f, NULL};
        lt_run(be, &d, "matmul_bwd dw");
    }
    if (dbias)
        colsum_accumulate(be, (bf16 *)dbias, N, OC, [=] __device__(int n, int c) {
            return ld_bf(g, (size_t)n * OC + c);
        }, "matmul_bwd dbias");
}
