/* pad: GPT-2's forward and backward passes, through backend.h only.
 *
 * Activations live in one backend allocation, carved into views for the
 * current batch shape on every forward and grown when a batch needs more.
 * The residual stream of every block is kept, so the backward pass
 * recomputes nothing but dropout masks (regenerated from their streams). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/gpt2.h"

typedef struct gpt2_layer_acts {
    void *in;                    /* residual stream entering the block */
    void *ln1, *ln1_mean, *ln1_rstd;
    void *qkv;                   /* [N, 3C] */
    void *probs;                 /* [B, H, T, T], before dropout */
    void *atty;                  /* attention output, before c_proj */
    void *mid;                   /* residual stream after attention */
    void *ln2, *ln2_mean, *ln2_rstd;
    void *fc, *gelu;             /* [N, n_inner] */
} gpt2_layer_acts;

typedef struct gpt2_state {
    void *mem;                   /* the one backend allocation */
    size_t cap;
    /* what the last forward saw; backward replays it */
    int B, T, valid, has_mask, has_labels, count, training;
    uint64_t seed, step;
    int32_t *ids, *pos, *mask, *targets;
    gpt2_layer_acts *layers;     /* host array of n_layer */
    void *out;                   /* residual stream after the last block */
    void *lnf, *lnf_mean, *lnf_rstd;
    void *logits, *dlogits;      /* [N, V] */
    void *losses, *loss_sum;     /* stat [N], stat [1] */
    void *dres;                  /* gradient of the residual stream */
    void *sc_c[3], *sc_f[2], *sc_3c; /* scratch [N,C], [N,n_inner], [N,3C] */
} gpt2_state;

/* Hands out consecutive aligned pieces of `base`; with base NULL it only
 * measures. */
typedef struct carve {
    char *base;
    size_t off;
} carve;

static void *take(carve *c, size_t bytes)
{
    void *p = c->base ? c->base + c->off : NULL;
    c->off += (bytes + 255) / 256 * 256;
    return p;
}

static void layout(gpt2_state *s, const gpt2_config *c, size_t es, size_t ss, carve *cv)
{
    size_t N = (size_t)s->B * s->T, C = c->n_embd, F = gpt2_inner_dim(c);
    size_t probs = (size_t)s->B * c->n_head * s->T * s->T;
    s->ids = take(cv, N * sizeof(int32_t));
    s->pos = take(cv, N * sizeof(int32_t));
    s->mask = take(cv, N * sizeof(int32_t));
    s->targets = take(cv, N * sizeof(int32_t));
    for (int l = 0; l < c->n_layer; l++) {
        gpt2_layer_acts *a = &s->layers[l];
        a->in = take(cv, N * C * es);
        a->ln1 = take(cv, N * C * es);
        a->ln1_mean = take(cv, N * ss);
        a->ln1_rstd = take(cv, N * ss);
        a->qkv = take(cv, N * 3 * C * es);
        a->probs = take(cv, probs * es);
        a->atty = take(cv, N * C * es);
        a->mid = take(cv, N * C * es);
        a->ln2 = take(cv, N * C * es);
        a->ln2_mean = take(cv, N * ss);
        a->ln2_rstd = take(cv, N * ss);
        a->fc = take(cv, N * F * es);
        a->gelu = take(cv, N * F * es);
    }
    s->out = take(cv, N * C * es);
    s->lnf = take(cv, N * C * es);
    s->lnf_mean = take(cv, N * ss);
    s->lnf_rstd = take(cv, N * ss);
    s->logits = take(cv, N * c->vocab_size * es);
    s->dlogits = take(cv, N * c->vocab_size * es);
    s->losses = take(cv, N * ss);
    s->loss_sum = take(cv, ss);
    s->dres = take(cv, N * C * es);
    for (int i = 0; i < 3; i++) s->sc_c[i] = take(cv, N * C * es);
    for (int i = 0; i < 2; i++) s->sc_f[i] = take(cv, N * F * es);
    s->sc_3c = take(cv, N * 3 * C * es);
}

