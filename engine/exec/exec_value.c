#include "exec/exec_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void fail_v(exec_rt *rt, exec_outcome o, const char *type, const char *fmt, va_list ap)
{
    vsnprintf(rt->emsg, sizeof rt->emsg, fmt, ap);
    snprintf(rt->etype, sizeof rt->etype, "%s", type);
    rt->outcome = o;
    rt->eline = rt->cur_line;
}

int exec_raise(exec_rt *rt, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(rt, EXEC_ERROR, type, fmt, ap);
    va_end(ap);
    return EXEC_FAIL;
}

/* A limit or an unsupported construct: an outcome of its own, no Python type. */
int exec_limit(exec_rt *rt, exec_outcome o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(rt, o, "", fmt, ap);
    va_end(ap);
    return EXEC_FAIL;
}

void *exec_alloc(exec_rt *rt, size_t bytes)
{
    if (bytes > rt->lim->max_memory || rt->mem > rt->lim->max_memory - bytes) {
        exec_limit(rt, EXEC_MEMORY_LIMIT, "program data beyond %zu bytes", rt->lim->max_memory);
        return NULL;
    }
    rt->mem += bytes;
    void *p = pad_arena_alloc(rt->arena, bytes);
    if (!p) exec_limit(rt, EXEC_MEMORY_LIMIT, "out of memory");
    return p;
}

int exec_check_len(exec_rt *rt, size_t n)
{
    if (n > rt->lim->max_seq_len)
        return exec_limit(rt, EXEC_SIZE_LIMIT, "a sequence of %zu elements is beyond the limit %zu", n,
                          rt->lim->max_seq_len);
    return 0;
}

int exec_charge(exec_rt *rt, uint64_t steps)
{
    rt->steps += steps;
    if (rt->steps > rt->lim->max_steps)
        return exec_limit(rt, EXEC_STEP_LIMIT, "more than %llu steps", (unsigned long long)rt->lim->max_steps);
    return 0;
}

const char *exec_type_name(exec_val v)
{
    switch ((exec_kind)v.kind) {
    case EXEC_V_NONE: return "NoneType";
    case EXEC_V_BOOL: return "bool";
    case EXEC_V_INT: return "int";
    case EXEC_V_FLOAT: return "float";
    case EXEC_V_STR: return "str";
    case EXEC_V_LIST: return "list";
    case EXEC_V_TUPLE: return "tuple";
    case EXEC_V_DICT: return "dict";
    case EXEC_V_RANGE: return "range";
    case EXEC_V_FUNC: return "function";
    case EXEC_V_BUILTIN: return "builtin_function_or_method";
    case EXEC_V_METHOD: return "builtin_function_or_method";
    case EXEC_V_MODULE: return "module";
    case EXEC_V_UNSET: break;
    }
    return "?";
}

int exec_str_new(exec_rt *rt, const char *s, size_t n, exec_val *out)
{
    if (exec_check_len(rt, n)) return EXEC_FAIL;
    exec_str *str = exec_alloc(rt, sizeof *str + n + 1);
    if (!str) return EXEC_FAIL;
    str->len = n;
    str->ascii = 1;
    if (s) memcpy(str->data, s, n);
    str->data[n] = '\0';
    for (size_t i = 0; s && i < n; i++)
        if ((unsigned char)s[i] >= 0x80) { str->ascii = 0; break; }
    out->kind = EXEC_V_STR;
    out->u.s = str;
    return 0;
}

size_t exec_str_chars(const exec_str *s)
{
    if (s->ascii) return s->len;
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++) n += ((unsigned char)s->data[i] & 0xC0) != 0x80;
    return n;
}

int exec_list_new(exec_rt *rt, exec_kind kind, size_t len, exec_val *out)
{
    if (exec_check_len(rt, len)) return EXEC_FAIL;
    exec_list *l = exec_alloc(rt, sizeof *l);
    size_t cap = len ? len : 4;
    exec_val *items = l ? exec_alloc(rt, cap * sizeof *items) : NULL;
    if (!items) return EXEC_FAIL;
    memset(items, 0, cap * sizeof *items);
    l->len = len;
    l->cap = cap;
    l->items = items;
    out->kind = (uint8_t)kind;
    out->u.l = l;
    return 0;
}

