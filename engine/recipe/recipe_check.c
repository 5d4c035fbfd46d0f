/* pad recipes: the checks a schema table cannot express (fields of several
 * shapes, defaults that depend on other fields, what stages need from each
 * other), and the struct filled from a tree that passed them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hf_config.h"
#include "recipe/recipe_internal.h"

static cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static int is_on(const cJSON *stage)
{
    return !cJSON_IsFalse(get(stage, "enabled"));
}

/* The arch index (PAD_ARCH_*) of model.arch, or -1. */
static int model_arch(const cJSON *model)
{
    return recipe_choice_index(get(model, "arch"), (const char *const[]){"t5", "gpt2", NULL});
}

/* model.config through io/hf_config.c, which fills Hugging Face's defaults
 * and checks what ties the fields together. */
static pad_status parse_config(const cJSON *config, int arch, pad_model_config *cfg, pad_error *err)
{
    cJSON *copy = cJSON_Duplicate(config, 1);
    if (!copy || !cJSON_AddStringToObject(copy, "model_type", arch == PAD_ARCH_T5 ? "t5" : "gpt2")) {
        cJSON_Delete(copy);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    pad_status st = hf_config_from_json(copy, cfg, err);
    cJSON_Delete(copy);
    return st;
}

static void check_config(cJSON *model, int arch, recipe_issues *is)
{
    cJSON *config = get(model, "config");
    if (!config) config = cJSON_AddObjectToObject(model, "config");
    if (!cJSON_IsObject(config)) {
        if (config) recipe_issue_add(is, "model.config", "expected an object, got %s", recipe_json_type(config));
        else is->out_of_memory = 1;
        return;
    }
    int before = is->count;
    recipe_check_object(config, arch == PAD_ARCH_T5 ? &recipe_t5_config_schema : &recipe_gpt2_config_schema,
                        "model.config", is);
    if (is->count > before) return;
    pad_error e;
    pad_error_clear(&e);
    pad_model_config cfg;
    if (parse_config(config, arch, &cfg, &e)) {
        char path[RECIPE_PATH_LEN];
        recipe_path_key(path, "model.config", e.json_path);
        recipe_issue_add(is, e.json_path[0] ? path : "model.config", "%s", e.message);
    }
}

static void check_model(cJSON *root, recipe_issues *is)
{
    cJSON *model = get(root, "model");
    if (!cJSON_IsObject(model)) return;
    const cJSON *init = get(model, "init"), *arch = get(model, "arch");
    if (init && arch) {
        recipe_issue_add(is, "model", "give either init or arch, not both");
        return;
    }
    if (!init && !arch) {
        recipe_issue_add(is, "model", "needs init (\"hf:DIR\") or arch (\"t5\" or \"gpt2\")");
        return;
    }
    if (init) {
        if (cJSON_IsString(init) && (strncmp(init->valuestring, "hf:", 3) || !init->valuestring[3]))
            recipe_issue_add(is, "model.init", "expected \"hf:DIR\", got \"%s\"", init->valuestring);
        if (get(model, "config"))
            recipe_issue_add(is, "model.config", "not allowed with model.init (DIR/config.json is used)");
        return;
    }
    int a = model_arch(model);
    if (a >= 0) check_config(model, a, is);
}

static void check_tokenizer(cJSON *root, recipe_issues *is)
{
    cJSON *tok = get(root, "tokenizer");
    if (!tok) {
        const char *init = get_str(get(root, "model"), "init");
        if (!init || strncmp(init, "hf:", 3) || !init[3])
            recipe_issue_add(is, "tokenizer", "required field is missing (only model.init provides one)");
        else if (!cJSON_AddStringToObject(root, "tokenizer", init + 3))
            is->out_of_memory = 1;
        return;
    }
    if (cJSON_IsObject(tok)) recipe_check_object(tok, &recipe_tokenizer_object_schema, "tokenizer", is);
    else if (!cJSON_IsString(tok))
        recipe_issue_add(is, "tokenizer", "expected a path, \"bytes\" or an object, got %s", recipe_json_type(tok));
    else if (!*tok->valuestring)
        recipe_issue_add(is, "tokenizer", "must not be empty");
}

static void check_synth(cJSON *root, cJSON *data, recipe_issues *is)
{
    cJSON *synth = get(data, "synth");
    if (!synth && !(synth = cJSON_AddObjectToObject(data, "synth"))) {
        is->out_of_memory = 1;
        return;
    }
    if (!cJSON_IsObject(synth)) {
        recipe_issue_add(is, "data.synth", "expected an object, got %s", recipe_json_type(synth));
        return;
    }
    recipe_check_object(synth, &recipe_synth_schema, "data.synth", is);
    const cJSON *seed = get(root, "seed");
    if (!get(synth, "seed") && cJSON_IsNumber(seed) && !cJSON_AddNumberToObject(synth, "seed", seed->valuedouble))
        is->out_of_memory = 1;
    static const char *const splits[] = {"validation", "test"};
    for (int i = 0; i < 2; i++)
        if (get(data, splits[i])) {
            char path[RECIPE_PATH_LEN];
            recipe_path_key(path, "data", splits[i]);
            recipe_issue_add(is, path, "not with data.teacher \"synth\" (the synth stage writes it)");
        }
}

static void check_data(cJSON *root, recipe_issues *is)
{
    cJSON *data = get(root, "data");
    if (!cJSON_IsObject(data)) return;
    const char *teacher = get_str(data, "teacher");
    if (teacher && strcmp(teacher, "synth") == 0) check_synth(root, data, is);
    else if (get(data, "synth"))
        recipe_issue_add(is, "data.synth", "only with data.teacher \"synth\"");
}

static void check_output_dir(cJSON *root, recipe_issues *is)
{
    const char *name = get_str(root, "name");
    if (get(root, "output_dir") || !name) return;
    char dir[1024];
    snprintf(dir, sizeof dir, "runs/%s", name);
    if (!cJSON_AddStringToObject(root, "output_dir", dir)) is->out_of_memory = 1;
}

/* What ties an eval stage's decoding fields together. */
static void check_eval_fields(const cJSON *stage, const char *path, recipe_issues *is)
{
    char sub[RECIPE_PATH_LEN];
    int decoding = recipe_choice_index(get(stage, "decoding"), (const char *const[]){"greedy", "beam", "sample", NULL});
    const cJSON *beams = get(stage, "beams"), *ret = get(stage, "num_return");
    recipe_path_key(sub, path, "beams");
    if (decoding >= 0 && decoding != RECIPE_DECODING_BEAM && cJSON_IsNumber(beams) && beams->valuedouble != 1)
        recipe_issue_add(is, sub, "%s decoding uses one beam: set decoding \"beam\" for %.15g",
                         decoding == RECIPE_DECODING_GREEDY ? "greedy" : "sample", beams->valuedouble);
    recipe_path_key(sub, path, "num_return");
    if (decoding == RECIPE_DECODING_BEAM && cJSON_IsNumber(beams) && cJSON_IsNumber(ret) &&
        ret->valuedouble > beams->valuedouble)
        recipe_issue_add(is, sub, "must be <= beams (%.15g), got %.15g", beams->valuedouble, ret->valuedouble);
    if (decoding == RECIPE_DECODING_GREEDY && cJSON_IsNumber(ret) && ret->valuedouble != 1)
        recipe_issue_add(is, sub, "greedy decoding returns one program, got %.15g", ret->valuedouble);
    recipe_path_key(sub, path, "stepwise");
    if (decoding == RECIPE_DECODING_SAMPLE && cJSON_IsTrue(get(stage, "stepwise")))
        recipe_issue_add(is, sub, "step-wise verification needs decoding \"greedy\" or \"beam\"");
    const cJSON *pen = get(stage, "number_penalty");
    recipe_path_key(sub, path, "number_penalty");
    if (cJSON_IsNumber(pen) && pen->valuedouble != 0 && !cJSON_IsTrue(get(stage, "stepwise")))
        recipe_issue_add(is, sub, "needs \"stepwise\": true");
}

/* One stage's own fields; returns its type, or -1. */
static int check_stage_fields(cJSON *stage, const char *path, recipe_issues *is)
{
    if (!cJSON_IsObject(stage)) {
        recipe_issue_add(is, path, "expected an object, got %s", recipe_json_type(stage));
        return -1;
    }
    char sub[RECIPE_PATH_LEN];
    recipe_path_key(sub, path, "type");
    const cJSON *type = get(stage, "type");
    int t = recipe_choice_index(type, recipe_stage_type_names);
    if (!type) recipe_issue_add(is, sub, "required field is missing");
    else if (t < 0 && !cJSON_IsString(type))
        recipe_issue_add(is, sub, "expected a string, got %s", recipe_json_type(type));
    else if (t < 0)
        recipe_issue_add(is, sub, "expected one of \"synth\", \"verify\", \"shard\", \"distill\", "
                                  "\"refine\", \"eval\", got \"%s\"", type->valuestring);
    if (t < 0) return -1;
    recipe_check_object(stage, &recipe_stage_schemas[t], path, is);
    if (t == RECIPE_STAGE_EVAL) check_eval_fields(stage, path, is);
    if (t != RECIPE_STAGE_DISTILL && t != RECIPE_STAGE_REFINE) return t;
    const cJSON *dropout = get(stage, "dropout");
    recipe_path_key(sub, path, "dropout");
    if (!cJSON_IsNull(dropout) && !cJSON_IsNumber(dropout))
        recipe_issue_add(is, sub, "expected null or a number, got %s", recipe_json_type(dropout));
    else if (cJSON_IsNumber(dropout) && (dropout->valuedouble < 0 || dropout->valuedouble >= 1))
        recipe_issue_add(is, sub, "must be in [0, 1), got %.15g", dropout->valuedouble);
    const cJSON *ws = get(stage, "warmup_steps"), *wr = get(stage, "warmup_ratio");
    if (cJSON_IsNumber(ws) && cJSON_IsNumber(wr) && ws->valuedouble > 0 && wr->valuedouble > 0) {
        recipe_path_key(sub, path, "warmup_ratio");
        recipe_issue_add(is, sub, "give warmup_steps or warmup_ratio, not both");
    }
    return t;
}

/* A refine stage's inject object: the seed defaults to the recipe's, and
 * some kind must weigh something. */
static void check_refine_inject(const cJSON *root, cJSON *stage, const char *path, recipe_issues *is)
{
    cJSON *inject = get(stage, "inject");
    const cJSON *seed = get(root, "seed"), *kinds = get(inject, "kinds");
    if (!cJSON_IsObject(inject)) return;
    if (!get(inject, "seed") && cJSON_IsNumber(seed) && !cJSON_AddNumberToObject(inject, "seed", seed->valuedouble))
        is->out_of_memory = 1;
    double total = 0;
    for (const cJSON *k = cJSON_IsObject(kinds) ? kinds->child : NULL; k; k = k->next)
        total += cJSON_IsNumber(k) && k->valuedouble > 0 ? k->valuedouble : 0;
    char sub[RECIPE_PATH_LEN], kpath[RECIPE_PATH_LEN];
    recipe_path_key(sub, path, "inject");
    recipe_path_key(kpath, sub, "kinds");
    if (cJSON_IsObject(kinds) && !(total > 0)) recipe_issue_add(is, kpath, "at least one kind must weigh > 0");
}

/* What the recipe provides before the stage at hand. */
typedef struct provided {
    int teacher, synth_teacher, shards, init, validation, test;
    int seen[RECIPE_STAGE_TYPE_COUNT]; /* enabled stages so far */
} provided;

static void check_needs(const cJSON *stage, int t, const char *path, const provided *p, recipe_issues *is)
{
    char sub[RECIPE_PATH_LEN];
    const char *name = recipe_stage_type_names[t];
    if (t == RECIPE_STAGE_SYNTH && !p->synth_teacher)
        recipe_issue_add(is, path, "a synth stage needs data.teacher \"synth\"");
    if (t == RECIPE_STAGE_VERIFY || t == RECIPE_STAGE_SHARD) {
        if (!p->teacher) recipe_issue_add(is, path, "a %s stage needs data.teacher", name);
        else if (p->synth_teacher && !p->seen[RECIPE_STAGE_SYNTH])
            recipe_issue_add(is, path, "data.teacher \"synth\" needs a synth stage before the %s stage", name);
    }
    if (t == RECIPE_STAGE_DISTILL) {
        if (!p->seen[RECIPE_STAGE_SHARD] && !p->shards)
            recipe_issue_add(is, path, "a distill stage needs a shard stage before it or data.shards");
    }
    if (t == RECIPE_STAGE_REFINE) {
        if (!p->seen[RECIPE_STAGE_DISTILL] && !p->init)
            recipe_issue_add(is, path, "a refine stage needs a model: a distill stage before it or model.init");
        if (!p->teacher)
            recipe_issue_add(is, path, "a refine stage needs data.teacher (errors are injected into its programs)");
        else if (p->synth_teacher && !p->seen[RECIPE_STAGE_SYNTH])
            recipe_issue_add(is, path, "data.teacher \"synth\" needs a synth stage before the refine stage");
        if (!p->seen[RECIPE_STAGE_SHARD] && !p->shards)
            recipe_issue_add(is, path, "a refine stage needs the distillation shards (a shard stage or data.shards)");
    }
    if (t == RECIPE_STAGE_DISTILL || t == RECIPE_STAGE_REFINE) {
        const cJSON *patience = get(stage, "patience");
        recipe_path_key(sub, path, "patience");
        if (cJSON_IsNumber(patience) && patience->valuedouble > 0 && !p->validation)
            recipe_issue_add(is, sub, "early stopping needs validation data (data.validation, data.teacher "
                                      "\"synth\" or data.shards); 0 trains without");
    }
    if (t == RECIPE_STAGE_EVAL) {
        if (!p->seen[RECIPE_STAGE_DISTILL] && !p->init)
            recipe_issue_add(is, path, "an eval stage needs a model: a distill stage before it or model.init");
        int split = recipe_choice_index(get(stage, "split"), (const char *const[]){"test", "validation", NULL});
        recipe_path_key(sub, path, "split");
        if (split >= 0 && !(split == 0 ? p->test : p->validation))
            recipe_issue_add(is, sub, "no %s data: set data.%s (or data.teacher \"synth\" or data.shards)",
                             split == 0 ? "test" : "validation", split == 0 ? "test" : "validation");
    }
}

static void check_stages(cJSON *root, recipe_issues *is)
{
    cJSON *stages = get(root, "stages");
    if (!stages) return;
    if (!cJSON_IsArray(stages)) {
        recipe_issue_add(is, "stages", "expected an array, got %s", recipe_json_type(stages));
        return;
    }
    if (!cJSON_GetArraySize(stages)) recipe_issue_add(is, "stages", "must hold at least one stage");
    const cJSON *data = get(root, "data");
    const char *teacher = get_str(data, "teacher");
    provided p = {.teacher = teacher != NULL, .synth_teacher = teacher && !strcmp(teacher, "synth"),
                  .shards = get(data, "shards") != NULL, .init = get(get(root, "model"), "init") != NULL};
    p.validation = p.synth_teacher || p.shards || get(data, "validation");
    p.test = p.synth_teacher || p.shards || get(data, "test");
    int count[RECIPE_STAGE_TYPE_COUNT] = {0}, last = -1, i = 0;
    for (cJSON *stage = stages->child; stage; stage = stage->next, i++) {
        char path[RECIPE_PATH_LEN];
        recipe_path_index(path, "stages", i);
        int t = check_stage_fields(stage, path, is);
        if (t < 0) continue;
        if (t == RECIPE_STAGE_REFINE) check_refine_inject(root, stage, path, is);
        if (t < last)
            recipe_issue_add(is, path, "%s cannot come after %s (the order is synth, verify, shard, distill, "
                             "refine, eval)", recipe_stage_type_names[t], recipe_stage_type_names[last]);
        else if (count[t]++ && t != RECIPE_STAGE_EVAL)
            recipe_issue_add(is, path, "a second %s stage (one per recipe)", recipe_stage_type_names[t]);
        last = t > last ? t : last;
        /* a disabled verify still runs: it keeps every row (the ablation) */
        if (!is_on(stage) && t != RECIPE_STAGE_VERIFY) continue;
        check_needs(stage, t, path, &p, is);
        p.seen[t] = 1;
    }
}

void recipe_check_all(cJSON *root, recipe_issues *is)
{
    if (!cJSON_IsObject(root)) {
        recipe_issue_add(is, "", "expected a JSON object, got %s", recipe_json_type(root));
        return;
    }
    recipe_check_object(root, &recipe_top_schema, "", is);
    check_model(root, is);
    check_tokenizer(root, is);
    check_data(root, is);
    check_output_dir(root, is);
    check_stages(root, is);
}

/* ---- the struct ---- */

static double num(const cJSON *o, const char *key)
{
    return get(o, key)->valuedouble;
}

static int pick(const cJSON *o, const char *key, const char *const *choices)
{
    return recipe_choice_index(get(o, key), choices);
}

static const char *const *choices_of(const recipe_schema *s, const char *key)
{
    return recipe_schema_find(s, key)->choices;
}

static void fill_distill(const cJSON *s, recipe_distill *d)
{
    d->lr = num(s, "lr");
    d->batch_size = (int)num(s, "batch_size");
    d->grad_accum = (int)num(s, "grad_accum");
    d->epochs = (int64_t)num(s, "epochs");
    d->max_steps = (int64_t)num(s, "max_steps");
    d->warmup_steps = (int64_t)num(s, "warmup_steps");
    d->warmup_ratio = num(s, "warmup_ratio");
    d->decay = (pad_decay)pick(s, "decay", choices_of(&recipe_stage_schemas[RECIPE_STAGE_DISTILL], "decay"));
    d->weight_decay = num(s, "weight_decay");
    d->clip = num(s, "clip");
    d->dropout = cJSON_IsNumber(get(s, "dropout")) ? num(s, "dropout") : -1;
    d->label_smoothing = num(s, "label_smoothing");
    d->eval_every = (int64_t)num(s, "eval_every");
    d->patience = (int64_t)num(s, "patience");
    d->checkpoint_every = (int64_t)num(s, "checkpoint_every");
    d->keep_checkpoints = (int)num(s, "keep_checkpoints");
    d->log_every = (int64_t)num(s, "log_every");
}

static void fill_eval_decoding(const cJSON *s, recipe_eval *e)
{
    const recipe_schema *eval = &recipe_stage_schemas[RECIPE_STAGE_EVAL];
    e->format = get_str(s, "format");
    e->beams = (int)num(s, "beams");
    e->num_return = (int)num(s, "num_return");
    e->length_penalty = num(s, "length_penalty");
    e->early_stopping = cJSON_IsTrue(get(s, "early_stopping"));
    e->temperature = num(s, "temperature");
    e->top_p = num(s, "top_p");
    e->seed = (uint64_t)num(s, "seed");
    e->stepwise = cJSON_IsTrue(get(s, "stepwise"));
    e->step_mode = (recipe_step_mode)pick(s, "step_mode", choices_of(eval, "step_mode"));
    e->step_penalty = num(s, "step_penalty");
    e->number_penalty = num(s, "number_penalty");
    e->answer = (recipe_answer)pick(s, "answer", choices_of(eval, "answer"));
    e->refine_rounds = (int)num(s, "refine_rounds");
    e->refine_mode = (recipe_refine_mode)pick(s, "refine_mode", choices_of(eval, "refine_mode"));
}

static void fill_refine(const cJSON *s, recipe_refine *r)
{
    fill_distill(s, &r->train);
    r->rounds = (int)num(s, "rounds");
    r->mix = num(s, "mix");
    r->round_questions = (int64_t)num(s, "round_questions");
    r->max_source_len = (int64_t)num(s, "max_source_len");
    const cJSON *inject = get(s, "inject"), *kinds = get(inject, "kinds");
    r->inject_per_program = (int)num(inject, "per_program");
    r->inject_seed = (uint64_t)num(inject, "seed");
    for (int k = 0; k < INJECT_KIND_COUNT; k++) r->inject_weights[k] = num(kinds, inject_kind_name((inject_kind)k));
}

static void fill_stage(const cJSON *s, int index, recipe_stage *st)
{
    const recipe_schema *eval = &recipe_stage_schemas[RECIPE_STAGE_EVAL];
    st->type = (recipe_stage_type)pick(s, "type", recipe_stage_type_names);
    st->index = index;
    st->enabled = cJSON_IsTrue(get(s, "enabled"));
    switch (st->type) {
    case RECIPE_STAGE_VERIFY:
        st->verify.executor = (exec_engine)pick(s, "executor", choices_of(&recipe_stage_schemas[1], "executor"));
        st->verify.threads = (int)num(s, "threads");
        break;
    case RECIPE_STAGE_SHARD: st->shard.shard_tokens = (int64_t)num(s, "shard_tokens"); break;
    case RECIPE_STAGE_DISTILL: fill_distill(s, &st->distill); break;
    case RECIPE_STAGE_REFINE: fill_refine(s, &st->refine); break;
    case RECIPE_STAGE_EVAL:
        st->eval.split = (recipe_eval_split)pick(s, "split", choices_of(eval, "split"));
        st->eval.decoding = (recipe_decoding)pick(s, "decoding", choices_of(eval, "decoding"));
        st->eval.checkpoint = (recipe_checkpoint)pick(s, "checkpoint", choices_of(eval, "checkpoint"));
        st->eval.max_new_tokens = (int)num(s, "max_new_tokens");
        st->eval.limit = (int64_t)num(s, "limit");
        st->eval.batch_size = (int)num(s, "batch_size");
        st->eval.executor = (exec_engine)pick(s, "executor", choices_of(eval, "executor"));
        fill_eval_decoding(s, &st->eval);
        break;
    default: break;
    }
}

static void fill_data(const cJSON *d, recipe_data *out)
{
    const recipe_schema *ds = recipe_schema_find(&recipe_top_schema, "data")->sub;
    out->teacher = get_str(d, "teacher");
    out->teacher_synth = out->teacher && strcmp(out->teacher, "synth") == 0;
    if (out->teacher_synth) {
        const cJSON *s = get(d, "synth");
        out->synth_seed = (uint64_t)num(s, "seed");
        out->synth_train = (int64_t)num(s, "train");
        out->synth_validation = (int64_t)num(s, "validation");
        out->synth_test = (int64_t)num(s, "test");
    }
    out->validation = get_str(d, "validation");
    out->test = get_str(d, "test");
    out->shards = get_str(d, "shards");
    out->max_source_len = (int64_t)num(d, "max_source_len");
    out->max_target_len = (int64_t)num(d, "max_target_len");
    out->overlong = (shard_overlong)pick(d, "overlong", choices_of(ds, "overlong"));
    out->strip_docstrings = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "strip_docstrings"));
}

