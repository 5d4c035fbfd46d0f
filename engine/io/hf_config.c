#include "io/hf_config.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fs.h"
#include "io/json_file.h"

/* How a numeric config.json field is checked.  Absent fields keep the
 * default; null is accepted only where transformers gives it a meaning. */
typedef enum field_kind {
    FIELD_SIZE,         /* integer >= 1 */
    FIELD_SIZE_OR_NULL, /* integer >= 1; null = derived from other fields (left 0) */
    FIELD_TOKEN,        /* integer >= 0 (first element of a list); null = default */
    FIELD_PROB,         /* number in [0, 1) */
    FIELD_POSITIVE,     /* number > 0 */
    FIELD_BOOL
} field_kind;

typedef struct field_spec {
    const char *key;
    field_kind kind;
    size_t offset;      /* of an int (sizes, tokens, bools) or float member */
} field_spec;

#define T5_FIELD(name, kind) {#name, kind, offsetof(t5_config, name)}
#define GPT2_FIELD(name, kind) {#name, kind, offsetof(gpt2_config, name)}

static const field_spec t5_fields[] = {
    T5_FIELD(vocab_size, FIELD_SIZE),
    T5_FIELD(d_model, FIELD_SIZE),
    T5_FIELD(d_kv, FIELD_SIZE),
    T5_FIELD(d_ff, FIELD_SIZE),
    T5_FIELD(num_layers, FIELD_SIZE),
    T5_FIELD(num_decoder_layers, FIELD_SIZE_OR_NULL),
    T5_FIELD(num_heads, FIELD_SIZE),
    T5_FIELD(relative_attention_num_buckets, FIELD_SIZE),
    T5_FIELD(relative_attention_max_distance, FIELD_SIZE),
    T5_FIELD(dropout_rate, FIELD_PROB),
    T5_FIELD(layer_norm_epsilon, FIELD_POSITIVE),
    T5_FIELD(initializer_factor, FIELD_POSITIVE),
    T5_FIELD(tie_word_embeddings, FIELD_BOOL),
    T5_FIELD(pad_token_id, FIELD_TOKEN),
    T5_FIELD(eos_token_id, FIELD_TOKEN),
    T5_FIELD(decoder_start_token_id, FIELD_TOKEN),
};

static const field_spec gpt2_fields[] = {
    GPT2_FIELD(vocab_size, FIELD_SIZE),
    GPT2_FIELD(n_positions, FIELD_SIZE),
    GPT2_FIELD(n_embd, FIELD_SIZE),
    GPT2_FIELD(n_layer, FIELD_SIZE),
    GPT2_FIELD(n_head, FIELD_SIZE),
    GPT2_FIELD(n_inner, FIELD_SIZE_OR_NULL),
    GPT2_FIELD(resid_pdrop, FIELD_PROB),
    GPT2_FIELD(embd_pdrop, FIELD_PROB),
    GPT2_FIELD(attn_pdrop, FIELD_PROB),
    GPT2_FIELD(layer_norm_epsilon, FIELD_POSITIVE),
    GPT2_FIELD(initializer_range, FIELD_POSITIVE),
    GPT2_FIELD(bos_token_id, FIELD_TOKEN),
    GPT2_FIELD(eos_token_id, FIELD_TOKEN),
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Boolean fields whose other value changes the math pad implements. */
typedef struct required_bool {
    const char *key;
    int value;
} required_bool;

static const required_bool gpt2_required[] = {
    {"scale_attn_weights", 1},
    {"scale_attn_by_inverse_layer_idx", 0},
    {"add_cross_attention", 0},
    {"tie_word_embeddings", 1},
};

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "a number";
}

static pad_status type_error(pad_error *err, const char *key, const char *want, const cJSON *v)
{
    pad_error_set(err, PAD_ERR_CONFIG, "expected %s, got %s", want, json_type_name(v));
    return pad_error_json_path(err, key);
}

static pad_status read_int(const cJSON *v, const char *key, int min, int *out, pad_error *err)
{
    if (!cJSON_IsNumber(v)) return type_error(err, key, "an integer", v);
    double d = v->valuedouble;
    if (d != floor(d) || d < INT_MIN || d > INT_MAX) {
        pad_error_set(err, PAD_ERR_CONFIG, "expected an integer, got %g", d);
        return pad_error_json_path(err, key);
    }
    if (d < min) {
        pad_error_set(err, PAD_ERR_CONFIG, "must be %s, got %.0f",
                      min > 0 ? "a positive integer" : "a non-negative integer", d);
        return pad_error_json_path(err, key);
    }
    *out = (int)d;
    return PAD_OK;
}

