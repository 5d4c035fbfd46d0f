/* pad: number grounding, a check that a program uses the question's numbers.
 *
 * A math word problem states its quantities; a program that solves it
 * assigns each of them once.  The commonest error of a small student is to
 * copy the wrong one: the same number twice and another never.  Counting
 * literals against the question catches that without knowing the answer:
 *   excess  program literals beyond the number of times the question
 *           states that value (only values the question states count:
 *           100 for a percentage or 60 minutes are the program's own);
 *   unused  numbers of the question that no literal of the program matches.
 * Step-wise beam search (stepwise.h) turns both into a penalty.  It is a
 * heuristic: a question with a distractor number, or a program that reuses
 * a stated number as a constant, is penalised though right; hence a
 * penalty, never a drop.
 *
 * Numbers are compared by value (4.00 in the question is 4.0 in the
 * program); "1,250" in a question is 1250.  Program literals inside strings
 * and comments do not count (a docstring that repeats the question would
 * otherwise use every number). */
#ifndef PAD_DECODE_NUMBERS_H
#define PAD_DECODE_NUMBERS_H

#include <stddef.h>

#include "core/error.h"

typedef struct numbers {
    double *v;
    int n, cap;
} numbers;

/* The numbers written in question text (digits, thousands commas, a
 * decimal part), appended to *out. */
pad_status numbers_in_question(const char *text, numbers *out, pad_error *err);
/* The numeric literals of Python source text[0..len), appended to *out. */
pad_status numbers_in_program(const char *text, size_t len, numbers *out, pad_error *err);
void numbers_free(numbers *x);

/* The counts above for a program's literals against a question's numbers. */
void numbers_grounding(const numbers *question, const numbers *program, int *excess, int *unused);

#endif
