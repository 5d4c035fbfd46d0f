/* pad tokenizers: encoding.  Added tokens are cut out of the text first (as
 * Hugging Face does), the rest is pre-tokenized with the GPT-2 regex, each
 * piece's bytes become byte-level symbols, merges apply lowest rank first,
 * and the post-processor wraps the result. */
#include <stdlib.h>
#include <string.h>

#include "io/tokenizer_internal.h"

#define CACHE_MAX_WORD 256      /* longer pre-tokens are not cached */
#define CACHE_MAX_IDS (1u << 22) /* the cache stops growing here */

typedef struct idbuf {
    int32_t *ids;
    size_t n, cap;
} idbuf;

static pad_status push_ids(idbuf *b, const int32_t *ids, size_t n, pad_error *err)
{
    if (n == 0) return PAD_OK;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) cap *= 2;
        int32_t *p = realloc(b->ids, cap * sizeof *p);
        if (!p) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory encoding");
        b->ids = p;
        b->cap = cap;
    }
    memcpy(b->ids + b->n, ids, n * sizeof *ids);
    b->n += n;
    return PAD_OK;
}

/* A possible merge of the symbol at `pos` with its right neighbour. */
typedef struct merge_cand {
    int32_t rank, pos, left, right, merged;
} merge_cand;

