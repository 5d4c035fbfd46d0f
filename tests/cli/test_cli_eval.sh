#!/usr/bin/env bash
# pad eval: usage errors exit 2, a missing checkpoint exits 1 with one
# "pad: error:" line naming it, --help exits 0; with transformers installed,
# a tiny random T5 imported with `pad import` evaluates end to end.
# Usage: bash test_cli_eval.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_eval.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-eval-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

expect_exit() {
    local name=$1 want=$2
    shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc == want )); then pass; else fail "$name: exit $rc, expected $want: $(cat "$TMP/err")"; fi
}

# three synthetic questions in eval JSONL
cat > "$TMP/q.jsonl" <<'EOF'
{"id": "a", "question": "Tom has 3 apples and buys 4 more. How many apples does he have?", "num_answer": 7}
{"id": "b", "question": "A box holds 6 eggs. How many eggs are in 5 boxes?", "answer": "6 * 5 = 30\n#### 30"}
{"id": "c", "question": "Is 10 larger than 3?", "num_answer": "yes"}
EOF

expect_exit "help" 0 "$PAD" eval --help
expect_exit "help via pad help" 0 "$PAD" help eval
expect_exit "no arguments" 2 "$PAD" eval
expect_exit "no data" 2 "$PAD" eval "$TMP/ckpt"
expect_exit "no tokenizer" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl"
expect_exit "batch 0" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --batch 0
expect_exit "batch not a number" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --batch x
expect_exit "bad backend" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --backend tpu
expect_exit "unknown option" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --bogus 4
expect_exit "option without value" 2 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer
expect_exit "three positionals" 2 "$PAD" eval a b c --tokenizer bytes

"$PAD" eval "$TMP/missing-ckpt" "$TMP/q.jsonl" --tokenizer bytes > "$TMP/out" 2> "$TMP/err"
rc=$?
if (( rc != 1 )); then fail "missing checkpoint: exit $rc, expected 1"
elif (( $(wc -l < "$TMP/err") != 1 )); then fail "missing checkpoint: $(cat "$TMP/err")"
elif ! grep -q '^pad: error: .*missing-ckpt' "$TMP/err"; then fail "missing checkpoint: $(cat "$TMP/err")"
else pass; fi

# the happy path needs transformers to make a tiny random T5
if python3 -c "import torch, transformers" 2> /dev/null; then
    python3 - "$TMP/hf" 2> "$TMP/py.err" <<'EOF'
import sys, torch, transformers
torch.manual_seed(0)
cfg = transformers.T5Config(vocab_size=259, d_model=16, d_kv=4, num_heads=2, d_ff=32, num_layers=1,
                            num_decoder_layers=1, pad_token_id=256, eos_token_id=257,
                            decoder_start_token_id=256)
transformers.T5ForConditionalGeneration(cfg).save_pretrained(sys.argv[1])
EOF
    expect_exit "import the tiny T5" 0 "$PAD" import "$TMP/hf" "$TMP/ckpt"
    expect_exit "eval" 0 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --out "$TMP/ev" \
        --max-new-tokens 8 --batch 2
    if grep -q "accuracy" "$TMP/out" && [[ -s "$TMP/ev/predictions.jsonl" ]] &&
        (( $(wc -l < "$TMP/ev/predictions.jsonl") == 3 )) &&
        python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['count']==3 and 0<=s['accuracy']<=1" \
            "$TMP/ev/summary.json"; then pass; else fail "eval outputs: $(cat "$TMP/out" "$TMP/err")"; fi
    expect_exit "eval --limit 1" 0 "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --out "$TMP/ev1" \
        --max-new-tokens 4 --limit 1
    if (( $(wc -l < "$TMP/ev1/predictions.jsonl") == 1 )); then pass; else fail "--limit 1"; fi
    "$PAD" eval "$TMP/ckpt" "$TMP/nope.jsonl" --tokenizer bytes --out "$TMP/ev2" > "$TMP/out" 2> "$TMP/err"
    if (( $? == 1 )) && grep -q "^pad: error: .*nope.jsonl" "$TMP/err"; then pass; else fail "missing data: $(cat "$TMP/err")"; fi
else
    echo "skipped the happy path: no torch/transformers"
fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
