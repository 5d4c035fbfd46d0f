/* pad eval: settings, decoding with beam search, the answer choice, and
 * the stage that ties reading, decoding, scoring and reporting together. */
#include "decode/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/answer.h"
#include "decode/beam.h"
#include "decode/eval_internal.h"
#include "decode/stepwise.h"

static const char *const decoding_names[EVAL_DECODING_COUNT] = {"greedy", "beam", "sample"};
static const char *const step_mode_names[EVAL_STEP_MODE_COUNT] = {"drop", "penalty"};
static const char *const answer_names[EVAL_ANSWER_COUNT] = {"best", "vote"};

const char *eval_decoding_name(eval_decoding d)
{
    return d >= 0 && d < EVAL_DECODING_COUNT ? decoding_names[d] : "?";
}

const char *eval_step_mode_name(eval_step_mode m)
{
    return m >= 0 && m < EVAL_STEP_MODE_COUNT ? step_mode_names[m] : "?";
}

const char *eval_answer_name(eval_answer a)
{
    return a >= 0 && a < EVAL_ANSWER_COUNT ? answer_names[a] : "?";
}

void eval_options_default(eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->batch_size = 16;
    o->max_new_tokens = 256;
    o->limit = 0;
    o->max_source_len = 512;
    o->format = EVAL_FORMAT_AUTO;
    exec_limits_default(&o->limits);
    o->decoding = EVAL_GREEDY;
    o->beams = 1;
    o->num_return = 1;
    o->length_penalty = 1.0;
    o->early_stopping = 0;
    o->temperature = 1.0;
    o->top_p = 1.0;
    o->seed = 0;
    o->stepwise = 0;
    o->step_mode = EVAL_STEP_DROP;
    o->step_penalty = -5.0;
    o->number_penalty = 0.0;
    o->answer = EVAL_ANSWER_BEST;
    o->refine_rounds = 0;
    o->refine_mode = REFINE_MODE_FAILED;
    o->refine_max_source_len = 0;
}

#define BAD(...) pad_error_set(err, PAD_ERR_INVALID, "eval: " __VA_ARGS__)

static pad_status check_sizes(const eval_options *o, pad_error *err)
{
    if (o->batch_size < 1) return BAD("batch_size must be >= 1, got %d", o->batch_size);
    if (o->max_new_tokens < 1) return BAD("max_new_tokens must be >= 1, got %d", o->max_new_tokens);
    if (o->max_source_len < 1) return BAD("max_source_len must be >= 1, got %d", o->max_source_len);
    if (o->limit < 0) return BAD("limit must be >= 0, got %ld", o->limit);
    if (o->format < 0 || o->format >= EVAL_FORMAT_COUNT) return BAD("unknown data format %d", (int)o->format);
    return PAD_OK;
}

