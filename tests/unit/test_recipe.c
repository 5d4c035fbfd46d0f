/* Recipes: the shipped ones validate; wrong ones report every problem with
 * its JSON path; defaults make the struct complete; --set overrides; the
 * canonical hash ignores key order and follows values. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "recipe/recipe.h"

/* Recipes below are written with ' for " so that they stay readable. */
static char *dq(const char *s)
{
    char *t = strdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    return t;
}

#define MODEL "'model':{'arch':'t5','config':{'d_model':32,'d_kv':8,'num_heads':4,'d_ff':64,'num_layers':1}}"
#define TOK "'tokenizer':'bytes'"
#define DATA "'data':{'teacher':'synth'}"
#define STAGES "'stages':[{'type':'synth'},{'type':'verify'},{'type':'shard'},{'type':'distill'},{'type':'eval'}]"
#define MINIMAL "{'name':'t'," MODEL "," TOK "," DATA "," STAGES "}"

/* Parses `text` (with ' for ") and the overrides; returns the status. */
static pad_status parse(const char *text, const char *const *sets, int nsets, recipe *r, recipe_issues *is)
{
    char *json = dq(text);
    pad_error err;
    pad_error_clear(&err);
    pad_status st = recipe_parse(json, sets, nsets, r, is, &err);
    free(json);
    return st;
}

static int has_issue(const recipe_issues *is, const char *path, const char *needle)
{
    for (int i = 0; i < is->count; i++)
        if (strcmp(is->items[i].path, path) == 0 && (!needle || strstr(is->items[i].message, needle))) return 1;
    return 0;
}

static void print_issues(const recipe_issues *is)
{
    for (int i = 0; i < is->count; i++) fprintf(stderr, "    %s: %s\n", is->items[i].path, is->items[i].message);
}

static void test_shipped_recipes(void)
{
    DIR *d = opendir("recipes");
    CHECK(d != NULL);
    if (!d) return;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
        char path[512];
        snprintf(path, sizeof path, "recipes/%s", e->d_name);
        recipe r;
        recipe_issues is;
        pad_error err;
        pad_error_clear(&err);
        pad_status st = recipe_load(path, NULL, 0, &r, &is, &err);
        CHECK_MSG(st == PAD_OK, "%s: %s", path, err.message);
        if (st) print_issues(&is);
        CHECK(st || (r.stage_count > 0 && strlen(r.hash) == 64 && r.name && r.output_dir));
        if (!st && strncmp(e->d_name, "codet5", 6) == 0) {
            const recipe_stage *s = recipe_find_stage(&r, RECIPE_STAGE_DISTILL);
            CHECK(s && s->distill.lr == 6e-5 && s->distill.batch_size == 8 && s->distill.patience == 3);
            CHECK(r.data.max_source_len == 128 && r.data.max_target_len == 256);
            CHECK(r.model.init_dir && strncmp(r.model.init_dir, "weights/codet5", 14) == 0);
            CHECK(r.tokenizer.kind == RECIPE_TOKENIZER_FILE && strcmp(r.tokenizer.path, r.model.init_dir) == 0);
        }
        recipe_issues_free(&is);
        recipe_free(&r);
        n++;
    }
    closedir(d);
    CHECK(n >= 5);
}

static void test_quickstart_struct(void)
{
    recipe r;
    recipe_issues is;
    pad_error err;
    pad_error_clear(&err);
    CHECK(recipe_load("recipes/quickstart.json", NULL, 0, &r, &is, &err) == PAD_OK);
    recipe_issues_free(&is);
    static const recipe_stage_type want[] = {RECIPE_STAGE_SYNTH, RECIPE_STAGE_VERIFY, RECIPE_STAGE_SHARD,
                                             RECIPE_STAGE_DISTILL, RECIPE_STAGE_EVAL};
    CHECK(r.stage_count == 5);
    for (int i = 0; i < r.stage_count && i < 5; i++) CHECK(r.stages[i].type == want[i] && r.stages[i].enabled);
    CHECK(r.model.init_dir == NULL && r.model.config.arch == PAD_ARCH_T5);
    CHECK(r.model.config.t5.d_model == 128 && r.model.vocab_from_tokenizer);
    CHECK(r.tokenizer.kind == RECIPE_TOKENIZER_TRAIN && r.tokenizer.vocab_size == 1024);
    CHECK(r.data.teacher_synth && r.data.synth_train == 12000 && r.data.synth_test == 500);
    CHECK(r.stages[4].eval.beams == 16 && r.stages[4].eval.stepwise && r.stages[4].eval.number_penalty == -3);
    CHECK(r.stages[3].distill.dropout < 0 && r.stages[3].distill.decay == PAD_DECAY_LINEAR);
    CHECK(r.stages[1].verify.executor == EXEC_BUILTIN);
    recipe_free(&r);
}

