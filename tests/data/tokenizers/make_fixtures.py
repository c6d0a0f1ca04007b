#!/usr/bin/env python3
"""Builds the small tokenizer fixtures of the tokenizer parity tests, deterministically, from corpus.jsonl.

Needs Debian's python3-sentencepiece (run with /usr/bin/python3). Writes, next to this script:
  unigram/spm.model, unigram/tokenizer.json     SentencePiece Unigram (T5/SigLIP-like ids: <pad>=0 </s>=1 <unk>=2),
                                                converted like transformers' SpmConverter: Precompiled charsmap,
                                                Metaspace, "$A </s>", padded and truncated to 64 as SigLIP asks
  unigram-bytes/spm.model                       Unigram with byte_fallback, no normalization (compared with sentencepiece only)
  bpe/spm.model                                 Llama-like BPE with byte_fallback, no normalization (sentencepiece only)
  xlmr/spm.model, xlmr/tokenizer.json           Unigram with XLM-R's fairseq ids (<s>=0 <pad>=1 </s>=2 <unk>=3,
                                                every piece one id higher than in spm.model), <mask> (lstrip), RobertaProcessing
  wordpiece/tokenizer.json                      BERT-style: BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing
  steps/tokenizer.json                          the same vocabulary behind NFD, StripAccents, Lowercase, Replace (regex),
                                                Strip, WhitespaceSplit, Punctuation, Digits and a TemplateProcessing
  bytelevel/tokenizer.json                      Llama-3-style byte-level BPE: NFKD, Split (regex, Isolated) + ByteLevel,
                                                ignore_merges, TemplateProcessing with <|begin_of_text|>
  gpt2/tokenizer.json                           the same vocabulary behind NFKC, GPT-2's ByteLevel(add_prefix_space,
                                                use_regex) pre-tokenizer and a RobertaProcessing post-processor
The conversion of each spm.model is checked against sentencepiece itself by the tests (same ids on the corpus).
"""
import collections
import json
import os
import re
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus():
    with open(os.path.join(HERE, "corpus.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def training_lines():
    # Short texts only (the long ones would dominate the counts), without the control characters spm rejects.
    return [t.replace("\n", " ").replace("\r", " ") for t in corpus() if 0 < len(t) < 400 and t.strip()]


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def train(folder, **kw):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    prefix = os.path.join(HERE, folder, "spm")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(training_lines()), model_prefix=prefix, num_threads=1, seed_sentencepiece_size=100000,
        shuffle_input_sentence=False, minloglevel=2, **kw)
    os.remove(prefix + ".vocab")
    m = pb.ModelProto()
    with open(prefix + ".model", "rb") as f:
        m.ParseFromString(f.read())
    return m


def added(id_, content, special=True, lstrip=False):
    return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": not special, "special": special}


def spm_normalizer(m):
    # transformers' SpmConverter.normalizer: the charsmap, then strip right and fold runs of spaces into one "▁".
    import base64
    steps = []
    if m.normalizer_spec.precompiled_charsmap:
        steps.append({"type": "Precompiled",
                      "precompiled_charsmap": base64.b64encode(m.normalizer_spec.precompiled_charsmap).decode()})
    steps.append({"type": "Strip", "strip_left": False, "strip_right": True})
    steps.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"})
    return {"type": "Sequence", "normalizers": steps}


METASPACE = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}


def unigram_t5():
    m = train("unigram", model_type="unigram", vocab_size=1500, character_coverage=0.995,
              pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    vocab = [[p.piece, p.score] for p in m.pieces]
    tok = {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": 64, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 64}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
                    "pad_type_id": 0, "pad_token": "<pad>"},
        "added_tokens": [added(0, "<pad>"), added(1, "</s>"), added(2, "<unk>")],
        "normalizer": spm_normalizer(m),
        "pre_tokenizer": METASPACE,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": False},
    }
    write_json(os.path.join(HERE, "unigram", "tokenizer.json"), tok)


def xlmr():
    m = train("xlmr", model_type="unigram", vocab_size=1200, character_coverage=0.995)
    # XLM-R's fairseq ids: four specials first, then spm's pieces from id 3 on (each one higher), <mask> last.
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p.piece, p.score] for p in m.pieces[3:]]
    mask_id = len(vocab)
    vocab.append(["<mask>", 0.0])
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(mask_id, "<mask>", lstrip=True)],
        "normalizer": spm_normalizer(m),
        "pre_tokenizer": METASPACE,
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }
    write_json(os.path.join(HERE, "xlmr", "tokenizer.json"), tok)


