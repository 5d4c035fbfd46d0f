/* pad: the CPU backend's constructor.  Compiled twice (see CMakeLists.txt):
 * float for "cpu" and double for "cpu64", the gradient-check reference. */
#ifndef PAD_BACKEND_CPU_H
#define PAD_BACKEND_CPU_H

#include "backend/backend.h"

pad_backend *pad_cpu32_backend_create(pad_error *err);
pad_backend *pad_cpu64_backend_create(pad_error *err);

#endif
