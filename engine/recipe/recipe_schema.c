/* pad recipes: the schema tables (docs/RECIPES.md is their prose) and the
 * generic checker that walks an object against one. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe/recipe_internal.h"

/* ---- the tables ---- */

#define INT_(k, d, lo, hi) {.key = k, .kind = RK_INT, .def = d, .min = lo, .max = hi}
#define NUM_(k, d, lo, hi, lx, hx) \
    {.key = k, .kind = RK_NUM, .def = d, .min = lo, .max = hi, .min_excl = lx, .max_excl = hx}
#define PROB_(k, d) NUM_(k, d, 0, 1, 0, 1)
#define POS_(k, d) NUM_(k, d, 0, RECIPE_NO_MAX, 1, 0)
#define BOOL_(k, d) {.key = k, .kind = RK_BOOL, .def = d}
#define STR_(k) {.key = k, .kind = RK_STR}
#define ENUM_(k, d, ch) {.key = k, .kind = RK_ENUM, .def = d, .choices = ch}
#define OBJ_(k, d, s) {.key = k, .kind = RK_OBJ, .def = d, .sub = &s}
#define CUSTOM_(k) {.key = k, .kind = RK_CUSTOM}
#define SCHEMA(fields) {fields, (int)(sizeof fields / sizeof fields[0])}
/* JSON numbers are doubles: integers stay exact up to 2^53 */
#define BIG 9007199254740992.0

static const char *const devices[] = {"auto", "cpu", "cuda", NULL};
static const char *const archs[] = {"t5", "gpt2", NULL};
static const char *const digit_modes[] = {"keep", "each", "runs", NULL}; /* pad_digits order */
static const char *const overlongs[] = {"truncate", "drop", NULL};
static const char *const executors[] = {"builtin", "python", NULL};
static const char *const decays[] = {"constant", "linear", "cosine", NULL}; /* pad_decay order */
static const char *const splits[] = {"test", "validation", NULL};
static const char *const decodings[] = {"greedy", "beam", "sample", NULL}; /* recipe_decoding order */
static const char *const step_modes[] = {"drop", "penalty", NULL};
static const char *const answers[] = {"best", "vote", NULL};
static const char *const refine_modes[] = {"failed", "all", NULL}; /* recipe_refine_mode order */
static const char *const eval_formats[] = {"auto", "gsm8k", "svamp", "asdiv", "multiarith", NULL};
static const char *const checkpoints[] = {"best", "last", NULL};
static const char *const t5_ffn[] = {"relu", "gated-gelu", NULL};
static const char *const gpt2_act[] = {"gelu_new", "gelu_pytorch_tanh", NULL};
const char *const recipe_stage_type_names[] = {"synth", "verify", "shard", "distill", "refine", "eval", NULL};

/* Model configs: Hugging Face's config.json fields that pad models; the
 * ranges here let every bad field be reported at once, and io/hf_config.c
 * then checks what ties fields together. */
#define SIZE_(k) INT_(k, NULL, 1, 1 << 30)
#define TOKEN_(k) INT_(k, NULL, 0, 1 << 30)
static const recipe_field t5_config_fields[] = {
    SIZE_("vocab_size"), SIZE_("d_model"), SIZE_("d_kv"), SIZE_("d_ff"), SIZE_("num_layers"),
    SIZE_("num_decoder_layers"), SIZE_("num_heads"), SIZE_("relative_attention_num_buckets"),
    SIZE_("relative_attention_max_distance"), PROB_("dropout_rate", NULL),
    POS_("layer_norm_epsilon", NULL), POS_("initializer_factor", NULL),
    ENUM_("feed_forward_proj", NULL, t5_ffn), BOOL_("tie_word_embeddings", NULL),
    BOOL_("scale_decoder_outputs", NULL), TOKEN_("pad_token_id"), TOKEN_("eos_token_id"),
    TOKEN_("decoder_start_token_id"),
};
static const recipe_field gpt2_config_fields[] = {
    SIZE_("vocab_size"), SIZE_("n_positions"), SIZE_("n_embd"), SIZE_("n_layer"), SIZE_("n_head"),
    SIZE_("n_inner"), PROB_("resid_pdrop", NULL), PROB_("embd_pdrop", NULL),
    PROB_("attn_pdrop", NULL), POS_("layer_norm_epsilon", NULL), POS_("initializer_range", NULL),
    TOKEN_("bos_token_id"), TOKEN_("eos_token_id"),
    ENUM_("activation_function", NULL, gpt2_act),
};
const recipe_schema recipe_t5_config_schema = SCHEMA(t5_config_fields);
const recipe_schema recipe_gpt2_config_schema = SCHEMA(gpt2_config_fields);

