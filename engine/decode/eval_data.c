/* pad eval: the examples, read from the usual math-word-problem files
 * (GSM8K, SVAMP, ASDiv, MultiArith; JSONL or a JSON array) or from eval
 * shards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "data/shard_build.h"
#include "decode/eval.h"
#include "decode/eval_internal.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "io/json_file.h"

static const char *const format_names[EVAL_FORMAT_COUNT] = {"auto", "gsm8k", "svamp", "asdiv",
                                                             "multiarith"};

const char *eval_format_name(eval_format f)
{
    return f >= 0 && f < EVAL_FORMAT_COUNT ? format_names[f] : "?";
}

int eval_format_parse(const char *name)
{
    for (int f = 0; f < EVAL_FORMAT_COUNT; f++)
        if (!strcmp(name, format_names[f])) return f;
    return -1;
}

/* ---- the set ---- */

void eval_set_free(eval_set *s)
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

static int full(const eval_set *s, const eval_options *o) { return o->limit > 0 && s->count >= o->limit; }

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
pad_status eval_encode_source(const pad_tokenizer *tok, const char *text, int max_len, eval_example *e,
                              pad_error *err)
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

/* ---- row forms ---- */

/* Where a dataset's original form keeps its parts; question NULL: the
 * format has only the prepared form (question, num_answer/answer, id). */
typedef struct row_form {
    const char *body;       /* prepended to the question with a space; NULL: none */
    const char *question;
    const char *gold;
    const char *id;
    const char *describe;   /* for errors */
} row_form;

static const row_form original_forms[EVAL_FORMAT_COUNT] = {
    [EVAL_FORMAT_GSM8K] = {NULL, NULL, NULL, NULL,
                           "a gsm8k row has question and num_answer or answer (\"... #### N\")"},
    [EVAL_FORMAT_SVAMP] = {"Body", "Question", "Answer", "ID",
                           "a svamp row has question and num_answer, or Body, Question and Answer"},
    [EVAL_FORMAT_ASDIV] = {"Body", "Question", "Answer", "ID",
                           "an asdiv row has question and num_answer, or Body, Question and Answer"},
    [EVAL_FORMAT_MULTIARITH] = {NULL, "sQuestion", "lSolutions", "iIndex",
                                "a multiarith row has question and num_answer, or sQuestion and "
                                "lSolutions"},
};

static const cJSON *field(const cJSON *row, const char *key)
{
    return key ? cJSON_GetObjectItemCaseSensitive(row, key) : NULL;
}

/* The format of a file from its first row, or AUTO when it cannot tell. */
static eval_format detect_format(const cJSON *row)
{
    if (field(row, "sQuestion")) return EVAL_FORMAT_MULTIARITH;
    if (field(row, "Body")) return cJSON_IsNumber(field(row, "Answer")) ? EVAL_FORMAT_SVAMP : EVAL_FORMAT_ASDIV;
    if (!field(row, "question")) return EVAL_FORMAT_AUTO;
    const cJSON *eq = field(row, "equation");
    if (!field(row, "num_answer") || !eq) return EVAL_FORMAT_GSM8K;
    if (cJSON_IsArray(eq)) return EVAL_FORMAT_MULTIARITH;
    if (cJSON_IsString(eq) && strchr(eq->valuestring, '=')) return EVAL_FORMAT_ASDIV;
    return EVAL_FORMAT_SVAMP;
}

static pad_status missing(const char *key, const row_form *form, pad_error *err)
{
    return pad_error_set(err, PAD_ERR_FORMAT, "missing field '%s' (%s)", key, form->describe);
}

/* The gold of an original form's answer: a number, a string such as
 * "9 (apples)" (the unit dropped), or a list whose first item is one. */
static pad_status original_gold(const cJSON *v, const char *key, teacher_gold *g, pad_error *err)
{
    if (cJSON_IsArray(v)) v = cJSON_GetArrayItem(v, 0);
    char text[128];
    if (cJSON_IsNumber(v)) snprintf(text, sizeof text, "%.17g", v->valuedouble);
    else if (cJSON_IsString(v)) {
        snprintf(text, sizeof text, "%s", v->valuestring);
        char *unit = strstr(text, " (");
        if (unit && unit != text) *unit = '\0';
    } else
        return pad_error_set(err, PAD_ERR_FORMAT, "field '%s' holds no number or string answer", key);
    pad_status st = teacher_gold_from_text(text, strlen(text), g, err);
    if (st) pad_error_set(err, PAD_ERR_FORMAT, "field '%s' holds no usable answer", key);
    return st;
}

/* The question text of `row` (malloc'd into *out) and its gold. */
static pad_status read_row(const cJSON *row, eval_format f, char **out, teacher_gold *gold,
                           const cJSON **id, pad_error *err)
{
    const row_form *orig = &original_forms[f];
    if (orig->question && !field(row, "question") && (field(row, orig->question) || field(row, orig->body))) {
        const cJSON *body = field(row, orig->body), *q = field(row, orig->question), *a = field(row, orig->gold);
        if (orig->body && !cJSON_IsString(body)) return missing(orig->body, orig, err);
        if (!cJSON_IsString(q)) return missing(orig->question, orig, err);
        if (!a) return missing(orig->gold, orig, err);
        pad_status st = original_gold(a, orig->gold, gold, err);
        if (st) return st;
        size_t nb = body ? strlen(body->valuestring) : 0, nq = strlen(q->valuestring);
        *out = malloc(nb + nq + 2);
        if (!*out) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        snprintf(*out, nb + nq + 2, "%s%s%s", body ? body->valuestring : "", body ? " " : "", q->valuestring);
        *id = field(row, orig->id);
        return PAD_OK;
    }
    const cJSON *q = field(row, "question");
    if (!cJSON_IsString(q)) return missing("question", orig, err);
    if (!field(row, "num_answer") && !field(row, "answer"))
        return missing(f == EVAL_FORMAT_GSM8K ? "answer" : "num_answer", orig, err);
    pad_status st = teacher_row_gold(row, gold, err);
    if (st) return st;
    *out = dup_n(q->valuestring, strlen(q->valuestring));
    if (!*out) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    *id = field(row, "id");
    return PAD_OK;
}

