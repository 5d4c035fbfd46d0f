/* The CUDA backend against the CPU reference: every op of backend.h, forward
 * and backward, on random inputs that both backends see identically (values
 * rounded to bf16 first).  Gradient buffers start non-zero, so a backward op
 * that overwrote instead of accumulating fails.  Dropout masks must match the
 * CPU's exactly.  Exits 77 (skipped) without a CUDA device. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cuda.h"
#include "check.h"
#include "core/tensor.h"

#define ACT_TOL 1e-2  /* bf16 storage: relative L2 error */
#define STAT_TOL 1e-3 /* fp32 statistics */

static pad_backend *cpu, *gpu;
static uint64_t next_seed = 1000;

/* The same buffer on both backends. */
typedef struct {
    void *c, *g;
    size_t n;
} pair;

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* Random values in [lo, hi), rounded to bf16 so both backends start equal. */
static float *rand_host(size_t n, float lo, float hi)
{
    float *h = xmalloc(n * sizeof *h);
    check_fill_uniform(h, n, next_seed++, lo, hi);
    for (size_t i = 0; i < n; i++) h[i] = pad_bf16_to_f32(pad_f32_to_bf16(h[i]));
    return h;
}

static void *alloc_on(pad_backend *be, size_t bytes)
{
    void *p = NULL;
    pad_error err;
    if (be->ops->alloc(be, bytes, &p, &err) != PAD_OK) {
        fprintf(stderr, "alloc on %s: %s\n", be->name, err.message);
        exit(2);
    }
    return p;
}

static pair act_pair(const float *host, size_t n)
{
    pair p = {alloc_on(cpu, n * 4), alloc_on(gpu, n * 2), n};
    CHECK(pad_backend_upload_f32(cpu, p.c, host, n, NULL) == PAD_OK);
    CHECK(pad_backend_upload_f32(gpu, p.g, host, n, NULL) == PAD_OK);
    return p;
}

static pair act_rand(size_t n, float lo, float hi)
{
    float *h = rand_host(n, lo, hi);
    pair p = act_pair(h, n);
    free(h);
    return p;
}

/* fp32 stat buffers on both (both backends' stat dtype is F32). */
static pair stat_pair(const float *host, size_t n)
{
    pair p = {alloc_on(cpu, n * 4), alloc_on(gpu, n * 4), n};
    if (host) {
        cpu->ops->upload(cpu, p.c, host, n * 4);
        gpu->ops->upload(gpu, p.g, host, n * 4);
    }
    return p;
}

static pair int_pair(const int32_t *host, size_t n)
{
    pair p = {alloc_on(cpu, n * 4), alloc_on(gpu, n * 4), n};
    cpu->ops->upload(cpu, p.c, host, n * 4);
    gpu->ops->upload(gpu, p.g, host, n * 4);
    return p;
}

static void drop(pair *p)
{
    cpu->ops->free(cpu, p->c);
    gpu->ops->free(gpu, p->g);
}

static int gpu_ok(void)
{
    pad_error err;
    pad_error_clear(&err);
    pad_status st = gpu->ops->sync(gpu, &err);
    if (st != PAD_OK) fprintf(stderr, "cuda sync: %s\n", err.message);
    return st == PAD_OK;
}

static double rel_l2(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return sqrt(num) / (den > 0 ? sqrt(den) : 1.0);
}

/* Downloads act buffers of both backends as doubles. */
static void act_values(const pair *p, double *c, double *g)
{
    float *fc = xmalloc(p->n * 4), *fg = xmalloc(p->n * 4);
    CHECK(pad_backend_download_f32(cpu, fc, p->c, p->n, NULL) == PAD_OK);
    CHECK(pad_backend_download_f32(gpu, fg, p->g, p->n, NULL) == PAD_OK);
    for (size_t i = 0; i < p->n; i++) {
        c[i] = fc[i];
        g[i] = fg[i];
    }
    free(fc);
    free(fg);
}

static void expect_close(const pair *p, int stat, double tol, const char *what)
{
    double *c = xmalloc(p->n * 8), *g = xmalloc(p->n * 8);
    CHECK_MSG(gpu_ok(), "%s", what);
    if (stat) {
        pad_backend_read_stats(cpu, c, p->c, p->n);
        pad_backend_read_stats(gpu, g, p->g, p->n);
    } else {
        act_values(p, c, g);
    }
    double e = rel_l2(g, c, p->n);
    CHECK_MSG(e < tol, "%s: relative error %.3g (tolerance %.3g)", what, e, tol);
    free(c);
    free(g);
}

