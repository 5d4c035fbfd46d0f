/* pad: the math module, round() and three-argument pow(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_call.h"

static const double PI = 3.141592653589793;

static int domain(exec_rt *rt) { return exec_raise(rt, "ValueError", "math domain error"); }
static int range_err(exec_rt *rt) { return exec_raise(rt, "OverflowError", "math range error"); }

static int real_arg(exec_rt *rt, exec_val v, double *x)
{
    if (v.kind == EXEC_V_FLOAT) *x = v.u.f;
    else if (exec_is_intlike(v)) *x = (double)v.u.i;
    else return exec_raise(rt, "TypeError", "must be real number, not %s", exec_type_name(v));
    return 0;
}

/* A float result: nan from finite input is a domain error, inf an overflow. */
static int float_result(exec_rt *rt, double x, double r, exec_val *out)
{
    if (isnan(r) && !isnan(x)) return domain(rt);
    if (isinf(r) && isfinite(x)) return range_err(rt);
    *out = exec_float(r);
    return 0;
}

static int int_arg(exec_rt *rt, exec_val v, int64_t *i) { return exec_to_index(rt, v, i); }

static int64_t gcd64(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? -(uint64_t)a : (uint64_t)a, y = b < 0 ? -(uint64_t)b : (uint64_t)b;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return (int64_t)x;
}

static int overflow(exec_rt *rt) { return exec_limit(rt, EXEC_OVERFLOW, "integer beyond 64 bits"); }

static int math_gcd_lcm(exec_rt *rt, int lcm, exec_val *a, int n, exec_val *out)
{
    int64_t acc = lcm ? 1 : 0;
    for (int i = 0; i < n; i++) {
        int64_t x;
        if (int_arg(rt, a[i], &x)) return EXEC_FAIL;
        if (x == INT64_MIN) return overflow(rt);
        if (!lcm) acc = gcd64(acc, x);
        else if (acc == 0 || x == 0) acc = 0;
        else if (__builtin_mul_overflow(acc / gcd64(acc, x), x < 0 ? -x : x, &acc)) return overflow(rt);
    }
    *out = exec_int(acc);
    return 0;
}

static int math_comb_perm(exec_rt *rt, int comb, exec_val *a, int n, exec_val *out)
{
    int64_t N, k;
    if (exec_nargs(rt, comb ? "comb" : "perm", n, comb ? 2 : 1, 2) || int_arg(rt, a[0], &N)) return EXEC_FAIL;
    k = N;
    if (n == 2 && a[1].kind != EXEC_V_NONE && int_arg(rt, a[1], &k)) return EXEC_FAIL;
    if (N < 0) return exec_raise(rt, "ValueError", "n must be a non-negative integer");
    if (k < 0) return exec_raise(rt, "ValueError", "k must be a non-negative integer");
    if (k > N) { *out = exec_int(0); return 0; }
    if (comb && k > N - k) k = N - k;
    int64_t r = 1;
    for (int64_t i = 1; i <= k; i++) {
        if (exec_charge(rt, 1)) return EXEC_FAIL;
        if (comb) {
            /* r * (N - k + i) / i stays exact: r is C(N-k+i-1, i-1). */
            __int128 t = (__int128)r * (N - k + i) / i;
            if (t > INT64_MAX) return overflow(rt);
            r = (int64_t)t;
        } else if (__builtin_mul_overflow(r, N - i + 1, &r)) return overflow(rt);
    }
    *out = exec_int(r);
    return 0;
}

static int math_factorial(exec_rt *rt, exec_val v, exec_val *out)
{
    int64_t x;
    if (v.kind == EXEC_V_FLOAT)
        return exec_raise(rt, "TypeError", "'float' object cannot be interpreted as an integer");
    if (int_arg(rt, v, &x)) return EXEC_FAIL;
    if (x < 0) return exec_raise(rt, "ValueError", "factorial() not defined for negative values");
    int64_t r = 1;
    for (int64_t i = 2; i <= x; i++)
        if (__builtin_mul_overflow(r, i, &r)) return overflow(rt);
    *out = exec_int(r);
    return 0;
}

