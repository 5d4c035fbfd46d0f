/* pad tokenizers: building, byte-level BPE encoding with a word cache,
 * decoding, the canonical hash, and the byte fallback. */
#include <stdlib.h>
#include <string.h>

#include "io/sha256.h"
#include "io/tokenizer_internal.h"


pad_tokenizer *pad_tok_new(pad_tok_kind kind)
{
    pad_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->kind = kind;
    t->use_regex = 1;
    t->unk_id = t->pad_id = t->eos_id = t->bos_id = -1;
    pthread_mutex_init(&t->cache_lock, NULL);
    return t;
}

void pad_tokenizer_free(pad_tokenizer *t)
{
    if (!t) return;
    for (int32_t i = 0; i < t->vocab_size; i++) {
        free(t->tokens[i]);
        free(t->bytes[i]);
    }
    free(t->tokens);
    free(t->token_lens);
    free(t->bytes);
    free(t->byte_lens);
    free(t->special);
    pad_strmap_free(&t->vocab);
    pad_pairmap_free(&t->merges);
    free(t->merge_list);
    free(t->added);
    free(t->prefix_ids);
    free(t->suffix_ids);
    pthread_mutex_destroy(&t->cache_lock);
    pad_strmap_free(&t->cache);
    free(t->cache_ids);
    free(t);
}

static int grow(void **p, int32_t *cap, int32_t need, size_t elem)
{
    if (need <= *cap) return 1;
    int32_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q) return 0;
    *p = q;
    *cap = c;
    return 1;
}

static pad_status reserve_ids(pad_tokenizer *t, int32_t n, pad_error *err)
{
    if (n <= t->vocab_cap) return PAD_OK;
    int32_t cap = t->vocab_cap ? t->vocab_cap : 256;
    while (cap < n) cap *= 2;
    void **arrays[] = {(void **)&t->tokens, (void **)&t->token_lens, (void **)&t->bytes,
                       (void **)&t->byte_lens, (void **)&t->special};
    size_t sizes[] = {sizeof(char *), sizeof(uint32_t), sizeof(char *), sizeof(uint32_t), 1};
    for (int a = 0; a < 5; a++) {
        char *q = realloc(*arrays[a], (size_t)cap * sizes[a]);
        if (!q) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (vocabulary)");
        memset(q + (size_t)t->vocab_cap * sizes[a], 0, (size_t)(cap - t->vocab_cap) * sizes[a]);
        *arrays[a] = q;
    }
    t->vocab_cap = cap;
    return PAD_OK;
}

