#define _GNU_SOURCE
/* pad: Python's operators on the subset's values: arithmetic with Python's
 * floor/modulo rules and 64-bit overflow detection, indexing, slicing,
 * membership and iteration. */
#include <math.h>
#include <string.h>

#include "exec/exec_builtins.h"
#include "exec/exec_parse.h"

static const char *const OP_SYM[] = {"+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"};

static int overflow(exec_rt *rt) { return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits"); }

static int unsupported_operands(exec_rt *rt, int op, exec_val a, exec_val b)
{
    return exec_raise(rt, "TypeError", "unsupported operand type(s) for %s: '%s' and '%s'", OP_SYM[op],
                      exec_type_name(a), exec_type_name(b));
}

static double as_double(exec_val v) { return v.kind == EXEC_V_FLOAT ? v.u.f : (double)v.u.i; }

/* int / int correctly rounded where both fit a double's mantissa. */
static double int_true_div(int64_t a, int64_t b)
{
    const int64_t lim = (int64_t)1 << 53;
    if (a <= lim && a >= -lim && b <= lim && b >= -lim) return (double)a / (double)b;
    return (double)((long double)a / (long double)b);
}

static int int_pow(exec_rt *rt, int64_t base, int64_t e, exec_val *out)
{
    if (e < 0) {
        if (base == 0) return exec_raise(rt, "ZeroDivisionError", "0.0 cannot be raised to a negative power");
        *out = exec_float(pow((double)base, (double)e));
        return 0;
    }
    int64_t r = 1;
    while (e) {
        if ((e & 1) && __builtin_mul_overflow(r, base, &r)) return overflow(rt);
        e >>= 1;
        if (e && __builtin_mul_overflow(base, base, &base)) {
            /* |base| >= 2^32 squared overflows, but 0, 1 and -1 never get here. */
            return overflow(rt);
        }
    }
    *out = exec_int(r);
    return 0;
}

static int float_pow(exec_rt *rt, double a, double b, exec_val *out)
{
    if (a == 0 && b < 0) return exec_raise(rt, "ZeroDivisionError", "0.0 cannot be raised to a negative power");
    if (a < 0 && b != floor(b) && isfinite(b))
        return exec_limit(rt, EXEC_UNSUPPORTED, "complex numbers are not supported");
    double r = pow(a, b);
    if (isinf(r) && isfinite(a) && isfinite(b)) return exec_raise(rt, "OverflowError", "(34, 'Numerical result out of range')");
    *out = exec_float(r);
    return 0;
}

static int float_divmod(exec_rt *rt, int op, double a, double b, exec_val *out)
{
    if (b == 0)
        return exec_raise(rt, "ZeroDivisionError", op == EXEC_OP_MOD ? "float modulo" : "float floor division by zero");
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0) {
        if ((b < 0) != (mod < 0)) {
            mod += b;
            div -= 1.0;
        }
    } else mod = copysign(0.0, b);
    double floordiv;
    if (div != 0) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else floordiv = copysign(0.0, a / b);
    *out = exec_float(op == EXEC_OP_MOD ? mod : floordiv);
    return 0;
}

static int int_arith(exec_rt *rt, int op, int64_t a, int64_t b, exec_val *out)
{
    int64_t r = 0;
    switch (op) {
    case EXEC_OP_ADD: if (__builtin_add_overflow(a, b, &r)) return overflow(rt); break;
    case EXEC_OP_SUB: if (__builtin_sub_overflow(a, b, &r)) return overflow(rt); break;
    case EXEC_OP_MUL: if (__builtin_mul_overflow(a, b, &r)) return overflow(rt); break;
    case EXEC_OP_DIV:
        if (b == 0) return exec_raise(rt, "ZeroDivisionError", "division by zero");
        *out = exec_float(int_true_div(a, b));
        return 0;
    case EXEC_OP_FLOORDIV:
        if (b == 0) return exec_raise(rt, "ZeroDivisionError", "integer division or modulo by zero");
        if (b == -1) {
            if (a == INT64_MIN) return overflow(rt);
            r = -a;
            break;
        }
        r = a / b;
        if (a % b != 0 && ((a < 0) != (b < 0))) r--;
        break;
    case EXEC_OP_MOD:
        if (b == 0) return exec_raise(rt, "ZeroDivisionError", "integer modulo by zero");
        if (b == -1) break;
        r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        break;
    case EXEC_OP_POW: return int_pow(rt, a, b, out);
    case EXEC_OP_LSHIFT:
    case EXEC_OP_RSHIFT:
        if (b < 0) return exec_raise(rt, "ValueError", "negative shift count");
        if (op == EXEC_OP_RSHIFT) r = b >= 64 ? (a < 0 ? -1 : 0) : a >> b;
        else if (a == 0) r = 0;
        else if (b >= 63 || ((a << b) >> b) != a || ((a << b) < 0) != (a < 0)) return overflow(rt);
        else r = a << b;
        break;
    case EXEC_OP_AND: r = a & b; break;
    case EXEC_OP_OR: r = a | b; break;
    case EXEC_OP_XOR: r = a ^ b; break;
    }
    *out = exec_int(r);
    return 0;
}

