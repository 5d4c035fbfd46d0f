/* pad: the CUDA backend's constructor (bf16 act buffers, fp32 stat buffers).
 * Plain C: the engine includes it; kernels/ implements it in CUDA C++. */
#ifndef PAD_BACKEND_CUDA_H
#define PAD_BACKEND_CUDA_H

#include "backend/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A backend on the current CUDA device with its own stream and cuBLASLt
 * handle.  NULL with *err set when there is no device or setup fails. */
pad_backend *pad_cuda_backend_create(pad_error *err);
/* Number of visible CUDA devices; 0 when there is none or no driver. */
int pad_cuda_device_count(void);
/* The cudaStream_t every op of `be` is queued on (for timing with events). */
void *pad_cuda_backend_stream(pad_backend *be);

#ifdef __cplusplus
}
#endif

#endif