static int cand_less(const merge_cand *a, const merge_cand *b)
{
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void heap_push(merge_cand *h, size_t *n, merge_cand c)
{
    size_t i = (*n)++;
    while (i > 0 && cand_less(&c, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = c;
}

static merge_cand heap_pop(merge_cand *h, size_t *n)
{
    merge_cand top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && cand_less(&h[c + 1], &h[c])) c++;
        if (!cand_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

typedef struct word_state {
    int32_t *id, *prev, *next;
    merge_cand *heap;
    size_t nheap;
} word_state;

static void consider(const pad_tokenizer *t, word_state *w, int32_t pos)
{
    if (pos < 0 || w->next[pos] < 0) return;
    int32_t left = w->id[pos], right = w->id[w->next[pos]];
    const int64_t *m = pad_pairmap_find(&t->merges, pad_pair_key(left, right));
    if (m) heap_push(w->heap, &w->nheap, (merge_cand){(int32_t)(*m >> 32), pos, left, right, (int32_t)*m});
}

/* BPE on one pre-token: repeatedly merges the lowest-ranked adjacent pair
 * (leftmost first among equals); a stale candidate is recognised because
 * the symbols at its place are no longer the pair it was made for. */
static pad_status bpe_word(const pad_tokenizer *t, const char *s, size_t len, idbuf *out,
                           pad_error *err)
{
    word_state w = {0};
    int32_t *mem = malloc(len * 3 * sizeof(int32_t));
    w.heap = malloc(len * 3 * sizeof *w.heap);
    if (!mem || !w.heap) {
        free(mem);
        free(w.heap);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory encoding");
    }
    w.id = mem, w.prev = mem + len, w.next = mem + 2 * len;
    int32_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int32_t id = t->byte_ids[(uint8_t)s[i]];
        if (id < 0) id = t->unk_id; /* a byte the vocabulary lacks: unk, or dropped without one */
        if (id >= 0) w.id[n++] = id;
    }
    for (int32_t i = 0; i < n; i++) {
        w.prev[i] = i - 1;
        w.next[i] = i + 1 < n ? i + 1 : -1;
    }
    for (int32_t i = 0; i + 1 < n; i++) consider(t, &w, i);
    while (w.nheap > 0) {
        merge_cand c = heap_pop(w.heap, &w.nheap);
        int32_t nx = w.next[c.pos];
        if (w.prev[c.pos] == -2 || w.id[c.pos] != c.left || nx < 0 || w.id[nx] != c.right) continue;
        w.id[c.pos] = c.merged;
        w.next[c.pos] = w.next[nx];
        if (w.next[nx] >= 0) w.prev[w.next[nx]] = c.pos;
        w.prev[nx] = -2; /* gone */
        consider(t, &w, w.prev[c.pos]);
        consider(t, &w, c.pos);
    }
    pad_status st = PAD_OK;
    for (int32_t i = n > 0 ? 0 : -1; i >= 0 && !st; i = w.next[i]) st = push_ids(out, &w.id[i], 1, err);
    free(mem);
    free(w.heap);
    return st;
}

/* ignore_merges: a pre-token that is itself in the vocabulary is one token. */
static int32_t whole_word_id(const pad_tokenizer *t, const char *s, size_t len)
{
    char stack[4 * CACHE_MAX_WORD];
    char *mapped = len <= CACHE_MAX_WORD ? stack : malloc(4 * len);
    if (!mapped) return -1;
    size_t m = 0;
    for (size_t i = 0; i < len; i++) m += (size_t)pad_utf8_put(pad_bytelevel_char((uint8_t)s[i]), mapped + m);
    int64_t id = -1;
    pad_strmap_get(&t->vocab, mapped, m, &id);
    if (mapped != stack) free(mapped);
    return (int32_t)id;
}

static pad_status encode_word(const pad_tokenizer *t, const char *s, size_t len, idbuf *out,
                              pad_error *err)
{
    pad_tokenizer *mt = (pad_tokenizer *)t; /* the cache is the only mutable part */
    int64_t at;
    if (len <= CACHE_MAX_WORD) {
        pthread_mutex_lock(&mt->cache_lock);
        pad_status st = PAD_OK;
        int hit = pad_strmap_get(&t->cache, s, len, &at);
        if (hit) st = push_ids(out, t->cache_ids + at + 1, (size_t)t->cache_ids[at], err);
        pthread_mutex_unlock(&mt->cache_lock);
        if (hit) return st;
    }
    size_t start = out->n;
    int32_t whole = t->ignore_merges ? whole_word_id(t, s, len) : -1;
    pad_status st = whole >= 0 ? push_ids(out, &whole, 1, err) : bpe_word(t, s, len, out, err);
    size_t n = out->n - start;
    if (st || len > CACHE_MAX_WORD) return st;
    pthread_mutex_lock(&mt->cache_lock);
    if (mt->cache_len + n + 1 <= CACHE_MAX_IDS) {
        if (mt->cache_len + n + 1 > mt->cache_cap) {
            size_t cap = mt->cache_cap ? mt->cache_cap : 4096;
            while (cap < mt->cache_len + n + 1) cap *= 2;
            int32_t *p = realloc(mt->cache_ids, cap * sizeof *p);
            if (p) mt->cache_ids = p, mt->cache_cap = cap;
        }
        pad_error ignored; /* a cache that cannot grow only costs speed */
        if (mt->cache_len + n + 1 <= mt->cache_cap &&
            pad_strmap_put(&mt->cache, s, len, (int64_t)mt->cache_len, &ignored) == PAD_OK) {
            mt->cache_ids[mt->cache_len] = (int32_t)n;
            memcpy(mt->cache_ids + mt->cache_len + 1, out->ids + start, n * sizeof(int32_t));
            mt->cache_len += n + 1;
        }
    }
    pthread_mutex_unlock(&mt->cache_lock);
    return PAD_OK;
}

/* A stretch of text between added tokens. */
static pad_status encode_text(const pad_tokenizer *t, const char *s, size_t len, idbuf *out,
                              pad_error *err)
{
    if (len == 0) return PAD_OK;
    if (t->kind == PAD_TOK_BYTES) {
        pad_status st = PAD_OK;
        for (size_t i = 0; i < len && !st; i++) st = push_ids(out, &t->byte_ids[(uint8_t)s[i]], 1, err);
        return st;
    }
    char *spaced = NULL;
    if (t->add_prefix_space && s[0] != ' ') {
        if (!(spaced = malloc(len + 1))) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory encoding");
        spaced[0] = ' ';
        memcpy(spaced + 1, s, len);
        s = spaced;
        len++;
    }
    pad_status st = PAD_OK;
    for (size_t pos = 0; pos < len && !st;) {
        size_t n = pad_pretok_next(s + pos, len - pos, t->use_regex, t->digits, t->words);
        st = encode_word(t, s + pos, n, out, err);
        pos += n;
    }
    free(spaced);
    return st;
}

static size_t skip_space_right(const char *s, size_t len, size_t pos)
{
    while (pos < len) {
        uint32_t cp;
        int n = pad_utf8_get(s + pos, len - pos, &cp);
        if (!n || !pad_unicode_is_space(cp)) break;
        pos += (size_t)n;
    }
    return pos;
}

static size_t skip_space_left(const char *s, size_t floor, size_t pos)
{
    while (pos > floor) {
        size_t start = pos - 1;
        while (start > floor && ((uint8_t)s[start] & 0xC0) == 0x80) start--;
        uint32_t cp;
        int n = pad_utf8_get(s + start, pos - start, &cp);
        if (!n || start + (size_t)n != pos || !pad_unicode_is_space(cp)) break;
        pos = start;
    }
    return pos;
}

/* The leftmost, then longest, added token in s[from..len): its index in
 * t->added and its extent (with lstrip/rstrip whitespace); -1 if none. */
static int32_t find_added(const pad_tokenizer *t, const char *s, size_t len, size_t from,
                          size_t *start, size_t *end)
{
    for (size_t i = from; i < len; i++) {
        if (!t->added_first[(uint8_t)s[i]]) continue;
        int32_t best = -1;
        size_t best_len = 0;
        for (int32_t a = 0; a < t->nadded; a++) {
            size_t n = t->token_lens[t->added[a].id];
            if (n > best_len && n <= len - i && memcmp(s + i, t->tokens[t->added[a].id], n) == 0)
                best = a, best_len = n;
        }
        if (best < 0) continue;
        *start = t->added[best].lstrip ? skip_space_left(s, from, i) : i;
        *end = t->added[best].rstrip ? skip_space_right(s, len, i + best_len) : i + best_len;
        return best;
    }
    return -1;
}

pad_status pad_tokenizer_encode(const pad_tokenizer *t, const char *text, size_t len,
                                int add_special, int32_t **ids, size_t *count, pad_error *err)
{
    *ids = NULL;
    *count = 0;
    idbuf out = {0};
    pad_status st = add_special ? push_ids(&out, t->prefix_ids, (size_t)t->nprefix, err) : PAD_OK;
    for (size_t pos = 0; pos < len && !st;) {
        size_t start = len, end = len;
        int32_t a = t->nadded ? find_added(t, text, len, pos, &start, &end) : -1;
        st = encode_text(t, text + pos, start - pos, &out, err);
        if (!st && a >= 0) st = push_ids(&out, &t->added[a].id, 1, err);
        pos = end;
    }
    if (!st && add_special) st = push_ids(&out, t->suffix_ids, (size_t)t->nsuffix, err);
    if (!st && !out.ids && !(out.ids = malloc(sizeof(int32_t)))) /* empty, still freeable */
        st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory encoding");
    if (st) {
        free(out.ids);
        return st;
    }
    *ids = out.ids;
    *count = out.n;
    return PAD_OK;
}
