#!/usr/bin/env python3
"""Check the formatting of XLSX and XLS files the way a user's spreadsheet would see it.

XLSX, with openpyxl: the date-time and date columns hold `datetime` values (dates at
midnight, shown without a time), the header row is bold and frozen (the pane starts at
A2), an autofilter covers the header, and every column is wide enough for its header.
XLS, with xlrd: the same columns are XL_CELL_DATE cells whose values match the XLSX's,
the header's font is bold and the first row is frozen.

Usage: check.py --xlsx FILE --xls FILE --datetime-columns B --date-columns C
Exits non-zero on the first failed file, listing every problem found in it.
"""

import argparse
import datetime
import sys

import openpyxl
import xlrd
from openpyxl.utils import column_index_from_string


def check_xlsx(path, datetime_columns, date_columns):
    problems = []
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell for cell in sheet[1]]
    if not header:
        return ["the sheet has no header row"], sheet
    for cell in header:
        if not cell.font.b:
            problems.append(f"header cell {cell.coordinate} is not bold")
    if sheet.freeze_panes != "A2":
        problems.append(f"the frozen pane starts at {sheet.freeze_panes}, not A2")
    last = header[-1].column_letter
    if not (sheet.auto_filter.ref or "").startswith(f"A1:{last}"):
        problems.append(f"the autofilter covers {sheet.auto_filter.ref!r}, not A1:{last}…")
    for cell in header:
        column = sheet.column_dimensions[cell.column_letter]
        if not column.customWidth or column.width < len(str(cell.value)):
            problems.append(f"column {cell.column_letter} is {column.width} wide (set: "
                            f"{column.customWidth}), its header {cell.value!r} needs "
                            f"{len(str(cell.value))}")
    rows = list(sheet.iter_rows(min_row=2))
    if not rows:
        problems.append("the sheet has no data rows")
    for row in rows:
        for letter in datetime_columns + date_columns:
            cell = row[column_index_from_string(letter) - 1]
            if cell.value is None:
                continue
            if not isinstance(cell.value, datetime.datetime):
                problems.append(f"{cell.coordinate} holds {cell.value!r}, not a datetime")
            elif letter in date_columns and cell.value.time() != datetime.time(0):
                problems.append(f"{cell.coordinate} is a date with a time: {cell.value}")
            elif letter in date_columns and ("h" in cell.number_format):
                problems.append(f"{cell.coordinate} shows a time: {cell.number_format!r}")
    return problems, sheet


def check_xls(path, datetime_columns, date_columns, xlsx_sheet):
    problems = []
    book = xlrd.open_workbook(path, formatting_info=True)
    sheet = book.sheet_by_index(0)
    for col in range(sheet.ncols):
        xf = book.xf_list[sheet.cell_xf_index(0, col)]
        if book.font_list[xf.font_index].weight < 700:
            problems.append(f"header cell (0,{col}) is not bold")
    if not sheet.panes_are_frozen or sheet.horz_split_pos != 1:
        problems.append(f"the first row is not frozen (frozen={sheet.panes_are_frozen}, "
                        f"split at row {sheet.horz_split_pos})")
    for letter in datetime_columns + date_columns:
        col = column_index_from_string(letter) - 1
        for row in range(1, sheet.nrows):
            cell = sheet.cell(row, col)
            if cell.ctype == xlrd.XL_CELL_EMPTY:
                continue
            if cell.ctype != xlrd.XL_CELL_DATE:
                problems.append(f"xls cell ({row},{col}) has type {cell.ctype}, not a date")
                continue
            value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
            expected = xlsx_sheet.cell(row=row + 1, column=col + 1).value
            if not isinstance(expected, datetime.datetime):
                continue  # reported by the XLSX check
            if abs((value - expected).total_seconds()) > 0.001:
                problems.append(f"xls cell ({row},{col}) is {value}, the XLSX says {expected}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xlsx", required=True)
    parser.add_argument("--xls", required=True)
    parser.add_argument("--datetime-columns", default="", type=lambda s: s.split(",") if s else [])
    parser.add_argument("--date-columns", default="", type=lambda s: s.split(",") if s else [])
    args = parser.parse_args()

    xlsx_problems, sheet = check_xlsx(args.xlsx, args.datetime_columns, args.date_columns)
    xls_problems = check_xls(args.xls, args.datetime_columns, args.date_columns, sheet)
    failed = 0
    for name, problems in (("xlsx (openpyxl)", xlsx_problems), ("xls (xlrd)", xls_problems)):
        if problems:
            failed += 1
            print(f"FAIL {name}: {len(problems)} problems")
            for problem in problems[:10]:
                print(f"  {problem}")
        else:
            print(f"ok   {name}: dates are dates, the header is bold and frozen")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