#define EXPECT_ACT(p, what) expect_close(&(p), 0, ACT_TOL, what)
#define EXPECT_STAT(p, what) expect_close(&(p), 1, STAT_TOL, what)

/* Runs the same op on both backends: OP(be, buffer-of-that-backend...). */
#define BOTH(call_c, call_g) \
    do {                     \
        call_c;              \
        call_g;              \
    } while (0)

static void test_embedding(void)
{
    enum { N = 300, C = 96, V = 50 };
    int32_t ids[N], bad_ids[N];
    for (int n = 0; n < N; n++) {
        ids[n] = (n * 7 + n / 5) % V; /* many repeats */
        bad_ids[n] = n % 37 == 0 ? -1 : n % 41 == 0 ? V : ids[n];
    }
    pair id = int_pair(ids, N), bad = int_pair(bad_ids, N);
    pair table = act_rand((size_t)V * C, -1, 1), out = act_rand((size_t)N * C, -1, 1);
    BOTH(cpu->ops->embedding_fwd(cpu, out.c, id.c, table.c, N, C),
         gpu->ops->embedding_fwd(gpu, out.g, id.g, table.g, N, C));
    EXPECT_ACT(out, "embedding_fwd");
    pair dout = act_rand((size_t)N * C, -1, 1), dtable = act_rand((size_t)V * C, -0.5f, 0.5f);
    BOTH(cpu->ops->embedding_bwd(cpu, dtable.c, dout.c, bad.c, N, C, V),
         gpu->ops->embedding_bwd(gpu, dtable.g, dout.g, bad.g, N, C, V));
    EXPECT_ACT(dtable, "embedding_bwd");
    drop(&id), drop(&bad), drop(&table), drop(&out), drop(&dout), drop(&dtable);
}

static void test_rmsnorm(void)
{
    enum { N = 67, C = 200 };
    pair x = act_rand((size_t)N * C, -2, 2), w = act_rand(C, 0.5f, 1.5f);
    pair out = act_rand((size_t)N * C, -1, 1), rstd = stat_pair(NULL, N);
    BOTH(cpu->ops->rmsnorm_fwd(cpu, out.c, rstd.c, x.c, w.c, N, C, 1e-6f),
         gpu->ops->rmsnorm_fwd(gpu, out.g, rstd.g, x.g, w.g, N, C, 1e-6f));
    EXPECT_ACT(out, "rmsnorm_fwd out");
    EXPECT_STAT(rstd, "rmsnorm_fwd rstd");
    pair dout = act_rand((size_t)N * C, -1, 1);
    pair dx = act_rand((size_t)N * C, -0.5f, 0.5f), dw = act_rand(C, -0.5f, 0.5f);
    BOTH(cpu->ops->rmsnorm_bwd(cpu, dx.c, dw.c, dout.c, x.c, w.c, rstd.c, N, C),
         gpu->ops->rmsnorm_bwd(gpu, dx.g, dw.g, dout.g, x.g, w.g, rstd.g, N, C));
    EXPECT_ACT(dx, "rmsnorm_bwd dx");
    EXPECT_ACT(dw, "rmsnorm_bwd dw");
    drop(&x), drop(&w), drop(&out), drop(&rstd), drop(&dout), drop(&dx), drop(&dw);
}

