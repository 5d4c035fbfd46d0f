#!/usr/bin/env python3
"""The built-in executor against CPython itself on >= 10,000 random programs.

tools/gen_programs.py (fixed seed) writes programs in the reasoning subset;
each runs here in CPython (exec in a fresh dict, solution() called, the same
fields the executors report) and through pad's built-in executor (the
exec_tool helper).  They agree when both return a value with the same str(),
or both raise the same exception class (pad may name a base class CPython's
exception derives from, e.g. NameError for UnboundLocalError: counted apart).
Programs pad reports "unsupported" are counted and listed, not failed.

usage: python3 test_exec_differential.py PATH_TO_PAD   (env PAD_BUILD_DIR: where exec_tool is)
"""
import collections
import contextlib
import io
import json
import os
import subprocess
import sys
import traceback

SEED = 20261124
COUNT = 10000
PYTHON_SAMPLE = 250
INT64 = 2 ** 63
MAX_DEPTH = 100  # exec_limits_default's max_depth: solution() is depth 1

HERE = os.path.dirname(os.path.abspath(__file__))


def tool_path():
    build = os.environ.get("PAD_BUILD_DIR")
    if not build and len(sys.argv) > 1:
        build = os.path.dirname(os.path.abspath(sys.argv[1]))
    path = os.path.join(build or ".", "exec_tool")
    if not os.access(path, os.X_OK):
        print(f"FAIL: exec_tool not found at {path} (set PAD_BUILD_DIR)")
        sys.exit(1)
    return path


def run_tool(programs, *args):
    """programs: list of code strings -> list of result dicts, in order."""
    text = "".join(json.dumps({"id": i, "code": c}) + "\n" for i, c in enumerate(programs))
    res = subprocess.run([tool_path(), *args], input=text, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"FAIL: exec_tool exited {res.returncode}: {res.stderr.strip()[-2000:]}")
        sys.exit(1)
    out = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    if len(out) != len(programs):
        print(f"FAIL: exec_tool answered {len(out)} of {len(programs)} programs")
        sys.exit(1)
    return out


def _line_of(exc):
    line = 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<program>":
            line = lineno
    return line


def _depth():
    f, n = sys._getframe(1), 0
    while f is not None:
        f, n = f.f_back, n + 1
    return n


def _failure(outcome, exc, line):
    msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)  # without "(<program>, line N)"
    return {"outcome": outcome, "error_type": type(exc).__name__, "error_message": msg,
            "line": line or 0, "value_str": None, "value_repr": None, "exc_class": type(exc)}


def cpython_outcome(code):
    """What CPython does with the program, in exec_tool's fields (plus exc_class)."""
    try:
        compiled = compile(code, "<program>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return _failure("error", exc, getattr(exc, "lineno", 0))
    g = {"__name__": "__main__"}
    old_limit = sys.getrecursionlimit()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            sys.setrecursionlimit(_depth() + MAX_DEPTH)
            exec(compiled, g)
            fn = g.get("solution")
            if not callable(fn):
                return {"outcome": "no_program", "error_type": "", "value_str": None}
            value = fn()
    except RecursionError as exc:
        return _failure("recursion_limit", exc, _line_of(exc))
    except MemoryError as exc:
        return _failure("memory_limit", exc, _line_of(exc))
    except Exception as exc:
        return _failure("error", exc, _line_of(exc))
    finally:
        sys.setrecursionlimit(old_limit)
    if isinstance(value, int) and not -INT64 <= value < INT64:
        return {"outcome": "overflow", "error_type": "", "value_str": None}
    return {"outcome": "ok", "error_type": "", "line": 0, "value_str": str(value),
            "value_repr": repr(value)}


def compare(ref, ours):
    """-> 'same', 'base_class' (pad names a base of CPython's class), 'unsupported' or 'mismatch'."""
    if ours["outcome"] == "unsupported":
        return "unsupported"
    if {ref["outcome"], ours["outcome"]} <= {"timeout", "step_limit"}:
        return "same"  # an endless loop: CPython's clock and pad's step count
    if ref["outcome"] != ours["outcome"]:
        return "mismatch"
    if ref["outcome"] == "ok":
        return "same" if ref["value_str"] == ours["value_str"] else "mismatch"
    if ref["outcome"] != "error" or ref["error_type"] == ours["error_type"]:
        return "same"
    bases = [c.__name__ for c in ref["exc_class"].__mro__[1:] if c not in (BaseException, Exception)]
    return "base_class" if ours["error_type"] in bases else "mismatch"


def describe(r):
    if r["outcome"] == "ok":
        return f"ok {r['value_str']!r}"
    if r["outcome"] == "error":
        return f"{r['error_type']}: {r.get('error_message', '')} (line {r.get('line', 0)})"
    return f"{r['outcome']}: {r.get('error_message', '')}"


def report(programs, refs, ours, label, max_unsupported):
    """Prints the comparison; returns (passed, failed).  More than
    max_unsupported (a fraction) programs refused by pad is one more failure:
    a test where everything is refused would prove nothing."""
    kinds = collections.Counter()
    mismatches, unsupported = [], collections.Counter()
    line_diff = 0
    for i, (ref, got) in enumerate(zip(refs, ours)):
        kind = compare(ref, got)
        kinds[kind] += 1
        if kind == "mismatch":
            mismatches.append(i)
        elif kind == "unsupported":
            unsupported[got.get("error_message", "")[:80]] += 1
        elif ref["outcome"] == "error" and ref.get("line", 0) != got.get("line", 0):
            line_diff += 1
    outcomes = collections.Counter(r["outcome"] if r["outcome"] != "error" else r["error_type"] for r in refs)
    print(f"{label}: {len(programs)} programs; CPython: " +
          ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    print(f"  same {kinds['same']}, same up to a base class {kinds['base_class']}, "
          f"unsupported by pad {kinds['unsupported']}, mismatches {kinds['mismatch']}")
    print(f"  errors of the same class on a different line: {line_diff}")
    for msg, n in unsupported.most_common(10):
        print(f"  unsupported x{n}: {msg}")
    for i in mismatches[:20]:
        print(f"--- MISMATCH program {i}: CPython {describe(refs[i])} | pad {describe(ours[i])}")
        print(programs[i].rstrip())
    too_many = kinds["unsupported"] > max_unsupported * len(programs)
    if too_many:
        print(f"FAIL: pad refused {kinds['unsupported']} programs, more than "
              f"{max_unsupported:.0%} of {len(programs)}")
    return (len(programs) - len(mismatches), len(mismatches) + too_many)


def main():
    sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
    import gen_programs

    programs = gen_programs.generate(SEED, COUNT)
    refs = [cpython_outcome(p) for p in programs]
    ours = run_tool(programs)
    passed, failed = report(programs, refs, ours, f"generated (seed {SEED})", 0.02)
    # the CPython executor's harness must agree with CPython run here (a sample:
    # one process each); it never refuses a program
    sample = list(range(0, COUNT, COUNT // PYTHON_SAMPLE))
    ours_py = run_tool([programs[i] for i in sample], "--executor", "python")
    p, f = report([programs[i] for i in sample], [refs[i] for i in sample], ours_py,
                  "python executor sample", 0.0)
    passed, failed = passed + p, failed + f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