/* A recipe that says almost nothing gets every default. */
static void test_defaults(void)
{
    recipe r;
    recipe_issues is;
    CHECK(parse(MINIMAL, NULL, 0, &r, &is) == PAD_OK);
    print_issues(&is);
    recipe_issues_free(&is);
    CHECK(r.seed == 1234 && r.device == RECIPE_DEVICE_AUTO && strcmp(r.output_dir, "runs/t") == 0);
    CHECK(r.parallel.gpus == 1 && !r.parallel.zero && r.parallel.overlap);
    CHECK(r.data.synth_seed == 1234 && r.data.synth_train == 6000 && r.data.synth_validation == 500);
    CHECK(r.data.max_source_len == 128 && r.data.max_target_len == 256 && r.data.overlong == SHARD_TRUNCATE);
    CHECK(r.tokenizer.kind == RECIPE_TOKENIZER_BYTES);
    /* the model's unspecified fields are Hugging Face's T5 defaults */
    CHECK(r.model.config.t5.num_decoder_layers == 1 && r.model.config.t5.relative_attention_num_buckets == 32);
    const recipe_distill *d = &r.stages[3].distill;
    CHECK(d->lr == 6e-5 && d->batch_size == 8 && d->grad_accum == 1 && d->epochs == 10 && d->max_steps == 0);
    CHECK(d->patience == 3 && d->keep_checkpoints == 2 && d->clip == 1.0 && d->weight_decay == 0.01);
    CHECK(d->dropout < 0 && d->label_smoothing == 0 && d->decay == PAD_DECAY_LINEAR);
    const recipe_eval *e = &r.stages[4].eval;
    CHECK(e->split == RECIPE_SPLIT_TEST && e->max_new_tokens == 256 && e->limit == 0 &&
          e->checkpoint == RECIPE_CHECKPOINT_BEST);
    CHECK(r.stages[2].shard.shard_tokens == 4194304 && r.stages[4].index == 4);
    recipe_free(&r);
}

typedef struct bad_case {
    const char *text;
    const char *paths[8];  /* every issue expected, NULL-terminated */
    const char *needle;    /* in the first path's message */
} bad_case;

