/* pad validate: check a recipe completely without running it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/tokenizer.h"
#include "recipe/recipe.h"

static const char usage[] =
    "usage: pad validate RECIPE [--set PATH=VALUE ...] [--print]\n"
    "\n"
    "Checks RECIPE (docs/RECIPES.md) as `pad run` would before starting: every\n"
    "problem is printed, one per line with its JSON path, and the exit status is 1.\n"
    "A valid recipe prints \"RECIPE: ok\" and a summary of its stages.\n"
    "  --set PATH=VALUE  override a field first (PATH like stages[3].lr or\n"
    "                    data.synth.train; VALUE is JSON, or else a string)\n"
    "  --print           print the complete recipe (defaults filled, keys sorted)\n";

static void print_model(const recipe *r)
{
    if (r->model.init_dir) {
        printf("  model: from the Hugging Face checkpoint %s\n", r->model.init_dir);
        return;
    }
    const pad_model_config *c = &r->model.config;
    if (c->arch == PAD_ARCH_T5)
        printf("  model: t5, d_model %d, %d+%d layers, %d heads, d_ff %d", c->t5.d_model, c->t5.num_layers,
               c->t5.num_decoder_layers, c->t5.num_heads, c->t5.d_ff);
    else
        printf("  model: gpt2, n_embd %d, %d layers, %d heads", c->gpt2.n_embd, c->gpt2.n_layer, c->gpt2.n_head);
    if (r->model.vocab_from_tokenizer) printf(", vocabulary from the tokenizer\n");
    else printf(", vocabulary %d\n", c->arch == PAD_ARCH_T5 ? c->t5.vocab_size : c->gpt2.vocab_size);
}

static void print_data(const recipe *r)
{
    const recipe_tokenizer *t = &r->tokenizer;
    if (t->kind == RECIPE_TOKENIZER_TRAIN)
        printf("  tokenizer: BPE trained on the teacher data, %d tokens%s%s\n", t->vocab_size,
               t->digits == PAD_DIGITS_EACH ? ", every digit a token"
               : t->digits == PAD_DIGITS_RUNS ? ", digit runs isolated" : "",
               t->identifiers ? ", identifiers whole" : "");
    else printf("  tokenizer: %s\n", t->kind == RECIPE_TOKENIZER_BYTES ? "bytes" : t->path);
    const recipe_data *d = &r->data;
    if (d->teacher_synth)
        printf("  data: synthetic teacher, seed %llu, %lld/%lld/%lld rows", (unsigned long long)d->synth_seed,
               (long long)d->synth_train, (long long)d->synth_validation, (long long)d->synth_test);
    else printf("  data: teacher %s", d->teacher ? d->teacher : d->shards ? d->shards : "(none)");
    printf(", source %lld / target %lld tokens\n", (long long)d->max_source_len, (long long)d->max_target_len);
}

static void print_training(const recipe_distill *d)
{
    printf(": lr %g, batch %d x %d, ", d->lr, d->batch_size, d->grad_accum);
    if (d->max_steps) printf("%lld steps", (long long)d->max_steps);
    else printf("%lld epochs", (long long)d->epochs);
    printf(d->patience ? ", early stopping after %lld" : ", no early stopping", (long long)d->patience);
}

static void print_eval(const recipe_eval *e)
{
    static const char *const decodings[] = {"greedy", "beam", "sample"};
    printf(": %s split, %s", e->split == RECIPE_SPLIT_TEST ? "test" : "validation", decodings[e->decoding]);
    if (e->decoding == RECIPE_DECODING_BEAM) printf(" %d", e->beams);
    if (e->stepwise) printf(", step-wise verified");
    if (e->number_penalty != 0) printf(", number grounding %g", e->number_penalty);
    if (e->refine_rounds) printf(", %d refine round%s", e->refine_rounds, e->refine_rounds == 1 ? "" : "s");
    printf(", %d new tokens", e->max_new_tokens);
}

static void print_stage(const recipe_stage *s)
{
    printf("  %d. %s", s->index + 1, recipe_stage_type_name(s->type));
    if (!s->enabled) printf(s->type == RECIPE_STAGE_VERIFY ? " (off: every teacher row kept)" : " (off)");
    else if (s->type == RECIPE_STAGE_VERIFY) printf(" (%s executor)", s->verify.executor == EXEC_BUILTIN ? "builtin" : "python");
    else if (s->type == RECIPE_STAGE_DISTILL) print_training(&s->distill);
    else if (s->type == RECIPE_STAGE_REFINE) {
        print_training(&s->refine.train);
        printf("; %d round%s, mix %g", s->refine.rounds, s->refine.rounds == 1 ? "" : "s", s->refine.mix);
    } else if (s->type == RECIPE_STAGE_EVAL)
        print_eval(&s->eval);
    printf("\n");
}

static void print_summary(const char *path, const recipe *r)
{
    static const char *const devices[] = {"auto", "cpu", "cuda"};
    printf("%s: ok\n", path);
    printf("  name %s, seed %llu, device %s, gpus %d, zero %d, output %s\n", r->name, (unsigned long long)r->seed,
           devices[r->device], r->parallel.gpus, r->parallel.zero, r->output_dir);
    print_model(r);
    print_data(r);
    printf("  stages:\n");
    for (int i = 0; i < r->stage_count; i++) print_stage(&r->stages[i]);
    printf("  hash %s\n", r->hash);
}

int cmd_validate(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    cli_recipe_argv args;
    int print = 0;
    int status = cli_recipe_args(argc, argv, usage, "--print", &print, &args);
    if (status) return status;
    const char *path = args.path;
    recipe r;
    if ((status = cli_load_recipe(&args, &r))) return status;
    if (print) {
        char *text = cJSON_Print(r.json);
        if (text) printf("%s\n", text);
        free(text);
    } else {
        print_summary(path, &r);
    }
    recipe_free(&r);
    return 0;
}
