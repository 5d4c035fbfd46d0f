/* pad: the refine template (docs/REFINE.md).
 *
 * A refine example asks the model to repair a program: its source is one
 * fixed text made of the question, the faulty program and the executor's
 * feedback, its target is the correct program:
 *
 *     Question: <question>
 *     Program:
 *     <faulty program, without its trailing newline>
 *     Feedback: <feedback>
 *     Fix the program.
 *
 * The same template serves the training rows (data/inject.h) and refinement
 * at inference, so the model always sees what it was trained on. */
#ifndef PAD_DATA_REFINE_H
#define PAD_DATA_REFINE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "exec/exec.h"

/* The feedback of a run that did not return the gold:
 *   "NameError: name 'x' is not defined (line 4)"  a Python error (no line when unknown)
 *   "wrong answer: the program returned 42"         a value that is not the gold
 *   "step_limit: ..." and the like                   a limit or refusal, by outcome name
 * Long values are cut with "...".  Always NUL-terminated. */
void refine_feedback(const exec_result *r, char *buf, size_t size);

/* The template applied; malloc'd, NULL when out of memory. */
char *refine_source(const char *question, const char *program, const char *feedback);

/* The `kind` of a refine row that carries a distillation example (the
 * refine stage's mix): it has no `program` or `feedback`, its source is the
 * question alone and its target the program, as in a distill shard. */
#define REFINE_PLAIN_KIND "plain"

/* The template applied to a refine row's `question`, `program` and
 * `feedback` (a plain row: its question); PAD_ERR_FORMAT naming a missing
 * field. */
pad_status refine_source_from_row(const cJSON *row, char **out, pad_error *err);

#endif
