"""`vincula coverage`: a padrón crossed with the rules, on a population small enough that every
case is written out here, so each figure can be checked by reading the test."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from api.cli import app
from engine.coverage import measure
from engine.errors import InputError
from engine.rules import load_rules

runner = CliRunner()
DAY = dt.date(2017, 6, 30)
HEADER = "group_id,person_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential"


def _member(gid: str, person: str, age: int = 30, prospera: str = "true") -> str:
    # a woman in poverty, producer of stratum E2, high potential: she never blocks a programme
    return f"{gid},{person},{age},F,{prospera},true,E2,high"


def write_population(folder: Path) -> None:
    """Groups in Chilpancingo (12029, Guerrero), rural, formal (osse), five members each, all
    eligible for proinpro and el-campo-en-nuestras-manos except where said."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = ["group_id,country,territory,locality,organisation"]
    members = [HEADER]

    def group(gid: str, locality: str = "rural", territory: str = "12029") -> None:
        groups.append(f"{gid},MX,{territory},{locality},osse")

    group("g-ok1")  # P1..P5, all PROSPERA
    members += [_member("g-ok1", f"P{k}") for k in range(1, 6)]
    group("g-ok2")  # P5 again (also in g-ok1), P6..P9; P6 not PROSPERA
    members += [_member("g-ok2", "P5"), _member("g-ok2", "P6", prospera="false")]
    members += [_member("g-ok2", f"P{k}") for k in range(7, 10)]
    group("g-young")  # one member aged 17: proinpro's `adults` fails (el-campo: she is an E2 producer);
    # P6 again, here in PROSPERA: a person is in PROSPERA if any of their rows says so
    members += [_member("g-young", "P10", age=17)] + [_member("g-young", f"P{k}") for k in range(11, 14)]
    members += [_member("g-young", "P6")]
    group("g-urban", locality="urban")  # proinpro's `rural` fails; one member has no person_id
    members += [_member("g-urban", "")] + [_member("g-urban", f"P{k}") for k in range(15, 19)]
    group("g-unknown")  # PROSPERA: 2 yes, 2 no, 1 not known -> "more than half" cannot be told
    members += [_member("g-unknown", "P19", prospera=""), _member("g-unknown", "P20"), _member("g-unknown", "P21")]
    members += [_member("g-unknown", f"P{k}", prospera="false") for k in (22, 23)]
    group("g-bad", territory="99999")  # rejected by the population: unknown territory
    members += [_member("g-bad", f"P{k}") for k in range(24, 29)]
    (folder / "groups.csv").write_text("\n".join(groups) + "\n")
    (folder / "members.csv").write_text("\n".join(members) + "\n")


