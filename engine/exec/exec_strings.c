/* pad: the str methods of the subset. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "exec/exec_call.h"

int exec_str_method(exec_rt *rt, exec_val self, int attr, exec_val *a, int n, exec_val *out);

static int need_str(exec_rt *rt, const char *fn, exec_val v)
{
    if (v.kind == EXEC_V_STR) return 0;
    return exec_raise(rt, "TypeError", "%s arg must be None or str", fn);
}

static int push_piece(exec_rt *rt, exec_list *l, const char *s, size_t len)
{
    exec_val v;
    return exec_str_new(rt, s, len, &v) || exec_list_push(rt, l, v) ? EXEC_FAIL : 0;
}

static int split(exec_rt *rt, const exec_str *s, exec_val *a, int n, exec_val *out)
{
    int64_t maxsplit = -1;
    if (exec_nargs(rt, "split", n, 0, 2) || (n == 2 && exec_to_index(rt, a[1], &maxsplit))) return EXEC_FAIL;
    if (exec_list_new(rt, EXEC_V_LIST, 0, out) || exec_charge(rt, s->len / 16)) return EXEC_FAIL;
    const char *p = s->data, *e = p + s->len;
    if (n == 0 || a[0].kind == EXEC_V_NONE) { /* runs of whitespace */
        while (p < e) {
            while (p < e && isspace((unsigned char)*p)) p++;
            if (p == e) break;
            const char *w = p;
            if (maxsplit >= 0 && (int64_t)out->u.l->len == maxsplit) {
                while (e > w && isspace((unsigned char)e[-1])) e--;
                return push_piece(rt, out->u.l, w, (size_t)(e - w));
            }
            while (p < e && !isspace((unsigned char)*p)) p++;
            if (push_piece(rt, out->u.l, w, (size_t)(p - w))) return EXEC_FAIL;
        }
        return 0;
    }
    if (need_str(rt, "split()", a[0])) return EXEC_FAIL;
    const exec_str *sep = a[0].u.s;
    if (!sep->len) return exec_raise(rt, "ValueError", "empty separator");
    for (;;) {
        const char *hit = maxsplit >= 0 && (int64_t)out->u.l->len == maxsplit ? NULL
                        : memmem(p, (size_t)(e - p), sep->data, sep->len);
        if (!hit) return push_piece(rt, out->u.l, p, (size_t)(e - p));
        if (push_piece(rt, out->u.l, p, (size_t)(hit - p))) return EXEC_FAIL;
        p = hit + sep->len;
    }
}

static int join(exec_rt *rt, const exec_str *sep, exec_val it, exec_val *out)
{
    exec_list *items;
    if (exec_iter_items(rt, it, &items)) return EXEC_FAIL;
    exec_buf b = {0};
    if (exec_charge(rt, items->len / 4)) return EXEC_FAIL;
    for (size_t i = 0; i < items->len; i++) {
        exec_val x = items->items[i];
        if (x.kind != EXEC_V_STR)
            return exec_raise(rt, "TypeError", "sequence item %zu: expected str instance, %s found", i, exec_type_name(x));
        if ((i && exec_buf_put(rt, &b, sep->data, sep->len)) || exec_buf_put(rt, &b, x.u.s->data, x.u.s->len))
            return EXEC_FAIL;
    }
    return exec_str_new(rt, b.data ? b.data : "", b.len, out);
}

static int strip(exec_rt *rt, const exec_str *s, int attr, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, exec_attr_name(attr), n, 0, 1)) return EXEC_FAIL;
    const char *chars = NULL;
    size_t nchars = 0;
    if (n && a[0].kind != EXEC_V_NONE) {
        if (need_str(rt, "strip", a[0])) return EXEC_FAIL;
        chars = a[0].u.s->data;
        nchars = a[0].u.s->len;
    }
#define STRIPPABLE(c) (chars ? memchr(chars, (c), nchars) != NULL : isspace((unsigned char)(c)))
    const char *p = s->data, *e = p + s->len;
    if (attr != EXEC_A_rstrip)
        while (p < e && STRIPPABLE(*p)) p++;
    if (attr != EXEC_A_lstrip)
        while (e > p && STRIPPABLE(e[-1])) e--;
#undef STRIPPABLE
    return exec_str_new(rt, p, (size_t)(e - p), out);
}

static int replace(exec_rt *rt, const exec_str *s, exec_val *a, int n, exec_val *out)
{
    int64_t count = -1;
    if (exec_nargs(rt, "replace", n, 2, 3) || need_str(rt, "replace", a[0]) || need_str(rt, "replace", a[1]) ||
        (n == 3 && exec_to_index(rt, a[2], &count)))
        return EXEC_FAIL;
    const exec_str *old = a[0].u.s, *rep = a[1].u.s;
    exec_buf b = {0};
    const char *p = s->data, *e = p + s->len;
    if (exec_charge(rt, s->len / 16)) return EXEC_FAIL;
    if (!old->len) {
        if (count) /* Python inserts rep between characters */
            return exec_limit(rt, EXEC_UNSUPPORTED, "replace() with an empty pattern is not supported");
        return exec_str_new(rt, s->data, s->len, out);
    }
    for (int64_t done = 0; count < 0 || done < count; done++) {
        const char *hit = memmem(p, (size_t)(e - p), old->data, old->len);
        if (!hit) break;
        if (exec_buf_put(rt, &b, p, (size_t)(hit - p)) || exec_buf_put(rt, &b, rep->data, rep->len)) return EXEC_FAIL;
        p = hit + old->len;
    }
    if (exec_buf_put(rt, &b, p, (size_t)(e - p))) return EXEC_FAIL;
    return exec_str_new(rt, b.data, b.len, out);
}

