#!/usr/bin/env python3
"""Compare an .xls written by the formats crate with the rows it was written from.

Reads the .xls with xlrd (an independent BIFF8 reader) and, when given, the CSV that
LibreOffice converted it to, and checks every cell of both against the source rows in
the JSON file (an array of rows; a cell is a string, number, boolean, or null = empty).
Exits non-zero on the first mismatch in each reader, listing up to 10 per reader.

Usage: check.py --xls sample.xls --rows sample.json [--csv sample.csv]
"""

import argparse
import csv
import json
import math
import sys

import xlrd

MAX_REPORTED = 10


def describe(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def width(rows):
    return max((len(r) for r in rows), default=0)


def padded(row, cols):
    return list(row) + [None] * (cols - len(row))


def check_xlrd(path, rows):
    """Every cell keeps its type and value; the sheet has exactly the rows written."""
    problems = []
    book = xlrd.open_workbook(path)
    if book.nsheets != 1:
        problems.append(f"expected 1 sheet, found {book.nsheets}")
        return problems
    sheet = book.sheet_by_index(0)
    cols = width(rows)
    if sheet.nrows != len(rows):
        problems.append(f"xlrd sees {sheet.nrows} rows, {len(rows)} were written")
    if sheet.ncols > cols:
        problems.append(f"xlrd sees {sheet.ncols} columns, at most {cols} were written")
    for r, row in enumerate(rows[: sheet.nrows]):
        for c, want in enumerate(padded(row, cols)):
            if c >= sheet.ncols or c >= sheet.row_len(r):
                kind, got = xlrd.XL_CELL_EMPTY, ""
            else:
                cell = sheet.cell(r, c)
                kind, got = cell.ctype, cell.value
            ok = {
                type(None): lambda: kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK),
                bool: lambda: kind == xlrd.XL_CELL_BOOLEAN and bool(got) == want,
                str: lambda: kind == xlrd.XL_CELL_TEXT and got == want,
            }.get(type(want), lambda: kind == xlrd.XL_CELL_NUMBER and got == want)()
            if not ok:
                problems.append(
                    f"xlrd cell ({r},{c}): read type {kind} {describe(got)}, wrote {describe(want)}"
                )
    return problems


def same_number(text, want):
    try:
        got = float(text)
    except ValueError:
        return False
    # LibreOffice writes numbers as shown in the General format, which may round the
    # last digits of a binary fraction.
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-9)


def check_libreoffice_csv(path, rows):
    """LibreOffice shows the same text, numbers and booleans in every cell."""
    problems = []
    with open(path, newline="", encoding="utf-8") as f:
        read = list(csv.reader(f))
    if len(read) != len(rows):
        problems.append(f"LibreOffice CSV has {len(read)} rows, {len(rows)} were written")
    cols = width(rows)
    for r, (got_row, want_row) in enumerate(zip(read, rows)):
        got_row = got_row + [""] * (cols - len(got_row))
        for c, want in enumerate(padded(want_row, cols)):
            got = got_row[c]
            if want is None:
                ok = got == ""
            elif isinstance(want, bool):
                # LibreOffice 7.4 exports BIFF booleans as 1/0 (xlwt-written files too);
                # the xlrd check above holds the cell type to boolean.
                ok = got.upper() in (("TRUE", "1") if want else ("FALSE", "0"))
            elif isinstance(want, str):
                ok = got == want
            else:
                ok = same_number(got, want)
            if not ok:
                problems.append(
                    f"LibreOffice cell ({r},{c}): read {describe(got)}, wrote {describe(want)}"
                )
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xls", required=True)
    parser.add_argument("--rows", required=True)
    parser.add_argument("--csv", help="LibreOffice's CSV conversion of the .xls")
    args = parser.parse_args()

    with open(args.rows, encoding="utf-8") as f:
        rows = json.load(f)

    checks = [("xlrd", lambda: check_xlrd(args.xls, rows))]
    if args.csv:
        checks.append(("libreoffice", lambda: check_libreoffice_csv(args.csv, rows)))

    failed = 0
    for name, check in checks:
        problems = check()
        if problems:
            failed += 1
            print(f"FAIL {name}: {len(problems)} mismatches")
            for problem in problems[:MAX_REPORTED]:
                print(f"  {problem}")
        else:
            print(f"ok   {name}: {len(rows)} rows match")
    print(f"xls_check: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
