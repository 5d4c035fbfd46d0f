#include "cli/run_pipeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "data/shard_build.h"
#include "data/synth.h"
#include "data/verify.h"
#include "decode/eval.h"
#include "dist/dist.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/hf_checkpoint.h"
#include "io/json_file.h"
#include "io/tokenizer.h"
#include "train/checkpoint.h"
#include "train/progress.h"
#include "train/refine_stage.h"
#include "train/signals.h"
#include "train/trainer.h"

#define PATH_MAX_LEN 1024
#define RUN_DIR_MAX 512 /* leaves room under PATH_MAX_LEN for what goes inside */

/* Where a run keeps what its stages make, under output_dir. */
typedef struct run_ctx {
    const recipe *r;
    pad_backend *be;
    pad_dist *dist;                /* the data-parallel ranks (one without a launcher) */
    pad_tokenizer *tok;
    char dir[RUN_DIR_MAX];
    char teacher[2][PATH_MAX_LEN]; /* train, validation: teacher JSONL */
    char test[PATH_MAX_LEN];       /* eval JSONL */
    char verified[2][PATH_MAX_LEN];/* what the shard stage reads */
    char shards[2][PATH_MAX_LEN];
    run_summary *sum;
} run_ctx;

static const char *const split_names[2] = {"train", "validation"};

