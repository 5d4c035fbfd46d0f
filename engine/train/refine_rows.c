/* pad refine stage: the rows of a round and their shards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/rng.h"
#include "data/refine.h"
#include "io/atomic_file.h"
#include "io/fs.h"
#include "io/json_file.h"
#include "train/refine_internal.h"

void refine_round_path(char out[REFINE_PATH_MAX], const refine_stage_options *o, int round, const char *name)
{
    if (name) snprintf(out, REFINE_PATH_MAX, "%s/round-%d/%s", o->dir, round, name);
    else snprintf(out, REFINE_PATH_MAX, "%s/round-%d", o->dir, round);
}

static pad_status open_error(const char *path, pad_error *err)
{
    pad_error_set(err, PAD_ERR_IO, "cannot open: %s", strerror(errno));
    return pad_error_file(err, path);
}

/* Copies a JSONL file of rows the stage wrote; *lines += its rows. */
static pad_status append_file(FILE *out, const char *path, long *lines, pad_error *err)
{
    FILE *in = fopen(path, "rb");
    if (!in) return open_error(path, err);
    char buf[1 << 16];
    size_t n;
    int last = '\n';
    while ((n = fread(buf, 1, sizeof buf, in)) > 0 && fwrite(buf, 1, n, out) == n) {
        for (size_t i = 0; i < n; i++) *lines += buf[i] == '\n';
        last = buf[n - 1];
    }
    if (last != '\n') {
        fputc('\n', out);
        (*lines)++;
    }
    int bad = ferror(in);
    fclose(in);
    if (!bad) return PAD_OK;
    pad_error_set(err, PAD_ERR_IO, "read failed");
    return pad_error_file(err, path);
}

/* A distillation row as a plain refine row: its fields, `kind` "plain" and
 * `target` its code (the shard builder extracts the program from it). */
static pad_status write_plain(FILE *out, const cJSON *row, pad_error *err)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(row, "code");
    if (!cJSON_IsString(code)) return pad_error_set(err, PAD_ERR_FORMAT, "row has no string field 'code'");
    cJSON *o = cJSON_Duplicate(row, 1);
    char *text = NULL;
    if (o) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "kind");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "target");
        if (cJSON_AddStringToObject(o, "kind", REFINE_PLAIN_KIND) &&
            cJSON_AddStringToObject(o, "target", code->valuestring))
            text = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    if (!text) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return PAD_OK;
}

/* The rows of `verified` drawn with probability `share`: row i's draw
 * depends on the seed and i only, so every round mixes in the same rows. */
static pad_status append_plain(FILE *out, const char *verified, double share, uint64_t seed, long *count,
                               pad_error *err)
{
    if (share <= 0) return PAD_OK;
    FILE *in = fopen(verified, "r");
    if (!in) return open_error(verified, err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long number = 0, index = 0;
    pad_status st = PAD_OK;
    while (!st && (len = getline(&line, &cap, in)) >= 0) {
        number++;
        if (strspn(line, " \t\r\n") == (size_t)len) continue;
        if (!(pad_rng_uniform_at(seed, REFINE_STREAM_MIX, (uint64_t)index++) < share)) continue;
        cJSON *row = NULL;
        st = pad_json_parse(line, (size_t)len, &row, err);
        if (!st) st = write_plain(out, row, err);
        *count += !st;
        cJSON_Delete(row);
        if (st && err) {
            err->line = number;
            pad_error_file(err, verified);
        }
    }
    free(line);
    fclose(in);
    return st;
}

/* `sources` (NULL-ended; failures of the rounds before) after the injected
 * rows and the plain rows, written atomically to `path`. */
typedef struct row_sources {
    const char *injected, *plain;
    double share;
    long *injected_rows, *plain_rows, *other_rows;
} row_sources;

static pad_status write_rows(const refine_stage_options *o, const row_sources *s, int earlier_rounds,
                             const char *path, pad_error *err)
{
    pad_atomic_file f;
    pad_status st = pad_atomic_open(&f, path, err);
    if (st) return st;
    st = append_file(f.fp, s->injected, s->injected_rows, err);
    if (!st) st = append_plain(f.fp, s->plain, s->share, o->inject.seed, s->plain_rows, err);
    for (int k = 1; !st && k <= earlier_rounds; k++) {
        char failures[REFINE_PATH_MAX];
        refine_round_path(failures, o, k, "failures.jsonl");
        st = append_file(f.fp, failures, s->other_rows, err);
    }
    if (st) {
        pad_atomic_commit(&f, 1, NULL);
        return st;
    }
    return pad_atomic_commit(&f, ferror(f.fp), err);
}

static int is_complete(const char *shard_dir)
{
    char path[REFINE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", shard_dir, SHARD_MANIFEST_FILE);
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Refine shards of `rows` in `dir`, unless complete already. */
static pad_status build_shards(const refine_stage_options *o, const char *rows, const char *dir, int64_t *examples,
                               pad_error *err)
{
    shard_build_options so = o->shard;
    so.kind = "refine";
    shard_manifest man;
    memset(&man, 0, sizeof man);
    pad_status st = is_complete(dir) ? shard_manifest_load(dir, &man, err)
                                     : shard_build(rows, o->tok, dir, &so, &man, err);
    if (!st) *examples = man.counts.examples;
    shard_manifest_free(&man);
    return st;
}

pad_status refine_round_data(const refine_stage_options *o, int round, refine_round_report *r, pad_error *err)
{
    char dir[REFINE_PATH_MAX], rows[REFINE_PATH_MAX], shards[REFINE_PATH_MAX], injected[REFINE_PATH_MAX];
    refine_round_path(dir, o, round, NULL);
    refine_round_path(rows, o, round, "data.jsonl");
    refine_round_path(shards, o, round, "shards");
    snprintf(injected, sizeof injected, "%s/injected.jsonl", o->dir);
    row_sources s = {injected, o->train_rows, o->mix, &r->injected_rows, &r->plain_rows, &r->failure_rows};
    r->injected_rows = r->plain_rows = r->failure_rows = 0;
    pad_status st = pad_mkdir_p(dir, err);
    if (!st) st = write_rows(o, &s, round - 1, rows, err);
    if (!st) st = build_shards(o, rows, shards, &r->examples, err);
    return st;
}

pad_status refine_validation_shards(const refine_stage_options *o, char out[REFINE_PATH_MAX], pad_error *err)
{
    out[0] = '\0';
    if (!o->validation_rows || !*o->validation_rows) return PAD_OK;
    char dir[REFINE_PATH_MAX], rows[REFINE_PATH_MAX], injected[REFINE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/validation", o->dir);
    snprintf(rows, sizeof rows, "%s/validation.jsonl", o->dir);
    snprintf(injected, sizeof injected, "%s/validation.injected.jsonl", o->dir);
    int64_t examples;
    pad_status st = PAD_OK;
    if (!is_complete(dir)) {
        inject_report rep;
        long n[3] = {0};
        row_sources s = {injected, o->validation_rows, 1.0, &n[0], &n[1], &n[2]};
        st = inject_file(o->validation_rows, injected, &o->inject, &rep, err);
        if (!st) st = write_rows(o, &s, 0, rows, err);
    }
    if (!st) st = build_shards(o, rows, dir, &examples, err);
    if (!st) snprintf(out, REFINE_PATH_MAX, "%s", dir);
    return st;
}
