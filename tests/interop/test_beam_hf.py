"""Beam search against transformers: small random T5 and GPT-2 models made
with transformers decode the same hypotheses, token for token and in the
same order, with pad's beam search (beam_tool, the whole batch at once) as
with model.generate(num_beams=k, ...) one prompt at a time, for k in 2, 4,
length penalties 0.6, 1.0, 2.0, early stopping on and off, and n-best
returns; the scores agree to float precision.  A small vocabulary with the
eos logit raised makes hypotheses end by eos as well as by the limit.
Usage: python3 test_beam_hf.py PATH_TO_PAD (env PAD_BUILD_DIR: where beam_tool is;
exit 77 without torch/transformers)."""
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import transformers
except ImportError:
    print("torch or transformers missing: skipped")
    sys.exit(77)

VOCAB, PAD, EOS, MAX_NEW = 24, 0, 1, 10
SETTINGS = [(k, lp, es, k if es else max(1, k // 2)) for k in (2, 4) for lp in (0.6, 1.0, 2.0)
            for es in (True, False)]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def prompts(seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for n in (3, 7, 1, 10):
        ids = torch.randint(2, VOCAB, (n,), generator=g).tolist()
        out.append(ids + [EOS])
    return out


def widen(model, seed, eos_row):
    """Wide uniform weights (clear margins between candidates), and eos_row
    added to the eos row of the output embedding: tuned so that some
    hypotheses end by eos and others run to the limit."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=g) - 0.5)
        head = model.get_output_embeddings().weight
        head[EOS] += eos_row


def t5_model():
    cfg = transformers.T5Config(vocab_size=VOCAB, d_model=32, d_kv=8, num_heads=4, d_ff=64,
                                num_layers=2, num_decoder_layers=2, pad_token_id=PAD,
                                eos_token_id=EOS, decoder_start_token_id=PAD, dropout_rate=0.0)
    return transformers.T5ForConditionalGeneration(cfg)


def gpt2_model():
    cfg = transformers.GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=32, n_layer=2, n_head=4,
                                  bos_token_id=EOS, eos_token_id=EOS, resid_pdrop=0.0,
                                  embd_pdrop=0.0, attn_pdrop=0.0)
    return transformers.GPT2LMHeadModel(cfg)


def cut(seq):
    """A generated sequence up to its first eos (included)."""
    return seq[:seq.index(EOS) + 1] if EOS in seq else seq


def hf_hyps(model, is_t5, prompt, k, lp, es, nret):
    ids = torch.tensor([prompt])
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             num_beams=k, num_return_sequences=nret, length_penalty=lp,
                             early_stopping=es, max_new_tokens=MAX_NEW, pad_token_id=PAD,
                             eos_token_id=EOS, return_dict_in_generate=True, output_scores=True)
    start = 1 if is_t5 else len(prompt)
    return [(cut(s.tolist()[start:]), float(sc)) for s, sc in
            zip(out.sequences, out.sequences_scores)]


def pad_hyps(tool, ckpt, batch, k, lp, es, nret):
    text = "".join(" ".join(map(str, p)) + "\n" for p in batch)
    r = subprocess.run([tool, ckpt, str(k), str(nret), str(MAX_NEW), str(lp), str(int(es))],
                       input=text, capture_output=True, text=True)
    check(r.returncode == 0, "beam_tool: " + r.stderr)
    got = [[] for _ in batch]
    for line in r.stdout.splitlines():
        f = line.split()
        got[int(f[0])].append(([int(t) for t in f[3:]], float(f[2])))
    return got


def compare(name, tool, ckpt, model, is_t5, batch, stats):
    for k, lp, es, nret in SETTINGS:
        got = pad_hyps(tool, ckpt, batch, k, lp, es, nret)
        for q, prompt in enumerate(batch):
            want = hf_hyps(model, is_t5, prompt, k, lp, es, nret)
            tag = f"{name} k={k} lp={lp} es={es} n={nret} prompt {q}"
            check([t for t, _ in got[q]] == [t for t, _ in want],
                  f"{tag}: pad {got[q]} != transformers {want}")
            for (_, gs), (_, ws) in zip(got[q], want):
                check(abs(gs - ws) <= 1e-4 * (1 + abs(ws)), f"{tag}: score {gs} != {ws}")
            for t, _ in want:
                stats["eos" if t and t[-1] == EOS else "cut"] += 1


def main():
    build = os.environ.get("PAD_BUILD_DIR", os.path.dirname(os.path.abspath(sys.argv[1])))
    tool = os.path.join(build, "beam_tool")
    if not os.path.exists(tool):
        print(f"FAIL: beam_tool not found at {tool} (set PAD_BUILD_DIR)")
        return 1
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, seed, eos_row in (("t5", t5_model, 1, 2.0), ("gpt2", gpt2_model, 2, 0.1)):
            model = make().eval()
            widen(model, seed, eos_row)
            ckpt = os.path.join(tmp, name)
            model.save_pretrained(ckpt)
            stats = {"eos": 0, "cut": 0}
            compare(name, tool, ckpt, model, name == "t5", prompts(seed), stats)
            print(f"{name}: {stats['eos']} hypotheses ended by eos, {stats['cut']} by the limit")
            check(stats["eos"] > 0 and stats["cut"] > 0, f"{name}: both endings must occur")
    print("ok" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
