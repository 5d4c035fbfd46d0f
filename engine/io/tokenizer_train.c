#define _GNU_SOURCE /* memmem */
/* pad tokenizers: byte-level BPE training.
 *
 * Words are the pre-tokenizer's pieces (the GPT-2 or the identifier
 * pattern), counted over the corpus.  Each merge takes the most frequent
 * adjacent pair (ties: the smallest pair of ids), rewrites every word that
 * holds it, and updates the pair counts of the neighbours it touches, so no
 * recount is needed. */
#include <stdlib.h>
#include <string.h>

#include "io/tokenizer_internal.h"

typedef struct train_word {
    int32_t *syms;
    int32_t n;
    int64_t count;
} train_word;

struct pad_tokenizer_trainer {
    pad_tokenizer_train_options opt;
    pad_strmap counts; /* word bytes -> occurrences */
};

pad_status pad_tokenizer_trainer_new(const pad_tokenizer_train_options *opt,
                                     pad_tokenizer_trainer **out, pad_error *err)
{
    *out = NULL;
    if (opt->vocab_size < 256 + opt->nspecials)
        return pad_error_set(err, PAD_ERR_INVALID, "vocab size %d is below the 256 bytes plus %d specials",
                             opt->vocab_size, opt->nspecials);
    for (int i = 0; i < opt->nspecials; i++)
        if (!opt->specials[i][0]) return pad_error_set(err, PAD_ERR_INVALID, "empty special token");
    pad_tokenizer_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    tr->opt = *opt;
    if (tr->opt.min_frequency < 1) tr->opt.min_frequency = 1;
    *out = tr;
    return PAD_OK;
}

void pad_tokenizer_trainer_free(pad_tokenizer_trainer *tr)
{
    if (!tr) return;
    pad_strmap_free(&tr->counts);
    free(tr);
}

static pad_status count_words(pad_tokenizer_trainer *tr, const char *s, size_t len, pad_error *err)
{
    for (size_t pos = 0; pos < len;) {
        size_t n = pad_pretok_next(s + pos, len - pos, 1, tr->opt.digits, tr->opt.words);
        int64_t c = 0;
        pad_strmap_get(&tr->counts, s + pos, n, &c);
        pad_status st = pad_strmap_put(&tr->counts, s + pos, n, c + 1, err);
        if (st) return st;
        pos += n;
    }
    return PAD_OK;
}

pad_status pad_tokenizer_trainer_feed(pad_tokenizer_trainer *tr, const char *text, size_t len,
                                      pad_error *err)
{
    size_t pos = 0;
    while (pos < len) { /* the text between specials; the specials themselves are not counted */
        size_t cut = len, skip = 0;
        for (int i = 0; i < tr->opt.nspecials; i++) {
            size_t sl = strlen(tr->opt.specials[i]);
            const char *hit = memmem(text + pos, len - pos, tr->opt.specials[i], sl);
            if (hit && ((size_t)(hit - text) < cut || ((size_t)(hit - text) == cut && sl > skip)))
                cut = (size_t)(hit - text), skip = sl;
        }
        pad_status st = count_words(tr, text + pos, cut - pos, err);
        if (st) return st;
        pos = cut + skip;
    }
    return PAD_OK;
}

/* Adds delta to the count of (a, b). */
static int bump(pad_pairmap *pairs, int32_t a, int32_t b, int64_t delta)
{
    int64_t *c = pad_pairmap_slot(pairs, pad_pair_key(a, b));
    if (!c) return 0;
    *c += delta;
    return 1;
}

/* Rewrites each (a, b) in w as `merged`, left to right, keeping the pair
 * counts of the neighbours exact. */
static int apply_merge(train_word *w, int32_t a, int32_t b, int32_t merged, pad_pairmap *pairs)
{
    int32_t j = 0;
    int ok = 1;
    for (int32_t i = 0; i < w->n; i++) {
        if (i + 1 < w->n && w->syms[i] == a && w->syms[i + 1] == b) {
            if (j > 0) ok &= bump(pairs, w->syms[j - 1], a, -w->count) & bump(pairs, w->syms[j - 1], merged, w->count);
            if (i + 2 < w->n) ok &= bump(pairs, b, w->syms[i + 2], -w->count) & bump(pairs, merged, w->syms[i + 2], w->count);
            ok &= bump(pairs, a, b, -w->count);
            w->syms[j++] = merged;
            i++;
        } else {
            w->syms[j++] = w->syms[i];
        }
    }
    w->n = j;
    return ok;
}