static void test_layernorm(void)
{
    enum { N = 1000, C = 77 };
    pair x = act_rand((size_t)N * C, -2, 3), w = act_rand(C, 0.5f, 1.5f), b = act_rand(C, -1, 1);
    pair out = act_rand((size_t)N * C, -1, 1), mean = stat_pair(NULL, N), rstd = stat_pair(NULL, N);
    BOTH(cpu->ops->layernorm_fwd(cpu, out.c, mean.c, rstd.c, x.c, w.c, b.c, N, C, 1e-5f),
         gpu->ops->layernorm_fwd(gpu, out.g, mean.g, rstd.g, x.g, w.g, b.g, N, C, 1e-5f));
    EXPECT_ACT(out, "layernorm_fwd out");
    EXPECT_STAT(mean, "layernorm_fwd mean");
    EXPECT_STAT(rstd, "layernorm_fwd rstd");
    pair dout = act_rand((size_t)N * C, -1, 1), dx = act_rand((size_t)N * C, -0.5f, 0.5f);
    pair dw = act_rand(C, -0.5f, 0.5f), db = act_rand(C, -0.5f, 0.5f);
    BOTH(cpu->ops->layernorm_bwd(cpu, dx.c, dw.c, db.c, dout.c, x.c, w.c, mean.c, rstd.c, N, C),
         gpu->ops->layernorm_bwd(gpu, dx.g, dw.g, db.g, dout.g, x.g, w.g, mean.g, rstd.g, N, C));
    EXPECT_ACT(dx, "layernorm_bwd dx");
    EXPECT_ACT(dw, "layernorm_bwd dw");
    EXPECT_ACT(db, "layernorm_bwd db");
    drop(&x), drop(&w), drop(&b), drop(&out), drop(&mean), drop(&rstd);
    drop(&dout), drop(&dx), drop(&dw), drop(&db);
}

/* bias_offset 1 puts the bias 2 bytes into its buffer: the unfused path. */
static void check_matmul(pad_weight_layout layout, int with_bias, int bias_offset)
{
    enum { N = 70, C = 96, OC = 136 };
    char what[64];
    pair x = act_rand((size_t)N * C, -1, 1), w = act_rand((size_t)OC * C, -0.3f, 0.3f);
    pair bias = act_rand(OC + 1, -1, 1), out = act_rand((size_t)N * OC, -1, 1);
    const void *bc = with_bias ? (const float *)bias.c + bias_offset : NULL;
    const void *bg = with_bias ? (const char *)bias.g + 2 * bias_offset : NULL;
    BOTH(cpu->ops->matmul_fwd(cpu, out.c, x.c, w.c, layout, bc, N, C, OC),
         gpu->ops->matmul_fwd(gpu, out.g, x.g, w.g, layout, bg, N, C, OC));
    snprintf(what, sizeof what, "matmul_fwd layout %d bias %d+%d", layout, with_bias, bias_offset);
    EXPECT_ACT(out, what);
    pair dout = act_rand((size_t)N * OC, -1, 1), dx = act_rand((size_t)N * C, -0.5f, 0.5f);
    pair dw = act_rand((size_t)OC * C, -0.5f, 0.5f), db = act_rand(OC, -0.5f, 0.5f);
    void *dbc = with_bias ? db.c : NULL, *dbg = with_bias ? db.g : NULL;
    BOTH(cpu->ops->matmul_bwd(cpu, dx.c, dw.c, dbc, dout.c, x.c, w.c, layout, N, C, OC),
         gpu->ops->matmul_bwd(gpu, dx.g, dw.g, dbg, dout.g, x.g, w.g, layout, N, C, OC));
    snprintf(what, sizeof what, "matmul_bwd layout %d dx", layout);
    EXPECT_ACT(dx, what);
    snprintf(what, sizeof what, "matmul_bwd layout %d dw", layout);
    EXPECT_ACT(dw, what);
    if (with_bias) EXPECT_ACT(db, "matmul_bwd dbias");
    drop(&x), drop(&w), drop(&bias), drop(&out), drop(&dout), drop(&dx), drop(&dw), drop(&db);
}

static void test_matmul(void)
{
    check_matmul(PAD_W_OUT_IN, 0, 0);
    check_matmul(PAD_W_OUT_IN, 1, 0);
    check_matmul(PAD_W_IN_OUT, 1, 0);
    check_matmul(PAD_W_IN_OUT, 1, 1);
}

/* q, k, v in one fused [B, T, 3*H*D] buffer when fused (GPT-2), else
 * separate dense buffers. */