static int float_arith(exec_rt *rt, int op, double a, double b, exec_val *out)
{
    switch (op) {
    case EXEC_OP_ADD: *out = exec_float(a + b); return 0;
    case EXEC_OP_SUB: *out = exec_float(a - b); return 0;
    case EXEC_OP_MUL: *out = exec_float(a * b); return 0;
    case EXEC_OP_DIV:
        if (b == 0) return exec_raise(rt, "ZeroDivisionError", "float division by zero");
        *out = exec_float(a / b);
        return 0;
    case EXEC_OP_FLOORDIV:
    case EXEC_OP_MOD: return float_divmod(rt, op, a, b, out);
    case EXEC_OP_POW: return float_pow(rt, a, b, out);
    default: return -2; /* not defined on floats */
    }
}

/* seq * n, checking the size before allocating anything. */
static int repeat(exec_rt *rt, exec_val seq, int64_t n, exec_val *out)
{
    if (n < 0) n = 0;
    size_t len = seq.kind == EXEC_V_STR ? seq.u.s->len : seq.u.l->len;
    uint64_t total;
    if (__builtin_mul_overflow((uint64_t)len, (uint64_t)n, &total) || total > rt->lim->max_seq_len)
        return exec_limit(rt, EXEC_SIZE_LIMIT, "a sequence of %zu x %lld elements is beyond the limit %zu", len,
                          (long long)n, rt->lim->max_seq_len);
    if (exec_charge(rt, total / 16)) return EXEC_FAIL;
    if (seq.kind == EXEC_V_STR) {
        if (exec_str_new(rt, NULL, (size_t)total, out)) return EXEC_FAIL;
        for (int64_t i = 0; i < n; i++) memcpy(out->u.s->data + (size_t)i * len, seq.u.s->data, len);
        out->u.s->ascii = seq.u.s->ascii;
        return 0;
    }
    if (exec_list_new(rt, (exec_kind)seq.kind, (size_t)total, out)) return EXEC_FAIL;
    for (int64_t i = 0; i < n; i++) memcpy(out->u.l->items + (size_t)i * len, seq.u.l->items, len * sizeof(exec_val));
    return 0;
}

static int concat(exec_rt *rt, exec_val a, exec_val b, exec_val *out)
{
    if (a.kind == EXEC_V_STR) {
        size_t n = a.u.s->len + b.u.s->len;
        if (exec_str_new(rt, NULL, n, out)) return EXEC_FAIL;
        memcpy(out->u.s->data, a.u.s->data, a.u.s->len);
        memcpy(out->u.s->data + a.u.s->len, b.u.s->data, b.u.s->len);
        out->u.s->ascii = a.u.s->ascii && b.u.s->ascii;
        return 0;
    }
    size_t n = a.u.l->len + b.u.l->len;
    if (exec_charge(rt, n / 16) || exec_list_new(rt, (exec_kind)a.kind, n, out)) return EXEC_FAIL;
    memcpy(out->u.l->items, a.u.l->items, a.u.l->len * sizeof(exec_val));
    memcpy(out->u.l->items + a.u.l->len, b.u.l->items, b.u.l->len * sizeof(exec_val));
    return 0;
}

static int is_seq(exec_val v) { return v.kind == EXEC_V_STR || v.kind == EXEC_V_LIST || v.kind == EXEC_V_TUPLE; }

