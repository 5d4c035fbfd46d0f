/* pad recipes: command-line overrides, "PATH=VALUE".
 *
 * PATH is a JSON path as the errors print them (seed, data.synth.train,
 * stages[3].lr).  Every step must exist, except that a field the schema knows
 * may be added where it is absent (objects on the way are created).  VALUE
 * is JSON when it parses as JSON (6e-5, true, null, "text", {...}), else
 * it is taken as a string (cuda, hf:weights/codet5-small). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "recipe/recipe_internal.h"

typedef struct segment {
    char key[64]; /* "" for an index */
    int index;
} segment;

#define MAX_SEGMENTS 16

/* Splits PATH into segments; returns their count, or -1 when malformed. */
static int split_path(const char *p, segment *segs)
{
    int n = 0;
    while (*p) {
        if (n == MAX_SEGMENTS) return -1;
        segment *s = &segs[n];
        if (*p == '[') {
            char *end;
            if (!isdigit((unsigned char)p[1])) return -1;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']' || i > 1000000) return -1;
            s->key[0] = '\0';
            s->index = (int)i;
            p = end + 1;
        } else {
            if (n > 0 && *p++ != '.') return -1;
            size_t len = strcspn(p, ".[");
            if (len == 0 || len >= sizeof s->key) return -1;
            memcpy(s->key, p, len);
            s->key[len] = '\0';
            p += len;
        }
        if (n == 0 && !s->key[0]) return -1;
        n++;
    }
    return n;
}

/* Where the walk stands: the node, and the schema of that node when it is an
 * object pad knows (NULL otherwise); `stages` when the node is that array. */
typedef struct walk {
    cJSON *node;
    const recipe_schema *schema;
    int stages;
} walk;

/* The schema of object `child`, reached by `key` from the object at w. */
static const recipe_schema *child_schema(const walk *w, const char *key, const cJSON *child)
{
    if (!w->schema) return NULL;
    if (w->schema == &recipe_model_schema && strcmp(key, "config") == 0) {
        int arch = recipe_choice_index(cJSON_GetObjectItemCaseSensitive(w->node, "arch"),
                                       (const char *const[]){"t5", "gpt2", NULL});
        return arch == 0 ? &recipe_t5_config_schema : arch == 1 ? &recipe_gpt2_config_schema : NULL;
    }
    if (w->schema == &recipe_top_schema && strcmp(key, "tokenizer") == 0)
        return cJSON_IsObject(child) ? &recipe_tokenizer_object_schema : NULL;
    if (strcmp(key, "synth") == 0) return &recipe_synth_schema;
    const recipe_field *f = recipe_schema_find(w->schema, key);
    return f && f->kind == RK_OBJ ? f->sub : NULL;
}

static const recipe_schema *stage_schema(const cJSON *stage)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(stage, "type");
    int t = recipe_choice_index(type, recipe_stage_type_names);
    return t < 0 ? NULL : &recipe_stage_schemas[t];
}

/* One step down by key.  `value` set: the last step, which stores it (and
 * takes it).  Returns 0 when the path does not lead anywhere. */
static int step_key(walk *w, const char *key, cJSON **value)
{
    if (!cJSON_IsObject(w->node)) return 0;
    cJSON *child = cJSON_GetObjectItemCaseSensitive(w->node, key);
    int known = w->schema && recipe_schema_find(w->schema, key);
    if (*value) {
        if (child) return cJSON_ReplaceItemInObjectCaseSensitive(w->node, key, *value) ? (*value = NULL, 1) : 0;
        if (!known || !cJSON_AddItemToObject(w->node, key, *value)) return 0;
        *value = NULL;
        return 1;
    }
    if (!child) {
        const recipe_schema *sub = known ? child_schema(w, key, NULL) : NULL;
        if (!sub || !(child = cJSON_AddObjectToObject(w->node, key))) return 0;
    }
    int stages = w->schema == &recipe_top_schema && strcmp(key, "stages") == 0;
    w->schema = child_schema(w, key, child);
    w->stages = stages && cJSON_IsArray(child);
    w->node = child;
    return 1;
}

static int step_index(walk *w, int index, cJSON **value)
{
    if (!cJSON_IsArray(w->node) || index >= cJSON_GetArraySize(w->node)) return 0;
    if (*value) {
        if (!cJSON_ReplaceItemInArray(w->node, index, *value)) return 0;
        *value = NULL;
        return 1;
    }
    cJSON *child = cJSON_GetArrayItem(w->node, index);
    w->schema = w->stages && cJSON_IsObject(child) ? stage_schema(child) : NULL;
    w->stages = 0;
    w->node = child;
    return 1;
}

static void apply_one(cJSON *root, const char *set, recipe_issues *is)
{
    const char *eq = strchr(set, '=');
    char path[RECIPE_PATH_LEN];
    segment segs[MAX_SEGMENTS];
    int n = -1;
    if (eq && (size_t)(eq - set) < sizeof path) {
        memcpy(path, set, (size_t)(eq - set));
        path[eq - set] = '\0';
        n = split_path(path, segs);
    }
    if (n <= 0) {
        recipe_issue_add(is, "", "--set '%s': expected PATH=VALUE with PATH like stages[3].lr", set);
        return;
    }
    cJSON *value = cJSON_ParseWithOpts(eq + 1, NULL, 1);
    if (!value) value = cJSON_CreateString(eq + 1);
    if (!value) {
        is->out_of_memory = 1;
        return;
    }
    walk w = {root, &recipe_top_schema, 0};
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
        cJSON *none = NULL, **v = i == n - 1 ? &value : &none;
        ok = segs[i].key[0] ? step_key(&w, segs[i].key, v) : step_index(&w, segs[i].index, v);
    }
    if (!ok) recipe_issue_add(is, path, "--set: no such field in the recipe");
    cJSON_Delete(value);
}

void recipe_apply_sets(cJSON *root, const char *const *sets, int nsets, recipe_issues *is)
{
    for (int i = 0; i < nsets; i++) apply_one(root, sets[i], is);
}
