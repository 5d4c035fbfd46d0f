/* pad: the T5 stacks, forward and backward, as transformers' T5Stack.
 *
 * Every block is a chain of pre-norm residual sublayers
 *     y = x + dropout(F(RMSNorm(x)))
 * with F = self-attention, cross-attention (decoder) and the feed-forward
 * net.  The backward pass keeps one running gradient of the residual stream
 * (sc.g): the identity path needs no work, and RMSNorm's backward accumulates
 * the branch's contribution into it. */
#include "model/t5_internal.h"

#include <stddef.h>

#include "model/family.h"

/* What every helper needs: the model, the shape of the stack being run. */
typedef struct t5_run {
    pad_model *m;
    pad_backend *be;
    const pad_backend_ops *op;
    const t5_config *c;
    t5_state *s;
    size_t act;
    int decoder;
    int T, N;                /* this stack's sequence length and rows */
} t5_run;

static t5_run run_of(pad_model *m, int decoder)
{
    t5_state *s = m->impl;
    t5_run r = {m, m->be, m->be->ops, &m->config.t5, s, pad_dtype_size(m->be->act_dtype),
                decoder, decoder ? s->Tt : s->Ts, 0};
    r.N = s->B * r.T;
    return r;
}

static void *P(const t5_run *r, size_t off) { return (char *)r->m->param_buf + off * r->act; }
static void *G(const t5_run *r, size_t off) { return (char *)r->m->grad_buf + off * r->act; }

static uint64_t stream_of(const t5_run *r, int layer, int site)
{
    return (r->s->step << 32) | ((uint64_t)r->decoder << 24) | ((uint64_t)layer << 8) |
           (uint64_t)site;
}

/* Forward dropout: returns x itself when dropout is off, else dst. */
static const void *drop_fwd(const t5_run *r, void *dst, const void *x, size_t n, uint64_t stream)
{
    if (!r->s->dropping) return x;
    r->op->dropout_fwd(r->be, dst, x, r->c->dropout_rate, r->m->dropout_seed, stream, n);
    return dst;
}

/* Gradient through dropout: dout itself when off, else into (zeroed) scratch. */
static const void *drop_bwd(const t5_run *r, void *scratch, const void *dout, size_t n,
                            uint64_t stream)
{
    if (!r->s->dropping) return dout;
    r->op->zero(r->be, scratch, n * r->act);
    r->op->dropout_bwd(r->be, scratch, dout, r->c->dropout_rate, r->m->dropout_seed, stream, n);
    return scratch;
}

static pad_attn_desc attn_desc(const t5_run *r, int Tk, int causal, uint64_t stream)
{
    int inner = r->c->num_heads * r->c->d_kv;
    pad_attn_desc d = {r->s->B, r->T, Tk, r->c->num_heads, r->c->d_kv, inner, inner, inner,
                       causal, 1.0f, r->s->dropping ? r->c->dropout_rate : 0.0f,
                       r->m->dropout_seed, stream};
    return d;
}

/* T5Attention without scaling: xq gives queries, xkv (Tk rows per sequence)
 * keys and values. */
static void attn_fwd(const t5_run *r, const t5_attn_w *w, t5_attn_acts *a, const void *xq,
                     const void *xkv, int Tk, const void *bias, const int32_t *key_mask,
                     int causal, uint64_t stream)
{
    int d = r->c->d_model, inner = r->c->num_heads * r->c->d_kv, Nk = r->s->B * Tk;
    r->op->matmul_fwd(r->be, a->q, xq, P(r, w->q), PAD_W_OUT_IN, NULL, r->N, d, inner);
    r->op->matmul_fwd(r->be, a->k, xkv, P(r, w->k), PAD_W_OUT_IN, NULL, Nk, d, inner);
    r->op->matmul_fwd(r->be, a->v, xkv, P(r, w->v), PAD_W_OUT_IN, NULL, Nk, d, inner);
    pad_attn_desc desc = attn_desc(r, Tk, causal, stream);
    r->op->attention_fwd(r->be, &desc, a->ctx, a->probs, a->q, a->k, a->v, bias, key_mask);
    r->op->matmul_fwd(r->be, a->out, a->ctx, P(r, w->o), PAD_W_OUT_IN, NULL, r->N, inner, d);
}

