/* pad: verification of teacher outputs.
 *
 * Every row of a teacher JSONL file has its program extracted and run; a row
 * is kept when the program returns the gold answer.  Each row lands in one
 * outcome class:
 *   correct, wrong_answer          the program returned a value
 *   NameError, SyntaxError, ...    the Python exception it raised, by name
 *   step_limit, timeout, memory_limit, recursion_limit, size_limit,
 *   overflow, unsupported          exec.h's limits and refusals
 *   no_program                     zero or several `def solution` in the text
 *   duplicate                      the (question, program) pair was seen before
 *   missing_field, malformed_json  the line is not a usable row (reported with
 *                                  its line number, never fatal)
 * Outputs are identical whatever the thread count. */
#ifndef PAD_DATA_VERIFY_H
#define PAD_DATA_VERIFY_H

#include "core/error.h"
#include "exec/exec.h"

#define VERIFY_MAX_CLASSES 64
#define VERIFY_CLASS_LEN 48

typedef struct verify_options {
    exec_engine engine;
    exec_limits limits;
    int threads;                /* <= 0: every core */
    const char *annotate_path;  /* every row plus its outcome; NULL for none */
    /* Called on the calling thread after each chunk of rows. */
    void (*progress)(void *ctx, long lines_done);
    void *progress_ctx;
} verify_options;

typedef struct verify_class {
    char name[VERIFY_CLASS_LEN];
    long count;
} verify_class;

/* A line that is not a usable row. */
typedef struct verify_problem {
    long line;                  /* 1-based */
    char cls[VERIFY_CLASS_LEN]; /* "malformed_json" or "missing_field" */
    char message[160];
} verify_problem;

typedef struct verify_stats {
    long lines;                 /* lines read, blank ones included */
    long blank_lines;           /* skipped, not rows */
    long rows;                  /* non-blank lines: the sum of all class counts */
    long executed;              /* programs run */
    long executable;            /* programs that returned a value */
    long kept;                  /* == count of "correct" */
    verify_class classes[VERIFY_MAX_CLASSES]; /* fixed classes first, then errors as met */
    int class_count;
    verify_problem *problems;   /* malloc'd, in line order */
    long problem_count;
    int threads;
    double seconds;             /* the whole run */
    double exec_seconds;        /* wall time spent running programs */
} verify_stats;

void verify_options_default(verify_options *o);

/* Verifies `input` and writes the kept rows (byte for byte) to `kept_path`,
 * the report to `report_path` and, when asked, the annotated rows; every
 * output is written atomically.  Problems of rows are outcomes; the status is
 * an error only for I/O, memory or an executor that cannot start. */
pad_status verify_file(const char *input, const char *kept_path, const char *report_path,
                       const verify_options *o, verify_stats *stats, pad_error *err);

/* The count of one class (0 when absent). */
long verify_stats_count(const verify_stats *s, const char *cls);
void verify_stats_free(verify_stats *s);

#endif