pad_status eval_options_check(const eval_options *o, pad_error *err)
{
    pad_status st = check_sizes(o, err);
    if (st) return st;
    if (o->decoding < 0 || o->decoding >= EVAL_DECODING_COUNT) return BAD("unknown decoding %d", (int)o->decoding);
    if (o->beams < 1) return BAD("beams must be >= 1, got %d", o->beams);
    if (o->decoding != EVAL_BEAM && o->beams != 1)
        return BAD("beams %d needs beam decoding (%s decodes one beam)", o->beams, eval_decoding_name(o->decoding));
    if (o->num_return < 1) return BAD("num_return must be >= 1, got %d", o->num_return);
    if (o->decoding == EVAL_BEAM && o->num_return > o->beams)
        return BAD("num_return %d exceeds beams %d", o->num_return, o->beams);
    if (o->decoding == EVAL_GREEDY && o->num_return != 1)
        return BAD("greedy decoding returns one program, not num_return %d", o->num_return);
    if (!isfinite(o->length_penalty)) return BAD("length_penalty must be a finite number");
    if (!(o->temperature > 0) || !isfinite(o->temperature))
        return BAD("temperature must be > 0, got %g", o->temperature);
    if (!(o->top_p > 0 && o->top_p <= 1)) return BAD("top_p must be in (0, 1], got %g", o->top_p);
    if (o->stepwise && o->decoding == EVAL_SAMPLE) return BAD("stepwise verification needs greedy or beam decoding");
    if (o->step_mode < 0 || o->step_mode >= EVAL_STEP_MODE_COUNT) return BAD("unknown step mode %d", (int)o->step_mode);
    if (!(o->step_penalty <= 0) || !isfinite(o->step_penalty))
        return BAD("step_penalty must be <= 0, got %g", o->step_penalty);
    if (!(o->number_penalty <= 0) || !isfinite(o->number_penalty))
        return BAD("number_penalty must be <= 0, got %g", o->number_penalty);
    if (o->number_penalty != 0 && !o->stepwise) return BAD("number_penalty needs stepwise verification");
    if (o->answer < 0 || o->answer >= EVAL_ANSWER_COUNT) return BAD("unknown answer selection %d", (int)o->answer);
    if (o->refine_rounds < 0) return BAD("refine_rounds must be >= 0, got %d", o->refine_rounds);
    if (o->refine_mode < 0 || o->refine_mode >= REFINE_MODE_COUNT)
        return BAD("unknown refine mode %d", (int)o->refine_mode);
    if (o->refine_max_source_len < 0)
        return BAD("refine_max_source_len must be >= 0, got %d", o->refine_max_source_len);
    return PAD_OK;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- decoding ---- */

/* What every batch shares: the beam settings, and how many times each
 * prompt is repeated (sampling draws num_return programs per question as
 * that many independent rows). */
typedef struct eval_decoder {
    pad_model *m;
    const pad_tokenizer *tok;
    beam_options beam;
    int copies;
    uint8_t *line_end;
    stepwise_scorer *step;  /* NULL: plain beam search */
} eval_decoder;

static void beam_settings(const eval_options *o, const pad_tokenizer *tok, beam_options *b)
{
    beam_options_default(b);
    b->num_beams = o->decoding == EVAL_BEAM ? o->beams : 1;
    b->num_return = o->decoding == EVAL_BEAM ? o->num_return : 1;
    b->max_new_tokens = o->max_new_tokens;
    b->length_penalty = (float)o->length_penalty;
    b->early_stopping = o->early_stopping;
    b->do_sample = o->decoding == EVAL_SAMPLE;
    b->temperature = (float)o->temperature;
    b->top_p = (float)o->top_p;
    b->seed = o->seed;
    b->eos_id = pad_tokenizer_eos_id(tok);
}

static int model_vocab(const pad_model *m)
{
    return m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
}

static int by_score(const void *a, const void *b)
{
    double x = ((const eval_candidate *)a)->score, y = ((const eval_candidate *)b)->score;
    return (x < y) - (x > y);
}

/* Appends row q's hypotheses, decoded to text, to its question's candidates. */
static pad_status add_candidates(const eval_decoder *d, const beam_result *res, int q, eval_choice *c,
                                 pad_error *err)
{
    eval_candidate *more = realloc(c->cand, (size_t)(c->count + res->count[q] + 1) * sizeof *more);
    if (!more) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    c->cand = more;
    for (int h = 0; h < res->count[q]; h++) {
        const beam_hyp *y = &res->hyps[q][h];
        eval_candidate *x = &c->cand[c->count++];
        memset(x, 0, sizeof *x);
        x->score = y->score;
        size_t len;
        pad_status st = pad_tokenizer_decode_text(d->tok, y->tokens, (size_t)y->len, 1, &x->program, &len, err);
        if (st) return st;
    }
    return PAD_OK;
}

/* Tells the step-wise scorer each row's question, for number grounding
 * (examples without one, such as refine prompts, get none). */
static pad_status ground_rows(const eval_decoder *d, const eval_set *s, long first, int rows,
                              pad_error *err)
{
    const char **q = calloc((size_t)rows + 1, sizeof *q);
    if (!q) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int r = 0; r < rows; r++) {
        const char *text = s->ex[first + r / d->copies].question;
        q[r] = text ? text : "";
    }
    pad_status st = stepwise_set_questions(d->step, q, rows, err);
    free(q);
    return st;
}

/* Decodes examples [first, first + n) into their candidates. */
static pad_status decode_batch(const eval_decoder *d, const eval_set *s, long first, int n,
                               eval_choice *choices, long *tokens, pad_error *err)
{
    int rows = n * d->copies;
    const int32_t **src = malloc((size_t)rows * sizeof *src);
    int *lens = malloc((size_t)rows * sizeof *lens);
    beam_result res;
    memset(&res, 0, sizeof res);
    pad_status st = src && lens ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < rows; r++) {
        src[r] = s->ex[first + r / d->copies].src;
        lens[r] = s->ex[first + r / d->copies].src_len;
    }
    if (!st && d->step) st = ground_rows(d, s, first, rows, err);
    beam_options b = d->beam;
    /* each batch its own stream, so that copies of a prompt differ and a
     * batch does not repeat the draws of the one before */
    b.seed = d->beam.seed + (uint64_t)first * 0x9E3779B97F4A7C15ull;
    if (!st) st = beam_generate(d->m, rows, src, lens, &b, &res, err);
    for (int r = 0; !st && r < rows; r++) st = add_candidates(d, &res, r, &choices[first + r / d->copies], err);
    for (int i = 0; !st && d->copies > 1 && i < n; i++) {
        eval_choice *c = &choices[first + i];
        qsort(c->cand, (size_t)c->count, sizeof *c->cand, by_score);
    }
    if (!st) *tokens += res.generated_tokens;
    beam_result_free(&res);
    free(src);
    free(lens);
    return st;
}

