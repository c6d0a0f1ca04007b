#!/usr/bin/env python3
"""Applies tools/test-renames.tsv (file<TAB>old<TAB>new) to a checkout; safe to run again.

    python3 tools/apply-test-renames.py            # rename, then report
    python3 tools/apply-test-renames.py --dry-run  # report what would change, write nothing
    python3 tools/apply-test-renames.py --strict   # exit 1 when a name in the table is found nowhere
    python3 tools/apply-test-renames.py --root ../other-checkout [--table file.tsv]

For each row: the declaration `Task|ValueTask|void OLD(` is renamed in FILE; when FILE no longer has it (the test
moved), it is looked for by its old name in every .cs file under tests/ (renamed when exactly one file has it). A row
whose new name is already declared is done already. Then every other mention of an old name, as a whole identifier,
is replaced in the repository's text files (nameof, docs/*.md, DEVELOPERS.md, READMEs, .ci scripts, test filters);
an old name the table maps to two different new names is replaced only inside the files where it was declared.
Rows whose name is found nowhere are reported.
"""
import importlib.util
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join("tools", "test-renames.tsv")

_spec = importlib.util.spec_from_file_location("check_test_names", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-test-names.py"))
names = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(names)


def declaration(name):
    return re.compile(r"(\b(?:Task|ValueTask|void)\s+)" + re.escape(name) + r"(\s*[(<])")


def mention(name):
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])")


def read_table(path):
    rows, problems = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != 3:
                problems.append(f"{TABLE}:{number}: expected file<TAB>old<TAB>new")
                continue
            file, old, new = (c.strip() for c in cells)
            if not names.STYLE.match(new):
                problems.append(f"{TABLE}:{number}: {new} is not Subject_Condition_Outcome")
            rows.append((number, file, old, new))
    seen = {}
    for number, file, old, new in rows:
        if (file, old) in seen:
            problems.append(f"{TABLE}:{number}: {file} {old} is already mapped on line {seen[(file, old)]}")
        seen[(file, old)] = number
    return rows, problems


def repository_files(root):
    """Tracked and untracked-but-not-ignored files; every file when this is not a git checkout."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z"],
                             check=True, capture_output=True).stdout.decode("utf-8")
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, fs in os.walk(root):
            dirs[:] = [d for d in dirs if d not in {".git", "bin", "obj", "node_modules"}]
            files += [os.path.relpath(os.path.join(folder, f), root) for f in fs]
    return sorted(f for f in files if os.path.isfile(os.path.join(root, f)))


def read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class Checkout:
    """The repository's text, read once, written back at the end."""

    def __init__(self, root, dry_run):
        self.root, self.dry_run = root, dry_run
        self.files = repository_files(root)
        self.text, self.changed = {}, set()
        self.test_sources = [f for f in self.files if f.startswith("tests/") and f.endswith(".cs")]

    def get(self, file):
        if file not in self.text:
            self.text[file] = read_text(os.path.join(self.root, file))
        return self.text[file]

    def set(self, file, text):
        if text != self.get(file):
            self.text[file] = text
            self.changed.add(file)

    def save(self):
        if self.dry_run:
            return
        for file in sorted(self.changed):
            with open(os.path.join(self.root, file), "w", encoding="utf-8", newline="") as f:
                f.write(self.text[file])


def declared_in(checkout, name, files):
    pattern = declaration(name)
    return [f for f in files if checkout.get(f) is not None and pattern.search(names.blank_code(checkout.get(f)))]


def main(argv):
    root = ROOT
    if "--root" in argv:
        root = os.path.abspath(argv[argv.index("--root") + 1])
    dry_run, strict = "--dry-run" in argv, "--strict" in argv
    table = os.path.join(ROOT, TABLE)  # this checkout's table, also when applying it to another (--root)
    if "--table" in argv:
        table = os.path.abspath(argv[argv.index("--table") + 1])
    rows, problems = read_table(table)
    for p in problems:
        print("error: " + p, file=sys.stderr)
    if problems:
        return 2

    checkout = Checkout(root, dry_run)
    renamed, done, moved, missing, ambiguous = [], [], [], [], []
    where = {}  # old name -> files where its declaration is (or was) renamed
    for number, file, old, new in rows:
        candidates = [file] if file in checkout.files else []
        hits = declared_in(checkout, old, candidates)
        if not hits:
            hits = declared_in(checkout, old, checkout.test_sources)
            if len(hits) > 1:
                ambiguous.append((number, old, hits))
                continue
            if hits:
                moved.append((old, file, hits[0]))
        if hits:
            target = hits[0]
            text = checkout.get(target)
            # Rename the declaration only (comments and strings are left to the mention pass).
            code = names.blank_code(text)
            m = declaration(old).search(code)
            start = m.start() + len(m.group(1))
            checkout.set(target, text[:start] + new + text[start + len(old):])
            renamed.append((old, new, target))
            where.setdefault(old, set()).add(target)
            continue
        already = declared_in(checkout, new, candidates) or declared_in(checkout, new, checkout.test_sources)
        if already:
            done.append((old, new))
            where.setdefault(old, set()).update(already)
        else:
            missing.append((number, file, old, new))

    # Mentions: whole identifiers only, in every text file but the table itself.
    targets = {}
    for _, _, old, new in rows:
        targets.setdefault(old, set()).add(new)
    mentions = {}
    for old, news in targets.items():
        if old not in where:
            continue
        pattern = mention(old)
        files = checkout.files if len(news) == 1 else sorted(where[old])
        new = next(iter(news)) if len(news) == 1 else None
        for f in files:
            if f == TABLE:
                continue
            text = checkout.get(f)
            if text is None or old not in text:
                continue
            replacement = new
            if replacement is None:  # the same old name in several classes: use this file's row
                own = [n for _, rf, o, n in rows if o == old and rf == f]
                if len(own) != 1:
                    continue
                replacement = own[0]
            updated, count = pattern.subn(replacement, text)
            if count:
                checkout.set(f, updated)
                mentions[f] = mentions.get(f, 0) + count
    checkout.save()

    verb = "would rename" if dry_run else "renamed"
    print(f"{verb} {len(renamed)} test methods; {len(done)} already renamed; {len(rows)} rows in {TABLE}")
    for old, file, actual in moved:
        print(f"  moved: {old} is in {actual} now (the table says {file})")
    for f, count in sorted(mentions.items()):
        print(f"  other mentions updated: {f} ({count})")
    for number, old, hits in ambiguous:
        print(f"  not renamed (line {number}): {old} is declared in several files: {', '.join(hits)}", file=sys.stderr)
    for number, file, old, new in missing:
        print(f"  not found (line {number}): {old} (nor {new}) in {file} or anywhere under tests/", file=sys.stderr)
    if dry_run:
        for f in sorted(checkout.changed):
            print(f"  would change {f}")
    return 1 if strict and (missing or ambiguous) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
