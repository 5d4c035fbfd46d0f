/* pad recipes, inside the room: the table-driven schema and the generic
 * checker that walks a JSON object against it. */
#ifndef PAD_RECIPE_INTERNAL_H
#define PAD_RECIPE_INTERNAL_H

#include <stddef.h>

#include "recipe/recipe.h"

#define RECIPE_NO_MAX 1e300
#define RECIPE_PATH_LEN 192

typedef enum recipe_kind {
    RK_INT,    /* a number with no fraction, in [min, max] */
    RK_NUM,    /* a number in the range, each end open when *_excl */
    RK_BOOL,
    RK_STR,    /* non-empty */
    RK_ENUM,   /* a string among `choices` */
    RK_OBJ,    /* an object checked against `sub` */
    RK_CUSTOM  /* checked by hand in recipe_check.c */
} recipe_kind;

typedef struct recipe_schema recipe_schema;

typedef struct recipe_field {
    const char *key;
    recipe_kind kind;
    int required;
    const char *def;            /* default as JSON text; NULL: stays absent */
    double min, max;
    int min_excl, max_excl;
    const char *const *choices; /* RK_ENUM: NULL-terminated */
    const recipe_schema *sub;   /* RK_OBJ */
} recipe_field;

struct recipe_schema {
    const recipe_field *fields;
    int count;
};

extern const recipe_schema recipe_top_schema;
extern const recipe_schema recipe_model_schema;
extern const recipe_schema recipe_t5_config_schema;
extern const recipe_schema recipe_gpt2_config_schema;
extern const recipe_schema recipe_tokenizer_object_schema;
extern const recipe_schema recipe_synth_schema;
extern const recipe_schema recipe_stage_schemas[RECIPE_STAGE_TYPE_COUNT];
extern const char *const recipe_stage_type_names[]; /* NULL-terminated, enum order */

void recipe_issue_add(recipe_issues *is, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "parent.key" (or "key" at the top) and "parent[i]". */
void recipe_path_key(char out[RECIPE_PATH_LEN], const char *parent, const char *key);
void recipe_path_index(char out[RECIPE_PATH_LEN], const char *parent, int i);

/* "a string", "an object", ... for messages. */
const char *recipe_json_type(const cJSON *v);

const recipe_field *recipe_schema_find(const recipe_schema *s, const char *key);

/* Checks the object at `path` against `s`: unknown and duplicate keys,
 * missing required fields, each value's type and range (recursing into
 * RK_OBJ fields), and inserts the defaults of absent fields.  RK_CUSTOM
 * values are left to the caller. */
void recipe_check_object(cJSON *obj, const recipe_schema *s, const char *path, recipe_issues *is);

/* The index of v's string in a NULL-terminated list, or -1. */
int recipe_choice_index(const cJSON *v, const char *const *choices);

/* Applies "PATH=VALUE" overrides to `root` (recipe_set.c). */
void recipe_apply_sets(cJSON *root, const char *const *sets, int nsets, recipe_issues *is);

/* The checks that tie fields together, then the struct (recipe_check.c).
 * recipe_fill runs only on a tree that passed every check. */
void recipe_check_all(cJSON *root, recipe_issues *is);
pad_status recipe_fill(const cJSON *root, recipe *r, pad_error *err);

#endif