static void check_attention(pad_attn_desc d, int fused, int with_bias, int with_mask)
{
    int HD = d.H * d.D;
    size_t nq = (size_t)d.B * d.Tq, nk = (size_t)d.B * d.Tk;
    size_t np = (size_t)d.B * d.H * d.Tq * d.Tk, nb = (size_t)d.H * d.Tq * d.Tk;
    pair qkv = act_rand(fused ? nq * 3 * HD : 0, -1, 1);
    pair q = fused ? qkv : act_rand(nq * HD, -1, 1);
    pair k = fused ? qkv : act_rand(nk * HD, -1, 1), v = fused ? qkv : act_rand(nk * HD, -1, 1);
    size_t ko = fused ? (size_t)HD : 0, vo = fused ? 2 * (size_t)HD : 0;
    d.ldq = d.ldk = d.ldv = fused ? 3 * HD : HD;
    int32_t *mask_h = xmalloc(nk * 4);
    for (size_t i = 0; i < nk; i++) /* some keys masked, sequence b = 1 entirely */
        mask_h[i] = (i * 5) % 7 != 3 && i / d.Tk != 1;
    pair mask = int_pair(mask_h, nk), bias = act_rand(nb, -2, 2);
    pair out = act_rand(nq * HD, -1, 1), probs = act_rand(np, -1, 1);
    const void *bc = with_bias ? bias.c : NULL, *bg = with_bias ? bias.g : NULL;
    const int32_t *mc = with_mask ? mask.c : NULL, *mg = with_mask ? mask.g : NULL;
#define AT(p, be, off) ((char *)(be == cpu ? (p).c : (p).g) + (off) * (be == cpu ? 4 : 2))
    BOTH(cpu->ops->attention_fwd(cpu, &d, out.c, probs.c, q.c, AT(k, cpu, ko), AT(v, cpu, vo),
                                 bc, mc),
         gpu->ops->attention_fwd(gpu, &d, out.g, probs.g, q.g, AT(k, gpu, ko), AT(v, gpu, vo),
                                 bg, mg));
    EXPECT_ACT(out, "attention_fwd out");
    EXPECT_ACT(probs, "attention_fwd probs");
    pair dout = act_rand(nq * HD, -1, 1), dbias = act_rand(nb, -0.5f, 0.5f);
    pair dqkv = act_rand(fused ? nq * 3 * HD : 0, -0.5f, 0.5f);
    pair dq = fused ? dqkv : act_rand(nq * HD, -0.5f, 0.5f);
    pair dk = fused ? dqkv : act_rand(nk * HD, -0.5f, 0.5f);
    pair dv = fused ? dqkv : act_rand(nk * HD, -0.5f, 0.5f);
    void *dbc = with_bias ? dbias.c : NULL, *dbg = with_bias ? dbias.g : NULL;
    BOTH(cpu->ops->attention_bwd(cpu, &d, dq.c, AT(dk, cpu, ko), AT(dv, cpu, vo), dbc, dout.c, q.c,
                                 AT(k, cpu, ko), AT(v, cpu, vo), probs.c, mc),
         gpu->ops->attention_bwd(gpu, &d, dq.g, AT(dk, gpu, ko), AT(dv, gpu, vo), dbg, dout.g, q.g,
                                 AT(k, gpu, ko), AT(v, gpu, vo), probs.g, mg));
#undef AT
    if (fused) {
        EXPECT_ACT(dqkv, "attention_bwd dqkv");
    } else {
        EXPECT_ACT(dq, "attention_bwd dq");
        EXPECT_ACT(dk, "attention_bwd dk");
        EXPECT_ACT(dv, "attention_bwd dv");
    }
    if (with_bias) EXPECT_ACT(dbias, "attention_bwd dbias");
    if (!fused) drop(&q), drop(&k), drop(&v), drop(&dq), drop(&dk), drop(&dv);
    drop(&qkv), drop(&dqkv);
    drop(&mask), drop(&bias), drop(&out), drop(&probs), drop(&dout), drop(&dbias);
    free(mask_h);
}

static void test_attention_gpt2(void)
{
    /* causal self-attention, 1/sqrt(D), fused qkv, dropout */
    pad_attn_desc d = {.B = 2, .Tq = 33, .Tk = 33, .H = 3, .D = 64, .causal = 1,
                       .scale = 0.125f, .dropout_p = 0.1f, .seed = 42, .stream = 9};
    check_attention(d, 1, 0, 0);
}

static void test_attention_t5(void)
{
    /* cross-attention shapes (Tq != Tk), position bias, padding mask with one
     * fully masked sequence, no scaling, dropout, D not a multiple of 32 */
    pad_attn_desc d = {.B = 3, .Tq = 5, .Tk = 19, .H = 4, .D = 40, .causal = 0,
                       .scale = 1.0f, .dropout_p = 0.2f, .seed = 7, .stream = 3};
    check_attention(d, 0, 1, 1);
    /* decoder self-attention: causal with a bias and a mask, D > block width */
    pad_attn_desc e = {.B = 2, .Tq = 12, .Tk = 12, .H = 2, .D = 160, .causal = 1,
                       .scale = 1.0f, .dropout_p = 0.0f, .seed = 1, .stream = 1};
    check_attention(e, 0, 1, 1);
}

