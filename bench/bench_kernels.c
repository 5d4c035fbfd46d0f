/* pad kernel benchmarks: each CUDA op at GPT-2-small training sizes (B*T =
 * 8192 tokens, C = 768, V = 32128), timed with CUDA events on the backend's
 * stream: 3 warm-up calls, then the median of 20.  Prints milliseconds and
 * the achieved GB/s (memory-bound ops: bytes that must move at least once)
 * or TFLOP/s (matmuls, attention).  Needs a CUDA device. */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/backend.h"
#include "backend/cuda.h"

#define WARMUP 3
#define REPS 20

enum { TOK = 8192, C = 768, FF = 3072, V = 32128, NPARAM = 124439808 };

static pad_backend *be;

/* Buffers and sizes one benchmarked call reads. */
typedef struct bench {
    void *a, *b, *c, *d, *e, *f, *g, *h, *i;
    int32_t *ids;
    pad_attn_desc attn;
    pad_adamw_hparams hp;
} bench;

typedef void (*bench_fn)(const bench *k);

static void die(const char *what, const pad_error *err)
{
    fprintf(stderr, "bench_kernels: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static void cuda_ok(cudaError_t e, const char *what)
{
    if (e != cudaSuccess) {
        fprintf(stderr, "bench_kernels: %s: %s\n", what, cudaGetErrorString(e));
        exit(1);
    }
}

/* n act values in [-scale, scale), a cheap fixed pattern (contents do not
 * change the timing of these kernels). */
static void *act(size_t n, float scale)
{
    void *p;
    pad_error err;
    float *h = malloc(n * sizeof *h);
    if (!h) die("host memory", NULL);
    for (size_t i = 0; i < n; i++)
        h[i] = scale * ((float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f);
    if (be->ops->alloc(be, n * 2, &p, &err) || pad_backend_upload_f32(be, p, h, n, &err))
        die("alloc", &err);
    free(h);
    return p;
}

/* n fp32 stat values, zeroed. */
static void *stat(size_t n)
{
    void *p;
    pad_error err;
    if (be->ops->alloc(be, n * 4, &p, &err)) die("alloc", &err);
    be->ops->zero(be, p, n * 4);
    return p;
}

static int32_t *ids(size_t n, int below)
{
    void *p;
    pad_error err;
    int32_t *h = malloc(n * sizeof *h);
    if (!h) die("host memory", NULL);
    for (size_t i = 0; i < n; i++) h[i] = (int32_t)((i * 2654435761u) % (unsigned)below);
    if (be->ops->alloc(be, n * 4, &p, &err)) die("alloc", &err);
    be->ops->upload(be, p, h, n * 4);
    free(h);
    return p;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median milliseconds of one call; `amount` bytes (GB/s) or flops (TFLOP/s). */
static void run(const char *name, bench_fn fn, const bench *k, double amount, int flops)
{
    cudaStream_t st = (cudaStream_t)pad_cuda_backend_stream(be);
    cudaEvent_t e0, e1;
    double ms[REPS];
    pad_error err;
    cuda_ok(cudaEventCreate(&e0), "cudaEventCreate");
    cuda_ok(cudaEventCreate(&e1), "cudaEventCreate");
    for (int r = 0; r < WARMUP; r++) fn(k);
    for (int r = 0; r < REPS; r++) {
        float t;
        cuda_ok(cudaEventRecord(e0, st), "cudaEventRecord");
        fn(k);
        cuda_ok(cudaEventRecord(e1, st), "cudaEventRecord");
        cuda_ok(cudaEventSynchronize(e1), "cudaEventSynchronize");
        cuda_ok(cudaEventElapsedTime(&t, e0, e1), "cudaEventElapsedTime");
        ms[r] = t;
    }
    if (be->ops->sync(be, &err)) die(name, &err);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    qsort(ms, REPS, sizeof ms[0], cmp_double);
    double med = ms[REPS / 2], rate = amount / (med * 1e-3);
    printf("%-34s %9.3f ms  %9.1f %s\n", name, med, flops ? rate / 1e12 : rate / 1e9,
           flops ? "TFLOP/s" : "GB/s");
    fflush(stdout);
}

static void free_all(bench *k)
{
    void *bufs[] = {k->a, k->b, k->c, k->d, k->e, k->f, k->g, k->h, k->i, k->ids};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i]) be->ops->free(be, bufs[i]);
    *k = (bench){0};
}

/* --- the calls --- */
static void mm_fwd(const bench *k)
{
    be->ops->matmul_fwd(be, k->c, k->a, k->b, PAD_W_IN_OUT, k->d, TOK, C, FF);
}

static void mm_bwd(const bench *k)
{
    be->ops->matmul_bwd(be, k->e, k->f, NULL, k->c, k->a, k->b, PAD_W_IN_OUT, TOK, C, FF);
}

static void head_fwd(const bench *k)
{
    be->ops->matmul_fwd(be, k->c, k->a, k->b, PAD_W_OUT_IN, NULL, TOK, C, V);
}

static void ln_fwd(const bench *k)
{
    be->ops->layernorm_fwd(be, k->c, k->e, k->f, k->a, k->b, k->d, TOK, C, 1e-5f);
}

static void ln_bwd(const bench *k)
{
    be->ops->layernorm_bwd(be, k->g, k->h, k->i, k->c, k->a, k->b, k->e, k->f, TOK, C);
}

static void rms_fwd(const bench *k)
{
    be->ops->rmsnorm_fwd(be, k->c, k->f, k->a, k->b, TOK, C, 1e-6f);
}

static void rms_bwd(const bench *k)
{
    be->ops->rmsnorm_bwd(be, k->g, k->h, k->c, k->a, k->b, k->f, TOK, C);
}

static void gelu_f(const bench *k) { be->ops->gelu_fwd(be, k->b, k->a, (size_t)TOK * FF); }

static void gelu_b(const bench *k) { be->ops->gelu_bwd(be, k->c, k->b, k->a, (size_t)TOK * FF); }

static void add_f(const bench *k) { be->ops->add(be, k->c, k->a, k->b, (size_t)TOK * FF); }

static void drop_f(const bench *k)
{
    be->ops->dropout_fwd(be, k->b, k->a, 0.1f, 1, 2, (size_t)TOK * FF);
}

static void ce_fwd(const bench *k)
{
    be->ops->cross_entropy_fwd(be, k->e, k->a, k->ids, TOK, V, -100, 0.1f);
}

static void ce_bwd(const bench *k)
{
    be->ops->cross_entropy_bwd(be, k->b, k->a, k->ids, TOK, V, -100, 0.1f, 1.0f / TOK);
}

static void emb_fwd(const bench *k) { be->ops->embedding_fwd(be, k->b, k->ids, k->a, TOK, C); }

static void emb_bwd(const bench *k) { be->ops->embedding_bwd(be, k->c, k->b, k->ids, TOK, C, V); }

/* The fused [T, 3C] q|k|v buffer seen from part 0 (q), 1 (k) or 2 (v). */
static void *qkv(void *p, int part) { return (char *)p + (size_t)part * C * 2; }

static void at_fwd(const bench *k)
{
    be->ops->attention_fwd(be, &k->attn, k->b, k->c, k->a, qkv(k->a, 1), qkv(k->a, 2), NULL, NULL);
}

static void at_bwd(const bench *k)
{
    be->ops->attention_bwd(be, &k->attn, k->d, qkv(k->d, 1), qkv(k->d, 2), NULL, k->e, k->a,
                           qkv(k->a, 1), qkv(k->a, 2), k->c, NULL);
}

static void sumsq(const bench *k) { be->ops->sum_squares(be, k->e, k->a, NPARAM); }

static void adamw(const bench *k)
{
    be->ops->adamw(be, k->a, k->e, k->b, k->c, k->d, NPARAM, &k->hp);
}

int main(void)
{
    pad_error err;
    if (pad_cuda_device_count() == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
    if (!(be = pad_backend_create("cuda", &err))) die("backend", &err);
    bench k = {0};
    const double act_row = (double)TOK * C * 2, ff = (double)TOK * FF * 2;

    k.a = act((size_t)TOK * C, 1), k.b = act((size_t)C * FF, 0.05f), k.c = act((size_t)TOK * FF, 1);
    k.d = act(FF, 1), k.e = act((size_t)TOK * C, 1), k.f = act((size_t)C * FF, 1);
    run("matmul_fwd 8192x768x3072 +bias", mm_fwd, &k, 2.0 * TOK * C * FF, 1);
    run("matmul_bwd dx+dw", mm_bwd, &k, 4.0 * TOK * C * FF, 1);
    free_all(&k);
    k.a = act((size_t)TOK * C, 1), k.b = act((size_t)V * C, 0.05f), k.c = act((size_t)TOK * V, 1);
    run("matmul_fwd lm head 8192x768x32128", head_fwd, &k, 2.0 * TOK * C * V, 1);
    free_all(&k);

    k.a = act((size_t)TOK * C, 1), k.b = act(C, 1), k.c = act((size_t)TOK * C, 1), k.d = act(C, 1);
    k.e = stat(TOK), k.f = stat(TOK);
    k.g = act((size_t)TOK * C, 1), k.h = act(C, 1), k.i = act(C, 1);
    run("layernorm_fwd 8192x768", ln_fwd, &k, 2 * act_row, 0);
    run("layernorm_bwd (dx, dw, db)", ln_bwd, &k, 4 * act_row, 0);
    run("rmsnorm_fwd 8192x768", rms_fwd, &k, 2 * act_row, 0);
    run("rmsnorm_bwd (dx, dw)", rms_bwd, &k, 4 * act_row, 0);
    free_all(&k);

    k.a = act((size_t)TOK * FF, 1), k.b = act((size_t)TOK * FF, 1), k.c = act((size_t)TOK * FF, 1);
    run("gelu_fwd 8192x3072", gelu_f, &k, 2 * ff, 0);
    run("gelu_bwd", gelu_b, &k, 4 * ff, 0);
    run("add", add_f, &k, 3 * ff, 0);
    run("dropout_fwd p=0.1", drop_f, &k, 2 * ff, 0);
    free_all(&k);

    k.a = act((size_t)TOK * V, 4), k.b = act((size_t)TOK * V, 1);
    k.e = stat(TOK), k.ids = ids(TOK, V);
    run("cross_entropy_fwd 8192x32128", ce_fwd, &k, (double)TOK * V * 2, 0);
    run("cross_entropy_bwd", ce_bwd, &k, (double)TOK * V * 6, 0);
    free_all(&k);

    k.a = act((size_t)V * C, 1), k.b = act((size_t)TOK * C, 1), k.c = act((size_t)V * C, 1);
    k.ids = ids(TOK, V);
    run("embedding_fwd 8192x768", emb_fwd, &k, 2 * act_row, 0);
    run("embedding_bwd", emb_bwd, &k, 3 * act_row, 0);
    free_all(&k);

    /* GPT-2 small attention: B=8, T=1024, 12 heads of 64, fused qkv */
    pad_attn_desc ad = {.B = 8, .Tq = 1024, .Tk = 1024, .H = 12, .D = 64, .ldq = 3 * C,
                        .ldk = 3 * C, .ldv = 3 * C, .causal = 1, .scale = 0.125f,
                        .dropout_p = 0.1f, .seed = 1, .stream = 2};
    size_t probs = (size_t)ad.B * ad.H * ad.Tq * ad.Tk;
    double attn_flops = 4.0 * ad.B * ad.H * ad.Tq * ad.Tk * ad.D;
    k.attn = ad;
    k.a = act((size_t)TOK * 3 * C, 1), k.b = act((size_t)TOK * C, 1), k.c = act(probs, 0);
    k.d = act((size_t)TOK * 3 * C, 1), k.e = act((size_t)TOK * C, 1);
    run("attention_fwd B8 T1024 H12 D64", at_fwd, &k, attn_flops, 1);
    run("attention_bwd", at_bwd, &k, 2 * attn_flops, 1);
    free_all(&k);

    k.a = act(NPARAM, 1), k.b = act(NPARAM, 1e-3f), k.c = stat(NPARAM), k.d = stat(NPARAM);
    k.e = stat(NPARAM);
    k.hp = (pad_adamw_hparams){.lr = 1e-4f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                               .weight_decay = 0.1f, .step = 10};
    run("sum_squares 124M", sumsq, &k, (double)NPARAM * 2, 0);
    run("adamw 124M (master)", adamw, &k, (double)NPARAM * 30, 0);
    free_all(&k);

    pad_backend_destroy(be);
    return 0;
}
