/* pad: the execution scorer for step-wise beam search (see stepwise.h). */
#include "decode/stepwise.h"

#include "decode/numbers.h"

#include <stdlib.h>
#include <string.h>

/* Verdicts kept before the cache starts over; beyond it every entry is a
 * program text, so the bound is on memory, not on correctness. */
#define CACHE_MAX 65536

typedef struct cache_entry {
    char *text;             /* NULL: empty slot */
    uint64_t hash;
    int finished;
    int failed;
} cache_entry;

struct stepwise_scorer {
    const pad_tokenizer *tok;
    stepwise_options o;
    beam_scorer iface;
    stepwise_stats stats;
    cache_entry *slots;
    size_t cap, used;       /* cap: a power of two */
    numbers *questions;     /* per row of the beam search; NULL: no grounding */
    int rows;
};

void stepwise_options_default(stepwise_options *o)
{
    o->mode = STEPWISE_DROP;
    o->penalty = -5.0f;
    o->check_finished = 1;
    exec_limits_default(&o->limits);
    o->number_penalty = 0.0f;
}

pad_status stepwise_mode_parse(const char *s, stepwise_mode *out, pad_error *err)
{
    if (!strcmp(s, "drop")) *out = STEPWISE_DROP;
    else if (!strcmp(s, "penalty")) *out = STEPWISE_PENALTY;
    else return pad_error_set(err, PAD_ERR_INVALID, "step-wise mode \"%s\": expected drop or penalty", s);
    return PAD_OK;
}

static uint64_t text_hash(const char *s, size_t n, int finished)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)finished;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void cache_clear(stepwise_scorer *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->slots[i].text);
    memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->used = 0;
}

/* The slot holding (text, finished) or the empty slot where it belongs. */
static cache_entry *cache_slot(stepwise_scorer *s, const char *text, uint64_t h, int finished)
{
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        cache_entry *e = &s->slots[i];
        if (!e->text || (e->hash == h && e->finished == finished && !strcmp(e->text, text)))
            return e;
    }
}

/* A prefix stopped inside a bracket or string that later lines may close. */
static int unfinished_construct(const exec_result *r)
{
    return !strcmp(r->error_type, "SyntaxError") &&
           (strstr(r->error_message, "never closed") || strstr(r->error_message, "unterminated") ||
            strstr(r->error_message, "unexpected EOF"));
}

static pad_status run_program(stepwise_scorer *s, const char *text, size_t len, int finished,
                              int *failed, pad_error *err)
{
    exec_result r;
    pad_status st = finished ? exec_run(EXEC_BUILTIN, text, len, &s->o.limits, &r, err)
                             : exec_run_prefix(text, len, &s->o.limits, &r, err);
    if (st) return st;
    *failed = r.outcome != EXEC_OK && (finished || !unfinished_construct(&r));
    exec_result_free(&r);
    s->stats.runs++;
    return PAD_OK;
}

/* The verdict on a text, from the cache or by running it. */
static pad_status verdict(stepwise_scorer *s, const char *text, size_t len, int finished,
                          int *failed, pad_error *err)
{
    uint64_t h = text_hash(text, len, finished);
    cache_entry *e = cache_slot(s, text, h, finished);
    if (e->text) {
        *failed = e->failed;
        return PAD_OK;
    }
    pad_status st = run_program(s, text, len, finished, failed, err);
    if (st) return st;
    if (s->used >= CACHE_MAX) {
        cache_clear(s);
        e = cache_slot(s, text, h, finished);
    }
    char *copy = malloc(len + 1);
    if (!copy) return PAD_OK; /* an uncached verdict is still a verdict */
    memcpy(copy, text, len + 1);
    *e = (cache_entry){copy, h, finished, *failed};
    s->used++;
    return PAD_OK;
}

/* numbers_grounding's counts for the literals of text[0..len). */
static pad_status ground_counts(const numbers *question, const char *text, size_t len, int *excess,
                                int *unused, pad_error *err)
{
    numbers lits = {0};
    pad_status st = numbers_in_program(text, len, &lits, err);
    if (!st) numbers_grounding(question, &lits, excess, unused);
    numbers_free(&lits);
    return st;
}

/* One past the last '\n' in text[0..n), or 0. */
static size_t after_last_line(const char *text, size_t n)
{
    while (n > 0 && text[n - 1] != '\n') n--;
    return n;
}

/* The grounding penalties this call adds: for the literals of the lines it
 * is the first to see whole (every line end before the newest token was
 * judged when its token came), and at eos for the unused numbers.  newest:
 * the newest token's length in bytes. */
