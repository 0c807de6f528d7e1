"""Hostile populations: every malformed file either screens correctly (its bad lines rejected
with their line, their groups left out, everything else as if the lines were not there) or
stops with a clear error that says what is wrong and how to put it right; bad destinations
fail before any work; a run stopped by a signal leaves nothing behind, and a killed run's
leftovers are cleared by the next."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from api.cli import app
from engine import synth
from engine.errors import InputError
from engine.rules import load_rules
from engine.screen import screen_population

DAY = __import__("datetime").date(2017, 6, 30)
OUT_SCHEMA = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}
RULES = load_rules()
runner = CliRunner()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[bytes], list[bytes], pl.DataFrame]:
    """A well-formed population's lines (groups, members; each with its end of line) and its
    results, sorted."""
    folder = tmp_path_factory.mktemp("clean")
    groups, members = synth.generate(80, seed=11)
    synth.write(groups, members, folder / "pop")
    report = screen_population(folder / "pop", folder / "out.csv", RULES, DAY)
    assert report.rejected_rows == 0
    lines = [(folder / "pop" / f).read_bytes().splitlines(keepends=True) for f in ("groups.csv", "members.csv")]
    return lines[0], lines[1], _results(report.out)


def _results(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, schema=OUT_SCHEMA).sort("group_id", "program")


def _write(folder: Path, groups: list[bytes] | bytes, members: list[bytes] | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "groups.csv").write_bytes(groups if isinstance(groups, bytes) else b"".join(groups))
    (folder / "members.csv").write_bytes(members if isinstance(members, bytes) else b"".join(members))
    return folder


def _screen(folder: Path, **kw):
    """Screen `folder`, in English unless `lang` is given (most tests here read English words;
    the Spanish default has tests of its own)."""
    kw.setdefault("lang", "en")
    return screen_population(folder, folder.parent / f"{folder.name}.csv", RULES, DAY, **kw)


def _rejects(report) -> dict[tuple[str, int], tuple[str, str]]:
    rows = pl.read_csv(report.rejects, schema_overrides={"line": pl.Int64, "group_id": pl.String})
    return {(r["file"], r["line"]): (r["group_id"], r["reason"]) for r in rows.iter_rows(named=True)}


def _gid(line: bytes) -> str:
    return line.split(b",")[0].decode()


def _without(results: pl.DataFrame, *groups: str) -> pl.DataFrame:
    return results.filter(~pl.col("group_id").is_in(list(groups)))


def _assert_screened_without(report, clean_results: pl.DataFrame, *groups: str) -> None:
    """The results are the clean population's, without `groups` (left out for a bad line)."""
    assert _results(report.out).equals(_without(clean_results, *groups))


# --------------------------------------------------------------------------- lines of the wrong width


@pytest.mark.parametrize("chunk", [None, 2_000], ids=["whole", "partitioned"])
def test_hostile_member_lines_with_an_extra_or_missing_field_are_rejected_and_their_groups_left_out(
        tmp_path: Path, clean, chunk: int | None) -> None:
    groups, members, expected = clean
    extra, short = members[5], members[9]
    members = [*members[:5], extra.rstrip(b"\n") + b",surplus\n", *members[6:9], b",".join(short.split(b",")[:3]) + b"\n",
               *members[10:]]
    report = _screen(_write(tmp_path / "pop", groups, members), chunk_bytes=chunk)
    got = _rejects(report)
    assert got[("members.csv", 6)] == (_gid(extra), "9 fields where the header has 8 "
                                                    "(a comma inside a value that is not quoted?)")
    assert got[("members.csv", 10)] == (_gid(short), "3 fields where the header has 8 (a value missing?)")
    left_out = {k: v for k, v in got.items() if k[0] == "groups.csv"}
    assert sorted(v[0] for v in left_out.values()) == sorted({_gid(extra), _gid(short)})
    assert all(v[1].startswith("group left out: 1 of its members rejected") for v in left_out.values())
    _assert_screened_without(report, expected, _gid(extra), _gid(short))