PADRON = """program,fiscal_year,group_id
proinpro,2017,g-ok1
proinpro,2017,g-young
proinpro,2017,g-urban
proinpro,2017,g-unknown
proinpro,2017,g-bad
proinpro,2017,g-ghost
proinpro,2017,g-ok1
proinpr,2017,g-ok2
proinpro,2016,g-ok2
el-campo-en-nuestras-manos,2017,g-ok2
el-campo-en-nuestras-manos,2017,g-young
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    write_population(tmp_path / "pop")
    (tmp_path / "padron.csv").write_text(PADRON)
    return tmp_path


def test_coverage_counts_each_cell_of_a_hand_made_registry(registry: Path) -> None:
    report = measure(registry / "pop", registry / "padron.csv", load_rules(), DAY, examples=10)
    assert report.fiscal_year == 2017
    assert list(report.programs) == ["el-campo-en-nuestras-manos", "proinpro"]
    pro = report.programs["proinpro"]
    assert (pro.eligible_served, pro.eligible_not_served) == (1, 1)  # g-ok1 ; g-ok2
    assert (pro.not_eligible_served, pro.not_eligible_not_served) == (2, 0)  # g-young, g-urban
    assert (pro.cannot_tell_served, pro.cannot_tell_not_served) == (1, 0)  # g-unknown
    assert pro.examples == {
        "eligible_served": ["g-ok1"],
        "eligible_not_served": ["g-ok2"],
        "not_eligible_served": ["g-urban", "g-young"],
        "cannot_tell_served": ["g-unknown"],
    }
    assert {c.criterion: c.groups for c in pro.inclusion_by_criterion} == {"adults": 1, "rural": 1}
    assert pro.served == 4
    # people of g-ok1, g-young, g-urban, g-unknown: 5 + 5 + 4 (one without person_id) + 5 = 19;
    # PROSPERA among them: all but P19 (not known), P22 and P23 (no)
    assert (pro.persons_served, pro.prospera_persons_served) == (19, 16)
    assert pro.by_state["Guerrero"].eligible_served == 1
    campo = report.programs["el-campo-en-nuestras-manos"]
    assert (campo.eligible_served, campo.eligible_not_served, campo.not_eligible_not_served) == (2, 2, 1)
    # P5..P13: P6 is not in PROSPERA in g-ok2 but is in g-young, so all nine count
    assert (campo.persons_served, campo.prospera_persons_served) == (9, 9)
    assert campo.inclusion_by_criterion == []


def test_coverage_overlap_counts_people_across_groups_and_programmes(registry: Path) -> None:
    report = measure(registry / "pop", registry / "padron.csv", load_rules(), DAY)
    # g-young is served by both (P10..P13, P6), and P5 is in g-ok1 (proinpro) and g-ok2 (el-campo)
    assert report.overlap.persons_in_two_or_more == 6
    assert report.overlap.persons_served == 19 + 9 - 6
    [pair] = report.overlap.pairs
    assert pair.programs == ["el-campo-en-nuestras-manos", "proinpro"]
    assert (pair.persons, pair.groups) == (6, 1)
    # the rule files say El Campo en Nuestras Manos funded PROINPRO groups (004, quoted)
    assert pair.concurrency == "allowed"


def test_coverage_rejects_say_file_line_and_reason_and_the_run_goes_on(registry: Path) -> None:
    rejects = registry / "rejects.csv"
    report = measure(registry / "pop", registry / "padron.csv", load_rules(), DAY, rejects=rejects, lang="en")
    rows = pl.read_csv(rejects).rows(named=True)
    by_place = {(r["file"], r["line"]): (r["group_id"], r["reason"]) for r in rows}
    assert by_place[("padron.csv", 6)][0] == "g-bad"
    assert "the population rejected this group (groups.csv, line 7" in by_place[("padron.csv", 6)][1]
    assert by_place[("padron.csv", 7)] == ("g-ghost", "the group is not in the population")
    assert by_place[("padron.csv", 8)] == ("g-ok1", "repeated row (line 2 has the same programme, year and group)")
    assert "`proinpr`; did you mean proinpro?" in by_place[("padron.csv", 9)][1]
    assert by_place[("members.csv", 17)][0] == "g-urban"
    assert "empty person_id" in by_place[("members.csv", 17)][1] and "proinpro" in by_place[("members.csv", 17)][1]
    assert ("groups.csv", 7) in by_place  # the population's own reject of g-bad
    assert "padron.csv" not in {f for f, line in by_place if line == 10}  # 2016: another year, not an error
    assert report.rejects.rows == len(rows)
    assert report.rejects.by_kind == {
        "padron.reject.duplicate": 1,
        "padron.reject.group_not_in_population": 1,
        "padron.reject.group_rejected": 1,
        "padron.reject.person_missing": 1,
        "padron.reject.unknown_program": 1,
        "population": report.population.rejected_rows,
    }
    assert report.padron.rows_other_years == 1


def test_coverage_rows_of_a_programme_without_rules_in_force_are_rejected(registry: Path) -> None:
    padron = PADRON.replace("proinpro,2016,g-ok2", "proinpro,2018,g-ok2")
    (registry / "padron.csv").write_text(padron + "opciones-productivas,2018,g-ok1\n")
    rejects = registry / "rejects.csv"
    report = measure(registry / "pop", registry / "padron.csv", load_rules(), dt.date(2018, 6, 30), rejects=rejects)
    assert list(report.programs) == ["opciones-productivas"] and report.padron.not_in_force == ["proinpro"]
    reasons = pl.read_csv(rejects).filter(pl.col("line") == 10)["reason"].to_list()
    assert reasons == ["proinpro no tiene reglas vigentes en el ejercicio 2018 (vigentes del 2016-01-01 al 2017-12-31)"]
    # judged on a day of 2017 after its rules ended, the same rows say which dates would do
    proinpro_only = PADRON.replace("el-campo-en-nuestras-manos", "opciones-productivas")
    (registry / "padron.csv").write_text(proinpro_only)
    with pytest.raises(InputError, match="no row to measure for fiscal year 2019") as err:
        measure(registry / "pop", registry / "padron.csv", load_rules(), dt.date(2019, 1, 1), lang="en")
    assert "the padrón lists the fiscal years 2016, 2017: choose --as-of in one of them" in str(err.value)
    with pytest.raises(InputError, match="el padrón no tiene ninguna fila que medir en el ejercicio fiscal 2019") as err:
        measure(registry / "pop", registry / "padron.csv", load_rules(), dt.date(2019, 1, 1))
    assert "el padrón tiene los ejercicios fiscales 2016, 2017: elija --as-of en uno de ellos" in str(err.value)


def test_coverage_bad_padron_files_are_clear_errors_before_any_work(registry: Path) -> None:
    rules = load_rules()
    (registry / "padron.txt").write_text(PADRON)
    with pytest.raises(InputError, match="must be CSV"):
        measure(registry / "pop", registry / "padron.txt", rules, DAY, lang="en")
    with pytest.raises(InputError, match=r"un padrón es CSV \(.csv\) o Parquet \(.parquet\), no `.txt`"):
        measure(registry / "pop", registry / "padron.txt", rules, DAY)
    (registry / "short.csv").write_text("program,group_id\nproinpro,g-ok1\n")
    with pytest.raises(InputError, match="no column fiscal_year") as err:
        measure(registry / "pop", registry / "short.csv", rules, DAY, lang="en")
    assert err.value.where and err.value.where.endswith("short.csv:1")
    with pytest.raises(InputError, match="falta la columna fiscal_year en el padrón"):
        measure(registry / "pop", registry / "short.csv", rules, DAY)
    members = registry / "pop" / "members.csv"
    members.write_text("\n".join(line.split(",", 2)[0] + "," + line.split(",", 2)[2]
                                 for line in members.read_text().splitlines()) + "\n")
    with pytest.raises(InputError, match="no column person_id"):
        measure(registry / "pop", registry / "padron.csv", rules, DAY, lang="en")
    with pytest.raises(InputError, match="members.csv no tiene la columna person_id"):
        measure(registry / "pop", registry / "padron.csv", rules, DAY)


def test_coverage_padron_in_parquet_gives_the_same_report(registry: Path) -> None:
    pl.read_csv(registry / "padron.csv").write_parquet(registry / "padron.parquet")
    a = measure(registry / "pop", registry / "padron.csv", load_rules(), DAY)
    b = measure(registry / "pop", registry / "padron.parquet", load_rules(), DAY)
    assert a.programs == b.programs and a.overlap == b.overlap


def test_coverage_cli_prints_a_spanish_summary_and_writes_json(registry: Path) -> None:
    res = runner.invoke(app, ["coverage", str(registry / "pop"), "--padron", str(registry / "padron.csv"),
                              "--as-of", "2017-06-30", "--rejects", str(registry / "r.csv")])
    assert res.exit_code == 0, res.output
    assert "Cobertura en el ejercicio fiscal 2017" in res.output
    assert "No elegibles atendidos (inclusión)" in res.output
    assert "6 personas están en grupos apoyados por dos o más programas en 2017" in res.output
    assert "sí, permitido" in res.output  # El Campo funded PROINPRO groups (004)
    # programmes by their short names, criteria by their labels, the date as written in Spanish
    text = " ".join(res.output.split())
    assert "reglas vigentes al 30/06/2017" in text
    assert "El Campo en Nuestras Manos + PROINPRO:" in text
    assert "PROINPRO · Inclusión por criterio que bloquea" in text and "Localidad rural 1" in text
    assert "el-campo-en-nuestras-manos" not in text
    res = runner.invoke(app, ["coverage", str(registry / "pop"), "--padron", str(registry / "padron.csv"),
                              "--as-of", "2017-06-30", "--format", "json", "--out", str(registry / "c.json")])
    assert res.exit_code == 0, res.output
    data = json.loads((registry / "c.json").read_text())
    assert data["fiscal_year"] == 2017
    assert data["programs"]["proinpro"]["not_eligible_served"] == 2
    assert data["overlap"]["pairs"][0]["concurrency"] == "allowed"
    assert (registry / "c.rejects.csv").exists()


def test_coverage_cli_rejects_are_in_spanish_by_default_and_in_english_with_lang_en(registry: Path) -> None:
    def reasons(*lang: str) -> dict[tuple[str, int], str]:
        res = runner.invoke(app, ["coverage", str(registry / "pop"), "--padron", str(registry / "padron.csv"),
                                  "--as-of", "2017-06-30", "--rejects", str(registry / "r.csv"), *lang])
        assert res.exit_code == 0, res.output
        rejects = pl.read_csv(registry / "r.csv")
        assert rejects.columns == ["file", "line", "group_id", "reason"]  # a machine interface: not translated
        return {(r["file"], r["line"]): r["reason"] for r in rejects.iter_rows(named=True)}

    es = reasons()
    # a padrón row of a programme no rule file defines, the population's own reject, and the
    # padrón row of the group it rejected
    assert es[("padron.csv", 9)] == "ningún archivo de reglas define el programa `proinpr`; ¿quiso decir proinpro?"
    assert es[("groups.csv", 7)] == "territory (clave del territorio): `99999` no es un territorio conocido de MX"
    assert es[("padron.csv", 6)] == "la población rechazó este grupo (groups.csv, línea 7), así que no se puede juzgar"
    assert es[("padron.csv", 7)] == "el grupo no está en la población"
    en = reasons("--lang", "en")
    assert en[("padron.csv", 9)] == "no rule file defines the programme `proinpr`; did you mean proinpro?"
    assert en[("groups.csv", 7)] == "territory (territory code) `99999` is not a known territory of MX"
    assert en.keys() == es.keys()


def test_coverage_cli_markdown_in_english(registry: Path) -> None:
    res = runner.invoke(app, ["coverage", str(registry / "pop"), "--padron", str(registry / "padron.csv"),
                              "--as-of", "2017-06-30", "--format", "md", "--lang", "en",
                              "--rejects", str(registry / "r.csv")])
    assert res.exit_code == 0, res.output
    assert "# Coverage in fiscal year 2017" in res.output
    assert "| Not eligible, served (inclusion) | 0 | 2 |" in res.output
    assert "`adults` Every member is 18 or older | 1 |" in res.output


def test_coverage_same_report_when_members_take_the_exact_path(registry: Path, monkeypatch) -> None:
    """prospera written as 1 / 0, and the population in Parquet, are read by the pipeline's
    exact path and a streaming pass for people, whose people are counted in partitions when
    the population is large (here: forced to 4): the same figures as the one-read path."""
    rules = load_rules()
    a = measure(registry / "pop", registry / "padron.csv", rules, DAY, examples=10)
    members = registry / "pop" / "members.csv"
    members.write_text(members.read_text().replace(",true,true,", ",1,1,").replace(",false,true,", ",0,1,"))
    b = measure(registry / "pop", registry / "padron.csv", rules, DAY, examples=10)
    pq = registry / "pq"
    pq.mkdir()
    pl.read_csv(registry / "pop" / "groups.csv", infer_schema=False).write_parquet(pq / "groups.parquet")
    pl.read_csv(members, infer_schema=False).write_parquet(pq / "members.parquet")
    rejects = registry / "rejects.csv"
    c = measure(pq, registry / "padron.csv", rules, DAY, examples=10, rejects=rejects)
    import engine.coverage

    size = sum(f.stat().st_size for f in pq.iterdir())
    monkeypatch.setattr(engine.coverage, "PEOPLE_PART_BYTES", size // 4 + 1)
    d = measure(pq, registry / "padron.csv", rules, DAY, examples=10)
    for other in (b, c, d):
        assert other.programs == a.programs and other.overlap == a.overlap
    assert ("members.parquet", 16) in {(r["file"], r["line"]) for r in pl.read_csv(rejects).rows(named=True)}


def test_coverage_pairs_follow_the_rule_files_concurrency_section() -> None:
    """A pair is forbidden when either rule file forbids it, allowed when one allows it and the
    other does not forbid it, else unknown; each side's word comes with its source or note."""
    from dataclasses import replace

    from engine.coverage import concurrency
    from engine.schema import Concurrency

    rules = load_rules()
    status, notes = concurrency(rules, "proinpro", "opciones-productivas")
    assert status == "allowed"  # PROINPRO's file quotes the support Opciones Productivas gave its groups
    [note] = [n for n in notes if n.program == "proinpro"]
    assert note.source is not None and note.source.quote and note.source.title
    assert note.source.quote == rules.get("proinpro").concurrency["opciones-productivas"].source.quote

    def saying(slug: str, other: str, entry: Concurrency | None) -> object:
        programme = rules.get(slug)
        table = {k: v for k, v in programme.concurrency.items() if k != other}
        if entry is not None:
            table[other] = entry
        return programme.model_copy(update={"concurrency": table})

    forbid = Concurrency.model_validate({
        "allowed": False,
        "source": {**rules.get("proinpro").concurrency["opciones-productivas"].source.model_dump(exclude_none=True)},
    })
    silent = Concurrency.model_validate({"allowed": "unknown", "note": {"es": "sin fuente", "en": "no source"}})
    changed = replace(rules, programmes={**rules.programmes,
                                         "opciones-productivas": saying("opciones-productivas", "proinpro", forbid)})
    status, notes = concurrency(changed, "opciones-productivas", "proinpro")
    assert status == "forbidden" and {n.program: n.allowed for n in notes} == {"proinpro": True, "opciones-productivas": False}
    neither = replace(rules, programmes={
        **rules.programmes,
        "proinpro": saying("proinpro", "opciones-productivas", silent),
        "opciones-productivas": saying("opciones-productivas", "proinpro", None),
    })
    status, [note] = concurrency(neither, "opciones-productivas", "proinpro")
    assert status == "unknown" and note.allowed is None and note.note is not None and note.note.en == "no source"


