/* pad tests: what the eval tests share (header-only: each test is one
 * executable): synthetic questions as eval JSONL, a tiny random T5 over the
 * byte tokenizer, and readers for eval_run's two output files. */
#ifndef PAD_TEST_EVAL_FIXTURE_H
#define PAD_TEST_EVAL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "data/synth.h"
#include "decode/eval.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "model/model.h"

/* n synthetic test rows of `seed` as eval JSONL (question, code,
 * num_answer, id = id_prefix + index). */
static inline void ev_write_questions(const char *path, uint64_t seed, int n, const char *id_prefix)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; f && i < n; i++) {
        synth_row row;
        pad_error err;
        CHECK(synth_make_row(seed, (uint64_t)i, 0, &row, &err) == PAD_OK);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "question", row.question);
        cJSON_AddStringToObject(o, "code", row.code);
        cJSON_AddNumberToObject(o, "num_answer", row.answer);
        char id[32];
        snprintf(id, sizeof id, "%s%d", id_prefix, i);
        cJSON_AddStringToObject(o, "id", id);
        char *line = cJSON_PrintUnformatted(o);
        fprintf(f, "%s\n", line);
        free(line);
        cJSON_Delete(o);
        synth_row_free(&row);
    }
    if (f) fclose(f);
}

/* A random T5 over the byte tokenizer (256 bytes, <pad>, </s>, <unk>). */
static inline pad_model *ev_tiny_t5(pad_backend *be, uint64_t seed)
{
    pad_model_config c;
    memset(&c, 0, sizeof c);
    c.arch = PAD_ARCH_T5;
    t5_config_defaults(&c.t5);
    t5_config *t = &c.t5;
    t->vocab_size = 259, t->d_model = 16, t->d_kv = 4, t->num_heads = 2, t->d_ff = 32;
    t->num_layers = 1, t->num_decoder_layers = 1;
    t->pad_token_id = 256, t->eos_token_id = 257, t->decoder_start_token_id = 256;
    pad_model *m = NULL;
    pad_error err;
    CHECK(pad_model_create(&m, &c, be, &err) == PAD_OK);
    CHECK(pad_model_init_random(m, seed, &err) == PAD_OK);
    return m;
}

/* DIR/predictions.jsonl as an array of its rows. */
static inline cJSON *ev_read_predictions(const char *dir)
{
    char *path = pad_path_join(dir, EVAL_PREDICTIONS_FILE), *text = NULL;
    size_t len;
    pad_error err;
    CHECK(pad_read_file(path, &text, &len, &err) == PAD_OK);
    cJSON *rows = cJSON_CreateArray();
    for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n"))
        cJSON_AddItemToArray(rows, cJSON_Parse(line));
    free(text);
    free(path);
    return rows;
}

static inline cJSON *ev_read_summary(const char *dir)
{
    char *path = pad_path_join(dir, EVAL_SUMMARY_FILE);
    cJSON *s = NULL;
    pad_error err;
    CHECK(pad_json_load(path, &s, &err) == PAD_OK);
    free(path);
    return s;
}

static inline const char *ev_str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static inline double ev_num_of(const cJSON *o, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

#endif
