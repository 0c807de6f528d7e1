"""Validating a population: which rows can be screened, which are rejected, and why.

One validator, driven by the interchange columns (engine/population.py), which are the fact
vocabulary's: a cell is read as the group document reads it (a choice through the field's own
type, so `mx` is MX for a country code as in a group file), and refused when it is not of the
column's type, not one of its choices or outside its range. Each reject names its file, line
(the header is line 1; for Parquet, the 1-based row) and reason, and the group it would corrupt
is left out: an unknown territory, an invalid value, a repeated group_id, a member of no group,
and a group with a rejected member (screening it without that member could make it look
eligible).

Two ways to the same answer (engine/screen.py chooses):
- exact: every column read as text and typed here (`check_groups`, `type_members`), then
  `settle` joins members to groups and names every reject;
- clean: members read strictly typed by polars (`Population.strict_scan`, whose types come
  from the same columns); `clean_bad` adds what that read cannot check (ranges, empty ids) and
  `settle_clean` returns the chunk only when nothing at all is rejected, else None and the
  caller validates exactly. So the clean way never decides a reject: it only shows there is none.

A line that is not a record of the header's width (engine/csvlines.py) comes as a row whose
`MALFORMED` names what is wrong with it: rejected with that reason alone, and, for a member, its
group (as far as its group_id could be read) left out with it.

Members are matched to groups on a 64-bit hash of group_id (KEY), confirmed by a second,
independent hash (CHECK: min = max = the group's); `KeyCollision` asks for the text as key.

Reasons are worded from the message catalogue in the reader's language (`lang`, Spanish by
default), a column named as the file writes it with its label (`prospera (beneficiaria de
PROSPERA)`). A reason that holds a row's own value is one polars expression (`worded`): the
text is looked up once and the values filled in by polars, never by Python per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl
from pydantic import TypeAdapter, ValidationError

from engine.csvlines import shown
from engine.facts import GROUP_FACTS
from engine.messages import DEFAULT_LANG, Lang, catalogue, t
from engine.population import GROUP_COLUMNS, LINE, MALFORMED, MEMBER_COLUMNS, Column
from engine.territory import PROVIDERS, territory_code
from engine.vocabulary import fold, parse_value

KEY = "__key"  # a 64-bit hash of group_id: the join and group-by key
CHECK = "__check"  # a second, independent 64-bit hash of group_id that confirms KEY
HASH_SEED = 20261123
N_MEMBERS = "__n"
BAD = "__bad"
REJECT_SCHEMA = {"file": pl.String, "line": pl.Int64, "group_id": pl.String, "reason": pl.String}


def worded(key: str, lang: Lang, /, **values: Any) -> pl.Expr:
    """The catalogue text `key` in `lang` as a polars expression: a value given as an expression
    is filled in per row by polars, any other once here; a `count` given as an expression picks
    the plural form per row. The text is split at its placeholders, whatever their order in
    each language, and joined again with the values (`concat_str`: as cheap as `pl.format`, and
    no `{}` in a file name can be taken for a placeholder). Null where a value is null."""
    count = values.get("count")
    if isinstance(count, pl.Expr) and isinstance(catalogue()[key][lang], dict):
        one = _joined(key, lang, {**values, "count": 1})
        return pl.when(count == 1).then(one).otherwise(_joined(key, lang, values))
    return _joined(key, lang, values)


def _joined(key: str, lang: Lang, values: dict[str, Any]) -> pl.Expr:
    exprs = {name: v for name, v in values.items() if isinstance(v, pl.Expr)}
    marks = {name: f"\x00{name}\x00" for name in exprs}  # NUL: in no catalogue text or shown value
    text = t(key, lang, **{**values, **marks})
    pieces = [
        exprs[part].cast(pl.String) if i % 2 else pl.lit(part)
        for i, part in enumerate(text.split("\x00"))
        if i % 2 or part
    ]
    return pl.concat_str(pieces) if pieces else pl.lit("")


def field_name(column: Column, lang: Lang) -> str:
    """A column as a reason names it: as the file writes it, and its label in `lang` beside it
    where the label says more than the name (`prospera (beneficiaria de PROSPERA)`, `age`)."""
    spec = column.fact
    if spec is None or fold(spec.label[lang]) == fold(column.name.replace("_", " ").replace(".", " ")):
        return column.name
    return t("reject.field", lang, column=column.name, label=spec.label[lang])


class KeyCollision(Exception):
    """Two different group_ids share a 64-bit hash in this chunk (about one chance in 10^7 for
    ten million groups): the chunk is redone keyed by the text of group_id. Members are
    matched to groups on KEY and confirmed on CHECK, so a wrong match would need both 64-bit
    hashes to collide at once."""


def keys(exact: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """(KEY, CHECK) expressions: the hash of group_id, or its text when `exact`."""
    key = pl.col("group_id") if exact else pl.col("group_id").hash(HASH_SEED)
    return key.alias(KEY), pl.col("group_id").hash(HASH_SEED + 7).alias(CHECK)


@dataclass
class Chunk:
    """Whole groups, validated, one row each with their members aggregated; and the rows
    rejected on the way."""

    groups: pl.DataFrame  # group facts, territory facts, N_MEMBERS and the member aggregates
    rejects: pl.DataFrame


# --------------------------------------------------------------------------- territories


@cache
def territory_frame() -> pl.DataFrame:
    """Every territory of every country as one row: country, territory, and its attributes as
    `territory.<name>` columns typed as the per-group lookup types them (engine/territory.py),
    text as Categorical (a few thousand distinct values: gathered per group and compared far
    faster than strings)."""
    frames = []
    for country, provider in PROVIDERS.items():
        table = provider.frame()
        facts = [c for c in table.columns if f"territory.{c}" in GROUP_FACTS]
        frames.append(
            table.select(
                pl.lit(country).alias("country"),
                pl.col("code").alias("territory"),
                *[
                    (pl.col(c).cast(pl.Categorical) if table.schema[c] == pl.String else pl.col(c)).alias(
                        f"territory.{c}"
                    )
                    for c in facts
                ],
            )
        )
    return pl.concat(frames, how="diagonal").with_columns(pl.lit(True).alias("__known"))


def territory_facts(country: pl.Series, territory: pl.Series) -> pl.DataFrame:
    """The territory facts of each row (all null, `__known` null, for an unknown code):
    looked up per distinct code and gathered, which is much cheaper than a join."""
    terr = territory_frame()
    index: pl.Expr = pl.lit(None, pl.UInt32)
    frame = pl.DataFrame({"c": country, "t": territory.cast(pl.Categorical)})
    for name in PROVIDERS:
        rows = terr.with_row_index("__i").filter(pl.col("country") == name)
        mapping = dict(
            zip(rows.get_column("territory").to_list(), rows.get_column("__i").to_list(), strict=True)
        )
        index = (
            pl.when(pl.col("c") == name)
            .then(pl.col("t").replace_strict(mapping, default=None, return_dtype=pl.UInt32))
            .otherwise(index)
        )
    idx = frame.select(index.alias("i")).get_column("i")
    return terr.drop("country", "territory").select(pl.all().gather(idx))


# --------------------------------------------------------------------------- one cell


_INT = re.compile(r"^[+-]?\d+$")


_adapters: dict[tuple[str, str], TypeAdapter[Any]] = {}


def _adapter(column: Column) -> TypeAdapter[Any]:
    """The field's own type (validators included), to read a cell as a group document would."""
    assert column.fact is not None
    key = (column.fact.scope, column.name)
    if key not in _adapters:
        _adapters[key] = TypeAdapter(column.fact.annotation)
    return _adapters[key]