def test_coverage_html_is_one_page_with_the_figures(registry: Path) -> None:
    res = runner.invoke(app, ["coverage", str(registry / "pop"), "--padron", str(registry / "padron.csv"),
                              "--as-of", "2017-06-30", "--format", "html", "--out", str(registry / "c.html")])
    assert res.exit_code == 0, res.output
    page = (registry / "c.html").read_text()
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page
    assert "No elegibles atendidos (inclusión)" in page and "<code>g-young</code>" in page


def test_coverage_a_ragged_padron_line_is_named(registry: Path) -> None:
    (registry / "ragged.csv").write_text("program,fiscal_year,group_id\nproinpro,2017,g-ok1\nproinpro,2017,g-ok2,x\n")
    with pytest.raises(InputError, match="line 3 has 4 cells, the header 3") as err:
        measure(registry / "pop", registry / "ragged.csv", load_rules(), DAY, lang="en")
    assert err.value.where and err.value.where.endswith("ragged.csv:3")
    with pytest.raises(InputError, match="la línea 3 tiene 4 celdas, el encabezado 3"):
        measure(registry / "pop", registry / "ragged.csv", load_rules(), DAY)


def test_coverage_blank_and_malformed_padron_cells_are_rejected(registry: Path) -> None:
    (registry / "p.csv").write_text(
        "program,fiscal_year,group_id\nproinpro,dos mil,g-ok1\n,2017,g-ok2\nproinpro, 2017 ,g-ok1\nproinpro,2017,  \n"
    )
    rejects = registry / "rejects.csv"
    report = measure(registry / "pop", registry / "p.csv", load_rules(), DAY, rejects=rejects, lang="en")
    rows = {r["line"]: r["reason"] for r in pl.read_csv(rejects).filter(pl.col("file") == "p.csv").iter_rows(named=True)}
    assert rows == {2: "fiscal_year `dos mil` is not a year", 3: "empty cell in column program",
                    5: "empty cell in column group_id"}
    assert report.programs["proinpro"].eligible_served == 1  # line 4: the year read without its spaces