void gpt2_free_state(pad_model *m)
{
    gpt2_state *s = m->impl;
    if (!s) return;
    if (s->mem) m->be->ops->free(m->be, s->mem);
    free(s->layers);
    free(s);
    m->impl = NULL;
    m->logits = NULL;
    m->logits_rows = 0;
}

/* Views for a B x T batch, growing the allocation when it is too small. */
static pad_status ensure_state(pad_model *m, int B, int T, pad_error *err)
{
    const gpt2_config *c = &m->config.gpt2;
    pad_backend *be = m->be;
    gpt2_state *s = m->impl;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (s) s->layers = calloc((size_t)c->n_layer, sizeof *s->layers);
        if (!s || !s->layers) {
            free(s);
            return pad_error_set(err, PAD_ERR_NOMEM, "gpt2: out of memory for activations");
        }
        m->impl = s;
    }
    size_t es = pad_dtype_size(be->act_dtype), ss = pad_dtype_size(be->stat_dtype);
    s->B = B;
    s->T = T;
    carve measure = {NULL, 0};
    layout(s, c, es, ss, &measure);
    if (measure.off > s->cap) {
        if (s->mem) be->ops->free(be, s->mem);
        s->mem = NULL;
        s->cap = 0;
        pad_status st = be->ops->alloc(be, measure.off, &s->mem, err);
        if (st) return st;
        s->cap = measure.off;
    }
    carve cv = {s->mem, 0};
    layout(s, c, es, ss, &cv);
    m->logits = s->logits;
    m->logits_rows = B * T;
    return PAD_OK;
}

static pad_status check_batch(const gpt2_config *c, const pad_batch *b, pad_error *err)
{
    if (b->B <= 0 || b->T_src <= 0 || !b->src_ids)
        return pad_error_set(err, PAD_ERR_INVALID, "gpt2: empty batch (B=%d, T=%d)", b->B, b->T_src);
    if (b->T_src > c->n_positions)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "gpt2: sequence length %d exceeds n_positions %d", b->T_src,
                             c->n_positions);
    size_t N = (size_t)b->B * b->T_src;
    for (size_t n = 0; n < N; n++) {
        int32_t id = b->src_ids[n], y = b->labels ? b->labels[n] : PAD_IGNORE_INDEX;
        if (id < 0 || id >= c->vocab_size)
            return pad_error_set(err, PAD_ERR_INVALID, "gpt2: token id %d at %zu outside vocabulary of %d",
                                 id, n, c->vocab_size);
        if (y != PAD_IGNORE_INDEX && (y < 0 || y >= c->vocab_size))
            return pad_error_set(err, PAD_ERR_INVALID, "gpt2: label %d at %zu outside vocabulary of %d",
                                 y, n, c->vocab_size);
    }
    return PAD_OK;
}

/* Positions 0..T-1 in every row (what transformers uses without
 * position_ids, also under right padding) and the labels shifted left:
 * position t predicts labels[t+1]. */
static pad_status upload_batch(pad_model *m, gpt2_state *s, const pad_batch *b, pad_error *err)
{
    int T = b->T_src;
    size_t N = (size_t)b->B * T;
    int32_t *host = malloc(2 * N * sizeof *host);
    if (!host) return pad_error_set(err, PAD_ERR_NOMEM, "gpt2: out of memory staging a batch");
    int32_t *pos = host, *targets = host + N;
    s->count = 0;
    for (size_t n = 0; n < N; n++) {
        int t = (int)(n % (size_t)T);
        pos[n] = t;
        targets[n] = b->labels && t + 1 < T ? b->labels[n + 1] : PAD_IGNORE_INDEX;
        s->count += targets[n] != PAD_IGNORE_INDEX;
    }
    pad_backend *be = m->be;
    be->ops->upload(be, s->ids, b->src_ids, N * sizeof(int32_t));
    be->ops->upload(be, s->pos, pos, N * sizeof(int32_t));
    be->ops->upload(be, s->targets, targets, N * sizeof(int32_t));
    if (b->src_mask) be->ops->upload(be, s->mask, b->src_mask, N * sizeof(int32_t));
    s->has_mask = b->src_mask != NULL;
    s->has_labels = b->labels != NULL;
    free(host);
    return PAD_OK;
}

