"""The fact vocabulary: what each fact a rule may test is called, which values it takes, and
the words people use for it and for its values.

The pydantic models of engine/schema.py are the one declaration. A field that is a fact says
so with `json_schema_extra=fact(...)` (labels, synonyms, value labels); its type and choices
come from its annotation (a `Literal` or an `Enum`), its range from `ge` / `le`, its meaning
when left out from its default. `model_facts` reads them back into `Fact` entries, and
engine/facts.py assembles the vocabulary from them. Readers of populations, the generator, the
feature steps, the rule checker and the page all take their facts from there, so a new fact is
a new field (plus the rule that uses it and a feature that shows it).

The metadata is plain JSON, so the API's OpenAPI document carries it too (`x-fact`).
"""

from __future__ import annotations

import datetime as dt
import re
import types
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticCustomError, PydanticUndefined

from engine.messages import Lang

FactType = Literal["number", "text", "bool", "date"]
Scope = Literal["group", "member"]
Origin = Literal["input", "derived", "territory"]

FACT_KEY = "x-fact"  # json_schema_extra key of a fact's metadata
KEY_KEY = "x-key"  # json_schema_extra key of an identifier's metadata
NESTED_KEY = "x-facts"  # json_schema_extra key of a sub-model whose fields are facts


# --------------------------------------------------------------------------- declaring


def fact(
    es: str,
    en: str,
    *,
    synonyms: Iterable[str] = (),
    trait: Iterable[str] = (),
    values: Mapping[str, dict[str, Any]] | None = None,
    choices: str | None = None,
    share: tuple[str, str] | None = None,
    unit: str | None = None,
    changeable: bool = False,
    personal: Literal["fixed", "grows"] | None = None,
    predicate: tuple[str, str] | tuple[str, str, str] | None = None,
    example: Any = None,
) -> dict[str, Any]:
    """A field's metadata as a fact: `es` / `en` labels; `synonyms`, other words for it (a
    feature's table header, a Spanish field name); `trait`, for a yes/no fact, words that say a
    member has it ("pobres" -> poverty is true); `values`, each choice's labels (`value(...)`);
    `choices`, a named table of choices instead (`"countries"`); `share`, for an amount, the
    labels of its share of the total (a derived fact).

    `changeable`: the fact is in the group's hands (its members' facts, by changing who is in
    the group; its organisation; its project), so a suggestion that changes it is feasible;
    its place, the date and what the territory tables say are not. `personal`: a member's fact
    that is who the person is, which the group changes only by changing who is in it: `fixed`
    (sex), or `grows` (age: reached by waiting, never gone back to). `predicate`: what a
    requirement on it says after "debe" / "must" (`{value}` stands for the values asked for;
    a third text is the Spanish masculine form, for a man); `example`: the value a suggestion
    proposes where the rule only says which values do not do (`!= MX` -> US)."""
    meta: dict[str, Any] = {"label": {"es": es, "en": en}, "synonyms": list(synonyms), "trait": list(trait)}
    if values is not None:
        meta["values"] = dict(values)
    if choices is not None:
        meta["choices"] = choices
    if share is not None:
        meta["share"] = {"es": share[0], "en": share[1]}
    if unit is not None:
        meta["unit"] = unit
    if changeable:
        meta["changeable"] = True
    if personal is not None:
        meta["personal"] = personal
    if predicate is not None:
        meta["predicate"] = {"es": predicate[0], "en": predicate[1]}
        if len(predicate) > 2:
            meta["predicate"]["es_m"] = predicate[2]
    if example is not None:
        meta["example"] = example
    return {FACT_KEY: meta}


def identifier(es: str, en: str) -> dict[str, Any]:
    """A field's metadata as an identifier: it names who or what a document is about (a person's
    key), so populations carry it as a column and coverage follows people by it, but no rule
    tests it (it is not a fact)."""
    return {KEY_KEY: {"label": {"es": es, "en": en}}}


