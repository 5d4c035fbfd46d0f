/* pad: T5 parameters, initialisation, batches and the loss.  The stacks
 * themselves are in t5_layers.c. */
#include "model/t5_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/family.h"

void t5_config_defaults(t5_config *c)
{
    *c = (t5_config){
        .vocab_size = 32128, .d_model = 512, .d_kv = 64, .d_ff = 2048, .num_layers = 6,
        .num_decoder_layers = 6, .num_heads = 8, .relative_attention_num_buckets = 32,
        .relative_attention_max_distance = 128, .dropout_rate = 0.1f,
        .layer_norm_epsilon = 1e-6f, .initializer_factor = 1.0f, .gated_gelu = 0,
        .tie_word_embeddings = 1, .scale_decoder_outputs = 1, .pad_token_id = 0, .eos_token_id = 1,
        .decoder_start_token_id = 0,
    };
}

int t5_relative_position_bucket(int rel, int bidirectional, int num_buckets, int max_distance)
{
    int bucket = 0, n;
    if (bidirectional) {
        num_buckets /= 2;
        if (rel > 0) bucket = num_buckets;
        n = rel < 0 ? -rel : rel;
    } else {
        n = rel < 0 ? -rel : 0;
    }
    int max_exact = num_buckets / 2;
    if (n < max_exact) return bucket + n;
    /* float32 throughout, as torch evaluates it on a float tensor */
    float scaled = logf((float)n / (float)max_exact) /
                   (float)log((double)max_distance / max_exact) * (float)(num_buckets - max_exact);
    int large = max_exact + (int)scaled;
    return bucket + (large < num_buckets - 1 ? large : num_buckets - 1);
}

/* ---- parameter layout: one walk in transformers' order, used both to
 * build the table and to find every view's offset ---- */

typedef struct t5_layout {
    pad_param_table *t;
    pad_error *err;
    pad_status st;
    char prefix[PAD_PARAM_NAME_MAX];
} t5_layout;

static size_t add(t5_layout *lo, const char *suffix, int ndim, int64_t d0, int64_t d1, int decay)
{
    char name[2 * PAD_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "%s%s", lo->prefix, suffix);
    if (lo->st) return 0;
    lo->st = pad_param_table_add(lo->t, name, ndim, d0, d1, decay, lo->err);
    return lo->st ? 0 : lo->t->items[lo->t->count - 1].offset;
}

static void add_attention(t5_layout *lo, const t5_config *c, const char *module, t5_attn_w *w,
                          size_t *rel_bias)
{
    char suffix[64];
    int inner = c->num_heads * c->d_kv;
    size_t *views[4] = {&w->q, &w->k, &w->v, &w->o};
    const char *names = "qkvo";
    for (int i = 0; i < 4; i++) {
        snprintf(suffix, sizeof suffix, "%s.%c.weight", module, names[i]);
        *views[i] = i < 3 ? add(lo, suffix, 2, inner, c->d_model, 1)
                          : add(lo, suffix, 2, c->d_model, inner, 1);
    }
    if (rel_bias) {
        snprintf(suffix, sizeof suffix, "%s.relative_attention_bias.weight", module);
        *rel_bias = add(lo, suffix, 2, c->relative_attention_num_buckets, c->num_heads, 0);
    }
}

static void add_ffn(t5_layout *lo, const t5_config *c, t5_ffn_w *w)
{
    if (c->gated_gelu) {
        w->wi = add(lo, "DenseReluDense.wi_0.weight", 2, c->d_ff, c->d_model, 1);
        w->wi_1 = add(lo, "DenseReluDense.wi_1.weight", 2, c->d_ff, c->d_model, 1);
    } else {
        w->wi = add(lo, "DenseReluDense.wi.weight", 2, c->d_ff, c->d_model, 1);
    }
    w->wo = add(lo, "DenseReluDense.wo.weight", 2, c->d_model, c->d_ff, 1);
}

