#!/usr/bin/env python3
"""Refreshes tests/data from ../shared/testdata and checks it against tests/data/MANIFEST.

  python3 tools/testdata.py --check            verify tests/data against the committed manifest (CI)
  python3 tools/testdata.py --refresh [SRC]    rebuild the mirrored folders from SRC (default ../shared/testdata)
  python3 tools/testdata.py --materialize      write the derived files (the tests do this themselves on first use)
  python3 tools/testdata.py --compare SRC      report where SRC's mirrored folders and the manifest differ

tests/data holds a compact, lossless copy of the shared test data. Every file of the shared set is listed in
tests/data/MANIFEST with its SHA-256 and size and how it is kept in git:

  file           stored as it is, at its path
  same PATH      the same bytes as PATH (a tokenizer file repeated in three model layouts): copied on first use
  gz             stored gzip-compressed at packed/PATH.gz (golden tensors, JSON): decompressed on first use
  delta BASE     stored as packed/PATH.delta, copy/literal operations over BASE (the three ONNX exports of the micro
                 model share their weights byte for byte; only graph and names differ): rebuilt on first use

Derived files are written at their path (listed in tests/data/.gitignore), so a test sees the same tree as in the
shared folder. Only the mirrored folders (MIRRORED) and the files this script writes are touched; repository-native
test files (tests/data/tokenizers, tests/data/fixtures, ...) are left alone.
Python 3 standard library only.
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
MANIFEST = os.path.join(DATA, "MANIFEST")
PACKED = "packed"
# The folders of the shared set mirrored here (the shared top-level README is summarised in tests/data/README.md).
MIRRORED = ["edge", "golden", "models", "photos", "tokenizer", "zeroshot"]
# Kept whole (never derived), so the README's first command runs on a fresh clone before any test has run.
FIRST = "models/micro/openclip/"
MAX_FILE = 15 * 1024 * 1024
GZ_MIN_SIZE = 50_000       # smaller files are not worth a packed copy
GZ_MAX_RATIO = 0.7         # compress only when it saves at least 30 %
DELTA_PROBE = 64           # bytes looked up in the base to find a shared block
DELTA_MIN_COPY = 4096      # shorter matches stay literal


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def delta_ops(base, target):
    """Greedy copy/literal delta of target against base: [("copy", base_offset, length) | ("lit", start, end)]."""

    def cover(lo, hi):
        if hi - lo < DELTA_MIN_COPY:
            return [("lit", lo, hi)] if hi > lo else []
        step = max(DELTA_PROBE, (hi - lo) // 64)
        for p in range(lo, hi - DELTA_PROBE, step):
            i = base.find(target[p:p + DELTA_PROBE])
            if i < 0:
                continue
            s, b = p, i
            while s > lo and b > 0 and target[s - 1] == base[b - 1]:
                s -= 1
                b -= 1
            e, be = p + DELTA_PROBE, i + DELTA_PROBE
            while e < hi and be < len(base):
                n = min(65536, hi - e, len(base) - be)
                if target[e:e + n] == base[be:be + n]:
                    e += n
                    be += n
                    continue
                while e < hi and be < len(base) and target[e] == base[be]:
                    e += 1
                    be += 1
                break
            if e - s < DELTA_MIN_COPY:
                continue
            return cover(lo, s) + [("copy", b, e - s)] + cover(e, hi)
        return [("lit", lo, hi)]

    return cover(0, len(target))


def encode_delta(base, target):
    """The .delta format: one JSON line [["copy", offset, length] | ["lit", length], ...], then the literal bytes."""
    header, literals = [], []
    for op in delta_ops(base, target):
        if op[0] == "copy":
            header.append(["copy", op[1], op[2]])
        else:
            header.append(["lit", op[2] - op[1]])
            literals.append(target[op[1]:op[2]])
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"".join(literals)


def apply_delta(base, packed):
    newline = packed.index(b"\n")
    pos, out = newline + 1, []
    for op in json.loads(packed[:newline]):
        if op[0] == "copy":
            out.append(base[op[1]:op[1] + op[2]])
        else:
            out.append(packed[pos:pos + op[1]])
            pos += op[1]
    return b"".join(out)


def load_manifest():
    entries = []
    with open(MANIFEST, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            digest, size, path, how = line.rstrip("\n").split("\t")
            entries.append((digest, int(size), path, how))
    return entries


def derive(entry, by_path):
    """The bytes of a derived entry, built from what is stored."""
    _, _, path, how = entry
    if how == "gz":
        return gzip.decompress(read(os.path.join(DATA, PACKED, path + ".gz")))
    kind, source = how.split(" ", 1)
    if kind == "same":
        return content(by_path[source], by_path)
    if kind == "delta":
        return apply_delta(content(by_path[source], by_path), read(os.path.join(DATA, PACKED, path + ".delta")))
    raise SystemExit(f"MANIFEST: unknown kind '{how}' for {path}")


def content(entry, by_path):
    return read(os.path.join(DATA, entry[2])) if entry[3] == "file" else derive(entry, by_path)


def check():
    entries = load_manifest()
    by_path = {e[2]: e for e in entries}
    bad = 0
    for entry in entries:
        digest, size, path, how = entry
        try:
            data = content(entry, by_path)
        except OSError as e:
            print(f"MISSING {path} ({how}): {e}")
            bad += 1
            continue
        if len(data) != size or sha256(data) != digest:
            print(f"FAILED  {path} ({how})")
            bad += 1
    stored = [e for e in entries if e[3] == "file"]
    packed = []
    for dirpath, _, files in os.walk(os.path.join(DATA, PACKED)):
        packed += [os.path.join(dirpath, f) for f in files]
    for path in [os.path.join(DATA, e[2]) for e in stored] + packed:
        if os.path.exists(path) and os.path.getsize(path) > MAX_FILE:
            print(f"TOO BIG {os.path.relpath(path, DATA)}: {os.path.getsize(path)} bytes > {MAX_FILE}")
            bad += 1
    total = sum(os.path.getsize(os.path.join(DATA, e[2])) for e in stored) + sum(os.path.getsize(p) for p in packed)
    print(f"{len(entries)} files checked ({len(stored)} stored, {len(entries) - len(stored)} derived), "
          f"{total / 1e6:.1f} MB stored (git compresses it further), {bad} bad")
    return 1 if bad else 0


def materialize():
    entries = load_manifest()
    by_path = {e[2]: e for e in entries}
    written = 0
    for entry in entries:
        digest, size, path, how = entry
        target = os.path.join(DATA, path)
        if how == "file" or (os.path.exists(target) and os.path.getsize(target) == size):
            continue
        data = derive(entry, by_path)
        if sha256(data) != digest:
            raise SystemExit(f"derived {path} does not match its SHA-256 in MANIFEST")
        write_atomic(target, data)
        written += 1
    print(f"{written} derived files written")
    return 0


def mirrored_files(source):
    files = []
    for folder in MIRRORED:
        for dirpath, _, names in os.walk(os.path.join(source, folder)):
            files += [os.path.relpath(os.path.join(dirpath, n), source).replace(os.sep, "/") for n in names]
    return files


def compare(source):
    """Lists files that differ between SRC and the manifest (a shared set updated since the last --refresh)."""
    manifest = {e[2]: e[0] for e in load_manifest()}
    actual = {rel: sha256(read(os.path.join(source, rel))) for rel in mirrored_files(source)}
    differ = sorted(p for p in manifest.keys() | actual.keys() if manifest.get(p) != actual.get(p))
    for path in differ:
        state = "only in MANIFEST" if path not in actual else "only in " + source if path not in manifest else "changed"
        print(f"{state}: {path}")
    print(f"{len(actual)} files in {source}: {len(differ)} differ from tests/data/MANIFEST"
          + (" (run python3 tools/testdata.py --refresh)" if differ else ""))
    return 1 if differ else 0


def refresh(source):
    source = os.path.abspath(source)
    if not os.path.isdir(source):
        raise SystemExit(f"error: no shared test data at {source}")
    files = mirrored_files(source)
    files.sort(key=lambda rel: (not rel.startswith(FIRST), rel))

    # Remove what this script wrote before: the mirrored folders and the packed store.
    for folder in MIRRORED + [PACKED]:
        shutil.rmtree(os.path.join(DATA, folder), ignore_errors=True)

    first_by_digest, onnx_base, lines, derived = {}, {}, [], []
    for rel in files:
        data = read(os.path.join(source, rel))
        digest = sha256(data)
        how = None
        if digest in first_by_digest:
            how = "same " + first_by_digest[digest]
        elif rel.endswith(".onnx"):
            # The first export of each tower (the open_clip one) is the base of the others.
            tower = "text" if "text" in rel else "visual"
            if tower in onnx_base:
                base_rel = onnx_base[tower]
                packed = encode_delta(read(os.path.join(source, base_rel)), data)
                if len(packed) < len(data) // 2:
                    write_atomic(os.path.join(DATA, PACKED, rel + ".delta"), packed)
                    how = "delta " + base_rel
            else:
                onnx_base[tower] = rel
        elif rel.startswith(FIRST):
            pass
        elif len(data) >= GZ_MIN_SIZE and rel.endswith((".npy", ".json", ".txt", ".csv")):
            packed = gzip.compress(data, 9, mtime=0)
            if len(packed) <= len(data) * GZ_MAX_RATIO:
                write_atomic(os.path.join(DATA, PACKED, rel + ".gz"), packed)
                how = "gz"
        if how is None:
            if len(data) > MAX_FILE:
                raise SystemExit(f"error: {rel} is {len(data)} bytes, over the {MAX_FILE}-byte limit")
            write_atomic(os.path.join(DATA, rel), data)
            how = "file"
        else:
            derived.append(rel)
        first_by_digest.setdefault(digest, rel)
        lines.append(f"{digest}\t{len(data)}\t{rel}\t{how}")
    lines.sort(key=lambda line: line.split("\t")[2])

    with open(MANIFEST, "w", encoding="utf-8", newline="\n") as f:
        f.write("# sha256\tsize\tpath\thow (written by tools/testdata.py --refresh; see that script)\n")
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(DATA, ".gitignore"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# Derived on first use from packed/ and MANIFEST (tools/testdata.py); not stored in git.\n")
        f.write("\n".join("/" + p for p in derived) + "\n")
        f.write("# The optimised copy a clipsharp command writes beside a model it loads from here.\n.clipsharp-cache/\n")
    print(f"{len(files)} files from {source}: {len(files) - len(derived)} stored, {len(derived)} derived")
    return check()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--materialize", action="store_true")
    mode.add_argument("--compare", metavar="SRC")
    mode.add_argument("--refresh", nargs="?", const=os.path.join(ROOT, "..", "shared", "testdata"), metavar="SRC")
    args = parser.parse_args()
    if args.check:
        return check()
    if args.materialize:
        return materialize()
    if args.compare:
        return compare(os.path.abspath(args.compare))
    return refresh(args.refresh)


if __name__ == "__main__":
    sys.exit(main())
