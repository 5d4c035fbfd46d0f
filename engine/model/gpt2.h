/* pad: GPT-2 internals shared by gpt2.c (parameters) and gpt2_pass.c
 * (forward and backward).  Other rooms use gpt2_family through model.h. */
#ifndef PAD_MODEL_GPT2_H
#define PAD_MODEL_GPT2_H

#include "model/family.h"

/* A block's parameters, in the order the table holds them. */
enum {
    GPT2_LN1_W,
    GPT2_LN1_B,
    GPT2_ATTN_W,      /* c_attn [C, 3C]: q, k, v side by side */
    GPT2_ATTN_B,
    GPT2_ATTN_PROJ_W, /* attn.c_proj [C, C] */
    GPT2_ATTN_PROJ_B,
    GPT2_LN2_W,
    GPT2_LN2_B,
    GPT2_FC_W,        /* mlp.c_fc [C, n_inner] */
    GPT2_FC_B,
    GPT2_MLP_PROJ_W,  /* mlp.c_proj [n_inner, C] */
    GPT2_MLP_PROJ_B,
    GPT2_LAYER_PARAMS
};

/* Views into a parameter-shaped buffer (param_buf or grad_buf). */
typedef struct gpt2_view {
    void *wte, *wpe, *lnf_w, *lnf_b;
} gpt2_view;

typedef struct gpt2_layer_view {
    void *p[GPT2_LAYER_PARAMS];
} gpt2_layer_view;

/* n_inner as used: config.json's null is kept as 0 and means 4 * n_embd. */
int gpt2_inner_dim(const gpt2_config *c);
pad_status gpt2_check_config(const gpt2_config *c, pad_error *err);

void gpt2_views(const pad_model *m, void *buf, gpt2_view *v);
void gpt2_layer_views(const pad_model *m, void *buf, int l, gpt2_layer_view *v);

/* gpt2_pass.c */
pad_status gpt2_forward(pad_model *m, const pad_batch *b, double *loss, pad_error *err);
pad_status gpt2_backward(pad_model *m, pad_error *err);
void gpt2_free_state(pad_model *m);

#endif
