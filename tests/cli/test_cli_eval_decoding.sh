#!/usr/bin/env bash
# pad eval's decoding flags and datasets: every bad flag value or
# combination is a usage error (exit 2) naming the flag; with transformers
# installed, a tiny random T5 decodes with two beams and step-wise
# verification (predictions carry their candidates), and the shared GSM8K,
# SVAMP, ASDiv and MultiArith files are read as python's json reads them.
# Usage: bash test_cli_eval_decoding.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_eval_decoding.sh PATH_TO_PAD}
DATA=$(cd "$(dirname "$0")/../../.." && pwd)/shared/data
TMP=$(mktemp -d /tmp/pad-cli-evald-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# usage_error NAME NEEDLE ARGS...: exit 2 and NEEDLE in the message
usage_error() {
    local name=$1 needle=$2
    shift 2
    "$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc != 2 )); then fail "$name: exit $rc, expected 2: $(cat "$TMP/err")"
    elif ! head -1 "$TMP/err" | grep -q -F -- "$needle"; then fail "$name: '$needle' not in: $(head -1 "$TMP/err")"
    else pass; fi
}

cat > "$TMP/q.jsonl" <<'EOF'
{"id": "a", "question": "Tom has 3 apples and buys 4 more. How many apples does he have?", "num_answer": 7}
{"id": "b", "question": "A box holds 6 eggs. How many eggs are in 5 boxes?", "answer": "6 * 5 = 30\n#### 30"}
{"id": "c", "question": "Is 10 larger than 3?", "num_answer": "yes"}
EOF

usage_error "beams 0" "--beams" --beams 0
usage_error "beams not a number" "--beams" --beams two
usage_error "num-return above beams" "--num-return 3 exceeds --beams 2" --beams 2 --num-return 3
usage_error "num-return with greedy" "--num-return 2 needs --beams or --sample" --num-return 2
usage_error "sample with beams" "--sample and --beams" --sample --beams 2
usage_error "temperature without sample" "--temperature" --temperature 0.7
usage_error "temperature 0" "--temperature" --sample --temperature 0
usage_error "top-p above 1" "--top-p" --sample --top-p 1.5
usage_error "seed negative" "--seed" --sample --seed -1
usage_error "step-mode unknown" "--step-mode" --stepwise --step-mode skip
usage_error "step-mode without stepwise" "--step-mode" --step-mode penalty
usage_error "step-penalty positive" "--step-penalty" --stepwise --step-mode penalty --step-penalty 2
usage_error "stepwise with sample" "--stepwise" --stepwise --sample
usage_error "answer unknown" "--answer" --answer majority
usage_error "format unknown" "--format" --format mawps
usage_error "length-penalty not a number" "--length-penalty" --beams 2 --length-penalty abc
usage_error "max-source-len 1" "--max-source-len" --max-source-len 1
usage_error "flag without value" "--num-return needs a value" --beams 2 --num-return

"$PAD" eval --help > "$TMP/out" 2>&1
for flag in --beams --num-return --length-penalty --early-stopping --sample --temperature --top-p --seed \
    --stepwise --step-mode --step-penalty --answer --format --max-source-len; do
    if grep -q -- "$flag" "$TMP/out"; then pass; else fail "--help does not mention $flag"; fi
done

if ! python3 -c "import torch, transformers" 2> /dev/null; then
    echo "skipped the decoding runs: no torch/transformers"
    echo "$passed passed, $failed failed"
    (( failed == 0 ))
    exit
fi

python3 - "$TMP/hf" 2> "$TMP/py.err" <<'EOF'
import sys, torch, transformers
torch.manual_seed(0)
cfg = transformers.T5Config(vocab_size=259, d_model=16, d_kv=4, num_heads=2, d_ff=32, num_layers=1,
                            num_decoder_layers=1, pad_token_id=256, eos_token_id=257,
                            decoder_start_token_id=256)
transformers.T5ForConditionalGeneration(cfg).save_pretrained(sys.argv[1])
EOF
if "$PAD" import "$TMP/hf" "$TMP/ckpt" > /dev/null 2>&1; then pass; else fail "import the tiny T5"; fi

"$PAD" eval "$TMP/ckpt" "$TMP/q.jsonl" --tokenizer bytes --out "$TMP/beam" --beams 2 --num-return 2 \
    --stepwise --early-stopping --length-penalty 0.8 --answer vote --max-new-tokens 10 > "$TMP/out" 2> "$TMP/err"
if (( $? == 0 )) && grep -q "decoding beam step-wise" "$TMP/out" &&
    python3 - "$TMP/beam" <<'EOF'
import json, sys
# programs of a random byte-level model are bytes, not always UTF-8
rows = [json.loads(l) for l in open(sys.argv[1] + "/predictions.jsonl", errors="surrogateescape")]
assert [r["id"] for r in rows] == ["a", "b", "c"], rows
for r in rows:
    for k in ("question", "program", "answer", "gold", "outcome", "error_type", "error_message", "correct",
              "candidates", "chosen"):
        assert k in r, k
    assert 1 <= len(r["candidates"]) <= 2 and r["candidates"][r["chosen"]]["program"] == r["program"]
s = json.load(open(sys.argv[1] + "/summary.json"))
assert s["decoding"] == "beam" and s["beams"] == 2 and s["num_return"] == 2 and s["stepwise"] is True
assert s["early_stopping"] is True and s["answer_selection"] == "vote" and abs(s["length_penalty"] - 0.8) < 1e-12
assert s["count"] == 3 and s["tokens_per_s"] > 0 and s["questions_per_s"] > 0
assert sum(s["outcomes"].values()) == 3 and sum(s["classes"].values()) == 3
EOF
then pass; else fail "beam + stepwise run: $(cat "$TMP/out" "$TMP/err")"; fi

# the shared datasets: the first rows as python reads them
if [[ -d "$DATA" ]]; then
    for set in gsm8k svamp asdiv multiarith; do
        "$PAD" eval "$TMP/ckpt" "$DATA/$set/test.jsonl" --tokenizer bytes --out "$TMP/$set" --limit 6 \
            --max-new-tokens 2 > "$TMP/out" 2> "$TMP/err"
        if (( $? == 0 )) && python3 - "$DATA/$set/test.jsonl" "$TMP/$set" "$set" <<'EOF'
import json, sys
src = [json.loads(l) for l in open(sys.argv[1])][:6]
rows = [json.loads(l) for l in open(sys.argv[2] + "/predictions.jsonl", errors="surrogateescape")]
assert json.load(open(sys.argv[2] + "/summary.json"))["format"] == sys.argv[3]
assert len(rows) == 6
for want, got in zip(src, rows):
    assert got["question"] == want["question"], (got["question"], want["question"])
    gold = want["num_answer"] if "num_answer" in want else float(want["answer"].split("####")[-1].replace(",", ""))
    assert abs(float(got["gold"]) - float(gold)) < 1e-9, (got["gold"], gold)
EOF
        then pass; else fail "$set: $(cat "$TMP/err")"; fi
    done
else
    echo "skipped the shared datasets: no $DATA"
fi

# a bad row names its file, line and field
printf '{"question": "q", "num_answer": 1, "equation": "( 1 )"}\n{"question": "q2", "equation": "( 2 )"}\n' \
    > "$TMP/bad.jsonl"
"$PAD" eval "$TMP/ckpt" "$TMP/bad.jsonl" --tokenizer bytes --out "$TMP/bad" > "$TMP/out" 2> "$TMP/err"
if (( $? == 1 )) && grep -q "bad.jsonl:2: .*missing field 'num_answer'" "$TMP/err"; then pass
else fail "bad row: $(cat "$TMP/err")"; fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
