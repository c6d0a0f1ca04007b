#!/usr/bin/env python3
"""Reference ids from Google's sentencepiece (Debian's python3-sentencepiece) for the tokenizer parity tests.

Usage: python3 spm_reference.py MODEL CORPUS_JSONL
Writes one JSON list of ids a line: sp.encode(text), no beginning/end-of-sentence ids.
"""
import json
import sys

import sentencepiece as spm

sp = spm.SentencePieceProcessor(model_file=sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            print(json.dumps(sp.encode(json.loads(line))))