static const recipe_field model_fields[] = {
    STR_("init"), ENUM_("arch", NULL, archs), CUSTOM_("config"),
};
const recipe_schema recipe_model_schema = SCHEMA(model_fields);

static const recipe_field tokenizer_train_fields[] = {
    {.key = "vocab_size", .kind = RK_INT, .required = 1, .min = 260, .max = 1 << 20},
    INT_("min_frequency", "2", 1, 1e9),
    ENUM_("digits", "\"keep\"", digit_modes), BOOL_("identifiers", "false"),
};
static const recipe_schema tokenizer_train_schema = SCHEMA(tokenizer_train_fields);
static const recipe_field tokenizer_object_fields[] = {
    {.key = "train", .kind = RK_OBJ, .required = 1, .sub = &tokenizer_train_schema},
};
const recipe_schema recipe_tokenizer_object_schema = SCHEMA(tokenizer_object_fields);

/* data.synth's seed defaults to the recipe's: filled in recipe_check.c */
static const recipe_field synth_fields[] = {
    INT_("seed", NULL, 0, BIG), INT_("train", "6000", 1, 1e8),
    INT_("validation", "500", 1, 1e7), INT_("test", "500", 1, 1e7),
};
const recipe_schema recipe_synth_schema = SCHEMA(synth_fields);

static const recipe_field data_fields[] = {
    STR_("teacher"), CUSTOM_("synth"), STR_("validation"), STR_("test"), STR_("shards"),
    INT_("max_source_len", "128", 2, 1 << 20), INT_("max_target_len", "256", 2, 1 << 20),
    ENUM_("overlong", "\"truncate\"", overlongs), BOOL_("strip_docstrings", "false"),
};
static const recipe_schema data_schema = SCHEMA(data_fields);

static const recipe_field parallel_fields[] = {
    INT_("gpus", "1", 1, 4096), INT_("zero", "0", 0, 1), BOOL_("overlap", "true"),
};
static const recipe_schema parallel_schema = SCHEMA(parallel_fields);

static const recipe_field top_fields[] = {
    STR_("description"),
    {.key = "name", .kind = RK_STR, .required = 1},
    INT_("seed", "1234", 0, BIG),
    ENUM_("device", "\"auto\"", devices),
    STR_("output_dir"), /* default "runs/NAME", filled in recipe_check.c */
    {.key = "model", .kind = RK_OBJ, .required = 1, .sub = &recipe_model_schema},
    CUSTOM_("tokenizer"),
    {.key = "data", .kind = RK_OBJ, .required = 1, .sub = &data_schema},
    OBJ_("parallel", "{}", parallel_schema),
    {.key = "stages", .kind = RK_CUSTOM, .required = 1},
};
const recipe_schema recipe_top_schema = SCHEMA(top_fields);

/* Stages: the common fields, then the type's own. */
#define STAGE_COMMON {.key = "type", .kind = RK_CUSTOM, .required = 1}, BOOL_("enabled", "true")
static const recipe_field synth_stage_fields[] = {STAGE_COMMON};
static const recipe_field verify_stage_fields[] = {
    STAGE_COMMON, ENUM_("executor", "\"builtin\"", executors), INT_("threads", "0", 0, 1024),
};
static const recipe_field shard_stage_fields[] = {
    STAGE_COMMON, INT_("shard_tokens", "4194304", 1024, BIG),
};
/* The training fields of distill, which refine takes too. */
#define TRAIN_FIELDS \
    NUM_("lr", "6e-5", 0, 1, 1, 0), \
    INT_("batch_size", "8", 1, 65536), \
    INT_("grad_accum", "1", 1, 65536), \
    INT_("epochs", "10", 1, 1e6), \
    INT_("max_steps", "0", 0, BIG), \
    INT_("warmup_steps", "0", 0, BIG), \
    NUM_("warmup_ratio", "0", 0, 1, 0, 1), \
    ENUM_("decay", "\"linear\"", decays), \
    NUM_("weight_decay", "0.01", 0, 1, 0, 0), \
    NUM_("clip", "1.0", 0, 1e6, 0, 0), \
    {.key = "dropout", .kind = RK_CUSTOM, .def = "null"}, \
    PROB_("label_smoothing", "0"), \
    INT_("eval_every", "0", 0, BIG), \
    INT_("patience", "3", 0, 1e6), \
    INT_("checkpoint_every", "0", 0, BIG), \
    INT_("keep_checkpoints", "2", 1, 1000), \
    INT_("log_every", "10", 1, BIG)
