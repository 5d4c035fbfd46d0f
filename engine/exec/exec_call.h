/* pad: helpers shared by the builtins (exec_builtins.c), the methods
 * (exec_methods.c) and the math module (exec_math.c). */
#ifndef PAD_EXEC_CALL_H
#define PAD_EXEC_CALL_H

#include "exec/exec_builtins.h"

/* TypeError unless lo <= nargs <= hi. */
int exec_nargs(exec_rt *rt, const char *fn, int nargs, int lo, int hi);
int exec_no_kwargs(exec_rt *rt, const char *fn, const exec_kwargs *kw);
/* Fills vals[i] for each name of the NULL-terminated `allowed` (UNSET when
 * not given); a keyword outside it is a TypeError. */
int exec_kwarg(exec_rt *rt, const char *fn, const exec_kwargs *kw, const char *const *allowed, exec_val *vals);
int exec_float_to_int(exec_rt *rt, double f, exec_val *out);
int exec_len(exec_rt *rt, exec_val v, int64_t *n);
int exec_dict_update(exec_rt *rt, exec_dict *d, exec_val src);
int exec_pow_mod(exec_rt *rt, const exec_val *a, exec_val *out);
int exec_round(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out);
int exec_sorted(exec_rt *rt, exec_val *a, int n, const exec_kwargs *kw, exec_val *out);
int exec_math_call(exec_rt *rt, int attr, exec_val *a, int n, const exec_kwargs *kw, exec_val *out);

#endif