static pad_status decode_all(const eval_decoder *d, const eval_set *s, int batch, eval_choice *choices,
                             long *tokens, pad_error *err)
{
    pad_status st = PAD_OK;
    for (long first = 0; !st && first < s->count; first += batch) {
        long left = s->count - first;
        st = decode_batch(d, s, first, left < batch ? (int)left : batch, choices, tokens, err);
    }
    return st;
}

/* ---- the answer choice ---- */

/* The best returned program that runs, or the one most answers agree on
 * (decode/answer.h).  A lone program needs no choice (eval_score runs it). */
static pad_status choose(eval_choice *c, eval_answer how, const exec_limits *lim, pad_error *err)
{
    c->chosen = 0;
    if (c->count < 2) return PAD_OK;
    const char **programs = malloc((size_t)c->count * sizeof *programs);
    float *scores = malloc((size_t)c->count * sizeof *scores);
    pad_status st = programs && scores ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < c->count; k++) {
        programs[k] = c->cand[k].program;
        scores[k] = (float)c->cand[k].score;
    }
    answer_choice a;
    memset(&a, 0, sizeof a);
    if (!st) st = answer_choose(how == EVAL_ANSWER_VOTE ? ANSWER_VOTE : ANSWER_BEST, c->count, programs, scores,
                                lim, &a, err);
    if (!st) {
        c->chosen = a.index;
        c->runnable = a.runnable;
        c->votes = a.votes;
    }
    exec_result_free(&a.result);
    free(programs);
    free(scores);
    return st;
}

/* ---- the stage ---- */

static pad_status decoder_init(eval_decoder *d, pad_model *m, const pad_tokenizer *tok, const eval_options *o,
                               pad_error *err)
{
    memset(d, 0, sizeof *d);
    int V = model_vocab(m);
    if (pad_tokenizer_vocab_size(tok) > V)
        return pad_error_set(err, PAD_ERR_INVALID, "the tokenizer has %d tokens but the model only %d",
                             pad_tokenizer_vocab_size(tok), V);
    d->m = m;
    d->tok = tok;
    d->copies = o->decoding == EVAL_SAMPLE ? o->num_return : 1;
    beam_settings(o, tok, &d->beam);
    if (!o->stepwise) return PAD_OK;
    stepwise_options so;
    stepwise_options_default(&so);
    so.mode = o->step_mode == EVAL_STEP_PENALTY ? STEPWISE_PENALTY : STEPWISE_DROP;
    so.penalty = (float)o->step_penalty;
    so.number_penalty = (float)o->number_penalty;
    so.limits = o->limits;
    pad_status st = stepwise_line_ends(tok, V, &d->line_end, err);
    if (!st) st = stepwise_new(tok, &so, &d->step, err);
    if (!st) {
        d->beam.line_end = d->line_end;
        d->beam.scorer = stepwise_beam_scorer(d->step);
    }
    return st;
}

static void decoder_free(eval_decoder *d)
{
    free(d->line_end);
    stepwise_free(d->step);
    memset(d, 0, sizeof *d);
}

/* Decodes every example and chooses its program; the decoding figures go
 * to r. */
static pad_status decode_and_choose(const eval_decoder *d, const eval_set *s, const eval_options *o,
                                    eval_choice *choices, eval_report *r, pad_error *err)
{
    long tokens = 0;
    double t0 = now_s();
    pad_status st = decode_all(d, s, o->batch_size, choices, &tokens, err);
    r->decode_seconds = now_s() - t0;
    r->generated_tokens = tokens;
    if (d->step) {
        stepwise_stats ss = stepwise_get_stats(d->step);
        r->step_checks = ss.calls;
        r->step_runs = ss.runs;
        r->step_failures = ss.failures;
    }
    for (long i = 0; !st && i < s->count; i++) st = choose(&choices[i], o->answer, &o->limits, err);
    return st;
}

/* ---- refinement ---- */

/* The model as refinement's decoding step: the eval's own decoding (beams,
 * sampling, step-wise, answer choice) on the encoded refine prompts. */
typedef struct refine_model {
    const eval_decoder *d;
    const eval_options *o;
    int max_len;
    uint64_t calls;         /* each call its own sampling stream */
} refine_model;

