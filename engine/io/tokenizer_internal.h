/* pad tokenizers: what the tokenizer files share (not part of the API). */
#ifndef PAD_IO_TOKENIZER_INTERNAL_H
#define PAD_IO_TOKENIZER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "io/tokenizer.h"

/* --- Unicode classes (unicode_tables.c, generated) --- */
typedef struct pad_unicode_range {
    uint32_t lo, hi;
} pad_unicode_range;
extern const pad_unicode_range pad_unicode_letters[], pad_unicode_numbers[], pad_unicode_spaces[];
extern const int pad_unicode_letters_count, pad_unicode_numbers_count, pad_unicode_spaces_count;

/* --- the GPT-2 pre-tokenizer (tokenizer_pretok.c) --- */
/* Length in bytes of the first piece of s[0..len) under the GPT-2 regex
 * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * (len > 0; the result is in 1..len), or with PAD_WORDS_IDENTIFIERS the
 * same with "_" in the letter class (PAD_IDENTIFIER_PATTERN).  Invalid UTF-8
 * bytes count as one character each of the "other" class. */
size_t pad_pretok_piece(const char *s, size_t len, pad_words words);
/* The identifier pattern, as tokenizer.json's Split stores it. */
#define PAD_IDENTIFIER_PATTERN \
    "'s|'t|'re|'ve|'m|'ll|'d| ?[\\p{L}_]+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}_]+|\\s+(?!\\S)|\\s+"
/* The next pre-token of the whole pipeline: Hugging Face's Digits first
 * (pad_digits: each digit or each run of digits a piece of its own), then
 * the word pattern (use_regex) within the text between digits. */
size_t pad_pretok_next(const char *s, size_t len, int use_regex, pad_digits digits, pad_words words);
/* Unicode White_Space (what Rust's char::is_whitespace and \s match). */
int pad_unicode_is_space(uint32_t cp);
/* GPT-2's byte -> code point table of the ByteLevel pre-tokenizer: printable
 * bytes stand for themselves, the others map to 256 + n in byte order. */
uint32_t pad_bytelevel_char(uint8_t byte);
/* Writes cp as UTF-8 into out (4 bytes room); returns the length. */
int pad_utf8_put(uint32_t cp, char *out);
/* Decodes one code point at s (len > 0) into *cp; returns its length, or 0
 * for an invalid sequence (then *cp is the byte alone). */
int pad_utf8_get(const char *s, size_t len, uint32_t *cp);

/* --- hash maps (tokenizer_map.c) --- */
/* Byte strings -> int64, keys copied. */
typedef struct pad_strmap_slot {
    char *key; /* NULL when empty */
    uint32_t len;
    uint32_t hash;
    int64_t value;
} pad_strmap_slot;
typedef struct pad_strmap {
    pad_strmap_slot *slots;
    size_t cap, count;
} pad_strmap;
int pad_strmap_get(const pad_strmap *m, const char *key, size_t len, int64_t *value);
/* Inserts or overwrites. */
pad_status pad_strmap_put(pad_strmap *m, const char *key, size_t len, int64_t value,
                          pad_error *err);
void pad_strmap_free(pad_strmap *m);

/* uint64 -> int64, for pairs of ids. */
typedef struct pad_pairmap {
    uint64_t *keys; /* UINT64_MAX when empty */
    int64_t *values;
    size_t cap, count;
} pad_pairmap;
int64_t *pad_pairmap_find(const pad_pairmap *m, uint64_t key);
/* The value of key, inserted as 0 when absent; NULL when out of memory. */
int64_t *pad_pairmap_slot(pad_pairmap *m, uint64_t key);
void pad_pairmap_free(pad_pairmap *m);
static inline uint64_t pad_pair_key(int32_t a, int32_t b)
{
    return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

/* --- the tokenizer --- */
typedef enum pad_tok_kind { PAD_TOK_BYTES, PAD_TOK_BPE } pad_tok_kind;

typedef struct pad_tok_added {
    int32_t id;
    uint8_t special, lstrip, rstrip;
} pad_tok_added;

struct pad_tokenizer {
    pad_tok_kind kind;
    int32_t vocab_size, vocab_cap;
    char **tokens;         /* id -> the vocabulary's string (byte-level characters for BPE) */
    uint32_t *token_lens;
    char **bytes;          /* id -> the bytes it decodes to */
    uint32_t *byte_lens;
    uint8_t *special;      /* id -> 1 for special added tokens */
    pad_strmap vocab;      /* token string -> id */
    int32_t byte_ids[256]; /* the id of each byte's one-character token, -1 if none */
    pad_pairmap merges;    /* pair key -> rank << 32 | merged id */
    int32_t *merge_list;   /* (left, right) in rank order */
    int32_t nmerges, merge_cap;
    pad_tok_added *added;  /* matched in the text before pre-tokenization */
    int32_t nadded;
    uint8_t added_first[256]; /* 1 for bytes that start an added token */
    int add_prefix_space, use_regex, ignore_merges;
    pad_digits digits;     /* a Digits pre-tokenizer runs first */
    pad_words words;       /* which word pattern use_regex applies */
    int32_t unk_id;
    int32_t *prefix_ids, *suffix_ids; /* the post-processor's wrapping of one sequence */
    int32_t nprefix, nsuffix;
    int32_t pad_id, eos_id, bos_id;
    char hash[65];
    /* word -> ids cache: encode is const and may run on several threads */
    pthread_mutex_t cache_lock;
    pad_strmap cache;      /* pre-token bytes -> offset in cache_ids */
    int32_t *cache_ids;    /* [count, ids...] records */
    size_t cache_len, cache_cap;
};

/* Building one (tokenizer.c); loaders call these, then pad_tok_finish. */
pad_tokenizer *pad_tok_new(pad_tok_kind kind);
/* Sets the string of `id`, growing the vocabulary; a string used twice is an error. */
pad_status pad_tok_set_token(pad_tokenizer *t, int32_t id, const char *s, size_t len,
                             pad_error *err);
/* Appends the next-ranked merge of two vocabulary strings. */
pad_status pad_tok_add_merge(pad_tokenizer *t, const char *a, size_t alen, const char *b,
                             size_t blen, pad_error *err);
/* Marks `content` (added at `id` when not yet in the vocabulary) as an added token. */
pad_status pad_tok_add_added(pad_tokenizer *t, int32_t id, const char *content, int special,
                             int lstrip, int rstrip, pad_error *err);
/* Sets the single-sequence wrapping (ids copied). */
pad_status pad_tok_set_wrapping(pad_tokenizer *t, const int32_t *prefix, int32_t nprefix,
                                const int32_t *suffix, int32_t nsuffix, pad_error *err);
/* Checks the vocabulary is complete, derives the byte tables, the special
 * ids (by conventional names unless already set) and the hash. */
pad_status pad_tok_finish(pad_tokenizer *t, pad_error *err);

/* Readers (tokenizer_json.c, tokenizer_files.c) fill a new tokenizer;
 * pad_tokenizer_load then finishes it.  Errors name the field, not the file. */
pad_status pad_tok_read_json(pad_tokenizer *t, const char *path, pad_error *err);
pad_status pad_tok_read_vocab_merges(pad_tokenizer *t, const char *dir, pad_error *err);

#endif
