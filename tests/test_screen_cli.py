"""`vincula synth` and `vincula screen` from the command line."""
from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def test_screen_cli_synth_then_screen_writes_results_and_summary(tmp_path: Path) -> None:
    made = runner.invoke(app, ["synth", "300", "--out", str(tmp_path / "pop"), "--seed", "7"])
    assert made.exit_code == 0, made.output
    assert "300 grupos y" in made.output
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"),
                              "--as-of", "2017-06-30"])
    assert res.exit_code == 0, res.output
    assert "300 grupos evaluados para 5 programas el 30/06/2017" in res.output
    assert "Grupos elegibles por entidad" in res.output and "no se puede" in res.output
    english = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"),
                                  "--as-of", "2017-06-30", "--lang", "en"])
    assert "300 groups screened for 5 programmes on 2017-06-30" in english.output
    assert "Eligible groups per state" in english.output and "cannot tell" in english.output
    out = pl.read_csv(tmp_path / "r.csv")
    assert out.columns == ["group_id", "program", "eligible", "failed"]
    assert out.height == 300 * 5
    assert (tmp_path / "r.rejects.csv").read_text().startswith("file,line,group_id,reason")


def test_screen_cli_parquet_and_one_programme(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "100", "--out", str(tmp_path / "pop"), "--format", "parquet"])
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.parquet"),
                              "--as-of", "2017-06-30", "-p", "proinpro"])
    assert res.exit_code == 0, res.output
    out = pl.read_parquet(tmp_path / "r.parquet")
    assert out["program"].cast(pl.String).unique().to_list() == ["proinpro"] and out.height == 100


def test_screen_cli_bad_input_exits_2_with_a_hint(tmp_path: Path) -> None:
    res = runner.invoke(app, ["screen", str(tmp_path), "--out", str(tmp_path / "r.csv")])
    assert res.exit_code != 0
    assert "groups.csv" in str(res.exception or res.output)
    res = runner.invoke(app, ["screen", str(tmp_path), "--out", str(tmp_path / "r.csv"), "-p", "proinpr"])
    assert "proinpro" in str(res.exception or res.output)


def test_screen_cli_counts_rejected_rows_in_words(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "50", "--out", str(tmp_path / "pop"), "--seed", "3"])
    members = tmp_path / "pop" / "members.csv"
    members.write_text(members.read_text() + "nobody,30,F,true,true,E2,high\n")
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "1 row rejected" in res.output
    members.write_text(members.read_text() + "nobody,31,F,true,true,E2,high\n")
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv")])
    assert "2 filas rechazadas" in res.output


def test_screen_cli_rejects_are_in_spanish_by_default_and_in_english_with_lang_en(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "20", "--out", str(tmp_path / "pop"), "--seed", "3"])
    members = tmp_path / "pop" / "members.csv"
    header = members.read_text().splitlines()[0].split(",")
    bad = {"group_id": "nobody", "prospera": "quizá"}
    members.write_text(members.read_text() + ",".join(bad.get(c, "") for c in header) + "\n")
    line = len(members.read_text().splitlines())

    def reason(*lang: str) -> str:
        res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"), *lang])
        assert res.exit_code == 0, res.output
        rejects = pl.read_csv(tmp_path / "r.rejects.csv")
        assert rejects.columns == ["file", "line", "group_id", "reason"] and rejects["line"].to_list() == [line]
        return rejects["reason"][0]

    assert reason() == "prospera (beneficiaria de PROSPERA): `quizá` no es sí ni no"
    assert reason("--lang", "en") == "prospera (PROSPERA beneficiary) `quizá` is not true or false (sí / no)"
    # a member of no group whose cells are all good says so, in either language
    members.write_text(members.read_text().replace("quizá", "sí"))
    assert reason() == "integrante de ningún grupo (su group_id no está en el archivo de grupos)"
    assert reason("--lang", "en") == "member of no group (its group_id is not in the groups file)"


def test_screen_cli_summary_shows_programme_names_whole_on_a_narrow_terminal(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "200", "--out", str(tmp_path / "pop"), "--seed", "5"])
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"), "--lang", "en"],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    table = res.output[:res.output.index("groups screened")]
    assert max(len(line) for line in table.splitlines()) <= 80
    header = table.split("╇")[0]
    # each programme by its short name, broken only between words, none cut short
    for word in ("3x1 for", "Migrants", "Opciones", "Productivas", "Nuestras", "PROINPRO", "Opportunities",
                 "Network"):
        assert word in header, word
    assert "…" not in header and "3x1-migrantes" not in header
    assert any("not eligible" in line for line in table.splitlines())


def test_screen_cli_population_with_no_groups_still_names_the_programmes_screened(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "0", "--out", str(tmp_path / "pop")])
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"),
                              "--as-of", "2017-06-30", "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "0 groups screened for 5 programmes on 2017-06-30" in res.output