static int math_isclose(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    static const char *const allowed[] = {"rel_tol", "abs_tol", NULL};
    exec_val opt[2];
    double x = 0, y = 0, rel = 1e-9, abs_tol = 0;
    if (exec_kwarg(rt, "isclose", kw, allowed, opt) || exec_nargs(rt, "isclose", n, 2, 2) || real_arg(rt, a[0], &x) ||
        real_arg(rt, a[1], &y))
        return EXEC_FAIL;
    if ((opt[0].kind && real_arg(rt, opt[0], &rel)) || (opt[1].kind && real_arg(rt, opt[1], &abs_tol))) return EXEC_FAIL;
    if (rel < 0 || abs_tol < 0) return exec_raise(rt, "ValueError", "tolerances must be non-negative");
    if (x == y) { *out = exec_bool(1); return 0; }
    if (isinf(x) || isinf(y)) { *out = exec_bool(0); return 0; }
    double d = fabs(y - x);
    *out = exec_bool(d <= fabs(rel * y) || d <= fabs(rel * x) || d <= abs_tol);
    return 0;
}

/* Exact sum of floats (Shewchuk's partials), as math.fsum. */
static int math_fsum(exec_rt *rt, exec_val v, exec_val *out)
{
    exec_list *items;
    if (exec_iter_items(rt, v, &items)) return EXEC_FAIL;
    double part[64];
    int np = 0;
    for (size_t i = 0; i < items->len; i++) {
        double x = 0;
        if (exec_charge(rt, 1) || real_arg(rt, items->items[i], &x)) return EXEC_FAIL;
        int k = 0;
        for (int j = 0; j < np; j++) {
            double y = part[j];
            if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
            double hi = x + y, lo = y - (hi - x);
            if (lo != 0) part[k++] = lo;
            x = hi;
        }
        if (k == 64) return exec_limit(rt, EXEC_UNSUPPORTED, "fsum needs too many partials");
        part[k++] = x;
        np = k;
    }
    double s = 0;
    for (int j = np - 1; j >= 0; j--) s += part[j]; /* adequate for the subset's sizes */
    *out = exec_float(s);
    return 0;
}

static int math_prod(exec_rt *rt, exec_val v, exec_val *out)
{
    exec_list *items;
    if (exec_iter_items(rt, v, &items)) return EXEC_FAIL;
    exec_val acc = exec_int(1);
    for (size_t i = 0; i < items->len; i++)
        if (exec_charge(rt, 1) || exec_binop(rt, EXEC_OP_MUL, acc, items->items[i], &acc)) return EXEC_FAIL;
    *out = acc;
    return 0;
}

static int to_int_result(exec_rt *rt, exec_val v, double r, exec_val *out)
{
    if (exec_is_intlike(v)) { *out = exec_int(v.u.i); return 0; }
    return exec_float_to_int(rt, r, out);
}

static int unary(exec_rt *rt, int attr, double x, exec_val *out)
{
    switch (attr) {
    case EXEC_A_sqrt: return x < 0 ? domain(rt) : float_result(rt, x, sqrt(x), out);
    case EXEC_A_fabs: *out = exec_float(fabs(x)); return 0;
    case EXEC_A_log10: return x <= 0 ? domain(rt) : float_result(rt, x, log10(x), out);
    case EXEC_A_log2: return x <= 0 ? domain(rt) : float_result(rt, x, log2(x), out);
    case EXEC_A_exp: return float_result(rt, x, exp(x), out);
    case EXEC_A_sin: return isinf(x) ? domain(rt) : float_result(rt, x, sin(x), out);
    case EXEC_A_cos: return isinf(x) ? domain(rt) : float_result(rt, x, cos(x), out);
    case EXEC_A_tan: return isinf(x) ? domain(rt) : float_result(rt, x, tan(x), out);
    case EXEC_A_atan: return float_result(rt, x, atan(x), out);
    case EXEC_A_asin: return x < -1 || x > 1 ? domain(rt) : float_result(rt, x, asin(x), out);
    case EXEC_A_acos: return x < -1 || x > 1 ? domain(rt) : float_result(rt, x, acos(x), out);
    case EXEC_A_radians: *out = exec_float(x * (PI / 180.0)); return 0;
    case EXEC_A_degrees: *out = exec_float(x * (180.0 / PI)); return 0;
    default: return exec_limit(rt, EXEC_UNSUPPORTED, "math.%s", exec_attr_name(attr));
    }
}

