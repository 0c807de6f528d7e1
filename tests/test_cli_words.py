"""The command line's own words (help panels, usage, usage errors) come out in the user's
language, although typer's panel module is only imported when help or an error is printed."""

from __future__ import annotations

import subprocess
import sys

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
