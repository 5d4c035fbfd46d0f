/* pad: HDF5 training shards (docs/SHARDS.md is the layout's reference).
 *
 * A shard holds ragged columns, each a flat array plus int64 offsets (n+1,
 * starting at 0, never decreasing, ending at the array's length):
 *   /source/tokens, /source/offsets          int32 token ids (encoder input)
 *   /target/tokens, /target/offsets          int32 token ids (labels, eos last)
 *   /text/{question,program,answer,id}/bytes, .../offsets   UTF-8 bytes
 * Root attributes: format="pad-shard", version=1, kind, vocab_size,
 * tokenizer_hash.  Offsets rather than HDF5 variable-length types keep the
 * data chunked and compressed (shuffle + deflate) and trivially readable by
 * h5py or any other HDF5 client.
 *
 * The same struct is filled by the writer (append) and by the reader, which
 * validates everything it loads, so a shard in memory is always well formed. */
#ifndef PAD_IO_HDF5_SHARD_H
#define PAD_IO_HDF5_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define HDF5_SHARD_FORMAT "pad-shard"
#define HDF5_SHARD_VERSION 1

typedef enum hdf5_shard_column {
    HDF5_SHARD_SOURCE = 0,
    HDF5_SHARD_TARGET,
    HDF5_SHARD_QUESTION, /* text columns follow the token columns */
    HDF5_SHARD_PROGRAM,
    HDF5_SHARD_ANSWER,
    HDF5_SHARD_ID,
    HDF5_SHARD_COLUMNS
} hdf5_shard_column;
#define HDF5_SHARD_TEXT_FIRST HDF5_SHARD_QUESTION

/* One ragged column: rows + 1 offsets into `count` elements of data. */
typedef struct hdf5_ragged {
    void *data;       /* int32_t for token columns, char for text columns */
    int64_t *offsets; /* rows + 1 */
    int64_t rows, count;
    int64_t cap_rows, cap_count;
} hdf5_ragged;

typedef struct hdf5_shard {
    char kind[16];          /* "distill", "refine" or "eval" */
    int64_t vocab_size;
    char tokenizer_hash[65];
    int has_text;           /* text columns present (written or read) */
    hdf5_ragged col[HDF5_SHARD_COLUMNS];
} hdf5_shard;

/* One example to append; text pointers may be NULL when has_text is 0. */
typedef struct hdf5_shard_example {
    const int32_t *source;
    int64_t source_len;
    const int32_t *target;
    int64_t target_len;
    const char *text[HDF5_SHARD_COLUMNS - HDF5_SHARD_TEXT_FIRST]; /* question..id */
} hdf5_shard_example;

/* What a reader insists on; NULL / 0 fields are not checked. */
typedef struct hdf5_shard_expect {
    const char *kind;
    const char *tokenizer_hash;
    int64_t vocab_size;
} hdf5_shard_expect;

/* An empty shard with its metadata ("kind" must be distill, refine or eval). */
pad_status hdf5_shard_init(hdf5_shard *s, const char *kind, int64_t vocab_size,
                           const char *tokenizer_hash, int has_text, pad_error *err);
void hdf5_shard_free(hdf5_shard *s);
/* Drops the examples, keeps metadata and capacity (for the next shard). */
void hdf5_shard_clear(hdf5_shard *s);

/* Appends a copy; token ids must lie in [0, vocab_size). */
pad_status hdf5_shard_append(hdf5_shard *s, const hdf5_shard_example *ex, pad_error *err);

static inline int64_t hdf5_shard_rows(const hdf5_shard *s) { return s->col[HDF5_SHARD_SOURCE].rows; }
/* Row i of a token column, its length in *len. */
static inline const int32_t *hdf5_shard_tokens(const hdf5_shard *s, hdf5_shard_column c, int64_t i,
                                               int64_t *len)
{
    const hdf5_ragged *r = &s->col[c];
    *len = r->offsets[i + 1] - r->offsets[i];
    return (const int32_t *)r->data + r->offsets[i];
}
/* Row i of a text column (not NUL-terminated), its length in *len. */
static inline const char *hdf5_shard_text(const hdf5_shard *s, hdf5_shard_column c, int64_t i,
                                          int64_t *len)
{
    const hdf5_ragged *r = &s->col[c];
    *len = r->offsets[i + 1] - r->offsets[i];
    return (const char *)r->data + r->offsets[i];
}

/* Writes the shard to `path` (replacing it).  Not atomic by itself: the
 * shard builder writes to a temporary name and renames. */
pad_status hdf5_shard_write(const char *path, const hdf5_shard *s, pad_error *err);

/* Reads and validates a whole shard (text columns only when with_text and
 * present).  Errors name the file and the dataset at fault. */
pad_status hdf5_shard_read(const char *path, const hdf5_shard_expect *expect, int with_text,
                           hdf5_shard *out, pad_error *err);

/* The dataset names of a column: e.g. "/source/tokens" and "/source/offsets". */
const char *hdf5_shard_data_name(hdf5_shard_column c);
const char *hdf5_shard_offsets_name(hdf5_shard_column c);

/* 1 for "distill", "refine", "eval". */
int hdf5_shard_kind_valid(const char *kind);

#endif