static void add_stack(t5_layout *lo, const t5_config *c, int decoder, t5_stack_w *w)
{
    const char *stack = decoder ? "decoder" : "encoder";
    int L = decoder ? c->num_decoder_layers : c->num_layers;
    for (int i = 0; i < L; i++) {
        t5_block_w *b = &w->blocks[i];
        int layer = 0;
        snprintf(lo->prefix, sizeof lo->prefix, "%s.block.%d.layer.%d.", stack, i, layer);
        add_attention(lo, c, "SelfAttention", &b->self, i == 0 ? &w->rel_bias : NULL);
        b->ln[layer] = add(lo, "layer_norm.weight", 1, c->d_model, 0, 0);
        if (decoder) {
            snprintf(lo->prefix, sizeof lo->prefix, "%s.block.%d.layer.%d.", stack, i, ++layer);
            add_attention(lo, c, "EncDecAttention", &b->cross, NULL);
            b->ln[layer] = add(lo, "layer_norm.weight", 1, c->d_model, 0, 0);
        }
        snprintf(lo->prefix, sizeof lo->prefix, "%s.block.%d.layer.%d.", stack, i, ++layer);
        add_ffn(lo, c, &b->ffn);
        b->ln[layer] = add(lo, "layer_norm.weight", 1, c->d_model, 0, 0);
    }
    snprintf(lo->prefix, sizeof lo->prefix, "%s.", stack);
    w->final_ln = add(lo, "final_layer_norm.weight", 1, c->d_model, 0, 0);
}

static pad_status check_config(const t5_config *c, pad_error *err)
{
    if (c->vocab_size < 1 || c->d_model < 1 || c->d_kv < 1 || c->d_ff < 1 ||
        c->num_layers < 1 || c->num_decoder_layers < 1 || c->num_heads < 1 ||
        c->relative_attention_num_buckets < 2 || c->relative_attention_max_distance < 2 ||
        c->num_layers > 4096 || c->num_decoder_layers > 4096)
        return pad_error_set(err, PAD_ERR_CONFIG, "t5: sizes and layer counts must be positive");
    if (!(c->dropout_rate >= 0 && c->dropout_rate < 1))
        return pad_error_set(err, PAD_ERR_CONFIG, "t5: dropout_rate must be in [0, 1)");
    return PAD_OK;
}

/* Adds every parameter to t and records the offsets in w (whose block
 * arrays the caller allocated). */
static pad_status t5_walk(const t5_config *c, pad_param_table *t, t5_weights *w, pad_error *err)
{
    t5_layout lo = {t, err, check_config(c, err), ""};
    w->shared = add(&lo, "shared.weight", 2, c->vocab_size, c->d_model, 0);
    add_stack(&lo, c, 0, &w->enc);
    add_stack(&lo, c, 1, &w->dec);
    lo.prefix[0] = '\0';
    w->lm_head = c->tie_word_embeddings ? w->shared
                                        : add(&lo, "lm_head.weight", 2, c->vocab_size,
                                              c->d_model, 0);
    return lo.st;
}

static pad_status weights_alloc(const t5_config *c, t5_weights *w, pad_error *err)
{
    memset(w, 0, sizeof *w);
    w->enc.blocks = calloc((size_t)(c->num_layers > 0 ? c->num_layers : 1), sizeof *w->enc.blocks);
    w->dec.blocks = calloc((size_t)(c->num_decoder_layers > 0 ? c->num_decoder_layers : 1),
                           sizeof *w->dec.blocks);
    if (!w->enc.blocks || !w->dec.blocks)
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the T5 layout");
    return PAD_OK;
}

static void weights_free(t5_weights *w)
{
    free(w->enc.blocks);
    free(w->dec.blocks);
    memset(w, 0, sizeof *w);
}

static pad_status t5_build_params(const pad_model_config *cfg, pad_param_table *t, pad_error *err)
{
    t5_weights w;
    pad_status st = weights_alloc(&cfg->t5, &w, err);
    if (!st) st = t5_walk(&cfg->t5, t, &w, err);
    weights_free(&w);
    return st;
}

/* ---- initialisation, as T5PreTrainedModel._init_weights ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

/* Standard deviation for a parameter; 0 means "constant factor" (norms). */
static double init_std(const t5_config *c, const char *name)
{
    double d = c->d_model, kv = c->d_kv, inner = (double)c->num_heads * c->d_kv;
    if (ends_with(name, "layer_norm.weight")) return 0;
    if (ends_with(name, ".q.weight")) return 1 / sqrt(d * kv);
    if (ends_with(name, ".o.weight")) return 1 / sqrt(inner);
    if (ends_with(name, ".wo.weight")) return 1 / sqrt((double)c->d_ff);
    if (ends_with(name, "shared.weight") || ends_with(name, "lm_head.weight")) return 1;
    return 1 / sqrt(d); /* k, v, relative_attention_bias, wi, wi_0, wi_1 */
}