int exec_binop(exec_rt *rt, int op, exec_val a, exec_val b, exec_val *out)
{
    if (exec_is_intlike(a) && exec_is_intlike(b)) {
        if (a.kind == EXEC_V_BOOL && b.kind == EXEC_V_BOOL && (op == EXEC_OP_AND || op == EXEC_OP_OR || op == EXEC_OP_XOR)) {
            int r = op == EXEC_OP_AND ? (a.u.i & b.u.i) : op == EXEC_OP_OR ? (a.u.i | b.u.i) : (a.u.i ^ b.u.i);
            *out = exec_bool(r);
            return 0;
        }
        return int_arith(rt, op, a.u.i, b.u.i, out);
    }
    if (exec_is_num(a) && exec_is_num(b)) {
        int rc = float_arith(rt, op, as_double(a), as_double(b), out);
        return rc == -2 ? unsupported_operands(rt, op, a, b) : rc;
    }
    if (op == EXEC_OP_ADD && is_seq(a)) {
        if (a.kind == b.kind) return concat(rt, a, b, out);
        return exec_raise(rt, "TypeError", "can only concatenate %s (not \"%s\") to %s", exec_type_name(a),
                          exec_type_name(b), exec_type_name(a));
    }
    if (op == EXEC_OP_MUL && (is_seq(a) || is_seq(b))) {
        exec_val seq = is_seq(a) ? a : b, n = is_seq(a) ? b : a;
        if (!exec_is_intlike(n))
            return exec_raise(rt, "TypeError", "can't multiply sequence by non-int of type '%s'", exec_type_name(n));
        return repeat(rt, seq, n.u.i, out);
    }
    if (op == EXEC_OP_MOD && a.kind == EXEC_V_STR)
        return exec_limit(rt, EXEC_UNSUPPORTED, "%%-formatting of strings is not supported");
    return unsupported_operands(rt, op, a, b);
}

/* ---- indexing ---- */

int exec_to_index(exec_rt *rt, exec_val v, int64_t *out)
{
    if (!exec_is_intlike(v))
        return exec_raise(rt, "TypeError", "'%s' object cannot be interpreted as an integer", exec_type_name(v));
    *out = v.u.i;
    return 0;
}

/* Byte offset of character i of a non-ASCII string (i <= chars). */
static size_t utf8_offset(const exec_str *s, size_t i)
{
    size_t off = 0;
    while (i && off < s->len) {
        off++;
        while (off < s->len && ((unsigned char)s->data[off] & 0xC0) == 0x80) off++;
        i--;
    }
    return off;
}

static size_t seq_len(exec_val v)
{
    return v.kind == EXEC_V_STR ? exec_str_chars(v.u.s) : v.u.l->len;
}

/* Python's slice.indices() followed by the element count. */
static int slice_bounds(exec_rt *rt, const exec_val *part, int64_t len, int64_t *start, int64_t *step, int64_t *count)
{
    int64_t lo, hi, st = 1;
    for (int i = 0; i < 3; i++)
        if (part[i].kind != EXEC_V_NONE && !exec_is_intlike(part[i]))
            return exec_raise(rt, "TypeError", "slice indices must be integers or None or have an __index__ method");
    if (part[2].kind != EXEC_V_NONE) st = part[2].u.i;
    if (st == 0) return exec_raise(rt, "ValueError", "slice step cannot be zero");
    int64_t dlo = st < 0 ? len - 1 : 0, dhi = st < 0 ? -1 : len;
    lo = part[0].kind == EXEC_V_NONE ? dlo : part[0].u.i;
    hi = part[1].kind == EXEC_V_NONE ? dhi : part[1].u.i;
    int64_t lower = st < 0 ? -1 : 0, upper = st < 0 ? len - 1 : len;
    if (part[0].kind != EXEC_V_NONE) {
        if (lo < 0) { lo += len; if (lo < lower) lo = lower; }
        else if (lo > upper) lo = upper;
    }
    if (part[1].kind != EXEC_V_NONE) {
        if (hi < 0) { hi += len; if (hi < lower) hi = lower; }
        else if (hi > upper) hi = upper;
    }
    int64_t n = 0;
    if (st > 0 && lo < hi) n = (hi - lo - 1) / st + 1;
    if (st < 0 && lo > hi) n = (lo - hi - 1) / (-st) + 1;
    *start = lo;
    *step = st;
    *count = n;
    return 0;
}

