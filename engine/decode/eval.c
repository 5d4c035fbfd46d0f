#include "decode/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "data/shard_build.h"
#include "decode/greedy.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "io/json_file.h"

void eval_options_default(eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->batch_size = 16;
    o->max_new_tokens = 256;
    o->limit = 0;
    o->max_source_len = 512;
    exec_limits_default(&o->limits);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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
    const char *cls;
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
    case EXEC_UNSUPPORTED:
        r->unsupported++;
        cls = exec_outcome_name(x->outcome);
        break;
    case EXEC_NO_PROGRAM:
        r->no_program++;
        cls = exec_outcome_name(x->outcome);
        break;
    default:
        r->limits++;
        cls = exec_outcome_name(x->outcome);
        break;
    }
    return count_class(r, cls, err);
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

/* ---- examples ---- */

typedef struct eval_example {
    char *id, *question;
    teacher_gold gold;
    int32_t *src;
    int src_len;
} eval_example;

typedef struct eval_set {
    eval_example *ex;
    long count, cap;
} eval_set;

static void eval_set_free(eval_set *s)
{
    for (long i = 0; i < s->count; i++) {
        free(s->ex[i].id);
        free(s->ex[i].question);
        free(s->ex[i].src);
    }
    free(s->ex);
    memset(s, 0, sizeof *s);
}

/* A new zeroed slot at the end, or NULL when out of memory. */
static eval_example *eval_set_push(eval_set *s)
{
    if (s->count == s->cap) {
        long cap = s->cap ? 2 * s->cap : 64;
        eval_example *e = realloc(s->ex, (size_t)cap * sizeof *e);
        if (!e) return NULL;
        s->ex = e;
        s->cap = cap;
    }
    eval_example *e = &s->ex[s->count++];
    memset(e, 0, sizeof *e);
    return e;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The shard builder's source encoding: specials, eos last (appended when
 * the post-processor adds none), truncated to max_len keeping eos. */
static pad_status encode_source(const pad_tokenizer *tok, const char *text, int max_len,
                                eval_example *e, pad_error *err)
{
    size_t n = 0;
    pad_status st = pad_tokenizer_encode(tok, text, strlen(text), 1, &e->src, &n, err);
    if (st) return st;
    int32_t eos = pad_tokenizer_eos_id(tok);
    if (eos >= 0 && (n == 0 || e->src[n - 1] != eos)) {
        int32_t *p = realloc(e->src, (n + 1) * sizeof *p);
        if (!p) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        e->src = p;
        p[n++] = eos;
    }
    if ((long)n > max_len) {
        n = (size_t)max_len;
        if (eos >= 0) e->src[n - 1] = eos;
    }
    if (n == 0) return pad_error_set(err, PAD_ERR_FORMAT, "the question encodes to no tokens");
    e->src_len = (int)n;
    return PAD_OK;
}

static pad_status add_row(eval_set *s, const cJSON *row, long line, const pad_tokenizer *tok,
                          const eval_options *o, pad_error *err)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(row, "question");
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(row, "id");
    if (!cJSON_IsString(q)) return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field 'question'");
    teacher_gold gold;
    pad_status st = teacher_row_gold(row, &gold, err);
    if (st) return st;
    char id[64];
    if (cJSON_IsString(idv)) snprintf(id, sizeof id, "%s", idv->valuestring);
    else if (cJSON_IsNumber(idv)) snprintf(id, sizeof id, "%.17g", idv->valuedouble);
    else snprintf(id, sizeof id, "line-%ld", line);
    eval_example *e = eval_set_push(s);
    if (!e) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    e->gold = gold;
    e->id = dup_n(id, strlen(id));
    e->question = dup_n(q->valuestring, strlen(q->valuestring));
    if (!e->id || !e->question) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    return encode_source(tok, q->valuestring, o->max_source_len, e, err);
}

static int full(const eval_set *s, const eval_options *o) { return o->limit > 0 && s->count >= o->limit; }

static pad_status load_jsonl(const char *path, const pad_tokenizer *tok, const eval_options *o,
                             eval_set *s, pad_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        pad_error_set(err, PAD_ERR_IO, "cannot open the eval data");
        return pad_error_file(err, path);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long number = 0;
    pad_status st = PAD_OK;
    while (!st && !full(s, o) && (len = getline(&line, &cap, f)) >= 0) {
        number++;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        cJSON *row = NULL;
        st = pad_json_parse(line, (size_t)len, &row, err);
        if (!st && !cJSON_IsObject(row)) st = pad_error_set(err, PAD_ERR_FORMAT, "row is not an object");
        if (!st) st = add_row(s, row, number, tok, o, err);
        cJSON_Delete(row);
        if (st) {
            if (err) err->line = number;
            pad_error_file(err, path);
        }
    }
    free(line);
    fclose(f);
    return st;
}

