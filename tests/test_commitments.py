"""Commitments files: the three real cases load into a graph; bad files say what and where."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.commitments import build_graph, load_case, load_cases
from engine.errors import InputError

GOOD = """\
id: tiny
title: {es: Caso mínimo, en: Minimal case}
country: MX
period: "2017"
as_of: 2017-12-31
summary: {es: Dos actores, en: Two actors}
sources:
  doc: {title: Documento de prueba, publisher: x, text: x.txt}
actors:
  - {id: a, name: Actor A, kind: ministry, evidence: illustrative}
  - {id: b, name: Actor B, kind: programme, evidence: illustrative}
commitments:
  - id: c1
    from: a
    to: b
    kind: budget
    amount: 100
    currency: MXN
    instrument: budget_line
    status: honoured
    description: {es: Presupuesto, en: Budget}
    source: {ref: doc, pinpoint: p. 1, quote: texto}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_commitments_real_cases_load_into_multidigraph() -> None:
    cases = {c.id: c for c in load_cases()}
    assert set(cases) == {"steia", "tres-por-uno", "panama-rdeoe"}
    g = build_graph(cases["steia"])
    assert g.nodes["steia"]["chair"] == "shcp"
    assert g.edges["op", "grupos", "op-apoya-grupos"]["linkage"] is True
    assert sum(d["count"] for *_, d in g.edges(data=True) if d["linkage"]) == 17
    panama = build_graph(cases["panama-rdeoe"])
    assert panama.edges["fodm", "fao", "linea-fao"]["amount"] == 1839500


def test_commitments_every_fact_says_how_it_is_known() -> None:
    steia = load_cases("steia")[0]
    # the sources name only the two programmes that gave support; the rest are counted, not named
    named = {a.id for a in steia.actors if a.kind == "programme" and a.evidence == "documented"}
    assert {"op", "cenm"} <= named
    grouped = {a.id: a for a in steia.actors if a.evidence == "inferred"}
    assert set(grouped) == {"otros-retirados", "otros-sin-apoyo"}
    assert all(a.reasoning is not None for a in grouped.values())
    assert steia.actor("steia").facts["decision_making_members"].value is False
    for case in load_cases():
        assert not [a.id for a in case.actors if a.illustrative]
        assert not [c.id for c in case.commitments if c.illustrative]


def test_commitments_documented_fact_without_quote_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("{id: a, name: Actor A, kind: ministry, evidence: illustrative}",
                                        "{id: a, name: Actor A, kind: ministry}"))
    with pytest.raises(InputError) as err:
        load_case(path)
    assert f"{path}:10: actors[0]" in str(err.value) and "necesita una `source` con la cita (`quote`)" in str(err.value)


def test_commitments_good_file_loads(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, GOOD))
    assert case.commitment("c1").delivered_amount == 100


def test_commitments_unknown_actor_names_file_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    to: b\n", "    to: bb\n"))
    with pytest.raises(InputError) as err:
        load_case(path)
    assert f"{path}:15: commitments[0].to: no hay un actor `bb`" in str(err.value)
    assert "¿quiso decir b?" in str(err.value)
    assert "commitments[0].to: unknown actor `bb`; did you mean b?" in err.value.text("en")


def test_commitments_negative_amount_is_an_error_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("amount: 100", "amount: -5"))
    with pytest.raises(InputError) as err:
        load_case(path)
    assert f"{path}:17: commitments[0].amount: debe ser al menos 0 (se leyó -5)" in str(err.value)


def test_commitments_bad_status_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("status: honoured", "status: done"))
    with pytest.raises(InputError) as err:
        load_case(path)
    message = str(err.value)
    assert f"{path}:20: commitments[0].status:" in message
    assert "«done» no es un valor admitido; use uno de estos: planned, honoured, partial, broken, withdrawn" in message


def test_commitments_unknown_source_and_duplicate_id(tmp_path: Path) -> None:
    text = GOOD.replace("ref: doc", "ref: dco").replace("{id: b, name", "{id: a, name")
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_case(path)
    message = str(err.value)
    assert "actors[1].id: el id `a` se usa dos veces" in message
    assert "commitments[0].source: esta cita remite a `dco`, que no está en `sources` (las fuentes son: doc)" in message
    assert "commitments[0].source: this citation cites `dco`, which is not in `sources` (known: doc)" in err.value.text(
        "en"
    )


def test_commitments_unknown_case_suggests_names() -> None:
    with pytest.raises(InputError) as err:
        load_cases("steai")
    assert "no hay un caso de compromisos llamado `steai`" in str(err.value)
    assert "steia" in str(err.value)