@pytest.mark.parametrize("chunk", [None, 2_000], ids=["whole", "partitioned"])
def test_hostile_malformed_lines_are_rejected_in_spanish_by_default(tmp_path: Path, clean, chunk: int | None) -> None:
    groups, members, expected = clean
    extra, short, opened = members[5], members[9], members[12]
    members = [*members[:5], extra.rstrip(b"\n") + b",surplus\n", *members[6:9], b",".join(short.split(b",")[:3]) + b"\n",
               *members[10:12], b'"' + opened, *members[13:]]
    report = _screen(_write(tmp_path / "pop", groups, members), chunk_bytes=chunk, lang="es")
    got = _rejects(report)
    assert got[("members.csv", 6)] == (_gid(extra), "9 campos donde el encabezado tiene 8 "
                                                    "(¿una coma dentro de un valor sin comillas?)")
    assert got[("members.csv", 10)] == (_gid(short), "3 campos donde el encabezado tiene 8 (¿falta un valor?)")
    assert got[("members.csv", 13)] == (
        _gid(opened), "unas comillas abren un valor y nunca se cierran (la línea se leyó sola)")
    left_out = {v[0]: v[1] for k, v in got.items() if k[0] == "groups.csv"}
    assert left_out == {
        _gid(extra): "grupo omitido: 1 de sus integrantes fue rechazado (en members.csv, línea 6)",
        _gid(short): "grupo omitido: 1 de sus integrantes fue rechazado (en members.csv, línea 10)",
        _gid(opened): "grupo omitido: 1 de sus integrantes fue rechazado (en members.csv, línea 13)",
    }
    _assert_screened_without(report, expected, _gid(extra), _gid(short), _gid(opened))