static void fill_tokenizer(const cJSON *t, recipe_tokenizer *out)
{
    if (cJSON_IsObject(t)) {
        const cJSON *train = get(t, "train");
        out->kind = RECIPE_TOKENIZER_TRAIN;
        out->vocab_size = (int)num(train, "vocab_size");
        out->min_frequency = (int)num(train, "min_frequency");
        out->digits = pick(train, "digits", choices_of(recipe_tokenizer_object_schema.fields[0].sub, "digits"));
        out->identifiers = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(train, "identifiers"));
    } else if (strcmp(t->valuestring, "bytes") == 0) {
        out->kind = RECIPE_TOKENIZER_BYTES;
    } else {
        out->kind = RECIPE_TOKENIZER_FILE;
        out->path = t->valuestring;
    }
}

pad_status recipe_fill(const cJSON *root, recipe *r, pad_error *err)
{
    r->name = get_str(root, "name");
    r->description = get_str(root, "description");
    r->seed = (uint64_t)num(root, "seed");
    r->device = (recipe_device)pick(root, "device", choices_of(&recipe_top_schema, "device"));
    r->output_dir = get_str(root, "output_dir");
    const cJSON *model = get(root, "model");
    const char *init = get_str(model, "init");
    r->model.init_dir = init ? init + 3 : NULL;
    if (!init) {
        pad_status st = parse_config(get(model, "config"), model_arch(model), &r->model.config, err);
        if (st) return st;
        r->model.vocab_from_tokenizer = get(get(model, "config"), "vocab_size") == NULL;
    }
    fill_tokenizer(get(root, "tokenizer"), &r->tokenizer);
    fill_data(get(root, "data"), &r->data);
    const cJSON *par = get(root, "parallel");
    r->parallel.gpus = (int)num(par, "gpus");
    r->parallel.zero = (int)num(par, "zero");
    r->parallel.overlap = cJSON_IsTrue(get(par, "overlap"));
    const cJSON *stages = get(root, "stages");
    r->stage_count = cJSON_GetArraySize(stages);
    r->stages = calloc((size_t)r->stage_count, sizeof *r->stages);
    if (!r->stages) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *s = stages->child; s; s = s->next, i++) fill_stage(s, i, &r->stages[i]);
    return PAD_OK;
}
