"""Cells of the CSV and spreadsheet files the project writes, safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula when the file is opened in Excel,
LibreOffice or Google Sheets: an id like `=cmd|' /C calc'!A0` becomes a command. Every text cell
the project writes to CSV or XLSX goes through `safe_text` (one value) or `safe_column` (a polars
column): such a cell gets a leading apostrophe, which spreadsheets show as text and do not run.
Numbers are written as numbers and never changed; JSON output keeps the values as they are.
"""

from __future__ import annotations

from typing import Any

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^([=+\-@\t\r])"


def safe_text(value: Any) -> Any:
    """`value` as a spreadsheet should read it: a text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_column(column: str | pl.Expr) -> pl.Expr:
    """The polars form of `safe_text` for a text column (other types are left to the caller)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.str.replace(_PATTERN, "'$1")


def safe_frame(frame: pl.DataFrame | pl.LazyFrame) -> Any:
    """Every text (and categorical) column of `frame` made safe; other columns unchanged."""
    text = [
        name
        for name, dtype in frame.collect_schema().items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    return frame.with_columns(safe_column(pl.col(name).cast(pl.String)).alias(name) for name in text)