/* --- dropout: site 0 is the embedding, then three per block; every site of
 * every step has its own stream --- */

enum { SITE_ATTN_PROBS = 1, SITE_ATTN_RESID, SITE_MLP_RESID, SITES_PER_LAYER = 3 };

static int dropping(const gpt2_state *s, float p) { return s->training && p > 0.0f; }

static uint64_t stream_of(const pad_model *m, const gpt2_state *s, int l, int site)
{
    uint64_t sites = 1 + (uint64_t)SITES_PER_LAYER * m->config.gpt2.n_layer;
    uint64_t local = site == 0 ? 0 : (uint64_t)SITES_PER_LAYER * l + site;
    return s->step * sites + local;
}

/* Returns x, or dropout(x) written to `scratch` while training. */
static const void *drop_fwd(pad_model *m, gpt2_state *s, void *scratch, const void *x, float p,
                            int l, int site, size_t n)
{
    if (!dropping(s, p)) return x;
    m->be->ops->dropout_fwd(m->be, scratch, x, p, s->seed, stream_of(m, s, l, site), n);
    return scratch;
}

/* The gradient through drop_fwd: dout itself, or its masked copy in scratch. */
static const void *drop_bwd(pad_model *m, gpt2_state *s, void *scratch, const void *dout,
                            float p, int l, int site, size_t n)
{
    if (!dropping(s, p)) return dout;
    pad_backend *be = m->be;
    be->ops->zero(be, scratch, n * pad_dtype_size(be->act_dtype));
    be->ops->dropout_bwd(be, scratch, dout, p, s->seed, stream_of(m, s, l, site), n);
    return scratch;
}

static pad_attn_desc attn_desc(const pad_model *m, const gpt2_state *s, int l)
{
    const gpt2_config *c = &m->config.gpt2;
    pad_attn_desc d = {0};
    d.B = s->B;
    d.Tq = d.Tk = s->T;
    d.H = c->n_head;
    d.D = c->n_embd / c->n_head;
    d.ldq = d.ldk = d.ldv = 3 * c->n_embd;
    d.causal = 1;
    d.scale = 1.0f / sqrtf((float)d.D);
    if (dropping(s, c->attn_pdrop)) {
        d.dropout_p = c->attn_pdrop;
        d.seed = s->seed;
        d.stream = stream_of(m, s, l, SITE_ATTN_PROBS);
    }
    return d;
}

/* Element `i` of an act buffer. */
static void *at(const pad_model *m, void *p, size_t i)
{
    return (char *)p + i * pad_dtype_size(m->be->act_dtype);
}

/* --- forward --- */

static void embed_fwd(pad_model *m, gpt2_state *s, const gpt2_view *w)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    int N = s->B * s->T, C = c->n_embd;
    void *h = s->layers[0].in;
    be->ops->embedding_fwd(be, s->sc_c[0], s->ids, w->wte, N, C);
    be->ops->embedding_fwd(be, s->sc_c[1], s->pos, w->wpe, N, C);
    if (!dropping(s, c->embd_pdrop)) {
        be->ops->add(be, h, s->sc_c[0], s->sc_c[1], (size_t)N * C);
        return;
    }
    be->ops->add(be, s->sc_c[2], s->sc_c[0], s->sc_c[1], (size_t)N * C);
    be->ops->dropout_fwd(be, h, s->sc_c[2], c->embd_pdrop, s->seed, stream_of(m, s, 0, 0),
                         (size_t)N * C);
}