/* Row i of a read shard: its source tokens and text columns. */
static pad_status add_shard_row(eval_set *s, const hdf5_shard *h, int64_t i, pad_error *err)
{
    int64_t nq, na, ni, ns;
    const char *q = hdf5_shard_text(h, HDF5_SHARD_QUESTION, i, &nq);
    const char *a = hdf5_shard_text(h, HDF5_SHARD_ANSWER, i, &na);
    const char *id = hdf5_shard_text(h, HDF5_SHARD_ID, i, &ni);
    const int32_t *src = hdf5_shard_tokens(h, HDF5_SHARD_SOURCE, i, &ns);
    if (ns < 1) return pad_error_set(err, PAD_ERR_FORMAT, "example %lld has no source tokens", (long long)i);
    eval_example *e = eval_set_push(s);
    if (!e) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    e->id = dup_n(id, (size_t)ni);
    e->question = dup_n(q, (size_t)nq);
    e->src = malloc((size_t)ns * sizeof *e->src);
    if (!e->id || !e->question || !e->src) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    memcpy(e->src, src, (size_t)ns * sizeof *src);
    e->src_len = (int)ns;
    pad_status st = teacher_gold_from_text(a, (size_t)na, &e->gold, err);
    if (st) pad_error_set(err, PAD_ERR_FORMAT, "example %lld (id %s) has no usable gold answer",
                          (long long)i, e->id);
    return st;
}

static pad_status load_shards(const char *dir, const pad_tokenizer *tok, const eval_options *o,
                              eval_set *s, pad_error *err)
{
    shard_manifest man;
    pad_status st = shard_manifest_load(dir, &man, err);
    if (st) return st;
    char hash[65];
    pad_tokenizer_hash(tok, hash);
    hdf5_shard_expect expect = {NULL, hash, pad_tokenizer_vocab_size(tok)};
    for (int k = 0; !st && k < man.count && !full(s, o); k++) {
        char *path = pad_path_join(dir, man.shards[k].file);
        hdf5_shard h;
        memset(&h, 0, sizeof h);
        st = path ? hdf5_shard_read(path, &expect, 1, &h, err)
                  : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        if (!st && !h.has_text)
            st = pad_error_set(err, PAD_ERR_FORMAT, "the shard has no text columns (question, answer)");
        for (int64_t i = 0; !st && i < hdf5_shard_rows(&h) && !full(s, o); i++)
            st = add_shard_row(s, &h, i, err);
        if (st && path) pad_error_file(err, path);
        hdf5_shard_free(&h);
        free(path);
    }
    shard_manifest_free(&man);
    return st;
}

/* ---- decoding ---- */

/* Greedy programs for examples [first, first + n), decoded to text. */
static pad_status decode_batch(pad_model *m, const pad_tokenizer *tok, const eval_set *s,
                               long first, int n, const eval_options *o, char **programs,
                               long *tokens, pad_error *err)
{
    const int32_t **rows = malloc((size_t)n * sizeof *rows);
    int *lens = malloc((size_t)n * sizeof *lens), *out_len = malloc((size_t)n * sizeof *out_len);
    int32_t *out = malloc((size_t)n * o->max_new_tokens * sizeof *out);
    pad_status st = rows && lens && out_len && out ? PAD_OK
                    : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < n; i++) {
        rows[i] = s->ex[first + i].src;
        lens[i] = s->ex[first + i].src_len;
    }
    greedy_options g;
    greedy_options_default(&g);
    g.max_new_tokens = o->max_new_tokens;
    g.eos_id = pad_tokenizer_eos_id(tok);
    if (!st) st = greedy_generate(m, n, rows, lens, &g, out, out_len, err);
    for (int i = 0; !st && i < n; i++) {
        size_t len;
        *tokens += out_len[i];
        st = pad_tokenizer_decode(tok, out + (size_t)i * o->max_new_tokens, (size_t)out_len[i], 1,
                                  &programs[first + i], &len, err);
    }
    free(rows);
    free(lens);
    free(out_len);
    free(out);
    return st;
}

static pad_status decode_all(pad_model *m, const pad_tokenizer *tok, const eval_set *s,
                             const eval_options *o, char **programs, long *tokens,
                             pad_error *err)
{
    int V = m->config.arch == PAD_ARCH_T5 ? m->config.t5.vocab_size : m->config.gpt2.vocab_size;
    if (pad_tokenizer_vocab_size(tok) > V)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "the tokenizer has %d tokens but the model only %d",
                             pad_tokenizer_vocab_size(tok), V);
    pad_status st = PAD_OK;
    for (long first = 0; !st && first < s->count; first += o->batch_size) {
        long left = s->count - first;
        int n = left < o->batch_size ? (int)left : o->batch_size;
        st = decode_batch(m, tok, s, first, n, o, programs, tokens, err);
    }
    return st;
}

