#!/usr/bin/env bash
# data/tokenizer.json is what tools/make_default_data.sh makes: regenerate it
# and compare byte for byte; then check it round-trips a synthetic program.
set -u
pad=${1:?usage: test_default_tokenizer.sh PAD_BINARY}
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $*"; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check bash tools/make_default_data.sh "$pad" "$tmp/tokenizer.json" >/dev/null
check cmp -s data/tokenizer.json "$tmp/tokenizer.json"
printf 'def solution():\n    pens = 14 * 3\n    return pens - 5\n' > "$tmp/prog.py"
ids=$("$pad" tokenizer encode data/tokenizer.json "$tmp/prog.py")
check test -n "$ids"
n=$(echo "$ids" | wc -w)
check test "$n" -lt 40   # a trained vocabulary, not bytes (the program has 52 bytes)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
