/* CPU attention and T5 position-bias ops against a naive double reference
 * written here: forward values, finite-difference gradients, masking,
 * dropout, accumulation, and independence from the thread count. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu_internal.h" /* the float (pad_cpu32_) prototypes */
#include "check.h"
#include "core/rng.h"

/* The double twins: same signatures, other names. */
void pad_cpu64_attention_fwd(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                             const void *q, const void *k, const void *v, const void *bias,
                             const int32_t *key_mask);
void pad_cpu64_attention_bwd(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk,
                             void *dv, void *dbias, const void *dout, const void *q,
                             const void *k, const void *v, const void *probs,
                             const int32_t *key_mask);
void pad_cpu64_position_bias_fwd(pad_backend *be, void *bias, const void *table,
                                 const int32_t *buckets, int H, int Tq, int Tk);
void pad_cpu64_position_bias_bwd(pad_backend *be, void *dtable, const void *dbias,
                                 const int32_t *buckets, int H, int Tq, int Tk,
                                 int num_buckets);

enum { F32 = 0, F64 = 1 };

/* ---- buffers: tests hold doubles; each precision gets its own copy ---- */

static size_t elem_size(int f64) { return f64 ? sizeof(double) : sizeof(float); }

static void *at(int f64, void *base, size_t off)
{
    return base ? (char *)base + off * elem_size(f64) : NULL;
}

/* A backend buffer holding x (zeros when x is NULL); free()d by the caller. */
static void *dev_copy(int f64, const double *x, size_t n)
{
    void *p = calloc(n ? n : 1, elem_size(f64));
    for (size_t i = 0; x && i < n; i++) {
        if (f64) ((double *)p)[i] = x[i];
        else ((float *)p)[i] = (float)x[i];
    }
    return p;
}

static void host_copy(int f64, double *dst, const void *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = f64 ? ((const double *)src)[i] : ((const float *)src)[i];
}

/* ---- attention cases and their buffer layout ---- */

typedef struct attn_case {
    const char *name;
    int B, H, D, Tq, Tk;
    int causal, fused, with_bias;
    int pad_keys;   /* keys masked at the end of the last sequence; -1: no mask */
    float scale, dropout_p;
} attn_case;

/* q, k and v live in one storage array x at offsets qoff, koff, voff; the
 * gradients share x's layout.  Fused self-attention interleaves them as
 * GPT-2's qkv ([T, 3*H*D]); fused cross-attention pads q's rows and
 * interleaves k and v ([T, 2*H*D]); otherwise all three are dense. */
typedef struct attn_layout {
    pad_attn_desc d;
    size_t qoff, koff, voff, nx, nbias, nout, nprobs;
} attn_layout;

static attn_layout make_layout(const attn_case *c)
{
    attn_layout L = {0};
    int HD = c->H * c->D;
    L.d = (pad_attn_desc){.B = c->B, .Tq = c->Tq, .Tk = c->Tk, .H = c->H, .D = c->D,
                          .causal = c->causal, .scale = c->scale, .dropout_p = c->dropout_p,
                          .seed = 1234, .stream = 5};
    size_t nq = (size_t)c->B * c->Tq, nk = (size_t)c->B * c->Tk;
    if (c->fused && c->Tq == c->Tk) {
        L.d.ldq = L.d.ldk = L.d.ldv = 3 * HD;
        L.qoff = 0, L.koff = HD, L.voff = 2 * HD;
        L.nx = nq * 3 * HD;
    } else if (c->fused) {
        L.d.ldq = HD + 3;
        L.d.ldk = L.d.ldv = 2 * HD;
        L.qoff = 0, L.koff = nq * (HD + 3), L.voff = L.koff + HD;
        L.nx = L.koff + nk * 2 * HD;
    } else {
        L.d.ldq = L.d.ldk = L.d.ldv = HD;
        L.qoff = 0, L.koff = nq * HD, L.voff = L.koff + nk * HD;
        L.nx = L.voff + nk * HD;
    }
    L.nbias = (size_t)c->H * c->Tq * c->Tk;
    L.nout = nq * HD;
    L.nprobs = (size_t)c->B * c->H * c->Tq * c->Tk;
    return L;
}

