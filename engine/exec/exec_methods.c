/* pad: attributes: methods of list, tuple, dict and str, and the names of
 * the math module. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "exec/exec_call.h"

static int is_math_attr(int attr) { return attr >= EXEC_A_sqrt; }

static int has_method(exec_val self, int a)
{
    switch (self.kind) {
    case EXEC_V_LIST: return a <= EXEC_A_clear;
    case EXEC_V_TUPLE: return a == EXEC_A_index || a == EXEC_A_count;
    case EXEC_V_DICT:
        return a == EXEC_A_get || a == EXEC_A_keys || a == EXEC_A_values || a == EXEC_A_items || a == EXEC_A_pop ||
               a == EXEC_A_update || a == EXEC_A_setdefault || a == EXEC_A_copy || a == EXEC_A_clear;
    case EXEC_V_STR:
        return (a >= EXEC_A_split && a <= EXEC_A_capitalize) || a == EXEC_A_index || a == EXEC_A_count;
    default: return 0;
    }
}

int exec_get_attr(exec_rt *rt, exec_val obj, int attr, exec_val *out)
{
    if (obj.kind == EXEC_V_MODULE) {
        if (!is_math_attr(attr))
            return exec_raise(rt, "AttributeError", "module 'math' has no attribute '%s'", exec_attr_name(attr));
        switch (attr) {
        case EXEC_A_pi: *out = exec_float(3.141592653589793); return 0;
        case EXEC_A_e: *out = exec_float(2.718281828459045); return 0;
        case EXEC_A_tau: *out = exec_float(6.283185307179586); return 0;
        case EXEC_A_inf: *out = exec_float(INFINITY); return 0;
        case EXEC_A_nan: *out = exec_float(NAN); return 0;
        default: break;
        }
    } else if (!has_method(obj, attr)) {
        return exec_raise(rt, "AttributeError", "'%s' object has no attribute '%s'", exec_type_name(obj),
                          exec_attr_name(attr));
    }
    exec_method *m = exec_alloc(rt, sizeof *m);
    if (!m) return EXEC_FAIL;
    m->self = obj;
    m->id = attr;
    out->kind = EXEC_V_METHOD;
    out->u.m = m;
    return 0;
}

/* ---- sorting: a stable merge sort that can fail on a comparison ---- */

typedef struct sort_item {
    exec_val key, val;
} sort_item;

static int merge_sort(exec_rt *rt, sort_item *v, sort_item *tmp, size_t n, int reverse)
{
    if (n < 2) return 0;
    size_t h = n / 2;
    if (merge_sort(rt, v, tmp, h, reverse) || merge_sort(rt, v + h, tmp, n - h, reverse)) return EXEC_FAIL;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int c;
        /* take from the right only when strictly before: keeps ties stable */
        if (exec_charge(rt, 1) || exec_compare(rt, "<", reverse ? v[i].key : v[j].key, reverse ? v[j].key : v[i].key, &c))
            return EXEC_FAIL;
        tmp[k++] = c == -1 ? v[j++] : v[i++];
    }
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
    return 0;
}

/* Sorts items->items in place (items may alias the caller's list). */
static int sort_items(exec_rt *rt, exec_list *items, const exec_kwargs *kw, const char *fn)
{
    static const char *const allowed[] = {"key", "reverse", NULL};
    exec_val opt[2];
    if (exec_kwarg(rt, fn, kw, allowed, opt)) return EXEC_FAIL;
    int has_key = opt[0].kind != EXEC_V_UNSET && opt[0].kind != EXEC_V_NONE;
    int reverse = opt[1].kind != EXEC_V_UNSET && exec_truthy(opt[1]);
    size_t n = items->len;
    sort_item *v = exec_alloc(rt, 2 * (n ? n : 1) * sizeof *v);
    if (!v) return EXEC_FAIL;
    for (size_t i = 0; i < n; i++) {
        v[i].val = v[i].key = items->items[i];
        if (has_key && exec_call_value(rt, opt[0], &v[i].val, 1, NULL, &v[i].key)) return EXEC_FAIL;
    }
    if (merge_sort(rt, v, v + n, n, reverse)) return EXEC_FAIL;
    for (size_t i = 0; i < n; i++) items->items[i] = v[i].val;
    return 0;
}

