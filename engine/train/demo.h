/* pad: the demo training run (the README's main job until the PaD
 * quickstart): a tiny T5 learns to reverse random token sequences. */
#ifndef PAD_TRAIN_DEMO_H
#define PAD_TRAIN_DEMO_H

#include <stdint.h>

#include "core/error.h"

typedef struct pad_demo_options {
    const char *backend;  /* "cpu", "cuda", "auto" */
    int steps;
    int batch;
    int max_len;          /* longest source sequence */
    float lr;
    int log_every;
    uint64_t seed;
} pad_demo_options;

typedef struct pad_demo_report {
    int step;             /* 1-based, after the update */
    int total;
    double loss;          /* training loss of this step's batch */
    double grad_norm;     /* before clipping */
    float lr;
    double ms_per_step;   /* mean since the last report */
} pad_demo_report;

typedef struct pad_demo_result {
    long long parameters;
    double first_loss, last_loss;
    double eval_loss;      /* on held-out sequences, dropout off */
    double eval_token_acc; /* teacher-forced argmax accuracy on them */
} pad_demo_result;

typedef struct pad_demo_callbacks {
    /* once the model exists, before the first step */
    void (*started)(void *ctx, long long parameters, const char *backend);
    /* after step 1, every log_every steps, and after the last */
    void (*progress)(void *ctx, const pad_demo_report *r);
    void *ctx;
} pad_demo_callbacks;

void pad_demo_defaults(pad_demo_options *o);
pad_status pad_demo_run(const pad_demo_options *o, const pad_demo_callbacks *cb,
                        pad_demo_result *result, pad_error *err);

#endif