def test_coverage_rules_in_force_that_year_but_not_on_the_date(registry: Path) -> None:
    import shutil

    from engine import RULES_DIR

    rules_dir = registry / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    proinpro = rules_dir / "proinpro.yaml"
    proinpro.write_text(proinpro.read_text().replace("valid_to: 2017-12-31", "valid_to: 2017-03-31", 1))
    rejects = registry / "rejects.csv"
    report = measure(registry / "pop", registry / "padron.csv", load_rules(rules_dir), DAY, rejects=rejects,
                     lang="en")
    assert "proinpro" not in report.programs and report.padron.not_in_force == ["proinpro"]
    # every 2017 proinpro row but the repeat, which is counted under its first reason
    assert report.rejects.by_kind["padron.reject.not_in_force_on_date"] == 6
    assert report.rejects.by_kind["padron.reject.duplicate"] == 1
    reasons = set(pl.read_csv(rejects).filter(pl.col("file") == "padron.csv")["reason"].to_list())
    assert ("the rules of proinpro are not in force on 2017-06-30 (in force 2016-01-01 to 2017-03-31); "
            "measure with an --as-of date inside that period") in reasons


def test_person_id_is_an_optional_member_column_of_the_population_reader(registry: Path) -> None:
    """members.csv may carry person_id (coverage requires it): the population reader reads it as
    text, a blank one is not a reject, the screening is the same with or without it, and a group
    document carries it both ways (frames_of / groups_of)."""
    from engine.facts import MEMBER_FACTS
    from engine.population import Population, frames_of, groups_of
    from engine.schema import Group
    from engine.screen import screen

    pop = Population.find(registry / "pop")
    assert "person_id" in pop.columns("members") and "person_id" not in MEMBER_FACTS  # never tested by a rule
    typed = pop.strict_scan("members")
    assert typed is not None
    people = typed.select("group_id", "person_id").collect()
    assert people.schema["person_id"] == pl.String and people.row(0) == ("g-ok1", "P1")
    with_ids = [part for part in screen(registry / "pop", load_rules(), DAY)]
    assert all("person_id" not in (r["reason"] or "") for p in with_ids for r in p.rejects.iter_rows(named=True))
    members = registry / "pop" / "members.csv"
    members.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 1)
                                 for line in members.read_text().splitlines()) + "\n")
    without = [part for part in screen(registry / "pop", load_rules(), DAY)]
    assert pl.concat([p.long() for p in with_ids]).sort("group_id", "program").equals(
        pl.concat([p.long() for p in without]).sort("group_id", "program"))
    group = Group.model_validate({"id": "g", "territory": "12029",
                                  "members": [{"person_id": "CURP01", "age": 30}, {"age": 40}]})
    g, m = frames_of([group])
    assert m.get_column("person_id").to_list() == ["CURP01", None]
    assert groups_of(g, m)[0].members[0].person_id == "CURP01"


