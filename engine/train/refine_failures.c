/* pad refine stage: the model's own failures after a round.  The questions
 * come from the distillation training shards, whose source tokens are
 * exactly what the model was trained on and whose text columns hold the
 * question, the teacher program (as the model's target), the gold and the id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/refine.h"
#include "data/teacher.h"
#include "decode/greedy.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/hdf5_shard.h"
#include "train/refine_internal.h"

typedef struct failure_pass {
    const refine_stage_options *o;
    pad_model *m;
    FILE *out;
    int round;
    refine_round_report *r;
    const hdf5_shard *h;      /* the shard the batch's rows are in */
    int n;                    /* rows in the batch */
    int64_t *rows;            /* [decode_batch] shard rows */
    const int32_t **src;      /* [decode_batch] their source tokens, inside h */
    int *src_len, *gen_len;
    int32_t *gen;             /* [decode_batch * max_new_tokens] */
} failure_pass;

/* picked[i] = 1 for the round's questions: round_questions of `total` drawn
 * without replacement, all of them when 0 or more than there are. */
static pad_status pick_questions(const refine_stage_options *o, int round, int64_t total, unsigned char **picked,
                                 pad_error *err)
{
    *picked = calloc((size_t)(total ? total : 1), 1);
    if (!*picked) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    if (o->round_questions <= 0 || o->round_questions >= total) {
        memset(*picked, 1, (size_t)total);
        return PAD_OK;
    }
    if (total > UINT32_MAX) return pad_error_set(err, PAD_ERR_UNSUPPORTED, "more than 2^32 training questions");
    int64_t *idx = malloc((size_t)total * sizeof *idx);
    if (!idx) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < total; i++) idx[i] = i;
    pad_rng rng;
    pad_rng_init(&rng, o->inject.seed, REFINE_STREAM_QUESTIONS + (uint64_t)round);
    for (int64_t k = 0; k < o->round_questions; k++) {
        int64_t j = k + pad_rng_next_below(&rng, (uint32_t)(total - k)), t = idx[k];
        idx[k] = idx[j];
        idx[j] = t;
        (*picked)[idx[k]] = 1;
    }
    free(idx);
    return PAD_OK;
}

/* A text column's row as a NUL-terminated copy, or NULL. */
static char *text_of(const hdf5_shard *h, hdf5_shard_column c, int64_t row)
{
    int64_t len;
    const char *s = hdf5_shard_text(h, c, row, &len);
    char *out = malloc((size_t)len + 1);
    if (out) {
        memcpy(out, s, (size_t)len);
        out[len] = '\0';
    }
    return out;
}

/* The refine row of a failure: what the model wrote and what running it said. */
static pad_status write_failure(failure_pass *p, int64_t row, const char *program, const char *feedback,
                                pad_error *err)
{
    char *text = NULL, *col[4] = {NULL};
    static const hdf5_shard_column cols[4] = {HDF5_SHARD_QUESTION, HDF5_SHARD_PROGRAM, HDF5_SHARD_ANSWER,
                                              HDF5_SHARD_ID};
    int ok = 1;
    for (int i = 0; i < 4; i++) ok &= (col[i] = text_of(p->h, cols[i], row)) != NULL;
    cJSON *o = ok ? cJSON_CreateObject() : NULL;
    if (o) {
        char id[1200];
        snprintf(id, sizeof id, "%s#round-%d", col[3], p->round);
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "source_id", col[3]);
        cJSON_AddStringToObject(o, "question", col[0]);
        cJSON_AddStringToObject(o, "program", program);
        cJSON_AddStringToObject(o, "feedback", feedback);
        cJSON_AddStringToObject(o, "kind", REFINE_MODEL_KIND);
        cJSON_AddNumberToObject(o, "round", p->round);
        cJSON_AddStringToObject(o, "target", col[1]);
        cJSON_AddStringToObject(o, "num_answer", col[2]);
        text = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    for (int i = 0; i < 4; i++) free(col[i]);
    if (!text) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    fputs(text, p->out);
    fputc('\n', p->out);
    free(text);
    return PAD_OK;
}

/* Byte-level tokens can decode to invalid UTF-8: each byte that starts no
 * valid sequence becomes '?', so the rows stay UTF-8 text for any reader. */
static void make_utf8(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 && *p >= 0xC2 ? 2 : (*p & 0xF0) == 0xE0 ? 3
              : (*p & 0xF8) == 0xF0 && *p <= 0xF4 ? 4 : 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) n = 0;
        if (n) p += n;
        else *p++ = '?';
    }
}

