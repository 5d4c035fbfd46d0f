#!/usr/bin/env python3
"""The built-in executor against CPython on the real teacher programs
(../shared/data/pad-teacher/gsm8k_test_teacher_programs.jsonl, 1,315 rows).

Each row's `code` is cut down to its program as the verifier does: ``` fence
lines dropped, the text before the first top-level `def`/`import`/`from` line
dropped, and everything after the end of `def solution` dropped (a trailing
`print(solution())`, chatter).  Rows without exactly one `def solution` are
skipped and counted.  CPython runs the program in this process (under a
2-second alarm); pad runs it through exec_tool.  They agree on the same str()
of the value or the same exception class; pad's "unsupported" is counted, not
failed.

usage: python3 test_exec_real_teacher.py PATH_TO_PAD   (env PAD_BUILD_DIR: where exec_tool is)
"""
import json
import os
import re
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join("..", "shared", "data", "pad-teacher", "gsm8k_test_teacher_programs.jsonl")
TOP_LEVEL_START = re.compile(r"^(def |import |from )")


def extract_program(code):
    """The program in a teacher's text, or None without exactly one def solution."""
    lines = [l for l in code.replace("\r\n", "\n").split("\n") if not l.lstrip().startswith("```")]
    if sum(1 for l in lines if re.match(r"\s*def solution\b", l)) != 1:
        return None
    start = next((i for i, l in enumerate(lines) if TOP_LEVEL_START.match(l)), None)
    sol = next(i for i, l in enumerate(lines) if re.match(r"\s*def solution\b", l))
    if start is None or start > sol:
        start = sol
    end = sol + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    return "\n".join(lines[start:end]).rstrip() + "\n"


class _Alarm(BaseException):  # not caught as the program's own error
    pass


def _on_alarm(signum, frame):
    raise _Alarm()


def main():
    if not os.path.exists(DATA):
        print(f"skipped: {DATA} not found (run from the repository root)")
        return 77
    sys.path.insert(0, HERE)
    import test_exec_differential as diff

    rows = [json.loads(l) for l in open(DATA, encoding="utf-8") if l.strip()]
    programs, skipped = [], 0
    for row in rows:
        program = extract_program(row.get("code") or "")
        if program is None:
            skipped += 1
        else:
            programs.append(program)
    signal.signal(signal.SIGALRM, _on_alarm)
    refs = []
    for p in programs:
        signal.alarm(2)
        try:
            refs.append(diff.cpython_outcome(p))
        except _Alarm:
            refs.append({"outcome": "timeout", "error_type": "", "value_str": None})
        finally:
            signal.alarm(0)
    ours = diff.run_tool(programs)
    print(f"{len(rows)} rows: {len(programs)} programs, {skipped} skipped "
          f"(not exactly one def solution)")
    passed, failed = diff.report(programs, refs, ours, "teacher programs", 0.10)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