static void test_position_bias(void)
{
    enum { H = 4, TQ = 70, TK = 90, NB = 8 };
    int32_t *bk = xmalloc((size_t)TQ * TK * 4);
    for (int i = 0; i < TQ; i++)
        for (int j = 0; j < TK; j++) bk[i * TK + j] = (j - i + 1000) % NB;
    pair buckets = int_pair(bk, (size_t)TQ * TK), table = act_rand(NB * H, -1, 1);
    pair bias = act_rand((size_t)H * TQ * TK, -1, 1);
    BOTH(cpu->ops->position_bias_fwd(cpu, bias.c, table.c, buckets.c, H, TQ, TK),
         gpu->ops->position_bias_fwd(gpu, bias.g, table.g, buckets.g, H, TQ, TK));
    EXPECT_ACT(bias, "position_bias_fwd");
    pair dbias = act_rand((size_t)H * TQ * TK, -1, 1), dtable = act_rand(NB * H, -10, 10);
    BOTH(cpu->ops->position_bias_bwd(cpu, dtable.c, dbias.c, buckets.c, H, TQ, TK, NB),
         gpu->ops->position_bias_bwd(gpu, dtable.g, dbias.g, buckets.g, H, TQ, TK, NB));
    EXPECT_ACT(dtable, "position_bias_bwd");
    drop(&buckets), drop(&table), drop(&bias), drop(&dbias), drop(&dtable);
    free(bk);
}

typedef void (*unary_fwd)(pad_backend *, void *, const void *, size_t);
typedef void (*unary_bwd)(pad_backend *, void *, const void *, const void *, size_t);

/* The op under test is named by its offset in pad_backend_ops, so one helper
 * picks it from both backends' tables. */
static void check_unary(size_t off_fwd, size_t off_bwd, const char *name)
{
    enum { N = 5003 };
    pair x = act_rand(N, -4, 4), out = act_rand(N, -1, 1);
    pair dout = act_rand(N, -1, 1), dx = act_rand(N, -0.5f, 0.5f);
    unary_fwd fc = *(unary_fwd *)((const char *)cpu->ops + off_fwd);
    unary_fwd fg = *(unary_fwd *)((const char *)gpu->ops + off_fwd);
    unary_bwd bc = *(unary_bwd *)((const char *)cpu->ops + off_bwd);
    unary_bwd bg = *(unary_bwd *)((const char *)gpu->ops + off_bwd);
    BOTH(fc(cpu, out.c, x.c, N), fg(gpu, out.g, x.g, N));
    EXPECT_ACT(out, name);
    BOTH(bc(cpu, dx.c, dout.c, x.c, N), bg(gpu, dx.g, dout.g, x.g, N));
    EXPECT_ACT(dx, name);
    drop(&x), drop(&out), drop(&dout), drop(&dx);
}

static void test_pointwise(void)
{
    enum { N = 70001 };
    check_unary(offsetof(pad_backend_ops, relu_fwd), offsetof(pad_backend_ops, relu_bwd), "relu");
    check_unary(offsetof(pad_backend_ops, gelu_fwd), offsetof(pad_backend_ops, gelu_bwd), "gelu");
    pair gate = act_rand(N, -3, 3), up = act_rand(N, -2, 2), out = act_rand(N, -1, 1);
    BOTH(cpu->ops->gated_gelu_fwd(cpu, out.c, gate.c, up.c, N),
         gpu->ops->gated_gelu_fwd(gpu, out.g, gate.g, up.g, N));
    EXPECT_ACT(out, "gated_gelu_fwd");
    pair dout = act_rand(N, -1, 1), dg = act_rand(N, -0.5f, 0.5f), du = act_rand(N, -0.5f, 0.5f);
    BOTH(cpu->ops->gated_gelu_bwd(cpu, dg.c, du.c, dout.c, gate.c, up.c, N),
         gpu->ops->gated_gelu_bwd(gpu, dg.g, du.g, dout.g, gate.g, up.g, N));
    EXPECT_ACT(dg, "gated_gelu_bwd dgate");
    EXPECT_ACT(du, "gated_gelu_bwd dup");
    /* add into its own first operand, accumulate, scale in place */
    BOTH(cpu->ops->add(cpu, gate.c, gate.c, up.c, N), gpu->ops->add(gpu, gate.g, gate.g, up.g, N));
    EXPECT_ACT(gate, "add (aliased)");
    BOTH(cpu->ops->accumulate(cpu, up.c, dout.c, N), gpu->ops->accumulate(gpu, up.g, dout.g, N));
    EXPECT_ACT(up, "accumulate");
    BOTH(cpu->ops->scale(cpu, up.c, up.c, -0.37f, N), gpu->ops->scale(gpu, up.g, up.g, -0.37f, N));
    EXPECT_ACT(up, "scale (aliased)");
    drop(&gate), drop(&up), drop(&out), drop(&dout), drop(&dg), drop(&du);
}

