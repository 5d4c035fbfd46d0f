#!/usr/bin/env bash
# pad exec: the value on stdout and exit 0; a Python error as
# "ErrorName: message (line N)" or a limit as "outcome: message" on stderr and
# exit 1; an unreadable file as "pad: error: ..." and exit 1; usage exit 2.
# Both executors; the python one only where python3 is in PATH.
# Usage: bash test_cli_exec.sh PATH_TO_PAD
set -u
PAD=${1:?usage: test_cli_exec.sh PATH_TO_PAD}
TMP=$(mktemp -d /tmp/pad-cli-exec-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect NAME EXIT STDOUT_WANT STDERR_NEEDLE CMD...: exact stdout ('' = empty, '*' = any),
# stderr containing the needle ('' = empty stderr)
expect() {
    local name=$1 want_rc=$2 want_out=$3 needle=$4
    shift 4
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    if (( rc != want_rc )); then fail "$name: exit $rc, expected $want_rc: $(head -c 300 "$TMP/err")"; return; fi
    if [[ "$want_out" != "*" && "$(cat "$TMP/out")" != "$want_out" ]]; then fail "$name: stdout '$(head -c 200 "$TMP/out")', expected '$want_out'"; return; fi
    if [[ -z "$needle" && -s "$TMP/err" ]]; then fail "$name: unexpected stderr: $(cat "$TMP/err")"; return; fi
    if [[ -n "$needle" ]] && ! grep -qF -- "$needle" "$TMP/err"; then fail "$name: stderr '$(cat "$TMP/err")' lacks '$needle'"; return; fi
    pass
}

# a program on random operands, and the value Python gives
a=$((RANDOM % 9000 + 1000)); b=$((RANDOM % 90 + 7)); c=$((RANDOM % 50 + 3))
cat > "$TMP/value.py" <<EOF
def solution():
    """How many apples are left?"""
    apples = $a
    eaten = apples // $b
    left = apples - eaten * $c
    return left / 4
EOF
want=$(python3 -c "print(($a - ($a // $b) * $c) / 4)" 2>/dev/null)
printf 'def solution():\n    eggs = 16\n    return eggs // (eggs - 16)\n' > "$TMP/zero.py"
printf 'def solution():\n    x = 0\n    while True:\n        x += 1\n' > "$TMP/loop.py"
printf 'def solution():\n    x = 1\n    if x > 0\n        return x\n' > "$TMP/syntax.py"
printf 'total = 3\n' > "$TMP/noprog.py"

# usage and files
expect "--help" 0 "$("$PAD" exec --help)" "" "$PAD" exec --help
if "$PAD" exec --help | grep -qF '(line N)'; then pass; else fail "--help does not document the error format"; fi
expect "no file" 2 "" "pad: error:" "$PAD" exec
expect "two files" 2 "" "pad: error:" "$PAD" exec "$TMP/value.py" "$TMP/zero.py"
expect "bad executor" 2 "" "builtin or python" "$PAD" exec --executor perl "$TMP/value.py"
expect "unknown option" 2 "" "pad: error:" "$PAD" exec --fast "$TMP/value.py"
expect "bad timeout" 2 "" "--timeout" "$PAD" exec --timeout abc "$TMP/value.py"
expect "missing file" 1 "" "$TMP/absent.py" "$PAD" exec "$TMP/absent.py"

# the built-in executor
if [[ -n "$want" ]]; then
    expect "builtin value" 0 "$want" "" "$PAD" exec "$TMP/value.py"
    expect "builtin value from stdin" 0 "$want" "" "$PAD" exec - < "$TMP/value.py"
fi
expect "builtin error" 1 "" "ZeroDivisionError: integer division or modulo by zero (line 3)" "$PAD" exec "$TMP/zero.py"
expect "builtin syntax error" 1 "" "SyntaxError: " "$PAD" exec "$TMP/syntax.py"
expect "builtin no program" 1 "" "no_program" "$PAD" exec "$TMP/noprog.py"
expect "builtin step limit" 1 "" "step_limit: " "$PAD" exec --max-steps 5000 "$TMP/loop.py"
expect "builtin refuses imports" 1 "" "unsupported: " "$PAD" exec - <<< $'import os\ndef solution():\n    return os.getpid()\n'
printf 'def solution():\n    eggs = 16\n    sold = eggs - 3\n' > "$TMP/prefix_ok.py"
printf 'def solution():\n    eggs = 16\n    sold = egs - 3\n' > "$TMP/prefix_bad.py"
expect "prefix without error" 0 "*" "" "$PAD" exec --prefix "$TMP/prefix_ok.py"
expect "prefix with an error" 1 "" "NameError: name 'egs' is not defined (line 3)" "$PAD" exec --prefix "$TMP/prefix_bad.py"
expect "prefix is built-in only" 2 "" "--prefix" "$PAD" exec --prefix --executor python "$TMP/prefix_ok.py"

# the CPython executor
if command -v python3 > /dev/null; then
    expect "python value" 0 "$want" "" "$PAD" exec --executor python "$TMP/value.py"
    expect "python value from stdin" 0 "$want" "" "$PAD" exec --executor python - < "$TMP/value.py"
    expect "python error" 1 "" "ZeroDivisionError: integer division or modulo by zero (line 3)" \
        "$PAD" exec --executor python "$TMP/zero.py"
    expect "python syntax error" 1 "" "SyntaxError: " "$PAD" exec --executor python "$TMP/syntax.py"
    expect "python no program" 1 "" "no_program: " "$PAD" exec --executor python "$TMP/noprog.py"
    start=$SECONDS
    expect "python timeout" 1 "" "timeout: " "$PAD" exec --executor python --timeout 1 "$TMP/loop.py"
    if (( SECONDS - start <= 4 )); then pass; else fail "python timeout took $((SECONDS - start))s"; fi
    printf 'def solution():\n    open("%s/pwned", "w").write("x")\n    return 1\n' "$TMP" > "$TMP/write.py"
    expect "python cannot write" 1 "" "PermissionError: " "$PAD" exec --executor python "$TMP/write.py"
    if [[ ! -e "$TMP/pwned" ]]; then pass; else fail "the python sandbox let a program write a file"; fi
else
    echo "note: python3 not in PATH, the python executor cases are skipped"
fi

echo "$passed passed, $failed failed"
(( failed == 0 ))
