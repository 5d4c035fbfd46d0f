/* pad: the builtin functions of the subset. */
#include "exec/exec_builtins.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec_call.h"

#define EXEC_NAME_STR(name) #name,
static const char *const BUILTIN_NAMES[] = {EXEC_BUILTINS(EXEC_NAME_STR)};
static const char *const ATTR_NAMES[] = {EXEC_ATTRS(EXEC_NAME_STR)};
#undef EXEC_NAME_STR

static const char *const FOREIGN[] = {"aiter", "anext", "ascii", "bin", "bytearray", "bytes", "callable", "complex",
                                      "filter", "format", "frozenset", "hash", "hex", "isinstance", "issubclass",
                                      "iter", "map", "next", "oct", "set", "slice", "__import__"};

int exec_builtin_lookup(const char *name)
{
    for (int i = 0; i < EXEC_B_COUNT; i++)
        if (!strcmp(BUILTIN_NAMES[i], name)) return i;
    return -1;
}

int exec_attr_lookup(const char *name)
{
    for (int i = 0; i < EXEC_A_COUNT; i++)
        if (!strcmp(ATTR_NAMES[i], name)) return i;
    return -1;
}

const char *exec_attr_name(int id) { return id >= 0 && id < EXEC_A_COUNT ? ATTR_NAMES[id] : "?"; }

int exec_builtin_foreign(const char *name)
{
    for (size_t i = 0; i < sizeof FOREIGN / sizeof FOREIGN[0]; i++)
        if (!strcmp(FOREIGN[i], name)) return 1;
    return 0;
}

int exec_nargs(exec_rt *rt, const char *fn, int nargs, int lo, int hi)
{
    if (nargs >= lo && nargs <= hi) return 0;
    if (lo == hi)
        return exec_raise(rt, "TypeError", "%s() takes exactly %s (%d given)", fn,
                          lo == 1 ? "one argument" : lo == 0 ? "no arguments" : "two arguments", nargs);
    if (nargs < lo) return exec_raise(rt, "TypeError", "%s expected at least %d argument%s, got %d", fn, lo, lo == 1 ? "" : "s", nargs);
    return exec_raise(rt, "TypeError", "%s expected at most %d argument%s, got %d", fn, hi, hi == 1 ? "" : "s", nargs);
}

int exec_no_kwargs(exec_rt *rt, const char *fn, const exec_kwargs *kw)
{
    if (kw && kw->n) return exec_raise(rt, "TypeError", "%s() takes no keyword arguments", fn);
    return 0;
}

/* A keyword argument from the allowed set, or UNSET. */
int exec_kwarg(exec_rt *rt, const char *fn, const exec_kwargs *kw, const char *const *allowed, exec_val *vals)
{
    int nallowed = 0;
    while (allowed[nallowed]) vals[nallowed++].kind = EXEC_V_UNSET;
    for (int k = 0; kw && k < kw->n; k++) {
        int i = 0;
        while (i < nallowed && strcmp(allowed[i], kw->names[k])) i++;
        if (i == nallowed)
            return exec_raise(rt, "TypeError", "%s() got an unexpected keyword argument '%s'", fn, kw->names[k]);
        vals[i] = kw->vals[k];
    }
    return 0;
}

int exec_float_to_int(exec_rt *rt, double f, exec_val *out)
{
    if (isnan(f)) return exec_raise(rt, "ValueError", "cannot convert float NaN to integer");
    if (isinf(f)) return exec_raise(rt, "OverflowError", "cannot convert float infinity to integer");
    if (f >= 9223372036854775808.0 || f < -9223372036854775808.0)
        return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits");
    *out = exec_int((int64_t)f);
    return 0;
}

static int value_error_repr(exec_rt *rt, const char *prefix, exec_val s)
{
    exec_val r;
    if (exec_repr(rt, s, &r)) return EXEC_FAIL;
    return exec_raise(rt, "ValueError", "%s%s", prefix, r.u.s->data);
}