/* FNV-1a: each parameter draws from its own stream, named by its name, so
 * its values do not depend on the rest of the configuration. */
static uint64_t name_stream(const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (; *name; name++) h = (h ^ (unsigned char)*name) * 1099511628211ull;
    return h;
}

static void t5_init_params(const pad_model_config *cfg, const pad_param_table *t, float *host,
                           uint64_t seed)
{
    const t5_config *c = &cfg->t5;
    double factor = c->initializer_factor;
    for (int i = 0; i < t->count; i++) {
        const pad_param *p = &t->items[i];
        float *x = host + p->offset;
        int64_t n = pad_param_numel(p);
        double std = init_std(c, p->name) * factor;
        pad_rng r;
        pad_rng_init(&r, seed, name_stream(p->name));
        for (int64_t j = 0; j < n; j++)
            x[j] = std == 0 ? (float)factor : (float)(std * pad_rng_next_normal(&r));
    }
}

/* ---- activations: one backend allocation, carved in two passes (sizes
 * with a NULL base, then pointers) ---- */

typedef struct t5_carver {
    char *base;
    size_t used;
    size_t act, stat;
} t5_carver;

static void *carve(t5_carver *cv, size_t bytes)
{
    void *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (bytes + 255) / 256 * 256;
    return p;
}

static void plan_attn(t5_carver *cv, const t5_config *c, t5_attn_acts *a, size_t Nq, size_t Nk,
                      size_t probs)
{
    size_t inner = (size_t)c->num_heads * c->d_kv;
    a->q = carve(cv, Nq * inner * cv->act);
    a->k = carve(cv, Nk * inner * cv->act);
    a->v = carve(cv, Nk * inner * cv->act);
    a->probs = carve(cv, probs * cv->act);
    a->ctx = carve(cv, Nq * inner * cv->act);
    a->out = carve(cv, Nq * c->d_model * cv->act);
}

static void plan_ffn(t5_carver *cv, const t5_config *c, t5_ffn_acts *a, size_t N)
{
    size_t nf = N * c->d_ff * cv->act;
    a->pre = carve(cv, nf);
    a->up = c->gated_gelu ? carve(cv, nf) : NULL;
    a->act = carve(cv, nf);
    a->drop = c->dropout_rate > 0 ? carve(cv, nf) : NULL;
    a->out = carve(cv, N * c->d_model * cv->act);
}

static void plan_stack(t5_carver *cv, const t5_config *c, t5_stack_acts *a, int decoder, size_t B,
                       size_t T, size_t Ts)
{
    size_t N = B * T, H = c->num_heads, nd = N * c->d_model * cv->act;
    int L = decoder ? c->num_decoder_layers : c->num_layers;
    for (int l = 0; l < L; l++) {
        t5_block_acts *b = &a->blocks[l];
        for (int s = 0; s < (decoder ? 3 : 2); s++) {
            b->ln[s].x = carve(cv, nd);
            b->ln[s].normed = carve(cv, nd);
            b->ln[s].rstd = carve(cv, N * cv->stat);
        }
        plan_attn(cv, c, &b->self, N, N, B * H * T * T);
        if (decoder) plan_attn(cv, c, &b->cross, N, B * Ts, B * H * T * Ts);
        plan_ffn(cv, c, &b->ffn, N);
    }
    a->x_final = carve(cv, nd);
    a->normed = carve(cv, nd);
    a->rstd = carve(cv, N * cv->stat);
    a->dropped = c->dropout_rate > 0 ? carve(cv, nd) : NULL;
    a->bias = carve(cv, H * T * T * cv->act);
    a->ids = carve(cv, N * sizeof(int32_t));
    a->mask_buf = carve(cv, N * sizeof(int32_t));
    a->buckets = carve(cv, T * T * sizeof(int32_t));
}