static pad_status read_float(const cJSON *v, const char *key, field_kind kind, float *out,
                             pad_error *err)
{
    if (!cJSON_IsNumber(v)) return type_error(err, key, "a number", v);
    double d = v->valuedouble;
    int ok = kind == FIELD_PROB ? d >= 0 && d < 1 : d > 0 && d < 1e30;
    if (!ok) {
        pad_error_set(err, PAD_ERR_CONFIG, "must be %s, got %g",
                      kind == FIELD_PROB ? "in [0, 1)" : "positive", d);
        return pad_error_json_path(err, key);
    }
    *out = (float)d;
    return PAD_OK;
}

static pad_status read_field(const cJSON *root, const field_spec *f, void *cfg, pad_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, f->key);
    if (!v) return PAD_OK;
    int *ip = (int *)((char *)cfg + f->offset);
    float *fp = (float *)((char *)cfg + f->offset);
    if (cJSON_IsNull(v)) {
        if (f->kind == FIELD_SIZE_OR_NULL || f->kind == FIELD_TOKEN) return PAD_OK;
        return type_error(err, f->key, f->kind == FIELD_BOOL ? "a boolean" : "a number", v);
    }
    switch (f->kind) {
    case FIELD_SIZE:
    case FIELD_SIZE_OR_NULL: return read_int(v, f->key, 1, ip, err);
    case FIELD_TOKEN:
        /* transformers allows a list of end tokens; pad uses the first */
        if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) v = cJSON_GetArrayItem(v, 0);
        return read_int(v, f->key, 0, ip, err);
    case FIELD_PROB:
    case FIELD_POSITIVE: return read_float(v, f->key, f->kind, fp, err);
    case FIELD_BOOL:
        if (!cJSON_IsBool(v)) return type_error(err, f->key, "a boolean", v);
        *ip = cJSON_IsTrue(v);
        return PAD_OK;
    }
    return PAD_OK;
}

static pad_status read_fields(const cJSON *root, const field_spec *fields, int n, void *cfg,
                              pad_error *err)
{
    for (int i = 0; i < n; i++) {
        pad_status st = read_field(root, &fields[i], cfg, err);
        if (st) return st;
    }
    return PAD_OK;
}

/* An optional string field that must be one of the two `allowed` values;
 * returns its index in *choice, or leaves *choice alone when absent. */
static pad_status read_choice(const cJSON *root, const char *key, const char *const *allowed,
                              int *choice, pad_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) return PAD_OK;
    if (!cJSON_IsString(v)) return type_error(err, key, "a string", v);
    for (int i = 0; i < 2; i++) {
        if (strcmp(v->valuestring, allowed[i]) == 0) {
            *choice = i;
            return PAD_OK;
        }
    }
    pad_error_set(err, PAD_ERR_UNSUPPORTED, "\"%s\" is not supported (expected \"%s\" or \"%s\")",
                  v->valuestring, allowed[0], allowed[1]);
    return pad_error_json_path(err, key);
}

static pad_status check_required_bool(const cJSON *root, const required_bool *r, pad_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, r->key);
    if (!v || cJSON_IsNull(v)) return PAD_OK;
    if (!cJSON_IsBool(v)) return type_error(err, r->key, "a boolean", v);
    if (cJSON_IsTrue(v) == r->value) return PAD_OK;
    pad_error_set(err, PAD_ERR_UNSUPPORTED, "only %s is supported", r->value ? "true" : "false");
    return pad_error_json_path(err, r->key);
}

static pad_status token_in_vocab(int id, int vocab, const char *key, pad_error *err)
{
    if (id < vocab) return PAD_OK;
    pad_error_set(err, PAD_ERR_CONFIG, "token %d is outside the vocabulary (vocab_size %d)", id,
                  vocab);
    return pad_error_json_path(err, key);
}