static const recipe_field distill_stage_fields[] = {STAGE_COMMON, TRAIN_FIELDS};
static const recipe_field inject_kind_fields[] = { /* inject_kind order */
    NUM_("const", "1", 0, 1e6, 0, 0), NUM_("op", "1", 0, 1e6, 0, 0), NUM_("var", "1", 0, 1e6, 0, 0),
    NUM_("undef", "1", 0, 1e6, 0, 0), NUM_("drop", "1", 0, 1e6, 0, 0), NUM_("swap", "1", 0, 1e6, 0, 0),
    NUM_("syntax", "1", 0, 1e6, 0, 0),
};
static const recipe_schema inject_kind_schema = SCHEMA(inject_kind_fields);
/* inject.seed defaults to the recipe's: filled in recipe_check.c */
static const recipe_field inject_fields[] = {
    INT_("per_program", "2", 1, 1000), INT_("seed", NULL, 0, BIG), OBJ_("kinds", "{}", inject_kind_schema),
};
static const recipe_schema inject_schema = SCHEMA(inject_fields);
static const recipe_field refine_stage_fields[] = {
    STAGE_COMMON,
    TRAIN_FIELDS,
    INT_("rounds", "1", 1, 1000),
    NUM_("mix", "0.5", 0, 1, 0, 0),
    INT_("round_questions", "0", 0, BIG),
    INT_("max_source_len", "512", 2, 1 << 20),
    OBJ_("inject", "{}", inject_schema),
};
static const recipe_field eval_stage_fields[] = {
    STAGE_COMMON,
    ENUM_("split", "\"test\"", splits),
    ENUM_("decoding", "\"greedy\"", decodings),
    ENUM_("checkpoint", "\"best\"", checkpoints),
    INT_("max_new_tokens", "256", 1, 1 << 16),
    INT_("limit", "0", 0, BIG),
    INT_("batch_size", "32", 1, 65536),
    ENUM_("executor", "\"builtin\"", executors),
    ENUM_("format", "\"auto\"", eval_formats),
    INT_("beams", "1", 1, BIG),
    INT_("num_return", "1", 1, BIG),
    NUM_("length_penalty", "1.0", -1e6, 1e6, 0, 0),
    BOOL_("early_stopping", "false"),
    POS_("temperature", "1.0"),
    NUM_("top_p", "1.0", 0, 1, 1, 0),
    INT_("seed", "0", 0, BIG),
    BOOL_("stepwise", "false"),
    ENUM_("step_mode", "\"drop\"", step_modes),
    NUM_("step_penalty", "-5.0", -1e6, 0, 0, 0),
    NUM_("number_penalty", "0.0", -1e6, 0, 0, 0),
    ENUM_("answer", "\"best\"", answers),
    INT_("refine_rounds", "0", 0, 1000),
    ENUM_("refine_mode", "\"failed\"", refine_modes),
};
const recipe_schema recipe_stage_schemas[RECIPE_STAGE_TYPE_COUNT] = {
    SCHEMA(synth_stage_fields), SCHEMA(verify_stage_fields), SCHEMA(shard_stage_fields),
    SCHEMA(distill_stage_fields), SCHEMA(refine_stage_fields), SCHEMA(eval_stage_fields),
};

/* ---- issues and paths ---- */

