/* Eval datasets: the shared GSM8K, SVAMP, ASDiv and MultiArith files read
 * with the right count, format, first question and gold; the datasets'
 * original field names (JSONL and JSON arrays); bad rows name the file,
 * the line or item, and the missing field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/shard_build.h"
#include "decode/eval.h"

#define SHARED "../shared/data/"

static void load_ok(const char *path, eval_format format, long limit, eval_set *s)
{
    eval_options o;
    eval_options_default(&o);
    o.format = format;
    o.limit = limit;
    pad_error err;
    pad_error_clear(&err);
    CHECK_MSG(eval_set_load(path, NULL, &o, s, &err) == PAD_OK, "%s: %s", path, err.message);
}

typedef struct shared_case {
    const char *file;
    long count;
    eval_format format;
    const char *first_question; /* its start */
    double first_gold, last_gold;
} shared_case;

static void test_shared_files(void)
{
    static const shared_case cases[] = {
        {SHARED "gsm8k/test.jsonl", 1319, EVAL_FORMAT_GSM8K, "Janet\xe2\x80\x99s ducks lay 16 eggs per day.", 18,
         NAN},
        {SHARED "svamp/test.jsonl", 1000, EVAL_FORMAT_SVAMP,
         "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack How much do "
         "you have to pay to buy each pack?", 51, 11},
        {SHARED "asdiv/test.jsonl", 2097, EVAL_FORMAT_ASDIV,
         "Seven red apples and two green apples are in the basket.How many apples are in the basket?", 9, 40},
        {SHARED "multiarith/test.jsonl", 600, EVAL_FORMAT_MULTIARITH,
         " For Halloween Debby and her sister combined the candy they received. Debby had 32 pieces", 39, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const shared_case *k = &cases[c];
        eval_set s;
        load_ok(k->file, EVAL_FORMAT_AUTO, 0, &s);
        CHECK_MSG(s.count == k->count, "%s: %ld rows", k->file, s.count);
        CHECK_MSG(s.format == k->format, "%s: read as %s", k->file, eval_format_name(s.format));
        if (s.count < 2) continue;
        CHECK_MSG(!strncmp(s.ex[0].question, k->first_question, strlen(k->first_question)), "%s: '%s'",
                  k->file, s.ex[0].question);
        CHECK(s.ex[0].gold.kind == TEACHER_GOLD_NUMBER && s.ex[0].gold.number == k->first_gold);
        if (!isnan(k->last_gold)) CHECK(s.ex[s.count - 1].gold.number == k->last_gold);
        CHECK(!strcmp(s.ex[1].id, "line-2") && s.ex[0].src == NULL);
        for (long i = 0; i < s.count; i++) CHECK(s.ex[i].question[0] && s.ex[i].gold.text[0]);
        eval_set_free(&s);
    }
    /* GSM8K's gold is what follows "####", thousands separators removed */
    eval_set s;
    load_ok(SHARED "gsm8k/test.jsonl", EVAL_FORMAT_GSM8K, 3, &s);
    CHECK(s.count == 3 && s.ex[2].gold.number == 70000);
    eval_set_free(&s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* The datasets as their authors published them. */
static void test_original_forms(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", check_tmp_path("svamp.json"));
    write_file(path, "[\n {\"ID\": \"chal-1\", \"Body\": \"Each pack of dvds costs 76 dollars.\", \"Question\": "
                     "\"How much do you pay?\", \"Equation\": \"( 76.0 - 25.0 )\", \"Answer\": 51.0},\n"
                     " {\"ID\": \"chal-2\", \"Body\": \"Dan had $ 3.\", \"Question\": \"How much?\", "
                     "\"Answer\": 1.5}\n]\n");
    eval_set s;
    load_ok(path, EVAL_FORMAT_AUTO, 0, &s);
    CHECK(s.count == 2 && s.format == EVAL_FORMAT_SVAMP);
    if (s.count == 2) {
        CHECK(!strcmp(s.ex[0].question, "Each pack of dvds costs 76 dollars. How much do you pay?"));
        CHECK(!strcmp(s.ex[0].id, "chal-1") && s.ex[0].gold.number == 51);
        CHECK(s.ex[1].gold.number == 1.5);
    }
    eval_set_free(&s);

    snprintf(path, sizeof path, "%s", check_tmp_path("asdiv.jsonl"));
    write_file(path, "{\"ID\": \"nluds-0001\", \"Body\": \"Seven red apples and two green apples are in the "
                     "basket.\", \"Question\": \"How many apples are in the basket?\", \"Answer\": \"9 (apples)\"}\n"
                     "\n{\"ID\": \"nluds-0002\", \"Body\": \"b\", \"Question\": \"q\", \"Answer\": \"7 r5\"}\n");
    load_ok(path, EVAL_FORMAT_AUTO, 0, &s);
    CHECK(s.count == 2 && s.format == EVAL_FORMAT_ASDIV);
    if (s.count == 2) {
        CHECK(s.ex[0].gold.kind == TEACHER_GOLD_NUMBER && s.ex[0].gold.number == 9);
        CHECK(s.ex[1].gold.kind == TEACHER_GOLD_STRING && !strcmp(s.ex[1].gold.text, "7 r5"));
    }
    eval_set_free(&s);

    snprintf(path, sizeof path, "%s", check_tmp_path("multiarith.json"));
    write_file(path, "[{\"iIndex\": 7, \"sQuestion\": \" A pet store had 13 cats. \", \"lEquations\": "
                     "[\"X=(13.0-5.0)\"], \"lSolutions\": [8.0]}]");
    load_ok(path, EVAL_FORMAT_AUTO, 0, &s);
    CHECK(s.count == 1 && s.format == EVAL_FORMAT_MULTIARITH);
    if (s.count == 1) {
        CHECK(!strcmp(s.ex[0].question, " A pet store had 13 cats. ") && !strcmp(s.ex[0].id, "7"));
        CHECK(s.ex[0].gold.number == 8);
    }
    eval_set_free(&s);
}

/* Loads `text` as `name`, expecting a format error whose location and
 * message hold the given pieces. */
static void load_bad(const char *name, const char *text, eval_format format, long line, const char *json_path,
                     const char *needle)
{
    char path[512];
    snprintf(path, sizeof path, "%s", check_tmp_path(name));
    write_file(path, text);
    eval_options o;
    eval_options_default(&o);
    o.format = format;
    eval_set s;
    pad_error err;
    pad_error_clear(&err);
    CHECK(eval_set_load(path, NULL, &o, &s, &err) == PAD_ERR_FORMAT);
    CHECK_MSG(strstr(err.file, name) != NULL, "file '%s'", err.file);
    CHECK_MSG(err.line == line, "%s: line %ld, want %ld", name, err.line, line);
    CHECK_MSG(!strcmp(err.json_path, json_path), "%s: path '%s', want '%s'", name, err.json_path, json_path);
    CHECK_MSG(strstr(err.message, needle) != NULL, "%s: '%s' lacks '%s'", name, err.message, needle);
    eval_set_free(&s);
}

static void test_bad_rows(void)
{
    const char *good = "{\"question\": \"q\", \"num_answer\": 1.0, \"equation\": \"( 1.0 )\"}\n";
    char text[512];
    snprintf(text, sizeof text, "%s\n%s{\"question\": \"q3\", \"equation\": \"( 2.0 )\"}\n", good, good);
    load_bad("no-gold.jsonl", text, EVAL_FORMAT_AUTO, 4, "", "missing field 'num_answer'");
    snprintf(text, sizeof text, "%s{\"num_answer\": 2}\n", good);
    load_bad("no-question.jsonl", text, EVAL_FORMAT_SVAMP, 2, "", "missing field 'question'");
    load_bad("orig-no-question.json", "[{\"Body\": \"b\", \"Question\": \"q\", \"Answer\": 1},\n"
             " {\"Body\": \"b\", \"Answer\": 2}]", EVAL_FORMAT_AUTO, 0, "[1]", "missing field 'Question'");
    load_bad("orig-no-answer.json", "[{\"sQuestion\": \"q\"}]", EVAL_FORMAT_AUTO, 0, "[0]",
             "missing field 'lSolutions'");
    load_bad("bad-answer.json", "[{\"sQuestion\": \"q\", \"lSolutions\": [true]}]", EVAL_FORMAT_AUTO, 0, "[0]",
             "lSolutions");
    load_bad("unknown.jsonl", "{\"text\": \"q\", \"label\": 3}\n", EVAL_FORMAT_AUTO, 1, "", "--format");
    load_bad("wrong-format.jsonl", "{\"sQuestion\": \"q\", \"lSolutions\": [1]}\n", EVAL_FORMAT_SVAMP, 1, "",
             "missing field 'question'");
    load_bad("not-object.jsonl", "[1, 2]\n", EVAL_FORMAT_AUTO, 0, "[0]", "not an object");
    load_bad("bad-json.jsonl", "{\"question\": \"q\", \"num_answer\": 1}\n{\"question\": \n", EVAL_FORMAT_AUTO, 2,
             "", "");
    load_bad("gsm8k-no-answer.jsonl", "{\"question\": \"q\"}\n", EVAL_FORMAT_AUTO, 1, "", "missing field 'answer'");
}

/* Questions are encoded when a tokenizer is given; the limit stops early. */
static void test_encode_and_limit(void)
{
    pad_tokenizer *tok = NULL;
    pad_error err;
    CHECK(shard_open_tokenizer("bytes", &tok, &err) == PAD_OK);
    eval_options o;
    eval_options_default(&o);
    o.limit = 5;
    o.max_source_len = 20;
    eval_set s;
    CHECK(eval_set_load(SHARED "svamp/test.jsonl", tok, &o, &s, &err) == PAD_OK);
    CHECK(s.count == 5);
    for (long i = 0; i < s.count; i++) {
        CHECK(s.ex[i].src_len == 20 && s.ex[i].src[19] == pad_tokenizer_eos_id(tok));
        CHECK(s.ex[i].src[0] == (unsigned char)s.ex[i].question[0]);
    }
    eval_set_free(&s);
    pad_tokenizer_free(tok);
    CHECK(eval_format_parse("asdiv") == EVAL_FORMAT_ASDIV && eval_format_parse("SVAMP") == -1);
    CHECK(!strcmp(eval_format_name(EVAL_FORMAT_MULTIARITH), "multiarith"));
}

int main(void)
{
    RUN(test_shared_files);
    RUN(test_original_forms);
    RUN(test_bad_rows);
    RUN(test_encode_and_limit);
    return check_finish();
}
