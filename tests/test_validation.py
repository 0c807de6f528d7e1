"""One validator: the fast path (the strict typed read of members) never decides a reject; it
only shows there is none. For member files with cells drawn good and bad, the fast path gives
a chunk exactly when the exact validation rejects nothing, and then the same chunk."""
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
CELLS = {
    "group_id": ["g0", "g1", "g2", "g3", "g4", "nobody", ""],
    "age": ["30", "0", "120", "17", "121", "-1", "x", "3.5", ""],
    "sex": ["F", "M", "f", "X", ""],
    "prospera": ["true", "False", "TRUE", "1", "0", "yes", ""],
    "poverty": ["true", "false", "no", ""],
    "producer_stratum": ["E1", "E6", "none", "E7", "e1", ""],
    "entrepreneurial_potential": ["high", "very_low", "High", "medium ", ""],
    "indigenous": ["true", "false", "sí", ""],
}
GOOD = {c: [v for v in vs if v not in ("nobody", "121", "-1", "x", "3.5", "f", "X", "yes", "no", "E7", "e1",
                                       "High", "medium ", "sí")] for c, vs in CELLS.items()}
GOOD["group_id"] = ["g0", "g1", "g2", "g3", "g4"]


def _row(cells: dict[str, list[str]]) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from(vs) for vs in cells.values()]).map(",".join)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=st.lists(st.one_of(_row(GOOD), _row(GOOD), _row(CELLS)), min_size=1, max_size=25))
def test_fast_path_gives_a_chunk_exactly_when_the_exact_validation_rejects_nothing(rows: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "groups.csv").write_text(GROUPS, encoding="utf-8")
        (Path(tmp) / "members.csv").write_text(",".join(CELLS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        screening = screen(tmp, RULES, dt.date(2017, 6, 30))
        cols, aggs = member_stage(screening.plan)
        part = next(partition.parts(screening.population, 1))
        fast = screening._clean(part, cols, aggs) if part.typed is not None else None
        exact = screening._validated(partition.Part(part.groups, None, part.members), cols, aggs)
    assert (fast is not None) == (exact.rejects.height == 0), exact.rejects
    if fast is not None:
        columns = sorted(exact.groups.columns)
        assert sorted(fast.groups.columns) == columns
        a = fast.groups.select(columns).sort("group_id")
        b = exact.groups.select(columns).sort("group_id")
        assert a.with_columns(pl.all().cast(pl.String)).equals(b.with_columns(pl.all().cast(pl.String)))
