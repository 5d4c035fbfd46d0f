/* pad: the embedded synthetic teacher.
 *
 * GSM8K-style multi-step word problems drawn from templates (names, objects,
 * units; 2 to 6 arithmetic steps: + - * /, percentages, rates, comparisons),
 * each with its gold answer and a PAL-style teacher program.  Like a real
 * teacher, about 27% of the outputs are faulty (wrong operator, constant or
 * variable, a NameError, a syntax error, several solutions, a refusal) and
 * some correct ones come wrapped in chatter.  Everything is a pure function
 * of (seed, row index). */
#ifndef PAD_DATA_SYNTH_H
#define PAD_DATA_SYNTH_H

#include <stdint.h>

#include "core/error.h"

typedef enum synth_fault {
    SYNTH_FAULT_NONE = 0,
    SYNTH_FAULT_CHATTER,        /* a correct program wrapped in prose and fences */
    SYNTH_FAULT_WRONG_OPERATOR, /* the faults below never return the gold */
    SYNTH_FAULT_WRONG_CONSTANT,
    SYNTH_FAULT_WRONG_VARIABLE,
    SYNTH_FAULT_NAME_ERROR,
    SYNTH_FAULT_SYNTAX_ERROR,
    SYNTH_FAULT_SEVERAL,        /* two solutions in one answer */
    SYNTH_FAULT_REFUSAL,        /* prose, no program */
    SYNTH_FAULT_COUNT
} synth_fault;

typedef struct synth_row {
    char *question;     /* malloc'd */
    char *code;         /* the teacher's output, malloc'd */
    double answer;      /* gold: an integer or a simple decimal */
    synth_fault fault;
    int template_id;
    uint32_t draws;     /* draws rejected before this one (awkward answers) */
} synth_row;

typedef struct synth_options {
    uint64_t seed;
    long train, validation, test;  /* rows per split */
} synth_options;

typedef struct synth_summary {
    long rows[3];                  /* train, validation, test */
    long faults[SYNTH_FAULT_COUNT];
    long per_template[64];
    int templates;
    long redraws;                  /* draws rejected (repeated question, awkward answer) */
} synth_summary;

int synth_template_count(void);
const char *synth_template_name(int id);
const char *synth_fault_name(synth_fault f);
/* 1 for the faults whose program cannot return the gold. */
int synth_fault_is_wrong(synth_fault f);

/* Row `index` under `seed`, drawn with `attempt` or the first later attempt
 * whose answer is acceptable (row->draws tells how many were passed over); a
 * caller that rejects the row (a repeated question) retries with
 * attempt + row->draws + 1. */
pad_status synth_make_row(uint64_t seed, uint64_t index, uint32_t attempt, synth_row *row, pad_error *err);
void synth_row_free(synth_row *row);

/* Writes DIR/train.jsonl, DIR/validation.jsonl, DIR/test.jsonl (question,
 * code, num_answer, id, fault, template; no question in two rows) and
 * DIR/synth_report.json, atomically; creates DIR. */
pad_status synth_write(const char *dir, const synth_options *o, synth_summary *sum, pad_error *err);

#endif