static uint64_t best_pair(const pad_pairmap *pairs, int64_t *count)
{
    uint64_t best = UINT64_MAX;
    *count = 0;
    for (size_t i = 0; i < pairs->cap; i++) {
        int64_t c = pairs->values[i];
        if (pairs->keys[i] == UINT64_MAX || c < *count || c <= 0) continue;
        if (c > *count || pairs->keys[i] < best) best = pairs->keys[i], *count = c;
    }
    return best;
}

/* The vocabulary's first entries: specials, then the 256 byte symbols in
 * the order of their characters (as Hugging Face sorts its alphabet). */
static pad_status initial_vocab(pad_tokenizer *t, const pad_tokenizer_train_options *opt, int32_t byte_id[256],
                                pad_error *err)
{
    pad_status st = PAD_OK;
    for (int i = 0; i < opt->nspecials && !st; i++) st = pad_tok_add_added(t, i, opt->specials[i], 1, 0, 0, err);
    if (!st && t->vocab_size != opt->nspecials) return pad_error_set(err, PAD_ERR_INVALID, "a special token is given twice");
    int32_t next = t->vocab_size;
    for (uint32_t cp = 0; cp < 512 && !st; cp++)
        for (int b = 0; b < 256 && !st; b++) {
            if (pad_bytelevel_char((uint8_t)b) != cp) continue;
            char s[4];
            int n = pad_utf8_put(cp, s);
            int64_t taken;
            if (pad_strmap_get(&t->vocab, s, (size_t)n, &taken))
                return pad_error_set(err, PAD_ERR_INVALID, "special token '%.*s' is a byte symbol", n, s);
            byte_id[b] = next;
            st = pad_tok_set_token(t, next++, s, (size_t)n, err);
        }
    return st;
}

static pad_status learn(pad_tokenizer_trainer *tr, pad_tokenizer *t, train_word *words, size_t nwords,
                        pad_pairmap *pairs, pad_error *err)
{
    for (size_t w = 0; w < nwords; w++)
        for (int32_t i = 0; i + 1 < words[w].n; i++)
            if (!bump(pairs, words[w].syms[i], words[w].syms[i + 1], words[w].count))
                return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (pair counts)");
    while (t->vocab_size < tr->opt.vocab_size) {
        int64_t count;
        uint64_t key = best_pair(pairs, &count);
        if (count < tr->opt.min_frequency) break;
        int32_t a = (int32_t)(key >> 32), b = (int32_t)(uint32_t)key;
        size_t alen = t->token_lens[a], blen = t->token_lens[b];
        char *joined = malloc(alen + blen + 1);
        if (!joined) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        memcpy(joined, t->tokens[a], alen);
        memcpy(joined + alen, t->tokens[b], blen);
        joined[alen + blen] = '\0';
        int32_t merged = pad_tokenizer_token_id(t, joined);
        pad_status st = merged >= 0 ? PAD_OK : pad_tok_set_token(t, merged = t->vocab_size, joined, alen + blen, err);
        free(joined);
        if (!st) st = pad_tok_add_merge(t, t->tokens[a], alen, t->tokens[b], blen, err);
        if (st) return st;
        for (size_t w = 0; w < nwords; w++)
            if (!apply_merge(&words[w], a, b, merged, pairs))
                return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (pair counts)");
    }
    return PAD_OK;
}

pad_status pad_tokenizer_trainer_finish(pad_tokenizer_trainer *tr, pad_tokenizer **out, pad_error *err)
{
    *out = NULL;
    pad_tokenizer *t = pad_tok_new(PAD_TOK_BPE);
    train_word *words = calloc(tr->counts.count + 1, sizeof *words);
    pad_pairmap pairs = {0};
    int32_t byte_id[256];
    pad_status st = t && words ? initial_vocab(t, &tr->opt, byte_id, err)
                               : pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    size_t nwords = 0;
    for (size_t i = 0; i < tr->counts.cap && !st; i++) {
        const pad_strmap_slot *s = &tr->counts.slots[i];
        if (!s->key) continue;
        train_word *w = &words[nwords++];
        if (!(w->syms = malloc(s->len * sizeof(int32_t)))) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
        for (uint32_t k = 0; k < s->len && !st; k++) w->syms[k] = byte_id[(uint8_t)s->key[k]];
        w->n = (int32_t)s->len;
        w->count = s->value;
    }
    t->digits = tr->opt.digits;
    t->words = tr->opt.words;
    if (!st) st = learn(tr, t, words, nwords, &pairs, err);
    if (!st) st = pad_tok_finish(t, err);
    for (size_t w = 0; w < nwords; w++) free(words[w].syms);
    free(words);
    pad_pairmap_free(&pairs);
    if (st) {
        pad_tokenizer_free(t);
        return st;
    }
    *out = t;
    return PAD_OK;
}
