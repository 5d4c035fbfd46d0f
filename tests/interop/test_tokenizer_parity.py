#!/usr/bin/env python3
"""pad's byte-level BPE tokenizers against Hugging Face's `tokenizers`.

Trains one tokenizer with `tokenizers` and one with pad on the same corpus,
then, for both files, encodes held-out text (other words, tricky whitespace,
several scripts, emoji, embedded special tokens) with pad and with
`tokenizers` and compares the ids exactly; the same for a RoBERTa-style
vocab.json + merges.txt directory (with <s> ... </s> wrapping and
<extra_id_N> added tokens) and a tokenizer.json with add_prefix_space.
The identifier pre-tokenizer ("_" a letter: a Split before ByteLevel), with
each digits mode, is trained by both on teacher programs (../shared/data,
or generated snake_case code when absent) and cross-loaded the same way.
decode(encode(x)) must give x back for random bytes.

usage: test_tokenizer_parity.py PATH_TO_PAD   (env PAD_BUILD_DIR: where tok_tool is)
Exit 77 when `tokenizers` does not import.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

try:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
except ImportError:
    print("tokenizers is not installed: skipped")
    sys.exit(77)

PAD = sys.argv[1] if len(sys.argv) > 1 else "build/pad"
TOOL = os.path.join(os.environ.get("PAD_BUILD_DIR", os.path.dirname(PAD)), "tok_tool")
SPECIALS = ["<pad>", "</s>", "<s>", "<unk>"]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


WORDS = {
    "en": "the a number of apples costs dollars each week she he they bought sold left total".split(),
    "fr": "élève café naïve garçon déjà où être très".split(),
    "de": "Straße Übung größer Mädchen fünf".split(),
    "el": "αλφάβητο λόγος Ελλάδα μήλα".split(),
    "ru": "яблоко Москва число сколько".split(),
    "ar": "مرحبا كتاب ٣٤ ١٢".split(),
    "hi": "नमस्ते संख्या ४२ १०".split(),
    "zh": "你好 世界 苹果 三个 數學".split(),
    "ja": "こんにちは カタカナ 漢字".split(),
    "emoji": ["😀", "🚀🚀", "👩‍💻", "🇫🇷", "✨x"],
    "num": ["12", "3.5", "1,600", "２０２６", "Ⅻ", "½", "x²"],
}
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\t ", "\u3000", "\u00a0", "\u2009 ",
          "    ", "\n    "]
CODE = [
    "def solution():\n    eggs_per_day = 16\n    sold = eggs_per_day - 3 - 4\n    result = sold * 2\n    return result\n",
    "for i in range(10):\n\tif i % 2 == 0:\n\t\tprint(i, 'even')  # comment\n",
    "x = {'a': [1, 2, 3], \"b\": (4.5, -6e3)}\nassert x['a'][0] != 0\n",
    "class Foo(object):\n    def __init__(self):\n        self.total_cost = 0.0  \n\n\n",
]
CONTRACTIONS = ["it's", "we're", "they've", "I'm", "you'll", "he'd", "don't", "IT'S", "'re", "''", "a'b"]


def document(rng, specials=True):
    parts = []
    for _ in range(rng.randint(20, 60)):
        r = rng.random()
        if r < 0.15:
            parts.append(rng.choice(CODE))
        elif r < 0.25:
            parts.append(rng.choice(SPACES))
        elif r < 0.32:
            parts.append(rng.choice(CONTRACTIONS))
        elif r < 0.35 and specials:
            parts.append(rng.choice(SPECIALS + ["<s >", "</s"]))
        elif r < 0.42:
            parts.append(rng.choice("!?.,;:()[]{}<>=+-*/\"'#$%&@^~`|\\"))
        else:
            parts.append(rng.choice(WORDS[rng.choice(list(WORDS))]))
        parts.append(rng.choice([" ", " ", " ", "", "\n", "  "]))
    return "".join(parts)


def pad_ids(tok_path, text, tmp, special=False):
    src, dst = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.ids")
    with open(src, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    cmd = [TOOL, "encode", tok_path, src, dst] + (["--special"] if special else [])
    subprocess.run(cmd, check=True)
    with open(dst) as f:
        return [int(x) for x in f.read().split()]


def pad_decode(tok_path, ids, tmp):
    src, dst = os.path.join(tmp, "in.ids"), os.path.join(tmp, "out.bin")
    with open(src, "w") as f:
        f.write("".join(f"{i}\n" for i in ids))
    subprocess.run([TOOL, "decode", tok_path, src, dst], check=True)
    with open(dst, "rb") as f:
        return f.read()


def compare(name, pad_path, hf, texts, tmp, special=False):
    bad = 0
    for i, text in enumerate(texts):
        want = hf.encode(text, add_special_tokens=special).ids
        got = pad_ids(pad_path, text, tmp, special)
        if got != want:
            bad += 1
            if bad <= 2:
                k = next((j for j in range(min(len(got), len(want))) if got[j] != want[j]), min(len(got), len(want)))
                print(f"  {name} text {i}: first difference at {k}: pad {got[k:k+6]} hf {want[k:k+6]}"
                      f" near {hf.decode(want[max(0, k-3):k+3])!r}")
    check(bad == 0, f"{name}: {bad} of {len(texts)} texts encode differently")


IDENTIFIER_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?[\p{L}_]+| ?\p{N}+| ?[^\s\p{L}\p{N}_]+|\s+(?!\S)|\s+"


def train_hf(corpus_path, vocab, digits=None, identifiers=False):
    tok = Tokenizer(models.BPE())
    steps = [pre_tokenizers.Digits(individual_digits=digits == "each")] if digits and digits != "keep" else []
    if identifiers:
        from tokenizers import Regex
        steps.append(pre_tokenizers.Split(Regex(IDENTIFIER_PATTERN), behavior="isolated", invert=False))
    steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=not identifiers))
    tok.pre_tokenizer = steps[0] if len(steps) == 1 else pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=SPECIALS, min_frequency=1,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([corpus_path], trainer)
    return tok


def train_pad(corpus_path, out, vocab, extra=()):
    cmd = [PAD, "tokenizer", "train", "--vocab-size", str(vocab), *extra]
    for s in SPECIALS:
        cmd += ["--special", s]
    cmd += [corpus_path, "--out", out]
    if os.path.exists(PAD) and subprocess.run(cmd, capture_output=True).returncode == 0:
        return "pad tokenizer train"
    if extra:
        raise RuntimeError(f"pad tokenizer train {' '.join(extra)} failed")
    subprocess.run([TOOL, "train", str(vocab), out, corpus_path] + SPECIALS, check=True)
    return "tok_tool train"


def teacher_programs():
    """Real teacher programs when ../shared/data has them, else generated
    snake_case code: (training documents, held-out documents)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data",
                        "pad-teacher", "gsm8k_test_teacher_programs.jsonl")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        docs = [r["question"] + "\n" + r["code"] for r in rows if r.get("code")]
        return docs[:500], docs[500:560]
    rng = random.Random(5)
    words = "eggs per day total cost price left books shelf num apples sold each week x".split()
    def program():
        names = ["_".join(rng.sample(words, rng.randint(1, 3))) + rng.choice(["", "_2", "_"]) for _ in range(4)]
        lines = [f"    {n} = {rng.randint(0, 5000)}" for n in names]
        lines.append(f"    result = {names[0]} * {names[1]} - {names[2]} / ({names[3]} + 1)")
        return "def solution():\n" + "\n".join(lines) + "\n    return result\n"
    return [program() for _ in range(800)], [program() for _ in range(60)]