static void plan_scratch(t5_carver *cv, const t5_config *c, t5_scratch *sc, size_t B, size_t Ts,
                         size_t Tt)
{
    size_t T = Ts > Tt ? Ts : Tt, N = B * T, inner = (size_t)c->num_heads * c->d_kv;
    size_t nd = N * c->d_model * cv->act, ni = N * inner * cv->act;
    sc->tmp = carve(cv, nd);
    sc->g = carve(cv, nd);
    sc->d_tmp = carve(cv, nd);
    sc->d_normed = carve(cv, nd);
    sc->d_ctx = carve(cv, ni);
    sc->dq = carve(cv, ni);
    sc->dk = carve(cv, ni);
    sc->dv = carve(cv, ni);
    for (int i = 0; i < 4; i++) sc->dff[i] = carve(cv, N * c->d_ff * cv->act);
    sc->dbias = carve(cv, c->num_heads * T * T * cv->act);
    sc->d_enc_out = carve(cv, B * Ts * c->d_model * cv->act);
    sc->d_head_in = carve(cv, B * Tt * c->d_model * cv->act);
    sc->d_logits = carve(cv, B * Tt * c->vocab_size * cv->act);
}

/* Lays out every buffer for capacity (B, Ts, Tt); returns the bytes needed. */
static size_t plan(pad_model *m, char *base)
{
    t5_state *s = m->impl;
    const t5_config *c = &m->config.t5;
    size_t B = s->cap_B, Ts = s->cap_Ts, Tt = s->cap_Tt, Nd = B * Tt;
    t5_carver cv = {base, 0, pad_dtype_size(m->be->act_dtype), pad_dtype_size(m->be->stat_dtype)};
    plan_stack(&cv, c, &s->enc, 0, B, Ts, Ts);
    plan_stack(&cv, c, &s->dec, 1, B, Tt, Ts);
    plan_scratch(&cv, c, &s->sc, B, Ts, Tt);
    s->head_scaled = carve(&cv, Nd * c->d_model * cv.act);
    m->logits = carve(&cv, Nd * c->vocab_size * cv.act);
    s->losses = carve(&cv, Nd * cv.stat);
    s->loss_sum = carve(&cv, cv.stat);
    s->labels = carve(&cv, Nd * sizeof(int32_t));
    return cv.used;
}

static void t5_free_state(pad_model *m);

static pad_status state_create(pad_model *m, pad_error *err)
{
    const t5_config *c = &m->config.t5;
    t5_state *s = calloc(1, sizeof *s);
    if (!s) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for T5 state");
    m->impl = s;
    pad_param_table t;
    pad_param_table_init(&t);
    pad_status st = weights_alloc(c, &s->w, err);
    if (!st) st = t5_walk(c, &t, &s->w, err);
    if (!st && t.buffer_numel != m->params.buffer_numel)
        st = pad_error_set(err, PAD_ERR_INVALID, "t5: parameter table does not match the config");
    pad_param_table_free(&t);
    s->enc.blocks = calloc((size_t)c->num_layers, sizeof *s->enc.blocks);
    s->dec.blocks = calloc((size_t)c->num_decoder_layers, sizeof *s->dec.blocks);
    if (!st && (!s->enc.blocks || !s->dec.blocks))
        st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory for T5 state");
    return st;
}

/* Makes room for a batch of this shape, growing (never shrinking) the slab. */
static pad_status ensure_state(pad_model *m, int B, int Ts, int Tt, pad_error *err)
{
    pad_status st = m->impl ? PAD_OK : state_create(m, err);
    if (st) {
        t5_free_state(m);
        return st;
    }
    t5_state *s = m->impl;
    if (s->slab && B <= s->cap_B && Ts <= s->cap_Ts && Tt <= s->cap_Tt) return PAD_OK;
    if (s->slab) m->be->ops->free(m->be, s->slab);
    s->slab = NULL;
    s->have_forward = 0;
    s->cap_B = B > s->cap_B ? B : s->cap_B;
    s->cap_Ts = Ts > s->cap_Ts ? Ts : s->cap_Ts;
    s->cap_Tt = Tt > s->cap_Tt ? Tt : s->cap_Tt;
    st = m->be->ops->alloc(m->be, plan(m, NULL), &s->slab, err);
    if (st) return st;
    plan(m, s->slab);
    return PAD_OK;
}

static void t5_free_state(pad_model *m)
{
    t5_state *s = m->impl;
    if (!s) return;
    if (s->slab) m->be->ops->free(m->be, s->slab);
    free(s->enc.blocks);
    free(s->dec.blocks);
    weights_free(&s->w);
    free(s);
    m->impl = NULL;
    m->logits = NULL;
    m->logits_rows = 0;
}

/* ---- batches ---- */