/* Accumulates into dxq, dxkv (may be the same buffer) and dbias (may be NULL). */
static void attn_bwd(const t5_run *r, const t5_attn_w *w, const t5_attn_acts *a,
                     const void *dout, const void *xq, const void *xkv, void *dxq, void *dxkv,
                     int Tk, void *dbias, const int32_t *key_mask, int causal, uint64_t stream)
{
    const t5_scratch *sc = &r->s->sc;
    int d = r->c->d_model, inner = r->c->num_heads * r->c->d_kv, Nk = r->s->B * Tk;
    r->op->zero(r->be, sc->d_ctx, (size_t)r->N * inner * r->act);
    r->op->zero(r->be, sc->dq, (size_t)r->N * inner * r->act);
    r->op->zero(r->be, sc->dk, (size_t)Nk * inner * r->act);
    r->op->zero(r->be, sc->dv, (size_t)Nk * inner * r->act);
    r->op->matmul_bwd(r->be, sc->d_ctx, G(r, w->o), NULL, dout, a->ctx, P(r, w->o), PAD_W_OUT_IN,
                      r->N, inner, d);
    pad_attn_desc desc = attn_desc(r, Tk, causal, stream);
    r->op->attention_bwd(r->be, &desc, sc->dq, sc->dk, sc->dv, dbias, sc->d_ctx, a->q, a->k,
                         a->v, a->probs, key_mask);
    r->op->matmul_bwd(r->be, dxq, G(r, w->q), NULL, sc->dq, xq, P(r, w->q), PAD_W_OUT_IN, r->N,
                      d, inner);
    r->op->matmul_bwd(r->be, dxkv, G(r, w->k), NULL, sc->dk, xkv, P(r, w->k), PAD_W_OUT_IN, Nk,
                      d, inner);
    r->op->matmul_bwd(r->be, dxkv, G(r, w->v), NULL, sc->dv, xkv, P(r, w->v), PAD_W_OUT_IN, Nk,
                      d, inner);
}

/* DenseReluDense: wo(dropout(relu(wi x))) or wo(dropout(gelu_new(wi_0 x) * wi_1 x)). */
static void ffn_fwd(const t5_run *r, const t5_ffn_w *w, t5_ffn_acts *a, const void *x,
                    uint64_t stream)
{
    int d = r->c->d_model, F = r->c->d_ff;
    size_t n = (size_t)r->N * F;
    r->op->matmul_fwd(r->be, a->pre, x, P(r, w->wi), PAD_W_OUT_IN, NULL, r->N, d, F);
    if (r->c->gated_gelu) {
        r->op->matmul_fwd(r->be, a->up, x, P(r, w->wi_1), PAD_W_OUT_IN, NULL, r->N, d, F);
        r->op->gated_gelu_fwd(r->be, a->act, a->pre, a->up, n);
    } else {
        r->op->relu_fwd(r->be, a->act, a->pre, n);
    }
    const void *h = drop_fwd(r, a->drop, a->act, n, stream);
    r->op->matmul_fwd(r->be, a->out, h, P(r, w->wo), PAD_W_OUT_IN, NULL, r->N, F, d);
}

static void ffn_bwd(const t5_run *r, const t5_ffn_w *w, const t5_ffn_acts *a, const void *dout,
                    const void *x, void *dx, uint64_t stream)
{
    void *const *dff = r->s->sc.dff;
    int d = r->c->d_model, F = r->c->d_ff;
    size_t n = (size_t)r->N * F, bytes = n * r->act;
    const void *h = r->s->dropping ? a->drop : a->act;
    r->op->zero(r->be, dff[0], bytes);
    r->op->matmul_bwd(r->be, dff[0], G(r, w->wo), NULL, dout, h, P(r, w->wo), PAD_W_OUT_IN, r->N,
                      F, d);
    const void *dact = drop_bwd(r, dff[1], dff[0], n, stream);
    r->op->zero(r->be, dff[2], bytes);
    if (r->c->gated_gelu) {
        r->op->zero(r->be, dff[3], bytes);
        r->op->gated_gelu_bwd(r->be, dff[2], dff[3], dact, a->pre, a->up, n);
        r->op->matmul_bwd(r->be, dx, G(r, w->wi_1), NULL, dff[3], x, P(r, w->wi_1),
                          PAD_W_OUT_IN, r->N, d, F);
    } else {
        r->op->relu_bwd(r->be, dff[2], dact, a->pre, n);
    }
    r->op->matmul_bwd(r->be, dx, G(r, w->wi), NULL, dff[2], x, P(r, w->wi), PAD_W_OUT_IN, r->N,
                      d, F);
}

/* Sublayer s of a block: 0 self-attention, then cross-attention (decoder), then FFN. */
typedef enum { T5_SUB_SELF, T5_SUB_CROSS, T5_SUB_FFN } t5_sub_kind;

