"""A synthetic registry with injected errors (engine/registry_synth.py): `vincula coverage` must
find every injected inclusion error, exclusion error, overlap and bad row, and nothing else. The
truth is the per-group engine's (durable-rules), the counting coverage's (polars)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from engine import registry_synth, synth
from engine.coverage import CELLS, CoverageReport, measure
from engine.rules import RuleSet, load_rules

DAY = dt.date(2017, 6, 30)
ALL = 10**9  # example groups per cell: all of them, so the sets can be compared


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="module")
def measured(rules: RuleSet, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[registry_synth.Registry, CoverageReport, pl.DataFrame]:
    groups, members = synth.generate(400, 11)
    truth = registry_synth.per_group_truth(groups, members, rules, DAY)
    registry = registry_synth.generate(groups, members, truth, rules, DAY, seed=5, inclusion=6, shared=7)
    folder = tmp_path_factory.mktemp("registry")
    padron = registry.write(folder)
    report = measure(folder, padron, rules, DAY, examples=ALL, rejects=folder / "rejects.csv")
    return registry, report, pl.read_csv(folder / "rejects.csv")


def test_coverage_synth_every_group_is_in_its_injected_cell(measured) -> None:
    registry, report, _ = measured
    assert set(report.programs) == set(registry.cells)
    for slug, cells in registry.cells.items():
        found = {cell: set(ids) for cell, ids in report.programs[slug].examples.items()}
        assert found == {cell: ids for cell, ids in cells.items() if ids}, slug
        for cell in CELLS:
            assert getattr(report.programs[slug], cell) == len(cells.get(cell, ())), (slug, cell)
    # the registry has each kind of error for the programmes that allow it
    assert any(c.get("not_eligible_served") for c in registry.cells.values())
    assert any(c.get("eligible_not_served") for c in registry.cells.values())
    assert any(c.get("cannot_tell_served") for c in registry.cells.values())


def test_coverage_synth_inclusion_is_broken_down_by_the_criteria_that_block(measured) -> None:
    registry, report, _ = measured
    for slug, blocked in registry.blocked.items():
        got = {c.criterion: c.groups for c in report.programs[slug].inclusion_by_criterion}
        assert got == {cid: len(groups) for cid, groups in blocked.items()}, slug


def test_coverage_synth_people_and_injected_overlaps(measured) -> None:
    registry, report, _ = measured
    for slug in registry.cells:
        p = report.programs[slug]
        assert p.served == len(registry.served[slug])
        assert p.persons_served == len(registry.persons[slug])
        assert p.prospera_persons_served == len(registry.prospera[slug])
    expected = registry.expected_overlap()
    assert len(registry.shared) == 7
    assert report.overlap.persons_in_two_or_more == expected["persons_in_two_or_more"] >= 7
    assert report.overlap.persons_served == expected["persons_served"]
    assert [{"programs": p.programs, "persons": p.persons, "groups": p.groups}
            for p in report.overlap.pairs] == expected["pairs"]


def test_coverage_synth_every_bad_row_is_rejected_where_it_is(measured) -> None:
    registry, report, rejects = measured
    ours = rejects.filter(pl.col("file").is_in(["padron.csv"]) | pl.col("reason").str.contains("person_id"))
    assert {(r["file"], r["line"]) for r in ours.iter_rows(named=True)} == set(registry.rejects)
    kinds = {kind: 0 for kind in registry.rejects.values()}
    for kind in registry.rejects.values():
        kinds[kind] += 1
    assert {k: v for k, v in report.rejects.by_kind.items() if k != "population"} == kinds
    # the population rejected the group with an unknown territory, and only that
    population = rejects.filter(pl.col("file") == "groups.csv")
    assert population["group_id"].to_list() == ["bad-territory"]
    assert report.padron.rows_other_years == sum(min(3, len(s)) for s in registry.served.values())


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_synth_padron_writes_a_registry_whose_injected_errors_coverage_finds_exactly(
        tmp_path: Path, fmt: str) -> None:
    """`vincula synth N --padron` writes the population with person_id, the padrón and
    expected.json; `vincula coverage` on them reports exactly what expected.json says: every
    cell, blocking criterion, people count, overlap pair and reject, and nothing else."""
    import json

    from typer.testing import CliRunner

    from api.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["synth", "600", "--out", str(tmp_path), "--seed", "3", "--padron", "--format", fmt])
    assert res.exit_code == 0, res.output
    assert "Errores inyectados" in res.output
    expected = json.loads((tmp_path / "expected.json").read_text())
    res = runner.invoke(app, ["coverage", str(tmp_path), "--padron", str(tmp_path / f"padron.{fmt}"),
                              "--as-of", expected["as_of"], "--format", "json", "--out", str(tmp_path / "c.json"),
                              "--rejects", str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output
    got = json.loads((tmp_path / "c.json").read_text())
    assert set(got["programs"]) == set(expected["programs"])
    for slug, want in expected["programs"].items():
        mine = dict(got["programs"][slug])
        mine["inclusion_by_criterion"] = {c["criterion"]: c["groups"] for c in mine["inclusion_by_criterion"]}
        assert {k: mine[k] for k in want} == want, slug
    assert sum(p["not_eligible_served"] for p in expected["programs"].values()) > 0
    overlap = got["overlap"]
    assert {k: overlap[k] for k in ("persons_served", "persons_in_two_or_more")} == {
        k: expected["overlap"][k] for k in ("persons_served", "persons_in_two_or_more")}
    assert [{k: p[k] for k in ("programs", "persons", "groups")} for p in overlap["pairs"]] == expected["overlap"]["pairs"]
    rejects = pl.read_csv(tmp_path / "r.csv")
    ours = rejects.filter(pl.col("file") != f"groups.{fmt}")
    assert sorted(ours.select("file", "line").rows()) == [(r["file"], r["line"]) for r in expected["rejects"]]
    assert rejects.filter(pl.col("file") == f"groups.{fmt}")["group_id"].to_list() == expected["population_rejects"]
