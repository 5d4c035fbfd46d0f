#include "model/params.h"

#include <stdlib.h>
#include <string.h>

void pad_param_table_init(pad_param_table *t) { memset(t, 0, sizeof *t); }

void pad_param_table_free(pad_param_table *t)
{
    free(t->items);
    memset(t, 0, sizeof *t);
}

pad_status pad_param_table_add(pad_param_table *t, const char *name, int ndim, int64_t d0,
                               int64_t d1, int decay, pad_error *err)
{
    if (strlen(name) >= PAD_PARAM_NAME_MAX)
        return pad_error_set(err, PAD_ERR_INVALID, "parameter name too long: %s", name);
    if (ndim < 1 || ndim > 2 || d0 <= 0 || (ndim == 2 && d1 <= 0))
        return pad_error_set(err, PAD_ERR_INVALID, "parameter %s: bad shape", name);
    if (pad_param_table_find(t, name))
        return pad_error_set(err, PAD_ERR_INVALID, "duplicate parameter %s", name);
    if (t->count == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        pad_param *items = realloc(t->items, (size_t)cap * sizeof *items);
        if (!items) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory for parameter table");
        t->items = items;
        t->cap = cap;
    }
    pad_param *p = &t->items[t->count++];
    memset(p, 0, sizeof *p);
    strcpy(p->name, name);
    p->ndim = ndim;
    p->shape[0] = d0;
    p->shape[1] = ndim == 2 ? d1 : 1;
    p->decay = decay;
    p->offset = (t->buffer_numel + PAD_PARAM_ALIGN - 1) / PAD_PARAM_ALIGN * PAD_PARAM_ALIGN;
    t->buffer_numel = p->offset + (size_t)pad_param_numel(p);
    return PAD_OK;
}

const pad_param *pad_param_table_find(const pad_param_table *t, const char *name)
{
    for (int i = 0; i < t->count; i++)
        if (strcmp(t->items[i].name, name) == 0) return &t->items[i];
    return NULL;
}

int64_t pad_param_numel(const pad_param *p) { return p->ndim == 2 ? p->shape[0] * p->shape[1] : p->shape[0]; }

int64_t pad_param_table_count(const pad_param_table *t)
{
    int64_t n = 0;
    for (int i = 0; i < t->count; i++) n += pad_param_numel(&t->items[i]);
    return n;
}
