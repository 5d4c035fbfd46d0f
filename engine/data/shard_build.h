/* pad: verified teacher JSONL -> tokenized HDF5 shards + manifest.json.
 *
 * Each row becomes one example: source = the question, target = the program
 * extracted from `code` (data/teacher.h), both encoded with the tokenizer's
 * special tokens and the target ending in eos; text columns keep the
 * question, the program, the gold answer and the row's id.  Overlong
 * examples are truncated (eos kept last) or dropped, as asked, and counted.
 * Kind `refine` reads refine rows (data/inject.h): source = the refine
 * template (data/refine.h) of question, program and feedback, target = the
 * row's `target`.
 * Shards close once they hold about `shard_tokens` tokens; each is written
 * under a temporary name and renamed, and the manifest, written last and
 * atomically, is what makes the directory complete. */
#ifndef PAD_DATA_SHARD_BUILD_H
#define PAD_DATA_SHARD_BUILD_H

#include <stdint.h>

#include "core/error.h"
#include "io/tokenizer.h"

#define SHARD_MANIFEST_FILE "manifest.json"
#define SHARD_MANIFEST_FORMAT "pad-shard-manifest"

typedef enum shard_overlong { SHARD_TRUNCATE = 0, SHARD_DROP } shard_overlong;

typedef struct shard_build_options {
    const char *kind;            /* distill, refine, eval */
    const char *tokenizer_name;  /* recorded in the manifest: a path or "bytes" */
    int64_t shard_tokens;        /* source + target tokens per shard (about) */
    int64_t max_source_len, max_target_len; /* eos included */
    shard_overlong overlong;
    int strip_docstrings;        /* teacher_strip_docstrings on every program */
} shard_build_options;

void shard_build_options_default(shard_build_options *o);

typedef struct shard_counts {
    int64_t rows;               /* non-blank input lines */
    int64_t examples;           /* written */
    int64_t truncated_source, truncated_target;
    int64_t dropped_overlong;   /* --overlong drop */
    int64_t dropped_no_program; /* `code` holds no single `def solution` */
    int64_t source_tokens, target_tokens;
} shard_counts;

typedef struct shard_manifest_entry {
    char file[128];
    int64_t examples, source_tokens, target_tokens, bytes;
    char sha256[65];
} shard_manifest_entry;

typedef struct shard_manifest {
    int version;
    char kind[16];
    char tokenizer[1024];       /* what built it: a path or "bytes" */
    char tokenizer_hash[65];
    int64_t vocab_size;
    int32_t pad_id, eos_id;
    int64_t max_source_len, max_target_len;
    char overlong[16];
    shard_counts counts;
    int count;
    shard_manifest_entry *shards;
} shard_manifest;

/* Builds `out_dir` (created when missing) from `input`.  Problems of the
 * input name the file and line. */
pad_status shard_build(const char *input, const pad_tokenizer *tok, const char *out_dir,
                       const shard_build_options *o, shard_manifest *manifest, pad_error *err);

/* The tokenizer a shard command names: a tokenizer.json file or directory,
 * or the word "bytes" for the byte tokenizer with specials <pad>, </s>,
 * <unk> (ids 256, 257, 258). */
pad_status shard_open_tokenizer(const char *name, pad_tokenizer **out, pad_error *err);

/* Reads DIR/manifest.json; errors name the file and the JSON path. */
pad_status shard_manifest_load(const char *dir, shard_manifest *m, pad_error *err);
/* Writes DIR/manifest.json atomically. */
pad_status shard_manifest_save(const char *dir, const shard_manifest *m, pad_error *err);
void shard_manifest_free(shard_manifest *m);

/* Hex SHA-256 and size of a file. */
pad_status shard_file_digest(const char *path, char hex[65], int64_t *bytes, pad_error *err);

#endif
