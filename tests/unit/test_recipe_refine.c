/* Recipes: the refine stage takes the distill stage's training fields plus
 * its own (rounds, mix, round_questions, max_source_len, inject), gets their
 * defaults, fills the struct, sits between distill and eval, and each bad
 * value or missing need is reported at its JSON path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "recipe/recipe.h"

#define MODEL "\"model\":{\"arch\":\"t5\",\"config\":{\"d_model\":32,\"d_kv\":8,\"num_heads\":4," \
              "\"d_ff\":64,\"num_layers\":1}},\"tokenizer\":\"bytes\""
#define HEAD "{\"name\":\"t\",\"seed\":99," MODEL ",\"data\":{\"teacher\":\"synth\"}," \
             "\"stages\":[{\"type\":\"synth\"},{\"type\":\"verify\"},{\"type\":\"shard\"},{\"type\":\"distill\"},"

/* A recipe whose refine stage (stages[4]) has `fields`, then an eval stage. */
static pad_status parse_refine(const char *fields, recipe *r, recipe_issues *is)
{
    char text[2048];
    snprintf(text, sizeof text, HEAD "{\"type\":\"refine\"%s%s},{\"type\":\"eval\"}]}", *fields ? "," : "", fields);
    pad_error err;
    pad_error_clear(&err);
    return recipe_parse(text, NULL, 0, r, is, &err);
}

static void test_defaults_and_fill(void)
{
    recipe r;
    recipe_issues is;
    CHECK(parse_refine("", &r, &is) == PAD_OK);
    CHECK(r.stage_count == 6 && r.stages[4].type == RECIPE_STAGE_REFINE && r.stages[5].type == RECIPE_STAGE_EVAL);
    CHECK(!strcmp(recipe_stage_type_name(RECIPE_STAGE_REFINE), "refine"));
    const recipe_refine *f = &r.stages[4].refine;
    CHECK(f->rounds == 1 && f->mix == 0.5 && f->round_questions == 0 && f->max_source_len == 512);
    CHECK(f->inject_per_program == 2 && f->inject_seed == 99); /* the recipe's seed */
    for (int k = 0; k < INJECT_KIND_COUNT; k++) CHECK(f->inject_weights[k] == 1.0);
    /* the distill defaults */
    CHECK(f->train.lr == 6e-5 && f->train.batch_size == 8 && f->train.epochs == 10 && f->train.patience == 3);
    CHECK(f->train.dropout < 0 && f->train.decay == PAD_DECAY_LINEAR);
    CHECK(recipe_find_stage(&r, RECIPE_STAGE_REFINE) == &r.stages[4]);
    recipe_free(&r);
    recipe_issues_free(&is);

    CHECK(parse_refine("\"rounds\":3,\"mix\":0.25,\"round_questions\":200,\"max_source_len\":384,\"lr\":1e-4,"
                       "\"batch_size\":4,\"max_steps\":50,\"dropout\":0.2,\"decay\":\"cosine\","
                       "\"inject\":{\"per_program\":3,\"seed\":5,\"kinds\":{\"const\":2,\"syntax\":0,\"swap\":0.5}}",
                       &r, &is) == PAD_OK);
    f = &r.stages[4].refine;
    CHECK(f->rounds == 3 && f->mix == 0.25 && f->round_questions == 200 && f->max_source_len == 384);
    CHECK(f->train.lr == 1e-4 && f->train.batch_size == 4 && f->train.max_steps == 50);
    CHECK(f->train.dropout == 0.2 && f->train.decay == PAD_DECAY_COSINE);
    CHECK(f->inject_per_program == 3 && f->inject_seed == 5);
    CHECK(f->inject_weights[INJECT_CONST] == 2 && f->inject_weights[INJECT_SYNTAX] == 0);
    CHECK(f->inject_weights[INJECT_SWAP] == 0.5 && f->inject_weights[INJECT_OP] == 1);
    recipe_free(&r);
    recipe_issues_free(&is);
}

typedef struct bad_case {
    const char *fields;
    const char *path;
    const char *needle;
} bad_case;

static int has_issue(const recipe_issues *is, const char *path, const char *needle)
{
    for (int i = 0; i < is->count; i++)
        if (!strcmp(is->items[i].path, path) && strstr(is->items[i].message, needle)) return 1;
    return 0;
}