def value(
    es: str, en: str, *synonyms: str, trait: Iterable[str] = (), action: tuple[str, str] | None = None
) -> dict[str, Any]:
    """One choice's labels, other words for it, words that say a member has it, and `action`:
    what a group does to take this value, where that says more than its label ("registrarse
    como organización del sector social de la economía")."""
    out: dict[str, Any] = {"label": {"es": es, "en": en}, "synonyms": list(synonyms), "trait": list(trait)}
    if action is not None:
        out["action"] = {"es": action[0], "en": action[1]}
    return out


def nested(prefix: str) -> dict[str, Any]:
    """A sub-model whose facts are named `prefix` + field (e.g. `project.` + `sector`)."""
    return {NESTED_KEY: {"prefix": prefix}}


# --------------------------------------------------------------------------- reading back


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: how people's words are compared."""
    text = unicodedata.normalize("NFD", str(text).strip().lower())
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").split())


#: words for yes and no, as people write them in Spanish or English (folded)
YES_NO: dict[str, bool] = {
    "si": True,
    "yes": True,
    "true": True,
    "verdadero": True,
    "x": True,
    "no": False,
    "false": False,
    "falso": False,
}
#: words for "not known" in a table cell (folded)
NOT_KNOWN_WORDS = frozenset({"", "?", "-", "no se sabe", "unknown", "desconocido", "n/a"})


@dataclass(frozen=True)
class Choice:
    """One value a choice fact takes, and what people call it."""

    value: str
    label: Mapping[str, str]
    synonyms: tuple[str, ...] = ()
    trait: tuple[str, ...] = ()
    action: Mapping[str, str] | None = None

    def words(self) -> list[str]:
        return [self.value, *self.label.values(), *self.synonyms]


@dataclass(frozen=True)
class Fact:
    """One fact a rule may test. `path` is where it sits in the group document (in a member,
    for a member fact), for facts a group states; None for derived and territory facts."""

    name: str
    scope: Scope
    type: FactType
    label: Mapping[str, str]
    origin: Origin = "input"
    synonyms: tuple[str, ...] = ()
    trait: tuple[str, ...] = ()
    choices: tuple[Choice, ...] | None = None
    integer: bool = False
    ge: float | None = None
    le: float | None = None
    path: tuple[str, ...] | None = None
    default: Any = None  # what it is when left out of a sub-model that is given (an amount: 0)
    unit: str | None = None
    #: in the group's hands (see `fact`)
    changeable: bool = False
    #: who the person is: changed by changing the member (`fixed`), or only upwards (`grows`)
    personal: Literal["fixed", "grows"] | None = None
    #: what a requirement on it says after "debe" / "must" (see `fact`)
    predicate: Mapping[str, str] | None = None
    example: Any = None
    #: the field's annotation (its validators included), for reading a stated value as the
    #: group document reads it
    annotation: Any = field(default=None, compare=False, repr=False)

    def label_in(self, lang: Lang) -> str:
        return self.label[lang]

    @property
    def values(self) -> list[str] | None:
        return [c.value for c in self.choices] if self.choices is not None else None

    def words(self) -> list[str]:
        """Every word that names this fact: its name, labels and synonyms."""
        return [self.name, *self.label.values(), *self.synonyms]

    def choice(self, word: str) -> str | None:
        """The value a person's word stands for (any case, with or without accents), or None."""
        return self.choice_words().get(fold(word))

    def choice_words(self) -> dict[str, str]:
        """Every word (folded) that names one of the fact's values, and the value."""
        return {fold(w): c.value for c in self.choices or () for w in c.words()}


def _choice_tables() -> dict[str, dict[str, dict[str, str]]]:
    from engine.countries import countries

    return {"countries": countries()}


def unwrap(annotation: Any) -> Any:
    """The type inside `X | None` and `Annotated[X, ...]`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return tuple(args)
            annotation = args[0]
        else:
            return annotation


def _kind(annotation: Any, where: str) -> tuple[FactType, list[str] | None, bool]:
    """(type, choices, integer) of a field's annotation."""
    t = unwrap(annotation)
    if t is bool:
        return "bool", None, False
    if t is int:
        return "number", None, True
    if t is float or t == (int, float) or t == (float, int):
        return "number", None, False
    if t is str:
        return "text", None, False
    if t is dt.date:
        return "date", None, False
    if isinstance(t, type) and issubclass(t, Enum):
        return "text", [str(m.value) for m in t], False
    if get_origin(t) is Literal:
        return "text", [str(a) for a in get_args(t)], False
    raise TypeError(f"{where}: a fact must be a number, text, yes/no, date or choice, not {annotation!r}")