/* Python's int(str): optional sign, digits with single underscores between
 * them, surrounding whitespace. */
static int int_from_str(exec_rt *rt, exec_val s, int base, exec_val *out)
{
    const char *p = s.u.s->data, *e = p + s.u.s->len;
    while (p < e && isspace((unsigned char)*p)) p++;
    while (e > p && isspace((unsigned char)e[-1])) e--;
    char buf[80];
    size_t k = 0;
    int ok = e > p;
    if (ok && (*p == '+' || *p == '-')) buf[k++] = *p++;
    if (base == 16 && e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
    ok = ok && p < e && *p != '_';
    for (; ok && p < e; p++) {
        if (*p == '_' && p + 1 < e && p[1] != '_') continue;
        int d = isdigit((unsigned char)*p) ? *p - '0' : isalpha((unsigned char)*p) ? tolower((unsigned char)*p) - 'a' + 10 : 99;
        if (d >= base || k >= sizeof buf - 1) ok = k < sizeof buf - 1 ? 0 : -1;
        else buf[k++] = *p;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "invalid literal for int() with base %d: ", base);
    if (ok == -1) return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits");
    if (!ok || k == 0 || (k == 1 && (buf[0] == '+' || buf[0] == '-'))) return value_error_repr(rt, prefix, s);
    buf[k] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, base);
    if (errno == ERANGE) return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits");
    *out = exec_int(v);
    return 0;
}

static int float_from_str(exec_rt *rt, exec_val s, exec_val *out)
{
    const char *p = s.u.s->data, *e = p + s.u.s->len;
    while (p < e && isspace((unsigned char)*p)) p++;
    while (e > p && isspace((unsigned char)e[-1])) e--;
    char buf[128];
    size_t k = 0;
    for (; p < e && k < sizeof buf - 1; p++)
        if (*p != '_') buf[k++] = *p;
        else if (!(k && isdigit((unsigned char)buf[k - 1]) && p + 1 < e && isdigit((unsigned char)p[1]))) break;
    buf[k] = '\0';
    char *end;
    double v = strtod(buf, &end);
    /* strtod also takes hex floats and "infinity" spellings Python rejects or accepts alike */
    int hex = strchr(buf, 'x') || strchr(buf, 'X');
    if (p != e || k == 0 || *end || hex) return value_error_repr(rt, "could not convert string to float: ", s);
    *out = exec_float(v);
    return 0;
}

static int b_int(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    static const char *const allowed[] = {"base", NULL};
    exec_val base_kw[1];
    if (exec_kwarg(rt, "int", kw, allowed, base_kw) || exec_nargs(rt, "int", n, 0, 2)) return EXEC_FAIL;
    exec_val base = n == 2 ? a[1] : base_kw[0];
    if (n == 0) { *out = exec_int(0); return 0; }
    if (base.kind != EXEC_V_UNSET) {
        if (a[0].kind != EXEC_V_STR) return exec_raise(rt, "TypeError", "int() can't convert non-string with explicit base");
        if (!exec_is_intlike(base) || base.u.i < 2 || base.u.i > 36)
            return exec_limit(rt, EXEC_UNSUPPORTED, "int() with this base is not supported");
        return int_from_str(rt, a[0], (int)base.u.i, out);
    }
    if (exec_is_intlike(a[0])) { *out = exec_int(a[0].u.i); return 0; }
    if (a[0].kind == EXEC_V_FLOAT) return exec_float_to_int(rt, trunc(a[0].u.f), out);
    if (a[0].kind == EXEC_V_STR) return int_from_str(rt, a[0], 10, out);
    return exec_raise(rt, "TypeError", "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                      exec_type_name(a[0]));
}

static int b_float(exec_rt *rt, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, "float", n, 0, 1)) return EXEC_FAIL;
    if (n == 0) { *out = exec_float(0); return 0; }
    if (a[0].kind == EXEC_V_FLOAT) { *out = a[0]; return 0; }
    if (exec_is_intlike(a[0])) { *out = exec_float((double)a[0].u.i); return 0; }
    if (a[0].kind == EXEC_V_STR) return float_from_str(rt, a[0], out);
    return exec_raise(rt, "TypeError", "float() argument must be a string or a real number, not '%s'", exec_type_name(a[0]));
}

