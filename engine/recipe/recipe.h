/* pad: recipes.  One JSON file describes a whole run: model, tokenizer,
 * data, the stages in order with their hyper-parameters, device, parallel
 * settings, output directory and seed (docs/RECIPES.md lists every field).
 *
 * A recipe is parsed, overridden (--set PATH=VALUE) and validated completely
 * before any work: every problem is collected with its JSON path, none stops
 * the others.  Absent optional fields get their defaults, so a loaded recipe
 * is complete; its canonical form (keys sorted, defaults filled, printed
 * without spaces) and the SHA-256 of that form identify the run.
 *
 * Relative paths in a recipe are relative to the current directory, as
 * command-line paths are (not to the recipe file's directory). */
#ifndef PAD_RECIPE_RECIPE_H
#define PAD_RECIPE_RECIPE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "data/inject.h"
#include "data/shard_build.h"
#include "exec/exec.h"
#include "model/config.h"
#include "train/schedule.h"

/* ---- problems found while validating ---- */

typedef struct recipe_issue {
    char path[192];    /* JSON path ("stages[1].lr"); "" for the whole recipe */
    char message[256]; /* "must be > 0, got -1" */
} recipe_issue;

typedef struct recipe_issues {
    recipe_issue *items; /* malloc'd, in the order found */
    int count, cap;
    int out_of_memory;   /* an issue could not be recorded */
} recipe_issues;

void recipe_issues_free(recipe_issues *is);

/* ---- the parsed recipe ---- */

typedef enum recipe_device { RECIPE_DEVICE_AUTO = 0, RECIPE_DEVICE_CPU, RECIPE_DEVICE_CUDA } recipe_device;

typedef enum recipe_tokenizer_kind {
    RECIPE_TOKENIZER_FILE = 0, /* path: tokenizer.json or a directory holding one */
    RECIPE_TOKENIZER_BYTES,    /* the byte tokenizer */
    RECIPE_TOKENIZER_TRAIN     /* byte-level BPE trained on the teacher data */
} recipe_tokenizer_kind;

typedef struct recipe_tokenizer {
    recipe_tokenizer_kind kind;
    const char *path;       /* RECIPE_TOKENIZER_FILE */
    int vocab_size;         /* RECIPE_TOKENIZER_TRAIN: specials included */
    int min_frequency;      /* RECIPE_TOKENIZER_TRAIN */
    int digits;             /* RECIPE_TOKENIZER_TRAIN: a pad_digits (io/tokenizer.h) */
    int identifiers;        /* RECIPE_TOKENIZER_TRAIN: 1 for PAD_WORDS_IDENTIFIERS */
} recipe_tokenizer;

typedef struct recipe_model {
    /* "init": "hf:DIR": DIR, a Hugging Face checkpoint whose config.json gives
     * the architecture at run time.  NULL when the model is built from config. */
    const char *init_dir;
    pad_model_config config;  /* when init_dir is NULL: Hugging Face defaults + model.config */
    int vocab_from_tokenizer; /* model.config has no vocab_size: use the tokenizer's */
} recipe_model;

typedef struct recipe_data {
    const char *teacher;      /* teacher JSONL; NULL when absent */
    int teacher_synth;        /* teacher is "synth": the synth stage writes it */
    uint64_t synth_seed;      /* teacher_synth only */
    int64_t synth_train, synth_validation, synth_test;
    const char *validation;   /* JSONL; NULL when absent */
    const char *test;         /* JSONL; NULL when absent */
    const char *shards;       /* prebuilt shard directory; NULL when absent */
    int64_t max_source_len, max_target_len;
    shard_overlong overlong;
    int strip_docstrings;     /* drop the docstrings of teacher programs when sharding */
} recipe_data;

typedef struct recipe_parallel {
    int gpus;          /* data-parallel ranks, one process per device (pad launch) */
    int zero;          /* 1: ZeRO-1, the optimizer state sharded across ranks */
    int overlap;       /* 1: gradients reduced layer by layer during the backward pass */
} recipe_parallel;

typedef enum recipe_stage_type {
    RECIPE_STAGE_SYNTH = 0, /* the required order of stages is this enum's order */
    RECIPE_STAGE_VERIFY,
    RECIPE_STAGE_SHARD,
    RECIPE_STAGE_DISTILL,
    RECIPE_STAGE_REFINE,
    RECIPE_STAGE_EVAL,
    RECIPE_STAGE_TYPE_COUNT
} recipe_stage_type;

typedef struct recipe_verify {
    exec_engine executor;
    int threads;              /* 0: every core */
} recipe_verify;

typedef struct recipe_shard {
    int64_t shard_tokens;
} recipe_shard;

typedef struct recipe_distill {
    double lr;                /* peak learning rate */
    int batch_size;           /* examples per device per micro-batch */
    int grad_accum;           /* micro-batches per optimizer step */
    int64_t epochs;
    int64_t max_steps;        /* > 0: optimizer steps, epochs ignored; 0: epochs decide */
    int64_t warmup_steps;
    double warmup_ratio;      /* of the total steps; at most one of the two is non-zero */
    pad_decay decay;
    double weight_decay;
    double clip;              /* max gradient norm; 0: no clipping */
    double dropout;           /* < 0: the model's own (config) rate */
    double label_smoothing;
    int64_t eval_every;       /* steps between validation losses; 0: every epoch's end */
    int64_t patience;         /* validations without improvement; 0: no early stopping */
    int64_t checkpoint_every; /* steps; 0: at every validation */
    int keep_checkpoints;
    int64_t log_every;        /* steps */
} recipe_distill;

