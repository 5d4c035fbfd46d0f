/* pad: learning-rate schedules. */
#ifndef PAD_TRAIN_SCHEDULE_H
#define PAD_TRAIN_SCHEDULE_H

typedef enum pad_decay {
    PAD_DECAY_CONSTANT = 0,
    PAD_DECAY_LINEAR,
    PAD_DECAY_COSINE
} pad_decay;

/* Learning rate for 0-based `step` of `total`: linear warmup from 0 over
 * `warmup` steps (peak * step / warmup, as transformers' warmup schedules),
 * then the chosen decay, reaching 0 at `total`. */
float pad_lr_at(float peak, int step, int warmup, int total, pad_decay decay);

#endif