/* Reads one JSON row; `where` ("line-7", "item-3") is its id when it has none. */
static pad_status add_row(eval_set *s, const cJSON *row, const char *where, const pad_tokenizer *tok,
                          const eval_options *o, pad_error *err)
{
    if (!cJSON_IsObject(row)) return pad_error_set(err, PAD_ERR_FORMAT, "row is not an object");
    if (s->format == EVAL_FORMAT_AUTO) {
        s->format = o->format != EVAL_FORMAT_AUTO ? o->format : detect_format(row);
        if (s->format == EVAL_FORMAT_AUTO)
            return pad_error_set(err, PAD_ERR_FORMAT, "cannot tell the data's format: the first row has "
                                 "no field question, Body or sQuestion (see --format)");
    }
    eval_example *e = eval_set_push(s);
    if (!e) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    const cJSON *idv = NULL;
    pad_status st = read_row(row, s->format, &e->question, &e->gold, &idv, err);
    if (st) return st;
    char id[64];
    if (cJSON_IsString(idv)) snprintf(id, sizeof id, "%s", idv->valuestring);
    else if (cJSON_IsNumber(idv)) snprintf(id, sizeof id, "%.17g", idv->valuedouble);
    else snprintf(id, sizeof id, "%s", where);
    e->id = dup_n(id, strlen(id));
    if (!e->id) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    return tok ? eval_encode_source(tok, e->question, o->max_source_len, e, err) : PAD_OK;
}

/* ---- files ---- */

static pad_status load_jsonl(FILE *f, const char *path, const pad_tokenizer *tok, const eval_options *o,
                             eval_set *s, pad_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long number = 0;
    pad_status st = PAD_OK;
    while (!st && !full(s, o) && (len = getline(&line, &cap, f)) >= 0) {
        number++;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        cJSON *row = NULL;
        char where[32];
        snprintf(where, sizeof where, "line-%ld", number);
        st = pad_json_parse(line, (size_t)len, &row, err);
        if (!st) st = add_row(s, row, where, tok, o, err);
        cJSON_Delete(row);
        if (st) {
            if (err) err->line = number; /* the file's line, not one inside the row's text */
            pad_error_file(err, path);
        }
    }
    free(line);
    return st;
}

/* "[i]" in front of the error's JSON path, so that it names the item. */
static void locate_item(pad_error *err, long i)
{
    if (!err) return;
    char p[sizeof err->json_path + 32];
    snprintf(p, sizeof p, "[%ld]%s%s", i, err->json_path[0] ? "." : "", err->json_path);
    snprintf(err->json_path, sizeof err->json_path, "%.*s", (int)sizeof err->json_path - 1, p);
}

static pad_status load_array(const char *path, const pad_tokenizer *tok, const eval_options *o, eval_set *s,
                             pad_error *err)
{
    cJSON *arr = NULL;
    pad_status st = pad_json_load(path, &arr, err);
    if (!st && !cJSON_IsArray(arr))
        st = pad_error_set(err, PAD_ERR_FORMAT, "expected a JSON array of rows or JSON lines");
    long i = 0;
    for (const cJSON *row = st ? NULL : arr->child; row && !full(s, o); row = row->next, i++) {
        char where[32];
        snprintf(where, sizeof where, "item-%ld", i);
        st = add_row(s, row, where, tok, o, err);
        if (st) {
            locate_item(err, i);
            break;
        }
    }
    cJSON_Delete(arr);
    return st ? pad_error_file(err, path) : PAD_OK;
}

/* JSON lines, or one JSON array when the file's first non-blank is '['. */
static pad_status load_json(const char *path, const pad_tokenizer *tok, const eval_options *o, eval_set *s,
                            pad_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        pad_error_set(err, PAD_ERR_IO, "cannot open the eval data");
        return pad_error_file(err, path);
    }
    int c;
    while ((c = fgetc(f)) == ' ' || c == '\t' || c == '\r' || c == '\n') {}
    pad_status st;
    if (c == '[') st = load_array(path, tok, o, s, err);
    else {
        rewind(f);
        st = load_jsonl(f, path, tok, o, s, err);
    }
    fclose(f);
    return st;
}

/* ---- shards ---- */

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
    if (!tok) return pad_error_set(err, PAD_ERR_INVALID, "eval shards are read with their tokenizer");
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

pad_status eval_set_load(const char *data, const pad_tokenizer *tok, const eval_options *o,
                         eval_set *s, pad_error *err)
{
    memset(s, 0, sizeof *s);
    if (o->limit < 0) return pad_error_set(err, PAD_ERR_INVALID, "eval: limit must be >= 0");
    if (o->max_source_len < 1) return pad_error_set(err, PAD_ERR_INVALID, "eval: max_source_len must be >= 1");
    if (pad_path_kind_of(data) == PAD_PATH_DIR) return load_shards(data, tok, o, s, err);
    return load_json(data, tok, o, s, err);
}
