/* pad: GPT-2, as Hugging Face's GPT2LMHeadModel: configuration, parameter
 * table and initialisation.  The forward and backward passes are in
 * gpt2_pass.c.
 *
 * Parameters carry save_pretrained's names ("transformer." prefix) and the
 * Conv1D layout [in, out]; the LM head is tied to wte, so it has no
 * parameter of its own and num_parameters() counts wte once. */
#include "model/gpt2.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"

void gpt2_config_defaults(gpt2_config *c)
{
    memset(c, 0, sizeof *c);
    c->vocab_size = 50257;
    c->n_positions = 1024;
    c->n_embd = 768;
    c->n_layer = 12;
    c->n_head = 12;
    c->n_inner = 0; /* config.json's null; gpt2_inner_dim() resolves it */
    c->resid_pdrop = 0.1f;
    c->embd_pdrop = 0.1f;
    c->attn_pdrop = 0.1f;
    c->layer_norm_epsilon = 1e-5f;
    c->initializer_range = 0.02f;
    c->bos_token_id = 50256;
    c->eos_token_id = 50256;
}

int gpt2_inner_dim(const gpt2_config *c) { return c->n_inner > 0 ? c->n_inner : 4 * c->n_embd; }

pad_status gpt2_check_config(const gpt2_config *c, pad_error *err)
{
    if (c->vocab_size <= 0 || c->n_positions <= 0 || c->n_embd <= 0 || c->n_layer <= 0 ||
        c->n_head <= 0 || c->n_inner < 0)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "gpt2: vocab_size (%d), n_positions (%d), n_embd (%d), n_layer (%d) "
                             "and n_head (%d) must be positive, n_inner (%d) not negative",
                             c->vocab_size, c->n_positions, c->n_embd, c->n_layer, c->n_head,
                             c->n_inner);
    if (c->n_embd % c->n_head != 0)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "gpt2: n_embd (%d) must be a multiple of n_head (%d)", c->n_embd,
                             c->n_head);
    return PAD_OK;
}

static pad_status add_block(const gpt2_config *c, pad_param_table *t, int l, pad_error *err)
{
    const int64_t C = c->n_embd, F = gpt2_inner_dim(c);
    const struct {
        const char *name;
        int ndim;
        int64_t d0, d1;
        int decay;
    } spec[GPT2_LAYER_PARAMS] = {
        [GPT2_LN1_W] = {"ln_1.weight", 1, C, 0, 0},
        [GPT2_LN1_B] = {"ln_1.bias", 1, C, 0, 0},
        [GPT2_ATTN_W] = {"attn.c_attn.weight", 2, C, 3 * C, 1},
        [GPT2_ATTN_B] = {"attn.c_attn.bias", 1, 3 * C, 0, 0},
        [GPT2_ATTN_PROJ_W] = {"attn.c_proj.weight", 2, C, C, 1},
        [GPT2_ATTN_PROJ_B] = {"attn.c_proj.bias", 1, C, 0, 0},
        [GPT2_LN2_W] = {"ln_2.weight", 1, C, 0, 0},
        [GPT2_LN2_B] = {"ln_2.bias", 1, C, 0, 0},
        [GPT2_FC_W] = {"mlp.c_fc.weight", 2, C, F, 1},
        [GPT2_FC_B] = {"mlp.c_fc.bias", 1, F, 0, 0},
        [GPT2_MLP_PROJ_W] = {"mlp.c_proj.weight", 2, F, C, 1},
        [GPT2_MLP_PROJ_B] = {"mlp.c_proj.bias", 1, C, 0, 0},
    };
    char name[PAD_PARAM_NAME_MAX];
    for (int j = 0; j < GPT2_LAYER_PARAMS; j++) {
        snprintf(name, sizeof name, "transformer.h.%d.%s", l, spec[j].name);
        pad_status st = pad_param_table_add(t, name, spec[j].ndim, spec[j].d0, spec[j].d1,
                                            spec[j].decay, err);
        if (st) return st;
    }
    return PAD_OK;
}

/* The order here is the one gpt2_views() relies on. */
static pad_status build_params(const pad_model_config *mc, pad_param_table *t, pad_error *err)
{
    const gpt2_config *c = &mc->gpt2;
    pad_status st = gpt2_check_config(c, err);
    if (!st) st = pad_param_table_add(t, "transformer.wte.weight", 2, c->vocab_size, c->n_embd, 0, err);
    if (!st) st = pad_param_table_add(t, "transformer.wpe.weight", 2, c->n_positions, c->n_embd, 0, err);
    for (int l = 0; l < c->n_layer && !st; l++) st = add_block(c, t, l, err);
    if (!st) st = pad_param_table_add(t, "transformer.ln_f.weight", 1, c->n_embd, 0, 0, err);
    if (!st) st = pad_param_table_add(t, "transformer.ln_f.bias", 1, c->n_embd, 0, 0, err);
    return st;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* GPT2PreTrainedModel._init_weights: N(0, initializer_range) for matrices
 * and embeddings, zero biases, unit LayerNorm gains, and the residual
 * projections (c_proj) scaled down by sqrt(2 * n_layer).  Parameter i draws
 * from stream i, so each is independent of the table's other entries. */
static void init_params(const pad_model_config *mc, const pad_param_table *t, float *host,
                        uint64_t seed)
{
    const gpt2_config *c = &mc->gpt2;
    for (int i = 0; i < t->count; i++) {
        const pad_param *p = &t->items[i];
        float *x = host + p->offset;
        int64_t n = pad_param_numel(p);
        if (ends_with(p->name, ".bias") || strstr(p->name, ".ln_")) {
            float v = ends_with(p->name, ".bias") ? 0.0f : 1.0f;
            for (int64_t k = 0; k < n; k++) x[k] = v;
            continue;
        }
        float std = c->initializer_range;
        if (ends_with(p->name, "c_proj.weight")) std /= sqrtf(2.0f * (float)c->n_layer);
        pad_rng r;
        pad_rng_init(&r, seed, (uint64_t)i);
        for (int64_t k = 0; k < n; k++) x[k] = std * pad_rng_next_normal(&r);
    }
}

static void *view(const pad_model *m, void *buf, int index)
{
    size_t es = pad_dtype_size(m->be->act_dtype);
    return (char *)buf + m->params.items[index].offset * es;
}

void gpt2_views(const pad_model *m, void *buf, gpt2_view *v)
{
    int L = m->config.gpt2.n_layer;
    v->wte = view(m, buf, 0);
    v->wpe = view(m, buf, 1);
    v->lnf_w = view(m, buf, 2 + L * GPT2_LAYER_PARAMS);
    v->lnf_b = view(m, buf, 3 + L * GPT2_LAYER_PARAMS);
}

void gpt2_layer_views(const pad_model *m, void *buf, int l, gpt2_layer_view *v)
{
    for (int j = 0; j < GPT2_LAYER_PARAMS; j++)
        v->p[j] = view(m, buf, 2 + l * GPT2_LAYER_PARAMS + j);
}

const pad_model_family gpt2_family = {
    .build_params = build_params,
    .init_params = init_params,
    .forward = gpt2_forward,
    .backward = gpt2_backward,
    .free_state = gpt2_free_state,
};
