/* pad: token embedding lookup and its deterministic gradient, and the
 * strided row gather the KV caches use (copy_rows).
 *
 * Backward without float atomics: the token positions are sorted by id (a
 * stable radix sort from CUB, so equal ids keep token order), and each run of
 * equal ids is summed by one block in that order, in fp32, then added to its
 * table row once.  Ids outside [0, V) are skipped, as on the CPU. */
#include <cub/device/device_radix_sort.cuh>

#include "cuda_common.cuh"

void cuda_embedding_fwd(pad_backend *be, void *out, const int32_t *ids, const void *table, int N,
                        int C)
{
    if (N <= 0 || C <= 0) return;
    bf16 *o = (bf16 *)out;
    const bf16 *t = (const bf16 *)table;
    cuda_map(be, (size_t)N * C, [=] __device__(size_t idx) {
        size_t n = idx / C, c = idx % C;
        o[idx] = t[(size_t)ids[n] * C + c];
    }, "embedding_fwd");
}

/* One block per sorted position; the first position of each run of equal
 * ids sums the run's dout rows (token order) into the table row. */
__global__ void embedding_bwd_runs_kernel(bf16 *dtable, const bf16 *dout, const int32_t *keys,
                                          const int32_t *pos, int N, int C, int V)
{
    int i = blockIdx.x;
    int id = keys[i];
    if (id == V || (i > 0 && keys[i - 1] == id)) return; /* invalid, or not a run start */
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        float s = 0.0f;
        for (int r = i; r < N && keys[r] == id; r++) s += ld_bf(dout, (size_t)pos[r] * C + c);
        acc_bf(dtable, (size_t)id * C + c, s);
    }
}

void cuda_embedding_bwd(pad_backend *be, void *dtable, const void *dout, const int32_t *ids,
                        int N, int C, int V)
{
    if (N <= 0 || C <= 0 || V <= 0) return;
    /* keys: ids with invalid ones mapped to V (sorted last, then skipped), so
     * only the bits of V need sorting */
    int end_bit = 1;
    while (end_bit < 31 && ((int64_t)1 << end_bit) <= V) end_bit++;
    size_t temp_bytes = 0;
    cudaStream_t st = cuda_stream(be);
    if (cuda_check(be, cub::DeviceRadixSort::SortPairs(NULL, temp_bytes, (const int32_t *)NULL,
                                                       (int32_t *)NULL, (const int32_t *)NULL,
                                                       (int32_t *)NULL, N, 0, end_bit, st),
                   "embedding_bwd sort size"))
        return;
    /* one block: CUB's temporaries first (the pool's base is 256-aligned), then
     * the four int arrays */
    size_t ints = (size_t)N, temp_room = (temp_bytes + 255) / 256 * 256;
    char *scratch = (char *)cuda_scratch(be, temp_room + 4 * ints * sizeof(int32_t));
    if (!scratch) return;
    void *temp = scratch;
    int32_t *keys_in = (int32_t *)(scratch + temp_room), *pos_in = keys_in + ints;
    int32_t *keys = pos_in + ints, *pos = keys + ints;
    cuda_map(be, ints, [=] __device__(size_t n) {
        int id = ids[n];
        keys_in[n] = id >= 0 && id < V ? id : V;
        pos_in[n] = (int32_t)n;
    }, "embedding_bwd keys");
    if (!cuda_check(be, cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_in, keys, pos_in,
                                                        pos, N, 0, end_bit, st),
                    "embedding_bwd sort")) {
        embedding_bwd_runs_kernel<<<N, CUDA_THREADS, 0, st>>>((bf16 *)dtable, (const bf16 *)dout,
                                                              keys, pos, N, C, V);
        CUDA_LAUNCHED(be, "embedding_bwd");
    }
    cuda_scratch_free(be, scratch);
}

/* A 2-D grid: blockIdx.y picks the row, x-blocks stride over its elements,
 * so long rows (a cache's filled positions) still spread over the device. */
__global__ void copy_rows_kernel(bf16 *dst, size_t dst_stride, const bf16 *src,
                                 size_t src_stride, const int32_t *idx, size_t row_elems)
{
    size_t i = blockIdx.y;
    size_t from = idx ? (size_t)idx[i] : i;
    bf16 *d = dst + i * dst_stride;
    const bf16 *s = src + from * src_stride;
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < row_elems;
         e += (size_t)gridDim.x * blockDim.x)
        d[e] = s[e];
}

void cuda_copy_rows(pad_backend *be, void *dst, size_t dst_stride, const void *src,
                    size_t src_stride, const int32_t *idx, int n, size_t row_elems)
{
    if (n <= 0 || row_elems == 0) return;
    unsigned bx = cuda_div_up(row_elems, CUDA_THREADS);
    if (bx > 64) bx = 64;
    for (int first = 0; first < n; first += 65535) { /* gridDim.y is at most 65535 */
        int rows = n - first < 65535 ? n - first : 65535;
        dim3 grid(bx, (unsigned)rows);
        copy_rows_kernel<<<grid, CUDA_THREADS, 0, cuda_stream(be)>>>(
            (bf16 *)dst + (size_t)first * dst_stride, dst_stride, (const bf16 *)src, src_stride,
            idx ? idx + first : NULL, row_elems);
        CUDA_LAUNCHED(be, "copy_rows");
    }
}