static int sublayers(const t5_run *r) { return r->decoder ? 3 : 2; }
static t5_sub_kind sub_kind(const t5_run *r, int s)
{
    return s == 0 ? T5_SUB_SELF : (r->decoder && s == 1) ? T5_SUB_CROSS : T5_SUB_FFN;
}
static int out_site(t5_sub_kind k)
{
    return k == T5_SUB_SELF ? T5_DROP_SELF_OUT : k == T5_SUB_CROSS ? T5_DROP_CROSS_OUT
                                                                 : T5_DROP_FFN_OUT;
}

static t5_stack_acts *acts_of(const t5_run *r) { return r->decoder ? &r->s->dec : &r->s->enc; }
static const t5_stack_w *weights_of(const t5_run *r)
{
    return r->decoder ? &r->s->w.dec : &r->s->w.enc;
}
static int layers_of(const t5_run *r)
{
    return r->decoder ? r->c->num_decoder_layers : r->c->num_layers;
}

/* The residual stream after sublayer s of block l. */
static void *next_x(const t5_run *r, int l, int s)
{
    t5_stack_acts *a = acts_of(r);
    if (s + 1 < sublayers(r)) return a->blocks[l].ln[s + 1].x;
    if (l + 1 < layers_of(r)) return a->blocks[l + 1].ln[0].x;
    return a->x_final;
}

/* The branch F of sublayer s; returns its output. */
static const void *sub_fwd(const t5_run *r, int l, int s, const void *x)
{
    const t5_block_w *w = &weights_of(r)->blocks[l];
    t5_stack_acts *a = acts_of(r);
    t5_block_acts *b = &a->blocks[l];
    switch (sub_kind(r, s)) {
    case T5_SUB_SELF:
        attn_fwd(r, &w->self, &b->self, x, x, r->T, a->bias, a->mask, r->decoder,
                 stream_of(r, l, T5_DROP_SELF_PROBS));
        return b->self.out;
    case T5_SUB_CROSS:
        attn_fwd(r, &w->cross, &b->cross, x, r->s->enc.out, r->s->Ts, NULL, r->s->enc.mask, 0,
                 stream_of(r, l, T5_DROP_CROSS_PROBS));
        return b->cross.out;
    default:
        ffn_fwd(r, &w->ffn, &b->ffn, x, stream_of(r, l, T5_DROP_FFN_HIDDEN));
        return b->ffn.out;
    }
}

static void sub_bwd(const t5_run *r, int l, int s, const void *dout, const void *x, void *dx)
{
    const t5_block_w *w = &weights_of(r)->blocks[l];
    t5_stack_acts *a = acts_of(r);
    t5_block_acts *b = &a->blocks[l];
    switch (sub_kind(r, s)) {
    case T5_SUB_SELF:
        attn_bwd(r, &w->self, &b->self, dout, x, x, dx, dx, r->T, r->s->sc.dbias, a->mask,
                 r->decoder, stream_of(r, l, T5_DROP_SELF_PROBS));
        break;
    case T5_SUB_CROSS:
        attn_bwd(r, &w->cross, &b->cross, dout, x, r->s->enc.out, dx, r->s->sc.d_enc_out,
                 r->s->Ts, NULL, r->s->enc.mask, 0, stream_of(r, l, T5_DROP_CROSS_PROBS));
        break;
    default:
        ffn_bwd(r, &w->ffn, &b->ffn, dout, x, dx, stream_of(r, l, T5_DROP_FFN_HIDDEN));
    }
}

static void block_fwd(const t5_run *r, int l)
{
    const t5_block_w *w = &weights_of(r)->blocks[l];
    t5_block_acts *b = &acts_of(r)->blocks[l];
    size_t n = (size_t)r->N * r->c->d_model;
    for (int s = 0; s < sublayers(r); s++) {
        t5_norm_acts *ln = &b->ln[s];
        r->op->rmsnorm_fwd(r->be, ln->normed, ln->rstd, ln->x, P(r, w->ln[s]), r->N,
                           r->c->d_model, r->c->layer_norm_epsilon);
        const void *branch = sub_fwd(r, l, s, ln->normed);
        branch = drop_fwd(r, r->s->sc.tmp, branch, n, stream_of(r, l, out_site(sub_kind(r, s))));
        r->op->add(r->be, next_x(r, l, s), ln->x, branch, n);
    }
}

