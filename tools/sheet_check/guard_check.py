#!/usr/bin/env python3
"""Check what LibreOffice makes of the CSV formula guard: the CSV exports with the guard on
and off, converted by headless LibreOffice (formulas evaluated on import, as its import
dialog does by default), are read back with openpyxl. Without the guard the formula-like
cell is a formula (the injection the guard prevents); with it the cell is text that shows
`=HYPERLINK(`. The unguarded CSV must also carry the cell exactly as stored.

Usage: guard_check.py --plain-csv F --plain-xlsx F --guarded-csv F --guarded-xlsx F
"""

import argparse
import sys

import openpyxl

FORMULA = '=HYPERLINK("http://evil.example","click")'


def formula_cell(path):
    sheet = openpyxl.load_workbook(path).worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "HYPERLINK" in cell.value.upper():
                return cell
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("plain-csv", "plain-xlsx", "guarded-csv", "guarded-xlsx"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    problems = []
    plain_text = open(args.plain_csv, encoding="utf-8-sig").read()
    if f'"{FORMULA.replace(chr(34), chr(34) * 2)}"' not in plain_text:
        problems.append("the unguarded CSV does not hold the formula exactly as stored")
    if "'=HYPERLINK" not in open(args.guarded_csv, encoding="utf-8-sig").read():
        problems.append("the guarded CSV does not prefix the formula with an apostrophe")
    plain = formula_cell(args.plain_xlsx)
    if plain is None or plain.data_type != "f":
        problems.append(f"without the guard LibreOffice should run the formula; it shows "
                        f"{plain.value if plain else None!r} ({plain.data_type if plain else '-'})")
    guarded = formula_cell(args.guarded_xlsx)
    if guarded is None or guarded.data_type != "s" or "=HYPERLINK(" not in guarded.value:
        problems.append(f"with the guard LibreOffice should show text; it shows "
                        f"{guarded.value if guarded else None!r} "
                        f"({guarded.data_type if guarded else '-'})")
    if problems:
        print(f"FAIL csv formula guard: {len(problems)} problems")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"ok   csv formula guard: off, LibreOffice runs {plain.value[:20]}…; on, it shows "
          f"the text {guarded.value[:21]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