def _extra(json_schema_extra: Any) -> dict[str, dict[str, Any]]:
    """A field's `json_schema_extra`, as `fact(...)` and `nested(...)` make it."""
    return cast(dict[str, dict[str, Any]], json_schema_extra) if isinstance(json_schema_extra, dict) else {}


def _bound(metadata: list[Any], name: str) -> float | None:
    return next((float(getattr(m, name)) for m in metadata if getattr(m, name, None) is not None), None)


def model_facts(
    model: type[BaseModel],
    scope: Scope,
    prefix: str = "",
    path: tuple[str, ...] = (),
    origin: Origin = "input",
) -> list[Fact]:
    """The facts a model's fields declare (and those of the sub-models it nests), in field order."""
    out: list[Fact] = []
    for name, info in model.model_fields.items():
        extra = _extra(info.json_schema_extra)
        where = f"{model.__name__}.{name}"
        if NESTED_KEY in extra:
            sub = unwrap(info.annotation)
            if not (isinstance(sub, type) and issubclass(sub, BaseModel)):
                raise TypeError(f"{where}: `nested(...)` needs a model field")
            out += model_facts(sub, scope, prefix + str(extra[NESTED_KEY]["prefix"]), (*path, name), origin)
            continue
        meta = extra.get(FACT_KEY)
        if meta is None:
            continue
        kind, choices, integer = _kind(info.annotation, where)
        labels: dict[str, Any] = dict(meta.get("values") or {})
        if "choices" in meta:
            table = _choice_tables()[meta["choices"]]
            choices = list(table)
            labels = {code: {"label": names} for code, names in table.items()}
        if choices is not None and set(labels) != set(choices):
            raise TypeError(
                f"{where}: value labels {sorted(labels)} do not match the choices {sorted(choices)}"
            )
        default = info.default if info.default is not PydanticUndefined else None
        out.append(
            Fact(
                name=prefix + name,
                scope=scope,
                type=kind,
                label=dict(meta["label"]),
                origin=origin,
                synonyms=tuple(meta.get("synonyms", ())),
                trait=tuple(meta.get("trait", ())),
                choices=(
                    tuple(
                        Choice(
                            value=c,
                            label=dict(labels[c]["label"]),
                            synonyms=tuple(labels[c].get("synonyms", ())),
                            trait=tuple(labels[c].get("trait", ())),
                            action=labels[c].get("action"),
                        )
                        for c in choices
                    )
                    if choices is not None
                    else None
                ),
                integer=integer,
                ge=_bound(info.metadata, "ge"),
                le=_bound(info.metadata, "le"),
                path=(*path, name) if origin == "input" else None,
                default=default.value if isinstance(default, Enum) else default,
                unit=meta.get("unit"),
                changeable=bool(meta.get("changeable", False)),
                personal=meta.get("personal"),
                predicate=meta.get("predicate"),
                example=meta.get("example"),
                annotation=info.annotation,
            )
        )
    return out


@dataclass(frozen=True)
class Key:
    """An identifier a model declares (`identifier(...)`): its name, labels and place in the
    document (in a member, for a member's key)."""

    name: str
    scope: Scope
    label: Mapping[str, str]
    path: tuple[str, ...]


def model_keys(model: type[BaseModel], scope: Scope) -> list[Key]:
    """The identifiers a model's fields declare, in field order."""
    return [
        Key(name=name, scope=scope, label=dict(meta["label"]), path=(name,))
        for name, info in model.model_fields.items()
        if (meta := _extra(info.json_schema_extra).get(KEY_KEY)) is not None
    ]


def share_labels(model: type[BaseModel]) -> dict[str, dict[str, str]]:
    """field -> labels of its share of the total, for the fields that declare one."""
    out: dict[str, dict[str, str]] = {}
    for name, info in model.model_fields.items():
        meta = _extra(info.json_schema_extra).get(FACT_KEY)
        if meta is not None and "share" in meta:
            out[name] = dict(meta["share"])
    return out


