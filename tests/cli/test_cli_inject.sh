#!/usr/bin/env bash
# pad data inject: synth -> verify -> inject -> shard --kind refine -> inspect.
# The refine rows carry the faulty program, its feedback and the correct
# target; the same seed gives the same file; the shard decodes back to the
# refine template; usage errors exit 2, a missing input exits 1.
# Usage: bash test_cli_inject.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_inject.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-inject-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local name=$1; shift; if "$@"; then pass; else fail "$name"; fi; }

"$PAD" data synth --seed 4 --count 70 --out "$TMP/syn" > /dev/null || fail "synth"
"$PAD" data verify "$TMP/syn/train.jsonl" --out "$TMP/verified.jsonl" --report "$TMP/verify.json" > /dev/null ||
    fail "verify"
kept=$(wc -l < "$TMP/verified.jsonl")

"$PAD" data inject "$TMP/verified.jsonl" --out "$TMP/refine.jsonl" --seed 7 --per-program 2 \
    --strip-docstrings > "$TMP/report.txt" 2> "$TMP/err"
check "inject exits 0: $(cat "$TMP/err")" test $? -eq 0
for kind in const op var undef drop swap syntax; do
    check "report lists $kind" grep -q "^$kind " "$TMP/report.txt"
done
rows=$(wc -l < "$TMP/refine.jsonl")
check "two refine rows per verified row ($rows for $kept)" test "$rows" -eq $((2 * kept))
check "report counts the rows written" grep -q "wrote $rows refine rows" "$TMP/report.txt"
check "rows carry every field" python3 - "$TMP/refine.jsonl" <<'EOF'
import json, sys
kinds = {"const", "op", "var", "undef", "drop", "swap", "syntax"}
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert set(r) >= {"id", "source_id", "question", "program", "feedback", "kind", "detail", "target", "num_answer"}, r
    assert r["kind"] in kinds and r["program"] != r["target"] and '"""' not in r["target"]
    assert r["feedback"].startswith("wrong answer: the program returned ") or "Error: " in r["feedback"], r
EOF

"$PAD" data inject "$TMP/verified.jsonl" --out "$TMP/again.jsonl" --seed 7 --per-program 2 --strip-docstrings > /dev/null
check "same seed, same rows" cmp -s "$TMP/refine.jsonl" "$TMP/again.jsonl"
"$PAD" data inject "$TMP/verified.jsonl" --out "$TMP/other.jsonl" --seed 8 --per-program 2 --strip-docstrings > /dev/null
check "another seed, other rows" test -n "$(cmp "$TMP/refine.jsonl" "$TMP/other.jsonl" 2>&1)"

"$PAD" data inject "$TMP/verified.jsonl" --out "$TMP/only.jsonl" --kinds undef=1 > "$TMP/only.txt"
check "--kinds undef: only NameErrors" python3 -c "
import json, sys
rows = [json.loads(l) for l in open('$TMP/only.jsonl')]
assert rows and all(r['kind'] == 'undef' and r['feedback'].startswith('NameError: name ') for r in rows)"
check "--kinds undef: no other kind attempted" grep -qE "^const +0 +0" "$TMP/only.txt"

"$PAD" data shard "$TMP/refine.jsonl" --tokenizer bytes --kind refine --out "$TMP/shards" \
    --max-source-len 4096 > "$TMP/shard.txt" 2>&1
check "shard --kind refine: $(cat "$TMP/shard.txt")" grep -q "examples: $rows;" "$TMP/shard.txt"
"$PAD" data inspect "$TMP/shards" --examples 1 > "$TMP/inspect.txt" 2>&1
check "inspect: kind refine" grep -q "^kind: refine" "$TMP/inspect.txt"
check "inspect: the source is the template" python3 - "$TMP/inspect.txt" "$TMP/refine.jsonl" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
row = json.loads(open(sys.argv[2]).readline())
program = row["program"].rstrip("\n")
want = f"Question: {row['question']}\nProgram:\n{program}\nFeedback: {row['feedback']}\nFix the program.</s>"
assert want in text, text
assert row["target"] + "</s>" in text
EOF

"$PAD" data inject "$TMP/verified.jsonl" --out "$TMP/x.jsonl" --kinds bogus=1 > /dev/null 2> "$TMP/err"
check "unknown kind: exit 2" test $? -eq 2
check "unknown kind named" grep -q "bogus" "$TMP/err"
"$PAD" data inject "$TMP/verified.jsonl" > /dev/null 2>&1
check "no --out: exit 2" test $? -eq 2
"$PAD" data inject "$TMP/missing.jsonl" --out "$TMP/x.jsonl" > /dev/null 2> "$TMP/err"
check "missing input: exit 1" test $? -eq 1
check "missing input named" grep -q "missing.jsonl" "$TMP/err"
check "no output left behind" test ! -e "$TMP/x.jsonl"

echo "$passed passed, $failed failed"
(( failed == 0 ))