static pad_status parse_t5(const cJSON *root, t5_config *c, pad_error *err)
{
    static const char *const ffn[] = {"relu", "gated-gelu"};
    t5_config_defaults(c);
    c->num_decoder_layers = 0;
    pad_status st = read_fields(root, t5_fields, COUNT(t5_fields), c, err);
    if (!st) st = read_choice(root, "feed_forward_proj", ffn, &c->gated_gelu, err);
    if (st) return st;
    if (c->num_decoder_layers == 0) c->num_decoder_layers = c->num_layers;
    /* transformers 5 writes scale_decoder_outputs; before it, the scaling
     * went with tie_word_embeddings */
    c->scale_decoder_outputs = c->tie_word_embeddings;
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(root, "scale_decoder_outputs");
    if (scale && !cJSON_IsNull(scale)) {
        if (!cJSON_IsBool(scale)) return type_error(err, "scale_decoder_outputs", "a boolean", scale);
        c->scale_decoder_outputs = cJSON_IsTrue(scale);
    }
    st = token_in_vocab(c->pad_token_id, c->vocab_size, "pad_token_id", err);
    if (!st) st = token_in_vocab(c->decoder_start_token_id, c->vocab_size, "decoder_start_token_id", err);
    return st;
}

static pad_status parse_gpt2(const cJSON *root, gpt2_config *c, pad_error *err)
{
    static const char *const act[] = {"gelu_new", "gelu_pytorch_tanh"};
    gpt2_config_defaults(c);
    c->n_inner = 0;
    int activation = 0;
    pad_status st = read_fields(root, gpt2_fields, COUNT(gpt2_fields), c, err);
    if (!st) st = read_choice(root, "activation_function", act, &activation, err);
    for (int i = 0; !st && i < COUNT(gpt2_required); i++)
        st = check_required_bool(root, &gpt2_required[i], err);
    if (st) return st;
    if (c->n_inner == 0) c->n_inner = 4 * c->n_embd;
    if (c->n_embd % c->n_head) {
        pad_error_set(err, PAD_ERR_CONFIG, "n_embd (%d) must be divisible by n_head (%d)", c->n_embd,
                      c->n_head);
        return pad_error_json_path(err, "n_head");
    }
    return PAD_OK;
}

pad_status hf_config_from_json(const cJSON *root, pad_model_config *cfg, pad_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (!cJSON_IsObject(root))
        return pad_error_set(err, PAD_ERR_CONFIG, "expected a JSON object, got %s",
                             json_type_name(root));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (!type) {
        pad_error_set(err, PAD_ERR_CONFIG, "missing model_type (expected \"t5\" or \"gpt2\")");
        return pad_error_json_path(err, "model_type");
    }
    if (!cJSON_IsString(type)) return type_error(err, "model_type", "a string", type);
    if (strcmp(type->valuestring, "t5") == 0) {
        cfg->arch = PAD_ARCH_T5;
        return parse_t5(root, &cfg->t5, err);
    }
    if (strcmp(type->valuestring, "gpt2") == 0) {
        cfg->arch = PAD_ARCH_GPT2;
        return parse_gpt2(root, &cfg->gpt2, err);
    }
    pad_error_set(err, PAD_ERR_UNSUPPORTED, "model_type \"%s\" is not supported (expected \"t5\" or \"gpt2\")",
                  type->valuestring);
    return pad_error_json_path(err, "model_type");
}

pad_status hf_config_load(const char *path, pad_model_config *cfg, pad_error *err)
{
    cJSON *root;
    pad_status st = pad_json_load(path, &root, err);
    if (!st) st = hf_config_from_json(root, cfg, err);
    cJSON_Delete(root);
    return st ? pad_error_file(err, path) : PAD_OK;
}

/* --- writing --- */

/* The shortest decimal that reads back as `f` (1e-6f is "1e-06", not
 * "9.99999997e-07"), always with a '.' or an exponent: transformers 5
 * validates types, and rejects 1 for a float field where it takes 1.0. */
static void float_text(float f, char *buf, size_t size)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, size, "%.*g", digits, (double)f);
        if ((float)strtod(buf, NULL) == f) break;
    }
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", size - strlen(buf) - 1);
}

static int write_fields(cJSON *root, const field_spec *fields, int n, const void *cfg)
{
    for (int i = 0; i < n; i++) {
        const field_spec *f = &fields[i];
        int iv = *(const int *)((const char *)cfg + f->offset);
        float fv = *(const float *)((const char *)cfg + f->offset);
        cJSON *v;
        if (f->kind == FIELD_BOOL) v = cJSON_AddBoolToObject(root, f->key, iv);
        else if (f->kind == FIELD_PROB || f->kind == FIELD_POSITIVE) {
            char text[32];
            float_text(fv, text, sizeof text);
            v = cJSON_AddRawToObject(root, f->key, text);
        }
        else v = cJSON_AddNumberToObject(root, f->key, iv);
        if (!v) return -1;
    }
    return 0;
}