/* Zero where dropped, in the same places on both backends. */
static void test_dropout(void)
{
    enum { N = 100003 };
    pair x = act_rand(N, 0.5f, 2), out = act_rand(N, -1, 1);
    pair dout = act_rand(N, 0.5f, 2), dx = act_rand(N, -0.25f, 0.25f);
    BOTH(cpu->ops->dropout_fwd(cpu, out.c, x.c, 0.3f, 123, 45, N),
         gpu->ops->dropout_fwd(gpu, out.g, x.g, 0.3f, 123, 45, N));
    EXPECT_ACT(out, "dropout_fwd");
    double *c = xmalloc(N * 8), *g = xmalloc(N * 8);
    act_values(&out, c, g);
    size_t mismatched = 0, dropped = 0;
    for (size_t i = 0; i < N; i++) {
        mismatched += (c[i] == 0) != (g[i] == 0);
        dropped += c[i] == 0;
    }
    CHECK_MSG(mismatched == 0, "%zu dropout mask bits differ", mismatched);
    CHECK(dropped > N / 4 && dropped < N * 35 / 100);
    BOTH(cpu->ops->dropout_bwd(cpu, dx.c, dout.c, 0.3f, 123, 45, N),
         gpu->ops->dropout_bwd(gpu, dx.g, dout.g, 0.3f, 123, 45, N));
    EXPECT_ACT(dx, "dropout_bwd");
    BOTH(cpu->ops->dropout_fwd(cpu, out.c, x.c, 0.0f, 1, 1, N),
         gpu->ops->dropout_fwd(gpu, out.g, x.g, 0.0f, 1, 1, N));
    EXPECT_ACT(out, "dropout_fwd p=0");
    free(c), free(g);
    drop(&x), drop(&out), drop(&dout), drop(&dx);
}

static void check_cross_entropy(float smoothing)
{
    enum { N = 37, V = 1000, IGNORE = -100 };
    int32_t t[N];
    int count = 0;
    for (int n = 0; n < N; n++) {
        t[n] = n % 6 == 5 ? IGNORE : (n * 131) % V;
        count += t[n] != IGNORE;
    }
    pair targets = int_pair(t, N), logits = act_rand((size_t)N * V, -4, 4);
    pair losses = stat_pair(NULL, N), dlogits = act_rand((size_t)N * V, -1e-3f, 1e-3f);
    BOTH(cpu->ops->cross_entropy_fwd(cpu, losses.c, logits.c, targets.c, N, V, IGNORE, smoothing),
         gpu->ops->cross_entropy_fwd(gpu, losses.g, logits.g, targets.g, N, V, IGNORE, smoothing));
    EXPECT_STAT(losses, "cross_entropy_fwd");
    float dloss = 1.0f / count;
    BOTH(cpu->ops->cross_entropy_bwd(cpu, dlogits.c, logits.c, targets.c, N, V, IGNORE,
                                     smoothing, dloss),
         gpu->ops->cross_entropy_bwd(gpu, dlogits.g, logits.g, targets.g, N, V, IGNORE,
                                     smoothing, dloss));
    EXPECT_ACT(dlogits, "cross_entropy_bwd");
    drop(&targets), drop(&logits), drop(&losses), drop(&dlogits);
}

static void test_cross_entropy(void)
{
    check_cross_entropy(0.0f);
    check_cross_entropy(0.1f);
}