void recipe_issue_add(recipe_issues *is, const char *path, const char *fmt, ...)
{
    if (is->count == is->cap) {
        int cap = is->cap ? 2 * is->cap : 16;
        recipe_issue *items = realloc(is->items, (size_t)cap * sizeof *items);
        if (!items) {
            is->out_of_memory = 1;
            return;
        }
        is->items = items;
        is->cap = cap;
    }
    recipe_issue *it = &is->items[is->count++];
    snprintf(it->path, sizeof it->path, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
}

void recipe_issues_free(recipe_issues *is)
{
    free(is->items);
    memset(is, 0, sizeof *is);
}

void recipe_path_key(char out[RECIPE_PATH_LEN], const char *parent, const char *key)
{
    snprintf(out, RECIPE_PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key);
}

void recipe_path_index(char out[RECIPE_PATH_LEN], const char *parent, int i)
{
    snprintf(out, RECIPE_PATH_LEN, "%s[%d]", parent, i);
}

const char *recipe_json_type(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "a number";
}

const recipe_field *recipe_schema_find(const recipe_schema *s, const char *key)
{
    for (int i = 0; i < s->count; i++)
        if (strcmp(s->fields[i].key, key) == 0) return &s->fields[i];
    return NULL;
}

int recipe_choice_index(const cJSON *v, const char *const *choices)
{
    if (!cJSON_IsString(v)) return -1;
    for (int i = 0; choices[i]; i++)
        if (strcmp(v->valuestring, choices[i]) == 0) return i;
    return -1;
}

/* ---- the checker ---- */

static void range_text(const recipe_field *f, char *out, size_t size)
{
    if (f->max >= RECIPE_NO_MAX || (f->kind == RK_INT && f->max >= BIG))
        snprintf(out, size, "%s %.15g", f->min_excl ? ">" : ">=", f->min);
    else if (f->kind == RK_INT)
        snprintf(out, size, "between %.15g and %.15g", f->min, f->max);
    else
        snprintf(out, size, "in %c%.15g, %.15g%c", f->min_excl ? '(' : '[', f->min, f->max,
                 f->max_excl ? ')' : ']');
}

static void check_number(const cJSON *v, const recipe_field *f, const char *path, recipe_issues *is)
{
    const char *want = f->kind == RK_INT ? "an integer" : "a number";
    if (!cJSON_IsNumber(v)) {
        recipe_issue_add(is, path, "expected %s, got %s", want, recipe_json_type(v));
        return;
    }
    double d = v->valuedouble;
    if (f->kind == RK_INT && d != floor(d)) {
        recipe_issue_add(is, path, "expected an integer, got %.15g", d);
        return;
    }
    int low = f->min_excl ? d <= f->min : d < f->min;
    int high = f->max_excl ? d >= f->max : d > f->max;
    if (low || high) {
        char range[96];
        range_text(f, range, sizeof range);
        recipe_issue_add(is, path, "must be %s, got %.15g", range, d);
    }
}

static void check_enum(const cJSON *v, const recipe_field *f, const char *path, recipe_issues *is)
{
    if (!cJSON_IsString(v)) {
        recipe_issue_add(is, path, "expected a string, got %s", recipe_json_type(v));
        return;
    }
    if (recipe_choice_index(v, f->choices) >= 0) return;
    char list[160] = "";
    size_t used = 0;
    for (int i = 0; f->choices[i] && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "",
                                 f->choices[i]);
    recipe_issue_add(is, path, "expected one of %s, got \"%s\"", list, v->valuestring);
}

static void check_value(cJSON *v, const recipe_field *f, const char *path, recipe_issues *is)
{
    switch (f->kind) {
    case RK_INT:
    case RK_NUM: check_number(v, f, path, is); break;
    case RK_BOOL:
        if (!cJSON_IsBool(v)) recipe_issue_add(is, path, "expected a boolean, got %s", recipe_json_type(v));
        break;
    case RK_STR:
        if (!cJSON_IsString(v)) recipe_issue_add(is, path, "expected a string, got %s", recipe_json_type(v));
        else if (!*v->valuestring) recipe_issue_add(is, path, "must not be empty");
        break;
    case RK_ENUM: check_enum(v, f, path, is); break;
    case RK_OBJ:
        if (!cJSON_IsObject(v)) recipe_issue_add(is, path, "expected an object, got %s", recipe_json_type(v));
        else recipe_check_object(v, f->sub, path, is);
        break;
    case RK_CUSTOM: break;
    }
}

/* Unknown keys, and keys given twice (cJSON keeps both; pad would read the first). */
static void check_keys(const cJSON *obj, const recipe_schema *s, const char *path, recipe_issues *is)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!recipe_schema_find(s, c->string)) {
            recipe_issue_add(is, path, "unknown key '%s'", c->string);
            continue;
        }
        for (const cJSON *p = obj->child; p != c; p = p->next)
            if (strcmp(p->string, c->string) == 0) {
                recipe_issue_add(is, path, "duplicate key '%s'", c->string);
                break;
            }
    }
}

void recipe_check_object(cJSON *obj, const recipe_schema *s, const char *path, recipe_issues *is)
{
    check_keys(obj, s, path, is);
    for (int i = 0; i < s->count; i++) {
        const recipe_field *f = &s->fields[i];
        char sub[RECIPE_PATH_LEN];
        recipe_path_key(sub, path, f->key);
        cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->key);
        if (!v && f->required) {
            recipe_issue_add(is, sub, "required field is missing");
            continue;
        }
        if (!v && f->def) {
            v = cJSON_Parse(f->def);
            if (!v || !cJSON_AddItemToObject(obj, f->key, v)) {
                cJSON_Delete(v);
                is->out_of_memory = 1;
                continue;
            }
        }
        if (v) check_value(v, f, sub, is);
    }
}
