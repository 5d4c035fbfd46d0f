/* Recipes: the eval stage's decoding fields get their defaults, fill the
 * struct, and each bad value or combination is reported at its JSON path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "recipe/recipe.h"

#define HEAD "{\"name\":\"t\",\"model\":{\"arch\":\"t5\",\"config\":{\"d_model\":32,\"d_kv\":8,\"num_heads\":4," \
             "\"d_ff\":64,\"num_layers\":1}},\"tokenizer\":\"bytes\",\"data\":{\"teacher\":\"synth\"}," \
             "\"stages\":[{\"type\":\"synth\"},{\"type\":\"verify\"},{\"type\":\"shard\"},{\"type\":\"distill\"},"

/* A recipe whose eval stage (stages[4]) has `fields` (JSON members, may be ""). */
static pad_status parse_eval(const char *fields, recipe *r, recipe_issues *is)
{
    char text[2048];
    snprintf(text, sizeof text, HEAD "{\"type\":\"eval\"%s%s}]}", *fields ? "," : "", fields);
    pad_error err;
    pad_error_clear(&err);
    return recipe_parse(text, NULL, 0, r, is, &err);
}

static void test_defaults_and_fill(void)
{
    recipe r;
    recipe_issues is;
    CHECK(parse_eval("", &r, &is) == PAD_OK);
    const recipe_eval *e = &r.stages[4].eval;
    CHECK(e->decoding == RECIPE_DECODING_GREEDY && e->beams == 1 && e->num_return == 1);
    CHECK(e->length_penalty == 1.0 && !e->early_stopping && e->temperature == 1.0 && e->top_p == 1.0);
    CHECK(!e->stepwise && e->step_mode == RECIPE_STEP_DROP && e->step_penalty == -5.0 && e->number_penalty == 0);
    CHECK(e->answer == RECIPE_ANSWER_BEST && e->format && !strcmp(e->format, "auto"));
    recipe_free(&r);
    recipe_issues_free(&is);

    CHECK(parse_eval("\"decoding\":\"beam\",\"beams\":4,\"num_return\":3,\"length_penalty\":0.6,"
                     "\"early_stopping\":true,\"stepwise\":true,\"step_mode\":\"penalty\",\"step_penalty\":-2.5,"
                     "\"number_penalty\":-3,"
                     "\"answer\":\"vote\",\"format\":\"svamp\"", &r, &is) == PAD_OK);
    e = &r.stages[4].eval;
    CHECK(e->decoding == RECIPE_DECODING_BEAM && e->beams == 4 && e->num_return == 3);
    CHECK(e->length_penalty == 0.6 && e->early_stopping && e->stepwise);
    CHECK(e->step_mode == RECIPE_STEP_PENALTY && e->step_penalty == -2.5 && e->answer == RECIPE_ANSWER_VOTE);
    CHECK(e->number_penalty == -3);
    CHECK(!strcmp(e->format, "svamp"));
    recipe_free(&r);
    recipe_issues_free(&is);

    CHECK(parse_eval("\"decoding\":\"sample\",\"num_return\":8,\"temperature\":0.7,\"top_p\":0.9,\"seed\":42", &r,
                     &is) == PAD_OK);
    e = &r.stages[4].eval;
    CHECK(e->decoding == RECIPE_DECODING_SAMPLE && e->num_return == 8 && e->temperature == 0.7);
    CHECK(e->top_p == 0.9 && e->seed == 42);
    recipe_free(&r);
    recipe_issues_free(&is);
}

typedef struct bad_case {
    const char *fields;
    const char *path;
    const char *needle;
} bad_case;

static void test_bad_fields(void)
{
    static const bad_case cases[] = {
        {"\"decoding\":\"beam\",\"beams\":0", "stages[4].beams", "must be >= 1, got 0"},
        {"\"decoding\":\"beam\",\"beams\":2.5", "stages[4].beams", "integer"},
        {"\"decoding\":\"nucleus\"", "stages[4].decoding", "\"greedy\", \"beam\", \"sample\""},
        {"\"beams\":4", "stages[4].beams", "set decoding \"beam\""},
        {"\"decoding\":\"beam\",\"beams\":2,\"num_return\":3", "stages[4].num_return", "<= beams (2), got 3"},
        {"\"num_return\":2", "stages[4].num_return", "greedy decoding returns one program"},
        {"\"num_return\":0", "stages[4].num_return", "must be >= 1"},
        {"\"decoding\":\"sample\",\"stepwise\":true", "stages[4].stepwise", "\"greedy\" or \"beam\""},
        {"\"temperature\":0", "stages[4].temperature", "must be > 0"},
        {"\"top_p\":0", "stages[4].top_p", "in (0, 1]"},
        {"\"top_p\":1.5", "stages[4].top_p", "in (0, 1]"},
        {"\"step_penalty\":1", "stages[4].step_penalty", "got 1"},
        {"\"number_penalty\":0.5", "stages[4].number_penalty", "got 0.5"},
        {"\"number_penalty\":-3", "stages[4].number_penalty", "needs \"stepwise\": true"},
        {"\"step_mode\":\"skip\"", "stages[4].step_mode", "\"drop\", \"penalty\""},
        {"\"answer\":\"majority\"", "stages[4].answer", "\"best\", \"vote\""},
        {"\"format\":\"mawps\"", "stages[4].format", "\"svamp\""},
        {"\"early_stopping\":\"yes\"", "stages[4].early_stopping", "expected a boolean"},
        {"\"seed\":-1", "stages[4].seed", ">= 0"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        recipe r;
        recipe_issues is;
        CHECK_MSG(parse_eval(cases[c].fields, &r, &is) == PAD_ERR_CONFIG, "%s", cases[c].fields);
        int found = 0;
        for (int i = 0; i < is.count; i++)
            found |= !strcmp(is.items[i].path, cases[c].path) && strstr(is.items[i].message, cases[c].needle);
        CHECK_MSG(found, "%s: want %s: ...%s...; got %d issue(s), first %s: %s", cases[c].fields, cases[c].path,
                  cases[c].needle, is.count, is.count ? is.items[0].path : "", is.count ? is.items[0].message : "");
        recipe_issues_free(&is);
    }
}

int main(void)
{
    RUN(test_defaults_and_fill);
    RUN(test_bad_fields);
    return check_finish();
}
