#!/usr/bin/env python3
"""Decoding throughput: pad eval against transformers' generate, same model,
same questions, same batch and beams, greedy and beam search.

usage: python3 bench/bench_decode.py PAD CKPT TOKENIZER DATA.jsonl
           [--limit N] [--batch B] [--beams 1,4] [--max-new-tokens T] [--device cpu|cuda]

CKPT is a pad checkpoint (a Hugging Face directory), TOKENIZER its
tokenizer.json.  pad's figures are its own summary.json (decode seconds only:
the executor's time is reported apart); transformers is timed around
generate() alone, tokenization excluded, after one warm-up batch.  pad's
tokens/s counts every token fed to the model (all beams), transformers' the
tokens of the returned sequences, so the two compare only for greedy; the
ratio is taken on questions/s, which means the same for both.  Prints one
markdown table row per setting, for bench/RESULTS.md.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def pad_run(args, beams, out):
    cmd = [args.pad, "eval", args.ckpt, args.data, "--tokenizer", args.tokenizer, "--out", out,
           "--limit", str(args.limit), "--batch", str(args.batch), "--max-new-tokens",
           str(args.max_new_tokens), "--backend", args.device]
    if beams > 1:
        cmd += ["--beams", str(beams)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    return s


def hf_run(args, beams, questions):
    import torch
    from tokenizers import Tokenizer
    from transformers import T5ForConditionalGeneration
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    tok = Tokenizer.from_file(args.tokenizer)
    model = T5ForConditionalGeneration.from_pretrained(args.ckpt).to(args.device).eval()
    eos = model.config.eos_token_id
    pad = model.config.pad_token_id
    enc = [tok.encode(q).ids + [eos] for q in questions]

    def batches():
        for i in range(0, len(enc), args.batch):
            rows = enc[i:i + args.batch]
            width = max(len(r) for r in rows)
            ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=args.device)
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=args.device)
            yield ids, mask

    def generate(ids, mask):
        return model.generate(input_ids=ids, attention_mask=mask, num_beams=beams, do_sample=False,
                              max_new_tokens=args.max_new_tokens, early_stopping=False)

    with torch.no_grad():
        ids, mask = next(batches())
        generate(ids, mask)  # warm-up
        tokens, seconds = 0, 0.0
        for ids, mask in batches():
            if args.device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            out = generate(ids, mask)
            if args.device == "cuda":
                torch.cuda.synchronize()
            seconds += time.perf_counter() - t0
            for row in out[:, 1:].tolist():  # drop decoder_start
                n = len(row)
                if eos in row:
                    n = row.index(eos) + 1
                tokens += n
    return tokens, seconds


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pad")
    p.add_argument("ckpt")
    p.add_argument("tokenizer")
    p.add_argument("data")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--beams", default="1,4")
    p.add_argument("--max-new-tokens", type=int, default=160)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    with open(args.data) as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()][:args.limit]
    print("| decoding | pad questions/s | pad tokens/s (all beams) | transformers questions/s | transformers tokens/s (returned) | pad / transformers (questions/s) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for beams in [int(b) for b in args.beams.split(",")]:
            s = pad_run(args, beams, os.path.join(tmp, f"b{beams}"))
            pad_qs, pad_ts = s["questions_per_s"], s["tokens_per_s"]
            try:
                tokens, seconds = hf_run(args, beams, questions)
                hf_qs, hf_ts = len(questions) / seconds, tokens / seconds
                ratio = f"{pad_qs / hf_qs:.1f}x"
                hf = f"{hf_qs:.1f} | {hf_ts:.0f}"
            except ImportError as e:
                hf, ratio = f"n/a ({e.name} missing) | n/a", "n/a"
            name = "greedy" if beams == 1 else f"beam {beams}"
            print(f"| {name}, batch {args.batch} | {pad_qs:.1f} | {pad_ts:.0f} | {hf} | {ratio} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