static const bad_case bad_cases[] = {
    {"{" MODEL "," TOK "," DATA "," STAGES "}", {"name"}, "missing"},
    {"{'name':'t','nmae':'u'," MODEL "," TOK "," DATA "," STAGES "}", {""}, "unknown key 'nmae'"},
    {"{'name':'t','seed':-5," MODEL "," TOK "," DATA "," STAGES "}", {"seed"}, ">= 0"},
    {"{'name':'t','device':'gpu'," MODEL "," TOK "," DATA "," STAGES "}", {"device"}, "\"cuda\""},
    {"{'name':'t','model':{'arch':'t5','config':{'d_model':'big'}}," TOK "," DATA "," STAGES "}",
     {"model.config.d_model"}, "expected an integer, got a string"},
    {"{'name':'t','model':{'arch':'gpt2','config':{'n_embd':100,'n_head':3}}," TOK "," DATA "," STAGES "}",
     {"model.config.n_head"}, "divisible"},
    {"{'name':'t','model':{'arch':'t5','init':'hf:w'}," TOK "," DATA "," STAGES "}", {"model"}, "not both"},
    {"{'name':'t','model':{'init':'weights/x'}," TOK "," DATA "," STAGES "}", {"model.init"}, "hf:DIR"},
    {"{'name':'t'," MODEL "," DATA "," STAGES "}", {"tokenizer"}, "missing"},
    {"{'name':'t'," MODEL "," TOK ",'data':{'teacher':'t.jsonl','synth':{}}," STAGES "}",
     {"data.synth", "stages[0]", "stages[3].patience", "stages[4].split"}, "only with"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[]}", {"stages"}, "at least one"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':{'type':'eval'}}", {"stages"}, "expected an array"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'verify'},{'type':'shard'},"
     "{'type':'distill','lr':-1}]}", {"stages[3].lr"}, "(0, 1]"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'shard'},"
     "{'type':'distill','lrr':0.1}]}", {"stages[2]"}, "unknown key 'lrr'"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'shard'},{'type':'eval'},"
     "{'type':'distill'}]}", {"stages[3]", "stages[2]"}, "cannot come after"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'distill'}]}", {"stages[1]"},
     "shard stage"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'eval'}]}", {"stages[0]"}, "needs a model"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'shard'},{'type':'distill'},"
     "{'type':'distill'}]}", {"stages[3]"}, "second distill"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'shard'},"
     "{'type':'distill','warmup_steps':10,'warmup_ratio':0.1,'dropout':'high','batch_size':2.5}]}",
     {"stages[2].warmup_ratio", "stages[2].dropout", "stages[2].batch_size"}, "not both"},
    {"{'name':'t'," MODEL "," TOK ",'data':{'teacher':'t.jsonl'},'stages':[{'type':'shard'},{'type':'distill'}]}",
     {"stages[1].patience"}, "validation data"},
    {"{'name':'t','name':'u'," MODEL "," TOK "," DATA "," STAGES "}", {""}, "duplicate key 'name'"},
    {"[1, 2]", {""}, "expected a JSON object"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'parallel':{'overlap':'yes'}," STAGES "}",
     {"parallel.overlap"}, "expected a boolean"},
    {"{'name':'t'," MODEL "," TOK "," DATA ",'stages':[{'type':'synth'},{'type':'train'},7,{}]}",
     {"stages[1].type", "stages[2]", "stages[3].type"}, "\"distill\""},
    /* several problems at once, each with its own path */
    {"{'name':'','seed':1.5,'device':3,'output_dir':'o','parallel':{'gpus':0,'x':1},"
     "'model':{'arch':'t5','config':{'num_heads':0,'dropout_rate':1.5,'feed_forward_proj':'swish'}},"
     "'tokenizer':{'train':{'vocab_size':10}},'data':{'teacher':'synth','synth':{'train':0},'overlong':'cut'},"
     "'stages':[{'type':'synth','enabled':'yes'},{'type':'verify','executor':'perl'},{'type':'shard'},"
     "{'type':'distill','lr':0,'epochs':0,'decay':'step'},{'type':'eval','max_new_tokens':0,'split':'dev'}]}",
     {"name", "seed", "device", "parallel.gpus", "parallel", "model.config.num_heads",
      "model.config.dropout_rate", "model.config.feed_forward_proj"},
     "must not be empty"},
};

static void test_bad_recipes(void)
{
    int n = (int)(sizeof bad_cases / sizeof bad_cases[0]);
    CHECK(n >= 15);
    for (int c = 0; c < n; c++) {
        const bad_case *bc = &bad_cases[c];
        recipe r;
        recipe_issues is;
        pad_status st = parse(bc->text, NULL, 0, &r, &is);
        int want = 0;
        while (want < 8 && bc->paths[want]) want++;
        int ok = st == PAD_ERR_CONFIG && has_issue(&is, bc->paths[0], bc->needle);
        for (int i = 1; i < want; i++) ok = ok && has_issue(&is, bc->paths[i], NULL);
        /* the last case has 18 issues, 8 of them listed */
        ok = ok && is.count == (c == n - 1 ? 18 : want);
        CHECK_MSG(ok, "case %d: status %d, %d issues (want %d, first at '%s')", c, st, is.count, want, bc->paths[0]);
        if (!ok) print_issues(&is);
        CHECK(r.json == NULL && r.stages == NULL);
        recipe_issues_free(&is);
    }
}

static void test_malformed_json(void)
{
    recipe r;
    recipe_issues is;
    pad_error err;
    pad_error_clear(&err);
    CHECK(recipe_parse("{\"name\": \"t\",\n \"seed\": }", NULL, 0, &r, &is, &err) == PAD_ERR_FORMAT);
    CHECK(err.line == 2 && is.count == 0);
    recipe_issues_free(&is);
    pad_error_clear(&err);
    CHECK(recipe_load("recipes/no-such-recipe.json", NULL, 0, &r, &is, &err) == PAD_ERR_IO);
    CHECK(strstr(err.file, "no-such-recipe") != NULL);
    recipe_issues_free(&is);
}