def _bounds(column: Column) -> dict[str, str]:
    """The column's range as `reject.out_of_range` shows it (low, high; `…` for no bound)."""
    spec = column.fact
    assert spec is not None

    def shown(x: float | None) -> str:
        return "…" if x is None else f"{x:,.0f}" if x == int(x) and abs(x) >= 1e6 else f"{x:g}"

    return {"low": shown(spec.ge), "high": shown(spec.le)}


def _out_of_range(column: Column, x: pl.Expr) -> pl.Expr:
    """Outside the column's range; NaN counts as outside."""
    spec = column.fact
    assert spec is not None
    out = x.is_nan() if column.real else pl.lit(False)
    if spec.ge is not None:
        out = out | (x < spec.ge)
    if spec.le is not None:
        out = out | (x > spec.le)
    return out.fill_null(False)


def cell(column: Column, text: str, lang: Lang = DEFAULT_LANG) -> tuple[Any, str | None]:
    """(value, None) for a cell of a Categorical column as the group document would read it
    (engine/vocabulary.py `parse_value`: `Sí`, `mujer`, `alto`, `Rural` as in a group file),
    or (None, reason in `lang`)."""
    spec = column.fact
    assert spec is not None
    if spec.type == "bool":
        value = parse_value(spec, text)
        if isinstance(value, bool):
            return value, None
        return None, t("reject.bool", lang, field=field_name(column, lang), value=shown(text))
    if spec.type == "number":  # a whole number (real numbers are parsed as columns)
        if not _INT.match(text.strip()):
            return None, t("reject.whole_number", lang, field=field_name(column, lang), value=shown(text))
        if len(text.strip().lstrip("+-").lstrip("0")) > 18:  # beyond any range, and int() refuses it
            return None, t(
                "reject.out_of_range",
                lang,
                field=field_name(column, lang),
                value=shown(text.strip()),
                **_bounds(column),
            )
        number = int(text)
        if (spec.ge is not None and number < spec.ge) or (spec.le is not None and number > spec.le):
            return None, t(
                "reject.out_of_range", lang, field=field_name(column, lang), value=number, **_bounds(column)
            )
        return number, None
    if spec.values is None:  # free text (a territory code: checked against the territories)
        return text, None
    try:
        value = _adapter(column).validate_python(parse_value(spec, text))
    except ValidationError:
        field = field_name(column, lang)
        if len(spec.values) <= 12:
            return None, t(
                "reject.choice", lang, field=field, value=shown(text), choices=" | ".join(spec.values)
            )
        return None, t("reject.country_code", lang, field=field, value=shown(text))
    return getattr(value, "value", value), None