static int32_t *make_mask(const attn_case *c)
{
    if (c->pad_keys < 0) return NULL;
    int32_t *m = malloc(sizeof(int32_t) * c->B * c->Tk);
    for (int i = 0; i < c->B * c->Tk; i++) m[i] = 1;
    for (int j = c->Tk - c->pad_keys; j < c->Tk; j++) m[(c->B - 1) * c->Tk + j] = 0;
    return m;
}

static int ref_visible(const pad_attn_desc *d, const int32_t *mask, int b, int i, int j)
{
    if (mask && !mask[b * d->Tk + j]) return 0;
    return !d->causal || j - i <= d->Tk - d->Tq;
}

static double ref_keep(const pad_attn_desc *d, size_t e)
{
    if (d->dropout_p <= 0) return 1.0;
    if (pad_rng_uniform_at(d->seed, d->stream, e) < d->dropout_p) return 0.0;
    return 1.0 / (1.0 - (double)d->dropout_p);
}

/* The naive forward, straight from the definition. */
static void ref_forward(const attn_layout *L, const double *x, const double *bias,
                        const int32_t *mask, double *out, double *probs)
{
    const pad_attn_desc *d = &L->d;
    int HD = d->H * d->D;
    double s[64];
    for (int b = 0; b < d->B; b++)
        for (int h = 0; h < d->H; h++)
            for (int i = 0; i < d->Tq; i++) {
                const double *q = x + L->qoff + (size_t)(b * d->Tq + i) * d->ldq + h * d->D;
                double m = -INFINITY, z = 0;
                for (int j = 0; j < d->Tk; j++) {
                    const double *k = x + L->koff + (size_t)(b * d->Tk + j) * d->ldk + h * d->D;
                    s[j] = 0;
                    for (int c = 0; c < d->D; c++) s[j] += q[c] * k[c];
                    s[j] = s[j] * d->scale + (bias ? bias[(h * d->Tq + i) * d->Tk + j] : 0);
                    if (ref_visible(d, mask, b, i, j) && s[j] > m) m = s[j];
                }
                for (int j = 0; j < d->Tk; j++)
                    if (ref_visible(d, mask, b, i, j)) z += exp(s[j] - m);
                double *o = out + (size_t)(b * d->Tq + i) * HD + h * d->D;
                for (int c = 0; c < d->D; c++) o[c] = 0;
                size_t row = ((size_t)(b * d->H + h) * d->Tq + i) * d->Tk;
                for (int j = 0; j < d->Tk; j++) {
                    double p = ref_visible(d, mask, b, i, j) ? exp(s[j] - m) / z : 0;
                    if (probs) probs[row + j] = p;
                    const double *v = x + L->voff + (size_t)(b * d->Tk + j) * d->ldv + h * d->D;
                    for (int c = 0; c < d->D; c++) o[c] += p * ref_keep(d, row + j) * v[c];
                }
            }
}

/* L = sum(out * R) */
static double ref_loss(const attn_layout *L, const double *x, const double *bias,
                       const int32_t *mask, const double *R, double *scratch)
{
    ref_forward(L, x, bias, mask, scratch, NULL);
    double s = 0;
    for (size_t i = 0; i < L->nout; i++) s += scratch[i] * R[i];
    return s;
}

/* ---- running the op under test in either precision ---- */

static void run_fwd(int f64, const attn_layout *L, const double *x, const double *bias,
                    const int32_t *mask, double *out, double *probs)
{
    void *xb = dev_copy(f64, x, L->nx), *bb = bias ? dev_copy(f64, bias, L->nbias) : NULL;
    void *ob = dev_copy(f64, NULL, L->nout), *pb = dev_copy(f64, NULL, L->nprobs);
    (f64 ? pad_cpu64_attention_fwd : pad_cpu32_attention_fwd)(
        NULL, &L->d, ob, pb, at(f64, xb, L->qoff), at(f64, xb, L->koff), at(f64, xb, L->voff),
        bb, mask);
    host_copy(f64, out, ob, L->nout);
    host_copy(f64, probs, pb, L->nprobs);
    free(xb), free(bb), free(ob), free(pb);
}