def test_hostile_group_lines_with_an_extra_or_missing_field_are_rejected(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    bad = [groups[3].rstrip(b"\n") + b",x\n", b"g-short,MX\n"]
    report = _screen(_write(tmp_path / "pop", [groups[0], groups[1], groups[2], bad[0], *groups[4:], bad[1]], members))
    got = _rejects(report)
    assert got[("groups.csv", 4)] == (_gid(groups[3]), "15 fields where the header has 14 "
                                                       "(a comma inside a value that is not quoted?)")
    assert got[("groups.csv", len(groups) + 1)] == ("g-short", "2 fields where the header has 14 (a value missing?)")
    assert len(got) == 2  # the members of the rejected group are not "members of no group"
    _assert_screened_without(report, expected, _gid(groups[3]))


def test_hostile_unterminated_quote_rejects_its_line_alone(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    opened, last = members[7], members[-1]
    members = [*members[:7], b'"' + opened, *members[8:-1], b'"' + last.rstrip(b"\n")]  # and at the end
    report = _screen(_write(tmp_path / "pop", groups, members))
    got = _rejects(report)
    reason = "a quote opens a value and is never closed (the line was read on its own)"
    assert got[("members.csv", 8)] == (_gid(opened), reason)
    assert got[("members.csv", len(members))] == (_gid(last), reason)
    _assert_screened_without(report, expected, _gid(opened), _gid(last))


def test_hostile_misplaced_quote_is_rejected(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    line = members[4]
    members = [*members[:4], line.split(b",", 1)[0] + b',"3"0,F,true,true,E1,high,false\n', *members[5:]]
    report = _screen(_write(tmp_path / "pop", groups, members))
    assert _rejects(report)[("members.csv", 5)][1].startswith("misplaced quote")
    _assert_screened_without(report, expected, _gid(line))


def test_hostile_blank_lines_hold_nothing_and_are_left_out(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    report = _screen(_write(tmp_path / "pop", [*groups[:3], b"\n", *groups[3:], b"\r\n"], [*members, b"\n", b"\n"]))
    assert report.rejected_rows == 0
    _assert_screened_without(report, expected)


def test_hostile_quoted_cells_and_empty_last_cells_are_read_as_they_are(tmp_path: Path, clean) -> None:
    # every cell quoted (as some spreadsheets write CSV) and last cells left empty: the quick
    # count cannot tell, the line-by-line read finds nothing wrong, and nothing is rejected
    groups, members, expected = clean
    def quoted(line: bytes) -> bytes:
        return b",".join(b'"' + c + b'"' if c else b"" for c in line.rstrip(b"\n").split(b",")) + b"\n"
    report = _screen(_write(tmp_path / "pop", [quoted(g) for g in groups], [quoted(m) for m in members]))
    assert report.rejected_rows == 0
    assert b'"",' not in (tmp_path / "pop" / "members.csv").read_bytes() and any(m.endswith(b",\n") for m in members)
    _assert_screened_without(report, expected)


# --------------------------------------------------------------------------- encodings and line ends


def test_hostile_latin1_file_is_refused_naming_the_encoding_the_line_and_iconv(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    named = [*groups[:5], "coop-ñandú,MX,30035,rural,osse,,,,,,,,,\n".encode("latin-1"), *groups[5:]]
    with pytest.raises(InputError) as err:
        _screen(_write(tmp_path / "pop", named, members))
    text = str(err.value)
    assert "groups.csv is not UTF-8 text (line 6)" in text and "`coop-ñandú,MX,30035" in text
    assert "iconv -f WINDOWS-1252 -t UTF-8 groups.csv > groups-utf8.csv" in text
    # in the header too, and in the CLI as a clear error (exit 2), not a traceback
    _write(tmp_path / "head", [groups[0].replace(b"group_id", "número,group_id".encode("latin-1"))], members)
    res = subprocess.run([sys.executable, "-m", "api.launch", "screen", str(tmp_path / "head"), "--out",
                          str(tmp_path / "r.csv"), "--lang", "en"], capture_output=True, text=True)
    assert res.returncode == 2 and "not UTF-8 text (line 1)" in res.stderr and "Traceback" not in res.stderr


def test_hostile_latin1_file_is_refused_in_spanish_by_default(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    named = [*groups[:5], "coop-ñandú,MX,30035,rural,osse,,,,,,,,,\n".encode("latin-1"), *groups[5:]]
    with pytest.raises(InputError) as err:
        _screen(_write(tmp_path / "pop", named, members), lang="es")
    text = str(err.value)
    assert "groups.csv no es texto UTF-8 (línea 6); leída como Latin-1 / Windows-1252, la línea dice" in text
    assert "`coop-ñandú,MX,30035" in text
    assert "conviértalo: iconv -f WINDOWS-1252 -t UTF-8 groups.csv > groups-utf8.csv" in text
    # the command line says it in Spanish unless asked otherwise
    _write(tmp_path / "head", [groups[0].replace(b"group_id", "número,group_id".encode("latin-1"))], members)
    res = subprocess.run([sys.executable, "-m", "api.launch", "screen", str(tmp_path / "head"), "--out",
                          str(tmp_path / "r.csv")], capture_output=True, text=True)
    assert res.returncode == 2 and "groups.csv no es texto UTF-8 (línea 1)" in res.stderr
    assert "Traceback" not in res.stderr


def test_hostile_other_encodings_and_line_ends_are_refused_in_spanish_by_default(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    with pytest.raises(InputError) as err:
        _screen(_write(tmp_path / "utf16", groups, b"".join(members).decode().encode("utf-16")), lang="es")
    assert "members.csv es texto UTF-16; las poblaciones se leen como UTF-8" in str(err.value)
    assert "iconv -f UTF-16 -t UTF-8 members.csv > members-utf8.csv" in str(err.value)
    with pytest.raises(InputError, match="sus líneas terminan solo en retorno de carro"):
        _screen(_write(tmp_path / "cr", b"".join(groups).replace(b"\n", b"\r"), members), lang="es")
    with pytest.raises(InputError, match="members.csv está vacío"):
        _screen(_write(tmp_path / "empty", groups, b""), lang="es")


@pytest.mark.parametrize("encoding,named", [("utf-16", "UTF-16 text"), ("utf-32", "UTF-32 text"),
                                            ("utf-16-le", "UTF-16 text without a byte-order mark")])
def test_hostile_utf16_and_utf32_files_are_refused_with_how_to_convert(tmp_path: Path, clean, encoding: str,
                                                                      named: str) -> None:
    groups, members, _ = clean
    text = b"".join(members).decode()
    with pytest.raises(InputError) as err:
        _screen(_write(tmp_path / "pop", groups, text.encode(encoding)))
    assert f"members.csv is {named}; populations are read as UTF-8" in str(err.value)
    assert "iconv -f UTF-" in str(err.value)


def test_hostile_byte_order_mark_and_crlf_line_ends_screen_as_plain_utf8(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    bom = b"\xef\xbb\xbf"
    report = _screen(_write(tmp_path / "bom", [bom + groups[0], *groups[1:]], [bom + members[0], *members[1:]]))
    assert report.rejected_rows == 0
    _assert_screened_without(report, expected)
    crlf = [[line.replace(b"\n", b"\r\n") for line in lines] for lines in (groups, members)]
    report = _screen(_write(tmp_path / "crlf", *crlf))
    assert report.rejected_rows == 0
    _assert_screened_without(report, expected)


def test_hostile_carriage_return_line_ends_are_refused(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    with pytest.raises(InputError, match="carriage return alone"):
        _screen(_write(tmp_path / "pop", b"".join(groups).replace(b"\n", b"\r"), members))


@pytest.mark.parametrize("chunk", [None, 2_000], ids=["whole", "partitioned"])
def test_hostile_newline_in_a_quoted_cell_is_one_record_and_later_lines_keep_their_numbers(
        tmp_path: Path, clean, chunk: int | None) -> None:
    groups, members, expected = clean
    gid = b'"coop\nLa Esperanza, A.C."'
    member = members[3].split(b",", 1)[1]
    bad = _gid(members[6]).encode() + b",30,X,true,true,E1,high,false\n"
    report = _screen(_write(tmp_path / "pop", [*groups, gid + b",MX,12029,rural,osse,,,,,,,,,\n"],
                            [*members[:2], *[gid + b"," + member] * 5, *members[2:6], bad, *members[7:]]),
                     chunk_bytes=chunk)
    got = _rejects(report)
    # five members of two lines each come before it: the bad line is line 17, not record 12
    assert got[("members.csv", 17)][1] == "sex `X` is not one of F | M"
    out = _results(report.out)
    assert "coop\nLa Esperanza, A.C." in out["group_id"].to_list()
    assert _without(out, "coop\nLa Esperanza, A.C.").equals(_without(expected, _gid(bad)))


# --------------------------------------------------------------------------- bytes that do not belong


def test_hostile_nul_bytes_are_rejected_with_their_line_and_shown_escaped(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    in_value = members[4].replace(b",", b",\x00", 1)
    zeros = b"\x00" * 300 + b"\n"  # a block of zeros, as a crash can leave in a file
    nul_id = b"g\x00x" + members[9][members[9].index(b","):]
    report = _screen(_write(tmp_path / "pop", groups, [*members[:4], in_value, zeros, *members[5:9], nul_id,
                                                        *members[9:]]))
    got = _rejects(report)
    assert got[("members.csv", 5)][1].endswith("is not a whole number") and "\\x00" in got[("members.csv", 5)][1]
    assert got[("members.csv", 6)] == (None, "1 field where the header has 8 (a value missing?)")
    assert got[("members.csv", 11)][1] == "group_id holds a NUL byte"
    assert b"\x00" not in Path(report.rejects).read_bytes().replace(b"\x00x", b"")  # (the id itself)
    _assert_screened_without(report, expected, _gid(in_value))


def test_hostile_huge_lines_are_rejected_or_refused_quickly(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    huge = members[2].split(b",", 1)[0] + b"," + b"9" * 5_000_000 + b",F,true,true,E1,high,false\n"
    started = time.perf_counter()
    report = _screen(_write(tmp_path / "pop", groups, [*members[:2], huge, *members[2:]]))
    assert time.perf_counter() - started < 60
    reason = _rejects(report)[("members.csv", 3)][1]
    assert reason.startswith("age 9999") and reason.endswith("… out of range (0 to 120)") and len(reason) < 100
    _assert_screened_without(report, expected, _gid(huge))
    with pytest.raises(InputError, match="first line is longer than 1 MB"):
        _screen(_write(tmp_path / "nolines", groups, b"x" * (2 << 20)))


# --------------------------------------------------------------------------- files that are not populations


def test_hostile_empty_file_header_only_and_repeated_header(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    with pytest.raises(InputError, match="members.csv is empty"):
        _screen(_write(tmp_path / "empty", groups, b""))
    report = _screen(_write(tmp_path / "header", groups[:1], members[:1]))
    assert report.groups == 0 and report.rejected_rows == 0 and report.programmes == 5
    assert pl.read_csv(report.out).height == 0
    with pytest.raises(InputError, match=r"names the column age 2 times \(columns 2, 3\)"):
        _screen(_write(tmp_path / "twice", groups, [members[0].replace(b"age,", b"age,age,"), *members[1:]]))
    # a column of another name, even blank or repeated, is ignored
    report = _screen(_write(tmp_path / "other", groups,
                            [members[0].rstrip(b"\n") + b",,note,note\n", *[m.rstrip(b"\n") + b",,a,b\n" for m in members[1:]]]))
    assert report.rejected_rows == 0


def test_hostile_pipe_in_place_of_a_file_is_refused_not_waited_on(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    pop = _write(tmp_path / "pop", groups, members)
    (pop / "members.csv").unlink()
    os.mkfifo(pop / "members.csv")
    with pytest.raises(InputError, match="is not a regular file"):
        _screen(pop)


# --------------------------------------------------------------------------- formulas


def test_hostile_formula_ids_are_neutralised_in_csv_and_kept_in_parquet(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    ids = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3"]
    quoted = [b'"' + i.encode().replace(b'"', b'""') + b'"' for i in ids]
    body = b"group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential,indigenous\n"
    new_members = [body, *[q + b",30,F,true,true,E1,high,false\n" for q in quoted for _ in range(5)],
                   b'"=HYPERLINK(1)",30,F,true,true,E1,high,false\n']  # a member of no group
    new_groups = [groups[0], *[q + b",MX,12029,rural,osse,,,,,,,,,\n" for q in quoted]]
    pop = _write(tmp_path / "pop", new_groups, new_members)
    report = screen_population(pop, tmp_path / "r.csv", RULES, DAY)
    written = pl.read_csv(report.out, schema=OUT_SCHEMA)
    assert sorted(written["group_id"].unique()) == sorted("'" + i for i in ids)
    rejects = pl.read_csv(report.rejects)
    assert rejects["group_id"].to_list() == ["'=HYPERLINK(1)"]
    parquet = screen_population(pop, tmp_path / "r.parquet", RULES, DAY)
    assert sorted(pl.read_parquet(parquet.out)["group_id"].unique()) == sorted(ids)
    assert written.filter(pl.col("program") == "proinpro")["eligible"].to_list() == [True] * 4


# --------------------------------------------------------------------------- destinations


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes through any mode bits: a folder of the kernel's
        return Path("/sys/kernel")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def test_hostile_out_that_cannot_be_written_fails_before_any_work(tmp_path: Path) -> None:
    missing_population = tmp_path / "no-such-population"  # reading it would fail differently
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    cases = {
        tmp_path / "a-folder": "is a folder",
        tmp_path / "missing" / "r.csv": "does not exist",
        tmp_path / "a-file" / "r.csv": "is not a folder",
        _unwritable(tmp_path) / "r.csv": "cannot write in",
    }
    for out, words in cases.items():
        with pytest.raises(InputError, match=words):
            screen_population(missing_population, out, RULES, DAY, lang="en")
        res = runner.invoke(app, ["screen", str(missing_population), "--out", str(out), "--lang", "en"])
        assert res.exit_code != 0 and words in str(res.exception)
    with pytest.raises(InputError, match="es una carpeta"):
        screen_population(missing_population, tmp_path / "a-folder", RULES, DAY)
    with pytest.raises(InputError, match="is a folder"):
        screen_population(missing_population, tmp_path / "r.csv", RULES, DAY, rejects=tmp_path / "a-folder", lang="en")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"]


def test_hostile_out_over_the_population_itself_is_refused(tmp_path: Path, clean) -> None:
    groups, members, _ = clean
    pop = _write(tmp_path / "pop", groups, members)
    with pytest.raises(InputError, match="population's own files"):
        screen_population(pop, pop / "members.csv", RULES, DAY, lang="en")
    assert (pop / "members.csv").read_bytes() == b"".join(members)


def test_hostile_synth_out_that_cannot_be_written_fails_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "pop").mkdir()
    (tmp_path / "pop" / "groups.csv").mkdir()  # a folder where a file goes
    cases = {tmp_path / "a-file": "is not a folder", tmp_path / "a-file" / "sub": "cannot write in",
             _unwritable(tmp_path) / "pop": "cannot write in", tmp_path / "pop": "is a folder"}
    for out, words in cases.items():
        res = runner.invoke(app, ["synth", "10", "--out", str(out), "--lang", "en"])
        assert res.exit_code != 0 and words in str(res.exception), (out, res.exception)


# --------------------------------------------------------------------------- signals and leftovers


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _start_screen(pop: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "api.launch", "screen", str(pop), "--out", str(out),
                             "--as-of", "2017-06-30", "--chunk-mb", "1", "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _when_running(proc: subprocess.Popen[str], folder: Path, pattern: str, timeout: float = 60) -> list[Path]:
    """Wait until the screening has written something matching `pattern` in `folder`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(folder.glob(pattern))
        if found:
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError(f"nothing like {pattern} in {folder}")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A population that takes several parts (and a few seconds) to screen in 1 MB parts."""
    folder = tmp_path_factory.mktemp("big") / "pop"
    synth.write_population(60_000, folder, seed=3)
    return folder


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_hostile_signal_mid_run_leaves_nothing_behind(tmp_path: Path, big: Path, sig: signal.Signals) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out" / "r.csv"
    out.parent.mkdir()
    proc = _start_screen(big, out, {**os.environ, "TMPDIR": str(temp)})
    _when_running(proc, out.parent, ".r.csv.vincula-*.tmp")  # partitions split, results being written
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, stderr
    assert f"interrupted ({sig.name})" in stderr and "Traceback" not in stderr
    assert list(out.parent.iterdir()) == [] and list(temp.iterdir()) == []


def test_hostile_hangup_is_still_ignored_under_nohup(tmp_path: Path, big: Path) -> None:
    out = tmp_path / "r.csv"
    proc = subprocess.Popen(["nohup", sys.executable, "-m", "api.launch", "screen", str(big), "--out", str(out),
                             "--as-of", "2017-06-30", "--chunk-mb", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    _when_running(proc, tmp_path, ".r.csv.vincula-*.tmp")
    proc.send_signal(signal.SIGHUP)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert pl.read_csv(out).height == 60_000 * 5


def test_hostile_killed_run_leftovers_are_cleared_on_the_next_start(tmp_path: Path, big: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out" / "r.csv"
    out.parent.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    proc = _start_screen(big, out, env)
    _when_running(proc, out.parent, ".r.csv.vincula-*.tmp")
    proc.kill()
    proc.wait()
    left = sorted(p.name for p in out.parent.iterdir())
    assert any(n.startswith(f"vincula-screen-{proc.pid}-") for n in left)
    assert f".r.csv.vincula-{proc.pid}.tmp" in left
    # other leftovers: a dead run's (old naming too) in the temporary folder, a live run's kept
    dead, alive = _dead_pid(), os.getpid()
    for folder, name in ((temp, f"vincula-screen-{dead}-abc123"), (out.parent, f"vincula-screen-{alive}-xyz")):
        (folder / name).mkdir()
        (folder / name / "part.ipc").write_bytes(b"x")
    for name in (f".r.csv.{dead}.tmp", f".other.parquet.vincula-{dead}.tmp", f".r.csv.vincula-{alive}.tmp",
                 f"notes.{dead}.tmp", f"vincula-screen-{dead}"):
        (out.parent / name).write_text("x")
    done = subprocess.run([sys.executable, "-m", "api.launch", "screen", str(big), "--out", str(out),
                           "--as-of", "2017-06-30", "--lang", "en"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([
        "r.csv", "r.rejects.csv", f"vincula-screen-{alive}-xyz", f".r.csv.vincula-{alive}.tmp",
        f"notes.{dead}.tmp", f"vincula-screen-{dead}"])  # not of our naming: left alone
    assert list(temp.iterdir()) == []


def test_hostile_leftovers_of_a_live_run_are_never_cleared(tmp_path: Path) -> None:
    from engine.scratch import clear_leftovers

    (tmp_path / f"vincula-screen-{os.getppid()}-abc").mkdir()
    (tmp_path / f".x.csv.vincula-{os.getppid()}.tmp").write_text("x")
    assert clear_leftovers(tmp_path) == []
    assert len(list(tmp_path.iterdir())) == 2


def test_hostile_parquet_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    synth.write_population(20, pop, fmt="parquet")
    (pop / "members.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="members.parquet is not a Parquet file that can be read"):
        _screen(pop)


def test_hostile_diff_out_that_is_a_folder_fails_before_the_screening(tmp_path: Path) -> None:
    (tmp_path / "report.md").mkdir()
    res = runner.invoke(app, ["diff", "--rules", "rules", "--population", str(tmp_path / "no-such-population"),
                              "--out", str(tmp_path / "report.md"), "--lang", "en"])
    assert res.exit_code != 0 and "is a folder" in str(res.exception)


@pytest.mark.parametrize("data,fields,expected", [
    (b"", 3, True), (b"a,b\n1,2\n", 2, True), (b"a,b\r\n1,2", 2, True),
    (b"abc", 2, False),            # one field where two are named
    (b"a,b\n1\n3,4\n", 2, False),   # a short line
    (b"a,b\n1\n3,4,5\n", 2, True),   # a short line balanced by a long one, which polars refuses
    (b"a,b\n\n1,2\n", 2, False),   # a blank line: read line by line, where it is left out
    (b'a,b\n"1",2\n', 2, False),   # a quote: commas may be inside values, so not told by counting
])
def test_hostile_quick_count_says_well_formed_only_when_every_line_is_a_record(
        tmp_path: Path, data: bytes, fields: int, expected: bool) -> None:
    from engine.csvlines import well_formed

    (tmp_path / "f.csv").write_bytes(data)
    assert well_formed(tmp_path / "f.csv", fields) is expected


def test_hostile_short_line_balanced_by_a_long_one_is_still_found(tmp_path: Path, clean) -> None:
    groups, members, expected = clean
    short, long = members[3], members[8]
    members = [*members[:3], short.split(b",", 1)[0] + b"\n", *members[4:8], long.rstrip(b"\n") + b",x\n",
               *members[9:]]
    for chunk in (None, 2_000):
        report = _screen(_write(tmp_path / "pop", groups, members), chunk_bytes=chunk)
        got = _rejects(report)
        assert got[("members.csv", 4)][1].startswith("1 field where the header has 8")
        assert got[("members.csv", 9)][1].startswith("9 fields where the header has 8")
        _assert_screened_without(report, expected, _gid(short), _gid(long))
