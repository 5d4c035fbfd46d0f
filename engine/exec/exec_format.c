/* pad: repr() and str() as Python prints them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_value.h"
#include "exec/exec_parse.h"

/* Python's float repr: the shortest digits that read back to the same
 * double, in fixed notation when the decimal exponent is in [-4, 16),
 * otherwise "d.ddde+XX"; integral values keep a ".0". */
void exec_float_repr(double f, char *buf, size_t size)
{
    if (isnan(f)) { snprintf(buf, size, "nan"); return; }
    if (isinf(f)) { snprintf(buf, size, f < 0 ? "-inf" : "inf"); return; }
    char tmp[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
        if (strtod(tmp, NULL) == f) break;
    }
    /* tmp: [-]d[.ddd]e[+-]XX */
    const char *s = tmp;
    int neg = *s == '-';
    if (neg) s++;
    char digits[24];
    int nd = 0;
    for (; *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = '\0';
    char out[48];
    int k = 0;
    if (neg) out[k++] = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -exp10 - 1; i++) out[k++] = '0';
            for (int i = 0; i < nd; i++) out[k++] = digits[i];
        } else {
            for (int i = 0; i <= exp10; i++) out[k++] = i < nd ? digits[i] : '0';
            out[k++] = '.';
            if (nd > exp10 + 1)
                for (int i = exp10 + 1; i < nd; i++) out[k++] = digits[i];
            else out[k++] = '0';
        }
        out[k] = '\0';
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (int i = 1; i < nd; i++) out[k++] = digits[i];
        }
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
    snprintf(buf, size, "%s", out);
}

int exec_buf_put(exec_rt *rt, exec_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        if (exec_check_len(rt, b->len + n)) return EXEC_FAIL;
        size_t cap = (b->len + n + 1) * 2;
        char *data = exec_alloc(rt, cap);
        if (!data) return EXEC_FAIL;
        if (b->len) memcpy(data, b->data, b->len);
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int put_str_repr(exec_rt *rt, exec_buf *b, const exec_str *s)
{
    /* Python picks single quotes unless the text has ' and no ". */
    char q = memchr(s->data, '\'', s->len) && !memchr(s->data, '"', s->len) ? '"' : '\'';
    if (exec_buf_put(rt, b, &q, 1)) return EXEC_FAIL;
    size_t run = 0; /* bytes copied verbatim, flushed before each escape */
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        char esc[8];
        const char *e = NULL;
        if (c == '\\') e = "\\\\";
        else if (c == '\n') e = "\\n";
        else if (c == '\r') e = "\\r";
        else if (c == '\t') e = "\\t";
        else if (c == (unsigned char)q) e = q == '\'' ? "\\'" : "\\\"";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            e = esc;
        }
        if (!e) continue;
        if (exec_buf_put(rt, b, s->data + run, i - run) || exec_buf_put(rt, b, e, strlen(e))) return EXEC_FAIL;
        run = i + 1;
    }
    if (exec_buf_put(rt, b, s->data + run, s->len - run)) return EXEC_FAIL;
    return exec_buf_put(rt, b, &q, 1);
}

static int put_cstr(exec_rt *rt, exec_buf *b, const char *s) { return exec_buf_put(rt, b, s, strlen(s)); }

static int put_items(exec_rt *rt, exec_buf *b, const exec_list *l, const char *open, const char *close,
                     int one_comma)
{
    if (exec_charge(rt, l->len) || put_cstr(rt, b, open)) return EXEC_FAIL;
    for (size_t i = 0; i < l->len; i++) {
        if (i && put_cstr(rt, b, ", ")) return EXEC_FAIL;
        if (exec_buf_repr(rt, b, l->items[i])) return EXEC_FAIL;
    }
    if (one_comma && l->len == 1 && put_cstr(rt, b, ",")) return EXEC_FAIL;
    return put_cstr(rt, b, close);
}

static int put_dict(exec_rt *rt, exec_buf *b, const exec_dict *d)
{
    if (exec_charge(rt, d->used) || put_cstr(rt, b, "{")) return EXEC_FAIL;
    int first = 1;
    for (size_t i = 0; i < d->used; i++) {
        if (d->keys[i].kind == EXEC_V_UNSET) continue;
        if (!first && put_cstr(rt, b, ", ")) return EXEC_FAIL;
        first = 0;
        if (exec_buf_repr(rt, b, d->keys[i]) || put_cstr(rt, b, ": ") || exec_buf_repr(rt, b, d->vals[i]))
            return EXEC_FAIL;
    }
    return put_cstr(rt, b, "}");
}

int exec_buf_repr(exec_rt *rt, exec_buf *b, exec_val v)
{
    char tmp[64];
    if (rt->depth > rt->lim->max_depth + 50)
        return exec_limit(rt, EXEC_RECURSION_LIMIT, "repr nested too deeply");
    switch ((exec_kind)v.kind) {
    case EXEC_V_NONE: return put_cstr(rt, b, "None");
    case EXEC_V_BOOL: return put_cstr(rt, b, v.u.i ? "True" : "False");
    case EXEC_V_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v.u.i); return put_cstr(rt, b, tmp);
    case EXEC_V_FLOAT: exec_float_repr(v.u.f, tmp, sizeof tmp); return put_cstr(rt, b, tmp);
    case EXEC_V_STR: return put_str_repr(rt, b, v.u.s);
    case EXEC_V_DICT: {
        rt->depth++;
        int rc = put_dict(rt, b, v.u.d);
        rt->depth--;
        return rc;
    }
    case EXEC_V_LIST:
    case EXEC_V_TUPLE: {
        rt->depth++;
        int tuple = v.kind == EXEC_V_TUPLE;
        int rc = put_items(rt, b, v.u.l, tuple ? "(" : "[", tuple ? ")" : "]", tuple);
        rt->depth--;
        return rc;
    }
    case EXEC_V_RANGE:
        if (v.u.r->step == 1) snprintf(tmp, sizeof tmp, "range(%lld, %lld)", (long long)v.u.r->start, (long long)v.u.r->stop);
        else snprintf(tmp, sizeof tmp, "range(%lld, %lld, %lld)", (long long)v.u.r->start, (long long)v.u.r->stop,
                      (long long)v.u.r->step);
        return put_cstr(rt, b, tmp);
    case EXEC_V_FUNC: {
        char name[160];
        snprintf(name, sizeof name, "<function %s>", v.u.fn->def->name);
        return put_cstr(rt, b, name);
    }
    case EXEC_V_MODULE: return put_cstr(rt, b, "<module 'math' (built-in)>");
    default: return put_cstr(rt, b, "<built-in function>");
    }
}

static int buf_to_val(exec_rt *rt, exec_buf *b, exec_val *out)
{
    return exec_str_new(rt, b->data ? b->data : "", b->len, out);
}

int exec_repr(exec_rt *rt, exec_val v, exec_val *out)
{
    exec_buf b = {0};
    if (exec_buf_repr(rt, &b, v)) return EXEC_FAIL;
    return buf_to_val(rt, &b, out);
}

int exec_to_str(exec_rt *rt, exec_val v, exec_val *out)
{
    if (v.kind == EXEC_V_STR) {
        *out = v;
        return 0;
    }
    return exec_repr(rt, v, out);
}
