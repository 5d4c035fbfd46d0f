/* The CPU backend objects: names, dtypes, a complete op table, aligned
 * memory, zero, upload/download and sync. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

static void check_backend(const char *name, pad_dtype dtype)
{
    pad_backend *be = gc_backend(name);
    CHECK(strcmp(be->name, name) == 0);
    CHECK(be->device == PAD_DEVICE_CPU && be->act_dtype == dtype && be->stat_dtype == dtype);
    /* every entry of the op table is filled */
    const void *const *slot = (const void *const *)be->ops;
    size_t nslots = sizeof(pad_backend_ops) / sizeof(void *), missing = 0;
    for (size_t i = 0; i < nslots; i++) missing += slot[i] == NULL;
    CHECK_MSG(missing == 0, "%s: %zu empty op slots", name, missing);

    pad_error err;
    pad_error_clear(&err);
    void *a = NULL, *b = NULL;
    CHECK(be->ops->alloc(be, 1000, &a, &err) == PAD_OK && a);
    CHECK(be->ops->alloc(be, 0, &b, &err) == PAD_OK && b);
    CHECK((uintptr_t)a % 64 == 0 && (uintptr_t)b % 64 == 0);
    unsigned char host[1000], back[1000];
    for (int i = 0; i < 1000; i++) host[i] = (unsigned char)(i * 7 + 1);
    be->ops->upload(be, a, host, sizeof host);
    be->ops->download(be, back, a, sizeof back);
    CHECK(memcmp(host, back, sizeof host) == 0);
    be->ops->zero(be, a, 500);
    be->ops->download(be, back, a, sizeof back);
    int zeroed = 1;
    for (int i = 0; i < 500; i++) zeroed &= back[i] == 0;
    CHECK(zeroed && memcmp(back + 500, host + 500, 500) == 0);
    CHECK(be->ops->sync(be, &err) == PAD_OK);
    be->ops->free(be, a);
    be->ops->free(be, b);
    pad_backend_destroy(be);
}

static void test_cpu32(void) { check_backend("cpu", PAD_F32); }

static void test_cpu64(void) { check_backend("cpu64", PAD_F64); }

int main(void)
{
    RUN(test_cpu32);
    RUN(test_cpu64);
    return check_finish();
}