def check_identifiers(tmp, odd):
    """Identifier pre-tokenizer with each digits mode: HF loads pad's file,
    both trainers' files encode alike in both, whole identifiers are learned."""
    train_docs, held_docs = teacher_programs()
    corpus = os.path.join(tmp, "programs.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(train_docs))
    texts = held_docs + odd + ["books_per_shelf = 27\n    left = books_per_shelf - x_2", "__init__ _ __ a_1_b", "_é_中_",
                               "it's_ok 'll_x", "snake_case_42 = CamelCase_9"]
    for mode in ("keep", "each", "runs"):
        hf = train_hf(corpus, 800, digits=mode, identifiers=True)
        hf_path = os.path.join(tmp, f"hf_ident_{mode}.json")
        hf.save(hf_path)
        pad_path = os.path.join(tmp, f"pad_ident_{mode}.json")
        train_pad(corpus, pad_path, 800, ["--identifiers", "--digits", mode])
        with open(pad_path) as f:
            pre = json.load(f)["pre_tokenizer"]
        kinds = [p["type"] for p in pre["pretokenizers"]]
        check(kinds == (["Split", "ByteLevel"] if mode == "keep" else ["Digits", "Split", "ByteLevel"]),
              f"identifiers {mode}: pre-tokenizers {kinds}")
        for who, path in (("hf-trained", hf_path), ("pad-trained", pad_path)):
            compare(f"identifiers digits {mode} {who}", path, Tokenizer.from_file(path), texts, tmp)
        vocab = Tokenizer.from_file(pad_path).get_vocab()
        whole = [t for t in vocab if "_" in t.strip("_\u0120") and t.replace("_", "").replace("\u0120", "").isalpha()]
        check(len(whole) >= 3, f"identifiers {mode}: {len(whole)} tokens hold whole snake_case names")
        gpt2_style = train_hf(corpus, 800, digits=mode)
        n_ident = sum(len(hf.encode(t).ids) for t in held_docs)
        n_gpt2 = sum(len(gpt2_style.encode(t).ids) for t in held_docs)
        print(f"identifiers digits {mode}: held-out programs {n_ident} tokens, {n_gpt2} with GPT-2's pattern")
        check(n_ident < n_gpt2, f"identifiers {mode}: fewer tokens ({n_ident} vs {n_gpt2})")


def roberta_dir(hf, tmp):
    """vocab.json + merges.txt with RoBERTa's specials and T5's <extra_id_N>."""
    d = os.path.join(tmp, "roberta")
    os.makedirs(d, exist_ok=True)
    hf.model.save(d)
    n = hf.get_vocab_size()
    extra = [f"<extra_id_{i}>" for i in range(100)]
    with open(os.path.join(d, "added_tokens.json"), "w") as f:
        json.dump({t: n + i for i, t in enumerate(extra)}, f)
    with open(os.path.join(d, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
                   "additional_special_tokens": extra}, f)
    ref = Tokenizer(models.BPE.from_file(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt")))
    ref.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    ref.decoder = decoders.ByteLevel()
    ref.add_special_tokens(SPECIALS + extra)
    ref.post_processor = processors.RobertaProcessing(("</s>", ref.token_to_id("</s>")),
                                                      ("<s>", ref.token_to_id("<s>")))
    check(ref.token_to_id("<extra_id_99>") == n + 99, "extra ids follow the vocabulary")
    return d, ref


def main():
    if not os.path.exists(TOOL):
        print(f"{TOOL} not built: skipped")
        return 77
    rng = random.Random(1234)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("".join(document(rng) for _ in range(300)))
        held = [document(random.Random(99 + i)) for i in range(40)]
        held += ["", " ", "  leading", "trailing  ", "\n\n\n", "a  \n  b", "   \t\n x", "<s></s><pad>",
                 "x<s>y", " <s> ", "日本語のテキスト", "🚀🚀🚀 go", "e\u0301t\u00e9", "\u00a0\u3000x"]

        hf = train_hf(corpus, 500)
        hf_path = os.path.join(tmp, "hf.json")
        hf.save(hf_path)
        pad_path = os.path.join(tmp, "pad.json")
        how = train_pad(corpus, pad_path, 500)
        print(f"trained with tokenizers and with {how}")
        pad_by_hf = Tokenizer.from_file(pad_path)
        check(pad_by_hf.get_vocab_size() == 500, f"pad's file has 500 tokens ({pad_by_hf.get_vocab_size()})")
        check([pad_by_hf.token_to_id(s) for s in SPECIALS] == [0, 1, 2, 3], "specials are ids 0..3")

        for name, path in (("hf-trained", hf_path), ("pad-trained", pad_path)):
            ref = Tokenizer.from_file(path)
            compare(name, path, ref, held, tmp)
            ids = ref.encode(held[0]).ids
            check(pad_decode(path, ids, tmp) == held[0].encode("utf-8"), f"{name}: pad decodes HF's ids")

        # the comparison can fail: the two trainers' files do differ somewhere
        check(any(pad_ids(pad_path, t, tmp) != hf.encode(t).ids for t in held[:5]),
              "pad-trained and hf-trained tokenizers differ (negative control)")

        # ByteLevel with add_prefix_space, in a Sequence, "a b" merges
        with open(hf_path) as f:
            spec = json.load(f)
        spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]}
        spec["model"]["merges"] = [" ".join(m) if isinstance(m, list) else m for m in spec["model"]["merges"]]
        prefixed = os.path.join(tmp, "prefixed.json")
        with open(prefixed, "w") as f:
            json.dump(spec, f)
        compare("add_prefix_space", prefixed, Tokenizer.from_file(prefixed), held, tmp)

        # Digits(individual_digits) then ByteLevel: trained by both, cross-loaded
        numeric = held + ["x = 12345 + 0.5", "total_pages = 154", "٣٤٥ and ۱۲", "a1b22c333", " 7", "1 2  3",
                          "\u00bd of 10\u00b2", "2024-11-24T20:41"]
        for mode in ("each", "runs"):
            hf_digits = train_hf(corpus, 400, digits=mode)
            hf_digits_path = os.path.join(tmp, f"hf_digits_{mode}.json")
            hf_digits.save(hf_digits_path)
            pad_digits_path = os.path.join(tmp, f"pad_digits_{mode}.json")
            train_pad(corpus, pad_digits_path, 400, ["--digits", mode])
            for who, path in (("hf-trained", hf_digits_path), ("pad-trained", pad_digits_path)):
                ref = Tokenizer.from_file(path)
                compare(f"digits {mode} {who}", path, ref, numeric, tmp)
            toks = Tokenizer.from_file(pad_digits_path).encode("total_pages = 154 and $2024").tokens
            numbers = [t for t in toks if any(c.isdigit() for c in t)]
            ok = all(t.isdigit() for t in numbers) and (mode == "runs" or all(len(t) == 1 for t in numbers))
            check(ok and "".join(numbers) == "1542024", f"digits {mode}: {toks}")

        check_identifiers(tmp, numeric)

        d, ref = roberta_dir(hf, tmp)
        texts = held + ["fill <extra_id_0> and<extra_id_12>then <extra_id_99>", "<extra_id_100>"]
        compare("roberta vocab+merges", d, ref, texts, tmp, special=True)
        compare("roberta raw", d, ref, texts, tmp, special=False)

        # decode(encode(x)) == x for arbitrary bytes, invalid UTF-8 and NUL included
        for i in range(5):
            blob = bytes(random.Random(i).randrange(256) for _ in range(5000)) + b"\x00\xff\xc3(" + "é".encode()
            for path in (pad_path, d):
                check(pad_decode(path, pad_ids(path, blob, tmp), tmp) == blob, f"bytes round trip {i} {path}")
            src, out = os.path.join(tmp, "blob"), os.path.join(tmp, "blob.out")
            with open(src, "wb") as f:
                f.write(blob)
            subprocess.run([TOOL, "roundtrip-bytes", src, out], check=True)
            with open(out, "rb") as f:
                check(f.read() == blob, f"byte tokenizer round trip {i}")

        big = os.path.join(tmp, "big.txt")
        with open(big, "w", encoding="utf-8") as f:
            f.write("".join(document(random.Random(7000 + i), specials=False) for i in range(3000)))
        size = os.path.getsize(big)
        t0 = time.time()
        subprocess.run([TOOL, "encode", pad_path, big, os.path.join(tmp, "big.ids")], check=True)
        dt = time.time() - t0
        print(f"encode speed: {size / 1e6:.1f} MB in {dt:.2f} s = {size / 1e6 / dt:.1f} MB/s (tok_tool, incl. I/O)")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