# --------------------------------------------------------------------------- reading what people type

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_date(raw: Any) -> Any:
    """A date as people write it: 2017-06-30 or, day first, 30/06/2017 (also 30-06-2017 and
    30.06.2017); anything else is returned as it is, for the validator to refuse."""
    if isinstance(raw, str):
        day_first = _DAY_FIRST.match(raw)
        if day_first:
            day, month, year = (int(x) for x in day_first.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return raw
        return raw.strip()
    return raw


def parse_value(spec: Fact, raw: Any) -> Any:
    """A value of a fact as a person may type it, read as the fact's type: yes / no in Spanish or
    English (`Sí`, `no`, `verdadero`, `1`), a choice by its code, label or another word for it,
    in any letter case, with or without accents (`Rural`, `mujer`, `alto`, `Estados Unidos`), a
    date day first (30/06/2017). What it cannot read is returned unchanged, for the field's own
    validation to refuse with its message. The one reading for group files, the API, the page
    and populations."""
    if not isinstance(raw, str):
        return raw
    if spec.type == "bool":
        word = fold(raw)
        if word in YES_NO:
            return YES_NO[word]
        return {"1": True, "0": False}.get(word, raw)
    if spec.choices is not None:
        return spec.choice(raw) or raw
    if spec.type == "date":
        return parse_date(raw)
    return raw


#: json_schema_extra key of the other words for a field that is not a fact (`integrantes`)
WORDS_KEY = "x-words"


def words(*synonyms: str) -> dict[str, Any]:
    """Other words for a field of the group document that is not a fact (`members`:
    "integrantes"), accepted as its key."""
    return {WORDS_KEY: list(synonyms)}


def _key(word: str) -> str:
    return fold(word).replace("_", " ")


_KEYS: dict[type[BaseModel], tuple[dict[str, str], dict[str, Fact]]] = {}


def field_words(model: type[BaseModel]) -> tuple[dict[str, str], dict[str, Fact]]:
    """(every word that names a field of `model` -> the field, field -> its fact): a field's
    name, its labels and other words, folded (`Localidad`, `edad`, `estrato_productor`)."""
    cached = _KEYS.get(model)
    if cached is None:
        facts = {
            f.path[-1] if f.path else f.name: f for f in model_facts(model, "group") if f.path is not None
        }
        keys: dict[str, str] = {}
        for name, info in model.model_fields.items():
            extra = _extra(info.json_schema_extra)
            names = [name, *extra.get(WORDS_KEY, [])]  # type: ignore[list-item]
            if name in facts:
                names += facts[name].words()
            if NESTED_KEY in extra:
                names += [name]
            for word in names:
                keys.setdefault(_key(str(word)), name)
        cached = _KEYS[model] = (keys, facts)
    return cached


def field_of(model: type[BaseModel], word: Any) -> str | None:
    """The field of `model` that `word` names (its name, a label or another word for it)."""
    if isinstance(word, str) and word in model.model_fields:
        return word
    return field_words(model)[0].get(_key(str(word)))


def read_part(model: type[BaseModel], data: Any) -> Any:
    """A part of a group document as people write it, in the model's own terms: keys by any word
    for the field (the field's name wins over another field's word), values through
    `parse_value`. A field named twice (`edad` and `age`) is an error; an unknown key is left for
    the model to refuse."""
    if not isinstance(data, dict):
        return data
    keys, facts = field_words(model)
    out: dict[str, Any] = {}
    named_by: dict[str, str] = {}
    for key, value in data.items():
        name = key if isinstance(key, str) and key in model.model_fields else keys.get(_key(str(key)))
        if name is None:
            out[key] = value
            continue
        if name in out:
            raise PydanticCustomError(
                "field_twice",
                "`{first}` and `{second}` name the same field",
                {"first": named_by[name], "second": str(key), "field": name},
            )
        named_by[name] = str(key)
        out[name] = parse_value(facts[name], value) if name in facts else value
    return out