/* gx and gbias (may be NULL) hold the prefilled gradients on entry. */
static void run_bwd(int f64, const attn_layout *L, const double *x, const double *probs,
                    const int32_t *mask, const double *dout, double *gx, double *gbias)
{
    void *xb = dev_copy(f64, x, L->nx), *pb = dev_copy(f64, probs, L->nprobs);
    void *gb = dev_copy(f64, gx, L->nx), *db = dev_copy(f64, dout, L->nout);
    void *bb = gbias ? dev_copy(f64, gbias, L->nbias) : NULL;
    (f64 ? pad_cpu64_attention_bwd : pad_cpu32_attention_bwd)(
        NULL, &L->d, at(f64, gb, L->qoff), at(f64, gb, L->koff), at(f64, gb, L->voff), bb, db,
        at(f64, xb, L->qoff), at(f64, xb, L->koff), at(f64, xb, L->voff), pb, mask);
    host_copy(f64, gx, gb, L->nx);
    if (gbias) host_copy(f64, gbias, bb, L->nbias);
    free(xb), free(pb), free(gb), free(db), free(bb);
}

static double max_rel_err(const double *a, const double *b, size_t n, double floor)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double e = check_rel_err(a[i], b[i], floor);
        if (!(e <= m)) m = e; /* NaN wins */
    }
    return m;
}

static void check_close(const char *name, const char *what, const double *a, const double *b,
                        size_t n, double floor, double tol)
{
    double e = max_rel_err(a, b, n, floor);
    CHECK_MSG(e < tol, "%s: %s: max relative error %g", name, what, e);
}

static double *alloc_random(size_t n, uint64_t seed)
{
    double *p = malloc(sizeof(double) * (n ? n : 1));
    /* 24-bit uniforms in [-1, 1): exact in float, so both precisions see the same inputs */
    check_fill_uniform_f64(p, n, seed, -1.0, 1.0);
    return p;
}

static double *alloc_copy(const double *x, size_t n)
{
    double *p = malloc(sizeof(double) * (n ? n : 1));
    memcpy(p, x, sizeof(double) * n);
    return p;
}

/* Central differences of the reference loss for every element of v, which
 * is x or bias, perturbed in place. */
static void fd_grad(const attn_layout *L, double *x, double *bias, const int32_t *mask,
                    const double *R, double *v, size_t n, double *g)
{
    const double eps = 1e-5;
    double *scratch = malloc(sizeof(double) * L->nout);
    for (size_t e = 0; e < n; e++) {
        double keep = v[e];
        v[e] = keep + eps;
        double lp = ref_loss(L, x, bias, mask, R, scratch);
        v[e] = keep - eps;
        double lm = ref_loss(L, x, bias, mask, R, scratch);
        v[e] = keep;
        g[e] = (lp - lm) / (2 * eps);
    }
    free(scratch);
}

/* Keys masked as padding must leave their dk and dv rows exactly as
 * prefilled. */
static int padding_grads_untouched(const attn_case *c, const attn_layout *L, const double *gx,
                                   const double *gx0)
{
    int ok = 1;
    for (int j = c->Tk - (c->pad_keys > 0 ? c->pad_keys : 0); j < c->Tk; j++)
        for (int col = 0; col < c->H * c->D; col++) {
            size_t row = (size_t)(c->B - 1) * c->Tk + j;
            size_t ek = L->koff + row * L->d.ldk + col, ev = L->voff + row * L->d.ldv + col;
            ok &= gx[ek] == gx0[ek] && gx[ev] == gx0[ev];
        }
    return ok;
}

/* Rows with no visible key must output exact zeros. */
static int empty_rows_zero(const attn_case *c, const attn_layout *L, const int32_t *mask,
                           const double *out, int *count)
{
    int ok = 1, HD = c->H * c->D;
    for (int b = 0; b < c->B; b++)
        for (int i = 0; i < c->Tq; i++) {
            int any = 0;
            for (int j = 0; j < c->Tk; j++) any |= ref_visible(&L->d, mask, b, i, j);
            if (any) continue;
            (*count)++;
            for (int col = 0; col < HD; col++) ok &= out[(size_t)(b * c->Tq + i) * HD + col] == 0;
        }
    return ok;
}

