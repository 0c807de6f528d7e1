"""Reading populations: rejects with line numbers, chunking, formats, never a corrupt output."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from engine import synth
from engine.errors import InputError
from engine.rules import load_rules
from engine.screen import screen_population

DAY = dt.date(2017, 6, 30)
OUT_SCHEMA = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}

GROUPS = """\
group_id,country,territory,locality,organisation
g1,MX,12029,rural,osse
g2,MX,99999,rural,osse
g3,MX,13001,rural,informal
g4,MX,12029,town,osse
g1,MX,12029,rural,osse
g5,,32001,,
"""
MEMBERS = """\
group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential
g1,30,F,True,True,E2,high
g3,130,F,true,false,,medium
g1,45,F,True,True,,high
nobody,30,F,True,True,E1,high
g3,40,M,false,true,E4,low
g1,x,F,True,True,,high
g5,,,,,,
g2,30,F,True,True,E1,high
g1b,30,F,True,True,E1,high
"""


def _write(folder: Path, groups: str, members: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "groups.csv").write_text(groups, encoding="utf-8")
    (folder / "members.csv").write_text(members, encoding="utf-8")
    return folder


def test_population_rejects_name_file_line_and_reason(tmp_path: Path) -> None:
    pop = _write(tmp_path / "pop", GROUPS, MEMBERS)
    report = screen_population(pop, tmp_path / "out.csv", load_rules(), DAY, lang="en")
    rejects = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64})
    assert rejects.columns == ["file", "line", "group_id", "reason"]
    got = {(r["file"], r["line"]): r["reason"] for r in rejects.iter_rows(named=True)}
    assert got[("groups.csv", 3)] == "territory (territory code) `99999` is not a known territory of MX"
    assert got[("groups.csv", 5)] == "locality (locality type) `town` is not one of rural | periurban | urban"
    assert "repeated" in got[("groups.csv", 6)]
    assert got[("members.csv", 3)] == "age 130 out of range (0 to 120)"
    assert got[("members.csv", 5)].startswith("member of no group")
    assert got[("members.csv", 7)] == "age `x` is not a whole number"
    assert got[("members.csv", 10)].startswith("member of no group")
    # groups with a rejected member are left out whole, saying which line spoilt them
    assert got[("groups.csv", 2)] == "group left out: 1 of its members rejected (first at members.csv line 7)"
    assert got[("groups.csv", 4)].startswith(
        "group left out: 1 of its members rejected (first at members.csv line 3)")
    assert len(got) == 9
    out = pl.read_csv(report.out, schema=OUT_SCHEMA)
    assert sorted(out["group_id"].unique()) == ["g5"]  # the only clean group
    assert report.groups == 1


def test_population_rejects_are_in_spanish_by_default_naming_fields_by_their_labels(tmp_path: Path) -> None:
    pop = _write(tmp_path / "pop", GROUPS, MEMBERS)
    report = screen_population(pop, tmp_path / "out.csv", load_rules(), DAY)
    rejects = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64})
    assert rejects.columns == ["file", "line", "group_id", "reason"]  # a machine interface: not translated
    got = {(r["file"], r["line"]): r["reason"] for r in rejects.iter_rows(named=True)}
    assert got == {
        ("groups.csv", 2): "grupo omitido: 1 de sus integrantes fue rechazado (en members.csv, línea 7)",
        ("groups.csv", 3): "territory (clave del territorio): `99999` no es un territorio conocido de MX",
        ("groups.csv", 4): "grupo omitido: 1 de sus integrantes fue rechazado (en members.csv, línea 3)",
        ("groups.csv", 5): "locality (tipo de localidad): `town` no es uno de rural | periurban | urban",
        ("groups.csv", 6): "group_id repetido (una línea anterior lo tiene)",
        ("members.csv", 3): "age (edad): 130 está fuera del rango (0 a 120)",
        ("members.csv", 5): "integrante de ningún grupo (su group_id no está en el archivo de grupos)",
        ("members.csv", 7): "age (edad): `x` no es un número entero",
        ("members.csv", 10): "integrante de ningún grupo (su group_id no está en el archivo de grupos)",
    }


def test_population_group_left_out_counts_its_rejected_members_in_the_plural(tmp_path: Path) -> None:
    members = "group_id,age,prospera\ng1,20,maybe\ng1,x,true\ng1,30,true\n"
    pop = _write(tmp_path / "pop", "group_id,territory\ng1,12029\n", members)
    for lang, said in (
        ("es", "grupo omitido: 2 de sus integrantes fueron rechazados (el primero en members.csv, línea 2)"),
        ("en", "group left out: 2 of its members rejected (first at members.csv line 2)"),
    ):
        report = screen_population(pop, tmp_path / f"out-{lang}.csv", load_rules(), DAY, lang=lang)
        rejects = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64})
        assert rejects.filter(pl.col("file") == "groups.csv")["reason"].to_list() == [said]


def test_population_unknown_facts_screen_as_cannot_tell(tmp_path: Path) -> None:
    pop = _write(tmp_path / "pop", "group_id,country,territory,locality,organisation\ng5,,32001,,\n",
                 "group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential\n"
                 + "g5,,,,,,\n" * 5)
    report = screen_population(pop, tmp_path / "out.csv", load_rules(), DAY)
    out = {r["program"]: r for r in pl.read_csv(report.out, schema=OUT_SCHEMA).iter_rows(named=True)}
    assert out["proinpro"]["eligible"] is None and out["proinpro"]["failed"] is None
    assert out["red-oportunidades-empresariales"]["eligible"] is False  # Panama only, and not in force


def test_population_chunked_equals_whole_and_parquet_equals_csv(tmp_path: Path) -> None:
    groups, members = synth.generate(3000, seed=4)
    synth.write(groups, members, tmp_path / "csv")
    synth.write(groups, members, tmp_path / "pq", "parquet")
    rules = load_rules()
    whole = screen_population(tmp_path / "csv", tmp_path / "whole.csv", rules, DAY)
    parts = screen_population(tmp_path / "csv", tmp_path / "parts.parquet", rules, DAY, chunk_bytes=40_000)
    pq = screen_population(tmp_path / "pq", tmp_path / "pq.csv", rules, DAY)
    assert whole.partitions == 1 and parts.partitions > 4
    key = ["group_id", "program"]
    a = pl.read_csv(whole.out, schema=OUT_SCHEMA).sort(key)
    b = pl.read_parquet(parts.out).with_columns(pl.col("program").cast(pl.String)).sort(key)
    c = pl.read_csv(pq.out, schema=OUT_SCHEMA).sort(key)
    assert a.height == 3000 * len(rules.slugs)
    assert a.equals(b) and a.equals(c)
    assert whole.summary.sort("program", "state").equals(parts.summary.sort("program", "state"))
    assert not list(tmp_path.glob(".*tmp")) and not list(tmp_path.glob("vincula-screen-*"))


def test_population_failed_run_leaves_previous_output_untouched(tmp_path: Path) -> None:
    groups, members = synth.generate(500, seed=2)
    synth.write(groups, members, tmp_path / "pop")
    target = tmp_path / "out.csv"
    target.write_text("previous results\n")

    def boom(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_population(tmp_path / "pop", target, load_rules(), DAY, chunk_bytes=5_000, progress=boom)
    assert target.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "pop"]


def test_population_missing_files_or_columns_say_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no groups.csv"):
        screen_population(tmp_path, tmp_path / "o.csv", load_rules(), DAY, lang="en")
    pop = _write(tmp_path / "pop", "id,territory\nx,12029\n", "group_id,age\n")
    with pytest.raises(InputError, match="no column group_id") as err:
        screen_population(pop, tmp_path / "o.csv", load_rules(), DAY, lang="en")
    assert "the header must name the columns group_id, territory" in str(err.value)


def test_population_missing_files_or_columns_are_said_in_spanish_by_default(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no hay groups.csv \+ members.csv") as err:
        screen_population(tmp_path, tmp_path / "o.csv", load_rules(), DAY)
    assert "el formato de intercambio se describe" in str(err.value)
    with pytest.raises(InputError, match="no se encontró la carpeta de la población"):
        screen_population(tmp_path / "nowhere", tmp_path / "o.csv", load_rules(), DAY)
    pop = _write(tmp_path / "pop", "id,territory\nx,12029\n", "group_id,age\n")
    with pytest.raises(InputError, match="groups.csv: falta la columna group_id") as err:
        screen_population(pop, tmp_path / "o.csv", load_rules(), DAY)
    assert "el encabezado debe nombrar las columnas group_id, territory" in str(err.value)


def test_synth_is_deterministic_and_members_not_contiguous() -> None:
    g1, m1 = synth.generate(200, seed=9)
    g2, m2 = synth.generate(200, seed=9)
    assert g1.equals(g2) and m1.equals(m2)
    runs = m1.select((pl.col("group_id") != pl.col("group_id").shift()).sum()).item()
    assert runs > g1.height  # a group's members are spread out
    assert not synth.generate(200, seed=10)[1].equals(m1)


def test_synth_streamed_in_blocks_is_repeatable_and_screens_clean(tmp_path: Path) -> None:
    first = synth.write_population(1000, tmp_path / "a", seed=6, block_groups=240)
    again = synth.write_population(1000, tmp_path / "b", seed=6, block_groups=240)
    for a, b in zip(first[:2], again[:2], strict=True):
        assert a.read_bytes() == b.read_bytes()
    groups = pl.read_csv(first[0], schema=synth.GROUP_SCHEMA)
    members = pl.read_csv(first[1], schema=synth.MEMBER_SCHEMA)
    assert first[2:] == (1000, members.height)
    assert groups["group_id"].is_unique().all() and groups["group_id"][-1] == "s6-0000999"
    assert members["group_id"].is_in(groups["group_id"].implode()).all()
    # the same rows as the in-memory frames drawn with the same blocks
    g, m = synth.generate(1000, seed=6, block_groups=240)
    assert groups.equals(g) and members.equals(m)
    report = screen_population(tmp_path / "a", tmp_path / "out.csv", load_rules(), DAY)
    assert report.rejected_rows == 0 and report.groups == 1000
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["groups.csv", "members.csv"]


def test_synth_streamed_parquet_has_a_row_group_per_block(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    groups, members, n_groups, n_members = synth.write_population(700, tmp_path, 3, "parquet", 300)
    assert pq.ParquetFile(groups).num_row_groups == 3 and pq.ParquetFile(members).num_row_groups == 3
    g, m = synth.generate(700, seed=3, block_groups=300)
    assert pl.read_parquet(groups).equals(g) and pl.read_parquet(members).equals(m)
    assert (n_groups, n_members) == (700, m.height)
    assert screen_population(tmp_path, tmp_path / "out.csv", load_rules(), DAY).rejected_rows == 0


def test_synth_interrupted_write_leaves_previous_files_untouched(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "groups.csv").write_text("previous groups\n")
    drawn = synth._block

    def block(seed: int, index: int, start: int, n: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        if index == 2:
            raise KeyboardInterrupt
        return drawn(seed, index, start, n)

    monkeypatch.setattr(synth, "_block", block)
    with pytest.raises(KeyboardInterrupt):
        synth.write_population(500, tmp_path, block_groups=100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groups.csv"]
    assert (tmp_path / "groups.csv").read_text() == "previous groups\n"


def test_synth_straddles_the_thresholds() -> None:
    groups, members = synth.generate(3000, seed=4)
    sizes = members.group_by("group_id").agg(pl.len().alias("n"), pl.col("prospera").sum().alias("p"))
    assert {4, 5, 6} <= set(sizes["n"].to_list())
    assert (sizes["p"] * 2 == sizes["n"]).sum() > 100 and (sizes["p"] == sizes["n"] // 2 + 1).sum() > 100
    assert {17, 18, 65, 66} <= set(members["age"].to_list())
    assert {"E3", "E4"} <= set(members["producer_stratum"].to_list())
    assert all(members[c].null_count() > 0 for c in members.columns if c != "group_id")
    assert groups["locality"].null_count() > 0 and groups["organisation"].null_count() > 0
    assert 30 < (groups["country"] == "PA").sum() < 180
    assert groups["territory"].str.slice(0, 2).is_in(["12", "13", "32"]).sum() > 900  # 30% + their share


def test_population_group_ids_that_need_quoting_survive_the_results_file(tmp_path: Path) -> None:
    # a clean population (the single-pass path), with ids holding a comma, a quote and a newline
    ids = ['coop, "La Esperanza"', "plain-1", "two\nlines"]
    groups = pl.DataFrame({"group_id": ids, "country": ["MX"] * 3, "territory": ["12029"] * 3,
                           "locality": ["rural"] * 3, "organisation": ["osse"] * 3})
    members = pl.DataFrame({"group_id": [i for i in ids for _ in range(5)], "age": [30] * 15,
                            "sex": ["F"] * 15, "prospera": ["True"] * 15, "poverty": ["True"] * 15,
                            "producer_stratum": ["E2"] * 15, "entrepreneurial_potential": ["high"] * 15})
    (tmp_path / "pop").mkdir()
    groups.write_csv(tmp_path / "pop" / "groups.csv")
    members.write_csv(tmp_path / "pop" / "members.csv")
    report = screen_population(tmp_path / "pop", tmp_path / "out.csv", load_rules(), DAY)
    assert report.rejected_rows == 0
    out = pl.read_csv(report.out, schema=OUT_SCHEMA)
    assert sorted(out["group_id"].unique()) == sorted(ids)
    assert out.filter(pl.col("program") == "proinpro")["eligible"].to_list() == [True] * 3


@pytest.mark.parametrize("spelled", [
    {True: "tRuE", False: "FALSE"},  # words in any letter case: read as Booleans in one pass
    {True: "1", False: "0"},          # digits: read through the Enum of every accepted word
])
def test_population_true_and_false_in_any_case_or_as_digits_screen_alike(tmp_path: Path,
                                                                        spelled: dict[bool, str]) -> None:
    groups, members = synth.generate(400, seed=5)
    synth.write(groups, members, tmp_path / "plain")
    respelled = members.with_columns(
        pl.col(c).replace_strict(spelled, default=None, return_dtype=pl.String) for c in ("prospera", "poverty"))
    synth.write(groups, respelled, tmp_path / "spelled")
    rules = load_rules()
    plain = screen_population(tmp_path / "plain", tmp_path / "plain.csv", rules, DAY)
    one_pass = screen_population(tmp_path / "spelled", tmp_path / "one.csv", rules, DAY)
    in_parts = screen_population(tmp_path / "spelled", tmp_path / "parts.csv", rules, DAY, chunk_bytes=20_000)
    assert plain.rejected_rows == one_pass.rejected_rows == in_parts.rejected_rows == 0
    key = ["group_id", "program"]
    expected = pl.read_csv(plain.out, schema=OUT_SCHEMA).sort(key)
    assert expected["eligible"].sum() > 0
    for report in (one_pass, in_parts):
        assert pl.read_csv(report.out, schema=OUT_SCHEMA).sort(key).equals(expected)


def test_population_other_truth_words_are_rejected_with_their_line(tmp_path: Path) -> None:
    members = ("group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential\n"
               + "g1,30,F,true,TRUE,E2,high\n" * 4 + "g1,31,F,maybe,true,E2,high\n")
    pop = _write(tmp_path / "pop", "group_id,country,territory,locality,organisation\ng1,MX,12029,rural,osse\n",
                 members)
    for lang, said in (
        ("es", "prospera (beneficiaria de PROSPERA): `maybe` no es sí ni no"),
        ("en", "prospera (PROSPERA beneficiary) `maybe` is not true or false (sí / no)"),
    ):
        report = screen_population(pop, tmp_path / "out.csv", load_rules(), DAY, lang=lang)
        rejects = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64})
        got = {(r["file"], r["line"]): r["reason"] for r in rejects.iter_rows(named=True)}
        assert got[("members.csv", 6)] == said
        assert report.groups == 0


def test_population_rejects_are_the_same_screened_whole_or_in_typed_partitions(tmp_path: Path) -> None:
    # every value passes the strict read (so partitions hold typed members), yet rows are bad:
    # an age out of range, a member of no group, an unknown territory, a repeated group_id
    groups = ("group_id,country,territory,locality,organisation\n"
              + "".join(f"g{i},MX,12029,rural,osse\n" for i in range(40))
              + "g7,MX,12029,rural,osse\ng40,MX,99999,rural,osse\n")
    members = ("group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential\n"
               + "".join(f"g{i % 41},{20 + i % 40},F,true,TRUE,E2,high\n" for i in range(400))
               + "g3,130,F,true,true,E2,high\nnobody,30,M,false,false,,low\n")
    pop = _write(tmp_path / "pop", groups, members)
    rules = load_rules()
    whole = screen_population(pop, tmp_path / "whole.csv", rules, DAY, lang="en")
    parts = screen_population(pop, tmp_path / "parts.csv", rules, DAY, chunk_bytes=1_000, lang="en")
    assert whole.partitions == 1 and parts.partitions > 5

    def rejects(report):
        return pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64}).sort("file", "line")

    assert rejects(parts).equals(rejects(whole))
    reasons = dict(zip(rejects(whole)["line"], rejects(whole)["reason"], strict=True))
    assert reasons[402] == "age 130 out of range (0 to 120)" and reasons[403].startswith("member of no group")
    key = ["group_id", "program"]
    a = pl.read_csv(whole.out, schema=OUT_SCHEMA).sort(key)
    assert a.equals(pl.read_csv(parts.out, schema=OUT_SCHEMA).sort(key))
    # g3 is left out for its member, g40 for its territory; the second g7 line is rejected
    assert a["group_id"].n_unique() == 39 and "g7" in a["group_id"] and "g3" not in a["group_id"]


def test_population_carries_every_fact_a_group_file_states(tmp_path: Path) -> None:
    # project fields, stated territory facts and the indigenous member fact travel through the
    # interchange format: 3x1 and the Panama priorities are judged, not "cannot tell"
    from engine.eligibility import EligibilityEngine
    from engine.population import frames_of
    from engine.schema import Group

    project = {"proposer": "migrant_club", "proposer_country": "us", "sector": "agriculture",
               "contributions": {"federal": 250000, "state": 250000, "municipal": 250000, "migrant": 250000}}
    docs = [
        Group(id="club", territory="32010", organisation="osse", project=project, urban_zap_pct=30,
              social_bank_office=True,
              members=[{"age": 40, "indigenous": True}]),
        Group(id="short", territory="32010",
              project=dict(project, contributions={"federal": 250000, "state": 250000, "migrant": 250000})),
        Group(id="pa", country="PA", territory="09", locality="rural", project={"sector": "tourism"},
              members=[{"poverty": True, "indigenous": False}]),
    ]
    groups, members = frames_of(docs)
    synth.write(groups, members, tmp_path / "pop")
    out = {}
    for day in (DAY, dt.date(2011, 6, 30), dt.date(2006, 6, 30)):
        report = screen_population(tmp_path / "pop", tmp_path / "out.csv", load_rules(), day)
        assert report.rejected_rows == 0
        out[day] = {(r["group_id"], r["program"]): (r["eligible"], r["failed"])
                    for r in pl.read_csv(report.out, schema=OUT_SCHEMA).iter_rows(named=True)}
    club_day = dt.date(2006, 6, 30)  # 3x1's shares are sourced for 2002-2007 (001)
    assert out[club_day][("club", "3x1-migrantes")] == (True, None)
    assert out[club_day][("short", "3x1-migrantes")] == (False, "municipal_share")  # an empty level is 0
    assert out[DAY][("club", "opciones-productivas")][0] is not None  # urban ZAP and banking stated
    assert out[dt.date(2011, 6, 30)][("pa", "red-oportunidades-empresariales")] == (True, None)
    engine = EligibilityEngine()
    for day, rows in out.items():
        for doc in docs:
            for det in engine.check(doc, day).determinations:
                assert rows[(doc.id, det.program)] == (det.eligible, ";".join(det.failed) or None)


def test_population_rejects_bad_project_values_with_their_reason(tmp_path: Path) -> None:
    groups = ("group_id,territory,project.proposer,project.proposer_country,project.federal,social_bank_office\n"
              "a,32010,migrant_club,US,250000,true\n"
              "b,32010,migrant_club,XX,250000,true\n"
              "c,32010,migrant_club,US,abc,true\n"
              "d,32010,migrant_club,US,-5,maybe\n"
              "e,32010,club,mx,1e400,\n")
    pop = _write(tmp_path / "pop", groups, "group_id,age\n")
    report = screen_population(pop, tmp_path / "out.csv", load_rules(), DAY, lang="en")
    rejects = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64})
    got = dict(zip(rejects["line"], rejects["reason"], strict=True))
    assert got[3] == ("project.proposer_country (country where the proposer is organised) `XX` is not a "
                      "country code: write two letters (ISO 3166-1) such as US, CA or ES, or the country's name")
    assert got[4] == "project.federal (federal contribution) `abc` is not a number"
    assert got[5] == ("social_bank_office (social-banking office (stated)) `maybe` is not true or false (sí / no); "
                      "project.federal (federal contribution) -5 out of range (0 to 1,000,000,000,000,000)")
    assert got[6].startswith("project.proposer `club` is not one of migrant_club | migrant_federation")
    assert "project.federal (federal contribution) 1e400 out of range" in got[6]
    assert report.groups == 1 and len(got) == 4


def test_reasons_worded_by_polars_fill_each_row_and_pick_the_plural_per_row() -> None:
    from engine.validation import worded

    rows = pl.DataFrame({"n": [1, 3, 2], "line": [4, 9, None]})
    reason = worded("reject.group_left_out", "es", count=pl.col("n"), file="a{}.csv", line=pl.col("line"))
    assert rows.select(reason.alias("r"))["r"].to_list() == [
        "grupo omitido: 1 de sus integrantes fue rechazado (en a{}.csv, línea 4)",
        "grupo omitido: 3 de sus integrantes fueron rechazados (el primero en a{}.csv, línea 9)",
        None,  # a value not known: no reason made up
    ]
    english = worded("reject.group_left_out", "en", count=pl.col("n"), file="m.csv", line=pl.col("line"))
    assert rows.head(1).select(english.alias("r")).item() == "group left out: 1 of its members rejected (first at m.csv line 4)"