static void test_bad_fields(void)
{
    static const bad_case cases[] = {
        {"\"rounds\":0", "stages[4].rounds", "between 1 and 1000, got 0"},
        {"\"rounds\":1.5", "stages[4].rounds", "integer"},
        {"\"mix\":1.5", "stages[4].mix", "in [0, 1], got 1.5"},
        {"\"mix\":-0.1", "stages[4].mix", "in [0, 1]"},
        {"\"mix\":\"half\"", "stages[4].mix", "expected a number, got a string"},
        {"\"round_questions\":-3", "stages[4].round_questions", ">= 0"},
        {"\"max_source_len\":1", "stages[4].max_source_len", "between 2 and"},
        {"\"inject\":3", "stages[4].inject", "expected an object"},
        {"\"inject\":{\"per_program\":0}", "stages[4].inject.per_program", "between 1 and 1000"},
        {"\"inject\":{\"seed\":-1}", "stages[4].inject.seed", ">= 0"},
        {"\"inject\":{\"kinds\":{\"typo\":1}}", "stages[4].inject.kinds", "unknown key 'typo'"},
        {"\"inject\":{\"kinds\":{\"op\":-1}}", "stages[4].inject.kinds.op", "in [0, 1000000], got -1"},
        {"\"inject\":{\"kinds\":{\"const\":0,\"op\":0,\"var\":0,\"undef\":0,\"drop\":0,\"swap\":0,\"syntax\":0}}",
         "stages[4].inject.kinds", "at least one kind"},
        {"\"inject\":{\"retries\":2}", "stages[4].inject", "unknown key 'retries'"},
        {"\"lr\":-1", "stages[4].lr", "must be in (0, 1]"},
        {"\"dropout\":1", "stages[4].dropout", "[0, 1)"},
        {"\"warmup_steps\":5,\"warmup_ratio\":0.1", "stages[4].warmup_ratio", "not both"},
        {"\"beams\":2", "stages[4]", "unknown key 'beams'"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        recipe r;
        recipe_issues is;
        CHECK_MSG(parse_refine(cases[c].fields, &r, &is) == PAD_ERR_CONFIG, "%s", cases[c].fields);
        CHECK_MSG(has_issue(&is, cases[c].path, cases[c].needle), "%s: want %s: ...%s...; got %d issue(s), first %s: %s",
                  cases[c].fields, cases[c].path, cases[c].needle, is.count, is.count ? is.items[0].path : "",
                  is.count ? is.items[0].message : "");
        recipe_issues_free(&is);
    }
}

/* Whole recipes whose stages do not give refine what it needs. */
static void test_needs_and_order(void)
{
    static const bad_case cases[] = {
        /* after eval */
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"synth\"},"
         "{\"type\":\"shard\"},{\"type\":\"distill\"},{\"type\":\"eval\"},{\"type\":\"refine\"}]}",
         "stages[4]", "refine cannot come after eval"},
        /* no model to refine */
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"synth\"},"
         "{\"type\":\"shard\"},{\"type\":\"refine\",\"patience\":0}]}",
         "stages[2]", "needs a model"},
        /* no teacher rows to inject errors into */
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"shards\":\"s\"},\"stages\":[{\"type\":\"distill\"},"
         "{\"type\":\"refine\"}]}",
         "stages[1]", "needs data.teacher"},
        /* a second refine stage */
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"synth\"},"
         "{\"type\":\"shard\"},{\"type\":\"distill\"},{\"type\":\"refine\"},{\"type\":\"refine\"}]}",
         "stages[4]", "a second refine stage"},
        /* early stopping without validation data */
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"t.jsonl\"},\"stages\":[{\"type\":\"shard\"},"
         "{\"type\":\"distill\",\"patience\":0},{\"type\":\"refine\",\"patience\":2}]}",
         "stages[2].patience", "early stopping needs validation data"},
        {"{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"refinement\"}]}",
         "stages[0].type", "\"refine\", \"eval\""},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        recipe r;
        recipe_issues is;
        pad_error err;
        pad_error_clear(&err);
        CHECK_MSG(recipe_parse(cases[c].fields, NULL, 0, &r, &is, &err) == PAD_ERR_CONFIG, "case %zu", c);
        CHECK_MSG(has_issue(&is, cases[c].path, cases[c].needle), "case %zu: want %s: ...%s...; got %d issue(s), "
                  "first %s: %s", c, cases[c].path, cases[c].needle, is.count, is.count ? is.items[0].path : "",
                  is.count ? is.items[0].message : "");
        recipe_issues_free(&is);
    }
    /* model.init stands in for distill; a disabled refine needs nothing */
    recipe r;
    recipe_issues is;
    pad_error err;
    CHECK(recipe_parse("{\"name\":\"t\",\"model\":{\"init\":\"hf:m\"},\"data\":{\"teacher\":\"synth\"},"
                       "\"stages\":[{\"type\":\"synth\"},{\"type\":\"shard\"},{\"type\":\"refine\"}]}",
                       NULL, 0, &r, &is, &err) == PAD_OK);
    recipe_free(&r);
    recipe_issues_free(&is);
    CHECK(recipe_parse("{\"name\":\"t\"," MODEL ",\"data\":{\"teacher\":\"synth\"},\"stages\":[{\"type\":\"synth\"},"
                       "{\"type\":\"refine\",\"enabled\":false}]}", NULL, 0, &r, &is, &err) == PAD_OK);
    CHECK(r.stage_count == 2 && !recipe_find_stage(&r, RECIPE_STAGE_REFINE));
    recipe_free(&r);
    recipe_issues_free(&is);
}

int main(void)
{
    RUN(test_defaults_and_fill);
    RUN(test_bad_fields);
    RUN(test_needs_and_order);
    return check_finish();
}