def _distinct(frame: pl.DataFrame, col: str) -> list[str]:
    return [v for v in frame.get_column(col).unique().cast(pl.String).to_list() if v is not None]


def parse(frame: pl.DataFrame, column: Column, lang: Lang = DEFAULT_LANG) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(typed value, bad?, reason in `lang`) for a column of raw text: a Categorical column
    decided once per distinct value (`cell`), a real number parsed as a column. `bad` is cheap;
    the reason is meant for the rows already known to be bad."""
    c = pl.col(column.name)
    if column.key is not None:  # an identifier such as person_id: any text, empty = not known
        return c, pl.lit(False), pl.lit(None, pl.String)
    if column.fact is None:  # group_id
        empty = c.is_null() | (c.str.len_bytes() == 0)
        nul = c.str.contains("\x00", literal=True).fill_null(False)  # a damaged file, never an id
        id_reason: pl.Expr = (
            pl.when(empty)
            .then(pl.lit(t("reject.group_id_empty", lang)))
            .when(nul)
            .then(pl.lit(t("reject.group_id_nul", lang)))
        )
        return c, empty | nul, id_reason
    if column.real:
        x = c.str.strip_chars().cast(pl.Float64, strict=False)
        not_number = c.is_not_null() & x.is_null()
        outside = _out_of_range(column, x)
        field = field_name(column, lang)
        reason: pl.Expr = (
            pl.when(not_number)
            .then(worded("reject.number", lang, field=field, value=_shown(c)))
            .when(outside)
            .then(worded("reject.out_of_range", lang, field=field, value=_shown(c), **_bounds(column)))
        )
        return pl.when(~outside).then(x), not_number | outside, reason
    values: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for text in _distinct(frame, column.name):
        values[text], why = cell(column, text, lang)
        if why is not None:
            reasons[text] = why
    dtype = column.typed_dtype
    if all(values.get(t) == t for t in values) and dtype == pl.String:
        typed: pl.Expr = c  # already as the document writes it: stays Categorical, no copy
    elif values:
        typed = c.replace_strict(values, default=None, return_dtype=dtype)
    else:
        typed = pl.lit(None, dtype)
    bad = c.is_in(list(reasons)).fill_null(False) if reasons else pl.lit(False)
    reason = (
        c.replace_strict(reasons, default=None, return_dtype=pl.String)
        if reasons
        else pl.lit(None, pl.String)
    )
    return typed, bad, reason


def _shown(text: pl.Expr) -> pl.Expr:
    """The polars form of `csvlines.shown` for a value in a reason: cut to 40 characters."""
    return pl.when(text.str.len_chars() > 40).then(text.str.slice(0, 40) + "…").otherwise(text)


def _reason(parts: list[pl.Expr]) -> pl.Expr:
    """The reasons a row is rejected, joined; a malformed line's own reason alone."""
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(pl.col(MALFORMED).is_not_null()).then(pl.col(MALFORMED)).when(joined != "").then(joined)