int exec_slice(exec_rt *rt, exec_val obj, const exec_val *part, exec_val *out)
{
    if (!is_seq(obj))
        return exec_raise(rt, "TypeError", "'%s' object is not subscriptable", exec_type_name(obj));
    int64_t start = 0, step = 1, n = 0;
    if (slice_bounds(rt, part, (int64_t)seq_len(obj), &start, &step, &n) || exec_charge(rt, (uint64_t)n / 16))
        return EXEC_FAIL;
    if (obj.kind != EXEC_V_STR) {
        if (exec_list_new(rt, (exec_kind)obj.kind, (size_t)n, out)) return EXEC_FAIL;
        for (int64_t i = 0; i < n; i++) out->u.l->items[i] = obj.u.l->items[start + i * step];
        return 0;
    }
    const exec_str *s = obj.u.s;
    if (s->ascii) {
        if (exec_str_new(rt, NULL, (size_t)n, out)) return EXEC_FAIL;
        for (int64_t i = 0; i < n; i++) out->u.s->data[i] = s->data[start + i * step];
        return 0;
    }
    exec_buf b = {0};
    for (int64_t i = 0; i < n; i++) {
        size_t off = utf8_offset(s, (size_t)(start + i * step)), end = utf8_offset(s, (size_t)(start + i * step) + 1);
        if (exec_buf_put(rt, &b, s->data + off, end - off)) return EXEC_FAIL;
    }
    return exec_str_new(rt, b.data ? b.data : "", b.len, out);
}

int exec_index(exec_rt *rt, exec_val obj, exec_val idx, exec_val *out)
{
    if (obj.kind == EXEC_V_DICT) {
        int found;
        if (exec_dict_get(rt, obj.u.d, idx, out, &found)) return EXEC_FAIL;
        if (found) return 0;
        exec_val r;
        if (exec_repr(rt, idx, &r)) return EXEC_FAIL;
        return exec_raise(rt, "KeyError", "%s", r.u.s->data);
    }
    if (obj.kind == EXEC_V_RANGE) {
        if (!exec_is_intlike(idx))
            return exec_raise(rt, "TypeError", "range indices must be integers or slices, not %s", exec_type_name(idx));
        int64_t n = (int64_t)exec_range_len(obj.u.r), i = idx.u.i < 0 ? idx.u.i + n : idx.u.i;
        if (i < 0 || i >= n) return exec_raise(rt, "IndexError", "range object index out of range");
        *out = exec_int(obj.u.r->start + i * obj.u.r->step);
        return 0;
    }
    if (!is_seq(obj))
        return exec_raise(rt, "TypeError", "'%s' object is not subscriptable", exec_type_name(obj));
    if (!exec_is_intlike(idx))
        return exec_raise(rt, "TypeError", "%s indices must be integers or slices, not %s",
                          obj.kind == EXEC_V_STR ? "string" : exec_type_name(obj), exec_type_name(idx));
    int64_t n = (int64_t)seq_len(obj), i = idx.u.i;
    if (i < 0) i += n;
    if (i < 0 || i >= n)
        return exec_raise(rt, "IndexError", "%s index out of range", obj.kind == EXEC_V_STR ? "string" : exec_type_name(obj));
    if (obj.kind != EXEC_V_STR) {
        *out = obj.u.l->items[i];
        return 0;
    }
    size_t off = obj.u.s->ascii ? (size_t)i : utf8_offset(obj.u.s, (size_t)i);
    size_t end = obj.u.s->ascii ? off + 1 : utf8_offset(obj.u.s, (size_t)i + 1);
    return exec_str_new(rt, obj.u.s->data + off, end - off, out);
}

uint64_t exec_range_len(const exec_range *r)
{
    if (r->step > 0 && r->start < r->stop) return ((uint64_t)r->stop - (uint64_t)r->start - 1) / (uint64_t)r->step + 1;
    if (r->step < 0 && r->start > r->stop)
        return ((uint64_t)r->start - (uint64_t)r->stop - 1) / (uint64_t)(-(r->step + 1) + 1) + 1;
    return 0;
}

/* ---- membership and iteration ---- */