static void check_case(const attn_case *c)
{
    attn_layout L = make_layout(c);
    int32_t *mask = make_mask(c);
    double *x = alloc_random(L.nx, 11), *R = alloc_random(L.nout, 12);
    double *bias = c->with_bias ? alloc_random(L.nbias, 13) : NULL;
    double *gx0 = alloc_random(L.nx, 14), *gb0 = alloc_random(L.nbias, 15);
    double *out_ref = malloc(sizeof(double) * L.nout), *p_ref = malloc(sizeof(double) * L.nprobs);
    ref_forward(&L, x, bias, mask, out_ref, p_ref);

    double *out[2], *probs[2], *gx[2], *gb[2];
    for (int f64 = 0; f64 < 2; f64++) {
        out[f64] = malloc(sizeof(double) * L.nout);
        probs[f64] = malloc(sizeof(double) * L.nprobs);
        run_fwd(f64, &L, x, bias, mask, out[f64], probs[f64]);
        gx[f64] = alloc_copy(gx0, L.nx);
        gb[f64] = c->with_bias ? alloc_copy(gb0, L.nbias) : NULL;
        run_bwd(f64, &L, x, probs[f64], mask, R, gx[f64], gb[f64]);
    }
    check_close(c->name, "out f32", out[F32], out_ref, L.nout, 1e-2, 1e-5);
    check_close(c->name, "probs f32", probs[F32], p_ref, L.nprobs, 1e-2, 1e-5);
    check_close(c->name, "out f64", out[F64], out_ref, L.nout, 1e-2, 1e-12);
    check_close(c->name, "probs f64", probs[F64], p_ref, L.nprobs, 1e-2, 1e-12);

    /* double backward (minus the prefill) against finite differences */
    double *fd = malloc(sizeof(double) * L.nx), *an = malloc(sizeof(double) * L.nx);
    fd_grad(&L, x, bias, mask, R, x, L.nx, fd);
    for (size_t i = 0; i < L.nx; i++) an[i] = gx[F64][i] - gx0[i];
    check_close(c->name, "dqkv f64 vs FD", an, fd, L.nx, 1e-2, 1e-6);
    check_close(c->name, "dqkv f32 vs f64", gx[F32], gx[F64], L.nx, 1e-1, 1e-5);
    if (bias) {
        fd_grad(&L, x, bias, mask, R, bias, L.nbias, fd);
        for (size_t i = 0; i < L.nbias; i++) an[i] = gb[F64][i] - gb0[i];
        check_close(c->name, "dbias f64 vs FD", an, fd, L.nbias, 1e-2, 1e-6);
        check_close(c->name, "dbias f32 vs f64", gb[F32], gb[F64], L.nbias, 1e-1, 1e-5);
    }

    for (int f64 = 0; f64 < 2; f64++) {
        int empty = 0;
        CHECK_MSG(padding_grads_untouched(c, &L, gx[f64], gx0), "%s f64=%d", c->name, f64);
        CHECK_MSG(empty_rows_zero(c, &L, mask, out[f64], &empty), "%s f64=%d", c->name, f64);
        if (c->pad_keys == c->Tk || c->Tq > c->Tk)
            CHECK_MSG(empty > 0, "%s: the case should have rows with no visible key", c->name);
    }
    for (int f64 = 0; f64 < 2; f64++)
        free(out[f64]), free(probs[f64]), free(gx[f64]), free(gb[f64]);
    free(mask), free(x), free(R), free(bias), free(gx0), free(gb0), free(out_ref), free(p_ref);
    free(fd), free(an);
}

/* ---- cases ---- */

