/* pad: teacher rows.
 *
 * A teacher row is one JSON object with the question, the teacher's raw
 * output (`code`) and a gold answer: `num_answer` (a number or a numeric
 * string) or GSM8K's worked `answer` ending in a line "#### N".  The teacher's
 * output is chatty text around a PAL-style program; the program is what
 * remains after markdown fences and prose are removed. */
#ifndef PAD_DATA_TEACHER_H
#define PAD_DATA_TEACHER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "exec/exec.h"

/* Absolute tolerance under which a numeric prediction equals its gold. */
#define TEACHER_TOLERANCE 1e-4

typedef enum teacher_gold_kind {
    TEACHER_GOLD_NUMBER = 0,
    TEACHER_GOLD_STRING   /* non-numeric gold ("yes", "no"): compared exactly */
} teacher_gold_kind;

typedef struct teacher_gold {
    teacher_gold_kind kind;
    double number;
    char text[128];       /* the gold as written, trimmed (commas kept) */
} teacher_gold;

/* Parses a decimal number with optional sign, thousands separators ("1,600")
 * and surrounding blanks.  PAD_ERR_FORMAT when `s` is not such a number. */
pad_status teacher_parse_number(const char *s, size_t len, double *out, pad_error *err);

/* The gold of a free-text answer: numeric when it parses as a number, a
 * string otherwise. */
pad_status teacher_gold_from_text(const char *s, size_t len, teacher_gold *g, pad_error *err);

/* The gold after the last "####" of a GSM8K answer, to the end of its line. */
pad_status teacher_gold_from_answer(const char *answer, teacher_gold *g, pad_error *err);

/* The gold of a row: `num_answer` when present, else `answer`'s "#### N".
 * PAD_ERR_FORMAT naming the field when neither is usable. */
pad_status teacher_row_gold(const cJSON *row, teacher_gold *g, pad_error *err);

/* Extracts the program from a teacher's text: the contents of markdown
 * fences when there are any, then top-level imports and function definitions
 * (with their bodies), prose dropped.  *program is a malloc'd NUL-terminated
 * program when exactly one `def solution` was found, else NULL; *solutions is
 * how many were found.  Fails only when out of memory. */
pad_status teacher_extract_program(const char *text, size_t len, char **program, int *solutions,
                                   pad_error *err);

/* Removes, in place, the docstring that opens each function body (a
 * triple-quoted string statement on the line after `def ...:`).  PAL-style
 * teacher programs repeat the question there; dropping it halves the
 * target without changing what the program computes. */
void teacher_strip_docstrings(char *program);

/* 1 when an EXEC_OK result equals the gold: |value - gold| < TEACHER_TOLERANCE
 * for numeric gold (the value must be a number), str(value) == gold for
 * string gold. */
int teacher_answer_matches(const exec_result *r, const teacher_gold *g);

#endif
