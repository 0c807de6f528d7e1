"""Text cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import polars as pl

from engine.tabular import safe_column, safe_frame, safe_text

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def test_formula_leading_texts_get_an_apostrophe_and_others_are_unchanged():
    assert [safe_text(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [safe_text(v) for v in ["g-001", "a=b", "", None, -5, 3.5]] == ["g-001", "a=b", "", None, -5, 3.5]


def test_polars_columns_agree_with_the_single_value_rule():
    values = [*HOSTILE, "g-001", "a=b", "", None]
    frame = pl.DataFrame({"id": values, "n": list(range(len(values)))})
    assert frame.select(safe_column("id"))["id"].to_list() == [safe_text(v) for v in values]
    safe = safe_frame(frame.with_columns(pl.col("id").cast(pl.Categorical).alias("cat")))
    assert safe["cat"].to_list() == [safe_text(v) for v in values]
    assert safe["n"].to_list() == list(range(len(values)))
