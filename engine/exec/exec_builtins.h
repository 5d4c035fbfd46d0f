/* pad: the builtin functions, methods and math module of the subset. */
#ifndef PAD_EXEC_BUILTINS_H
#define PAD_EXEC_BUILTINS_H

#include "exec/exec_value.h"

#define EXEC_BUILTINS(X)                                                                          \
    X(abs) X(all) X(any) X(bool) X(chr) X(dict) X(divmod) X(enumerate) X(float) X(int) X(len)      \
    X(list) X(max) X(min) X(ord) X(pow) X(print) X(range) X(repr) X(reversed) X(round) X(sorted)    \
    X(str) X(sum) X(tuple) X(zip)

/* Attributes: methods of list/str/dict and the math module's names. */
#define EXEC_ATTRS(X)                                                                             \
    X(append) X(extend) X(pop) X(insert) X(index) X(count) X(sort) X(reverse) X(remove) X(copy)    \
    X(clear) X(split) X(join) X(strip) X(lstrip) X(rstrip) X(lower) X(upper) X(replace)             \
    X(startswith) X(endswith) X(find) X(isdigit) X(isalpha) X(title) X(capitalize) X(get) X(keys)  \
    X(values) X(items) X(update) X(setdefault)                                                     \
    X(sqrt) X(floor) X(ceil) X(pow) X(fabs) X(log) X(log10) X(log2) X(exp) X(pi) X(e) X(gcd)        \
    X(lcm) X(isclose) X(trunc) X(factorial) X(inf) X(nan) X(sin) X(cos) X(tan) X(atan) X(hypot)     \
    X(comb) X(perm) X(prod) X(isqrt) X(tau) X(fsum) X(radians) X(degrees) X(copysign) X(fmod)      \
    X(asin) X(acos) X(atan2)

#define EXEC_ENUM_B(name) EXEC_B_##name,
#define EXEC_ENUM_A(name) EXEC_A_##name,
typedef enum { EXEC_BUILTINS(EXEC_ENUM_B) EXEC_B_COUNT } exec_builtin_id;
typedef enum { EXEC_ATTRS(EXEC_ENUM_A) EXEC_A_COUNT } exec_attr_id;
#undef EXEC_ENUM_B
#undef EXEC_ENUM_A

/* -1 when not ours. */
int exec_builtin_lookup(const char *name);
int exec_attr_lookup(const char *name);
const char *exec_attr_name(int id);
/* Whether name is a Python builtin outside the subset (set, map, open...). */
int exec_builtin_foreign(const char *name);

/* Keyword arguments of a call. */
typedef struct exec_kwargs {
    int n;
    const char *const *names;
    const exec_val *vals;
} exec_kwargs;

int exec_call_builtin(exec_rt *rt, int id, exec_val *args, int nargs, const exec_kwargs *kw, exec_val *out);
/* math.X or a bound method of obj. */
int exec_get_attr(exec_rt *rt, exec_val obj, int attr, exec_val *out);
int exec_call_method(exec_rt *rt, exec_val self, int attr, exec_val *args, int nargs, const exec_kwargs *kw,
                     exec_val *out);

/* exec_interp.c: calls any callable value. */
int exec_call_value(exec_rt *rt, exec_val f, exec_val *args, int nargs, const exec_kwargs *kw, exec_val *out);
/* exec_ops.c */
int exec_binop(exec_rt *rt, int op, exec_val a, exec_val b, exec_val *out);
int exec_index(exec_rt *rt, exec_val obj, exec_val idx, exec_val *out);
/* obj[lo:hi:step]; part holds lo, hi, step (None when absent). */
int exec_slice(exec_rt *rt, exec_val obj, const exec_val *part, exec_val *out);
uint64_t exec_range_len(const exec_range *r);
/* Iteration over list, tuple, str, dict (keys) and range. */
typedef struct exec_iter {
    exec_val src;
    size_t pos;
} exec_iter;
int exec_iter_begin(exec_rt *rt, exec_val v, exec_iter *it);
/* 1: *out is the next item; 0: done; EXEC_FAIL. */
int exec_iter_next(exec_rt *rt, exec_iter *it, exec_val *out);
/* Materializes any iterable as a list or tuple of items (no copy for lists
 * and tuples: the result aliases them). */
int exec_iter_items(exec_rt *rt, exec_val it, exec_list **items);
int exec_to_index(exec_rt *rt, exec_val v, int64_t *out);
int exec_contains(exec_rt *rt, exec_val container, exec_val item, int *res);

#endif
