/* Open-addressing hash maps for the tokenizers: byte strings -> int64 (the
 * vocabulary, the word cache, training word counts) and id pairs -> int64
 * (merge ranks, training pair counts).  Linear probing, load <= 1/2. */
#include <stdlib.h>
#include <string.h>

#include "io/tokenizer_internal.h"

static uint32_t hash_bytes(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static size_t strmap_find(const pad_strmap *m, const char *key, size_t len, uint32_t h)
{
    size_t mask = m->cap - 1, i = h & mask;
    while (m->slots[i].key) {
        const pad_strmap_slot *s = &m->slots[i];
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return i;
        i = (i + 1) & mask;
    }
    return i;
}

int pad_strmap_get(const pad_strmap *m, const char *key, size_t len, int64_t *value)
{
    if (m->cap == 0) return 0;
    const pad_strmap_slot *s = &m->slots[strmap_find(m, key, len, hash_bytes(key, len))];
    if (!s->key) return 0;
    *value = s->value;
    return 1;
}

static int strmap_grow(pad_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    pad_strmap_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return 0;
    pad_strmap old = *m;
    m->slots = slots;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key) m->slots[strmap_find(m, old.slots[i].key, old.slots[i].len,
                                                   old.slots[i].hash)] = old.slots[i];
    free(old.slots);
    return 1;
}

pad_status pad_strmap_put(pad_strmap *m, const char *key, size_t len, int64_t value,
                          pad_error *err)
{
    if (len > UINT32_MAX) return pad_error_set(err, PAD_ERR_INVALID, "key of %zu bytes", len);
    if (2 * (m->count + 1) > m->cap && !strmap_grow(m))
        return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (hash map)");
    uint32_t h = hash_bytes(key, len);
    pad_strmap_slot *s = &m->slots[strmap_find(m, key, len, h)];
    if (!s->key) {
        char *copy = malloc(len + 1);
        if (!copy) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory (hash map)");
        memcpy(copy, key, len);
        copy[len] = '\0';
        *s = (pad_strmap_slot){copy, (uint32_t)len, h, 0};
        m->count++;
    }
    s->value = value;
    return PAD_OK;
}

void pad_strmap_free(pad_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static size_t pair_index(const pad_pairmap *m, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t mask = m->cap - 1, i = (size_t)(h >> 32) & mask;
    while (m->keys[i] != UINT64_MAX && m->keys[i] != key) i = (i + 1) & mask;
    return i;
}

int64_t *pad_pairmap_find(const pad_pairmap *m, uint64_t key)
{
    if (m->cap == 0) return NULL;
    size_t i = pair_index(m, key);
    return m->keys[i] == key ? &m->values[i] : NULL;
}

static int pairmap_grow(pad_pairmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *keys = malloc(cap * sizeof *keys);
    int64_t *values = malloc(cap * sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return 0;
    }
    memset(keys, 0xff, cap * sizeof *keys);
    pad_pairmap old = *m;
    m->keys = keys, m->values = values, m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i] != UINT64_MAX) {
            size_t j = pair_index(m, old.keys[i]);
            m->keys[j] = old.keys[i];
            m->values[j] = old.values[i];
        }
    free(old.keys);
    free(old.values);
    return 1;
}

int64_t *pad_pairmap_slot(pad_pairmap *m, uint64_t key)
{
    if (2 * (m->count + 1) > m->cap && !pairmap_grow(m)) return NULL;
    size_t i = pair_index(m, key);
    if (m->keys[i] != key) {
        m->keys[i] = key;
        m->values[i] = 0;
        m->count++;
    }
    return &m->values[i];
}

void pad_pairmap_free(pad_pairmap *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}
