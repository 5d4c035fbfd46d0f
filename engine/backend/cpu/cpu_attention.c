/* pad: CPU scaled dot-product attention and T5's relative position bias.
 *
 * One (sequence b, head h) pair is independent of every other in the forward
 * pass and in dq/dk/dv, so the work splits over pairs.  dbias sums over the
 * batch: when it is wanted the split is over heads only and each thread walks
 * b in order, so the sum has one order for any thread count.  Dropout draws
 * probs element e's number from (seed, stream, e): the backward pass
 * regenerates the same mask without storing it. */
#include "backend/cpu/cpu_internal.h"
#include "core/rng.h"

/* Offset of row t of sequence b, head h, in a [B, T] buffer of ld-element
 * rows (q, k, v and their gradients; out and dout have ld = H*D). */
static inline size_t head_at(int ld, int T, int b, int t, int h, int D)
{
    return ((size_t)b * T + t) * ld + (size_t)h * D;
}

static inline real dot(const real *a, const real *b, int n)
{
    real s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline void axpy(real *y, real a, const real *x, int n)
{
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

static inline int key_visible(const pad_attn_desc *d, const int32_t *key_mask, int b, int i,
                              int j)
{
    if (d->causal && j > i + (d->Tk - d->Tq)) return 0;
    return !key_mask || key_mask[(size_t)b * d->Tk + j] != 0;
}

/* The factor dropout applies to probs element e: 0 when dropped, else
 * 1/(1-p). */
static inline real dropout_factor(const pad_attn_desc *d, uint64_t e)
{
    if (d->dropout_p <= 0) return 1;
    if (pad_rng_uniform_at(d->seed, d->stream, e) < d->dropout_p) return 0;
    return (real)1 / (1 - (real)d->dropout_p);
}

/* Index of P[b, h, i, 0] in probs [B, H, Tq, Tk]. */
static inline size_t probs_row(const pad_attn_desc *d, int b, int h, int i)
{
    return (((size_t)b * d->H + h) * d->Tq + i) * d->Tk;
}

/* P[i, :] = softmax over visible keys of scale * q_i.k_j + bias[h, i, j]. */
static void softmax_row(const pad_attn_desc *d, real *P, const real *qi, const real *k,
                        const real *bias_row, const int32_t *key_mask, int b, int h, int i)
{
    real mx = -INFINITY;
    for (int j = 0; j < d->Tk; j++) {
        if (!key_visible(d, key_mask, b, i, j)) continue;
        real s = (real)d->scale * dot(qi, k + head_at(d->ldk, d->Tk, b, j, h, d->D), d->D);
        if (bias_row) s += bias_row[j];
        P[j] = s;
        if (s > mx) mx = s;
    }
    real sum = 0;
    for (int j = 0; j < d->Tk; j++) {
        /* no visible key (mx stays -inf): the whole row is zero */
        if (mx == -INFINITY || !key_visible(d, key_mask, b, i, j)) {
            P[j] = 0;
            continue;
        }
        P[j] = R_EXP(P[j] - mx);
        sum += P[j];
    }
    if (sum > 0)
        for (int j = 0; j < d->Tk; j++) P[j] /= sum;
}

static void attention_fwd_pair(const pad_attn_desc *d, int b, int h, real *out, real *probs,
                               const real *q, const real *k, const real *v, const real *bias,
                               const int32_t *key_mask)
{
    int HD = d->H * d->D;
    for (int i = 0; i < d->Tq; i++) {
        size_t row = probs_row(d, b, h, i);
        real *P = probs + row;
        const real *bias_row = bias ? bias + ((size_t)h * d->Tq + i) * d->Tk : NULL;
        softmax_row(d, P, q + head_at(d->ldq, d->Tq, b, i, h, d->D), k, bias_row, key_mask,
                    b, h, i);
        real *oi = out + head_at(HD, d->Tq, b, i, h, d->D);
        for (int c = 0; c < d->D; c++) oi[c] = 0;
        for (int j = 0; j < d->Tk; j++) {
            real pd = P[j] == 0 ? 0 : P[j] * dropout_factor(d, row + j);
            if (pd != 0) axpy(oi, pd, v + head_at(d->ldv, d->Tk, b, j, h, d->D), d->D);
        }
    }
}

void CPU_FN(attention_fwd)(pad_backend *be, const pad_attn_desc *d, void *out, void *probs,
                           const void *q, const void *k, const void *v, const void *bias,
                           const int32_t *key_mask)
{
    int pairs = d->B * d->H;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < pairs; t++)
        attention_fwd_pair(d, t / d->H, t % d->H, out, probs, q, k, v, bias, key_mask);
}

/* Gradients of one (b, h) pair.  With Pd = P * drop, dPd_ij = dout_i.v_j,
 * dP_ij = dPd_ij * drop_ij and dS_ij = P_ij (dP_ij - sum_l P_il dP_il).
 * Keys with P == 0 (invisible, or underflowed) contribute exactly nothing. */
static void attention_bwd_pair(const pad_attn_desc *d, int b, int h, real *dq, real *dk,
                               real *dv, real *dbias, const real *dout, const real *q,
                               const real *k, const real *v, const real *probs)
{
    int D = d->D, HD = d->H * d->D;
    for (int i = 0; i < d->Tq; i++) {
        size_t row = probs_row(d, b, h, i);
        const real *P = probs + row;
        const real *qi = q + head_at(d->ldq, d->Tq, b, i, h, D);
        const real *gi = dout + head_at(HD, d->Tq, b, i, h, D);
        real *dqi = dq + head_at(d->ldq, d->Tq, b, i, h, D);
        real *dbias_row = dbias ? dbias + ((size_t)h * d->Tq + i) * d->Tk : NULL;
        real rowsum = 0;
        for (int j = 0; j < d->Tk; j++) {
            if (P[j] == 0) continue;
            const real *vj = v + head_at(d->ldv, d->Tk, b, j, h, D);
            rowsum += P[j] * dot(gi, vj, D) * dropout_factor(d, row + j);
        }
        for (int j = 0; j < d->Tk; j++) {
            if (P[j] == 0) continue;
            const real *kj = k + head_at(d->ldk, d->Tk, b, j, h, D);
            const real *vj = v + head_at(d->ldv, d->Tk, b, j, h, D);
            real drop = dropout_factor(d, row + j);
            real dS = P[j] * (dot(gi, vj, D) * drop - rowsum);
            axpy(dqi, (real)d->scale * dS, kj, D);
            axpy(dk + head_at(d->ldk, d->Tk, b, j, h, D), (real)d->scale * dS, qi, D);
            axpy(dv + head_at(d->ldv, d->Tk, b, j, h, D), P[j] * drop, gi, D);
            if (dbias_row) dbias_row[j] += dS;
        }
    }
}

void CPU_FN(attention_bwd)(pad_backend *be, const pad_attn_desc *d, void *dq, void *dk,
                           void *dv, void *dbias, const void *dout, const void *q, const void *k,
                           const void *v, const void *probs, const int32_t *key_mask)
{
    /* key_mask is already in probs: masked keys have P == 0 */
    if (!dbias) {
        int pairs = d->B * d->H;
#pragma omp parallel for schedule(static)
        for (int t = 0; t < pairs; t++)
            attention_bwd_pair(d, t / d->H, t % d->H, dq, dk, dv, NULL, dout, q, k, v, probs);
        return;
    }
#pragma omp parallel for schedule(static)
    for (int h = 0; h < d->H; h++)
        for (int b = 0; b < d->B; b++)
            attention_bwd_pair(d, b, h, dq, dk, dv, dbias, dout, q, k, v, probs);
}

void CPU_FN(position_bias_fwd)(pad_backend *be, void *bias, const void *table,
                               const int32_t *buckets, int H, int Tq, int Tk)
{
    real *out = bias;
    const real *tab = table;
    size_t n = (size_t)Tq * Tk;
#pragma omp parallel for schedule(static)
    for (int h = 0; h < H; h++)
        for (size_t e = 0; e < n; e++) out[h * n + e] = tab[(size_t)buckets[e] * H + h];
}

void CPU_FN(position_bias_bwd)(pad_backend *be, void *dtable, const void *dbias,
                               const int32_t *buckets, int H, int Tq, int Tk, int num_buckets)
{
    /* buckets repeat, so each head's column of the table is summed by one
     * thread in (i, j) order */
    real *dtab = dtable;
    const real *g = dbias;
    size_t n = (size_t)Tq * Tk;
#pragma omp parallel for schedule(static)
    for (int h = 0; h < H; h++)
        for (size_t e = 0; e < n; e++) dtab[(size_t)buckets[e] * H + h] += g[h * n + e];
}
