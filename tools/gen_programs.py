#!/usr/bin/env python3
"""Random reasoning programs in pad's Python subset, for differential tests of
the built-in executor against CPython.

    python3 tools/gen_programs.py --seed 1 --count 10000 [--out programs.jsonl]

Writes JSONL {"id": N, "code": "..."}.  The same seed gives the same programs
(the generator uses its own random.Random and nothing else).  Importable:
generate(seed, count) -> list of program texts.

Each program is `def solution():` (sometimes after a helper function) with
assignments, arithmetic on ints and floats (negatives, // % ** /), comparisons
(chained too), and/or/not, if/elif/else, for/while with break/continue,
lists, tuples, dicts, indexing, slicing, the builtins abs round int float str
len min max sum range sorted list, math.*, and list comprehensions.  About one
program in six raises (NameError, ZeroDivisionError, TypeError, IndexError,
KeyError, ValueError) and about one in fifty is a syntax error.  Candidates
whose integers leave +-2**31 in any variable, or that run too long, are
drawn again, so values stay far inside int64.
"""
import argparse
import json
import random
import sys

INT_LIMIT = 2 ** 31
MAX_TRACE_EVENTS = 5000


class _Reject(Exception):
    pass


class _Gen:
    def __init__(self, rng):
        self.r = rng
        self.vars = {}      # name -> type: int float bool str list tuple dict
        self.lens = {}      # list/tuple name -> known length
        self.keys = {}      # dict name -> its keys
        self.helpers = []   # (name, arity)
        self.lines = []
        self.counter = 0
        self.loop_vars = set()

    # ---- names and atoms ----
    def fresh(self):
        self.counter += 1
        words = ["total", "count", "price", "apples", "cost", "left", "rate", "days",
                 "width", "score", "boxes", "share", "pages", "miles", "eggs", "hours"]
        return "%s_%d" % (self.r.choice(words), self.counter)

    def of_type(self, t):
        return [n for n, ty in self.vars.items() if ty == t]

    def int_lit(self):
        r = self.r.random()
        if r < 0.6:
            v = self.r.randint(0, 20)
        elif r < 0.85:
            v = self.r.randint(21, 500)
        else:
            v = self.r.randint(501, 100000)
        return str(v) if self.r.random() > 0.12 else "-%d" % v

    def float_lit(self):
        return self.r.choice(["0.1", "0.2", "0.3", "1.5", "2.25", "0.75", "3.14", "1e-3",
                              "2.5", "0.5", "10.0", "7.1", "1.1", "100.0", "0.05"])

    def int_atom(self):
        names = self.of_type("int")
        if names and self.r.random() < 0.6:
            return self.r.choice(names)
        return self.int_lit()

    # ---- expressions by type ----
    def int_expr(self, depth=2):
        r = self.r
        if depth <= 0 or r.random() < 0.25:
            return self.int_atom()
        k = r.random()
        if k < 0.35:
            op = r.choice(["+", "-", "+", "-", "*"])
            left = self.int_expr(depth - 1)
            right = self.int_atom() if op == "*" else self.int_expr(depth - 1)
            return "(%s %s %s)" % (left, op, right) if depth < 2 else "%s %s %s" % (left, op, right)
        if k < 0.48:
            op = r.choice(["//", "%"])
            div = str(r.choice([2, 3, 4, 5, 7, 10, -3, -4])) if r.random() < 0.85 else self.int_atom()
            return "(%s %s %s)" % (self.int_expr(depth - 1), op, div)
        if k < 0.53:
            base = r.choice([str(r.randint(-9, 12)), self.int_atom()])
            return "%s ** %d" % (base if base.lstrip("-").isdigit() and not base.startswith("-")
                                 else "(%s)" % base, r.randint(0, 2))
        if k < 0.6:
            return "abs(%s)" % self.int_expr(depth - 1)
        if k < 0.68:
            f = r.choice(["min", "max"])
            args = [self.int_expr(depth - 1) for _ in range(r.randint(2, 3))]
            return "%s(%s)" % (f, ", ".join(args))
        if k < 0.74:
            f = r.choice(["int", "round"])
            return "%s(%s)" % (f, self.float_expr(depth - 1))
        if k < 0.8:
            lists = [n for n in self.of_type("list") if n in self.lens]
            if lists:
                n = r.choice(lists)
                choice = r.random()
                if choice < 0.4:
                    return "len(%s)" % n
                if choice < 0.7 and self.lens[n] > 0:
                    i = r.randint(-self.lens[n], self.lens[n] - 1)
                    return "%s[%d]" % (n, i)
                return "sum(%s)" % n
            return "len(%s)" % self.str_expr()
        if k < 0.85:
            dicts = self.of_type("dict")
            if dicts:
                n = r.choice(dicts)
                return "%s[%r]" % (n, r.choice(self.keys[n]))
            return "(%s if %s else %s)" % (self.int_atom(), self.bool_expr(0), self.int_atom())
        if k < 0.9 and self.helpers:
            name, arity = r.choice(self.helpers)
            return "%s(%s)" % (name, ", ".join(self.int_atom() for _ in range(arity)))
        if k < 0.95:
            return "(%s if %s else %s)" % (self.int_expr(depth - 1), self.bool_expr(depth - 1),
                                           self.int_expr(depth - 1))
        tuples = [n for n in self.of_type("tuple") if n in self.lens]
        if tuples:
            n = r.choice(tuples)
            return "%s[%d]" % (n, r.randint(0, self.lens[n] - 1))
        return "-%s" % self.int_atom()

    def float_expr(self, depth=2):
        r = self.r
        names = self.of_type("float")
        if depth <= 0 or r.random() < 0.25:
            if names and r.random() < 0.5:
                return r.choice(names)
            return self.float_lit()
        k = r.random()
        if k < 0.3:
            return "%s / %s" % (self.int_expr(depth - 1), r.choice(["3", "7", "4", "2", "6", "9", "-8"]))
        if k < 0.55:
            op = r.choice(["+", "-", "*"])
            return "(%s %s %s)" % (self.float_expr(depth - 1), op,
                                   self.float_lit() if op == "*" else self.float_expr(depth - 1))
        if k < 0.65:
            return "round(%s, %d)" % (self.float_expr(depth - 1), r.randint(0, 3))
        if k < 0.75:
            return "math.%s(abs(%s))" % (r.choice(["sqrt", "sqrt", "log", "exp"]) if r.random() < 0.3
                                         else "sqrt", self.int_expr(depth - 1)) \
                if r.random() < 0.7 else "math.pi * %s" % self.float_lit()
        if k < 0.8:
            return "float(%s)" % self.int_expr(depth - 1)
        if k < 0.85:
            return "float(%r)" % r.choice(["3.5", "-2.25", "0.1", "1e3", "7"])
        if k < 0.9:
            return "%s %s %s" % (self.float_expr(depth - 1), r.choice(["//", "%"]),
                                 r.choice(["2.5", "0.3", "1.5", "-2.0"]))
        return "abs(%s - %s)" % (self.float_expr(depth - 1), self.int_atom())

    def num_expr(self, depth=2):
        return self.int_expr(depth) if self.r.random() < 0.65 else self.float_expr(depth)

    def bool_expr(self, depth=1):
        r = self.r
        k = r.random()
        cmp = ["<", "<=", ">", ">=", "==", "!="]
        if k < 0.45 or depth <= 0:
            return "%s %s %s" % (self.num_expr(1), r.choice(cmp), self.num_expr(1))
        if k < 0.6:
            return "%s %s %s %s %s" % (self.int_atom(), r.choice(["<", "<="]), self.int_expr(1),
                                       r.choice(["<", "<="]), self.int_atom())
        if k < 0.75:
            return "%s %s %s" % (self.bool_expr(depth - 1), r.choice(["and", "or"]), self.bool_expr(depth - 1))
        if k < 0.85:
            return "not %s" % self.bool_expr(depth - 1)
        lists = self.of_type("list")
        if lists:
            return "%s %sin %s" % (self.int_atom(), r.choice(["", "not "]), r.choice(lists))
        return "%s %% 2 == 0" % self.int_atom()

    def str_expr(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return "str(%s)" % self.num_expr(1)
        if k < 0.5:
            return repr(r.choice(["yes", "no", "apples", "Monday", "a b", ""]))
        names = self.of_type("str")
        if names and k < 0.8:
            return "%s + %r" % (r.choice(names), r.choice(["!", " each", "s"]))
        return "str(%s) + %r" % (self.int_atom(), r.choice([" dollars", "%", ""]))

    def list_expr(self):
        """-> (expr, known length or None)"""
        r = self.r
        k = r.random()
        if k < 0.35:
            n = r.randint(0, 6)
            return "[%s]" % ", ".join(self.int_expr(1) for _ in range(n)), n
        if k < 0.5:
            a, b = r.randint(-5, 5), r.randint(0, 12)
            return "list(range(%d, %d))" % (a, b), max(0, b - a)
        if k < 0.7:
            v = "x"
            cond = " if %s %% %d == %d" % (v, r.randint(2, 3), r.randint(0, 1)) if r.random() < 0.4 else ""
            n = r.randint(0, 10)
            body = r.choice(["x * %d" % r.randint(1, 9), "x + %s" % self.int_atom(), "x ** 2", "x // 2", "-x"])
            return "[%s for x in range(%d)%s]" % (body, n, cond), (None if cond else n)
        lists = [n for n in self.of_type("list") if n in self.lens]
        if lists:
            n = r.choice(lists)
            m = self.lens[n]
            c = r.random()
            if c < 0.4:
                return "sorted(%s)" % n, m
            if c < 0.55:
                return "sorted(%s, reverse=True)" % n, m
            if c < 0.8:
                a, b = r.randint(-3, 3), r.randint(-2, 6)
                return "%s[%d:%d]" % (n, a, b), len(list(range(m))[a:b])
            return "%s[::-1]" % n, m
        return "[%s, %s]" % (self.int_expr(1), self.int_expr(1)), 2

    # ---- statements ----
    def emit(self, indent, text):
        self.lines.append("    " * indent + text)

    def assign_new(self, indent):
        r = self.r
        name = self.fresh()
        k = r.random()
        if k < 0.45:
            self.emit(indent, "%s = %s" % (name, self.int_expr()))
            self.vars[name] = "int"
        elif k < 0.65:
            self.emit(indent, "%s = %s" % (name, self.float_expr()))
            self.vars[name] = "float"
        elif k < 0.78:
            expr, n = self.list_expr()
            self.emit(indent, "%s = %s" % (name, expr))
            self.vars[name] = "list"
            if n is not None:
                self.lens[name] = n
        elif k < 0.84:
            keys = r.sample(["a", "b", "red", "blue", "mon", "tue"], r.randint(1, 4))
            self.emit(indent, "%s = {%s}" % (name, ", ".join("%r: %s" % (key, self.int_expr(1)) for key in keys)))
            self.vars[name] = "dict"
            self.keys[name] = keys
        elif k < 0.9:
            n = r.randint(1, 4)
            self.emit(indent, "%s = (%s)" % (name, ", ".join(self.int_expr(1) for _ in range(n)) + ("," if n == 1 else "")))
            self.vars[name] = "tuple"
            self.lens[name] = n
        elif k < 0.95:
            self.emit(indent, "%s = %s" % (name, self.str_expr()))
            self.vars[name] = "str"
        else:
            self.emit(indent, "%s = %s" % (name, self.bool_expr()))
            self.vars[name] = "bool"

    def update(self, indent):
        """Reassigns an existing int or float variable (keeps its type)."""
        r = self.r
        ints = [n for n in self.of_type("int") if n not in self.loop_vars]
        floats = self.of_type("float")
        if ints and (not floats or r.random() < 0.7):
            n = r.choice(ints)
            op = r.choice(["+=", "-=", "+=", "=", "//=", "%="])
            if op in ("//=", "%="):
                self.emit(indent, "%s %s %s" % (n, op, r.choice(["2", "3", "5", "-4"])))
            else:
                self.emit(indent, "%s %s %s" % (n, op, self.int_expr(1)))
        elif floats:
            n = r.choice(floats)
            self.emit(indent, "%s %s %s" % (n, r.choice(["+=", "-=", "*=", "/="]),
                                             r.choice(["2", "1.5", "0.1", "4", "3"])))
        else:
            self.assign_new(indent)

    def block(self, indent, n):
        for _ in range(n):
            self.update(indent)

    def if_stmt(self, indent):
        r = self.r
        self.emit(indent, "if %s:" % self.bool_expr())
        self.block(indent + 1, r.randint(1, 2))
        for _ in range(r.randint(0, 2)):
            self.emit(indent, "elif %s:" % self.bool_expr())
            self.block(indent + 1, 1)
        if r.random() < 0.6:
            self.emit(indent, "else:")
            self.block(indent + 1, r.randint(1, 2))

    def for_stmt(self, indent):
        r = self.r
        v = "i%d" % self.counter
        self.counter += 1
        lists = self.of_type("list")
        if lists and r.random() < 0.35:
            self.emit(indent, "for %s in %s:" % (v, r.choice(lists)))
        else:
            a, b = r.randint(-3, 3), r.randint(0, 12)
            step = r.choice(["", "", ", 2", ", 3"])
            self.emit(indent, "for %s in range(%d, %d%s):" % (v, a, b, step))
        self.vars[v] = "int"
        self.loop_vars.add(v)
        if r.random() < 0.3:
            self.emit(indent + 1, "if %s %% %d == 0:" % (v, r.randint(2, 4)))
            self.emit(indent + 2, r.choice(["continue", "break", "continue"]))
        self.block(indent + 1, r.randint(1, 2))
        del self.vars[v]
        self.loop_vars.discard(v)

    def while_stmt(self, indent):
        r = self.r
        v = "n%d" % self.counter
        self.counter += 1
        self.emit(indent, "%s = 0" % v)
        self.emit(indent, "while %s < %d:" % (v, r.randint(0, 10)))
        self.emit(indent + 1, "%s += 1" % v)
        self.vars[v] = "int"
        self.loop_vars.add(v)
        if r.random() < 0.3:
            self.emit(indent + 1, "if %s > %s:" % (v, self.int_atom()))
            self.emit(indent + 2, "break")
        self.block(indent + 1, r.randint(1, 2))
        self.loop_vars.discard(v)

    def helper(self):
        r = self.r
        name = "helper_%d" % len(self.helpers)
        arity = r.randint(1, 2)
        params = ["a", "b"][:arity]
        saved = self.vars
        self.vars = {p: "int" for p in params}
        self.lines.append("def %s(%s):" % (name, ", ".join(params)))
        if r.random() < 0.4:
            self.emit(1, "if %s:" % self.bool_expr(0))
            self.emit(2, "return %s" % self.int_expr(1))
        self.emit(1, "return %s" % self.int_expr(1))
        self.lines.append("")
        self.vars = saved
        self.helpers.append((name, arity))

    def result_expr(self):
        r = self.r
        k = r.random()
        if k < 0.7:
            nums = self.of_type("int") + self.of_type("float")
            if nums and r.random() < 0.6:
                return r.choice(nums)
            return self.num_expr()
        others = [n for n, t in self.vars.items() if t not in ("int", "float")]
        if others:
            return r.choice(others)
        return self.bool_expr()

    def program(self):
        r = self.r
        if r.random() < 0.4:
            self.lines.append("import math")
            self.lines.append("")
        if r.random() < 0.25:
            self.helper()
        self.lines.append("def solution():")
        if r.random() < 0.3:
            self.emit(1, '"""A word problem, as teachers write them."""')
        name = self.fresh()  # an int to update from the start: blocks never define names
        self.emit(1, "%s = %s" % (name, self.int_expr()))
        self.vars[name] = "int"
        for _ in range(r.randint(2, 7)):
            k = r.random()
            if k < 0.55:
                self.assign_new(1)
            elif k < 0.7:
                self.update(1)
            elif k < 0.82:
                self.if_stmt(1)
            elif k < 0.94:
                self.for_stmt(1)
            else:
                self.while_stmt(1)
        self.emit(1, "return %s" % self.result_expr())
        text = "\n".join(self.lines) + "\n"
        if "math." in text and "import math" not in text:
            text = "import math\n\n" + text
        return text


# ---- errors: a statement that raises, or a broken line ----

RAISING = [
    "missing_total = undefined_total + 1",            # NameError
    "oops = 10 // (3 - 3)",                           # ZeroDivisionError
    "oops = 5 / 0.0",                                 # ZeroDivisionError
    "oops = 7 % 0",                                   # ZeroDivisionError
    "oops = 'apples' + 3",                            # TypeError
    "oops = len(42)",                                 # TypeError
    "oops = [1, 2, 3][5]",                            # IndexError
    "oops = {'a': 1}['b']",                           # KeyError
    "oops = int('twelve')",                           # ValueError
    "oops = float('1,5')",                            # ValueError
    "oops = max([])",                                 # ValueError
    "oops = (1, 2)[-3]",                              # IndexError
    "oops = math.sqrt(-1)",                           # ValueError (math domain error)
    "oops = sum(['a', 'b'])",                         # TypeError
]


def _inject_error(rng, text):
    lines = text.split("\n")
    body = [i for i, l in enumerate(lines) if l.startswith("    ") and not l.startswith("        ")
            and not l.strip().startswith(('"""', "elif", "else"))]
    at = rng.choice(body) if body else len(lines) - 1
    stmt = rng.choice(RAISING)
    if "math." in stmt and "import math" not in text:
        stmt = RAISING[0]
    lines.insert(at, "    " + stmt)
    return "\n".join(lines)


def _break_syntax(rng, text):
    lines = text.split("\n")
    compound = [i for i, l in enumerate(lines) if l.rstrip().endswith(":")]
    k = rng.random()
    if k < 0.4 and compound:
        i = rng.choice(compound)
        lines[i] = lines[i].rstrip()[:-1]
    elif k < 0.7:
        i = rng.randrange(len(lines) - 1)
        lines[i] = lines[i] + " + (2"
    else:
        i = rng.randrange(1, len(lines) - 1)
        lines.insert(i, "      x = 1")
    return "\n".join(lines)


def _within_limits(text):
    """Runs the candidate; False when an int leaves +-INT_LIMIT or it runs long."""
    events = [0]

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != "<gen>":
            return None
        events[0] += 1
        if events[0] > MAX_TRACE_EVENTS:
            raise _Reject()
        values = list(frame.f_locals.values())
        if event == "return":
            values.append(arg)
        for v in values:
            if type(v) is int and not -INT_LIMIT < v < INT_LIMIT:
                raise _Reject()
            if type(v) in (list, tuple) and any(type(x) is int and not -INT_LIMIT < x < INT_LIMIT for x in v):
                raise _Reject()
        return tracer

    try:
        code = compile(text, "<gen>", "exec")
    except SyntaxError:
        return True
    g = {"__name__": "__gen__"}
    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        exec(code, g)
        g["solution"]()
    except _Reject:
        return False
    except Exception:
        pass
    finally:
        sys.settrace(old)
    return True


def one_program(rng):
    while True:
        text = _Gen(rng).program()
        k = rng.random()
        if k < 0.02:
            text = _break_syntax(rng, text)
        elif k < 0.15:
            text = _inject_error(rng, text)
        if _within_limits(text):
            return text


def generate(seed, count):
    rng = random.Random(seed)
    return [one_program(rng) for _ in range(count)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", help="JSONL file (default stdout)")
    a = ap.parse_args()
    out = open(a.out, "w") if a.out else sys.stdout
    for i, text in enumerate(generate(a.seed, a.count)):
        out.write(json.dumps({"id": i, "code": text}) + "\n")
    if a.out:
        out.close()


if __name__ == "__main__":
    main()