static void attn_fwd(pad_model *m, gpt2_state *s, int l, const gpt2_layer_view *w)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    gpt2_layer_acts *a = &s->layers[l];
    int N = s->B * s->T, C = c->n_embd;
    be->ops->layernorm_fwd(be, a->ln1, a->ln1_mean, a->ln1_rstd, a->in, w->p[GPT2_LN1_W],
                           w->p[GPT2_LN1_B], N, C, c->layer_norm_epsilon);
    be->ops->matmul_fwd(be, a->qkv, a->ln1, w->p[GPT2_ATTN_W], PAD_W_IN_OUT, w->p[GPT2_ATTN_B],
                        N, C, 3 * C);
    pad_attn_desc d = attn_desc(m, s, l);
    be->ops->attention_fwd(be, &d, a->atty, a->probs, a->qkv, at(m, a->qkv, C),
                           at(m, a->qkv, 2 * (size_t)C), NULL, s->has_mask ? s->mask : NULL);
    be->ops->matmul_fwd(be, s->sc_c[0], a->atty, w->p[GPT2_ATTN_PROJ_W], PAD_W_IN_OUT,
                        w->p[GPT2_ATTN_PROJ_B], N, C, C);
    const void *r = drop_fwd(m, s, s->sc_c[1], s->sc_c[0], c->resid_pdrop, l, SITE_ATTN_RESID,
                             (size_t)N * C);
    be->ops->add(be, a->mid, a->in, r, (size_t)N * C);
}

static void mlp_fwd(pad_model *m, gpt2_state *s, int l, const gpt2_layer_view *w, void *out)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    gpt2_layer_acts *a = &s->layers[l];
    int N = s->B * s->T, C = c->n_embd, F = gpt2_inner_dim(c);
    be->ops->layernorm_fwd(be, a->ln2, a->ln2_mean, a->ln2_rstd, a->mid, w->p[GPT2_LN2_W],
                           w->p[GPT2_LN2_B], N, C, c->layer_norm_epsilon);
    be->ops->matmul_fwd(be, a->fc, a->ln2, w->p[GPT2_FC_W], PAD_W_IN_OUT, w->p[GPT2_FC_B], N, C,
                        F);
    be->ops->gelu_fwd(be, a->gelu, a->fc, (size_t)N * F);
    be->ops->matmul_fwd(be, s->sc_c[0], a->gelu, w->p[GPT2_MLP_PROJ_W], PAD_W_IN_OUT,
                        w->p[GPT2_MLP_PROJ_B], N, F, C);
    const void *r = drop_fwd(m, s, s->sc_c[1], s->sc_c[0], c->resid_pdrop, l, SITE_MLP_RESID,
                             (size_t)N * C);
    be->ops->add(be, out, a->mid, r, (size_t)N * C);
}

static void *block_out(gpt2_state *s, int l, int n_layer)
{
    return l + 1 < n_layer ? s->layers[l + 1].in : s->out;
}

/* ln_f, the tied head and the summed loss (left in backend memory). */
static void head_fwd(pad_model *m, gpt2_state *s, const gpt2_view *w)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    int N = s->B * s->T, C = c->n_embd, V = c->vocab_size;
    be->ops->layernorm_fwd(be, s->lnf, s->lnf_mean, s->lnf_rstd, s->out, w->lnf_w, w->lnf_b, N,
                           C, c->layer_norm_epsilon);
    be->ops->matmul_fwd(be, s->logits, s->lnf, w->wte, PAD_W_OUT_IN, NULL, N, C, V);
    if (!s->has_labels) return;
    be->ops->cross_entropy_fwd(be, s->losses, s->logits, s->targets, N, V, PAD_IGNORE_INDEX,
                               m->label_smoothing);
    be->ops->sum(be, s->loss_sum, s->losses, (size_t)N);
}

