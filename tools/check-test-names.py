#!/usr/bin/env python3
"""Checks that every test method is named Subject_Condition_Outcome.

A test method is one carrying [Fact], [Theory], [SkippableFact] or [SkippableTheory] in a .cs file under tests/.
Its name must be three PascalCase segments joined by underscores: the subject (a letter first), the condition and
the outcome (a capital letter or a digit first, then letters and digits), for example
`Index_ExistingIndexWithoutModel_UsesTheModelItRecords`.

    python3 tools/check-test-names.py             # exit 1 and list the offenders, if any
    python3 tools/check-test-names.py --list      # every test method as file<TAB>name
    python3 tools/check-test-names.py --self-test # shows the check rejects what it should (run by .ci/run)

No Roslyn: comments and string literals are blanked out first, then the attributes and the method after each are
found with regular expressions. The importable parts (`blank_code`, `test_methods`, `STYLE`) are shared with
tools/apply-test-renames.py.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Three segments; a segment is PascalCase (digits allowed, so `Pull_429And503WithRetryAfter_...` is fine). An outcome
# starting with a conjunction (`..._IsNeverUsed_AndOldOnesAreCleanedUp`) is a fourth segment in disguise: refused.
STYLE = re.compile(r"^[A-Z][A-Za-z0-9]*_[A-Z0-9][A-Za-z0-9]*_(?!(?:And|Or|But|So|Then)(?:[A-Z0-9]|$))[A-Z0-9][A-Za-z0-9]*$")

# An xUnit test attribute, alone or inside a list ([Fact, Trait("a", "b")]), with or without arguments.
_ATTRIBUTE = re.compile(r"(?<=[\[,])\s*(?:Xunit\.)?(Fact|Theory|SkippableFact|SkippableTheory)(?:Attribute)?\s*(?=[\](,])")
# The method the attribute belongs to: the first `Task|ValueTask|void Name(` after it.
_METHOD = re.compile(r"\b(?:Task|ValueTask|void)\s+([A-Za-z_][A-Za-z0-9_]*)\s*[(<]")
_SKIP_DIRS = {"bin", "obj", "node_modules", ".git", "data"}


def blank_code(text):
    """Returns text with comments and the contents of string and char literals replaced by spaces (newlines kept),
    so that what regular expressions find afterwards is code."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif c == '"' or (c in "@$" and i + 1 < n and text[i + 1] in '"@$'):
            # Prefixes: @, $, $@, @$, $$ (raw interpolation).
            j = i
            verbatim = False
            while j < n and text[j] in "@$":
                verbatim |= text[j] == "@"
                j += 1
            if j >= n or text[j] != '"':
                i += 1
                continue
            quotes = 0
            while j + quotes < n and text[j + quotes] == '"':
                quotes += 1
            if quotes >= 3:  # raw string literal: ends at the same number of quotes
                end = text.find('"' * quotes, j + quotes)
                end = n if end < 0 else end + quotes
            elif quotes == 2 and not verbatim:  # ""
                end = j + 2
            else:
                k = j + 1
                while k < n:
                    if verbatim and text[k] == '"':
                        if k + 1 < n and text[k + 1] == '"':
                            k += 2
                            continue
                        break
                    if not verbatim and text[k] == "\\":
                        k += 2
                        continue
                    if not verbatim and text[k] in '"\n':
                        break
                    k += 1
                end = min(k + 1, n)
            blank(j + 1, end - 1 if end - 1 > j else j + 1)
            i = end
        elif c == "'":
            k = i + 1
            while k < n and text[k] not in "'\n":
                k += 2 if text[k] == "\\" else 1
            blank(i + 1, k)
            i = k + 1
        else:
            i += 1
    return "".join(out)


def test_methods(text):
    """Yields (line, name) for each test method in C# source text."""
    code = blank_code(text)
    last = -1
    for a in _ATTRIBUTE.finditer(code):
        m = _METHOD.search(code, a.end())
        if m is None or m.start() <= last:
            continue  # a second test attribute on the same method
        last = m.start()
        yield code.count("\n", 0, m.start(1)) + 1, m.group(1)


def test_files(root):
    for folder, dirs, files in os.walk(os.path.join(root, "tests")):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for f in sorted(files):
            if f.endswith(".cs"):
                yield os.path.join(folder, f)


def offenders(root):
    found, bad = 0, []
    for path in test_files(root):
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
        for line, name in test_methods(text):
            found += 1
            if not STYLE.match(name):
                bad.append((os.path.relpath(path, root), line, name))
    return found, bad


def self_test():
    sample = '''
    public sealed class SampleTests
    {
        // [Fact] in a comment is not a test
        private const string Text = "[Fact] public void not_a_test() { }";

        [Fact]
        public void Parse_EmptyText_Throws() { }

        [Theory, Trait("kind", "slow")]
        [InlineData(new[] { 1, 2 })]
        public async Task Exact_search_matches_a_reference(int[] values) { }

        [SkippableFact(Skip = "x")]
        public async Task Pull_429And503WithRetryAfter_WaitsAsAskedAndSucceeds() { }

        [Fact]
        public void Cache_WritesNothing() { }

        [Fact]
        public void Entry_IsNeverUsed_AndOldOnesAreCleanedUp() { }

        [Fact]
        public void Android_Order_OrdersThem() { }

        [Xunit.FactAttribute]
        public void Index_New_Folder_IsCreated() { }

        [SkippableTheory]
        [MemberData(nameof(Cases))]
        public void parse_EmptyText_Throws(string s) { }
    }
    '''
    names = [n for _, n in test_methods(sample)]
    expected = ["Parse_EmptyText_Throws", "Exact_search_matches_a_reference",
                "Pull_429And503WithRetryAfter_WaitsAsAskedAndSucceeds", "Cache_WritesNothing",
                "Entry_IsNeverUsed_AndOldOnesAreCleanedUp", "Android_Order_OrdersThem",
                "Index_New_Folder_IsCreated", "parse_EmptyText_Throws"]
    assert names == expected, f"found {names}, expected {expected}"
    rejected = [n for n in names if not STYLE.match(n)]
    assert rejected == ["Exact_search_matches_a_reference", "Cache_WritesNothing",
                        "Entry_IsNeverUsed_AndOldOnesAreCleanedUp", "Index_New_Folder_IsCreated",
                        "parse_EmptyText_Throws"], rejected
    print(f"self-test: {len(names)} test methods found in the sample, the {len(rejected)} off-style names rejected")


def main(argv):
    if "--self-test" in argv:
        self_test()
        return 0
    root = ROOT
    if "--root" in argv:
        root = os.path.abspath(argv[argv.index("--root") + 1])
    if "--list" in argv:
        for path in test_files(root):
            with open(path, encoding="utf-8-sig") as f:
                for _, name in test_methods(f.read()):
                    print(f"{os.path.relpath(path, root)}\t{name}")
        return 0
    found, bad = offenders(root)
    for path, line, name in bad:
        print(f"{path}:{line}: test name {name} is not Subject_Condition_Outcome (three PascalCase segments)",
              file=sys.stderr)
    if bad:
        print(f"{len(bad)} of {found} test methods break the naming style; see DEVELOPERS.md", file=sys.stderr)
        return 1
    print(f"{found} test methods, all named Subject_Condition_Outcome")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