int exec_sorted(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    exec_list *items;
    if (exec_nargs(rt, "sorted", n, 1, 1) || exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    if (exec_list_new(rt, EXEC_V_LIST, items->len, out)) return EXEC_FAIL;
    memcpy(out->u.l->items, items->items, items->len * sizeof(exec_val));
    return sort_items(rt, out->u.l, kw, "sorted");
}

int exec_dict_update(exec_rt *rt, exec_dict *d, exec_val src)
{
    if (src.kind == EXEC_V_DICT) {
        for (size_t i = 0; i < src.u.d->used; i++)
            if (src.u.d->keys[i].kind != EXEC_V_UNSET && exec_dict_set(rt, d, src.u.d->keys[i], src.u.d->vals[i]))
                return EXEC_FAIL;
        return 0;
    }
    exec_list *items;
    if (exec_iter_items(rt, src, &items)) return EXEC_FAIL;
    for (size_t i = 0; i < items->len; i++) {
        exec_list *pair;
        exec_val p = items->items[i];
        if (p.kind != EXEC_V_LIST && p.kind != EXEC_V_TUPLE && p.kind != EXEC_V_STR)
            return exec_raise(rt, "TypeError", "cannot convert dictionary update sequence element #%zu to a sequence", i);
        if (exec_iter_items(rt, p, &pair)) return EXEC_FAIL;
        if (pair->len != 2)
            return exec_raise(rt, "ValueError", "dictionary update sequence element #%zu has length %zu; 2 is required", i,
                              pair->len);
        if (exec_dict_set(rt, d, pair->items[0], pair->items[1])) return EXEC_FAIL;
    }
    return 0;
}

/* keys(), values() or items() as a list (what programs iterate over). */
static int dict_view(exec_rt *rt, exec_dict *d, int attr, exec_val *out)
{
    if (exec_charge(rt, d->len / 4) || exec_list_new(rt, EXEC_V_LIST, d->len, out)) return EXEC_FAIL;
    size_t k = 0;
    for (size_t i = 0; i < d->used; i++) {
        if (d->keys[i].kind == EXEC_V_UNSET) continue;
        exec_val *slot = &out->u.l->items[k++];
        if (attr == EXEC_A_keys) *slot = d->keys[i];
        else if (attr == EXEC_A_values) *slot = d->vals[i];
        else {
            if (exec_list_new(rt, EXEC_V_TUPLE, 2, slot)) return EXEC_FAIL;
            slot->u.l->items[0] = d->keys[i];
            slot->u.l->items[1] = d->vals[i];
        }
    }
    return 0;
}

static int key_error(exec_rt *rt, exec_val key)
{
    exec_val r;
    if (exec_repr(rt, key, &r)) return EXEC_FAIL;
    return exec_raise(rt, "KeyError", "%s", r.u.s->data);
}

static int dict_method(exec_rt *rt, exec_dict *d, int attr, exec_val *a, int n, exec_val *out)
{
    int found;
    exec_val v;
    switch (attr) {
    case EXEC_A_get:
        if (exec_nargs(rt, "get", n, 1, 2) || exec_dict_get(rt, d, a[0], &v, &found)) return EXEC_FAIL;
        *out = found ? v : n == 2 ? a[1] : exec_none();
        return 0;
    case EXEC_A_keys:
    case EXEC_A_values:
    case EXEC_A_items:
        if (exec_nargs(rt, exec_attr_name(attr), n, 0, 0)) return EXEC_FAIL;
        return dict_view(rt, d, attr, out);
    case EXEC_A_pop:
        if (exec_nargs(rt, "pop", n, 1, 2) || exec_dict_get(rt, d, a[0], &v, &found)) return EXEC_FAIL;
        if (!found) {
            if (n == 2) { *out = a[1]; return 0; }
            return key_error(rt, a[0]);
        }
        *out = v;
        return exec_dict_del(rt, d, a[0], &found);
    case EXEC_A_setdefault:
        if (exec_nargs(rt, "setdefault", n, 1, 2) || exec_dict_get(rt, d, a[0], &v, &found)) return EXEC_FAIL;
        if (found) { *out = v; return 0; }
        *out = n == 2 ? a[1] : exec_none();
        return exec_dict_set(rt, d, a[0], *out);
    case EXEC_A_update:
        if (exec_nargs(rt, "update", n, 0, 1)) return EXEC_FAIL;
        *out = exec_none();
        return n ? exec_dict_update(rt, d, a[0]) : 0;
    case EXEC_A_copy:
        if (exec_nargs(rt, "copy", n, 0, 0) || exec_dict_new(rt, out)) return EXEC_FAIL;
        return exec_dict_update(rt, out->u.d, (exec_val){.kind = EXEC_V_DICT, .u.d = d});
    default: /* clear */
        if (exec_nargs(rt, "clear", n, 0, 0)) return EXEC_FAIL;
        memset(d, 0, sizeof *d);
        *out = exec_none();
        return 0;
    }
}

static int seq_find(exec_rt *rt, exec_list *l, exec_val *a, int n, int64_t *pos)
{
    int64_t len = (int64_t)l->len, lo = 0, hi = len;
    if ((n >= 2 && exec_to_index(rt, a[1], &lo)) || (n >= 3 && exec_to_index(rt, a[2], &hi))) return EXEC_FAIL;
    if (lo < 0 && (lo += len) < 0) lo = 0;
    if (hi < 0 && (hi += len) < 0) hi = 0;
    if (exec_charge(rt, l->len / 4)) return EXEC_FAIL;
    for (int64_t i = lo; i < hi && i < len; i++)
        if (exec_eq(l->items[i], a[0])) { *pos = i; return 0; }
    *pos = -1;
    return 0;
}

static int list_method(exec_rt *rt, exec_val self, int attr, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    exec_list *l = self.u.l, *items;
    const char *name = exec_attr_name(attr);
    int64_t i;
    *out = exec_none();
    if (attr != EXEC_A_sort && exec_no_kwargs(rt, name, kw)) return EXEC_FAIL;
    switch (attr) {
    case EXEC_A_index: {
        if (exec_nargs(rt, "index", n, 1, 3) || seq_find(rt, l, a, n, &i)) return EXEC_FAIL;
        if (i >= 0) { *out = exec_int(i); return 0; }
        if (self.kind == EXEC_V_TUPLE) return exec_raise(rt, "ValueError", "tuple.index(x): x not in tuple");
        exec_val r;
        if (exec_repr(rt, a[0], &r)) return EXEC_FAIL;
        return exec_raise(rt, "ValueError", "%s is not in list", r.u.s->data);
    }
    case EXEC_A_count: {
        if (exec_nargs(rt, "count", n, 1, 1) || exec_charge(rt, l->len / 4)) return EXEC_FAIL;
        int64_t c = 0;
        for (size_t k = 0; k < l->len; k++) c += exec_eq(l->items[k], a[0]);
        *out = exec_int(c);
        return 0;
    }
    case EXEC_A_append:
        if (exec_nargs(rt, "append", n, 1, 1)) return EXEC_FAIL;
        return exec_list_push(rt, l, a[0]);
    case EXEC_A_extend:
        if (exec_nargs(rt, "extend", n, 1, 1) || exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
        for (size_t k = 0, m = items->len; k < m; k++)
            if (exec_list_push(rt, l, items->items[k])) return EXEC_FAIL;
        return exec_charge(rt, items->len / 16);
    case EXEC_A_pop:
        if (exec_nargs(rt, "pop", n, 0, 1)) return EXEC_FAIL;
        if (!l->len) return exec_raise(rt, "IndexError", "pop from empty list");
        i = (int64_t)l->len - 1;
        if (n && exec_to_index(rt, a[0], &i)) return EXEC_FAIL;
        if (i < 0) i += (int64_t)l->len;
        if (i < 0 || i >= (int64_t)l->len) return exec_raise(rt, "IndexError", "pop index out of range");
        *out = l->items[i];
        memmove(l->items + i, l->items + i + 1, (l->len - (size_t)i - 1) * sizeof *l->items);
        l->len--;
        return exec_charge(rt, l->len / 16);
    case EXEC_A_insert:
        if (exec_nargs(rt, "insert", n, 2, 2) || exec_to_index(rt, a[0], &i) || exec_list_push(rt, l, a[1]))
            return EXEC_FAIL;
        if (i < 0 && (i += (int64_t)l->len - 1) < 0) i = 0;
        if (i > (int64_t)l->len - 1) i = (int64_t)l->len - 1;
        memmove(l->items + i + 1, l->items + i, (l->len - 1 - (size_t)i) * sizeof *l->items);
        l->items[i] = a[1];
        return exec_charge(rt, l->len / 16);
    case EXEC_A_remove:
        if (exec_nargs(rt, "remove", n, 1, 1) || seq_find(rt, l, a, 1, &i)) return EXEC_FAIL;
        if (i < 0) return exec_raise(rt, "ValueError", "list.remove(x): x not in list");
        memmove(l->items + i, l->items + i + 1, (l->len - (size_t)i - 1) * sizeof *l->items);
        l->len--;
        return 0;
    case EXEC_A_sort:
        if (exec_nargs(rt, "sort", n, 0, 0)) return EXEC_FAIL;
        return sort_items(rt, l, kw, "sort");
    case EXEC_A_reverse:
        if (exec_nargs(rt, "reverse", n, 0, 0)) return EXEC_FAIL;
        for (size_t k = 0; k < l->len / 2; k++) {
            exec_val t = l->items[k];
            l->items[k] = l->items[l->len - 1 - k];
            l->items[l->len - 1 - k] = t;
        }
        return 0;
    case EXEC_A_copy:
        if (exec_nargs(rt, "copy", n, 0, 0) || exec_list_new(rt, EXEC_V_LIST, l->len, out)) return EXEC_FAIL;
        memcpy(out->u.l->items, l->items, l->len * sizeof *l->items);
        return 0;
    default: /* clear */
        if (exec_nargs(rt, "clear", n, 0, 0)) return EXEC_FAIL;
        l->len = 0;
        return 0;
    }
}

int exec_str_method(exec_rt *rt, exec_val self, int attr, exec_val *a, int n, exec_val *out);

int exec_call_method(exec_rt *rt, exec_val self, int attr, exec_val *args, int nargs, const exec_kwargs *kw,
                     exec_val *out)
{
    if (self.kind == EXEC_V_MODULE) {
        exec_val f;
        if (exec_get_attr(rt, self, attr, &f)) return EXEC_FAIL;
        if (f.kind != EXEC_V_METHOD) return exec_raise(rt, "TypeError", "'float' object is not callable");
        return exec_math_call(rt, attr, args, nargs, kw, out);
    }
    if (!has_method(self, attr))
        return exec_raise(rt, "AttributeError", "'%s' object has no attribute '%s'", exec_type_name(self),
                          exec_attr_name(attr));
    if (self.kind == EXEC_V_LIST || self.kind == EXEC_V_TUPLE) return list_method(rt, self, attr, args, nargs, kw, out);
    if (exec_no_kwargs(rt, exec_attr_name(attr), kw)) return EXEC_FAIL;
    if (self.kind == EXEC_V_DICT) return dict_method(rt, self.u.d, attr, args, nargs, out);
    return exec_str_method(rt, self, attr, args, nargs, out);
}