/* Runs one generated program; a wrong value or an error makes a failure row. */
static pad_status judge(failure_pass *p, int64_t row, const int32_t *ids, int len, pad_error *err)
{
    char *program = NULL;
    size_t plen = 0;
    pad_status st = pad_tokenizer_decode(p->o->tok, ids, (size_t)len, 1, &program, &plen, err);
    if (!st) make_utf8(program);
    int64_t alen;
    const char *answer = hdf5_shard_text(p->h, HDF5_SHARD_ANSWER, row, &alen);
    teacher_gold gold;
    if (!st) st = teacher_gold_from_text(answer, (size_t)alen, &gold, err);
    exec_result res;
    if (!st) st = exec_run(EXEC_BUILTIN, program, plen, &p->o->inject.limits, &res, err);
    if (st) {
        free(program);
        return st;
    }
    p->r->decoded++;
    if (!teacher_answer_matches(&res, &gold)) {
        char feedback[320];
        refine_feedback(&res, feedback, sizeof feedback);
        st = write_failure(p, row, program, feedback, err);
        p->r->failures += !st;
    }
    exec_result_free(&res);
    free(program);
    return st;
}

static pad_status flush(failure_pass *p, pad_error *err)
{
    if (!p->n) return PAD_OK;
    greedy_options g;
    greedy_options_default(&g);
    g.max_new_tokens = p->o->max_new_tokens;
    pad_status st = greedy_generate(p->m, p->n, p->src, p->src_len, &g, p->gen, p->gen_len, err);
    for (int i = 0; !st && i < p->n; i++)
        st = judge(p, p->rows[i], p->gen + (size_t)i * (size_t)g.max_new_tokens, p->gen_len[i], err);
    p->n = 0;
    return st;
}

/* The picked rows of one shard, decoded in batches. */
static pad_status pass_shard(failure_pass *p, const char *path, const unsigned char *picked, pad_error *err)
{
    char hash[65];
    pad_tokenizer_hash(p->o->tok, hash);
    hdf5_shard_expect expect = {NULL, hash, pad_tokenizer_vocab_size(p->o->tok)};
    hdf5_shard h;
    pad_status st = hdf5_shard_read(path, &expect, 1, &h, err);
    if (st) return st;
    if (!h.has_text) {
        pad_error_set(err, PAD_ERR_FORMAT, "the shard has no text columns (question, program, answer)");
        st = pad_error_file(err, path);
    }
    p->h = &h;
    for (int64_t i = 0; !st && i < hdf5_shard_rows(&h); i++) {
        if (!picked[i]) continue;
        int64_t len;
        p->src[p->n] = hdf5_shard_tokens(&h, HDF5_SHARD_SOURCE, i, &len);
        p->src_len[p->n] = (int)len;
        p->rows[p->n++] = i;
        if (p->n == p->o->decode_batch) st = flush(p, err);
    }
    if (!st) st = flush(p, err);
    hdf5_shard_free(&h);
    return st;
}

static pad_status pass_alloc(failure_pass *p, pad_error *err)
{
    size_t b = (size_t)p->o->decode_batch;
    p->rows = malloc(b * sizeof *p->rows);
    p->src = malloc(b * sizeof *p->src);
    p->src_len = malloc(b * sizeof *p->src_len);
    p->gen_len = malloc(b * sizeof *p->gen_len);
    p->gen = malloc(b * (size_t)p->o->max_new_tokens * sizeof *p->gen);
    if (p->rows && p->src && p->src_len && p->gen_len && p->gen) return PAD_OK;
    return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
}

static void pass_free(failure_pass *p)
{
    free(p->rows);
    free(p->src);
    free(p->src_len);
    free(p->gen_len);
    free(p->gen);
}

pad_status refine_collect_failures(const refine_stage_options *o, pad_model *m, int round, const char *path,
                                   refine_round_report *r, pad_error *err)
{
    shard_manifest man;
    memset(&man, 0, sizeof man);
    failure_pass p = {.o = o, .m = m, .round = round, .r = r};
    unsigned char *picked = NULL;
    pad_atomic_file out;
    pad_status st = shard_manifest_load(o->questions, &man, err);
    if (!st) st = pick_questions(o, round, man.counts.examples, &picked, err);
    if (!st) st = pass_alloc(&p, err);
    if (!st) st = pad_atomic_open(&out, path, err);
    if (st) goto done;
    p.out = out.fp;
    int64_t base = 0;
    for (int k = 0; !st && k < man.count; base += man.shards[k++].examples) {
        char *shard = pad_path_join(o->questions, man.shards[k].file);
        st = shard ? pass_shard(&p, shard, picked + base, err) : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        free(shard);
    }
    st = st ? (pad_atomic_commit(&out, 1, NULL), st) : pad_atomic_commit(&out, ferror(out.fp), err);
done:
    pass_free(&p);
    free(picked);
    shard_manifest_free(&man);
    return st;
}