/* ---- outputs ---- */

static cJSON *prediction_json(const eval_example *e, const char *program, const exec_result *x,
                              int correct)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "question", e->question);
    cJSON_AddStringToObject(o, "program", program);
    if (x->value_str) cJSON_AddStringToObject(o, "answer", x->value_str);
    else cJSON_AddNullToObject(o, "answer");
    cJSON_AddStringToObject(o, "gold", e->gold.text);
    cJSON_AddStringToObject(o, "outcome", exec_outcome_name(x->outcome));
    cJSON_AddStringToObject(o, "error_type", x->error_type);
    cJSON_AddStringToObject(o, "error_message", x->error_message);
    cJSON_AddBoolToObject(o, "correct", correct);
    return o;
}

static pad_status write_predictions(const char *path, const eval_set *s, char *const *programs,
                                    const eval_report *r, pad_error *err)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    pad_status st = buf ? PAD_OK : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (long i = 0; !st && i < s->count; i++) {
        cJSON *o = prediction_json(&s->ex[i], programs[i], &r->results[i], r->is_correct[i]);
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

static cJSON *summary_json(const eval_report *r, const char *data, const eval_options *o)
{
    cJSON *j = cJSON_CreateObject(), *outcomes = cJSON_CreateObject(), *classes = cJSON_CreateObject();
    double secs = r->decode_seconds > 0 ? r->decode_seconds : 1e-9;
    cJSON_AddStringToObject(j, "data", data);
    cJSON_AddStringToObject(j, "decoding", "greedy");
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
    cJSON_AddNumberToObject(j, "batch_size", o->batch_size);
    cJSON_AddNumberToObject(j, "max_new_tokens", o->max_new_tokens);
    return j;
}

static pad_status write_outputs(const char *out_dir, const char *data, const eval_set *s,
                                char *const *programs, const eval_report *r,
                                const eval_options *o, pad_error *err)
{
    char *pred = pad_path_join(out_dir, EVAL_PREDICTIONS_FILE);
    char *sum = pad_path_join(out_dir, EVAL_SUMMARY_FILE);
    cJSON *j = summary_json(r, data, o);
    pad_status st = pred && sum && j ? pad_mkdir_p(out_dir, err)
                                     : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (!st) st = write_predictions(pred, s, programs, r, err);
    if (!st) st = pad_json_save(sum, j, err); /* last: its presence means the stage finished */
    cJSON_Delete(j);
    free(pred);
    free(sum);
    return st;
}

/* ---- the stage ---- */

static pad_status check_options(const eval_options *o, pad_error *err)
{
    if (o->batch_size < 1) return pad_error_set(err, PAD_ERR_INVALID, "eval: batch size must be >= 1");
    if (o->max_new_tokens < 1) return pad_error_set(err, PAD_ERR_INVALID, "eval: max_new_tokens must be >= 1");
    if (o->max_source_len < 1) return pad_error_set(err, PAD_ERR_INVALID, "eval: max_source_len must be >= 1");
    if (o->limit < 0) return pad_error_set(err, PAD_ERR_INVALID, "eval: limit must be >= 0");
    return PAD_OK;
}

pad_status eval_run(pad_model *m, const pad_tokenizer *tok, const char *data, const char *out_dir,
                    const eval_options *o, eval_report *r, pad_error *err)
{
    memset(r, 0, sizeof *r);
    eval_set s = {0};
    pad_status st = check_options(o, err);
    pad_path_kind kind = pad_path_kind_of(data);
    if (!st && kind == PAD_PATH_DIR) st = load_shards(data, tok, o, &s, err);
    else if (!st) st = load_jsonl(data, tok, o, &s, err);
    char **programs = st ? NULL : calloc((size_t)s.count + 1, sizeof *programs);
    if (!st && !programs) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    long tokens = 0;
    double t0 = now_s();
    if (!st) st = decode_all(m, tok, &s, o, programs, &tokens, err);
    double decode_s = now_s() - t0;
    teacher_gold *golds = st ? NULL : malloc(((size_t)s.count + 1) * sizeof *golds);
    if (!st && !golds) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (long i = 0; !st && i < s.count; i++) golds[i] = s.ex[i].gold;
    if (!st) st = eval_score((int)s.count, (const char *const *)programs, golds, &o->limits, r, err);
    r->generated_tokens = tokens;
    r->decode_seconds = decode_s;
    if (!st) st = write_outputs(out_dir, data, &s, programs, r, o, err);
    for (long i = 0; programs && i < s.count; i++) free(programs[i]);
    free(programs);
    free(golds);
    eval_set_free(&s);
    return st;
}
