/* pad: the synthetic teacher's template builder (synth.c) and its
 * templates (synth_templates.c).  Not for other rooms. */
#ifndef PAD_DATA_SYNTH_INTERNAL_H
#define PAD_DATA_SYNTH_INTERNAL_H

#include <stddef.h>

#include "core/rng.h"

#define SYNTH_MAX_VARS 16

/* One line of the program: a constant (op 0) or `name = v[a] op v[b]`, op one
 * of + - * / (true division). */
typedef struct synth_var {
    char name[40];
    char op;
    int a, b;
    double value;    /* constants */
    int is_int;      /* constants: an int literal, else a decimal */
} synth_var;

typedef struct synth_builder {
    pad_rng rng;
    synth_var v[SYNTH_MAX_VARS];
    int n;
    int integer_answer;   /* counts of things: a fractional answer is redrawn */
    int overflow;         /* too many lines or too long a question: redrawn */
    char question[1024];
    size_t qlen;
} synth_builder;

/* Uniform in [lo, hi], integers. */
long sb_range(synth_builder *b, long lo, long hi);
/* lo, lo + step, ..., up to hi. */
long sb_step(synth_builder *b, long lo, long hi, long step);
const char *sb_pick_(synth_builder *b, const char *const *list, int n);
#define SB_PICK(b, list) sb_pick_(b, list, (int)(sizeof list / sizeof list[0]))

/* Each returns the new line's index. */
int sb_int(synth_builder *b, const char *name, long value);
int sb_dec(synth_builder *b, const char *name, double value); /* a multiple of 0.25 */
int sb_op(synth_builder *b, const char *name, int a, char op, int c);
/* Appends to the question. */
void sb_say(synth_builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct synth_template {
    const char *name;
    void (*build)(synth_builder *b); /* the last line must be `result` */
} synth_template;

extern const synth_template synth_templates[];
extern const int synth_template_total;

#endif