int exec_len(exec_rt *rt, exec_val v, int64_t *n)
{
    switch (v.kind) {
    case EXEC_V_STR: *n = (int64_t)exec_str_chars(v.u.s); return 0;
    case EXEC_V_LIST:
    case EXEC_V_TUPLE: *n = (int64_t)v.u.l->len; return 0;
    case EXEC_V_DICT: *n = (int64_t)v.u.d->len; return 0;
    case EXEC_V_RANGE: *n = (int64_t)exec_range_len(v.u.r); return 0;
    default: return exec_raise(rt, "TypeError", "object of type '%s' has no len()", exec_type_name(v));
    }
}

static int b_range(exec_rt *rt, exec_val *a, int n, exec_val *out)
{
    if (n < 1 || n > 3)
        return exec_raise(rt, "TypeError", n ? "range expected at most 3 arguments, got %d" : "range expected at least 1 argument, got %d", n);
    int64_t v[3] = {0, 0, 1};
    for (int i = 0; i < n; i++)
        if (exec_to_index(rt, a[i], &v[n == 1 ? 1 : i])) return EXEC_FAIL;
    if (v[2] == 0) return exec_raise(rt, "ValueError", "range() arg 3 must not be zero");
    exec_range *r = exec_alloc(rt, sizeof *r);
    if (!r) return EXEC_FAIL;
    r->start = v[0];
    r->stop = v[1];
    r->step = v[2];
    out->kind = EXEC_V_RANGE;
    out->u.r = r;
    return 0;
}

static int b_seq(exec_rt *rt, exec_kind kind, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, kind == EXEC_V_LIST ? "list" : "tuple", n, 0, 1)) return EXEC_FAIL;
    exec_list *items = NULL;
    if (n && exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    size_t len = items ? items->len : 0;
    if (kind == EXEC_V_TUPLE && n && a[0].kind == EXEC_V_TUPLE) { *out = a[0]; return 0; }
    if (exec_charge(rt, len / 16) || exec_list_new(rt, kind, len, out)) return EXEC_FAIL;
    if (len) memcpy(out->u.l->items, items->items, len * sizeof(exec_val));
    return 0;
}

static int b_dict(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    if (exec_nargs(rt, "dict", n, 0, 1) || exec_dict_new(rt, out)) return EXEC_FAIL;
    if (n && exec_dict_update(rt, out->u.d, a[0])) return EXEC_FAIL;
    for (int k = 0; kw && k < kw->n; k++) {
        exec_val key;
        if (exec_str_new(rt, kw->names[k], strlen(kw->names[k]), &key) || exec_dict_set(rt, out->u.d, key, kw->vals[k]))
            return EXEC_FAIL;
    }
    return 0;
}

static int b_abs(exec_rt *rt, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, "abs", n, 1, 1)) return EXEC_FAIL;
    if (a[0].kind == EXEC_V_FLOAT) { *out = exec_float(fabs(a[0].u.f)); return 0; }
    if (!exec_is_intlike(a[0])) return exec_raise(rt, "TypeError", "bad operand type for abs(): '%s'", exec_type_name(a[0]));
    if (a[0].u.i == INT64_MIN) return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits");
    *out = exec_int(a[0].u.i < 0 ? -a[0].u.i : a[0].u.i);
    return 0;
}

