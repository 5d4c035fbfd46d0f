/* pad: beam_generate, the beam search loop (beam_loop.c) driving the
 * incremental decoder. */
#include "decode/beam.h"

#include <stdlib.h>
#include <string.h>

#include "decode/beam_internal.h"
#include "model/decoder.h"

void beam_options_default(beam_options *o)
{
    memset(o, 0, sizeof *o);
    o->num_beams = 1;
    o->num_return = 1;
    o->max_new_tokens = 128;
    o->length_penalty = 1.0f;
    o->early_stopping = 0;
    o->temperature = 1.0f;
    o->top_p = 1.0f;
    o->eos_id = -1;
}

void beam_result_free(beam_result *r)
{
    for (int q = 0; r->hyps && q < r->B; q++) {
        for (int i = 0; r->count && i < r->count[q]; i++) free(r->hyps[q][i].tokens);
        free(r->hyps[q]);
    }
    free(r->hyps);
    free(r->count);
    memset(r, 0, sizeof *r);
}

static pad_status decoder_step(void *ctx, int n_rows, const int32_t *parent,
                               const int32_t *tokens, float *logits, pad_error *err)
{
    return pad_decoder_step(ctx, n_rows, parent, tokens, logits, err);
}

static int32_t config_eos(const pad_model *m)
{
    return m->config.arch == PAD_ARCH_T5 ? m->config.t5.eos_token_id
                                         : m->config.gpt2.eos_token_id;
}

pad_status beam_generate(pad_model *m, int B, const int32_t *const *prompts,
                         const int *prompt_len, const beam_options *o, beam_result *out,
                         pad_error *err)
{
    memset(out, 0, sizeof *out);
    if (o->num_beams < 1 || o->max_new_tokens < 1)
        return pad_error_set(err, PAD_ERR_INVALID,
                             "beam search needs num_beams >= 1 and max_new_tokens >= 1");
    if (B == 0) return PAD_OK;
    int training = m->training;
    m->training = 0;
    pad_decoder *d = NULL;
    pad_status st = pad_decoder_begin(m, B, prompts, prompt_len, o->num_beams, o->max_new_tokens,
                                      &d, err);
    if (!st) {
        int steps = pad_decoder_max_steps(d);
        if (steps > o->max_new_tokens) steps = o->max_new_tokens;
        if (steps < 1)
            st = pad_error_set(err, PAD_ERR_INVALID,
                               "no room to generate: the prompts fill the model's positions");
        beam_source src = {d, decoder_step};
        int32_t eos = o->eos_id >= 0 ? o->eos_id : config_eos(m);
        if (!st) st = beam_run(&src, B, pad_decoder_vocab(d), eos, steps, o, out, err);
    }
    pad_decoder_free(d);
    m->training = training;
    return st;
}
