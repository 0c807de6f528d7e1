"""What is wrong with a group document, in the words of the person who wrote it.

pydantic says what failed in English and by field path (`members.2.age: Input should be less
than or equal to 120`). Here each of its errors is worded from the message catalogue
(`input.<error type>`, Spanish by default) and its place named by the fields' labels from the
fact vocabulary, members counted from 1: "integrante 3, edad: debe ser a lo más 120 (se
leyó 130)". The command line adds the file and line (engine/groups.py), the API the field path
(api/errors.py); both read the words from here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from engine.errors import Words
from engine.messages import Lang, t
from engine.schema import Contributions, Group, Member, Project
from engine.vocabulary import Fact, field_words, fold

#: the model each part of the group document is (a list position is a member)
PARTS: dict[str, type[BaseModel]] = {"project": Project, "contributions": Contributions, "members": Member}


def _label(model: type[BaseModel], name: str, lang: Lang) -> tuple[str, Fact | None]:
    _, facts = field_words(model)
    spec = facts.get(name)
    if spec is not None:
        return spec.label[lang], spec
    key = f"input.field.{name}"
    return (t(key, lang) if key in _catalogue() else name), None


def _catalogue() -> dict[str, Any]:
    from engine.messages import catalogue

    return catalogue()


def place(
    loc: Sequence[Any], lang: Lang, model: type[BaseModel] = Group
) -> tuple[str, Fact | None, type[BaseModel]]:
    """(the place of `loc` in words, the fact there if any, the model holding its last key):
    `("members", 2, "age")` -> "integrante 3, edad"."""
    words: list[str] = []
    spec: Fact | None = None
    holder = model
    for part in loc:
        if isinstance(part, int):
            words.append(t("input.member_n", lang, n=part + 1))
            continue
        if not isinstance(part, str) or part not in holder.model_fields:
            if (
                isinstance(part, str)
                and part not in ("body",)
                and not part.startswith(("function-", "literal[", "enum["))
            ):
                words.append(part)
            continue
        label, spec = _label(holder, part, lang)
        if part != "members" or not words:
            words.append(label)
        holder = PARTS.get(part, holder)
    if words and words[0] == _label(Group, "members", lang)[0] and len(words) > 1:
        words = words[1:]
    return ", ".join(words), spec, holder


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _choices(spec: Fact, lang: Lang) -> str:
    from engine.explain import one_of

    if spec.choices is None:
        return ""
    if len(spec.choices) > 12:
        return t("input.country_codes", lang)
    return one_of([c.label[lang] for c in spec.choices], lang)


def _unknown_field(loc: Sequence[Any], lang: Lang) -> str:
    """An unknown key, with the field it most likely means."""
    *parent, key = loc
    _, _, holder = place(parent, lang)
    keys, _ = field_words(holder)
    close = difflib.get_close_matches(fold(str(key)).replace("_", " "), list(keys), n=1, cutoff=0.7)
    if not close:
        fields = ", ".join(holder.model_fields)
        return t("input.extra_forbidden", lang, fields=fields)
    field = keys[close[0]]
    label, _ = _label(holder, field, lang)
    return t("input.extra_forbidden_close", lang, field=field, label=label)


def message(err: dict[str, Any], lang: Lang, model: type[BaseModel] = Group) -> str:
    """One pydantic error in words (without its place)."""
    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    loc = tuple(err.get("loc", ()))
    value = err.get("input")
    _, spec, _ = place(loc, lang, model)
    if kind == "extra_forbidden":
        return _unknown_field(loc, lang)
    if kind in ("literal_error", "enum") and spec is not None:
        return t("input.choice", lang, input=_shown(value), choices=_choices(spec, lang))
    if kind in ("literal_error", "enum") and "expected" in ctx:  # not a fact: a query's `lang`...
        return t(
            "input.choice", lang, input=_shown(value), choices=str(ctx["expected"]).replace(" or ", " | ")
        )
    if kind == "value_error" and spec is not None and spec.choices is not None:
        return t("input.choice", lang, input=_shown(value), choices=_choices(spec, lang))
    words = words_of(err)
    return words.in_lang(lang) if words else pydantic_text(err)


#: pydantic error types worded by one text of the catalogue
_WORDED_AS = {
    "date_parsing": "date_text",
    "date_from_datetime_parsing": "date_text",
    "date_type": "date_text",
    "date_from_datetime_inexact": "date_text",
    "int_from_float": "int_parsing",
    "int_type": "int_parsing",
    "float_type": "float_parsing",
    "bool_type": "bool_parsing",
    "dict_type": "model_type",
    "model_attributes_type": "model_type",
    "enum": "literal_error",
}


def words_of(err: dict[str, Any], families: Sequence[str] = ("input",)) -> Words | None:
    """A pydantic error as words of the catalogue, or None where it has none. An error a
    validator raises as `PydanticCustomError("<catalogue id>", ...)` is that text with its
    context; pydantic's own errors are `<family>.<type>`, in the first family that words it
    (rule files: `("rule", "input")`, groups: `("input",)`)."""
    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    if "." in kind and kind in _catalogue():
        return Words(kind, ctx)
    kind = _WORDED_AS.get(kind, kind)
    # a bound of a float field (`ge=0`) is 0.0 to pydantic; people write and read 0
    bounds = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in ctx.items()}
    values = {"input": _shown(err.get("input")), **{k: _shown(v) for k, v in bounds.items()}}
    if isinstance(ctx.get("expected"), str):  # pydantic's English "'a', 'b' or 'c'": the values alone
        values["choices"] = ", ".join(re.findall(r"'([^']*)'", ctx["expected"])) or ctx["expected"]
    for size in ("min_length", "max_length"):
        if size in ctx:
            values.setdefault("count", ctx[size])  # for texts that say "1 character" or "3 characters"
    for family in families:
        key = f"{family}.{kind}"
        if key in _catalogue():
            return Words(key, values)
    return None


def pydantic_text(err: dict[str, Any]) -> str:
    """pydantic's own English words for an error the catalogue does not word."""
    return str(err.get("msg", err.get("type", ""))).removeprefix("Value error, ")


def worded(err: dict[str, Any], lang: Lang, model: type[BaseModel] = Group) -> tuple[str, str]:
    """(place, message) of one pydantic error of a group document."""
    where, _, _ = place(tuple(err.get("loc", ())), lang, model)
    return where or t("input.document", lang), message(err, lang, model)