static void test_cross_attention(void)
{
    attn_case t5 = {"t5 cross, fused kv, bias, mask", 2, 3, 4, 5, 7, 0, 1, 1, 2, 1.0f, 0.0f};
    check_case(&t5);
    attn_case plain = {"cross, dense, scaled", 2, 3, 4, 5, 7, 0, 0, 0, -1, 0.5f, 0.0f};
    check_case(&plain);
}

static void test_causal_self_attention(void)
{
    attn_case gpt2 = {"gpt2 causal, fused qkv, mask", 2, 3, 4, 6, 6, 1, 1, 0, 2, 0.5f, 0.0f};
    check_case(&gpt2);
    attn_case t5dec = {"t5 decoder, dense, bias", 2, 3, 4, 6, 6, 1, 0, 1, 1, 1.0f, 0.0f};
    check_case(&t5dec);
}

static void test_dropout(void)
{
    attn_case cross = {"cross dropout", 2, 3, 4, 5, 7, 0, 1, 1, 2, 1.0f, 0.3f};
    check_case(&cross);
    attn_case self = {"causal dropout", 2, 3, 4, 6, 6, 1, 1, 0, 2, 0.5f, 0.3f};
    check_case(&self);

    /* roughly p of the visible probabilities are dropped, and the mask
     * follows (seed, stream) */
    attn_layout L = make_layout(&cross);
    double *x = alloc_random(L.nx, 21), *bias = alloc_random(L.nbias, 22);
    double *o1 = malloc(sizeof(double) * L.nout), *o2 = malloc(sizeof(double) * L.nout);
    double *p = malloc(sizeof(double) * L.nprobs);
    int32_t *mask = make_mask(&cross);
    run_fwd(F32, &L, x, bias, mask, o1, p);
    int visible = 0, dropped = 0;
    for (size_t e = 0; e < L.nprobs; e++)
        if (p[e] > 0) visible++, dropped += ref_keep(&L.d, e) == 0;
    CHECK_MSG(dropped > 0.2 * visible && dropped < 0.4 * visible, "%d of %d", dropped, visible);
    run_fwd(F32, &L, x, bias, mask, o2, p);
    CHECK(memcmp(o1, o2, sizeof(double) * L.nout) == 0);
    L.d.stream++;
    run_fwd(F32, &L, x, bias, mask, o2, p);
    CHECK(memcmp(o1, o2, sizeof(double) * L.nout) != 0);
    free(x), free(bias), free(o1), free(o2), free(p), free(mask);
}

static void test_rows_without_keys(void)
{
    /* the last sequence is all padding */
    attn_case all_pad = {"all keys masked", 2, 3, 4, 5, 7, 0, 1, 1, 7, 1.0f, 0.0f};
    check_case(&all_pad);
    /* causal with Tq > Tk: the first Tq - Tk queries see nothing */
    attn_case early = {"causal Tq > Tk", 2, 3, 4, 6, 3, 1, 0, 1, -1, 0.5f, 0.0f};
    check_case(&early);
}

/* ---- position bias ---- */

enum { PB_H = 3, PB_TQ = 5, PB_TK = 7, PB_NB = 4 };

/* bias and dtable (prefilled) from the op in the given precision */
static void run_position_bias(int f64, const int32_t *buckets, const double *table,
                              const double *dbias, double *bias, double *dtable)
{
    size_t nb = (size_t)PB_H * PB_TQ * PB_TK, nt = (size_t)PB_NB * PB_H;
    void *tb = dev_copy(f64, table, nt), *bb = dev_copy(f64, NULL, nb);
    void *gb = dev_copy(f64, dbias, nb), *dt = dev_copy(f64, dtable, nt);
    (f64 ? pad_cpu64_position_bias_fwd : pad_cpu32_position_bias_fwd)(NULL, bb, tb, buckets,
                                                                      PB_H, PB_TQ, PB_TK);
    (f64 ? pad_cpu64_position_bias_bwd : pad_cpu32_position_bias_bwd)(
        NULL, dt, gb, buckets, PB_H, PB_TQ, PB_TK, PB_NB);
    host_copy(f64, bias, bb, nb);
    host_copy(f64, dtable, dt, nt);
    free(tb), free(bb), free(gb), free(dt);
}

