/* pad: T5's incremental decoder.
 *
 * begin() runs the encoder once (through the model's own forward pass, with
 * a one-token decoder nobody reads) and projects every decoder layer's
 * cross-attention keys and values from its output, once per source.  A
 * step then runs the decoder stack on one token per row:
 *   self-attention   query at position t against the row's cached keys
 *                    0..cap-1, the unfilled ones masked, with the causal
 *                    position bias of (key - t);
 *   cross-attention  the source's beams are its queries (B = live sources,
 *                    Tq = beams), so they share its keys and values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/decoder_internal.h"
#include "model/t5_internal.h"

typedef struct t5_dec {
    const t5_config *c;
    size_t shared, lm_head, rel_bias, final_ln;
    t5_block_w *blocks;      /* a copy of the decoder's offsets */
    int Ts;                  /* longest source: the cross keys per source */
    int inner;
    void *slab;
    void *cross;             /* [layers][2][B][Ts][inner] */
    int32_t *src_mask;       /* backend [B, Ts], live sources first */
    int32_t *host_src_mask;  /* its host copy, same order */
    int32_t *tokens;         /* backend [rows] */
    int32_t *buckets;        /* backend [cap] */
    void *bias;              /* [H, 1, cap] */
    void *x, *normed, *branch, *rstd;
    void *q, *k, *v, *ctx;   /* [rows, inner] */
    void *probs;             /* rows * H * max(cap, Ts) */
    void *ff[3];             /* [rows, d_ff]: pre, up, act */
    void *logits;
} t5_dec;

static t5_dec *st_of(const pad_decoder *d) { return d->impl; }
static void *P(const pad_decoder *d, size_t off) { return dec_at(d, d->m->param_buf, off); }

static void *cross_kv(const pad_decoder *d, int layer, int kv)
{
    const t5_dec *t = st_of(d);
    return dec_at(d, t->cross, (size_t)(2 * layer + kv) * d->B * t->Ts * t->inner);
}

/* ---- begin: the encoder ---- */

/* Sources right-padded to Ts with their mask, into host buffers. */
static void pad_sources(const pad_decoder *d, const int32_t *const *src, int Ts, int32_t pad,
                        int32_t *ids, int32_t *mask)
{
    for (int i = 0; i < d->B; i++)
        for (int t = 0; t < Ts; t++) {
            int real = t < d->src_len[i];
            ids[(size_t)i * Ts + t] = real ? src[i][t] : pad;
            mask[(size_t)i * Ts + t] = real;
        }
}

/* The model's forward pass with a one-token decoder: its encoder output
 * stays in the model's state until the next forward. */
static pad_status run_encoder(pad_decoder *d, const int32_t *ids, const int32_t *mask,
                              pad_error *err)
{
    pad_model *m = d->m;
    int32_t *labels = malloc((size_t)d->B * sizeof *labels);
    if (!labels) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    for (int i = 0; i < d->B; i++) labels[i] = PAD_IGNORE_INDEX;
    pad_batch b = {d->B, st_of(d)->Ts, ids, mask, 1, NULL, NULL, labels};
    int training = m->training;
    m->training = 0;
    double loss;
    pad_status st = pad_model_forward(m, &b, &loss, err);
    m->training = training;
    free(labels);
    return st;
}

static pad_status copy_weights(pad_decoder *d, pad_error *err)
{
    t5_dec *t = st_of(d);
    const t5_state *s = d->m->impl;
    int L = t->c->num_decoder_layers;
    t->blocks = malloc((size_t)L * sizeof *t->blocks);
    if (!t->blocks) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    memcpy(t->blocks, s->w.dec.blocks, (size_t)L * sizeof *t->blocks);
    t->shared = s->w.shared, t->lm_head = s->w.lm_head;
    t->rel_bias = s->w.dec.rel_bias, t->final_ln = s->w.dec.final_ln;
    return PAD_OK;
}