pad_status gpt2_forward(pad_model *m, const pad_batch *b, double *loss, pad_error *err)
{
    const gpt2_config *c = &m->config.gpt2;
    pad_backend *be = m->be;
    if (loss) *loss = NAN;
    if (m->impl) ((gpt2_state *)m->impl)->valid = 0;
    pad_status st = check_batch(c, b, err);
    if (!st) st = ensure_state(m, b->B, b->T_src, err);
    if (st) return st;
    gpt2_state *s = m->impl;
    st = upload_batch(m, s, b, err);
    if (st) return st;
    s->training = m->training;
    s->seed = m->dropout_seed;
    s->step = m->dropout_step;

    gpt2_view w;
    gpt2_views(m, m->param_buf, &w);
    embed_fwd(m, s, &w);
    for (int l = 0; l < c->n_layer; l++) {
        gpt2_layer_view lw;
        gpt2_layer_views(m, m->param_buf, l, &lw);
        attn_fwd(m, s, l, &lw);
        mlp_fwd(m, s, l, &lw, block_out(s, l, c->n_layer));
    }
    head_fwd(m, s, &w);
    st = be->ops->sync(be, err);
    if (st) return st;
    if (s->has_labels && s->count > 0 && loss) {
        double sum;
        pad_backend_read_stats(be, &sum, s->loss_sum, 1);
        *loss = sum / s->count;
    }
    s->valid = 1;
    return PAD_OK;
}

/* --- backward: each step leaves d(residual stream) in s->dres --- */

static void head_bwd(pad_model *m, gpt2_state *s, const gpt2_view *w, const gpt2_view *g)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    int N = s->B * s->T, C = c->n_embd, V = c->vocab_size;
    size_t es = pad_dtype_size(be->act_dtype);
    be->ops->zero(be, s->dlogits, (size_t)N * V * es);
    be->ops->cross_entropy_bwd(be, s->dlogits, s->logits, s->targets, N, V, PAD_IGNORE_INDEX,
                               m->label_smoothing, 1.0f / (float)s->count);
    be->ops->zero(be, s->sc_c[0], (size_t)N * C * es);
    be->ops->matmul_bwd(be, s->sc_c[0], g->wte, NULL, s->dlogits, s->lnf, w->wte, PAD_W_OUT_IN, N,
                        C, V);
    be->ops->zero(be, s->dres, (size_t)N * C * es);
    be->ops->layernorm_bwd(be, s->dres, g->lnf_w, g->lnf_b, s->sc_c[0], s->out, w->lnf_w,
                           s->lnf_mean, s->lnf_rstd, N, C);
}

static void mlp_bwd(pad_model *m, gpt2_state *s, int l, const gpt2_layer_view *w,
                    const gpt2_layer_view *g)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    gpt2_layer_acts *a = &s->layers[l];
    int N = s->B * s->T, C = c->n_embd, F = gpt2_inner_dim(c);
    size_t es = pad_dtype_size(be->act_dtype);
    const void *dproj = drop_bwd(m, s, s->sc_c[0], s->dres, c->resid_pdrop, l, SITE_MLP_RESID,
                                 (size_t)N * C);
    be->ops->zero(be, s->sc_f[0], (size_t)N * F * es);
    be->ops->matmul_bwd(be, s->sc_f[0], g->p[GPT2_MLP_PROJ_W], g->p[GPT2_MLP_PROJ_B], dproj,
                        a->gelu, w->p[GPT2_MLP_PROJ_W], PAD_W_IN_OUT, N, F, C);
    be->ops->zero(be, s->sc_f[1], (size_t)N * F * es);
    be->ops->gelu_bwd(be, s->sc_f[1], s->sc_f[0], a->fc, (size_t)N * F);
    be->ops->zero(be, s->sc_c[1], (size_t)N * C * es);
    be->ops->matmul_bwd(be, s->sc_c[1], g->p[GPT2_FC_W], g->p[GPT2_FC_B], s->sc_f[1], a->ln2,
                        w->p[GPT2_FC_W], PAD_W_IN_OUT, N, C, F);
    /* the residual passes dres through unchanged; ln_2's branch adds to it */
    be->ops->layernorm_bwd(be, s->dres, g->p[GPT2_LN2_W], g->p[GPT2_LN2_B], s->sc_c[1], a->mid,
                           w->p[GPT2_LN2_W], a->ln2_mean, a->ln2_rstd, N, C);
}

