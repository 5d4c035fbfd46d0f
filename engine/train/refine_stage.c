/* pad refine stage: the rounds (refine_stage.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/fs.h"
#include "io/hf_checkpoint.h"
#include "io/json_file.h"
#include "train/checkpoint.h"
#include "train/refine_internal.h"

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The model a round leaves: its best when it validated, else its last checkpoint. */
static pad_status round_model_dir(const refine_stage_options *o, int round, char out[REFINE_PATH_MAX],
                                  pad_error *err)
{
    refine_round_path(out, o, round, "best");
    if (exists(out)) return PAD_OK;
    char run[REFINE_PATH_MAX], *latest = NULL;
    refine_round_path(run, o, round, NULL);
    pad_status st = pad_checkpoint_find_latest(run, &latest, NULL, err);
    if (!st && !latest) st = pad_error_set(err, PAD_ERR_FORMAT, "refine round %d left no checkpoint in %s", round, run);
    if (!st) snprintf(out, REFINE_PATH_MAX, "%s", latest);
    free(latest);
    return st;
}

/* The model of the runs so far: *m holds round `*held`'s (0: `start`);
 * loads round `want`'s when it differs. */
static pad_status hold_round_model(const refine_stage_options *o, int want, pad_model *start, pad_model **m,
                                   int *held, pad_error *err)
{
    if (*held == want) return PAD_OK;
    char dir[REFINE_PATH_MAX];
    pad_model *next = NULL;
    pad_status st = round_model_dir(o, want, dir, err);
    if (!st) st = hf_checkpoint_load(dir, start->be, &next, err);
    if (st) return st;
    if (*m != start) pad_model_free(*m);
    *m = next;
    *held = want;
    return PAD_OK;
}

/* The recipe's step counts, applied to the round's data size. */
static void round_schedule(const refine_schedule *s, int64_t examples, pad_train_options *t)
{
    int64_t per_step = (int64_t)t->data.batch_size * t->grad_accum;
    int64_t epoch = examples > 0 ? (examples + per_step - 1) / per_step : 1;
    t->total_steps = s->max_steps > 0 ? s->max_steps : s->epochs * epoch;
    t->epochs = (int)s->epochs;
    t->warmup_steps = (int)(s->warmup_steps > 0 ? s->warmup_steps : s->warmup_ratio * (double)t->total_steps);
    t->eval_every = (int)(s->eval_every > 0 ? s->eval_every : epoch);
    t->checkpoint_every = (int)(s->checkpoint_every > 0 ? s->checkpoint_every : t->eval_every);
}

/* The last training loss metrics.jsonl recorded: what a round resumed at its
 * end reports, since it trains no step this time. */
static double logged_loss(const char *run_dir)
{
    char path[REFINE_PATH_MAX + 16], *text = NULL;
    snprintf(path, sizeof path, "%s/metrics.jsonl", run_dir);
    size_t len;
    double loss = NAN;
    if (pad_read_file(path, &text, &len, NULL)) return loss;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        cJSON *j = cJSON_Parse(line);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "loss");
        if (cJSON_IsNumber(v)) loss = v->valuedouble;
        cJSON_Delete(j);
    }
    free(text);
    return loss;
}

static pad_status train_round(const refine_stage_options *o, int round, pad_model *m, const char *val_dir,
                              refine_round_report *r, int *interrupted, pad_error *err)
{
    char run[REFINE_PATH_MAX], shards[REFINE_PATH_MAX];
    refine_round_path(run, o, round, NULL);
    refine_round_path(shards, o, round, "shards");
    pad_train_options t = o->train;
    t.data.dir = shards;
    t.data.kind = "refine";
    t.val_dir = *val_dir ? val_dir : NULL;
    t.save_best = t.val_dir != NULL;
    if (!t.val_dir) t.patience = 0;
    t.run_dir = run;
    round_schedule(&o->schedule, r->examples, &t);
    pad_train_result res;
    pad_status st = pad_train(m, &t, &res, err);
    if (st) return st;
    r->steps = res.steps_done;
    r->last_loss = res.resumed_from >= t.total_steps ? logged_loss(run) : res.last_loss;
    r->best_val_loss = res.best_val_loss;
    *interrupted = res.interrupted;
    return PAD_OK;
}

/* ---- round.json: a complete round's report ---- */