static pad_status check_ids(const int32_t *ids, size_t n, int V, int allow_ignore,
                            const char *what, pad_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (allow_ignore && ids[i] == PAD_IGNORE_INDEX) continue;
        if (ids[i] < 0 || ids[i] >= V)
            return pad_error_set(err, PAD_ERR_INVALID, "t5: %s[%zu] = %d is outside [0, %d)",
                                 what, i, (int)ids[i], V);
    }
    return PAD_OK;
}

static pad_status check_batch(const t5_config *c, const pad_batch *b, pad_error *err)
{
    if (b->B < 1 || b->T_src < 1 || b->T_tgt < 1 || !b->src_ids || !b->labels)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "t5: a batch needs B, T_src, T_tgt >= 1, src_ids and labels");
    size_t ns = (size_t)b->B * b->T_src, nt = (size_t)b->B * b->T_tgt;
    pad_status st = check_ids(b->src_ids, ns, c->vocab_size, 0, "src_ids", err);
    if (!st) st = check_ids(b->labels, nt, c->vocab_size, 1, "labels", err);
    if (!st && b->tgt_ids) st = check_ids(b->tgt_ids, nt, c->vocab_size, 0, "tgt_ids", err);
    if (!st && !b->tgt_ids) {
        int32_t fill[2] = {c->decoder_start_token_id, c->pad_token_id};
        st = check_ids(fill, 2, c->vocab_size, 0, "decoder_start/pad token", err);
    }
    return st;
}

/* transformers' _shift_right: start token, then labels[:-1] with -100 -> pad. */
static void shift_right(const t5_config *c, const pad_batch *b, int32_t *out)
{
    for (int i = 0; i < b->B; i++) {
        const int32_t *lab = b->labels + (size_t)i * b->T_tgt;
        int32_t *o = out + (size_t)i * b->T_tgt;
        o[0] = c->decoder_start_token_id;
        for (int t = 1; t < b->T_tgt; t++)
            o[t] = lab[t - 1] == PAD_IGNORE_INDEX ? c->pad_token_id : lab[t - 1];
    }
}

static void upload_buckets(pad_backend *be, const t5_config *c, int32_t *dst, int T,
                           int bidirectional, int32_t *host)
{
    for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++)
            host[i * T + j] = t5_relative_position_bucket(
                j - i, bidirectional, c->relative_attention_num_buckets,
                c->relative_attention_max_distance);
    be->ops->upload(be, dst, host, (size_t)T * T * sizeof *host);
}

static pad_status upload_batch(pad_model *m, const pad_batch *b, pad_error *err)
{
    const t5_config *c = &m->config.t5;
    pad_backend *be = m->be;
    t5_state *s = m->impl;
    size_t ns = (size_t)b->B * b->T_src, nt = (size_t)b->B * b->T_tgt;
    size_t T = b->T_src > b->T_tgt ? b->T_src : b->T_tgt;
    size_t n = T * T > nt ? T * T : nt;
    int32_t *host = malloc(n * sizeof *host);
    if (!host) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for a T5 batch");
    be->ops->upload(be, s->enc.ids, b->src_ids, ns * sizeof *host);
    if (b->tgt_ids) be->ops->upload(be, s->dec.ids, b->tgt_ids, nt * sizeof *host);
    else {
        shift_right(c, b, host);
        be->ops->upload(be, s->dec.ids, host, nt * sizeof *host);
    }
    s->enc.mask = b->src_mask ? s->enc.mask_buf : NULL;
    if (b->src_mask) be->ops->upload(be, s->enc.mask_buf, b->src_mask, ns * sizeof *host);
    s->dec.mask = b->tgt_mask ? s->dec.mask_buf : NULL;
    if (b->tgt_mask) be->ops->upload(be, s->dec.mask_buf, b->tgt_mask, nt * sizeof *host);
    be->ops->upload(be, s->labels, b->labels, nt * sizeof *host);
    upload_buckets(be, c, s->enc.buckets, b->T_src, 1, host);
    upload_buckets(be, c, s->dec.buckets, b->T_tgt, 0, host);
    s->label_count = 0;
    for (size_t i = 0; i < nt; i++) s->label_count += b->labels[i] != PAD_IGNORE_INDEX;
    free(host);
    return PAD_OK;
}

/* ---- forward, loss and backward ---- */

static float head_scale(const t5_config *c) { return (float)(1.0 / sqrt((double)c->d_model)); }

