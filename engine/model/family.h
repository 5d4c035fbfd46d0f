/* pad: what each model family provides to model.c.  Not for other rooms. */
#ifndef PAD_MODEL_FAMILY_H
#define PAD_MODEL_FAMILY_H

#include "model/model.h"

typedef struct pad_model_family {
    /* Names, shapes (Hugging Face's) and decay flags of every parameter. */
    pad_status (*build_params)(const pad_model_config *cfg, pad_param_table *t, pad_error *err);
    /* Fills host float params (buffer_numel elements, gaps left zero). */
    void (*init_params)(const pad_model_config *cfg, const pad_param_table *t, float *host,
                        uint64_t seed);
    pad_status (*forward)(pad_model *m, const pad_batch *b, double *loss, pad_error *err);
    pad_status (*backward)(pad_model *m, pad_error *err);
    void (*free_state)(pad_model *m);
} pad_model_family;

/* Reports grad_buf[begin, end) to m->grads_ready, when set and the range is
 * not empty. */
pad_status pad_model_grads_ready(pad_model *m, size_t begin, size_t end, pad_error *err);

extern const pad_model_family t5_family;
extern const pad_model_family gpt2_family;

#endif