static void attn_bwd(pad_model *m, gpt2_state *s, int l, const gpt2_layer_view *w,
                     const gpt2_layer_view *g)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    gpt2_layer_acts *a = &s->layers[l];
    int N = s->B * s->T, C = c->n_embd;
    size_t es = pad_dtype_size(be->act_dtype);
    const void *dproj = drop_bwd(m, s, s->sc_c[0], s->dres, c->resid_pdrop, l, SITE_ATTN_RESID,
                                 (size_t)N * C);
    be->ops->zero(be, s->sc_c[1], (size_t)N * C * es);
    be->ops->matmul_bwd(be, s->sc_c[1], g->p[GPT2_ATTN_PROJ_W], g->p[GPT2_ATTN_PROJ_B], dproj,
                        a->atty, w->p[GPT2_ATTN_PROJ_W], PAD_W_IN_OUT, N, C, C);
    be->ops->zero(be, s->sc_3c, (size_t)N * 3 * C * es);
    pad_attn_desc d = attn_desc(m, s, l);
    be->ops->attention_bwd(be, &d, s->sc_3c, at(m, s->sc_3c, C), at(m, s->sc_3c, 2 * (size_t)C),
                           NULL, s->sc_c[1], a->qkv, at(m, a->qkv, C),
                           at(m, a->qkv, 2 * (size_t)C), a->probs, s->has_mask ? s->mask : NULL);
    be->ops->zero(be, s->sc_c[2], (size_t)N * C * es);
    be->ops->matmul_bwd(be, s->sc_c[2], g->p[GPT2_ATTN_W], g->p[GPT2_ATTN_B], s->sc_3c, a->ln1,
                        w->p[GPT2_ATTN_W], PAD_W_IN_OUT, N, C, 3 * C);
    be->ops->layernorm_bwd(be, s->dres, g->p[GPT2_LN1_W], g->p[GPT2_LN1_B], s->sc_c[2], a->in,
                           w->p[GPT2_LN1_W], a->ln1_mean, a->ln1_rstd, N, C);
}

/* wte's second gradient (the head's came first): the token lookup. */
static void embed_bwd(pad_model *m, gpt2_state *s, const gpt2_view *g)
{
    pad_backend *be = m->be;
    const gpt2_config *c = &m->config.gpt2;
    int N = s->B * s->T, C = c->n_embd;
    const void *d = drop_bwd(m, s, s->sc_c[0], s->dres, c->embd_pdrop, 0, 0, (size_t)N * C);
    be->ops->embedding_bwd(be, g->wte, d, s->ids, N, C, c->vocab_size);
    be->ops->embedding_bwd(be, g->wpe, d, s->pos, N, C, c->n_positions);
}

/* Where block l's parameters start in the buffer (its ln_1.weight). */
static size_t block_offset(const pad_model *m, int l)
{
    return m->params.items[2 + l * GPT2_LAYER_PARAMS].offset;
}

pad_status gpt2_backward(pad_model *m, pad_error *err)
{
    gpt2_state *s = m->impl;
    if (!s || !s->valid || !s->has_labels)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "gpt2: backward needs a successful forward with labels");
    if (s->count == 0) return PAD_OK; /* no target: the loss is NaN and has no gradient */
    gpt2_view w, g;
    gpt2_views(m, m->param_buf, &w);
    gpt2_views(m, m->grad_buf, &g);
    head_bwd(m, s, &w, &g);
    pad_status st = PAD_OK;
    int L = m->config.gpt2.n_layer;
    for (int l = L - 1; !st && l >= 0; l--) {
        gpt2_layer_view lw, lg;
        gpt2_layer_views(m, m->param_buf, l, &lw);
        gpt2_layer_views(m, m->grad_buf, l, &lg);
        mlp_bwd(m, s, l, &lw, &lg);
        attn_bwd(m, s, l, &lw, &lg);
        /* block l up to block l + 1; the last block takes ln_f, final since head_bwd */
        size_t end = l + 1 < L ? block_offset(m, l + 1) : m->params.buffer_numel;
        st = pad_model_grads_ready(m, block_offset(m, l), end, err);
    }
    if (!st) embed_bwd(m, s, &g);
    /* wte (also the head) and wpe, at the front of the buffer */
    if (!st) st = pad_model_grads_ready(m, 0, block_offset(m, 0), err);
    pad_status synced = m->be->ops->sync(m->be, err);
    return st ? st : synced;
}