int exec_math_call(exec_rt *rt, int attr, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    const char *name = exec_attr_name(attr);
    if (attr != EXEC_A_isclose && exec_no_kwargs(rt, name, kw)) return EXEC_FAIL;
    double x = 0, y = 0;
    int64_t i;
    switch (attr) {
    case EXEC_A_gcd: return math_gcd_lcm(rt, 0, a, n, out);
    case EXEC_A_lcm: return math_gcd_lcm(rt, 1, a, n, out);
    case EXEC_A_comb: return math_comb_perm(rt, 1, a, n, out);
    case EXEC_A_perm: return math_comb_perm(rt, 0, a, n, out);
    case EXEC_A_isclose: return math_isclose(rt, a, n, kw, out);
    default: break;
    }
    int two = attr == EXEC_A_pow || attr == EXEC_A_atan2 || attr == EXEC_A_hypot || attr == EXEC_A_copysign ||
              attr == EXEC_A_fmod;
    if (exec_nargs(rt, name, n, 1, attr == EXEC_A_log ? 2 : two ? 2 : 1)) return EXEC_FAIL;
    if (two && exec_nargs(rt, name, n, 2, 2)) return EXEC_FAIL;
    switch (attr) {
    case EXEC_A_factorial: return math_factorial(rt, a[0], out);
    case EXEC_A_fsum: return math_fsum(rt, a[0], out);
    case EXEC_A_prod: return math_prod(rt, a[0], out);
    case EXEC_A_isqrt:
        if (int_arg(rt, a[0], &i)) return EXEC_FAIL;
        if (i < 0) return exec_raise(rt, "ValueError", "isqrt() argument must be nonnegative");
        {
            int64_t r = (int64_t)sqrt((double)i);
            while (r > 0 && (__int128)r * r > i) r--;
            while ((__int128)(r + 1) * (r + 1) <= i) r++;
            *out = exec_int(r);
        }
        return 0;
    default: break;
    }
    if (real_arg(rt, a[0], &x) || (n == 2 && real_arg(rt, a[1], &y))) return EXEC_FAIL;
    switch (attr) {
    case EXEC_A_floor: return to_int_result(rt, a[0], floor(x), out);
    case EXEC_A_ceil: return to_int_result(rt, a[0], ceil(x), out);
    case EXEC_A_trunc: return to_int_result(rt, a[0], trunc(x), out);
    case EXEC_A_log:
        if (x <= 0 || (n == 2 && (y <= 0 || y == 1))) {
            if (n == 2 && y == 1 && x > 0) return exec_raise(rt, "ZeroDivisionError", "float division by zero");
            return domain(rt);
        }
        return float_result(rt, x, n == 2 ? log(x) / log(y) : log(x), out);
    case EXEC_A_pow:
        if (x == 0 && y < 0) return domain(rt);
        if (x < 0 && y != floor(y) && isfinite(y)) return domain(rt);
        return float_result(rt, x + y, pow(x, y), out);
    case EXEC_A_atan2: *out = exec_float(atan2(x, y)); return 0;
    case EXEC_A_hypot: *out = exec_float(hypot(x, y)); return 0;
    case EXEC_A_copysign: *out = exec_float(copysign(x, y)); return 0;
    case EXEC_A_fmod:
        if (y == 0 || isinf(x)) return domain(rt);
        *out = exec_float(fmod(x, y));
        return 0;
    default: return unary(rt, attr, x, out);
    }
}

/* ---- round() ---- */