/* PaD's self-refinement training in rounds (train/refine_stage.h). */
typedef struct recipe_refine {
    recipe_distill train;     /* the distill stage's fields, for each round */
    int rounds;
    double mix;               /* share of distillation rows mixed in as plain rows */
    int64_t round_questions;  /* training questions decoded after a round; 0: all */
    int64_t max_source_len;   /* refine sources (question + program + feedback), eos included */
    int inject_per_program;
    uint64_t inject_seed;
    double inject_weights[INJECT_KIND_COUNT]; /* inject_kind order */
} recipe_refine;

typedef enum recipe_eval_split { RECIPE_SPLIT_TEST = 0, RECIPE_SPLIT_VALIDATION } recipe_eval_split;
typedef enum recipe_checkpoint { RECIPE_CHECKPOINT_BEST = 0, RECIPE_CHECKPOINT_LAST } recipe_checkpoint;
typedef enum recipe_decoding { RECIPE_DECODING_GREEDY = 0, RECIPE_DECODING_BEAM, RECIPE_DECODING_SAMPLE } recipe_decoding;
typedef enum recipe_step_mode { RECIPE_STEP_DROP = 0, RECIPE_STEP_PENALTY } recipe_step_mode;
typedef enum recipe_answer { RECIPE_ANSWER_BEST = 0, RECIPE_ANSWER_VOTE } recipe_answer;
typedef enum recipe_refine_mode { RECIPE_REFINE_FAILED = 0, RECIPE_REFINE_ALL } recipe_refine_mode;

typedef struct recipe_eval {
    recipe_eval_split split;
    recipe_decoding decoding;
    recipe_checkpoint checkpoint; /* which distill checkpoint: lowest validation loss or last */
    int max_new_tokens;
    int64_t limit;            /* examples evaluated; 0: all */
    int batch_size;
    exec_engine executor;
    const char *format;       /* "auto", "gsm8k", "svamp", "asdiv", "multiarith" */
    int beams;                /* decoding beam: the width */
    int num_return;           /* programs kept per question */
    double length_penalty;
    int early_stopping;
    double temperature, top_p; /* decoding sample */
    uint64_t seed;            /* decoding sample */
    int stepwise;             /* run each finished line's program prefix */
    recipe_step_mode step_mode;
    double step_penalty;      /* step_mode penalty: added to a failing beam's log-probability */
    double number_penalty;    /* stepwise: per literal not grounded in the question; 0: off */
    recipe_answer answer;     /* best runnable returned program, or a vote over their answers */
    int refine_rounds;        /* refinement at inference (decode/refine_infer.h); 0: none */
    recipe_refine_mode refine_mode; /* refine failing programs only, or every program */
} recipe_eval;

typedef struct recipe_stage {
    recipe_stage_type type;
    int index;                /* position in "stages" */
    int enabled;              /* verify disabled: every teacher row is kept (the ablation);
                               * any other stage disabled: skipped */
    union {                   /* the member named by type */
        recipe_verify verify;
        recipe_shard shard;
        recipe_distill distill;
        recipe_refine refine;
        recipe_eval eval;
    };
} recipe_stage;

typedef struct recipe {
    /* Every string below points into `json`, which the recipe owns. */
    const char *name;
    const char *description;  /* NULL when absent */
    uint64_t seed;
    recipe_device device;
    const char *output_dir;
    recipe_model model;
    recipe_tokenizer tokenizer;
    recipe_data data;
    recipe_parallel parallel;
    recipe_stage *stages;     /* malloc'd */
    int stage_count;
    cJSON *json;              /* the recipe after overrides, defaults filled, keys sorted */
    char *canonical;          /* malloc'd: json printed unformatted */
    char hash[65];            /* SHA-256 hex of canonical */
} recipe;

/* Parses `text`, applies the overrides (each "PATH=VALUE"; VALUE is JSON
 * when it parses as JSON, else a string), validates and fills `out`.
 * Returns PAD_OK, or PAD_ERR_CONFIG with every problem in `issues` (and the
 * first in err), or PAD_ERR_FORMAT for text that is not JSON (err only),
 * or PAD_ERR_NOMEM.  `issues` is cleared first; free it in every case.  On
 * failure `out` holds nothing to free. */
pad_status recipe_parse(const char *text, const char *const *sets, int nsets, recipe *out,
                        recipe_issues *issues, pad_error *err);

/* recipe_parse of a file; errors name `path`. */
pad_status recipe_load(const char *path, const char *const *sets, int nsets, recipe *out,
                       recipe_issues *issues, pad_error *err);

void recipe_free(recipe *r);

const char *recipe_stage_type_name(recipe_stage_type t);
/* The first enabled stage of a type, or NULL. */
const recipe_stage *recipe_find_stage(const recipe *r, recipe_stage_type t);

#endif