static void test_position_bias(void)
{
    size_t nb = (size_t)PB_H * PB_TQ * PB_TK, nt = (size_t)PB_NB * PB_H;
    int32_t buckets[PB_TQ * PB_TK];
    pad_rng r;
    pad_rng_init(&r, 99, 0);
    for (int e = 0; e < PB_TQ * PB_TK; e++) buckets[e] = (int32_t)pad_rng_next_below(&r, PB_NB);
    double *table = alloc_random(nt, 31), *dbias = alloc_random(nb, 32);
    double *dtab0 = alloc_random(nt, 33);
    double ref_bias[PB_H * PB_TQ * PB_TK], ref_dtab[PB_NB * PB_H];
    memcpy(ref_dtab, dtab0, sizeof ref_dtab);
    for (int h = 0; h < PB_H; h++)
        for (int e = 0; e < PB_TQ * PB_TK; e++) {
            ref_bias[h * PB_TQ * PB_TK + e] = table[buckets[e] * PB_H + h];
            ref_dtab[buckets[e] * PB_H + h] += dbias[h * PB_TQ * PB_TK + e];
        }
    for (int f64 = 0; f64 < 2; f64++) {
        double bias[PB_H * PB_TQ * PB_TK], dtab[PB_NB * PB_H];
        memcpy(dtab, dtab0, sizeof dtab);
        run_position_bias(f64, buckets, table, dbias, bias, dtab);
        CHECK(memcmp(bias, ref_bias, sizeof bias) == 0);
        double e = max_rel_err(dtab, ref_dtab, nt, 1e-1);
        CHECK_MSG(e < (f64 ? 1e-13 : 1e-6), "f64=%d dtable err %g", f64, e);
    }
    free(table), free(dbias), free(dtab0);
}

/* ---- thread count ---- */

static void test_thread_count_independence(void)
{
    attn_case c = {"threads", 2, 3, 4, 5, 7, 0, 1, 1, 2, 1.0f, 0.3f};
    attn_layout L = make_layout(&c);
    int32_t *mask = make_mask(&c);
    double *x = alloc_random(L.nx, 41), *bias = alloc_random(L.nbias, 42);
    double *R = alloc_random(L.nout, 43);
    size_t nb = (size_t)PB_H * PB_TQ * PB_TK, nt = (size_t)PB_NB * PB_H;
    int32_t buckets[PB_TQ * PB_TK];
    for (int e = 0; e < PB_TQ * PB_TK; e++) buckets[e] = e % PB_NB;
    double *runs[2][6];
    int saved = omp_get_max_threads();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t ? 3 : 1);
        double **o = runs[t];
        o[0] = malloc(sizeof(double) * L.nout), o[1] = malloc(sizeof(double) * L.nprobs);
        run_fwd(F32, &L, x, bias, mask, o[0], o[1]);
        o[2] = alloc_random(L.nx, 44), o[3] = alloc_random(L.nbias, 45);
        run_bwd(F32, &L, x, o[1], mask, R, o[2], o[3]); /* heads split, dbias summed */
        run_bwd(F32, &L, x, o[1], mask, R, o[2], NULL); /* (b, h) pairs split */
        o[4] = malloc(sizeof(double) * nb), o[5] = alloc_random(nt, 46);
        run_position_bias(F32, buckets, bias, bias, o[4], o[5]);
    }
    omp_set_num_threads(saved);
    size_t sizes[6] = {L.nout, L.nprobs, L.nx, L.nbias, nb, nt};
    for (int i = 0; i < 6; i++) {
        CHECK_MSG(memcmp(runs[0][i], runs[1][i], sizeof(double) * sizes[i]) == 0, "buffer %d", i);
        free(runs[0][i]), free(runs[1][i]);
    }
    free(mask), free(x), free(bias), free(R);
}

int main(void)
{
    RUN(test_cross_attention);
    RUN(test_causal_self_attention);
    RUN(test_dropout);
    RUN(test_rows_without_keys);
    RUN(test_position_bias);
    RUN(test_thread_count_independence);
    return check_finish();
}