int exec_contains(exec_rt *rt, exec_val c, exec_val item, int *res)
{
    *res = 0;
    switch ((exec_kind)c.kind) {
    case EXEC_V_STR:
        if (item.kind != EXEC_V_STR)
            return exec_raise(rt, "TypeError", "'in <string>' requires string as left operand, not %s", exec_type_name(item));
        if (exec_charge(rt, c.u.s->len / 16)) return EXEC_FAIL;
        *res = item.u.s->len == 0 || memmem(c.u.s->data, c.u.s->len, item.u.s->data, item.u.s->len) != NULL;
        return 0;
    case EXEC_V_LIST:
    case EXEC_V_TUPLE:
        if (exec_charge(rt, c.u.l->len / 4)) return EXEC_FAIL;
        for (size_t i = 0; i < c.u.l->len && !*res; i++) *res = exec_eq(c.u.l->items[i], item);
        return 0;
    case EXEC_V_DICT: {
        exec_val v;
        return exec_dict_get(rt, c.u.d, item, &v, res);
    }
    case EXEC_V_RANGE: {
        const exec_range *r = c.u.r;
        int64_t x;
        if (item.kind == EXEC_V_FLOAT) {
            if (item.u.f != floor(item.u.f) || fabs(item.u.f) > 9e18) return 0;
            x = (int64_t)item.u.f;
        } else if (exec_is_intlike(item)) x = item.u.i;
        else return 0;
        int inside = r->step > 0 ? (x >= r->start && x < r->stop) : (x <= r->start && x > r->stop);
        *res = inside && ((uint64_t)(x - r->start) % (uint64_t)(r->step > 0 ? r->step : -r->step)) == 0;
        return 0;
    }
    default:
        return exec_raise(rt, "TypeError", "argument of type '%s' is not iterable", exec_type_name(c));
    }
}

int exec_iter_begin(exec_rt *rt, exec_val v, exec_iter *it)
{
    switch ((exec_kind)v.kind) {
    case EXEC_V_STR:
    case EXEC_V_LIST:
    case EXEC_V_TUPLE:
    case EXEC_V_DICT:
    case EXEC_V_RANGE:
        it->src = v;
        it->pos = 0;
        return 0;
    default: return exec_raise(rt, "TypeError", "'%s' object is not iterable", exec_type_name(v));
    }
}

int exec_iter_next(exec_rt *rt, exec_iter *it, exec_val *out)
{
    exec_val v = it->src;
    switch ((exec_kind)v.kind) {
    case EXEC_V_LIST:
    case EXEC_V_TUPLE:
        if (it->pos >= v.u.l->len) return 0;
        *out = v.u.l->items[it->pos++];
        return 1;
    case EXEC_V_DICT:
        while (it->pos < v.u.d->used && v.u.d->keys[it->pos].kind == EXEC_V_UNSET) it->pos++;
        if (it->pos >= v.u.d->used) return 0;
        *out = v.u.d->keys[it->pos++];
        return 1;
    case EXEC_V_RANGE:
        if (it->pos >= exec_range_len(v.u.r)) return 0;
        *out = exec_int(v.u.r->start + (int64_t)it->pos++ * v.u.r->step);
        return 1;
    case EXEC_V_STR: {
        const exec_str *s = v.u.s;
        if (it->pos >= s->len) return 0;
        size_t end = it->pos + 1;
        while (end < s->len && ((unsigned char)s->data[end] & 0xC0) == 0x80) end++;
        int rc = exec_str_new(rt, s->data + it->pos, end - it->pos, out);
        it->pos = end;
        return rc ? EXEC_FAIL : 1;
    }
    default: return 0;
    }
}

int exec_iter_items(exec_rt *rt, exec_val v, exec_list **items)
{
    if (v.kind == EXEC_V_LIST || v.kind == EXEC_V_TUPLE) {
        *items = v.u.l;
        return 0;
    }
    exec_iter it = {0};
    if (exec_iter_begin(rt, v, &it)) return EXEC_FAIL;
    size_t n = v.kind == EXEC_V_RANGE ? exec_range_len(v.u.r) : v.kind == EXEC_V_DICT ? v.u.d->len
             : exec_str_chars(v.u.s);
    exec_val out, x;
    if (exec_check_len(rt, n) || exec_charge(rt, n / 16) || exec_list_new(rt, EXEC_V_LIST, n, &out)) return EXEC_FAIL;
    size_t k = 0;
    int rc;
    while ((rc = exec_iter_next(rt, &it, &x)) == 1) out.u.l->items[k++] = x;
    if (rc) return EXEC_FAIL;
    *items = out.u.l;
    return 0;
}