def _reject_rows(frame: pl.DataFrame, file: str, reason: pl.Expr) -> pl.DataFrame:
    return frame.select(
        pl.lit(file).alias("file"), pl.col(LINE).alias("line"), "group_id", reason.alias("reason")
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _defaults(columns: dict[str, Column]) -> list[pl.Expr]:
    """What the group document makes of a fact left out: its default, where the part of the
    document that holds it is given (a top-level field: always; a project's contribution: when
    another contribution is given)."""
    out: list[pl.Expr] = []
    by_parent: dict[tuple[str, ...], list[Column]] = {}
    for col in columns.values():
        if col.fact is not None and col.fact.path is not None:
            by_parent.setdefault(col.fact.path[:-1], []).append(col)
    for parent, cols in by_parent.items():
        given = pl.any_horizontal([pl.col(c.name).is_not_null() for c in cols])
        for col in cols:
            default = col.fact.default if col.fact is not None else None
            if default is None:
                continue
            if not parent:
                out.append(pl.col(col.name).fill_null(default))
            else:
                out.append(pl.when(given).then(pl.col(col.name).fill_null(default)).alias(col.name))
    return out


# --------------------------------------------------------------------------- groups


def _territory_codes(g: pl.DataFrame) -> pl.Expr:
    """The territory column as a group document reads it (engine/territory.py `territory_code`:
    `1001` is `01001`, `Coclé` is `02`), decided once per distinct country and text."""
    joined = pl.concat_str(
        [pl.col("country").fill_null(""), pl.col("territory").cast(pl.String)], separator="\x1f"
    )
    pairs = g.select(pl.col("country"), pl.col("territory").cast(pl.String)).unique().drop_nulls("territory")
    fixed = {
        f"{country or ''}\x1f{text}": code
        for country, text in pairs.iter_rows()
        if (code := territory_code(country, text)) != text
    }
    if not fixed:
        return pl.col("territory")
    dtype = g.schema["territory"]
    return (
        joined.replace_strict(fixed, default=pl.col("territory").cast(pl.String), return_dtype=pl.String)
        .cast(dtype)
        .alias("territory")
    )


def check_groups(
    raw: pl.DataFrame, file: str, key: pl.Expr, lang: Lang = DEFAULT_LANG
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid groups (typed, with `KEY` and the territory facts) and the rejected rows (their
    reasons in `lang`); raises KeyCollision when two different group_ids share a KEY."""
    parsed = {name: parse(raw, col, lang) for name, col in GROUP_COLUMNS.items()}
    g = raw.with_columns(
        *[typed.alias(name) for name, (typed, _, _) in parsed.items()],
        pl.any_horizontal(pl.col(MALFORMED).is_not_null(), *[bad for _, bad, _ in parsed.values()]).alias(
            BAD
        ),
        parsed["country"][1].alias("__country_bad"),
        key,
    ).with_columns(_defaults(GROUP_COLUMNS))
    g = g.with_columns(_territory_codes(g))
    g = pl.concat([g, territory_facts(g.get_column("country"), g.get_column("territory"))], how="horizontal")
    # a repeated group_id: found on the hash, confirmed on the text (first line wins)
    if g.get_column(KEY).n_unique() != g.height:  # far cheaper than is_duplicated().any()
        firsts = (
            g.filter(pl.col(KEY).is_duplicated())
            .sort(LINE)
            .filter(~pl.col("group_id").is_first_distinct())
            .select(LINE, pl.lit(True).alias("__repeat"))
        )
        g = g.join(firsts, on=LINE, how="left")
        kept = g.filter(pl.col("__repeat").is_null()).get_column(KEY)
        if kept.n_unique() != kept.len():
            raise KeyCollision
    else:
        g = g.with_columns(pl.lit(None, pl.Boolean).alias("__repeat"))
    g = g.with_columns(
        (~pl.col("__country_bad") & pl.col("__known").is_null()).alias("__unknown"),
    ).with_columns((pl.col(BAD) | pl.col("__repeat").fill_null(False) | pl.col("__unknown")).alias(BAD))
    rejects = pl.DataFrame(schema=REJECT_SCHEMA)
    if g.select(pl.col(BAD).any()).item():  # (filtering copies every column, so only then)
        marks = g.filter(pl.col(BAD)).select(
            LINE, "__repeat", "__unknown", pl.col("country").alias("__country")
        )
        bad_rows = raw.join(marks, on=LINE)
        reasons: list[pl.Expr] = []
        for name, col in GROUP_COLUMNS.items():
            reasons.append(parse(bad_rows, col, lang)[2])
            if name == "group_id":
                reasons.append(pl.when(pl.col("__repeat")).then(pl.lit(t("reject.group_id_repeated", lang))))
            if name == "territory":
                reasons.append(
                    pl.when(pl.col("__unknown")).then(
                        worded(
                            "reject.unknown_territory",
                            lang,
                            field=field_name(col, lang),
                            value=pl.col("territory").fill_null(""),
                            country=pl.col("__country"),
                        )
                    )
                )
        rejects = _reject_rows(bad_rows, file, _reason(reasons))
        g = g.filter(~pl.col(BAD))
    return g.drop(BAD, "__known", "__repeat", "__unknown", "__country_bad"), rejects


# --------------------------------------------------------------------------- members


def type_members(raw: pl.DataFrame, lang: Lang = DEFAULT_LANG) -> pl.DataFrame:
    """Members read as text, typed, with `BAD` marking the rows that are not valid."""
    parsed = {name: parse(raw, col, lang) for name, col in MEMBER_COLUMNS.items()}
    return raw.with_columns(
        *[typed.alias(name) for name, (typed, _, _) in parsed.items() if name != "group_id"],
        pl.any_horizontal(pl.col(MALFORMED).is_not_null(), *[bad for _, bad, _ in parsed.values()]).alias(
            BAD
        ),
    )


def member_reasons(raw: pl.DataFrame, file: str, lang: Lang = DEFAULT_LANG) -> pl.DataFrame:
    """The rejects for raw member rows already known to be bad, with their reasons in `lang`."""
    reasons = [reason for _, _, reason in (parse(raw, c, lang) for c in MEMBER_COLUMNS.values())]
    return _reject_rows(raw, file, _reason(reasons))


def clean_bad() -> pl.Expr:
    """For members read by the strict read: true where a row would be rejected all the same
    (an empty group_id, a number out of range)."""
    bad = pl.col("group_id").is_null() | (pl.col("group_id").str.len_bytes() == 0)
    for col in MEMBER_COLUMNS.values():
        if col.fact is not None and col.fact.type == "number":
            bad = bad | _out_of_range(col, pl.col(col.name))
    return bad


def member_aggregates(exact: bool) -> list[pl.Expr]:
    """The validation's own sums over a group's members (beside the evaluator's): how many,
    how many are bad (and, exactly, the first bad line), and the CHECK range."""
    out = [
        pl.len().alias(N_MEMBERS),
        pl.col(BAD).sum().alias(BAD),
        pl.col(CHECK).min().alias("__gmin"),
        pl.col(CHECK).max().alias("__gmax"),
    ]
    if exact:
        out.append(pl.col(LINE).filter(pl.col(BAD)).min().alias("__first_bad"))
    return out


def _unconfirmed() -> pl.Expr:
    return pl.col("__gmin").is_not_null() & (
        (pl.col("__gmin") != pl.col(CHECK)) | (pl.col("__gmax") != pl.col(CHECK))
    )


def settle_clean(groups: pl.DataFrame, g_rejects: pl.DataFrame, agg: pl.DataFrame) -> Chunk | None:
    """The chunk, when nothing in it is rejected: no bad member, no rejected group, every
    member's group found and confirmed. None otherwise (the caller then validates exactly)."""
    if g_rejects.height or agg.select(pl.col(BAD).sum()).item():
        return None
    joined = groups.join(agg, on=KEY, how="left")
    matched, wrong = joined.select(
        pl.col(N_MEMBERS).is_not_null().sum().alias("matched"), _unconfirmed().sum().alias("wrong")
    ).row(0)
    if matched != agg.height or wrong:
        return None
    return Chunk(
        groups=joined.drop(BAD, "__gmin", "__gmax", CHECK), rejects=pl.DataFrame(schema=REJECT_SCHEMA)
    )


def settle(
    groups: pl.DataFrame,
    g_rejects: pl.DataFrame,
    members: pl.DataFrame,
    raw_members: pl.DataFrame,
    agg: pl.DataFrame,
    key: pl.Expr,
    raw_groups: pl.DataFrame,
    groups_file: str,
    members_file: str,
    lang: Lang = DEFAULT_LANG,
) -> Chunk:
    """Join the members' sums to the valid groups and name every reject (in `lang`): bad
    member rows, members of no group, and groups left out for a rejected member. Raises
    KeyCollision when a member's group is not confirmed."""
    groups = groups.join(agg, on=KEY, how="left")
    if groups.filter(_unconfirmed()).height:
        raise KeyCollision
    rejects = [g_rejects]
    bad = pl.col(BAD)
    if agg.select(bad.sum()).item():
        lines = members.filter(bad).get_column(LINE).implode()
        rejects.append(member_reasons(raw_members.filter(pl.col(LINE).is_in(lines)), members_file, lang))
    # a member whose group_id names no row of the groups file
    matched = groups.select(pl.col(N_MEMBERS).is_not_null().sum()).item()
    orphans = agg.select(KEY).head(0)
    rejected_keys = g_rejects.select(key).unique().join(groups.select(KEY), on=KEY, how="anti")
    of_rejected = agg.select(KEY).join(rejected_keys, on=KEY, how="semi").height
    if matched + of_rejected < agg.height:  # some member keys match no group row at all
        orphans = agg.select(KEY).join(raw_groups.select(key), on=KEY, how="anti")
    if orphans.height:
        rejects.append(
            _reject_rows(
                members.join(orphans, on=KEY, how="semi").filter(~bad),
                members_file,
                pl.lit(t("reject.member_of_no_group", lang)),
            )
        )
    # a group with a rejected member is left out whole
    spoilt = pl.col(BAD).fill_null(0) > 0
    if groups.filter(spoilt).height:
        rejects.append(
            _reject_rows(
                groups.filter(spoilt),
                groups_file,
                worded(
                    "reject.group_left_out",
                    lang,
                    count=pl.col(BAD),
                    file=members_file,
                    line=pl.col("__first_bad"),
                ),
            )
        )
        groups = groups.filter(~spoilt)
    groups = groups.drop(BAD, "__first_bad", "__gmin", "__gmax", CHECK)
    return Chunk(groups=groups, rejects=pl.concat(rejects).sort("file", "line"))
