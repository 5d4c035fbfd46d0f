/* pad: reporting a training run.
 *
 * metrics.jsonl: one JSON object a line, appended and flushed as the run
 * goes ({"step", "loss", "lr", "tokens_per_s", "grad_norm"} after training
 * steps, {"step", "val_loss"} after validations; other stages may add
 * objects such as {"step", "accuracy"}); tools/plot draws it.
 *
 * The progress printer is the CLI's: one line rewritten in place on a
 * terminal, plain lines otherwise.  The library loop only calls it through
 * pad_train_options.progress. */
#ifndef PAD_TRAIN_PROGRESS_H
#define PAD_TRAIN_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "train/trainer.h"

#define PAD_METRICS_FILE "metrics.jsonl"

typedef struct pad_metrics {
    FILE *fp;
    char *path;
} pad_metrics;

/* Opens RUN_DIR/metrics.jsonl for appending, first cutting it to
 * `keep_bytes` (>= 0: what a resumed checkpoint had seen; < 0: keep all),
 * so a resumed run does not repeat the steps after its checkpoint. */
pad_status pad_metrics_open(pad_metrics *m, const char *run_dir, int64_t keep_bytes,
                            pad_error *err);
/* Appends one object as one line and flushes. */
pad_status pad_metrics_append(pad_metrics *m, const cJSON *obj, pad_error *err);
/* The line a report becomes. */
pad_status pad_metrics_append_report(pad_metrics *m, const pad_train_report *r, pad_error *err);
int64_t pad_metrics_bytes(const pad_metrics *m);
void pad_metrics_close(pad_metrics *m);

typedef struct pad_progress_printer {
    FILE *out;
    int tty;           /* rewrite one line with \r */
    int open_line;     /* a \r line waits for its newline */
} pad_progress_printer;

/* Prints to `out` (stderr when NULL); terminal or not decided by isatty. */
void pad_progress_printer_init(pad_progress_printer *p, FILE *out);
/* A pad_train_progress_fn: ctx is the printer. */
void pad_progress_print(void *ctx, const pad_train_report *r);
/* Ends a pending in-place line. */
void pad_progress_finish(pad_progress_printer *p);

#endif
