/* Drives the shard format for test_shards_h5py.py:
 *   shard_tool write PATH N SEED   a random shard (kind distill, vocab 1000)
 *   shard_tool dump PATH           reads and validates it, prints it as JSON */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/rng.h"
#include "io/hdf5_shard.h"

#define HASH "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e"

static int write_random(const char *path, int n, uint64_t seed)
{
    static const char *const words[] = {"eggs", "caf\xc3\xa9 \xe2\x82\xac", "", "line\nbreak", "42"};
    hdf5_shard s;
    pad_error err;
    if (hdf5_shard_init(&s, "distill", 1000, HASH, 1, &err)) return 1;
    pad_rng r;
    pad_rng_init(&r, seed, 0);
    int32_t src[64], tgt[64];
    for (int i = 0; i < n; i++) {
        int ls = 1 + (int)pad_rng_next_below(&r, 60), lt = (int)pad_rng_next_below(&r, 64);
        for (int t = 0; t < ls; t++) src[t] = (int32_t)pad_rng_next_below(&r, 1000);
        for (int t = 0; t < lt; t++) tgt[t] = (int32_t)pad_rng_next_below(&r, 1000);
        hdf5_shard_example ex = {src, ls, tgt, lt, {0}};
        for (int c = 0; c < 4; c++) ex.text[c] = words[pad_rng_next_below(&r, 5)];
        if (hdf5_shard_append(&s, &ex, &err)) return 1;
    }
    int rc = hdf5_shard_write(path, &s, &err) != PAD_OK;
    if (rc) fprintf(stderr, "shard_tool: %s\n", err.message);
    hdf5_shard_free(&s);
    return rc;
}

static cJSON *ints(const void *data, int64_t n, int wide)
{
    cJSON *a = cJSON_CreateArray();
    for (int64_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(wide ? (double)((const int64_t *)data)[i]
                                                        : ((const int32_t *)data)[i]));
    return a;
}

static int dump(const char *path)
{
    hdf5_shard s;
    pad_error err;
    if (hdf5_shard_read(path, NULL, 1, &s, &err)) {
        char line[2048];
        pad_error_format(&err, line, sizeof line);
        fprintf(stderr, "shard_tool: %s\n", line);
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", s.kind);
    cJSON_AddNumberToObject(o, "vocab_size", (double)s.vocab_size);
    cJSON_AddStringToObject(o, "tokenizer_hash", s.tokenizer_hash);
    for (int c = 0; c < HDF5_SHARD_COLUMNS; c++) {
        if (c >= HDF5_SHARD_TEXT_FIRST && !s.has_text) continue;
        const hdf5_ragged *r = &s.col[c];
        cJSON *col = cJSON_CreateObject();
        cJSON_AddItemToObject(col, "offsets", ints(r->offsets, r->rows + 1, 1));
        if (c < HDF5_SHARD_TEXT_FIRST) cJSON_AddItemToObject(col, "data", ints(r->data, r->count, 0));
        else {
            cJSON *rows = cJSON_CreateArray();
            for (int64_t i = 0; i < r->rows; i++) {
                int64_t len;
                const char *t = hdf5_shard_text(&s, c, i, &len);
                char *z = strndup(t, (size_t)len);
                cJSON_AddItemToArray(rows, cJSON_CreateString(z));
                free(z);
            }
            cJSON_AddItemToObject(col, "rows", rows);
        }
        cJSON_AddItemToObject(o, hdf5_shard_data_name(c), col);
    }
    char *text = cJSON_PrintUnformatted(o);
    puts(text);
    free(text);
    cJSON_Delete(o);
    hdf5_shard_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "write"))
        return write_random(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "dump")) return dump(argv[2]);
    fprintf(stderr, "usage: shard_tool write PATH N SEED | dump PATH\n");
    return 2;
}