static pad_status refine_model_decode(void *ctx, int n, const char *const *prompts, char **programs,
                                      long *tokens, pad_error *err)
{
    refine_model *rm = ctx;
    eval_set s;
    memset(&s, 0, sizeof s);
    s.ex = calloc((size_t)n + 1, sizeof *s.ex);
    s.count = s.cap = n;
    eval_choice *choices = calloc((size_t)n + 1, sizeof *choices);
    pad_status st = s.ex && choices ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < n; i++) st = eval_encode_source(rm->d->tok, prompts[i], rm->max_len, &s.ex[i], err);
    eval_decoder d = *rm->d;
    d.beam.seed = rm->d->beam.seed + ++rm->calls * 0xD1B54A32D192ED03ull;
    if (!st) st = decode_batch(&d, &s, 0, n, choices, tokens, err);
    for (int i = 0; !st && i < n; i++) {
        st = choose(&choices[i], rm->o->answer, &rm->o->limits, err);
        const eval_choice *c = &choices[i];
        programs[i] = st ? NULL : strdup(c->count ? c->cand[c->chosen].program : "");
        if (!st && !programs[i]) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    }
    eval_choices_free(choices, n);
    if (!s.ex) s.count = 0;
    eval_set_free(&s);
    return st;
}

/* Refines the scored programs: *before takes r's report, r gets the one of
 * the programs refinement kept. */
static pad_status refine_answers(const eval_decoder *d, const eval_set *s, const eval_options *o,
                                 const char *const *programs, const teacher_gold *golds, eval_report *r,
                                 eval_report *before, refine_trace *traces, pad_error *err)
{
    *before = *r;
    memset(r, 0, sizeof *r);
    long n = s->count;
    const char **questions = calloc((size_t)n + 1, sizeof *questions);
    const char **finals = calloc((size_t)n + 1, sizeof *finals);
    pad_status st = questions && finals ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (long i = 0; !st && i < n; i++) questions[i] = s->ex[i].question ? s->ex[i].question : "";
    refine_model rm = {d, o, o->refine_max_source_len ? o->refine_max_source_len : o->max_source_len, 0};
    refine_decoder dec = {&rm, refine_model_decode};
    refine_infer_options ro = {o->refine_rounds, o->refine_mode, o->batch_size, o->limits};
    refine_stats stats = {0};
    if (!st) st = refine_infer_run(&dec, &ro, n, questions, programs, before->results, before->is_correct, golds,
                                   traces, &stats, err);
    for (long i = 0; !st && i < n; i++)
        finals[i] = traces[i].final ? traces[i].rounds[traces[i].final - 1].program : programs[i];
    if (!st) st = eval_score((int)n, finals, golds, &o->limits, r, err);
    r->refine = stats;
    free(questions);
    free(finals);
    return st;
}

/* The decoding figures of `from` (the first decoding) in `to`. */
static void copy_decoding(eval_report *to, const eval_report *from)
{
    to->generated_tokens = from->generated_tokens;
    to->decode_seconds = from->decode_seconds;
    to->step_checks = from->step_checks;
    to->step_runs = from->step_runs;
    to->step_failures = from->step_failures;
}

pad_status eval_run(pad_model *m, const pad_tokenizer *tok, const char *data, const char *out_dir,
                    const eval_options *o, eval_report *r, pad_error *err)
{
    memset(r, 0, sizeof *r);
    eval_set s;
    memset(&s, 0, sizeof s);
    eval_decoder d;
    memset(&d, 0, sizeof d);
    pad_status st = eval_options_check(o, err);
    if (!st) st = eval_set_load(data, tok, o, &s, err);
    eval_choice *choices = st ? NULL : calloc((size_t)s.count + 1, sizeof *choices);
    const char **programs = st ? NULL : calloc((size_t)s.count + 1, sizeof *programs);
    teacher_gold *golds = st ? NULL : calloc((size_t)s.count + 1, sizeof *golds);
    refine_trace *traces = st ? NULL : calloc((size_t)s.count + 1, sizeof *traces);
    if (!st && (!choices || !programs || !golds || !traces)) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    eval_report dec, before;
    memset(&dec, 0, sizeof dec);
    memset(&before, 0, sizeof before);
    if (!st) st = decoder_init(&d, m, tok, o, err);
    if (!st) st = decode_and_choose(&d, &s, o, choices, &dec, err);
    for (long i = 0; !st && i < s.count; i++) {
        programs[i] = choices[i].count ? choices[i].cand[choices[i].chosen].program : "";
        golds[i] = s.ex[i].gold;
    }
    if (!st) st = eval_score((int)s.count, programs, golds, &o->limits, r, err);
    if (!st && o->refine_rounds > 0)
        st = refine_answers(&d, &s, o, programs, golds, r, &before, traces, err);
    copy_decoding(r, &dec);
    eval_refined refined = {traces, &before};
    if (!st) st = eval_write_outputs(out_dir, data, &s, choices, r, o->refine_rounds > 0 ? &refined : NULL, o, err);
    decoder_free(&d);
    refine_traces_free(traces, s.count);
    free(traces);
    eval_report_free(&before);
    eval_choices_free(choices, s.count);
    free(programs);
    free(golds);
    eval_set_free(&s);
    return st;
}