static pad_status t5d_begin(pad_decoder *d, const int32_t *const *src, pad_error *err)
{
    t5_dec *t = calloc(1, sizeof *t);
    if (!t) return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    d->impl = t;
    t->c = &d->m->config.t5;
    t->Ts = d->max_src_len;
    t->inner = t->c->num_heads * t->c->d_kv;
    d->layers = t->c->num_decoder_layers, d->width = t->inner;
    d->cap = d->max_new, d->prefix = 0, d->filled = 0;
    size_t n = (size_t)d->B * t->Ts;
    int32_t *ids = malloc(n * sizeof *ids);
    t->host_src_mask = malloc(n * sizeof *t->host_src_mask);
    if (!ids || !t->host_src_mask) {
        free(ids);
        return pad_error_set(err, PAD_ERR_NOMEM, "decoder: out of memory");
    }
    pad_sources(d, src, t->Ts, t->c->pad_token_id, ids, t->host_src_mask);
    pad_status st = run_encoder(d, ids, t->host_src_mask, err);
    free(ids);
    return st ? st : copy_weights(d, err);
}

static size_t plan(pad_decoder *d, char *base)
{
    t5_dec *t = st_of(d);
    dec_carver cv = {base, 0};
    size_t R = d->rows_cap, a = d->act, H = t->c->num_heads, dm = t->c->d_model;
    size_t keys = (size_t)(d->cap > t->Ts ? d->cap : t->Ts);
    t->cross = dec_take(&cv, 2 * (size_t)d->layers * d->B * t->Ts * t->inner * a);
    t->src_mask = dec_take(&cv, (size_t)d->B * t->Ts * sizeof(int32_t));
    t->tokens = dec_take(&cv, R * sizeof(int32_t));
    t->buckets = dec_take(&cv, (size_t)d->cap * sizeof(int32_t));
    t->bias = dec_take(&cv, H * d->cap * a);
    t->x = dec_take(&cv, R * dm * a);
    t->normed = dec_take(&cv, R * dm * a);
    t->branch = dec_take(&cv, R * dm * a);
    t->rstd = dec_take(&cv, R * pad_dtype_size(d->be->stat_dtype));
    void **inner[4] = {&t->q, &t->k, &t->v, &t->ctx};
    for (int i = 0; i < 4; i++) *inner[i] = dec_take(&cv, R * t->inner * a);
    t->probs = dec_take(&cv, R * H * keys * a);
    for (int i = 0; i < 3; i++) t->ff[i] = dec_take(&cv, R * t->c->d_ff * a);
    t->logits = dec_take(&cv, R * d->V * a);
    return cv.used;
}

/* Every layer's cross keys and values from the encoder output, which sits
 * in the model's state since begin(). */
static void project_cross(pad_decoder *d)
{
    const t5_dec *t = st_of(d);
    const t5_state *s = d->m->impl;
    const pad_backend_ops *op = d->be->ops;
    int N = d->B * t->Ts;
    for (int l = 0; l < d->layers; l++) {
        const t5_attn_w *w = &t->blocks[l].cross;
        op->matmul_fwd(d->be, cross_kv(d, l, 0), s->enc.out, P(d, w->k), PAD_W_OUT_IN, NULL, N,
                       t->c->d_model, t->inner);
        op->matmul_fwd(d->be, cross_kv(d, l, 1), s->enc.out, P(d, w->v), PAD_W_OUT_IN, NULL, N,
                       t->c->d_model, t->inner);
    }
}

static pad_status t5d_prepare(pad_decoder *d, const int32_t *const *src, pad_error *err)
{
    t5_dec *t = st_of(d);
    pad_status st = d->be->ops->alloc(d->be, plan(d, NULL), &t->slab, err);
    if (st) return st;
    plan(d, t->slab);
    d->logits = t->logits;
    project_cross(d);
    d->be->ops->upload(d->be, t->src_mask, t->host_src_mask,
                       (size_t)d->B * t->Ts * sizeof(int32_t));
    return PAD_OK;
}

/* ---- a step ---- */