def wordpiece():
    # A BERT-style vocabulary from the training text: specials, frequent whole words, frequent word-final
    # pieces as "##" continuations, and single characters (some left out, so [UNK] happens).
    words = collections.Counter()
    chars = collections.Counter()
    for t in training_lines():
        for w in re.findall(r"\w+|[^\w\s]", t.lower()):
            words[w] += 1
            chars.update(w)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for c, n in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= 2:
            add(c)
            add("##" + c)
    suffixes = collections.Counter()
    for w, n in words.items():
        for k in range(2, min(5, len(w))):
            suffixes[w[-k:]] += n
    for s, _ in sorted(suffixes.items(), key=lambda kv: (-kv[1], kv[0]))[:400]:
        add("##" + s)
    for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:1200]:
        add(w)
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(i, t) for i, t in enumerate(vocab[:5])],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }
    write_json(os.path.join(HERE, "wordpiece", "tokenizer.json"), tok)
    # The same vocabulary behind the other generic components: NFD, StripAccents, Lowercase, a regex Replace, Strip;
    # WhitespaceSplit, Punctuation, Digits; a TemplateProcessing.
    steps = dict(tok)
    steps["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"},
        {"type": "Replace", "pattern": {"Regex": "[\\u2000-\\u200a]+"}, "content": " "},
        {"type": "Strip", "strip_left": True, "strip_right": True}]}
    steps["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Isolated"}, {"type": "Digits", "individual_digits": True}]}
    steps["post_processor"] = {"type": "TemplateProcessing",
                               "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                          {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                               "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                               "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                                  "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}
    write_json(os.path.join(HERE, "steps", "tokenizer.json"), steps)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level_bpe(merges_wanted=900):
    # A plain BPE trainer over byte-level words (words split at spaces, the space kept in front as GPT-2 does).
    b2u = bytes_to_unicode()
    counts = collections.Counter()
    for t in training_lines():
        for i, w in enumerate(re.findall(r" ?[^ ]+", t)):
            counts[tuple(b2u[b] for b in w.encode("utf-8"))] += 1
    vocab = [b2u[b] for b in range(256)]
    merges = []
    words = dict(counts)
    while len(merges) < merges_wanted:
        pairs = collections.Counter()
        for w, n in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        (a, b), n = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if n < 2:
            break
        merges.append([a, b])
        vocab.append(a + b)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return {t: i for i, t in enumerate(vocab)}, merges


def bytelevel():
    vocab, merges = byte_level_bpe()
    bot, eot = len(vocab), len(vocab) + 1
    common = {"dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
              "fuse_unk": False, "byte_fallback": False}
    llama3 = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(bot, "<|begin_of_text|>"), added(eot, "<|end_of_text|>")],
        "normalizer": {"type": "NFKD"},  # not Llama 3's; here to compare NFKD too
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bot], "tokens": ["<|begin_of_text|>"]}}}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": dict(type="BPE", **common, ignore_merges=True, vocab=vocab, merges=merges),
    }
    write_json(os.path.join(HERE, "bytelevel", "tokenizer.json"), llama3)
    gpt2 = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(bot, "<|begin_of_text|>"), added(eot, "<|end_of_text|>")],
        "normalizer": {"type": "NFKC"},  # not GPT-2's; here to compare NFKC too
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|end_of_text|>", eot], "cls": ["<|begin_of_text|>", bot],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": dict(type="BPE", **common, vocab=vocab, merges=[" ".join(m) for m in merges]),
    }
    write_json(os.path.join(HERE, "gpt2", "tokenizer.json"), gpt2)


def main():
    unigram_t5()
    # Llama's spm models normalize nothing ("identity"), which also keeps these two files small.
    train("unigram-bytes", model_type="unigram", vocab_size=1500, character_coverage=0.995, byte_fallback=True,
          pad_id=0, eos_id=1, unk_id=2, bos_id=-1, normalization_rule_name="identity")
    train("bpe", model_type="bpe", vocab_size=1500, character_coverage=0.995, byte_fallback=True,
          normalization_rule_name="identity")
    xlmr()
    wordpiece()
    bytelevel()


if __name__ == "__main__":
    sys.exit(main())