static pad_status grounding(stepwise_scorer *s, const numbers *question, const char *text, size_t n,
                            size_t newest, int finished, float *adjust, pad_error *err)
{
    size_t before = after_last_line(text, n - newest), upto = finished ? n : after_last_line(text, n);
    int now, then, unused;
    pad_status st = ground_counts(question, text, before, &then, &unused, err);
    if (!st) st = ground_counts(question, text, upto, &now, &unused, err);
    if (st) return st;
    int bad = now - then + (finished ? unused : 0);
    *adjust += s->o.number_penalty * (float)bad;
    return PAD_OK;
}

static pad_status score(void *ctx, int q, const int32_t *tokens, int len, int finished, int *drop,
                        float *adjust, pad_error *err)
{
    stepwise_scorer *s = ctx;
    *drop = 0, *adjust = 0.0f;
    const numbers *question = s->questions && q < s->rows ? &s->questions[q] : NULL;
    if (finished && !s->o.check_finished && !question) return PAD_OK;
    char *text = NULL;
    size_t n = 0;
    pad_status st = pad_tokenizer_decode(s->tok, tokens, (size_t)len, 1, &text, &n, err);
    int failed = 0;
    if (!st && (!finished || s->o.check_finished)) {
        st = verdict(s, text, n, finished, &failed, err);
        if (!st) s->stats.calls++, s->stats.failures += failed;
    }
    if (!st && !failed && question) {
        char *last = NULL;
        size_t newest = 0;
        st = pad_tokenizer_decode(s->tok, &tokens[len - 1], 1, 1, &last, &newest, err);
        free(last);
        if (!st) st = grounding(s, question, text, n, newest, finished, adjust, err);
    }
    free(text);
    if (st) return st;
    if (failed && s->o.mode == STEPWISE_DROP) *drop = 1;
    if (failed && s->o.mode == STEPWISE_PENALTY) *adjust = s->o.penalty;
    return PAD_OK;
}

static void free_questions(stepwise_scorer *s)
{
    for (int i = 0; i < s->rows; i++) numbers_free(&s->questions[i]);
    free(s->questions);
    s->questions = NULL;
    s->rows = 0;
}

pad_status stepwise_set_questions(stepwise_scorer *s, const char *const *questions, int rows,
                                  pad_error *err)
{
    free_questions(s);
    if (!questions || rows <= 0 || s->o.number_penalty == 0.0f) return PAD_OK;
    s->questions = calloc((size_t)rows, sizeof *s->questions);
    if (!s->questions) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    s->rows = rows;
    for (int i = 0; i < rows; i++) {
        pad_status st = numbers_in_question(questions[i], &s->questions[i], err);
        if (st) {
            free_questions(s);
            return st;
        }
    }
    return PAD_OK;
}

pad_status stepwise_new(const pad_tokenizer *tok, const stepwise_options *o,
                        stepwise_scorer **out, pad_error *err)
{
    *out = NULL;
    if (o->mode == STEPWISE_PENALTY && !(o->penalty <= 0.0f))
        return pad_error_set(err, PAD_ERR_INVALID, "step-wise penalty must be <= 0 (got %g)",
                             o->penalty);
    if (!(o->number_penalty <= 0.0f))
        return pad_error_set(err, PAD_ERR_INVALID, "number penalty must be <= 0 (got %g)",
                             o->number_penalty);
    stepwise_scorer *s = calloc(1, sizeof *s);
    size_t cap = 2 * CACHE_MAX; /* the load factor stays at most 1/2 */
    if (s) s->slots = calloc(cap, sizeof *s->slots);
    if (!s || !s->slots) {
        free(s);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for the step-wise scorer");
    }
    s->tok = tok, s->o = *o, s->cap = cap;
    s->iface = (beam_scorer){s, score};
    *out = s;
    return PAD_OK;
}

void stepwise_free(stepwise_scorer *s)
{
    if (!s) return;
    free_questions(s);
    cache_clear(s);
    free(s->slots);
    free(s);
}

const beam_scorer *stepwise_beam_scorer(stepwise_scorer *s)
{
    return &s->iface;
}

stepwise_stats stepwise_get_stats(const stepwise_scorer *s)
{
    return s->stats;
}

pad_status stepwise_line_ends(const pad_tokenizer *tok, int vocab, uint8_t **out, pad_error *err)
{
    *out = calloc((size_t)vocab + 1, 1);
    if (!*out) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    int n = pad_tokenizer_vocab_size(tok);
    for (int32_t id = 0; id < vocab && id < n; id++) {
        char *text = NULL;
        size_t len = 0;
        pad_status st = pad_tokenizer_decode(tok, &id, 1, 1, &text, &len, err);
        if (st) {
            free(*out);
            *out = NULL;
            return st;
        }
        (*out)[id] = memchr(text, '\n', len) != NULL;
        free(text);
    }
    return PAD_OK;
}
