/* pad: CPU AdamW, the update of torch.optim.AdamW (decoupled weight decay,
 * bias-corrected moments).  With master weights the update applies to the
 * master copy and params are refreshed from it. */
#include <math.h>

#include "backend/cpu/cpu_internal.h"

void CPU_FN(adamw)(pad_backend *be, void *params, void *master, const void *grads, void *m,
                   void *v, size_t n, const pad_adamw_hparams *h)
{
    real *ps = params, *mw = master, *ms = m, *vs = v;
    const real *gs = grads;
    real *target = mw ? mw : ps;
    real b1 = h->beta1, b2 = h->beta2, eps = h->eps;
    real decay = (real)(1.0 - (double)h->lr * h->weight_decay);
    /* Bias corrections in double: beta^t for large t is where float drifts. */
    real step_size = (real)(h->lr / (1.0 - pow(h->beta1, h->step)));
    real bc2_sqrt = (real)sqrt(1.0 - pow(h->beta2, h->step));
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        real g = gs[i];
        real mi = b1 * ms[i] + ((real)1 - b1) * g;
        real vi = b2 * vs[i] + ((real)1 - b2) * g * g;
        ms[i] = mi;
        vs[i] = vi;
        real p = target[i] * decay;
        p -= step_size * mi / (R_SQRT(vi) / bc2_sqrt + eps);
        target[i] = p;
        if (mw) ps[i] = p;
    }
}