def test_screen_cli_out_that_is_a_folder_is_refused_before_screening(tmp_path: Path) -> None:
    runner.invoke(app, ["synth", "20", "--out", str(tmp_path / "pop")])
    res = runner.invoke(app, ["screen", str(tmp_path / "pop"), "--out", str(tmp_path / "pop")])
    assert res.exit_code != 0
    assert "es una carpeta" in str(res.exception) and "resultados.csv" in str(res.exception)
    assert sorted(p.name for p in (tmp_path / "pop").iterdir()) == ["groups.csv", "members.csv"]


def test_screen_summary_names_groups_one_criterion_away_and_whether_it_is_in_their_hands(tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    pop.mkdir()
    # in Chilpancingo (Guerrero), rural, informal, on 2017-06-30: g4 has four PROSPERA women
    # (PROINPRO asks five), g5 five; u5 is the same five in an urban locality
    (pop / "groups.csv").write_text("group_id,country,territory,locality,organisation\n"
                                    "g4,MX,12029,rural,informal\ng5,MX,12029,rural,informal\n"
                                    "u5,MX,12029,urban,informal\n", encoding="utf-8")
    woman = "30,F,true,true,E2,high\n"
    (pop / "members.csv").write_text(
        "group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential\n"
        + "".join(f"g4,{woman}" for _ in range(4)) + "".join(f"g5,{woman}" for _ in range(5))
        + "".join(f"u5,{woman}" for _ in range(5)), encoding="utf-8")
    import datetime as dt

    from engine.rules import load_rules
    from engine.screen import screen_population

    report = screen_population(pop, tmp_path / "r.csv", load_rules(), dt.date(2017, 6, 30), programs=["proinpro"])
    assert sorted(report.near_misses.iter_rows()) == [
        ("proinpro", "min_size", 1, True), ("proinpro", "rural", 1, False)]
    res = runner.invoke(app, ["screen", str(pop), "--out", str(tmp_path / "r.csv"), "--as-of", "2017-06-30"])
    assert res.exit_code == 0, res.output
    assert "A un criterio de ser elegibles" in res.output and "no (lugar o fecha)" in res.output
    english = runner.invoke(app, ["screen", str(pop), "--out", str(tmp_path / "r.csv"), "--as-of", "2017-06-30",
                                  "--lang", "en"])
    assert "One criterion away" in english.output and "no (place or date)" in english.output


def test_screen_summary_names_the_missing_facts_that_leave_the_most_answers_open(tmp_path: Path) -> None:
    import datetime as dt

    from engine.rules import load_rules
    from engine.screen import screen_population

    pop = tmp_path / "pop"
    pop.mkdir()
    # Chilpancingo (Guerrero), rural, 2017-06-30. a: one member's age unknown (PROINPRO needs
    # every age; El Campo takes her as a small producer of stratum E2 all the same); b: the
    # organisation unknown (Opciones Productivas needs it) and one member's age unknown; c:
    # everything known
    (pop / "groups.csv").write_text("group_id,country,territory,locality,organisation\n"
                                    "a,MX,12029,rural,informal\nb,MX,12029,rural,\nc,MX,12029,rural,osse\n",
                                    encoding="utf-8")
    woman, unaged = "30,F,true,true,E2,high\n", ",F,true,true,E2,high\n"
    (pop / "members.csv").write_text(
        "group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential\n"
        + "".join(f"a,{woman}" for _ in range(4)) + f"a,{unaged}"
        + "".join(f"b,{woman}" for _ in range(4)) + f"b,{unaged}"
        + "".join(f"c,{woman}" for _ in range(5)), encoding="utf-8")
    programs = ["proinpro", "el-campo-en-nuestras-manos", "opciones-productivas"]
    report = screen_population(pop, tmp_path / "r.csv", load_rules(), dt.date(2017, 6, 30), programs=programs)
    rows = {(r["fact"], r["member"]): (r["answers"], r["programs"]) for r in report.missing_facts.iter_rows(named=True)}
    assert rows[("age", True)] == (2, "proinpro")  # a and b
    assert rows[("organisation", False)] == (1, "opciones-productivas")
    assert report.missing_facts.get_column("fact").to_list() == ["age", "organisation"]  # most answers first
    res = runner.invoke(app, ["screen", str(pop), "--out", str(tmp_path / "r.csv"), "--as-of", "2017-06-30",
                              *[x for p in programs for x in ("-p", p)]])
    assert "Datos que faltan y dejan más respuestas sin determinar" in res.output
    assert "edad (de los integrantes)" in res.output


def test_screen_counts_one_group_and_one_programme_in_the_singular(tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    pop.mkdir()
    (pop / "groups.csv").write_text("group_id,country,territory,locality\ng1,MX,12029,rural\n", encoding="utf-8")
    (pop / "members.csv").write_text("group_id,age,sex\ng1,30,F\n", encoding="utf-8")
    res = runner.invoke(app, ["screen", str(pop), "--out", str(tmp_path / "r.csv"), "--as-of", "2017-06-30",
                              "-p", "proinpro"])
    assert "1 grupo evaluado para 1 programa el 30/06/2017" in res.output