static pad_status t5_forward(pad_model *m, const pad_batch *b, double *loss, pad_error *err)
{
    const t5_config *c = &m->config.t5;
    pad_backend *be = m->be;
    *loss = NAN;
    pad_status st = check_batch(c, b, err);
    if (!st) st = ensure_state(m, b->B, b->T_src, b->T_tgt, err);
    if (!st) st = upload_batch(m, b, err);
    if (st) return st;
    t5_state *s = m->impl;
    s->B = b->B, s->Ts = b->T_src, s->Tt = b->T_tgt;
    s->dropping = m->training && c->dropout_rate > 0;
    s->step = m->dropout_step;
    t5_stack_fwd(m, 0);
    t5_stack_fwd(m, 1);
    int N = b->B * b->T_tgt, d = c->d_model;
    s->head_in = s->dec.out;
    if (c->scale_decoder_outputs) {
        be->ops->scale(be, s->head_scaled, s->dec.out, head_scale(c), (size_t)N * d);
        s->head_in = s->head_scaled;
    }
    size_t act = pad_dtype_size(be->act_dtype);
    be->ops->matmul_fwd(be, m->logits, s->head_in, (char *)m->param_buf + s->w.lm_head * act,
                        PAD_W_OUT_IN, NULL, N, d, c->vocab_size);
    m->logits_rows = N;
    be->ops->cross_entropy_fwd(be, s->losses, m->logits, s->labels, N, c->vocab_size,
                               PAD_IGNORE_INDEX, m->label_smoothing);
    be->ops->sum(be, s->loss_sum, s->losses, (size_t)N);
    st = be->ops->sync(be, err);
    if (st) return st;
    double sum;
    pad_backend_read_stats(be, &sum, s->loss_sum, 1);
    if (s->label_count > 0) *loss = sum / s->label_count;
    s->have_forward = 1;
    return PAD_OK;
}

static pad_status t5_backward(pad_model *m, pad_error *err)
{
    t5_state *s = m->impl;
    if (!s || !s->have_forward)
        return pad_error_set(err, PAD_ERR_INVALID, "t5: backward without a forward pass");
    if (s->label_count == 0) return PAD_OK; /* the loss is NaN: no gradient */
    const t5_config *c = &m->config.t5;
    pad_backend *be = m->be;
    size_t act = pad_dtype_size(be->act_dtype);
    int N = s->B * s->Tt, d = c->d_model, V = c->vocab_size;
    be->ops->zero(be, s->sc.d_logits, (size_t)N * V * act);
    be->ops->cross_entropy_bwd(be, s->sc.d_logits, m->logits, s->labels, N, V, PAD_IGNORE_INDEX,
                               m->label_smoothing, (float)(1.0 / s->label_count));
    be->ops->zero(be, s->sc.d_head_in, (size_t)N * d * act);
    be->ops->matmul_bwd(be, s->sc.d_head_in, (char *)m->grad_buf + s->w.lm_head * act, NULL,
                        s->sc.d_logits, s->head_in, (char *)m->param_buf + s->w.lm_head * act,
                        PAD_W_OUT_IN, N, d, V);
    if (c->scale_decoder_outputs)
        be->ops->scale(be, s->sc.d_head_in, s->sc.d_head_in, head_scale(c), (size_t)N * d);
    /* an untied head is the last region of the buffer and final already */
    size_t n_all = m->params.buffer_numel;
    pad_status st = c->tie_word_embeddings ? PAD_OK
                                           : pad_model_grads_ready(m, s->w.lm_head, n_all, err);
    be->ops->zero(be, s->sc.d_enc_out, (size_t)s->B * s->Ts * d * act);
    if (!st) st = t5_stack_bwd(m, 1, s->sc.d_head_in, err);
    if (!st) st = t5_stack_bwd(m, 0, s->sc.d_enc_out, err);
    /* what is left: the shared embedding (and the tied head), fed by both stacks */
    if (!st) st = pad_model_grads_ready(m, 0, s->w.enc.blocks[0].self.q, err);
    pad_status synced = be->ops->sync(be, err);
    return st ? st : synced;
}

const pad_model_family t5_family = {
    .build_params = t5_build_params,
    .init_params = t5_init_params,
    .forward = t5_forward,
    .backward = t5_backward,
    .free_state = t5_free_state,
};