static void path_in(char *out, const run_ctx *c, const char *rel)
{
    snprintf(out, PATH_MAX_LEN, "%s/%s", c->dir, rel);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void marker_path(const run_ctx *c, const recipe_stage *s, char *out)
{
    snprintf(out, PATH_MAX_LEN, "%s/stages/%02d-%s.json", c->dir, s->index,
             recipe_stage_type_name(s->type));
}

static pad_status mark_done(const run_ctx *c, const recipe_stage *s, pad_error *err)
{
    char path[PATH_MAX_LEN], text[256];
    marker_path(c, s, path);
    int n = snprintf(text, sizeof text, "{\"stage\": \"%s\", \"recipe_hash\": \"%s\"}\n",
                     recipe_stage_type_name(s->type), c->r->hash);
    return pad_atomic_write(path, text, (size_t)n, err);
}

/* The files each stage reads follow from the recipe: synth output replaces
 * data.teacher, verified output replaces the teacher files. */
static void plan_paths(run_ctx *c)
{
    const recipe_data *d = &c->r->data;
    for (int i = 0; i < 2; i++) {
        if (d->teacher_synth) {
            snprintf(c->teacher[i], PATH_MAX_LEN, "%s/data/synth/%s.jsonl", c->dir, split_names[i]);
        } else {
            const char *src = i == 0 ? d->teacher : d->validation;
            snprintf(c->teacher[i], PATH_MAX_LEN, "%s", src ? src : "");
        }
        const recipe_stage *v = recipe_find_stage(c->r, RECIPE_STAGE_VERIFY);
        if (v) snprintf(c->verified[i], PATH_MAX_LEN, "%s/data/%s.verified.jsonl", c->dir, split_names[i]);
        else snprintf(c->verified[i], PATH_MAX_LEN, "%s", c->teacher[i]);
        snprintf(c->shards[i], PATH_MAX_LEN, "%s/shards/%s", c->dir, split_names[i]);
    }
    if (d->teacher_synth) snprintf(c->test, PATH_MAX_LEN, "%s/data/synth/test.jsonl", c->dir);
    else snprintf(c->test, PATH_MAX_LEN, "%s", d->test ? d->test : "");
    if (d->shards) snprintf(c->shards[0], PATH_MAX_LEN, "%s", d->shards);
}

static pad_status stage_synth(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    const recipe_data *d = &c->r->data;
    synth_options o = {d->synth_seed, d->synth_train, d->synth_validation, d->synth_test};
    synth_summary sum;
    char dir[PATH_MAX_LEN];
    path_in(dir, c, "data/synth");
    pad_status st = synth_write(dir, &o, &sum, err);
    if (!st) printf("synth: %ld train, %ld validation, %ld test rows in %s\n", sum.rows[0],
                    sum.rows[1], sum.rows[2], dir);
    return st;
}

static void print_verify(const char *split, const verify_stats *vs)
{
    printf("verify %s: kept %ld of %ld teacher rows (%.1f%%); dropped:", split, vs->kept, vs->rows,
           vs->rows ? 100.0 * vs->kept / vs->rows : 0.0);
    for (int k = 0; k < vs->class_count; k++)
        if (vs->classes[k].count && strcmp(vs->classes[k].name, "correct") != 0)
            printf(" %s %ld", vs->classes[k].name, vs->classes[k].count);
    printf("\n");
}

static pad_status stage_verify(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    for (int i = 0; i < 2; i++) {
        if (!c->teacher[i][0]) continue;
        if (!s->enabled) { /* the ablation: every teacher row goes on */
            printf("verify %s: off, every teacher row kept\n", split_names[i]);
            snprintf(c->verified[i], PATH_MAX_LEN, "%s", c->teacher[i]);
            continue;
        }
        char report[PATH_MAX_LEN];
        snprintf(report, sizeof report, "%s/data/%s.verify_report.json", c->dir, split_names[i]);
        verify_options o;
        verify_options_default(&o);
        o.engine = s->verify.executor;
        o.threads = s->verify.threads;
        verify_stats vs;
        memset(&vs, 0, sizeof vs);
        pad_status st = verify_file(c->teacher[i], c->verified[i], report, &o, &vs, err);
        if (!st) {
            print_verify(split_names[i], &vs);
            if (i == 0) {
                c->sum->teacher_rows = vs.rows;
                c->sum->kept_rows = vs.kept;
            }
        }
        verify_stats_free(&vs);
        if (st) return st;
    }
    return PAD_OK;
}

/* Feeds each row's question and code of a teacher JSONL to the tokenizer
 * trainer, one document a row. */
static pad_status feed_teacher(pad_tokenizer_trainer *tr, const char *path, pad_error *err)
{
    size_t len;
    char *text;
    pad_status st = pad_read_file(path, &text, &len, err);
    for (char *line = text, *next; !st && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        cJSON *row = cJSON_Parse(line);
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(row, "question");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(row, "code");
        if (cJSON_IsString(q)) st = pad_tokenizer_trainer_feed(tr, q->valuestring, strlen(q->valuestring), err);
        if (!st && cJSON_IsString(code))
            st = pad_tokenizer_trainer_feed(tr, code->valuestring, strlen(code->valuestring), err);
        cJSON_Delete(row);
    }
    free(text);
    return st;
}

/* The recipe's tokenizer: a file, the bytes, or one trained on the
 * training teacher rows and saved as RUN_DIR/tokenizer.json (reused on a
 * rerun, so a resumed run keeps its vocabulary). */
static pad_status open_tokenizer(run_ctx *c, pad_error *err)
{
    if (c->tok) return PAD_OK;
    const recipe_tokenizer *t = &c->r->tokenizer;
    if (t->kind == RECIPE_TOKENIZER_FILE) return pad_tokenizer_load(t->path, &c->tok, err);
    if (t->kind == RECIPE_TOKENIZER_BYTES) return shard_open_tokenizer("bytes", &c->tok, err);
    char path[PATH_MAX_LEN];
    path_in(path, c, "tokenizer.json");
    if (file_exists(path)) return pad_tokenizer_load(path, &c->tok, err);
    static const char *const specials[] = {"<pad>", "</s>", "<unk>", "<s>"};
    pad_tokenizer_train_options o = {t->vocab_size, t->min_frequency, specials, 4, (pad_digits)t->digits,
                                     t->identifiers ? PAD_WORDS_IDENTIFIERS : PAD_WORDS_GPT2};
    pad_tokenizer_trainer *tr = NULL;
    pad_status st = pad_tokenizer_trainer_new(&o, &tr, err);
    if (!st) st = feed_teacher(tr, c->verified[0], err);
    if (!st) st = pad_tokenizer_trainer_finish(tr, &c->tok, err);
    pad_tokenizer_trainer_free(tr);
    if (!st) st = pad_tokenizer_save(c->tok, path, err);
    if (!st) printf("tokenizer: trained %d tokens, saved to %s\n", pad_tokenizer_vocab_size(c->tok), path);
    return st;
}

static pad_status stage_shard(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    pad_status st = open_tokenizer(c, err);
    for (int i = 0; !st && i < 2; i++) {
        if (!c->verified[i][0]) continue;
        shard_build_options o;
        shard_build_options_default(&o);
        o.kind = "distill";
        o.tokenizer_name = c->r->tokenizer.kind == RECIPE_TOKENIZER_BYTES ? "bytes" : "recipe";
        o.shard_tokens = s->shard.shard_tokens;
        o.max_source_len = c->r->data.max_source_len;
        o.max_target_len = c->r->data.max_target_len;
        o.overlong = c->r->data.overlong;
        o.strip_docstrings = c->r->data.strip_docstrings;
        shard_manifest man;
        memset(&man, 0, sizeof man);
        st = shard_build(c->verified[i], c->tok, c->shards[i], &o, &man, err);
        if (!st)
            printf("shard %s: %lld examples, %lld + %lld tokens, %lld truncated, %lld without a program\n",
                   split_names[i], (long long)man.counts.examples, (long long)man.counts.source_tokens,
                   (long long)man.counts.target_tokens,
                   (long long)(man.counts.truncated_source + man.counts.truncated_target),
                   (long long)man.counts.dropped_no_program);
        shard_manifest_free(&man);
    }
    return st;
}

/* A model from the recipe: imported weights, or a fresh one sized by the
 * recipe with the tokenizer's vocabulary and special ids. */
static pad_status make_model(run_ctx *c, pad_model **out, pad_error *err)
{
    const recipe_model *rm = &c->r->model;
    if (rm->init_dir) return hf_checkpoint_load(rm->init_dir, c->be, out, err);
    pad_model_config cfg = rm->config;
    int vocab = pad_tokenizer_vocab_size(c->tok);
    int32_t pad_id = pad_tokenizer_pad_id(c->tok), eos = pad_tokenizer_eos_id(c->tok);
    if (cfg.arch == PAD_ARCH_T5) {
        if (rm->vocab_from_tokenizer) cfg.t5.vocab_size = vocab;
        if (pad_id >= 0) cfg.t5.pad_token_id = cfg.t5.decoder_start_token_id = pad_id;
        if (eos >= 0) cfg.t5.eos_token_id = eos;
    } else {
        if (rm->vocab_from_tokenizer) cfg.gpt2.vocab_size = vocab;
        if (eos >= 0) cfg.gpt2.bos_token_id = cfg.gpt2.eos_token_id = eos;
    }
    pad_status st = pad_model_create(out, &cfg, c->be, err);
    if (!st) st = pad_model_init_random(*out, c->r->seed, err);
    return st;
}

static void set_dropout(pad_model *m, double p)
{
    if (p < 0) return;
    if (m->config.arch == PAD_ARCH_T5) {
        m->config.t5.dropout_rate = (float)p;
    } else {
        m->config.gpt2.resid_pdrop = m->config.gpt2.embd_pdrop = (float)p;
        m->config.gpt2.attn_pdrop = (float)p;
    }
}

static int64_t steps_per_epoch(const run_ctx *c, const recipe_distill *d)
{
    shard_manifest man;
    memset(&man, 0, sizeof man);
    int64_t examples = 0;
    if (!shard_manifest_load(c->shards[0], &man, NULL)) examples = man.counts.examples;
    shard_manifest_free(&man);
    int64_t per_step = (int64_t)d->batch_size * d->grad_accum;
    return examples > 0 ? (examples + per_step - 1) / per_step : 1;
}

static void train_options(const run_ctx *c, const recipe_distill *d, pad_train_options *o)
{
    pad_train_options_default(o);
    pad_loader_config_default(&o->data);
    char hash[65];
    pad_tokenizer_hash(c->tok, hash);
    o->data.dir = c->shards[0];
    o->data.kind = "distill";
    o->data.vocab_size = pad_tokenizer_vocab_size(c->tok);
    o->data.pad_id = pad_tokenizer_pad_id(c->tok) >= 0 ? pad_tokenizer_pad_id(c->tok) : 0;
    o->data.seed = c->r->seed;
    o->data.batch_size = d->batch_size;
    o->val_dir = file_exists(c->shards[1]) ? c->shards[1] : NULL;
    o->total_steps = d->max_steps > 0 ? d->max_steps : d->epochs * steps_per_epoch(c, d);
    o->epochs = (int)d->epochs;
    o->grad_accum = d->grad_accum;
    o->lr = (float)d->lr;
    o->warmup_steps = (int)(d->warmup_steps > 0 ? d->warmup_steps : d->warmup_ratio * o->total_steps);
    o->decay = d->decay;
    o->clip = (float)d->clip;
    o->weight_decay = (float)d->weight_decay;
    o->dropout = 1;
    o->label_smoothing = (float)d->label_smoothing;
    o->seed = c->r->seed;
    o->eval_every = (int)(d->eval_every > 0 ? d->eval_every : steps_per_epoch(c, d));
    o->patience = (int)d->patience;
    o->checkpoint_every = (int)(d->checkpoint_every > 0 ? d->checkpoint_every : o->eval_every);
    o->keep_checkpoints = d->keep_checkpoints;
    o->log_every = (int)d->log_every;
    o->recipe_hash = c->r->hash;
    o->resume = 1;
    o->save_best = o->val_dir != NULL;
    o->gpt2_pad_id = pad_tokenizer_eos_id(c->tok) >= 0 ? pad_tokenizer_eos_id(c->tok) : 0;
}

static pad_status stage_distill(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    pad_status st = open_tokenizer(c, err);
    pad_model *m = NULL;
    if (!st) st = make_model(c, &m, err);
    if (st) return st;
    set_dropout(m, s->distill.dropout);
    printf("distill: %s, %lld parameters, backend %s\n", pad_arch_name(m->config.arch),
           (long long)pad_param_table_count(&m->params), c->be->name);
    char run_dir[PATH_MAX_LEN];
    path_in(run_dir, c, "distill");
    pad_train_options o;
    train_options(c, &s->distill, &o);
    o.run_dir = run_dir;
    pad_progress_printer printer;
    pad_progress_printer_init(&printer, stderr);
    o.progress = pad_progress_print;
    o.progress_ctx = &printer;
    o.dist = c->dist;
    o.zero = c->r->parallel.zero;
    o.overlap = c->r->parallel.overlap;
    pad_train_result res;
    pad_signals_install();
    st = pad_train(m, &o, &res, err);
    pad_signals_uninstall();
    pad_progress_finish(&printer);
    pad_model_free(m);
    if (st) return st;
    c->sum->final_loss = res.last_loss;
    c->sum->best_val_loss = res.best_val_loss;
    c->sum->interrupted = res.interrupted;
    snprintf(c->sum->checkpoint, sizeof c->sum->checkpoint, "%s", res.checkpoint);
    printf("distill: %lld steps%s, last loss %.4f, best validation loss %.4f\n",
           (long long)res.steps_done, res.stopped_early ? " (stopped early)" : "", res.last_loss,
           res.best_val_loss);
    return PAD_OK;
}

/* The model a finished refine stage left, which eval runs instead of the distilled one. */
static int refined_model_dir(const run_ctx *c, char *dir)
{
    path_in(dir, c, "refine/" REFINE_FINAL_DIR);
    return recipe_find_stage(c->r, RECIPE_STAGE_REFINE) && file_exists(dir);
}

/* The model eval runs: the refined one when there is one, else the distilled one (best or last, as the recipe
 * says), else the recipe's imported weights. */
static pad_status eval_model(run_ctx *c, const recipe_eval *e, pad_model **out, pad_error *err)
{
    char dir[PATH_MAX_LEN];
    if (refined_model_dir(c, dir)) return hf_checkpoint_load(dir, c->be, out, err);
    path_in(dir, c, "distill/best");
    if (e->checkpoint == RECIPE_CHECKPOINT_BEST && file_exists(dir))
        return hf_checkpoint_load(dir, c->be, out, err);
    path_in(dir, c, "distill");
    char *latest = NULL;
    int skipped = 0;
    if (recipe_find_stage(c->r, RECIPE_STAGE_DISTILL) &&
        !pad_checkpoint_find_latest(dir, &latest, &skipped, NULL) && latest) {
        pad_status st = hf_checkpoint_load(latest, c->be, out, err);
        free(latest);
        return st;
    }
    free(latest);
    if (c->r->model.init_dir) return hf_checkpoint_load(c->r->model.init_dir, c->be, out, err);
    return pad_error_set(err, PAD_ERR_CONFIG, "eval: no model to evaluate (no distill checkpoint in %s)", dir);
}

/* The eval stage's recipe fields as eval_run's options. */
static void eval_options_from_recipe(const recipe_eval *e, eval_options *o)
{
    eval_options_default(o);
    o->batch_size = e->batch_size;
    o->max_new_tokens = e->max_new_tokens;
    o->limit = (long)e->limit;
    o->format = (eval_format)eval_format_parse(e->format);
    o->decoding = e->decoding == RECIPE_DECODING_BEAM ? EVAL_BEAM
                  : e->decoding == RECIPE_DECODING_SAMPLE ? EVAL_SAMPLE : EVAL_GREEDY;
    o->beams = e->beams;
    o->num_return = e->num_return;
    o->length_penalty = e->length_penalty;
    o->early_stopping = e->early_stopping;
    o->temperature = e->temperature;
    o->top_p = e->top_p;
    o->seed = e->seed;
    o->stepwise = e->stepwise;
    o->step_mode = e->step_mode == RECIPE_STEP_PENALTY ? EVAL_STEP_PENALTY : EVAL_STEP_DROP;
    o->step_penalty = e->step_penalty;
    o->number_penalty = e->number_penalty;
    o->answer = e->answer == RECIPE_ANSWER_VOTE ? EVAL_ANSWER_VOTE : EVAL_ANSWER_BEST;
    o->refine_rounds = e->refine_rounds;
    o->refine_mode = e->refine_mode == RECIPE_REFINE_ALL ? REFINE_MODE_ALL : REFINE_MODE_FAILED;
}

static pad_status stage_eval(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    const char *data = s->eval.split == RECIPE_SPLIT_TEST ? c->test : c->teacher[1];
    if (!data[0]) return pad_error_set(err, PAD_ERR_CONFIG, "eval: the recipe names no %s data",
                                       s->eval.split == RECIPE_SPLIT_TEST ? "test" : "validation");
    pad_status st = open_tokenizer(c, err);
    pad_model *m = NULL;
    if (!st) st = eval_model(c, &s->eval, &m, err);
    if (st) return st;
    eval_options o;
    eval_options_from_recipe(&s->eval, &o);
    o.max_source_len = (int)c->r->data.max_source_len;
    /* refine prompts as long as the refine stage trained on */
    const recipe_stage *refine = recipe_find_stage(c->r, RECIPE_STAGE_REFINE);
    if (refine) o.refine_max_source_len = (int)refine->refine.max_source_len;
    char out[PATH_MAX_LEN];
    path_in(out, c, "eval");
    eval_report rep;
    memset(&rep, 0, sizeof rep);
    st = eval_run(m, c->tok, data, out, &o, &rep, err);
    if (!st) {
        c->sum->accuracy = eval_accuracy(&rep);
        c->sum->executable = eval_executable_rate(&rep);
        c->sum->eval_count = rep.count;
        printf("eval: %ld questions, accuracy %.1f%%, executable %.1f%%; predictions in %s\n",
               rep.count, 100 * c->sum->accuracy, 100 * c->sum->executable, out);
        if (o.refine_rounds > 0)
            printf("eval: refinement (%d rounds, %s): %ld right before, %ld after; %ld repaired, %ld broken\n",
                   o.refine_rounds, refine_mode_name(o.refine_mode), rep.refine.correct_before,
                   rep.refine.correct_after, rep.refine.repaired, rep.refine.broken);
    }
    eval_report_free(&rep);
    pad_model_free(m);
    return st;
}

static void print_refine(const refine_stage_report *rep, const char *dir)
{
    printf("refine: %ld faulty programs injected into %ld of %ld rows:", rep->inject.written, rep->inject.used,
           rep->inject.rows);
    for (int k = 0; k < INJECT_KIND_COUNT; k++)
        printf(" %s %ld", inject_kind_name((inject_kind)k), rep->inject.kinds[k].injected);
    printf("\n");
    for (int i = 0; i < rep->rounds; i++) {
        const refine_round_report *r = &rep->round[i];
        printf("refine round %d: %ld injected + %ld plain + %ld model-failure rows (%lld examples), %lld steps, "
               "last loss %.4f", i + 1, r->injected_rows, r->plain_rows, r->failure_rows, (long long)r->examples,
               (long long)r->steps, r->last_loss);
        if (i + 1 < rep->rounds) printf("; the model failed %ld of %ld questions", r->failures, r->decoded);
        printf("%s\n", r->done_earlier ? " (done earlier)" : "");
    }
    if (!rep->interrupted) printf("refine: final loss %.4f, refined model in %s/%s\n", rep->final_loss, dir, REFINE_FINAL_DIR);
}

/* The refine stage (train/refine_stage.h), from the model eval would load. */
static pad_status stage_refine(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    const recipe_refine *rf = &s->refine;
    const recipe_data *d = &c->r->data;
    const recipe_eval distilled = {.checkpoint = RECIPE_CHECKPOINT_BEST};
    pad_model *m = NULL;
    pad_status st = open_tokenizer(c, err);
    if (!st) st = eval_model(c, &distilled, &m, err);
    if (st) return st;
    set_dropout(m, rf->train.dropout);
    char dir[PATH_MAX_LEN];
    path_in(dir, c, "refine");
    refine_stage_options o = {.dir = dir, .train_rows = c->verified[0], .questions = c->shards[0], .tok = c->tok,
                              .validation_rows = c->teacher[1][0] ? c->verified[1] : NULL,
                              .rounds = rf->rounds, .mix = rf->mix, .round_questions = (long)rf->round_questions,
                              .decode_batch = rf->train.batch_size, .max_new_tokens = (int)d->max_target_len};
    inject_options_default(&o.inject);
    o.inject.seed = rf->inject_seed;
    o.inject.per_program = rf->inject_per_program;
    memcpy(o.inject.weights, rf->inject_weights, sizeof o.inject.weights);
    o.inject.strip_docstrings = d->strip_docstrings;
    shard_build_options_default(&o.shard);
    o.shard.tokenizer_name = c->r->tokenizer.kind == RECIPE_TOKENIZER_BYTES ? "bytes" : "recipe";
    o.shard.max_source_len = rf->max_source_len;
    o.shard.max_target_len = d->max_target_len;
    o.shard.overlong = d->overlong;
    o.shard.strip_docstrings = d->strip_docstrings;
    train_options(c, &rf->train, &o.train);
    const recipe_distill *t = &rf->train;
    o.schedule = (refine_schedule){t->epochs, t->max_steps, t->warmup_steps, t->warmup_ratio, t->eval_every,
                                   t->checkpoint_every};
    pad_progress_printer printer;
    pad_progress_printer_init(&printer, stderr);
    o.train.progress = pad_progress_print;
    o.train.progress_ctx = &printer;
    refine_stage_report rep;
    pad_signals_install();
    st = refine_stage_run(&o, m, &rep, err);
    pad_signals_uninstall();
    pad_progress_finish(&printer);
    pad_model_free(m);
    if (!st) print_refine(&rep, dir);
    c->sum->interrupted = rep.interrupted;
    refine_stage_report_free(&rep);
    return st;
}

static pad_status run_one_stage(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    switch (s->type) {
    case RECIPE_STAGE_SYNTH: return stage_synth(c, s, err);
    case RECIPE_STAGE_VERIFY: return stage_verify(c, s, err);
    case RECIPE_STAGE_SHARD: return stage_shard(c, s, err);
    case RECIPE_STAGE_DISTILL: return stage_distill(c, s, err);
    case RECIPE_STAGE_REFINE: return stage_refine(c, s, err);
    case RECIPE_STAGE_EVAL: return stage_eval(c, s, err);
    default: return pad_error_set(err, PAD_ERR_UNSUPPORTED, "unknown stage");
    }
}

static pad_status run_stage(run_ctx *c, const recipe_stage *s, pad_error *err)
{
    /* with several ranks, distill is the only stage they share: the others
     * (refine included, for now) run on rank 0 while the rest wait for its
     * outcome, as long as it takes */
    if (pad_dist_world(c->dist) > 1 && s->type != RECIPE_STAGE_DISTILL) {
        pad_status st = pad_dist_rank(c->dist) == 0 ? run_one_stage(c, s, err) : PAD_OK;
        return pad_dist_agree_untimed(c->dist, st, recipe_stage_type_name(s->type), err);
    }
    return run_one_stage(c, s, err);
}

/* The ranks the launcher started, checked against the recipe. */
static pad_status start_ranks(run_ctx *c, pad_error *err)
{
    pad_status st = pad_dist_init(0, &c->dist, err);
    if (st) return st;
    int world = pad_dist_world(c->dist), want = c->r->parallel.gpus;
    if (world > 1 && world != want)
        pad_log_warn("launched as %d ranks but parallel.gpus is %d: training with %d", world, want, world);
    else if (world == 1 && want > 1)
        pad_log_warn("parallel.gpus is %d but this is a single process: `pad launch` starts the ranks", want);
    return pad_dist_select_device(c->dist, err);
}

static const char *backend_name(recipe_device d)
{
    return d == RECIPE_DEVICE_CPU ? "cpu" : d == RECIPE_DEVICE_CUDA ? "cuda" : "auto";
}

pad_status run_pipeline(const recipe *r, run_summary *sum, pad_error *err)
{
    memset(sum, 0, sizeof *sum);
    sum->teacher_rows = sum->kept_rows = -1;
    sum->accuracy = sum->executable = -1;
    sum->final_loss = sum->best_val_loss = NAN;
    run_ctx c = {.r = r, .sum = sum};
    const char *paths[] = {r->output_dir, r->data.teacher, r->data.validation, r->data.test, r->data.shards};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (paths[i] && strlen(paths[i]) >= (i ? PATH_MAX_LEN : RUN_DIR_MAX))
            return pad_error_set(err, PAD_ERR_CONFIG, "path too long (%zu bytes): %.60s...",
                                 strlen(paths[i]), paths[i]);
    snprintf(c.dir, sizeof c.dir, "%s", r->output_dir);
    snprintf(sum->run_dir, sizeof sum->run_dir, "%s", r->output_dir);
    plan_paths(&c);
    pad_status st = start_ranks(&c, err);
    if (!st) st = pad_mkdir_p(c.dir, err);
    char stages_dir[PATH_MAX_LEN];
    path_in(stages_dir, &c, "stages");
    if (!st) st = pad_mkdir_p(stages_dir, err);
    if (!st && !(c.be = pad_backend_create(backend_name(r->device), err))) st = err ? err->code : PAD_ERR_BACKEND;
    for (int i = 0; !st && i < r->stage_count && !sum->interrupted; i++) {
        const recipe_stage *s = &r->stages[i];
        char marker[PATH_MAX_LEN];
        marker_path(&c, s, marker);
        if (!s->enabled && s->type != RECIPE_STAGE_VERIFY) continue;
        if (file_exists(marker)) {
            printf("%s: done earlier (%s), skipped\n", recipe_stage_type_name(s->type), marker);
            continue;
        }
        st = run_stage(&c, s, err);
        if (!st && !sum->interrupted && pad_dist_rank(c.dist) == 0) st = mark_done(&c, s, err);
    }
    pad_tokenizer_free(c.tok);
    pad_backend_destroy(c.be);
    pad_dist_free(c.dist);
    return st;
}