pad_status pad_tok_set_token(pad_tokenizer *t, int32_t id, const char *s, size_t len,
                             pad_error *err)
{
    int64_t other;
    if (id < 0 || id >= (1 << 30)) return pad_error_set(err, PAD_ERR_FORMAT, "token id %d out of range", id);
    if (pad_strmap_get(&t->vocab, s, len, &other) && other != id)
        return pad_error_set(err, PAD_ERR_FORMAT, "token '%.*s' has two ids (%lld and %d)",
                             (int)len, s, (long long)other, id);
    pad_status st = reserve_ids(t, id + 1, err);
    if (st) return st;
    if (t->tokens[id])
        return pad_error_set(err, PAD_ERR_FORMAT, "id %d names two tokens ('%s' and '%.*s')", id,
                             t->tokens[id], (int)len, s);
    if (!(t->tokens[id] = malloc(len + 1)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (vocabulary)");
    memcpy(t->tokens[id], s, len);
    t->tokens[id][len] = '\0';
    t->token_lens[id] = (uint32_t)len;
    if (id >= t->vocab_size) t->vocab_size = id + 1;
    return pad_strmap_put(&t->vocab, s, len, id, err);
}

static int32_t lookup(const pad_tokenizer *t, const char *s, size_t len)
{
    int64_t id;
    return pad_strmap_get(&t->vocab, s, len, &id) ? (int32_t)id : -1;
}

pad_status pad_tok_add_merge(pad_tokenizer *t, const char *a, size_t alen, const char *b,
                             size_t blen, pad_error *err)
{
    int32_t left = lookup(t, a, alen), right = lookup(t, b, blen);
    char *joined = malloc(alen + blen + 1);
    if (!joined) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (merges)");
    memcpy(joined, a, alen);
    memcpy(joined + alen, b, blen);
    int32_t merged = lookup(t, joined, alen + blen);
    free(joined);
    if (left < 0 || right < 0 || merged < 0)
        return pad_error_set(err, PAD_ERR_FORMAT, "merge %d ('%.*s' '%.*s'): %s not in the vocabulary",
                             t->nmerges, (int)alen, a, (int)blen, b,
                             left < 0 || right < 0 ? "a part" : "the merged token");
    int64_t *slot = pad_pairmap_slot(&t->merges, pad_pair_key(left, right));
    if (!slot || !grow((void **)&t->merge_list, &t->merge_cap, 2 * t->nmerges + 2, sizeof(int32_t)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (merges)");
    *slot = (int64_t)t->nmerges << 32 | merged; /* a repeated pair keeps its last rank, as HF does */
    t->merge_list[2 * t->nmerges] = left;
    t->merge_list[2 * t->nmerges + 1] = right;
    t->nmerges++;
    return PAD_OK;
}

pad_status pad_tok_add_added(pad_tokenizer *t, int32_t id, const char *content, int special,
                             int lstrip, int rstrip, pad_error *err)
{
    size_t len = strlen(content);
    if (len == 0) return pad_error_set(err, PAD_ERR_FORMAT, "empty added token (id %d)", id);
    int32_t have = lookup(t, content, len);
    if (have >= 0) id = have;
    else {
        pad_status st = pad_tok_set_token(t, id, content, len, err);
        if (st) return st;
    }
    for (int32_t i = 0; i < t->nadded; i++)
        if (t->added[i].id == id) return PAD_OK;
    pad_tok_added *a = realloc(t->added, (size_t)(t->nadded + 1) * sizeof *a);
    if (!a) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (added tokens)");
    t->added = a;
    t->added[t->nadded++] = (pad_tok_added){id, (uint8_t)!!special, (uint8_t)!!lstrip, (uint8_t)!!rstrip};
    t->special[id] = (uint8_t)!!special;
    return PAD_OK;
}

static pad_status copy_ids(int32_t **dst, int32_t *ndst, const int32_t *src, int32_t n, pad_error *err)
{
    free(*dst);
    *dst = NULL;
    *ndst = 0;
    if (n == 0) return PAD_OK;
    if (!(*dst = malloc((size_t)n * sizeof **dst)))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    memcpy(*dst, src, (size_t)n * sizeof **dst);
    *ndst = n;
    return PAD_OK;
}

pad_status pad_tok_set_wrapping(pad_tokenizer *t, const int32_t *prefix, int32_t nprefix,
                                const int32_t *suffix, int32_t nsuffix, pad_error *err)
{
    pad_status st = copy_ids(&t->prefix_ids, &t->nprefix, prefix, nprefix, err);
    return st ? st : copy_ids(&t->suffix_ids, &t->nsuffix, suffix, nsuffix, err);
}

/* What a token decodes to: for BPE each byte-level character maps back to
 * its byte; a token with any other character (an added token such as
 * " word") is its own UTF-8, as Hugging Face's ByteLevel decoder does. */
static pad_status derive_bytes(pad_tokenizer *t, int32_t id, const uint8_t *char_byte,
                               const uint32_t *char_cp, pad_error *err)
{
    const char *s = t->tokens[id];
    size_t len = t->token_lens[id], out = 0;
    char *b = malloc(len + 1);
    if (!b) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (vocabulary)");
    int raw = t->kind == PAD_TOK_BYTES;
    for (size_t i = 0; i < len && !raw;) {
        uint32_t cp;
        int n = pad_utf8_get(s + i, len - i, &cp);
        if (!n || cp >= 512 || char_cp[char_byte[cp]] != cp) raw = 1;
        else b[out++] = (char)char_byte[cp];
        i += n ? (size_t)n : 1;
    }
    if (raw) memcpy(b, s, out = len);
    b[out] = '\0';
    t->bytes[id] = b;
    t->byte_lens[id] = (uint32_t)out;
    return PAD_OK;
}

static int32_t first_present(const pad_tokenizer *t, const char *const *names)
{
    for (; *names; names++) {
        int32_t id = lookup(t, *names, strlen(*names));
        if (id >= 0) return id;
    }
    return -1;
}

static void hash_u32(pad_sha256 *h, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pad_sha256_update(h, b, 4);
}

/* The canonical description: every field that changes what encode or
 * decode produce, in a fixed order, lengths before strings. */
static void compute_hash(pad_tokenizer *t)
{
    pad_sha256 h;
    pad_sha256_init(&h);
    pad_sha256_update(&h, "pad-tokenizer-v1", 16);
    uint32_t head[] = {(uint32_t)t->kind, (uint32_t)t->vocab_size, (uint32_t)t->nmerges,
                       (uint32_t)t->nadded, (uint32_t)t->add_prefix_space, (uint32_t)t->use_regex,
                       (uint32_t)t->ignore_merges, (uint32_t)t->unk_id, (uint32_t)t->nprefix,
                       (uint32_t)t->nsuffix};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) hash_u32(&h, head[i]);
    /* added later: hashed only when set, so older tokenizers keep their hash */
    if (t->digits != PAD_DIGITS_KEEP) hash_u32(&h, 0x44494700u + (uint32_t)t->digits);
    if (t->words != PAD_WORDS_GPT2) hash_u32(&h, 0x57524400u + (uint32_t)t->words);
    for (int32_t id = 0; id < t->vocab_size; id++) {
        hash_u32(&h, t->token_lens[id]);
        pad_sha256_update(&h, t->tokens[id], t->token_lens[id]);
        hash_u32(&h, t->special[id]);
    }
    for (int32_t i = 0; i < 2 * t->nmerges; i++) hash_u32(&h, (uint32_t)t->merge_list[i]);
    for (int32_t i = 0; i < t->nadded; i++) {
        const pad_tok_added *a = &t->added[i];
        hash_u32(&h, (uint32_t)a->id | (uint32_t)a->lstrip << 30 | (uint32_t)a->rstrip << 31);
    }
    for (int32_t i = 0; i < t->nprefix; i++) hash_u32(&h, (uint32_t)t->prefix_ids[i]);
    for (int32_t i = 0; i < t->nsuffix; i++) hash_u32(&h, (uint32_t)t->suffix_ids[i]);
    uint8_t digest[32];
    pad_sha256_final(&h, digest);
    pad_sha256_hex(digest, t->hash);
}

pad_status pad_tok_finish(pad_tokenizer *t, pad_error *err)
{
    uint8_t char_byte[512] = {0};
    uint32_t char_cp[256];
    for (int b = 0; b < 256; b++) {
        char_cp[b] = pad_bytelevel_char((uint8_t)b);
        char_byte[char_cp[b]] = (uint8_t)b;
    }
    for (int32_t id = 0; id < t->vocab_size; id++) {
        if (!t->tokens[id])
            return pad_error_set(err, PAD_ERR_FORMAT, "the vocabulary has no token with id %d", id);
        pad_status st = derive_bytes(t, id, char_byte, char_cp, err);
        if (st) return st;
    }
    for (int b = 0; b < 256; b++) {
        char s[4];
        int n = t->kind == PAD_TOK_BYTES ? (s[0] = (char)b, 1) : pad_utf8_put(char_cp[b], s);
        t->byte_ids[b] = t->kind == PAD_TOK_BYTES ? b : lookup(t, s, (size_t)n);
    }
    memset(t->added_first, 0, sizeof t->added_first);
    for (int32_t i = 0; i < t->nadded; i++) t->added_first[(uint8_t)t->tokens[t->added[i].id][0]] = 1;
    static const char *const pads[] = {"<pad>", "[PAD]", "<|pad|>", "<|padding|>", NULL};
    static const char *const eoss[] = {"</s>", "<|endoftext|>", "<eos>", "<|eos|>", "[SEP]", NULL};
    static const char *const boss[] = {"<s>", "<|endoftext|>", "<bos>", "<|bos|>", "[CLS]", NULL};
    if (t->pad_id < 0) t->pad_id = first_present(t, pads);
    if (t->eos_id < 0) t->eos_id = first_present(t, eoss);
    if (t->bos_id < 0) t->bos_id = first_present(t, boss);
    compute_hash(t);
    return PAD_OK;
}

pad_status pad_tokenizer_bytes(const char *const *specials, int nspecials, pad_tokenizer **out,
                               pad_error *err)
{
    *out = NULL;
    pad_tokenizer *t = pad_tok_new(PAD_TOK_BYTES);
    if (!t) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_status st = PAD_OK;
    for (int b = 0; b < 256 && !st; b++) {
        char c = (char)b;
        st = pad_tok_set_token(t, b, &c, 1, err);
    }
    for (int i = 0; i < nspecials && !st; i++) {
        if (lookup(t, specials[i], strlen(specials[i])) >= 0)
            st = pad_error_set(err, PAD_ERR_INVALID, "special token '%s' given twice or is a byte",
                               specials[i]);
        else st = pad_tok_add_added(t, 256 + i, specials[i], 1, 0, 0, err);
    }
    if (!st) st = pad_tok_finish(t, err);
    if (st) {
        pad_tokenizer_free(t);
        return st;
    }
    *out = t;
    return PAD_OK;
}

/* Length of the maximal subpart of a well-formed sequence at u (Unicode
 * 3.9, the rule CPython follows), at least 1; *whole: it is a full one. */
static size_t utf8_subpart(const uint8_t *u, size_t len, int *whole)
{
    int need = u[0] < 0x80 ? 0 : u[0] < 0xC2 ? -1 : u[0] < 0xE0 ? 1 : u[0] < 0xF0 ? 2 : u[0] < 0xF5 ? 3 : -1;
    *whole = need == 0;
    if (need <= 0) return 1;
    /* the second byte's range excludes overlongs, surrogates and > U+10FFFF */
    uint8_t lo = u[0] == 0xE0 ? 0xA0 : u[0] == 0xF0 ? 0x90 : 0x80;
    uint8_t hi = u[0] == 0xED ? 0x9F : u[0] == 0xF4 ? 0x8F : 0xBF;
    size_t i = 1;
    while (i <= (size_t)need && i < len && u[i] >= lo && u[i] <= hi) i++, lo = 0x80, hi = 0xBF;
    *whole = i == (size_t)need + 1;
    return i;
}

pad_status pad_tokenizer_decode_text(const pad_tokenizer *t, const int32_t *ids, size_t count,
                                     int skip_special, char **text, size_t *len, pad_error *err)
{
    char *raw;
    size_t n;
    pad_status st = pad_tokenizer_decode(t, ids, count, skip_special, &raw, &n, err);
    if (st) return st;
    /* each replaced subpart is at least one byte and U+FFFD three */
    char *out = malloc(3 * n + 1);
    if (!out) {
        free(raw);
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory decoding %zu ids", count);
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        int whole;
        size_t k = utf8_subpart((const uint8_t *)raw + i, n - i, &whole);
        if (whole) memcpy(out + o, raw + i, k), o += k;
        else memcpy(out + o, "\xEF\xBF\xBD", 3), o += 3;
        i += k;
    }
    out[o] = '\0';
    free(raw);
    *text = out;
    if (len) *len = o;
    return PAD_OK;
}

int pad_tokenizer_vocab_size(const pad_tokenizer *t) { return t->vocab_size; }
int32_t pad_tokenizer_pad_id(const pad_tokenizer *t) { return t->pad_id; }
int32_t pad_tokenizer_eos_id(const pad_tokenizer *t) { return t->eos_id; }
int32_t pad_tokenizer_bos_id(const pad_tokenizer *t) { return t->bos_id; }
void pad_tokenizer_hash(const pad_tokenizer *t, char out[65]) { memcpy(out, t->hash, 65); }

int32_t pad_tokenizer_token_id(const pad_tokenizer *t, const char *token)
{
    return lookup(t, token, strlen(token));
}

pad_status pad_tokenizer_decode(const pad_tokenizer *t, const int32_t *ids, size_t count,
                                int skip_special, char **text, size_t *len, pad_error *err)
{
    *text = NULL;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (ids[i] < 0 || ids[i] >= t->vocab_size)
            return pad_error_set(err, PAD_ERR_INVALID, "token id %d at position %zu is outside the vocabulary (%d)",
                                 ids[i], i, t->vocab_size);
        total += t->byte_lens[ids[i]];
    }
    char *out = malloc(total + 1);
    if (!out) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory decoding %zu ids", count);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (skip_special && t->special[ids[i]]) continue;
        memcpy(out + n, t->bytes[ids[i]], t->byte_lens[ids[i]]);
        n += t->byte_lens[ids[i]];
    }
    out[n] = '\0';
    *text = out;
    if (len) *len = n;
    return PAD_OK;
}