def test_gaps_registry_adds_measured_findings_with_their_figures_and_population(registry: Path) -> None:
    """`vincula gaps --registry DIR --padron FILE`: the STEIA case gains inclusion (by criterion,
    citing each criterion's source), exclusion and linkage findings measured on the population,
    and its report shows the commitments beside the coverage; an allowed overlap is no gap."""
    from engine.gaps import analyse
    from engine.report import render

    report = analyse("steia", registry=registry / "pop", padron=registry / "padron.csv")
    [case] = report.cases
    measured = {(g.kind, tuple(g.actors)): g for g in case.gaps if g.measured is not None}
    inclusion = measured[("inclusion_measured", ("proinpro",))]
    assert inclusion.figures["by_criterion"] == {"adults": 1, "rural": 1}
    assert inclusion.figures["inclusion_rate"] == 0.5 and inclusion.severity == "high"
    assert {c.pinpoint for c in inclusion.citations} == {
        load_rules().get("proinpro").criterion(cid).source.pinpoint for cid in ("adults", "rural")}
    assert inclusion.measured.population.endswith("pop") and inclusion.measured.groups == 5
    assert inclusion.measured.fiscal_year == 2017
    assert measured[("exclusion_measured", ("cenm",))].figures == {
        "eligible_served": 2, "eligible_not_served": 2, "exclusion_rate": 0.5}
    assert not any(k == "unexplained_overlap" or k == "forbidden_overlap" for k, _ in measured)  # allowed (004)
    linkage = next(g for (k, _), g in measured.items() if k == "linkage_measured")
    # PROSPERA members of the screened groups: P1..P18, P20, P21 (P19 not known; P22, P23 no)
    # less the member without person_id; in served groups: all of them
    assert linkage.figures["prospera_persons"] == linkage.figures["prospera_persons_served"] == 19
    page = render(report, "html", "es")
    assert "Lo prometido y lo ocurrido" in page and "Inclusión medida" in page
    assert "Medido en la población" in page and "<script" not in page
    # a fiscal year the padrón does not have is a clear error when no case can be measured
    with pytest.raises(InputError, match="ninguna fila que medir en el ejercicio fiscal 2019"):
        analyse("steia", registry=registry / "pop", padron=registry / "padron.csv", as_of=dt.date(2019, 6, 30))


def test_gaps_registry_findings_of_one_group_are_in_the_singular(registry: Path) -> None:
    from engine.gaps import analyse
    from engine.report import render

    report = analyse("steia", registry=registry / "pop", padron=registry / "padron.csv")
    md = render(report, "md", "es")
    assert "Inclusión productiva de familias PROSPERA: 1 grupo elegible no atendido en 2017 (50% de los elegibles)" in md
    html = render(report, "html", "en")
    assert "1 served lacking facts to judge it" in html and "1 eligible group not served in 2017" in html


def test_coverage_markdown_heads_its_table_with_programme_names(registry: Path) -> None:
    from engine.coverage_report import render

    report = measure(registry / "pop", registry / "padron.csv", load_rules(), DAY)
    table_head = next(line for line in render(report, "md", "es").splitlines() if line.startswith("| |"))
    assert table_head == "| | El Campo en Nuestras Manos | PROINPRO | "