int exec_list_push(exec_rt *rt, exec_list *l, exec_val v)
{
    if (l->len == l->cap) {
        if (exec_check_len(rt, l->len + 1)) return EXEC_FAIL;
        size_t cap = l->cap * 2;
        exec_val *items = exec_alloc(rt, cap * sizeof *items);
        if (!items) return EXEC_FAIL;
        memcpy(items, l->items, l->len * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = v;
    return 0;
}

/* ---- hashing and equality ---- */

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* Equal numbers hash alike (1 == 1.0 == True), as Python requires of keys. */
static int hash_val(exec_rt *rt, exec_val v, uint64_t *h)
{
    switch ((exec_kind)v.kind) {
    case EXEC_V_NONE: *h = 0x9e3779b9; return 0;
    case EXEC_V_BOOL:
    case EXEC_V_INT: *h = mix((uint64_t)v.u.i); return 0;
    case EXEC_V_FLOAT:
        if (v.u.f == floor(v.u.f) && fabs(v.u.f) < 9.2e18) *h = mix((uint64_t)(int64_t)v.u.f);
        else {
            double f = v.u.f == 0 ? 0.0 : v.u.f;
            uint64_t bits;
            memcpy(&bits, &f, sizeof bits);
            *h = mix(bits ^ 0x5bd1e995);
        }
        return 0;
    case EXEC_V_STR: {
        uint64_t x = 1469598103934665603ULL;
        for (size_t i = 0; i < v.u.s->len; i++) x = (x ^ (unsigned char)v.u.s->data[i]) * 1099511628211ULL;
        *h = mix(x);
        return 0;
    }
    case EXEC_V_TUPLE: {
        uint64_t x = 0x345678;
        for (size_t i = 0; i < v.u.l->len; i++) {
            uint64_t e;
            if (hash_val(rt, v.u.l->items[i], &e)) return EXEC_FAIL;
            x = mix(x * 1000003 ^ e);
        }
        *h = x;
        return 0;
    }
    case EXEC_V_LIST:
    case EXEC_V_DICT:
        return exec_raise(rt, "TypeError", "unhashable type: '%s'", exec_type_name(v));
    default: *h = mix((uint64_t)(uintptr_t)v.u.p); return 0;
    }
}

/* -1, 0, 1 comparing an int with a float exactly (no rounding of the int);
 * 2 when f is nan. */
static int cmp_int_float(int64_t i, double f)
{
    if (isnan(f)) return 2;
    if (f >= 9223372036854775808.0) return -1;
    if (f < -9223372036854775808.0) return 1;
    double t = trunc(f);
    int64_t ti = (int64_t)t;
    if (i != ti) return i < ti ? -1 : 1;
    double frac = f - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int seq_eq(const exec_list *a, const exec_list *b)
{
    if (a->len != b->len) return 0;
    for (size_t i = 0; i < a->len; i++)
        if (!exec_eq(a->items[i], b->items[i])) return 0;
    return 1;
}

static int dict_eq(const exec_dict *a, const exec_dict *b)
{
    if (a->len != b->len) return 0;
    for (size_t i = 0; i < a->used; i++) {
        if (a->keys[i].kind == EXEC_V_UNSET) continue;
        int found = 0;
        exec_val other;
        for (size_t j = 0; j < b->used && !found; j++)
            if (b->keys[j].kind != EXEC_V_UNSET && exec_eq(a->keys[i], b->keys[j])) {
                found = 1;
                other = b->vals[j];
            }
        if (!found || !exec_eq(a->vals[i], other)) return 0;
    }
    return 1;
}

int exec_eq(exec_val a, exec_val b)
{
    if (exec_is_num(a) && exec_is_num(b)) {
        if (a.kind == EXEC_V_FLOAT && b.kind == EXEC_V_FLOAT) return a.u.f == b.u.f;
        if (a.kind == EXEC_V_FLOAT) return cmp_int_float(b.u.i, a.u.f) == 0;
        if (b.kind == EXEC_V_FLOAT) return cmp_int_float(a.u.i, b.u.f) == 0;
        return a.u.i == b.u.i;
    }
    if (a.kind != b.kind) return 0;
    switch ((exec_kind)a.kind) {
    case EXEC_V_NONE: return 1;
    case EXEC_V_STR: return a.u.s->len == b.u.s->len && !memcmp(a.u.s->data, b.u.s->data, a.u.s->len);
    case EXEC_V_LIST:
    case EXEC_V_TUPLE: return a.u.l == b.u.l || seq_eq(a.u.l, b.u.l);
    case EXEC_V_DICT: return a.u.d == b.u.d || dict_eq(a.u.d, b.u.d);
    case EXEC_V_RANGE: return a.u.r->start == b.u.r->start && a.u.r->stop == b.u.r->stop && a.u.r->step == b.u.r->step;
    case EXEC_V_METHOD: return a.u.m->id == b.u.m->id && exec_eq(a.u.m->self, b.u.m->self);
    case EXEC_V_BUILTIN: return a.u.i == b.u.i;
    default: return a.u.p == b.u.p;
    }
}

static int seq_compare(exec_rt *rt, const char *op, const exec_list *a, const exec_list *b, int *res)
{
    size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++)
        if (!exec_eq(a->items[i], b->items[i])) return exec_compare(rt, op, a->items[i], b->items[i], res);
    *res = a->len < b->len ? -1 : a->len > b->len;
    return 0;
}

int exec_compare(exec_rt *rt, const char *op, exec_val a, exec_val b, int *res)
{
    if (exec_is_num(a) && exec_is_num(b)) {
        if (a.kind == EXEC_V_FLOAT && b.kind == EXEC_V_FLOAT)
            *res = isnan(a.u.f) || isnan(b.u.f) ? 2 : a.u.f < b.u.f ? -1 : a.u.f > b.u.f;
        else if (a.kind == EXEC_V_FLOAT) {
            int c = cmp_int_float(b.u.i, a.u.f);
            *res = c == 2 ? 2 : -c;
        } else if (b.kind == EXEC_V_FLOAT) *res = cmp_int_float(a.u.i, b.u.f);
        else *res = a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
        return 0;
    }
    if (a.kind == b.kind && a.kind == EXEC_V_STR) {
        size_t n = a.u.s->len < b.u.s->len ? a.u.s->len : b.u.s->len;
        int c = memcmp(a.u.s->data, b.u.s->data, n); /* UTF-8 byte order == code point order */
        *res = c ? (c < 0 ? -1 : 1) : a.u.s->len < b.u.s->len ? -1 : a.u.s->len > b.u.s->len;
        return 0;
    }
    if (a.kind == b.kind && (a.kind == EXEC_V_LIST || a.kind == EXEC_V_TUPLE))
        return seq_compare(rt, op, a.u.l, b.u.l, res);
    return exec_raise(rt, "TypeError", "'%s' not supported between instances of '%s' and '%s'", op,
                      exec_type_name(a), exec_type_name(b));
}

int exec_truthy(exec_val v)
{
    switch ((exec_kind)v.kind) {
    case EXEC_V_NONE: return 0;
    case EXEC_V_BOOL:
    case EXEC_V_INT: return v.u.i != 0;
    case EXEC_V_FLOAT: return v.u.f != 0;
    case EXEC_V_STR: return v.u.s->len != 0;
    case EXEC_V_LIST:
    case EXEC_V_TUPLE: return v.u.l->len != 0;
    case EXEC_V_DICT: return v.u.d->len != 0;
    case EXEC_V_RANGE: {
        const exec_range *r = v.u.r;
        return r->step > 0 ? r->start < r->stop : r->start > r->stop;
    }
    default: return 1;
    }
}

/* ---- dict: insertion-ordered entries plus an open-addressing index ---- */

int exec_dict_new(exec_rt *rt, exec_val *out)
{
    exec_dict *d = exec_alloc(rt, sizeof *d);
    if (!d) return EXEC_FAIL;
    memset(d, 0, sizeof *d);
    out->kind = EXEC_V_DICT;
    out->u.d = d;
    return 0;
}

static int dict_reindex(exec_rt *rt, exec_dict *d, size_t index_cap)
{
    int32_t *index = exec_alloc(rt, index_cap * sizeof *index);
    if (!index) return EXEC_FAIL;
    memset(index, 0xff, index_cap * sizeof *index);
    for (size_t e = 0; e < d->used; e++) {
        if (d->keys[e].kind == EXEC_V_UNSET) continue;
        size_t j = d->hashes[e] & (index_cap - 1);
        while (index[j] >= 0) j = (j + 1) & (index_cap - 1);
        index[j] = (int32_t)e;
    }
    d->index = index;
    d->index_cap = index_cap;
    return 0;
}

/* Slot in the index holding key, or the empty slot where it would go. */
static size_t dict_probe(const exec_dict *d, exec_val key, uint64_t h)
{
    size_t j = h & (d->index_cap - 1);
    while (d->index[j] >= 0) {
        int32_t e = d->index[j];
        if (d->hashes[e] == h && exec_eq(d->keys[e], key)) break;
        j = (j + 1) & (d->index_cap - 1);
    }
    return j;
}

int exec_dict_get(exec_rt *rt, exec_dict *d, exec_val key, exec_val *val, int *found)
{
    uint64_t h;
    if (hash_val(rt, key, &h)) return EXEC_FAIL;
    *found = 0;
    if (!d->index_cap) return 0;
    size_t j = dict_probe(d, key, h);
    if (d->index[j] >= 0) {
        *found = 1;
        *val = d->vals[d->index[j]];
    }
    return 0;
}

static int dict_grow(exec_rt *rt, exec_dict *d)
{
    if (exec_check_len(rt, d->len + 1)) return EXEC_FAIL;
    size_t cap = d->cap ? d->cap * 2 : 8;
    exec_val *keys = exec_alloc(rt, cap * sizeof *keys);
    exec_val *vals = keys ? exec_alloc(rt, cap * sizeof *vals) : NULL;
    uint64_t *hashes = vals ? exec_alloc(rt, cap * sizeof *hashes) : NULL;
    if (!hashes) return EXEC_FAIL;
    size_t n = 0; /* compact away deleted entries */
    for (size_t e = 0; e < d->used; e++) {
        if (d->keys[e].kind == EXEC_V_UNSET) continue;
        keys[n] = d->keys[e];
        vals[n] = d->vals[e];
        hashes[n++] = d->hashes[e];
    }
    d->keys = keys;
    d->vals = vals;
    d->hashes = hashes;
    d->used = n;
    d->cap = cap;
    return dict_reindex(rt, d, cap * 2);
}

int exec_dict_set(exec_rt *rt, exec_dict *d, exec_val key, exec_val val)
{
    uint64_t h;
    if (hash_val(rt, key, &h)) return EXEC_FAIL;
    if (d->index_cap) {
        size_t j = dict_probe(d, key, h);
        if (d->index[j] >= 0) {
            d->vals[d->index[j]] = val;
            return 0;
        }
    }
    if (d->used == d->cap && dict_grow(rt, d)) return EXEC_FAIL;
    size_t j = dict_probe(d, key, h);
    d->index[j] = (int32_t)d->used;
    d->keys[d->used] = key;
    d->vals[d->used] = val;
    d->hashes[d->used++] = h;
    d->len++;
    return 0;
}

int exec_dict_del(exec_rt *rt, exec_dict *d, exec_val key, int *found)
{
    uint64_t h;
    if (hash_val(rt, key, &h)) return EXEC_FAIL;
    *found = 0;
    if (!d->index_cap) return 0;
    size_t j = dict_probe(d, key, h);
    if (d->index[j] < 0) return 0;
    *found = 1;
    d->keys[d->index[j]].kind = EXEC_V_UNSET;
    d->len--;
    /* Deletions are rare in these programs: rebuilding keeps probing simple. */
    if (exec_charge(rt, d->used)) return EXEC_FAIL;
    return dict_reindex(rt, d, d->index_cap);
}
