"""The command line's own words (help panels, usage, usage errors) come out in the user's
language, although typer's panel module is only imported when help or an error is printed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api.cli import app
from api.commands.language import localised


def vincula(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_help_panels_are_in_spanish_by_default():
    out = vincula("--help").stdout
    assert "Uso: vincula" in out
    assert "Opciones" in out and "Órdenes" in out
    assert "Options" not in out


def test_help_panels_are_in_english_when_asked():
    out = vincula("--help", "--lang", "en").stdout
    assert "Usage: vincula" in out
    assert "Options" in out and "Commands" in out
    assert "Opciones" not in out


def test_lang_before_the_command_applies_to_the_command():
    out = vincula("--lang", "en", "programs").stdout
    assert "Programme" in out and "Agency" in out
    assert "Dependencia" not in out


def test_a_missing_argument_is_reported_in_the_users_language():
    es = vincula("screen")
    assert es.returncode == 2
    assert "Falta 'population'" in es.stderr
    assert "Pruebe 'vincula screen --help'" in es.stderr
    en = vincula("screen", "--lang", "en")
    assert "Missing 'population'" in en.stderr


def test_a_command_that_prints_no_help_does_not_load_typers_panels():
    code = (
        "import sys; from api.cli import app; from api.commands.language import localised; "
        "localised(app, 'es'); print('typer.rich_utils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_switching_language_in_one_process_switches_the_panels(capsys):
    for lang, title in (("es", "Opciones"), ("en", "Options"), ("es", "Opciones")):
        localised(app, lang).main(["--help"], prog_name="vincula", standalone_mode=False)
        assert title in capsys.readouterr().out, lang


def test_every_command_and_option_has_its_help_in_the_catalogue():
    """A new option whose help is written only in the code would show English in Spanish help."""
    import typer.main

    from engine.messages import catalogue

    words = catalogue()
    command = typer.main.get_command(app)
    missing = [f"--{p.name}" for p in command.params if f"help.option.{p.name}" not in words]
    for name, sub in getattr(command, "commands", {}).items():
        if f"help.{name}" not in words:
            missing.append(name)
        missing += [
            f"{name} --{p.name}"
            for p in sub.params
            if p.name != "help"
            and f"help.{name}.{p.name}" not in words
            and f"help.option.{p.name}" not in words
        ]
    assert missing == []


def test_a_mistyped_option_is_reported_with_the_close_ones_in_the_users_language():
    es = vincula("lint", "--source", "x")
    assert es.returncode == 2
    assert "No existe la opción --source (opciones parecidas: --sources, --strict)" in es.stderr
    en = vincula("lint", "--source", "x", "--lang", "en")
    assert "No such option: --source (Possible options: --sources, --strict)" in en.stderr


@pytest.mark.parametrize(
    ("args", "es", "en"),
    [
        (
            ("screeen",),
            "No existe la orden 'screeen'. ¿Quiso decir 'screen'?",
            "No such command 'screeen'. Did you mean 'screen'?",
        ),
        (("programs", "extra"), "Sobra: extra", "Unexpected extra argument(s): extra"),
        (
            ("screen", "pop", "--out"),
            "La opción '--out' necesita un valor.",
            "Option '--out' requires a value.",
        ),
        (
            ("synth", "abc", "--out", "x"),
            "Valor no válido para 'n': «abc» no es un número entero",
            "Invalid value for 'n': `abc` is not a whole number",
        ),
        (
            ("screen", "pop", "--out", "x.csv", "--chunk-mb", "0"),
            "Valor no válido para '--chunk-mb': debe ser al menos 1 (se leyó 0)",
            "Invalid value for '--chunk-mb': must be at least 1 (read 0)",
        ),
        (
            ("screen", "pop", "--out", "x.csv", "--as-of", "2017-13-01"),
            "Valor no válido para '--as-of': «2017-13-01» no es una fecha",
            "Invalid value for '--as-of': `2017-13-01` is not a date",
        ),
    ],
)
def test_usage_errors_are_worded_in_the_users_language(args, es, en):
    """click's and typer's own errors, which they write in English, come out in Spanish too."""
    spanish = vincula(*args)
    assert spanish.returncode == 2 and es in " ".join(spanish.stderr.replace("│", " ").split())
    english = vincula("--lang", "en", *args)
    assert english.returncode == 2 and en in " ".join(english.stderr.replace("│", " ").split())


def test_a_date_on_the_command_line_may_be_written_as_in_spanish(tmp_path):
    assert vincula("synth", "5", "--out", str(tmp_path / "pop")).returncode == 0
    for written in ("30/06/2017", "2017-06-30"):
        run = vincula("screen", str(tmp_path / "pop"), "--out", str(tmp_path / "r.csv"), "--as-of", written)
        assert run.returncode == 0, run.stderr
        assert "5 grupos evaluados para 5 programas el 30/06/2017" in run.stdout