/* sc.g holds d(block output) on entry and d(block input) on return. */
static void block_bwd(const t5_run *r, int l)
{
    const t5_block_w *w = &weights_of(r)->blocks[l];
    const t5_block_acts *b = &acts_of(r)->blocks[l];
    const t5_scratch *sc = &r->s->sc;
    size_t n = (size_t)r->N * r->c->d_model;
    for (int s = sublayers(r) - 1; s >= 0; s--) {
        const t5_norm_acts *ln = &b->ln[s];
        const void *dbranch = drop_bwd(r, sc->d_tmp, sc->g, n,
                                       stream_of(r, l, out_site(sub_kind(r, s))));
        r->op->zero(r->be, sc->d_normed, n * r->act);
        sub_bwd(r, l, s, dbranch, ln->normed, sc->d_normed);
        r->op->rmsnorm_bwd(r->be, sc->g, G(r, w->ln[s]), sc->d_normed, ln->x, P(r, w->ln[s]),
                           ln->rstd, r->N, r->c->d_model);
    }
}

void t5_stack_fwd(pad_model *m, int decoder)
{
    t5_run r = run_of(m, decoder);
    t5_stack_acts *a = acts_of(&r);
    const t5_stack_w *w = weights_of(&r);
    int d = r.c->d_model, L = layers_of(&r);
    size_t n = (size_t)r.N * d;
    void *x0 = a->blocks[0].ln[0].x;
    r.op->embedding_fwd(r.be, r.s->dropping ? r.s->sc.tmp : x0, a->ids, P(&r, r.s->w.shared),
                        r.N, d);
    if (r.s->dropping) drop_fwd(&r, x0, r.s->sc.tmp, n, stream_of(&r, 0, T5_DROP_EMBED));
    r.op->position_bias_fwd(r.be, a->bias, P(&r, w->rel_bias), a->buckets, r.c->num_heads, r.T,
                            r.T);
    for (int l = 0; l < L; l++) block_fwd(&r, l);
    r.op->rmsnorm_fwd(r.be, a->normed, a->rstd, a->x_final, P(&r, w->final_ln), r.N, d,
                      r.c->layer_norm_epsilon);
    a->out = drop_fwd(&r, a->dropped, a->normed, n, stream_of(&r, L, T5_DROP_FINAL));
}

/* The grad_buf range of block l of a stack: from its first parameter to the
 * next block's.  The last block's runs on to the next region, so it takes the
 * stack's final norm (and, for the decoder, everything up to lm_head). */
static void block_range(const pad_model *m, int decoder, int l, size_t *begin, size_t *end)
{
    const t5_state *s = m->impl;
    const t5_config *c = &m->config.t5;
    const t5_stack_w *w = decoder ? &s->w.dec : &s->w.enc;
    int L = decoder ? c->num_decoder_layers : c->num_layers;
    *begin = w->blocks[l].self.q;
    if (l + 1 < L) *end = w->blocks[l + 1].self.q;
    else if (!decoder) *end = s->w.dec.blocks[0].self.q;
    else *end = c->tie_word_embeddings ? m->params.buffer_numel : s->w.lm_head;
}

static pad_status block_ready(const t5_run *r, int l, pad_error *err)
{
    size_t begin, end;
    block_range(r->m, r->decoder, l, &begin, &end);
    return pad_model_grads_ready(r->m, begin, end, err);
}

pad_status t5_stack_bwd(pad_model *m, int decoder, const void *dout, pad_error *err)
{
    t5_run r = run_of(m, decoder);
    const t5_stack_acts *a = acts_of(&r);
    const t5_stack_w *w = weights_of(&r);
    const t5_scratch *sc = &r.s->sc;
    int d = r.c->d_model, L = layers_of(&r), H = r.c->num_heads;
    size_t n = (size_t)r.N * d;
    r.op->zero(r.be, sc->g, n * r.act);
    r.op->zero(r.be, sc->dbias, (size_t)H * r.T * r.T * r.act);
    const void *dnormed = drop_bwd(&r, sc->d_tmp, dout, n, stream_of(&r, L, T5_DROP_FINAL));
    r.op->rmsnorm_bwd(r.be, sc->g, G(&r, w->final_ln), dnormed, a->x_final, P(&r, w->final_ln),
                      a->rstd, r.N, d);
    pad_status st = PAD_OK;
    /* block 0 holds the relative bias, whose gradient every block feeds */
    for (int l = L - 1; !st && l >= 0; l--) {
        block_bwd(&r, l);
        if (l > 0) st = block_ready(&r, l, err);
    }
    if (st) return st;
    r.op->position_bias_bwd(r.be, G(&r, w->rel_bias), sc->dbias, a->buckets, H, r.T, r.T,
                            r.c->relative_attention_num_buckets);
    st = block_ready(&r, 0, err);
    const void *demb = drop_bwd(&r, sc->d_tmp, sc->g, n, stream_of(&r, 0, T5_DROP_EMBED));
    if (!st) r.op->embedding_bwd(r.be, G(&r, r.s->w.shared), demb, a->ids, r.N, d, r.c->vocab_size);
    return st;
}