static pad_attn_desc desc(const pad_decoder *d, int B, int Tq, int Tk)
{
    const t5_dec *t = st_of(d);
    pad_attn_desc a = {B, Tq, Tk, t->c->num_heads, t->c->d_kv, t->inner, t->inner, t->inner,
                       0, 1.0f, 0.0f, 0, 0};
    return a;
}

/* The causal bias of the query at position d->filled against every cache
 * position (those past it are masked anyway). */
static void self_bias(pad_decoder *d)
{
    const t5_dec *t = st_of(d);
    int32_t *h = d->host_i32;
    for (int j = 0; j < d->cap; j++)
        h[j] = t5_relative_position_bucket(j - d->filled, 0, t->c->relative_attention_num_buckets,
                                           t->c->relative_attention_max_distance);
    d->be->ops->upload(d->be, t->buckets, h, (size_t)d->cap * sizeof *h);
    d->be->ops->position_bias_fwd(d->be, t->bias, P(d, t->rel_bias), t->buckets,
                                  t->c->num_heads, 1, d->cap);
}

static void self_attn(pad_decoder *d, int l)
{
    t5_dec *t = st_of(d);
    const t5_attn_w *w = &t->blocks[l].self;
    const pad_backend_ops *op = d->be->ops;
    int R = d->rows, dm = t->c->d_model;
    op->matmul_fwd(d->be, t->q, t->normed, P(d, w->q), PAD_W_OUT_IN, NULL, R, dm, t->inner);
    op->matmul_fwd(d->be, t->k, t->normed, P(d, w->k), PAD_W_OUT_IN, NULL, R, dm, t->inner);
    op->matmul_fwd(d->be, t->v, t->normed, P(d, w->v), PAD_W_OUT_IN, NULL, R, dm, t->inner);
    dec_store(d, l, 0, t->k, (size_t)t->inner);
    dec_store(d, l, 1, t->v, (size_t)t->inner);
    pad_attn_desc a = desc(d, R, 1, d->cap);
    op->attention_fwd(d->be, &a, t->ctx, t->probs, t->q, dec_cache(d, l, 0), dec_cache(d, l, 1),
                      t->bias, d->mask);
    op->matmul_fwd(d->be, t->branch, t->ctx, P(d, w->o), PAD_W_OUT_IN, NULL, R, t->inner, dm);
}

static void cross_attn(pad_decoder *d, int l)
{
    t5_dec *t = st_of(d);
    const t5_attn_w *w = &t->blocks[l].cross;
    const pad_backend_ops *op = d->be->ops;
    int R = d->rows, dm = t->c->d_model;
    op->matmul_fwd(d->be, t->q, t->normed, P(d, w->q), PAD_W_OUT_IN, NULL, R, dm, t->inner);
    pad_attn_desc a = desc(d, d->groups, d->beams, t->Ts);
    op->attention_fwd(d->be, &a, t->ctx, t->probs, t->q, cross_kv(d, l, 0), cross_kv(d, l, 1),
                      NULL, t->src_mask);
    op->matmul_fwd(d->be, t->branch, t->ctx, P(d, w->o), PAD_W_OUT_IN, NULL, R, t->inner, dm);
}

static void ffn(pad_decoder *d, int l)
{
    t5_dec *t = st_of(d);
    const t5_ffn_w *w = &t->blocks[l].ffn;
    const pad_backend_ops *op = d->be->ops;
    int R = d->rows, dm = t->c->d_model, F = t->c->d_ff;
    size_t n = (size_t)R * F;
    op->matmul_fwd(d->be, t->ff[0], t->normed, P(d, w->wi), PAD_W_OUT_IN, NULL, R, dm, F);
    if (t->c->gated_gelu) {
        op->matmul_fwd(d->be, t->ff[1], t->normed, P(d, w->wi_1), PAD_W_OUT_IN, NULL, R, dm, F);
        op->gated_gelu_fwd(d->be, t->ff[2], t->ff[0], t->ff[1], n);
    } else {
        op->relu_fwd(d->be, t->ff[2], t->ff[0], n);
    }
    op->matmul_fwd(d->be, t->branch, t->ff[2], P(d, w->wo), PAD_W_OUT_IN, NULL, R, F, dm);
}

