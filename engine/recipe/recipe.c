/* pad recipes: parse, override, validate, fill; the canonical form and its hash. */
#include "recipe/recipe.h"

#include <stdlib.h>
#include <string.h>

#include "io/json_file.h"
#include "io/sha256.h"
#include "recipe/recipe_internal.h"

static int key_order(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Sorts every object's keys, so that the canonical form does not depend on
 * the order a recipe was written in.  Returns 0 when out of memory. */
static int sort_keys(cJSON *node)
{
    int n = 0;
    for (cJSON *c = node->child; c; c = c->next, n++)
        if (!sort_keys(c)) return 0;
    if (!cJSON_IsObject(node) || n < 2) return 1;
    cJSON **items = malloc((size_t)n * sizeof *items);
    if (!items) return 0;
    n = 0;
    for (cJSON *c = node->child; c; c = c->next) items[n++] = c;
    qsort(items, (size_t)n, sizeof *items, key_order);
    /* cJSON links siblings both ways; the first one's prev is the last */
    for (int i = 0; i < n; i++) {
        items[i]->prev = items[i ? i - 1 : n - 1];
        items[i]->next = i + 1 < n ? items[i + 1] : NULL;
    }
    node->child = items[0];
    free(items);
    return 1;
}

/* The canonical text: sorted keys, no spaces, without "description" (words
 * about a run do not change it).  Hashed into r->hash. */
static pad_status canonicalize(recipe *r, pad_error *err)
{
    if (!sort_keys(r->json)) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    cJSON *copy = cJSON_Duplicate(r->json, 1);
    if (copy) cJSON_DeleteItemFromObjectCaseSensitive(copy, "description");
    r->canonical = copy ? cJSON_PrintUnformatted(copy) : NULL;
    cJSON_Delete(copy);
    if (!r->canonical) return pad_error_set(err, PAD_ERR_NOMEM, "out of memory");
    pad_sha256 h;
    uint8_t digest[32];
    pad_sha256_init(&h);
    pad_sha256_update(&h, r->canonical, strlen(r->canonical));
    pad_sha256_final(&h, digest);
    pad_sha256_hex(digest, r->hash);
    return PAD_OK;
}

pad_status recipe_parse(const char *text, const char *const *sets, int nsets, recipe *out,
                        recipe_issues *issues, pad_error *err)
{
    memset(out, 0, sizeof *out);
    memset(issues, 0, sizeof *issues);
    cJSON *root;
    pad_status st = pad_json_parse(text, strlen(text), &root, err);
    if (st) return st;
    recipe_apply_sets(root, sets, nsets, issues);
    recipe_check_all(root, issues);
    if (issues->out_of_memory) st = pad_error_set(err, PAD_ERR_NOMEM, "out of memory checking the recipe");
    else if (issues->count) {
        st = pad_error_set(err, PAD_ERR_CONFIG, "%s", issues->items[0].message);
        if (issues->items[0].path[0]) pad_error_json_path(err, issues->items[0].path);
    }
    if (st) {
        cJSON_Delete(root);
        return st;
    }
    out->json = root;
    st = canonicalize(out, err);
    if (!st) st = recipe_fill(root, out, err);
    if (st) recipe_free(out);
    return st;
}

pad_status recipe_load(const char *path, const char *const *sets, int nsets, recipe *out,
                       recipe_issues *issues, pad_error *err)
{
    memset(out, 0, sizeof *out);
    memset(issues, 0, sizeof *issues);
    char *text;
    size_t len;
    pad_status st = pad_read_file(path, &text, &len, err);
    if (st) return st;
    if (strlen(text) != len) st = pad_error_set(err, PAD_ERR_FORMAT, "holds a NUL byte");
    else st = recipe_parse(text, sets, nsets, out, issues, err);
    free(text);
    return st ? pad_error_file(err, path) : PAD_OK;
}

void recipe_free(recipe *r)
{
    free(r->stages);
    free(r->canonical);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

const char *recipe_stage_type_name(recipe_stage_type t)
{
    return t >= 0 && t < RECIPE_STAGE_TYPE_COUNT ? recipe_stage_type_names[t] : "?";
}

const recipe_stage *recipe_find_stage(const recipe *r, recipe_stage_type t)
{
    for (int i = 0; i < r->stage_count; i++)
        if (r->stages[i].type == t && r->stages[i].enabled) return &r->stages[i];
    return NULL;
}
