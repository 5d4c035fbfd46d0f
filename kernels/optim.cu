/* pad: AdamW as torch.optim.AdamW (decoupled weight decay, bias-corrected
 * moments), fp32 moments.  With fp32 master weights the update applies to
 * the master copy and the bf16 params are its rounding; without, the bf16
 * params are updated in fp32 and rounded back. */
#include <math.h>

#include "cuda_common.cuh"

void cuda_adamw(pad_backend *be, void *params, void *master, const void *grads, void *m, void *v,
                size_t n, const pad_adamw_hparams *h)
{
    bf16 *ps = (bf16 *)params;
    float *mw = (float *)master, *ms = (float *)m, *vs = (float *)v;
    const bf16 *gs = (const bf16 *)grads;
    float b1 = h->beta1, b2 = h->beta2, eps = h->eps;
    float decay = (float)(1.0 - (double)h->lr * h->weight_decay);
    /* bias corrections in double on the host, as the CPU backend */
    float step_size = (float)(h->lr / (1.0 - pow(h->beta1, h->step)));
    float bc2_sqrt = (float)sqrt(1.0 - pow(h->beta2, h->step));
    cuda_map(be, n, [=] __device__(size_t i) {
        float g = ld_bf(gs, i);
        float mi = b1 * ms[i] + (1.0f - b1) * g;
        float vi = b2 * vs[i] + (1.0f - b2) * g * g;
        ms[i] = mi;
        vs[i] = vi;
        float p = (mw ? mw[i] : ld_bf(ps, i)) * decay;
        p -= step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
        if (mw) mw[i] = p;
        st_bf(ps, i, p);
    }, "adamw");
}