/* round(x, nd) for nd < 0 on the exact decimal value of x, half to even. */
static double round_float_neg(double x, int64_t nd)
{
    if (-nd > 400) return copysign(0.0, x);
    char digits[400];
    double ip = trunc(fabs(x)), frac = fabs(x) - ip;
    int len = snprintf(digits, sizeof digits, "%.0f", ip);
    int k = (int)-nd;
    if (len < k) return copysign(0.0, x);
    /* removed: digits[len-k ..] and frac; compare with half a unit */
    int first = digits[len - k] - '0', rest_nonzero = frac != 0;
    for (int i = len - k + 1; i < len; i++) rest_nonzero |= digits[i] != '0';
    for (int i = len - k; i < len; i++) digits[i] = '0';
    int up = first > 5 || (first == 5 && (rest_nonzero || (len > k && (digits[len - k - 1] - '0') % 2)));
    double kept = len > k ? strtod(digits, NULL) : 0;
    if (up) kept += pow(10, k);
    return copysign(kept, x);
}

static int round_int(exec_rt *rt, int64_t v, int64_t nd, exec_val *out)
{
    if (nd >= 0) { *out = exec_int(v); return 0; }
    if (nd < -18) { *out = exec_int(0); return 0; }
    int64_t p = 1;
    for (int64_t i = 0; i < -nd; i++) p *= 10;
    int64_t q = v / p, r = v % p;
    if (r < 0) { r += p; q--; } /* floor division */
    int64_t twice = r * 2; /* r < p <= 1e18: no overflow */
    if (twice > p || (twice == p && (q & 1))) q++;
    if (__builtin_mul_overflow(q, p, &q)) return overflow(rt);
    *out = exec_int(q);
    return 0;
}

int exec_round(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out)
{
    static const char *const allowed[] = {"ndigits", NULL};
    exec_val opt[1];
    if (exec_kwarg(rt, "round", kw, allowed, opt) || exec_nargs(rt, "round", n, 1, 2)) return EXEC_FAIL;
    exec_val ndv = n == 2 ? a[1] : opt[0];
    int has_nd = ndv.kind != EXEC_V_UNSET && ndv.kind != EXEC_V_NONE;
    int64_t nd = 0;
    if (has_nd && exec_to_index(rt, ndv, &nd)) return EXEC_FAIL;
    exec_val x = a[0];
    if (exec_is_intlike(x)) return round_int(rt, x.u.i, has_nd ? nd : 0, out);
    if (x.kind != EXEC_V_FLOAT)
        return exec_raise(rt, "TypeError", "type %s doesn't define __round__ method", exec_type_name(x));
    double f = x.u.f;
    if (!has_nd) return exec_float_to_int(rt, nearbyint(f), out);
    if (!isfinite(f) || f == 0 || nd > 330) { *out = x; return 0; }
    if (nd < 0) { *out = exec_float(round_float_neg(f, nd)); return 0; }
    /* glibc prints the exact binary value rounded half-even: Python's rule. */
    char buf[720];
    snprintf(buf, sizeof buf, "%.*f", (int)nd, f);
    double r = strtod(buf, NULL);
    if (isinf(r)) return exec_raise(rt, "OverflowError", "rounded value too large to represent");
    *out = exec_float(r);
    return 0;
}

int exec_pow_mod(exec_rt *rt, const exec_val *a, exec_val *out)
{
    if (!exec_is_intlike(a[0]) || !exec_is_intlike(a[1]) || !exec_is_intlike(a[2]))
        return exec_raise(rt, "TypeError", "pow() 3rd argument not allowed unless all arguments are integers");
    int64_t b = a[0].u.i, e = a[1].u.i, m = a[2].u.i;
    if (m == 0) return exec_raise(rt, "ValueError", "pow() 3rd argument cannot be 0");
    if (e < 0) return exec_limit(rt, EXEC_UNSUPPORTED, "modular inverse via pow() is not supported");
    __int128 r = 1 % m, base = b % m;
    while (e) {
        if (e & 1) r = r * base % m;
        base = base * base % m;
        e >>= 1;
    }
    if (r != 0 && ((r < 0) != (m < 0))) r += m;
    *out = exec_int((int64_t)r);
    return 0;
}