static void test_reductions(void)
{
    enum { N = 1000003 };
    float *h = rand_host(N, -1, 3);
    pair xs = stat_pair(h, N), xa = act_pair(h, N), s = stat_pair(NULL, 1), q = stat_pair(NULL, 1);
    BOTH(cpu->ops->sum(cpu, s.c, xs.c, N), gpu->ops->sum(gpu, s.g, xs.g, N));
    EXPECT_STAT(s, "sum");
    BOTH(cpu->ops->sum_squares(cpu, q.c, xa.c, N), gpu->ops->sum_squares(gpu, q.g, xa.g, N));
    EXPECT_STAT(q, "sum_squares");
    /* the same call twice gives the same bits */
    double a, b;
    gpu->ops->sum_squares(gpu, q.g, xa.g, N);
    pad_backend_read_stats(gpu, &a, q.g, 1);
    gpu->ops->sum_squares(gpu, q.g, xa.g, N);
    pad_backend_read_stats(gpu, &b, q.g, 1);
    CHECK(a == b);
    free(h);
    drop(&xs), drop(&xa), drop(&s), drop(&q);
}

static void check_adamw(int with_master)
{
    enum { N = 10007 };
    float *p = rand_host(N, -1, 1), *m = rand_host(N, -0.01f, 0.01f), *v = rand_host(N, 0, 1e-4f);
    pair params = act_pair(p, N), master = stat_pair(p, N), grads = act_rand(N, -1, 1);
    pair ms = stat_pair(m, N), vs = stat_pair(v, N);
    void *mc = with_master ? master.c : NULL, *mg = with_master ? master.g : NULL;
    for (int step = 1; step <= 3; step++) {
        pad_adamw_hparams hp = {.lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
                                .weight_decay = 0.1f, .step = step};
        BOTH(cpu->ops->adamw(cpu, params.c, mc, grads.c, ms.c, vs.c, N, &hp),
             gpu->ops->adamw(gpu, params.g, mg, grads.g, ms.g, vs.g, N, &hp));
    }
    EXPECT_ACT(params, with_master ? "adamw params (master)" : "adamw params");
    if (with_master) EXPECT_STAT(master, "adamw master");
    EXPECT_STAT(ms, "adamw m");
    EXPECT_STAT(vs, "adamw v");
    free(p), free(m), free(v);
    drop(&params), drop(&master), drop(&grads), drop(&ms), drop(&vs);
}

static void test_adamw(void)
{
    check_adamw(1);
    check_adamw(0);
}

/* Allocation fails at once; a failed op is reported by the next sync only. */
static void test_errors(void)
{
    void *p = NULL;
    pad_error err;
    CHECK(gpu->ops->alloc(gpu, (size_t)1 << 52, &p, &err) == PAD_ERR_NOMEM);
    CHECK(gpu_ok());
    /* more shared memory than any GPU has: the launch is refused */
    pad_attn_desc d = {.B = 1, .Tq = 1, .Tk = 1 << 20, .H = 1, .D = 64, .ldq = 64, .ldk = 64,
                       .ldv = 64, .scale = 1.0f};
    gpu->ops->attention_fwd(gpu, &d, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    pad_error_clear(&err);
    CHECK(gpu->ops->sync(gpu, &err) == PAD_ERR_BACKEND);
    CHECK(strstr(err.message, "attention") != NULL);
    CHECK(gpu_ok()); /* reported once, then cleared */
}

int main(void)
{
    if (pad_cuda_device_count() == 0) {
        printf("skipped: no CUDA device\n");
        return 77;
    }
    pad_error err;
    cpu = pad_backend_create("cpu", &err);
    gpu = cpu ? pad_backend_create("cuda", &err) : NULL;
    if (!cpu || !gpu) {
        fprintf(stderr, "backend: %s\n", err.message);
        return 1;
    }
    RUN(test_embedding);
    RUN(test_rmsnorm);
    RUN(test_layernorm);
    RUN(test_matmul);
    RUN(test_attention_gpt2);
    RUN(test_attention_t5);
    RUN(test_position_bias);
    RUN(test_pointwise);
    RUN(test_dropout);
    RUN(test_cross_entropy);
    RUN(test_reductions);
    RUN(test_adamw);
    RUN(test_errors);
    pad_backend_destroy(gpu);
    pad_backend_destroy(cpu);
    return check_finish();
}
