/* pad tests: helpers for the op tests: scratch arrays freed in one call,
 * error measures, and central finite differences.
 *
 * Random values come from check_fill_uniform_f64, whose 24-bit uniforms are
 * exact in float, so a double array and its float copy hold the same inputs. */
#ifndef PAD_TEST_GRADCHECK_H
#define PAD_TEST_GRADCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"

/* A backend by name; exits the test (status 2) if it cannot be created. */
pad_backend *gc_backend(const char *name);

/* Scratch memory owned by the harness until gc_release(). */
void *gc_alloc(size_t bytes);
double *gc_rand(size_t n, uint64_t seed, double lo, double hi);
double *gc_copy(const double *x, size_t n);
float *gc_f32(const double *x, size_t n);
double *gc_f64(const float *x, size_t n);
void gc_release(void);

/* max_i |a_i - b_i| / max(|b_i|, floor) */
double gc_max_err(const double *a, const double *b, size_t n, double floor);
double gc_max_err_f32(const float *a, const double *b, size_t n, double floor);
double gc_dot(const double *a, const double *b, size_t n);
/* a - b, elementwise, into scratch memory */
double *gc_sub(const double *a, const double *b, size_t n);

/* grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h, x restored afterwards. */
typedef double (*gc_loss_fn)(void *ctx);
void gc_numeric_grad(gc_loss_fn f, void *ctx, double *x, size_t n, double *grad);

#endif
