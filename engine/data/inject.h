/* pad: error injection, the data of PaD's self-refinement stage.
 *
 * A verified program is parsed with the executor's own lexer and parser; the
 * sites of an error kind are found on the syntax tree and its tokens, and the
 * source text is edited at the tokens' exact byte positions, so everything
 * the edit does not touch (comments, spacing, docstrings) stays as written.
 * Every faulty program is then run: one that still returns the gold answer is
 * discarded, the others keep the executor's feedback (docs/REFINE.md).
 *
 * Sites are inside solution() only:
 *   const   a numeric literal gets another value (same number of decimals)
 *   op      a binary + - * / // % (or its augmented form) becomes another of them
 *   var     a variable read becomes another variable assigned on an earlier line
 *   undef   a variable read becomes a name defined nowhere (a NameError)
 *   drop    a simple statement (assignment or expression; never the return,
 *           never the only statement of its block) is deleted with its lines
 *   swap    two adjacent statements of one block trade places, where the
 *           second reads a variable the first assigns
 *   syntax  the ':' of a def/if/for/while header or a ')' is deleted, or an
 *           operator is left dangling at the end of a statement
 * Names are only edited in simple statements (assignment, augmented
 * assignment, expression, return), where every name token is matched to its
 * syntax-tree node. */
#ifndef PAD_DATA_INJECT_H
#define PAD_DATA_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/teacher.h"
#include "exec/exec.h"

typedef enum inject_kind {
    INJECT_CONST = 0,
    INJECT_OP,
    INJECT_VAR,
    INJECT_UNDEF,
    INJECT_DROP,
    INJECT_SWAP,
    INJECT_SYNTAX,
    INJECT_KIND_COUNT
} inject_kind;

/* "const", "op", "var", "undef", "drop", "swap", "syntax". */
const char *inject_kind_name(inject_kind k);
/* The kind of a name, or -1. */
int inject_kind_parse(const char *name);

/* One edit of a program. */
typedef struct inject_edit {
    char *program;     /* the faulty program, malloc'd */
    int line;          /* 1-based line of the edit in the original */
    size_t offset;     /* byte offset of the edit in the original */
    char detail[128];  /* what changed: "20 -> 21", "- -> *", "price -> cost", ... */
} inject_edit;

/* Applies one error of `kind` to `program` (a verified program with a
 * solution()), drawing its choices from `rng`.  *found = 0 (and no edit)
 * when the program has no site of that kind or does not parse.  Fails only
 * when out of memory. */
pad_status inject_apply(const char *program, inject_kind kind, pad_rng *rng, inject_edit *out, int *found,
                        pad_error *err);
void inject_edit_free(inject_edit *e);

typedef struct inject_options {
    uint64_t seed;
    int per_program;                   /* faulty programs wanted per source program */
    int max_attempts;                  /* per source program; <= 0: 4 * per_program */
    double weights[INJECT_KIND_COUNT]; /* relative, >= 0, not all 0 */
    int strip_docstrings;              /* teacher_strip_docstrings before injecting */
    exec_limits limits;
} inject_options;

/* seed 0, 2 per program, every kind weight 1, docstrings kept. */
void inject_options_default(inject_options *o);
/* Parses "const=1,op=2,..." into o->weights: kinds left out weigh 0.
 * PAD_ERR_INVALID naming the bad part. */
pad_status inject_parse_weights(const char *spec, inject_options *o, pad_error *err);

typedef struct inject_kind_counts {
    long attempted;     /* this kind was drawn */
    long injected;      /* a faulty program was kept */
    long still_correct; /* the edited program still returned the gold: discarded */
    long no_site;       /* the program had no site of this kind */
    long duplicate;     /* the same faulty program was already made for this source */
} inject_kind_counts;

typedef struct inject_report {
    long rows;          /* non-blank input lines */
    long used;          /* rows whose program was injected */
    long skipped;       /* no single program, or the program does not return its gold */
    long written;       /* refine rows */
    inject_kind_counts kinds[INJECT_KIND_COUNT];
} inject_report;

/* One faulty program of a source program. */
typedef struct inject_fault {
    inject_kind kind;
    inject_edit edit;
    char feedback[320]; /* refine_feedback of its run */
} inject_fault;

/* Up to o->per_program faulty programs of `program`, each run and checked
 * against `gold`; `stream` (the row's index) makes the draws of each source
 * program independent of the others.  *faults is malloc'd (free with
 * inject_faults_free); counts are added to `rep`. */
pad_status inject_program(const char *program, const teacher_gold *gold, const inject_options *o,
                          uint64_t stream, inject_fault **faults, int *count, inject_report *rep,
                          pad_error *err);
void inject_faults_free(inject_fault *faults, int count);

/* Reads verified teacher rows (question, code, gold) and writes one refine
 * row per faulty program to `output`, atomically:
 *   id, source_id, question, program (faulty), feedback, kind, detail,
 *   target (the correct program), and the row's num_answer / answer.
 * Problems of the input name the file and line. */
pad_status inject_file(const char *input, const char *output, const inject_options *o, inject_report *rep,
                       pad_error *err);

#endif
