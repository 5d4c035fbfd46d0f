/* pad: model configurations, with the meaning of Hugging Face's config.json
 * fields.  Filled by io/ (which parses JSON); the model room only reads them. */
#ifndef PAD_MODEL_CONFIG_H
#define PAD_MODEL_CONFIG_H

typedef enum pad_arch {
    PAD_ARCH_T5 = 0,
    PAD_ARCH_GPT2
} pad_arch;

typedef struct t5_config {
    int vocab_size;
    int d_model;
    int d_kv;                 /* per-head size; d_kv * num_heads may differ from d_model */
    int d_ff;
    int num_layers;           /* encoder blocks */
    int num_decoder_layers;
    int num_heads;
    int relative_attention_num_buckets;
    int relative_attention_max_distance;
    float dropout_rate;
    float layer_norm_epsilon;
    float initializer_factor;
    int gated_gelu;           /* feed_forward_proj "gated-gelu" (v1.1) vs "relu" (v1.0) */
    int tie_word_embeddings;  /* the head shares "shared.weight" (no lm_head) */
    int scale_decoder_outputs; /* decoder output * d_model^-0.5 before the head.
                                * transformers 4 ties this to tie_word_embeddings;
                                * transformers 5 ties the head always and keeps
                                * this flag apart */
    int pad_token_id;
    int eos_token_id;
    int decoder_start_token_id;
} t5_config;

typedef struct gpt2_config {
    int vocab_size;
    int n_positions;
    int n_embd;
    int n_layer;
    int n_head;
    int n_inner;              /* FFN width; 4 * n_embd when config.json has null */
    float resid_pdrop, embd_pdrop, attn_pdrop;
    float layer_norm_epsilon;
    float initializer_range;
    int bos_token_id;
    int eos_token_id;
} gpt2_config;

typedef struct pad_model_config {
    pad_arch arch;
    union {
        t5_config t5;
        gpt2_config gpt2;
    };
} pad_model_config;

/* Hugging Face's defaults for a config.json that omits fields. */
void t5_config_defaults(t5_config *c);
void gpt2_config_defaults(gpt2_config *c);
const char *pad_arch_name(pad_arch a);

#endif
