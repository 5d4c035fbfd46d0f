/* pad: tokenizers compatible with Hugging Face's.
 *
 * Byte-level BPE (GPT-2, CodeT5/RoBERTa) loaded from tokenizer.json or from
 * vocab.json + merges.txt, and a byte tokenizer (256 bytes plus specials) as
 * the fallback when there is no vocabulary file. */
#ifndef PAD_IO_TOKENIZER_H
#define PAD_IO_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct pad_tokenizer pad_tokenizer;

/* `path`: a tokenizer.json file, or a directory holding tokenizer.json or
 * vocab.json + merges.txt (special_tokens_map.json/added_tokens.json when
 * present). */
pad_status pad_tokenizer_load(const char *path, pad_tokenizer **out, pad_error *err);
/* The byte fallback: ids 0..255 are bytes; the specials follow in order. */
pad_status pad_tokenizer_bytes(const char *const *specials, int nspecials, pad_tokenizer **out,
                               pad_error *err);
void pad_tokenizer_free(pad_tokenizer *t);

int pad_tokenizer_vocab_size(const pad_tokenizer *t);
/* Id of a token's string (e.g. "</s>", "<pad>", "<extra_id_0>"), -1 if absent. */
int32_t pad_tokenizer_token_id(const pad_tokenizer *t, const char *token);
/* The ids the models need: -1 where the tokenizer has none. */
int32_t pad_tokenizer_pad_id(const pad_tokenizer *t);
int32_t pad_tokenizer_eos_id(const pad_tokenizer *t);
int32_t pad_tokenizer_bos_id(const pad_tokenizer *t);
/* Hex SHA-256 of a canonical description of the vocabulary, merges and
 * specials: shards record it so a mismatched tokenizer is caught. */
void pad_tokenizer_hash(const pad_tokenizer *t, char out[65]);

/* Encodes text (len bytes) as the tokenizer's post-processor does when
 * add_special is 1 (e.g. <s> ... </s> for RoBERTa-style), raw otherwise.
 * *ids is malloc'd. */
pad_status pad_tokenizer_encode(const pad_tokenizer *t, const char *text, size_t len,
                                int add_special, int32_t **ids, size_t *count, pad_error *err);
/* Decodes back to the exact bytes (special tokens are skipped when
 * skip_special is 1).  *text is malloc'd and NUL-terminated. */
pad_status pad_tokenizer_decode(const pad_tokenizer *t, const int32_t *ids, size_t count,
                                int skip_special, char **text, size_t *len, pad_error *err);

/* The same, as text: every ill-formed UTF-8 subpart becomes U+FFFD, as
 * Python's bytes.decode("utf-8", "replace") and so transformers' decode do.
 * For what is shown or written to JSON (a model's output may split a
 * character across tokens or emit bytes that never form one). */
pad_status pad_tokenizer_decode_text(const pad_tokenizer *t, const int32_t *ids, size_t count,
                                     int skip_special, char **text, size_t *len, pad_error *err);

/* Writes a byte-level BPE tokenizer as a Hugging Face tokenizer.json
 * (model BPE, ByteLevel pre-tokenizer and decoder, added tokens, the
 * wrapping as TemplateProcessing), atomically. */
pad_status pad_tokenizer_save(const pad_tokenizer *t, const char *path, pad_error *err);

/* Byte-level BPE training in the manner of Hugging Face's BpeTrainer: the
 * 256 byte symbols, then the most frequent adjacent pair of the
 * pre-tokenized corpus merged repeatedly (ties to the smallest pair of
 * ids), until vocab_size tokens (specials included) or no pair occurs
 * min_frequency times.  Specials take ids 0..nspecials-1 and are cut out of
 * the corpus before counting. */
/* Digits before the GPT-2 pattern, as Hugging Face's Digits pre-tokenizer:
 * KEEP none (numbers merge with a leading space: " 154"), EACH every digit
 * alone (individual_digits=True), RUNS every run of digits alone
 * (individual_digits=False), so "154" is the same token after a space, a
 * "$" or a letter. */
typedef enum pad_digits { PAD_DIGITS_KEEP = 0, PAD_DIGITS_EACH, PAD_DIGITS_RUNS } pad_digits;

/* What a word is: GPT2 the GPT-2 pattern, where "_" is punctuation, so
 * "books_per_shelf" is five pieces no merge can join; IDENTIFIERS the same
 * pattern with "_" a letter, so BPE can learn whole snake_case names
 * (tokenizer.json: a Split with that pattern, then ByteLevel without its
 * own regex). */
typedef enum pad_words { PAD_WORDS_GPT2 = 0, PAD_WORDS_IDENTIFIERS } pad_words;

typedef struct pad_tokenizer_train_options {
    int vocab_size;
    int min_frequency; /* values below 1 count as 1 */
    const char *const *specials;
    int nspecials;
    pad_digits digits;
    pad_words words;
} pad_tokenizer_train_options;

typedef struct pad_tokenizer_trainer pad_tokenizer_trainer;

pad_status pad_tokenizer_trainer_new(const pad_tokenizer_train_options *opt,
                                     pad_tokenizer_trainer **out, pad_error *err);
/* Counts the words of one text (a document: pieces never span two calls). */
pad_status pad_tokenizer_trainer_feed(pad_tokenizer_trainer *tr, const char *text, size_t len,
                                      pad_error *err);
/* Learns the merges and returns the tokenizer (the trainer stays to free). */
pad_status pad_tokenizer_trainer_finish(pad_tokenizer_trainer *tr, pad_tokenizer **out,
                                        pad_error *err);
void pad_tokenizer_trainer_free(pad_tokenizer_trainer *tr);

#endif