static int add_architecture(cJSON *root, const char *arch, const char *model_type)
{
    cJSON *list = cJSON_AddArrayToObject(root, "architectures");
    cJSON *name = cJSON_CreateString(arch);
    if (!list || !name) {
        cJSON_Delete(name);
        return -1;
    }
    cJSON_AddItemToArray(list, name);
    return cJSON_AddStringToObject(root, "model_type", model_type) ? 0 : -1;
}

/* tie_word_embeddings is written true only for a tied, scaled head, the one
 * case where transformers 4 and 5 read it alike.  A tied unscaled head is
 * written false with no lm_head in the file: transformers 5 (and pad) tie a
 * head the file lacks.  scale_decoder_outputs is always explicit. */
static int t5_to_json(cJSON *root, const t5_config *c)
{
    if (add_architecture(root, "T5ForConditionalGeneration", "t5")) return -1;
    t5_config written = *c;
    written.tie_word_embeddings = c->tie_word_embeddings && c->scale_decoder_outputs;
    if (write_fields(root, t5_fields, COUNT(t5_fields), &written)) return -1;
    int ok = cJSON_AddStringToObject(root, "feed_forward_proj", c->gated_gelu ? "gated-gelu" : "relu") &&
             cJSON_AddStringToObject(root, "dense_act_fn", c->gated_gelu ? "gelu_new" : "relu") &&
             cJSON_AddBoolToObject(root, "is_gated_act", c->gated_gelu) &&
             cJSON_AddBoolToObject(root, "scale_decoder_outputs", c->scale_decoder_outputs) &&
             cJSON_AddBoolToObject(root, "is_encoder_decoder", 1) &&
             cJSON_AddBoolToObject(root, "use_cache", 1);
    return ok ? 0 : -1;
}

static int gpt2_to_json(cJSON *root, const gpt2_config *c)
{
    if (add_architecture(root, "GPT2LMHeadModel", "gpt2")) return -1;
    if (write_fields(root, gpt2_fields, COUNT(gpt2_fields), c)) return -1;
    int ok = cJSON_AddStringToObject(root, "activation_function", "gelu_new") != NULL;
    for (int i = 0; ok && i < COUNT(gpt2_required); i++)
        ok = cJSON_AddBoolToObject(root, gpt2_required[i].key, gpt2_required[i].value) != NULL;
    ok = ok && cJSON_AddBoolToObject(root, "use_cache", 1);
    return ok ? 0 : -1;
}

cJSON *hf_config_to_json(const pad_model_config *cfg)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    int rc = cfg->arch == PAD_ARCH_T5 ? t5_to_json(root, &cfg->t5) : gpt2_to_json(root, &cfg->gpt2);
    if (rc || !cJSON_AddStringToObject(root, "torch_dtype", "float32")) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *hf_generation_config_to_json(const pad_model_config *cfg)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    int ok;
    if (cfg->arch == PAD_ARCH_T5)
        ok = cJSON_AddNumberToObject(root, "decoder_start_token_id", cfg->t5.decoder_start_token_id) &&
             cJSON_AddNumberToObject(root, "pad_token_id", cfg->t5.pad_token_id) &&
             cJSON_AddNumberToObject(root, "eos_token_id", cfg->t5.eos_token_id);
    else
        ok = cJSON_AddNumberToObject(root, "bos_token_id", cfg->gpt2.bos_token_id) &&
             cJSON_AddNumberToObject(root, "eos_token_id", cfg->gpt2.eos_token_id);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static pad_status save_json(const char *dir, const char *name, cJSON *json, pad_error *err)
{
    if (!json) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory building %s", name);
    char *path = pad_path_join(dir, name);
    pad_status st = path ? pad_json_save(path, json, err)
                         : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    free(path);
    cJSON_Delete(json);
    return st;
}

pad_status hf_config_save(const pad_model_config *cfg, const char *dir, pad_error *err)
{
    pad_status st = save_json(dir, HF_GENERATION_CONFIG_FILE, hf_generation_config_to_json(cfg), err);
    if (!st) st = save_json(dir, HF_CONFIG_FILE, hf_config_to_json(cfg), err);
    return st;
}
