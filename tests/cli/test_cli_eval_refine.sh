#!/usr/bin/env bash
# pad eval --refine: bad refinement flags exit 2 with an error naming the
# flag; with transformers installed, a tiny random T5 refines its programs
# end to end and the outputs carry the rounds and the counts; a recipe's
# eval stage passes refine_rounds and refine_mode through pad run.
# Usage: bash test_cli_eval_refine.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_eval_refine.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-eval-refine-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# NAME FLAG: exit 2 and one "pad: error:" line that names FLAG
expect_usage() {
    local name=$1 flag=$2
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc != 2 )); then fail "$name: exit $rc, expected 2: $(cat "$TMP/err")"
    elif ! grep -q -- "^pad: error: .*$flag" "$TMP/err"; then fail "$name: error does not name $flag: $(head -1 "$TMP/err")"
    else pass; fi
}

cat > "$TMP/q.jsonl" <<'EOF'
{"id": "a", "question": "Tom has 3 apples and buys 4 more. How many apples does he have?", "num_answer": 7}
{"id": "b", "question": "A box holds 6 eggs. How many eggs are in 5 boxes?", "num_answer": 30}
EOF
EVAL=("$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes)

expect_usage "refine 0" "--refine" "${EVAL[@]}" --refine 0
expect_usage "refine not a number" "--refine" "${EVAL[@]}" --refine two
expect_usage "refine without value" "--refine" "${EVAL[@]}" --refine
expect_usage "unknown refine mode" "--refine-mode" "${EVAL[@]}" --refine 2 --refine-mode some
expect_usage "refine mode alone" "--refine-mode" "${EVAL[@]}" --refine-mode all
expect_usage "prompt length alone" "--refine-max-source-len" "${EVAL[@]}" --refine-max-source-len 64
expect_usage "prompt length 1" "--refine-max-source-len" "${EVAL[@]}" --refine 1 --refine-max-source-len 1
"$PAD" eval --help | grep -q -- "--refine-mode" && pass || fail "--help does not list --refine-mode"

if python3 -c "import torch, transformers" 2> /dev/null; then
    python3 - "$TMP/hf" 2> "$TMP/py.err" <<'EOF'
import sys, torch, transformers
torch.manual_seed(0)
cfg = transformers.T5Config(vocab_size=259, d_model=16, d_kv=4, num_heads=2, d_ff=32, num_layers=1,
                            num_decoder_layers=1, pad_token_id=256, eos_token_id=257,
                            decoder_start_token_id=256)
transformers.T5ForConditionalGeneration(cfg).save_pretrained(sys.argv[1])
EOF
    if "$PAD" import "$TMP/hf" "$TMP/ckpt" > /dev/null 2>&1 &&
       "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --out "$TMP/ev" --max-new-tokens 8 \
           --refine 2 --refine-mode all > "$TMP/out" 2> "$TMP/err"; then
        grep -q "^refine (2 rounds, mode all): accuracy" "$TMP/out" && pass || fail "no refine line: $(cat "$TMP/out")"
        python3 - "$TMP/ev" <<'EOF' && pass || fail "refine outputs: see above"
import json, sys
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))["refine"]
rows = [json.loads(l) for l in open(d + "/predictions.jsonl", errors="replace")]  # random bytes
assert s["rounds"] == 2 and s["mode"] == "all", s
assert s["questions_refined"] == len(rows) == 2, s
assert s["rounds_run"] == sum(len(r["refine_rounds"]) for r in rows), s
assert s["correct_before"] - s["broken"] + s["repaired"] == s["correct_after"], s
for r in rows:
    assert 1 <= len(r["refine_rounds"]) <= 2 and 0 <= r["final_round"] <= len(r["refine_rounds"])
    for x in r["refine_rounds"]:
        assert set(x) >= {"feedback", "program", "answer", "outcome", "correct"}, x
    assert {"program", "outcome", "correct"} <= set(r["before"])
EOF
    else
        fail "eval --refine: $(cat "$TMP/err")"
    fi
else
    echo "transformers not installed: end-to-end refine skipped"
fi

# the recipe's eval stage refines too (pad run): a tiny pipeline
cat > "$TMP/tiny.json" <<JSON
{
  "name": "tiny-refine", "seed": 7, "device": "cpu", "output_dir": "$TMP/run",
  "model": {"arch": "t5", "config": {"d_model": 16, "d_kv": 8, "num_heads": 2, "d_ff": 32,
            "num_layers": 1, "num_decoder_layers": 1}},
  "tokenizer": "bytes",
  "data": {"teacher": "synth", "synth": {"seed": 3, "train": 24, "validation": 4, "test": 3},
           "max_source_len": 200, "max_target_len": 160},
  "stages": [
    {"type": "synth"}, {"type": "verify"}, {"type": "shard"},
    {"type": "distill", "lr": 3e-3, "batch_size": 8, "max_steps": 2, "log_every": 1},
    {"type": "eval", "max_new_tokens": 8, "checkpoint": "last", "refine_rounds": 2, "refine_mode": "all"}
  ]
}
JSON
if "$PAD" run "$TMP/tiny.json" > "$TMP/run.out" 2> "$TMP/run.err"; then
    grep -q "^eval: refinement (2 rounds, all)" "$TMP/run.out" && pass || fail "pad run: no refinement line"
    python3 - "$TMP/run/eval/summary.json" <<'EOF' && pass || fail "pad run: summary.json lacks the refinement"
import json, sys
s = json.load(open(sys.argv[1]))["refine"]
assert s["rounds"] == 2 and s["mode"] == "all" and s["questions_refined"] == 3 and s["max_source_len"] == 200, s
EOF
else
    fail "pad run: $(cat "$TMP/run.err")"
fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
