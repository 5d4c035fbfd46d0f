#!/usr/bin/env bash
# pad run with a refine stage (2 rounds) between distill and eval, on a tiny
# recipe: the rounds leave their directories, round 2 trains on the model's
# own failures of round 1, the stage leaves its marker and the refined model
# that eval loads; a rerun skips everything, a round left incomplete is
# redone while the complete one is kept, and eval needs no distill checkpoint.
set -u
pad=${1:?usage: test_cli_refine.sh PAD_BINARY}
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/tiny.json" <<JSON
{
  "name": "tiny-refine", "seed": 7, "device": "cpu", "output_dir": "$tmp/run",
  "model": {"arch": "t5", "config": {"d_model": 16, "d_kv": 8, "num_heads": 2, "d_ff": 32,
            "num_layers": 1, "num_decoder_layers": 1}},
  "tokenizer": {"train": {"vocab_size": 300}},
  "data": {"teacher": "synth", "synth": {"seed": 3, "train": 30, "validation": 6, "test": 4},
           "max_source_len": 96, "max_target_len": 96, "strip_docstrings": true},
  "stages": [
    {"type": "synth"}, {"type": "verify"}, {"type": "shard"},
    {"type": "distill", "lr": 3e-3, "batch_size": 8, "max_steps": 4, "eval_every": 2, "log_every": 2},
    {"type": "refine", "rounds": 2, "lr": 3e-3, "batch_size": 8, "max_steps": 3, "log_every": 3,
     "round_questions": 5, "mix": 0.5, "inject": {"per_program": 1, "kinds": {"syntax": 0}}},
    {"type": "eval", "max_new_tokens": 16, "limit": 3}
  ]
}
JSON

"$pad" run "$tmp/tiny.json" > "$tmp/out1" 2> "$tmp/err1"
check test $? -eq 0
for s in 03-distill 04-refine 05-eval; do check test -f "$tmp/run/stages/$s.json"; done
r="$tmp/run/refine"
for n in 1 2; do
  check test -f "$r/round-$n/round.json"
  check test -f "$r/round-$n/metrics.jsonl"
  check test -f "$r/round-$n/shards/manifest.json"
  check test -d "$r/round-$n/checkpoints"
done
check test -f "$r/final/model.safetensors"
check test -f "$r/validation/manifest.json"
# round 1 decoded 5 training questions; the tiny model fails them all
check test "$(wc -l < "$r/round-1/failures.jsonl")" -eq 5
check test ! -e "$r/round-2/failures.jsonl"
check test "$(grep -c '"kind":"model"' "$r/round-1/data.jsonl")" -eq 0
check test "$(grep -c '"kind":"model"' "$r/round-2/data.jsonl")" -eq 5
check grep -q '"failure_rows":[[:space:]]*5' "$r/round-2/round.json"
# the mix: plain rows (question -> program) in both rounds, the same ones
check test "$(grep -c '"kind":"plain"' "$r/round-1/data.jsonl")" -gt 0
check test "$(grep -c '"kind":"plain"' "$r/round-1/data.jsonl")" -eq "$(grep -c '"kind":"plain"' "$r/round-2/data.jsonl")"
# each failure row holds the model's program, its feedback and the teacher program
check python3 -c "
import json, sys
rows = [json.loads(l) for l in open('$r/round-1/failures.jsonl')]
sys.exit(not all(r['feedback'] and r['target'].startswith('def solution') and r['round'] == 1 for r in rows))"
check grep -q "refine round 2: .* 5 model-failure rows" "$tmp/out1"
check grep -q "faulty programs injected" "$tmp/out1"
check grep -q "refined model in" "$tmp/out1"

"$pad" run "$tmp/tiny.json" > "$tmp/out2" 2> "$tmp/err2"
check test $? -eq 0
check test "$(grep -c 'done earlier' "$tmp/out2")" -eq 6

# an unfinished round 2: round 1 is kept, round 2 completes again
rm "$tmp/run/stages/04-refine.json" "$tmp/run/stages/05-eval.json" "$r/round-2/round.json"
rm -r "$r/final"
"$pad" run "$tmp/tiny.json" > "$tmp/out3" 2> "$tmp/err3"
check test $? -eq 0
check grep -q "refine round 1: .*(done earlier)" "$tmp/out3"
check test -f "$r/round-2/round.json"
check test -f "$r/final/model.safetensors"
check test -f "$tmp/run/stages/05-eval.json"

# eval loads the refined model: without any distill checkpoint it still runs
rm -r "$tmp/run/distill/checkpoints" "$tmp/run/distill/best" "$tmp/run/stages/05-eval.json"
"$pad" run "$tmp/tiny.json" > "$tmp/out4" 2> "$tmp/err4"
check test $? -eq 0
check grep -q "^eval: 3 questions" "$tmp/out4"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