static void test_overrides(void)
{
    float v[4];
    check_fill_uniform(v, 4, 77, 0.0001f, 0.9f);
    char lr[64], ls[64], train[64];
    snprintf(lr, sizeof lr, "stages[3].lr=%.9g", v[0]);
    snprintf(ls, sizeof ls, "stages[3].label_smoothing=%.9g", v[1]);
    snprintf(train, sizeof train, "data.synth.train=%d", 100 + (int)(v[2] * 10000));
    const char *sets[] = {lr, ls, train, "device=cpu", "parallel.gpus=4", "model.config.vocab_size=512",
                          "stages[1].enabled=false", "stages[4].split=\"validation\"", "output_dir=runs/x y",
                          "parallel.overlap=false"};
    recipe r;
    recipe_issues is;
    CHECK(parse(MINIMAL, sets, 10, &r, &is) == PAD_OK);
    print_issues(&is);
    recipe_issues_free(&is);
    CHECK(fabs(r.stages[3].distill.lr - v[0]) < 1e-9 && fabs(r.stages[3].distill.label_smoothing - v[1]) < 1e-9);
    CHECK(r.data.synth_train == 100 + (int)(v[2] * 10000));
    CHECK(r.device == RECIPE_DEVICE_CPU && r.parallel.gpus == 4 && strcmp(r.output_dir, "runs/x y") == 0);
    CHECK(!r.parallel.overlap);
    CHECK(!r.model.vocab_from_tokenizer && r.model.config.t5.vocab_size == 512);
    CHECK(!r.stages[1].enabled && r.stages[4].eval.split == RECIPE_SPLIT_VALIDATION);
    recipe_free(&r);

    /* paths that lead nowhere, and a value of the wrong type */
    const char *bad[] = {"stages[9].lr=1", "data.nope=1", "model.config.nope=1", "seed", "stages[3].lr=abc",
                         "stages.lr=1"};
    CHECK(parse(MINIMAL, bad, 6, &r, &is) == PAD_ERR_CONFIG);
    CHECK(has_issue(&is, "stages[9].lr", "no such field") && has_issue(&is, "data.nope", "no such field"));
    CHECK(has_issue(&is, "model.config.nope", "no such field") && has_issue(&is, "", "PATH=VALUE"));
    CHECK(has_issue(&is, "stages[3].lr", "expected a number, got a string"));
    CHECK(has_issue(&is, "stages.lr", "no such field") && is.count == 6);
    recipe_issues_free(&is);
}

static void hash_of(const char *text, const char *const *sets, int nsets, char out[65])
{
    recipe r;
    recipe_issues is;
    out[0] = '\0';
    if (parse(text, sets, nsets, &r, &is) == PAD_OK) memcpy(out, r.hash, 65);
    recipe_issues_free(&is);
    recipe_free(&r);
}

static void test_hash(void)
{
    char a[65], b[65], c[65], d[65], e[65], f[65];
    hash_of(MINIMAL, NULL, 0, a);
    /* the same recipe, keys in another order, defaults written out, a description */
    hash_of("{'stages':[{'type':'synth'},{'type':'verify','enabled':true},{'type':'shard'},{'type':'distill',"
            "'lr':6e-5},{'type':'eval'}],'description':'words'," DATA "," TOK ",'seed':1234,"
            "'model':{'config':{'num_layers':1,'d_ff':64,'num_heads':4,'d_kv':8,'d_model':32},'arch':'t5'},"
            "'name':'t'}", NULL, 0, b);
    const char *lr[] = {"stages[3].lr=6.5e-5"};
    hash_of(MINIMAL, lr, 1, c);
    const char *same[] = {"stages[3].lr=0.00006"};
    hash_of(MINIMAL, same, 1, d);
    const char *seed[] = {"seed=1235"};
    hash_of(MINIMAL, seed, 1, e);
    hash_of(MINIMAL, NULL, 0, f);
    CHECK(strlen(a) == 64 && strcmp(a, b) == 0 && strcmp(a, f) == 0 && strcmp(a, d) == 0);
    CHECK(strlen(c) == 64 && strcmp(a, c) != 0);
    CHECK(strlen(e) == 64 && strcmp(a, e) != 0 && strcmp(c, e) != 0);
}

int main(void)
{
    RUN(test_shipped_recipes);
    RUN(test_quickstart_struct);
    RUN(test_defaults);
    RUN(test_bad_recipes);
    RUN(test_malformed_json);
    RUN(test_overrides);
    RUN(test_hash);
    return check_finish();
}
