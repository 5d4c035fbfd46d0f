/* pad eval: scoring programs against golds, and the two output files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "decode/eval_internal.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/json_file.h"

/* ---- the report ---- */

void eval_report_free(eval_report *r)
{
    for (long i = 0; r->results && i < r->count; i++) exec_result_free(&r->results[i]);
    free(r->results);
    free(r->is_correct);
    free(r->classes);
    memset(r, 0, sizeof *r);
}

double eval_accuracy(const eval_report *r)
{
    return r->count ? (double)r->correct / (double)r->count : 0.0;
}

double eval_executable_rate(const eval_report *r)
{
    return r->count ? (double)r->executable / (double)r->count : 0.0;
}

static pad_status count_class(eval_report *r, const char *name, pad_error *err)
{
    for (int i = 0; i < r->class_count; i++)
        if (!strcmp(r->classes[i].name, name)) {
            r->classes[i].count++;
            return PAD_OK;
        }
    eval_class *c = realloc(r->classes, (size_t)(r->class_count + 1) * sizeof *c);
    if (!c) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    r->classes = c;
    eval_class *e = &c[r->class_count++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->count = 1;
    return PAD_OK;
}

/* Files result i under its counters and class. */
static pad_status classify(eval_report *r, long i, const teacher_gold *gold, pad_error *err)
{
    const exec_result *x = &r->results[i];
    const char *cls = exec_outcome_name(x->outcome);
    r->outcomes[x->outcome]++;
    switch (x->outcome) {
    case EXEC_OK:
        r->executable++;
        r->is_correct[i] = teacher_answer_matches(x, gold);
        if (r->is_correct[i]) r->correct++;
        else r->wrong++;
        cls = r->is_correct[i] ? "correct" : "wrong_answer";
        break;
    case EXEC_ERROR:
        r->errors++;
        cls = x->error_type[0] ? x->error_type : "error";
        break;
    case EXEC_UNSUPPORTED: r->unsupported++; break;
    case EXEC_NO_PROGRAM: r->no_program++; break;
    default: r->limits++; break;
    }
    return count_class(r, cls, err);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

pad_status eval_score(int n, const char *const *programs, const teacher_gold *golds,
                      const exec_limits *lim, eval_report *r, pad_error *err)
{
    memset(r, 0, sizeof *r);
    r->results = calloc((size_t)n + 1, sizeof *r->results);
    r->is_correct = calloc((size_t)n + 1, sizeof *r->is_correct);
    if (!r->results || !r->is_correct) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    double t0 = now_s();
    pad_status st = PAD_OK;
    for (int i = 0; !st && i < n; i++) {
        st = exec_run(EXEC_BUILTIN, programs[i], strlen(programs[i]), lim, &r->results[i], err);
        r->count++; /* counted even on failure, so eval_report_free frees it */
        if (!st) st = classify(r, i, &golds[i], err);
    }
    r->exec_seconds = now_s() - t0;
    return st;
}

void eval_choices_free(eval_choice *c, long n)
{
    for (long i = 0; c && i < n; i++) {
        for (int k = 0; k < c[i].count; k++) {
            free(c[i].cand[k].program);
        }
        free(c[i].cand);
    }
    free(c);
}

/* ---- predictions.jsonl ---- */

static cJSON *candidates_json(const eval_choice *c)
{
    cJSON *list = cJSON_CreateArray();
    for (int k = 0; list && k < c->count; k++) {
        const eval_candidate *x = &c->cand[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "program", x->program);
        cJSON_AddNumberToObject(o, "score", x->score);
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

static void add_answer(cJSON *o, const exec_result *x)
{
    if (x->value_str) cJSON_AddStringToObject(o, "answer", x->value_str);
    else cJSON_AddNullToObject(o, "answer");
}

/* A program's run: program, answer, outcome, error type and message, correct. */
static void add_run(cJSON *o, const char *program, const exec_result *x, int correct, int errors)
{
    cJSON_AddStringToObject(o, "program", program);
    add_answer(o, x);
    cJSON_AddStringToObject(o, "outcome", exec_outcome_name(x->outcome));
    if (errors) {
        cJSON_AddStringToObject(o, "error_type", x->error_type);
        cJSON_AddStringToObject(o, "error_message", x->error_message);
    }
    cJSON_AddBoolToObject(o, "correct", correct);
}

/* Question i's refinement: the program before, each round, the one kept. */
static void add_refinement(cJSON *o, const eval_refined *f, long i, const char *original)
{
    const refine_trace *t = &f->traces[i];
    cJSON *before = cJSON_CreateObject(), *rounds = cJSON_CreateArray();
    add_run(before, original, &f->before->results[i], f->before->is_correct[i], 0);
    for (int k = 0; k < t->count; k++) {
        const refine_round *x = &t->rounds[k];
        cJSON *round = cJSON_CreateObject();
        cJSON_AddStringToObject(round, "feedback", x->feedback);
        add_run(round, x->program, &x->result, x->correct, 1);
        cJSON_AddItemToArray(rounds, round);
    }
    cJSON_AddItemToObject(o, "before", before);
    cJSON_AddItemToObject(o, "refine_rounds", rounds);
    cJSON_AddNumberToObject(o, "final_round", t->final);
}

static cJSON *prediction_json(const eval_example *e, const eval_choice *c, const exec_result *x,
                              int correct, const eval_refined *f, long i)
{
    const char *original = c->count ? c->cand[c->chosen].program : "";
    const refine_trace *t = f ? &f->traces[i] : NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "question", e->question);
    cJSON_AddStringToObject(o, "program", t && t->final ? t->rounds[t->final - 1].program : original);
    add_answer(o, x);
    cJSON_AddStringToObject(o, "gold", e->gold.text);
    cJSON_AddStringToObject(o, "outcome", exec_outcome_name(x->outcome));
    cJSON_AddStringToObject(o, "error_type", x->error_type);
    cJSON_AddStringToObject(o, "error_message", x->error_message);
    cJSON_AddBoolToObject(o, "correct", correct);
    if (f) add_refinement(o, f, i, original);
    if (c->count > 1) {
        cJSON_AddItemToObject(o, "candidates", candidates_json(c));
        cJSON_AddNumberToObject(o, "chosen", c->chosen);
        cJSON_AddNumberToObject(o, "runnable", c->runnable);
        cJSON_AddNumberToObject(o, "votes", c->votes);
    }
    return o;
}

static pad_status write_predictions(const char *path, const eval_set *s, const eval_choice *choices,
                                    const eval_report *r, const eval_refined *f, pad_error *err)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    pad_status st = buf ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (long i = 0; !st && i < s->count; i++) {
        cJSON *o = prediction_json(&s->ex[i], &choices[i], &r->results[i], r->is_correct[i], f, i);
        char *line = o ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        size_t n = line ? strlen(line) : 0;
        if (line && len + n + 1 > cap) {
            while (len + n + 1 > cap) cap *= 2;
            char *b = realloc(buf, cap);
            if (b) buf = b;
            else cap = 0;
        }
        if (!line || !cap) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        else {
            memcpy(buf + len, line, n);
            len += n;
            buf[len++] = '\n';
        }
        free(line);
    }
    if (!st) st = pad_atomic_write(path, buf, len, err);
    free(buf);
    return st;
}

/* ---- summary.json ---- */

static void add_settings(cJSON *j, const eval_options *o, eval_format format)
{
    cJSON_AddStringToObject(j, "format", eval_format_name(format));
    cJSON_AddStringToObject(j, "decoding", eval_decoding_name(o->decoding));
    cJSON_AddNumberToObject(j, "beams", o->decoding == EVAL_BEAM ? o->beams : 1);
    cJSON_AddNumberToObject(j, "num_return", o->num_return);
    cJSON_AddNumberToObject(j, "length_penalty", o->length_penalty);
    cJSON_AddBoolToObject(j, "early_stopping", o->early_stopping);
    cJSON_AddNumberToObject(j, "temperature", o->temperature);
    cJSON_AddNumberToObject(j, "top_p", o->top_p);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddBoolToObject(j, "stepwise", o->stepwise);
    cJSON_AddStringToObject(j, "step_mode", eval_step_mode_name(o->step_mode));
    cJSON_AddNumberToObject(j, "step_penalty", o->step_penalty);
    cJSON_AddNumberToObject(j, "number_penalty", o->number_penalty);
    cJSON_AddStringToObject(j, "answer_selection", eval_answer_name(o->answer));
    cJSON_AddNumberToObject(j, "batch_size", o->batch_size);
    cJSON_AddNumberToObject(j, "max_new_tokens", o->max_new_tokens);
}

static double share(long part, long whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

static cJSON *refine_json(const refine_stats *x, const eval_options *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rounds", o->refine_rounds);
    cJSON_AddStringToObject(j, "mode", refine_mode_name(o->refine_mode));
    cJSON_AddNumberToObject(j, "max_source_len",
                            o->refine_max_source_len ? o->refine_max_source_len : o->max_source_len);
    cJSON_AddNumberToObject(j, "correct_before", (double)x->correct_before);
    cJSON_AddNumberToObject(j, "accuracy_before", share(x->correct_before, x->count));
    cJSON_AddNumberToObject(j, "correct_after", (double)x->correct_after);
    cJSON_AddNumberToObject(j, "accuracy_after", share(x->correct_after, x->count));
    cJSON_AddNumberToObject(j, "repaired", (double)x->repaired);
    cJSON_AddNumberToObject(j, "broken", (double)x->broken);
    cJSON_AddNumberToObject(j, "questions_refined", (double)x->refined);
    cJSON_AddNumberToObject(j, "rounds_run", (double)x->rounds);
    cJSON_AddNumberToObject(j, "generated_tokens", (double)x->generated_tokens);
    cJSON_AddNumberToObject(j, "decode_seconds", x->decode_seconds);
    return j;
}

static cJSON *summary_json(const eval_report *r, const char *data, eval_format format,
                           const eval_options *o)
{
    cJSON *j = cJSON_CreateObject(), *outcomes = cJSON_CreateObject(), *classes = cJSON_CreateObject();
    double secs = r->decode_seconds > 0 ? r->decode_seconds : 1e-9;
    cJSON_AddStringToObject(j, "data", data);
    cJSON_AddNumberToObject(j, "count", (double)r->count);
    cJSON_AddNumberToObject(j, "correct", (double)r->correct);
    cJSON_AddNumberToObject(j, "accuracy", eval_accuracy(r));
    cJSON_AddNumberToObject(j, "executable", (double)r->executable);
    cJSON_AddNumberToObject(j, "executable_rate", eval_executable_rate(r));
    cJSON_AddNumberToObject(j, "wrong_answer", (double)r->wrong);
    cJSON_AddNumberToObject(j, "errors", (double)r->errors);
    cJSON_AddNumberToObject(j, "unsupported", (double)r->unsupported);
    cJSON_AddNumberToObject(j, "limits", (double)r->limits);
    cJSON_AddNumberToObject(j, "no_program", (double)r->no_program);
    for (int k = 0; k < EXEC_OUTCOME_COUNT; k++)
        cJSON_AddNumberToObject(outcomes, exec_outcome_name((exec_outcome)k), (double)r->outcomes[k]);
    cJSON_AddItemToObject(j, "outcomes", outcomes);
    for (int k = 0; k < r->class_count; k++)
        cJSON_AddNumberToObject(classes, r->classes[k].name, (double)r->classes[k].count);
    cJSON_AddItemToObject(j, "classes", classes);
    cJSON_AddNumberToObject(j, "generated_tokens", (double)r->generated_tokens);
    cJSON_AddNumberToObject(j, "decode_seconds", r->decode_seconds);
    cJSON_AddNumberToObject(j, "exec_seconds", r->exec_seconds);
    cJSON_AddNumberToObject(j, "questions_per_s", (double)r->count / secs);
    cJSON_AddNumberToObject(j, "tokens_per_s", (double)r->generated_tokens / secs);
    cJSON_AddNumberToObject(j, "step_checks", (double)r->step_checks);
    cJSON_AddNumberToObject(j, "step_runs", (double)r->step_runs);
    cJSON_AddNumberToObject(j, "step_failures", (double)r->step_failures);
    add_settings(j, o, format);
    if (o->refine_rounds > 0) cJSON_AddItemToObject(j, "refine", refine_json(&r->refine, o));
    return j;
}

pad_status eval_write_outputs(const char *out_dir, const char *data, const eval_set *s,
                              const eval_choice *choices, const eval_report *r,
                              const eval_refined *refined, const eval_options *o, pad_error *err)
{
    char *pred = pad_path_join(out_dir, EVAL_PREDICTIONS_FILE);
    char *sum = pad_path_join(out_dir, EVAL_SUMMARY_FILE);
    cJSON *j = summary_json(r, data, s->format, o);
    pad_status st = pred && sum && j ? pad_mkdir_p(out_dir, err)
                                     : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = write_predictions(pred, s, choices, r, refined, err);
    if (!st) st = pad_json_save(sum, j, err); /* last: its presence means the stage finished */
    cJSON_Delete(j);
    free(pred);
    free(sum);
    return st;
}