static pad_status save_round(const refine_stage_options *o, int round, const refine_round_report *r,
                             pad_error *err)
{
    char path[REFINE_PATH_MAX];
    refine_round_path(path, o, round, "round.json");
    cJSON *j = cJSON_CreateObject();
    if (!j) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON_AddNumberToObject(j, "round", round);
    cJSON_AddNumberToObject(j, "injected_rows", (double)r->injected_rows);
    cJSON_AddNumberToObject(j, "plain_rows", (double)r->plain_rows);
    cJSON_AddNumberToObject(j, "failure_rows", (double)r->failure_rows);
    cJSON_AddNumberToObject(j, "examples", (double)r->examples);
    cJSON_AddNumberToObject(j, "steps", (double)r->steps);
    cJSON_AddNumberToObject(j, "decoded", (double)r->decoded);
    cJSON_AddNumberToObject(j, "failures", (double)r->failures);
    cJSON_AddNumberToObject(j, "last_loss", r->last_loss);
    if (isfinite(r->best_val_loss)) cJSON_AddNumberToObject(j, "best_val_loss", r->best_val_loss);
    pad_status st = pad_json_save(path, j, err);
    cJSON_Delete(j);
    return st;
}

static double field(const cJSON *j, const char *key, double absent)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : absent;
}

/* 1 when the round is complete, its report read into `r`. */
static int load_round(const refine_stage_options *o, int round, refine_round_report *r)
{
    char path[REFINE_PATH_MAX];
    refine_round_path(path, o, round, "round.json");
    cJSON *j = NULL;
    if (!exists(path) || pad_json_load(path, &j, NULL)) return 0;
    r->injected_rows = (long)field(j, "injected_rows", 0);
    r->plain_rows = (long)field(j, "plain_rows", 0);
    r->failure_rows = (long)field(j, "failure_rows", 0);
    r->examples = (int64_t)field(j, "examples", 0);
    r->steps = (int64_t)field(j, "steps", 0);
    r->decoded = (long)field(j, "decoded", 0);
    r->failures = (long)field(j, "failures", 0);
    r->last_loss = field(j, "last_loss", NAN);
    r->best_val_loss = field(j, "best_val_loss", INFINITY);
    r->done_earlier = 1;
    cJSON_Delete(j);
    return 1;
}

/* ---- the rounds ---- */

/* One round: its rows and shards, training, then (but after the last) the
 * model's failures for the rounds to come. */
static pad_status run_round(const refine_stage_options *o, int round, const char *val_dir, pad_model *start,
                            pad_model **m, int *held, refine_stage_report *rep, pad_error *err)
{
    refine_round_report *r = &rep->round[round - 1];
    pad_status st = hold_round_model(o, round - 1, start, m, held, err);
    if (!st) st = refine_round_data(o, round, r, err);
    if (!st) st = train_round(o, round, *m, val_dir, r, &rep->interrupted, err);
    if (st || rep->interrupted) return st;
    *held = -1; /* trained further than any saved round model */
    if (round < o->rounds) {
        char failures[REFINE_PATH_MAX];
        refine_round_path(failures, o, round, "failures.jsonl");
        st = hold_round_model(o, round, start, m, held, err);
        if (!st) st = refine_collect_failures(o, *m, round, failures, r, err);
    }
    return st ? st : save_round(o, round, r, err);
}

pad_status refine_stage_run(const refine_stage_options *o, pad_model *start, refine_stage_report *rep,
                            pad_error *err)
{
    memset(rep, 0, sizeof *rep);
    rep->final_loss = NAN;
    rep->round = calloc((size_t)o->rounds, sizeof *rep->round);
    if (!rep->round) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    rep->rounds = o->rounds;
    for (int i = 0; i < o->rounds; i++) rep->round[i].last_loss = NAN, rep->round[i].best_val_loss = INFINITY;
    char injected[REFINE_PATH_MAX], val_dir[REFINE_PATH_MAX];
    snprintf(injected, sizeof injected, "%s/injected.jsonl", o->dir);
    pad_status st = pad_mkdir_p(o->dir, err);
    if (!st) st = inject_file(o->train_rows, injected, &o->inject, &rep->inject, err);
    if (!st) st = refine_validation_shards(o, val_dir, err);
    pad_model *m = start;
    int held = 0;
    for (int round = 1; !st && round <= o->rounds && !rep->interrupted; round++)
        if (!load_round(o, round, &rep->round[round - 1]))
            st = run_round(o, round, val_dir, start, &m, &held, rep, err);
    if (!st && !rep->interrupted) {
        snprintf(rep->model_dir, sizeof rep->model_dir, "%s/%s", o->dir, REFINE_FINAL_DIR);
        st = hold_round_model(o, o->rounds, start, &m, &held, err);
        if (!st) st = hf_checkpoint_save(m, rep->model_dir, PAD_F32, err);
        rep->final_loss = rep->round[o->rounds - 1].last_loss;
    }
    if (m != start) pad_model_free(m);
    return st;
}

void refine_stage_report_free(refine_stage_report *rep)
{
    free(rep->round);
    rep->round = NULL;
    rep->rounds = 0;
}
