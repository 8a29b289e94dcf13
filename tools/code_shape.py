#!/usr/bin/env python3
"""Two checks on the shape of the code, run by CI:

1. Twin lines: for each file name present in both `store/sqlite/` and `store/postgres/`,
   the lines the two files share in runs of 3 or more identical lines (compared without
   their indentation; blank lines and lines holding only braces are skipped). The total
   must stay under 150: SQL both databases run belongs in `store/sql/`, written once.
2. Function length: the longest `fn` in `crates/*/src` (from its first line to its closing
   brace); none may be longer than 80 lines.

Usage: tools/code_shape.py [--list N]   (prints the figures and the N longest functions;
exit status 1 when a limit is exceeded). Standard library only.
"""

import argparse
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
STORE = ROOT / "crates/crm-exports/src/store"
TWIN_LIMIT = 150
FUNCTION_LIMIT = 80
MIN_RUN = 3
LONE_BRACES = re.compile(r"^[{}()\[\];,]*$")
FN_START = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)")


def significant(path):
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not LONE_BRACES.match(line):
            lines.append(line)
    return lines


def twin_lines():
    """(total, [(file, shared lines)]) over the twin files of the two stores."""
    per_file = []
    sqlite, postgres = STORE / "sqlite", STORE / "postgres"
    if not sqlite.is_dir() or not postgres.is_dir():
        return 0, per_file
    for left in sorted(sqlite.rglob("*.rs")):
        right = postgres / left.relative_to(sqlite)
        if not right.exists():
            continue
        a, b = significant(left), significant(right)
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        shared = sum(block.size for block in matcher.get_matching_blocks() if block.size >= MIN_RUN)
        per_file.append((str(left.relative_to(sqlite)), shared))
    return sum(n for _, n in per_file), per_file


def strip_code(text):
    """The text with comments, strings and char literals blanked (newlines kept), so braces
    inside them do not count."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", text[i:i + 12]):
            m = re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", text[i:i + 12])
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, length in lines) of every fn with a body in the file."""
    lines = strip_code(path.read_text()).split("\n")
    found = []
    for start, line in enumerate(lines):
        m = FN_START.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            for ch in lines[end]:
                if ch == "{":
                    depth, opened = depth + 1, True
                elif ch == "}":
                    depth -= 1
                elif ch == ";" and not opened and depth == 0:
                    break  # a declaration without a body
            else:
                if opened and depth == 0:
                    found.append((m.group(7), start + 1, end - start + 1))
                    break
                continue
            break
    return found


def longest_functions():
    result = []
    for src in sorted(ROOT.glob("crates/*/src")):
        for path in sorted(src.rglob("*.rs")):
            for name, line, length in functions(path):
                result.append((length, f"{path.relative_to(ROOT)}:{line}", name))
    result.sort(reverse=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", type=int, default=5, help="how many of the longest functions to print")
    args = parser.parse_args()
    total, per_file = twin_lines()
    print(f"twin lines shared by store/sqlite and store/postgres (runs of {MIN_RUN}+): {total} (limit: under {TWIN_LIMIT})")
    for name, shared in per_file:
        print(f"  {name}: {shared}")
    ranked = longest_functions()
    print(f"longest functions in crates/*/src (limit: {FUNCTION_LIMIT} lines):")
    for length, where, name in ranked[: args.list]:
        print(f"  {length:4} {name} ({where})")
    failed = False
    if total >= TWIN_LIMIT:
        print(f"FAIL: {total} twin lines; move what both stores share into store/sql/")
        failed = True
    too_long = [r for r in ranked if r[0] > FUNCTION_LIMIT]
    if too_long:
        print(f"FAIL: {len(too_long)} functions longer than {FUNCTION_LIMIT} lines")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
