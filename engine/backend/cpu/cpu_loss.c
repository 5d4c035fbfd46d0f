/* pad: CPU softmax cross-entropy with ignore_index and label smoothing, as
 * torch.nn.functional.cross_entropy(reduction='none').
 *
 * With lse = log(sum exp z): -log p_c = lse - z_c, so the smoothed loss is
 * (1-eps)*(lse - z_t) + eps*(lse - mean(z)). */
#include "backend/cpu/cpu_internal.h"

/* log(sum(exp(z))) of one row, shifted by its max for stability. */
static double row_logsumexp(const real *z, int V)
{
    real mx = z[0];
    for (int c = 1; c < V; c++)
        if (z[c] > mx) mx = z[c];
    double s = 0.0;
    for (int c = 0; c < V; c++) s += exp((double)(z[c] - mx));
    return mx + log(s);
}

void CPU_FN(cross_entropy_fwd)(pad_backend *be, void *losses, const void *logits,
                               const int32_t *targets, int N, int V, int ignore_index,
                               float smoothing)
{
    real *ls = losses;
    const real *zs = logits;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        int t = targets[n];
        if (t == ignore_index) {
            ls[n] = 0;
            continue;
        }
        const real *z = zs + (size_t)n * V;
        double lse = row_logsumexp(z, V);
        double loss = (1.0 - smoothing) * (lse - z[t]);
        if (smoothing != 0) {
            double sz = 0.0;
            for (int c = 0; c < V; c++) sz += z[c];
            loss += smoothing * (lse - sz / V);
        }
        ls[n] = (real)loss;
    }
}

void CPU_FN(cross_entropy_bwd)(pad_backend *be, void *dlogits, const void *logits,
                               const int32_t *targets, int N, int V, int ignore_index,
                               float smoothing, float dloss)
{
    real *dz = dlogits;
    const real *zs = logits;
    /* d loss / d z_c = p_c - (1-eps)*[c == t] - eps/V */
    real uniform = (real)smoothing / V;
    real on_target = (real)1 - (real)smoothing;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        int t = targets[n];
        if (t == ignore_index) continue;
        const real *z = zs + (size_t)n * V;
        real *d = dz + (size_t)n * V;
        double lse = row_logsumexp(z, V);
        for (int c = 0; c < V; c++) {
            real p = (real)exp(z[c] - lse);
            real grad = p - uniform - (c == t ? on_target : 0);
            d[c] += (real)dloss * grad;
        }
    }
}