/* x += F(RMSNorm(x)) for the three sublayers of decoder block l. */
static void block(pad_decoder *d, int l)
{
    t5_dec *t = st_of(d);
    const pad_backend_ops *op = d->be->ops;
    int R = d->rows, dm = t->c->d_model;
    void (*sub[3])(pad_decoder *, int) = {self_attn, cross_attn, ffn};
    for (int s = 0; s < 3; s++) {
        op->rmsnorm_fwd(d->be, t->normed, t->rstd, t->x, P(d, t->blocks[l].ln[s]), R, dm,
                        t->c->layer_norm_epsilon);
        sub[s](d, l);
        op->add(d->be, t->x, t->x, t->branch, (size_t)R * dm);
    }
}

static pad_status t5d_step(pad_decoder *d, const int32_t *tokens, pad_error *err)
{
    t5_dec *t = st_of(d);
    const pad_backend_ops *op = d->be->ops;
    int R = d->rows, dm = t->c->d_model;
    if (!tokens) {
        for (int r = 0; r < R; r++) d->host_i32[r] = t->c->decoder_start_token_id;
        tokens = d->host_i32;
    }
    op->upload(d->be, t->tokens, tokens, (size_t)R * sizeof *tokens);
    op->embedding_fwd(d->be, t->x, t->tokens, P(d, t->shared), R, dm);
    self_bias(d);
    dec_upload_mask(d);
    for (int l = 0; l < d->layers; l++) block(d, l);
    op->rmsnorm_fwd(d->be, t->normed, t->rstd, t->x, P(d, t->final_ln), R, dm,
                    t->c->layer_norm_epsilon);
    if (t->c->scale_decoder_outputs)
        op->scale(d->be, t->normed, t->normed, (float)(1.0 / sqrt((double)dm)), (size_t)R * dm);
    op->matmul_fwd(d->be, t->logits, t->normed, P(d, t->lm_head), PAD_W_OUT_IN, NULL, R, dm,
                   d->V);
    d->filled++;
    return op->sync(d->be, err);
}

static int t5d_call_limit(const pad_decoder *d, const int *src_of, int rows)
{
    return d->max_new;
}

/* Moves the surviving sources' cross keys, values and mask down to their
 * new group index.  Sources only move down, one at a time, so the blocks
 * copied never overlap. */
static void t5d_sources_dropped(pad_decoder *d, const int *old_group)
{
    t5_dec *t = st_of(d);
    size_t per_src = (size_t)t->Ts * t->inner, nm = (size_t)t->Ts;
    for (int g = 0; g < d->groups; g++) {
        int o = old_group[g];
        if (o == g) continue;
        for (int k = 0; k < 2 * d->layers; k++) {
            void *base = cross_kv(d, k / 2, k % 2);
            d->be->ops->copy_rows(d->be, dec_at(d, base, g * per_src), per_src,
                                  dec_at(d, base, o * per_src), per_src, NULL, 1, per_src);
        }
        memcpy(t->host_src_mask + g * nm, t->host_src_mask + o * nm, nm * sizeof(int32_t));
    }
    d->be->ops->upload(d->be, t->src_mask, t->host_src_mask,
                       (size_t)d->groups * nm * sizeof(int32_t));
}

static void t5d_free(pad_decoder *d)
{
    t5_dec *t = st_of(d);
    if (!t) return;
    if (t->slab) d->be->ops->free(d->be, t->slab);
    free(t->blocks);
    free(t->host_src_mask);
    free(t);
    d->impl = NULL;
}

const dec_family t5_decode_family = {
    .begin = t5d_begin,
    .prepare = t5d_prepare,
    .step = t5d_step,
    .call_limit = t5d_call_limit,
    .sources_dropped = t5d_sources_dropped,
    .free_state = t5d_free,
};
