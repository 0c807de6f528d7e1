"""One validator: the fast path (the strict typed read of members) never decides a reject; it
only shows there is none. For member files with cells drawn canonical, as people type them
(`sí`, `High`, `f`: read through engine/vocabulary.py `parse_value`, which the strict read does
not cover) and bad: the exact validation rejects a row exactly when it holds a bad cell; the
fast path gives a chunk only when the exact validation rejects nothing, and then the same
chunk; and it always gives one for a file of canonical cells."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import partition
from engine.rules import load_rules
from engine.screen import screen
from engine.vectorised import member_stage

RULES = load_rules()
GROUPS = "group_id,country,territory,locality,organisation\n" + "".join(
    f"g{i},MX,12029,rural,osse\n" for i in range(5))
CANONICAL = {
    "group_id": ["g0", "g1", "g2", "g3", "g4"],
    "age": ["30", "0", "120", "17", ""],
    "sex": ["F", "M", ""],
    "prospera": ["true", "False", "TRUE", "1", "0", ""],
    "poverty": ["true", "false", ""],
    "producer_stratum": ["E1", "E6", "none", ""],
    "entrepreneurial_potential": ["high", "very_low", ""],
    "indigenous": ["true", "false", ""],
}
AS_TYPED = {**CANONICAL, "sex": ["f", "mujer", "M"], "prospera": ["yes", "Sí", "no"], "poverty": ["no", "SI"],
            "producer_stratum": ["e1", "E2"], "entrepreneurial_potential": ["High", "medio", "alto"],
            "indigenous": ["sí", "No"]}
BAD = {"group_id": ["nobody", ""], "age": ["121", "-1", "x", "3.5"], "sex": ["X", "otro"],
       "prospera": ["maybe"], "poverty": ["2"], "producer_stratum": ["E7"],
       "entrepreneurial_potential": ["enorme"], "indigenous": ["quizá"]}
ROW_KINDS = ("canonical", "typed", "bad")


def _row(kind: str) -> st.SearchStrategy[tuple[str, str]]:
    if kind == "bad":  # one bad cell among canonical ones
        def spoil(cells: list[str], column: int, which: int) -> str:
            name = list(CANONICAL)[column]
            cells[column] = BAD[name][which % len(BAD[name])]
            return ",".join(cells)
        return st.builds(spoil, st.tuples(*[st.sampled_from(v) for v in CANONICAL.values()]).map(list),
                         st.integers(0, len(CANONICAL) - 1), st.integers(0, 3)).map(lambda r: (kind, r))
    cells = CANONICAL if kind == "canonical" else AS_TYPED
    return st.tuples(*[st.sampled_from(v) for v in cells.values()]).map(lambda c: (kind, ",".join(c)))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=st.lists(st.one_of(_row("canonical"), _row("canonical"), _row("typed"), _row("bad")),
                     min_size=1, max_size=25))
def test_fast_path_gives_a_chunk_only_when_the_exact_validation_rejects_nothing(
        rows: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "groups.csv").write_text(GROUPS, encoding="utf-8")
        text = ",".join(CANONICAL) + "\n" + "\n".join(r for _, r in rows) + "\n"
        (Path(tmp) / "members.csv").write_text(text, encoding="utf-8")
        screening = screen(tmp, RULES, dt.date(2017, 6, 30))
        cols, aggs = member_stage(screening.plan)
        part = next(partition.parts(screening.population, 1))
        fast = screening._clean(part, cols, aggs) if part.typed is not None else None
        exact = screening._validated(partition.Part(part.groups, None, part.members), cols, aggs)
    kinds = {k for k, _ in rows}
    assert (exact.rejects.height == 0) == ("bad" not in kinds), exact.rejects
    if fast is not None:
        assert exact.rejects.height == 0
    if kinds == {"canonical"}:
        assert fast is not None
    if fast is not None:
        columns = sorted(exact.groups.columns)
        assert sorted(fast.groups.columns) == columns
        a = fast.groups.select(columns).sort("group_id")
        b = exact.groups.select(columns).sort("group_id")
        assert a.with_columns(pl.all().cast(pl.String)).equals(b.with_columns(pl.all().cast(pl.String)))