static int b_allany(exec_rt *rt, int any, exec_val *a, int n, exec_val *out)
{
    exec_list *items;
    if (exec_nargs(rt, any ? "any" : "all", n, 1, 1) || exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    if (exec_charge(rt, items->len / 4)) return EXEC_FAIL;
    int r = !any;
    for (size_t i = 0; i < items->len; i++)
        if (exec_truthy(items->items[i]) == any) { r = any; break; }
    *out = exec_bool(r);
    return 0;
}

/* sum() and enumerate(): one iterable and a start, positional or start=,
 * 0 by default. */
static int start_arg(exec_rt *rt, const char *fn, const exec_val *a, int n, const exec_kwargs *kw, exec_val *start)
{
    static const char *const allowed[] = {"start", NULL};
    exec_val opt[1];
    if (exec_kwarg(rt, fn, kw, allowed, opt) || exec_nargs(rt, fn, n, 1, 2)) return EXEC_FAIL;
    *start = n == 2 ? a[1] : opt[0].kind != EXEC_V_UNSET ? opt[0] : exec_int(0);
    return 0;
}

static int b_sum(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    exec_val acc;
    exec_list *items;
    if (start_arg(rt, "sum", a, n, kw, &acc)) return EXEC_FAIL;
    if (acc.kind == EXEC_V_STR) return exec_raise(rt, "TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
    if (exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    for (size_t i = 0; i < items->len; i++)
        if (exec_charge(rt, 1) || exec_binop(rt, EXEC_OP_ADD, acc, items->items[i], &acc)) return EXEC_FAIL;
    *out = acc;
    return 0;
}

/* max/min over an iterable or over the arguments, with key= and default=. */
static int b_minmax(exec_rt *rt, int is_max, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    static const char *const allowed[] = {"key", "default", NULL};
    const char *fn = is_max ? "max" : "min";
    exec_val opt[2];
    exec_list *items, args = {0};
    if (exec_kwarg(rt, fn, kw, allowed, opt)) return EXEC_FAIL;
    if (n == 0) return exec_raise(rt, "TypeError", "%s expected at least 1 argument, got 0", fn);
    if (n == 1) {
        if (exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    } else {
        args.len = (size_t)n;
        args.items = a;
        items = &args;
    }
    if (items->len == 0) {
        if (opt[1].kind != EXEC_V_UNSET) { *out = opt[1]; return 0; }
        return exec_raise(rt, "ValueError", "%s() arg is an empty sequence", fn);
    }
    exec_val best = items->items[0], best_key = best;
    if (opt[0].kind != EXEC_V_UNSET && opt[0].kind != EXEC_V_NONE &&
        exec_call_value(rt, opt[0], &best, 1, NULL, &best_key))
        return EXEC_FAIL;
    for (size_t i = 1; i < items->len; i++) {
        exec_val x = items->items[i], k = x;
        int c;
        if (exec_charge(rt, 1)) return EXEC_FAIL;
        if (opt[0].kind != EXEC_V_UNSET && opt[0].kind != EXEC_V_NONE && exec_call_value(rt, opt[0], &x, 1, NULL, &k))
            return EXEC_FAIL;
        if (exec_compare(rt, is_max ? ">" : "<", k, best_key, &c)) return EXEC_FAIL;
        if (c != 2 && (is_max ? c > 0 : c < 0)) { best = x; best_key = k; }
    }
    *out = best;
    return 0;
}

static int tuple2(exec_rt *rt, exec_val x, exec_val y, exec_val *out)
{
    if (exec_list_new(rt, EXEC_V_TUPLE, 2, out)) return EXEC_FAIL;
    out->u.l->items[0] = x;
    out->u.l->items[1] = y;
    return 0;
}

static int b_enumerate(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    exec_val s;
    exec_list *items;
    if (start_arg(rt, "enumerate", a, n, kw, &s)) return EXEC_FAIL;
    int64_t i0;
    if (exec_to_index(rt, s, &i0) || exec_iter_items(rt, a[0], &items)) return EXEC_FAIL;
    if (exec_charge(rt, items->len / 4) || exec_list_new(rt, EXEC_V_LIST, items->len, out)) return EXEC_FAIL;
    for (size_t i = 0; i < items->len; i++)
        if (tuple2(rt, exec_int(i0 + (int64_t)i), items->items[i], &out->u.l->items[i])) return EXEC_FAIL;
    return 0;
}

static int b_zip(exec_rt *rt, exec_val *a, int n, exec_val *out)
{
    exec_list *cols[16];
    if (n > 16) return exec_limit(rt, EXEC_UNSUPPORTED, "zip() of more than 16 iterables");
    size_t len = n ? SIZE_MAX : 0;
    for (int i = 0; i < n; i++) {
        if (exec_iter_items(rt, a[i], &cols[i])) {
            if (rt->outcome == EXEC_ERROR && !strcmp(rt->etype, "TypeError"))
                exec_raise(rt, "TypeError", "'%s' object is not iterable", exec_type_name(a[i]));
            return EXEC_FAIL;
        }
        if (cols[i]->len < len) len = cols[i]->len;
    }
    if (exec_charge(rt, len / 4) || exec_list_new(rt, EXEC_V_LIST, len, out)) return EXEC_FAIL;
    for (size_t r = 0; r < len; r++) {
        exec_val t;
        if (exec_list_new(rt, EXEC_V_TUPLE, (size_t)n, &t)) return EXEC_FAIL;
        for (int i = 0; i < n; i++) t.u.l->items[i] = cols[i]->items[r];
        out->u.l->items[r] = t;
    }
    return 0;
}

static int b_reversed(exec_rt *rt, exec_val *a, int n, exec_val *out)
{
    exec_list *items;
    if (exec_nargs(rt, "reversed", n, 1, 1)) return EXEC_FAIL;
    if (a[0].kind == EXEC_V_DICT || exec_iter_items(rt, a[0], &items)) {
        if (a[0].kind == EXEC_V_DICT) return exec_raise(rt, "TypeError", "'dict' object is not reversible");
        return EXEC_FAIL;
    }
    if (exec_list_new(rt, EXEC_V_LIST, items->len, out)) return EXEC_FAIL;
    for (size_t i = 0; i < items->len; i++) out->u.l->items[i] = items->items[items->len - 1 - i];
    return 0;
}

static int b_chr_ord(exec_rt *rt, int is_chr, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, is_chr ? "chr" : "ord", n, 1, 1)) return EXEC_FAIL;
    if (is_chr) {
        int64_t c;
        if (exec_to_index(rt, a[0], &c)) return EXEC_FAIL;
        if (c < 0 || c >= 0x110000) return exec_raise(rt, "ValueError", "chr() arg not in range(0x110000)");
        char buf[4];
        size_t k = 0;
        unsigned cp = (unsigned)c;
        if (cp < 0x80) buf[k++] = (char)cp;
        else if (cp < 0x800) { buf[k++] = (char)(0xC0 | cp >> 6); buf[k++] = (char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            buf[k++] = (char)(0xE0 | cp >> 12); buf[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[k++] = (char)(0x80 | (cp & 0x3F));
        } else {
            buf[k++] = (char)(0xF0 | cp >> 18); buf[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            buf[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[k++] = (char)(0x80 | (cp & 0x3F));
        }
        return exec_str_new(rt, buf, k, out);
    }
    if (a[0].kind != EXEC_V_STR)
        return exec_raise(rt, "TypeError", "ord() expected string of length 1, but %s found", exec_type_name(a[0]));
    size_t len = exec_str_chars(a[0].u.s);
    if (len != 1)
        return exec_raise(rt, "TypeError", "ord() expected a character, but string of length %zu found", len);
    const unsigned char *s = (const unsigned char *)a[0].u.s->data;
    unsigned cp = s[0];
    if (cp >= 0xF0) cp = (cp & 0x07) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    else if (cp >= 0xE0) cp = (cp & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    else if (cp >= 0xC0) cp = (cp & 0x1F) << 6 | (s[1] & 0x3Fu);
    *out = exec_int(cp);
    return 0;
}

int exec_call_builtin(exec_rt *rt, int id, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    int takes_kw = id == EXEC_B_int || id == EXEC_B_dict || id == EXEC_B_max || id == EXEC_B_min ||
                   id == EXEC_B_sum || id == EXEC_B_enumerate || id == EXEC_B_sorted || id == EXEC_B_print ||
                   id == EXEC_B_round;
    if (!takes_kw && exec_no_kwargs(rt, BUILTIN_NAMES[id], kw)) return EXEC_FAIL;
    int64_t len = 0;
    switch ((exec_builtin_id)id) {
    case EXEC_B_abs: return b_abs(rt, a, n, out);
    case EXEC_B_all: return b_allany(rt, 0, a, n, out);
    case EXEC_B_any: return b_allany(rt, 1, a, n, out);
    case EXEC_B_bool:
        if (exec_nargs(rt, "bool", n, 0, 1)) return EXEC_FAIL;
        *out = exec_bool(n && exec_truthy(a[0]));
        return 0;
    case EXEC_B_chr: return b_chr_ord(rt, 1, a, n, out);
    case EXEC_B_ord: return b_chr_ord(rt, 0, a, n, out);
    case EXEC_B_dict: return b_dict(rt, a, n, kw, out);
    case EXEC_B_divmod: {
        exec_val q, r;
        if (exec_nargs(rt, "divmod", n, 2, 2) || exec_binop(rt, EXEC_OP_FLOORDIV, a[0], a[1], &q) ||
            exec_binop(rt, EXEC_OP_MOD, a[0], a[1], &r))
            return EXEC_FAIL;
        return tuple2(rt, q, r, out);
    }
    case EXEC_B_enumerate: return b_enumerate(rt, a, n, kw, out);
    case EXEC_B_float: return b_float(rt, a, n, out);
    case EXEC_B_int: return b_int(rt, a, n, kw, out);
    case EXEC_B_len:
        if (exec_nargs(rt, "len", n, 1, 1) || exec_len(rt, a[0], &len)) return EXEC_FAIL;
        *out = exec_int(len);
        return 0;
    case EXEC_B_list: return b_seq(rt, EXEC_V_LIST, a, n, out);
    case EXEC_B_tuple: return b_seq(rt, EXEC_V_TUPLE, a, n, out);
    case EXEC_B_max: return b_minmax(rt, 1, a, n, kw, out);
    case EXEC_B_min: return b_minmax(rt, 0, a, n, kw, out);
    case EXEC_B_pow:
        if (exec_nargs(rt, "pow", n, 2, 3)) return EXEC_FAIL;
        if (n == 3) return exec_pow_mod(rt, a, out);
        return exec_binop(rt, EXEC_OP_POW, a[0], a[1], out);
    case EXEC_B_print: *out = exec_none(); return 0; /* output stays out of the result */
    case EXEC_B_range: return b_range(rt, a, n, out);
    case EXEC_B_repr:
        if (exec_nargs(rt, "repr", n, 1, 1)) return EXEC_FAIL;
        return exec_repr(rt, a[0], out);
    case EXEC_B_str:
        if (exec_nargs(rt, "str", n, 0, 1)) return EXEC_FAIL;
        if (n == 0) return exec_str_new(rt, "", 0, out);
        return exec_to_str(rt, a[0], out);
    case EXEC_B_reversed: return b_reversed(rt, a, n, out);
    case EXEC_B_round: return exec_round(rt, a, n, kw, out);
    case EXEC_B_sorted: return exec_sorted(rt, a, n, kw, out);
    case EXEC_B_sum: return b_sum(rt, a, n, kw, out);
    case EXEC_B_zip: return b_zip(rt, a, n, out);
    case EXEC_B_COUNT: break;
    }
    return exec_limit(rt, EXEC_UNSUPPORTED, "builtin %d", id);
}