static int affix(exec_rt *rt, const exec_str *s, int attr, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, exec_attr_name(attr), n, 1, 1)) return EXEC_FAIL;
    exec_list one = {1, 1, a}, *cands = &one;
    if (a[0].kind == EXEC_V_TUPLE) cands = a[0].u.l;
    for (size_t i = 0; i < cands->len; i++) {
        exec_val c = cands->items[i];
        if (c.kind != EXEC_V_STR)
            return exec_raise(rt, "TypeError", "%s first arg must be str or a tuple of str, not %s", exec_attr_name(attr),
                              exec_type_name(c));
        size_t m = c.u.s->len;
        const char *at = attr == EXEC_A_startswith ? s->data : s->data + s->len - m;
        if (m <= s->len && !memcmp(at, c.u.s->data, m)) { *out = exec_bool(1); return 0; }
    }
    *out = exec_bool(0);
    return 0;
}

static size_t char_index(const exec_str *s, size_t byte)
{
    if (s->ascii) return byte;
    size_t n = 0;
    for (size_t i = 0; i < byte; i++) n += ((unsigned char)s->data[i] & 0xC0) != 0x80;
    return n;
}

static int search(exec_rt *rt, const exec_str *s, int attr, exec_val *a, int n, exec_val *out)
{
    if (exec_nargs(rt, exec_attr_name(attr), n, 1, 1) || exec_charge(rt, s->len / 16)) return EXEC_FAIL;
    if (a[0].kind != EXEC_V_STR)
        return exec_raise(rt, "TypeError", "must be str, not %s", exec_type_name(a[0]));
    const exec_str *sub = a[0].u.s;
    if (attr == EXEC_A_count) {
        int64_t c = 0;
        if (!sub->len) c = (int64_t)exec_str_chars(s) + 1;
        else
            for (const char *p = s->data; (p = memmem(p, (size_t)(s->data + s->len - p), sub->data, sub->len)); p += sub->len)
                c++;
        *out = exec_int(c);
        return 0;
    }
    const char *hit = memmem(s->data, s->len, sub->data, sub->len);
    if (!hit && attr == EXEC_A_index) return exec_raise(rt, "ValueError", "substring not found");
    *out = exec_int(hit ? (int64_t)char_index(s, (size_t)(hit - s->data)) : -1);
    return 0;
}

static int recase(exec_rt *rt, const exec_str *s, int attr, exec_val *out)
{
    if (exec_str_new(rt, s->data, s->len, out)) return EXEC_FAIL;
    char *d = out->u.s->data;
    int word_start = 1;
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)d[i];
        if (attr == EXEC_A_lower) d[i] = (char)tolower(c);
        else if (attr == EXEC_A_upper) d[i] = (char)toupper(c);
        else if (attr == EXEC_A_capitalize) d[i] = (char)(i ? tolower(c) : toupper(c));
        else { /* title */
            d[i] = (char)(word_start ? toupper(c) : tolower(c));
            word_start = !isalpha(c);
        }
    }
    return 0;
}

static int classify(const exec_str *s, int attr, exec_val *out)
{
    int ok = s->len > 0;
    for (size_t i = 0; i < s->len && ok; i++) {
        unsigned char c = (unsigned char)s->data[i];
        ok = attr == EXEC_A_isdigit ? isdigit(c) != 0 : isalpha(c) != 0;
    }
    *out = exec_bool(ok);
    return 0;
}

int exec_str_method(exec_rt *rt, exec_val self, int attr, exec_val *a, int n, exec_val *out)
{
    const exec_str *s = self.u.s;
    if (!s->ascii && (attr == EXEC_A_lower || attr == EXEC_A_upper || attr == EXEC_A_title ||
                      attr == EXEC_A_capitalize || attr == EXEC_A_isdigit || attr == EXEC_A_isalpha))
        return exec_limit(rt, EXEC_UNSUPPORTED, "str.%s on non-ASCII text is not supported", exec_attr_name(attr));
    switch (attr) {
    case EXEC_A_split: return split(rt, s, a, n, out);
    case EXEC_A_join:
        if (exec_nargs(rt, "join", n, 1, 1)) return EXEC_FAIL;
        return join(rt, s, a[0], out);
    case EXEC_A_strip:
    case EXEC_A_lstrip:
    case EXEC_A_rstrip: return strip(rt, s, attr, a, n, out);
    case EXEC_A_replace: return replace(rt, s, a, n, out);
    case EXEC_A_startswith:
    case EXEC_A_endswith: return affix(rt, s, attr, a, n, out);
    case EXEC_A_find:
    case EXEC_A_index:
    case EXEC_A_count: return search(rt, s, attr, a, n, out);
    case EXEC_A_isdigit:
    case EXEC_A_isalpha:
        if (exec_nargs(rt, exec_attr_name(attr), n, 0, 0)) return EXEC_FAIL;
        return classify(s, attr, out);
    default:
        if (exec_nargs(rt, exec_attr_name(attr), n, 0, 0)) return EXEC_FAIL;
        return recase(rt, s, attr, out);
    }
}
