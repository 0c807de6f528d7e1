"""Pydantic models for everything that enters or leaves the engine.

Rule files (programmes, criteria, conditions, dated parameters), beneficiary groups, and the
determinations the engine returns. Rule files are data: a condition is a small tree of
comparisons, all/any/not and member quantifiers, never code.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.countries import countries, country_code
from engine.errors import Words
from engine.vocabulary import fact, identifier, nested, parse_date, read_part, value, words

#: the context key of a validator's error that names the place, inside the model it validates,
#: that the error is about (a repeated criterion id, not the whole programme): engine/yamlfile.py
#: reports the error at that line and field
AT = "at"


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a rule or group file must not pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- rule files


class Text(Strict):
    """A short text in Spanish (the default for users) and English."""

    es: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


class CitedIn(Strict):
    """Where a document that nobody here has read is cited: the citing passage of a text at hand."""

    ref: str = Field(description="key of the citing document (one with `text`)")
    pinpoint: str = Field(min_length=1, description="the citing document's own heading or table")
    quote: str = Field(min_length=3, description="the citing passage, verbatim")


class SourceDoc(Strict):
    """A document, named as it names itself. Either its plain text is at hand (`text`, a file
    name in the sources folder that `vincula lint --sources DIR` reads) or it is only known
    through a passage of one that is (`cited_in`): nothing is quoted from a text nobody read."""

    title: str = Field(min_length=3)
    author: str | None = None
    publisher: str | None = None
    date: str | None = Field(
        default=None,
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="as precise as the document gives it: YYYY, YYYY-MM or YYYY-MM-DD",
    )
    date_note: str | None = Field(default=None, description="what the date is, when the document gives none")
    language: Literal["es", "en"] | None = None
    link: str | None = None
    text: str | None = Field(default=None, description="file name of its plain text in the sources folder")
    cited_in: CitedIn | None = None
    note: str | None = Field(default=None, description="what the document is, where it names itself poorly")

    @field_validator("date", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _text_or_cited(self) -> SourceDoc:
        if (self.text is None) == (self.cited_in is None):
            raise PydanticCustomError(
                "rule.source.text_or_cited",
                "give exactly one of `text` (the file name of the document's plain text) or "
                "`cited_in` (the passage of a document at hand that cites it)",
            )
        if not (self.author or self.publisher or self.note):
            raise PydanticCustomError(
                "rule.source.author_or_publisher",
                "give the document's `author` or `publisher` as it names them, or a `note` "
                "saying that it names neither",
            )
        return self


class Translation(Strict):
    """A quote's meaning for readers of the other language; the quote itself stays verbatim."""

    es: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Translation:
        if not (self.es or self.en):
            raise PydanticCustomError("rule.translation.empty", "give `es`, `en` or both")
        return self


class Citation(Strict):
    """Where exactly a criterion, a parameter value or a fact comes from: a document with its
    text at hand, the document's own heading or table name, and the passage copied verbatim."""

    ref: str = Field(description="key of a document in the file's `sources`")
    pinpoint: str = Field(min_length=1, description="the source's own heading, table or section name")
    quote: str | None = Field(default=None, description="verbatim, in the source's language")
    translation: Translation | None = None
    cites: str | None = Field(
        default=None, description="key of a `cited_in` document that the quoted passage itself cites"
    )


def check_citations(sources: dict[str, SourceDoc], citations: list[tuple[Words, Citation]]) -> list[Words]:
    """What is wrong with the sources and citations of one file: a `cited_in` that names no
    document at hand, and each citation's problems (`check_citation`)."""
    problems = []
    known = ", ".join(sorted(sources))
    for key, doc in sources.items():
        if doc.cited_in is not None:
            citing = sources.get(doc.cited_in.ref)
            if citing is None or citing.text is None:
                problems.append(
                    Words(
                        "rule.citation.cited_in_unknown",
                        {"key": key, "ref": doc.cited_in.ref, "known": known},
                    )
                )
    return problems + [problem for where, c in citations for problem in check_citation(sources, where, c)]


def check_citation(sources: dict[str, SourceDoc], where: Words, c: Citation) -> list[Words]:
    """What is wrong with one citation: an unknown document, a quote from a document whose text
    nobody here has (cite the passage that cites it instead), `cites` that does not name a
    document cited by the quoted one. Each problem names the citing place, `where` ("criterion
    `rural`")."""
    problems = []
    cited = sources.get(c.ref)
    if cited is None:
        known = ", ".join(sorted(sources))
        return [Words("rule.citation.unknown", {"where": where, "ref": c.ref, "known": known})]
    if cited.text is None:
        citing_ref = cited.cited_in.ref if cited.cited_in else "?"
        problems.append(Words("rule.citation.unread", {"where": where, "ref": c.ref, "citing": citing_ref}))
    if c.cites is not None:
        cited_doc = sources.get(c.cites)
        if cited_doc is None or cited_doc.cited_in is None or cited_doc.cited_in.ref != c.ref:
            problems.append(
                Words("rule.citation.cites_mismatch", {"where": where, "cites": c.cites, "ref": c.ref})
            )
    return problems


Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between"]
Scalar = bool | int | float | str | dt.date


class Compare(Strict):
    """`fact op value` or `fact op param`: the leaf of every condition."""

    fact: str
    op: Op
    value: Scalar | list[Scalar] | None = None
    param: str | None = None

    @model_validator(mode="after")
    def _value_xor_param(self) -> Compare:
        if (self.value is None) == (self.param is None):
            raise PydanticCustomError(
                "rule.compare.value_xor_param", "give exactly one of `value` or `param`"
            )
        if self.value is not None:
            is_list = isinstance(self.value, list)
            op = {"op": self.op}
            if self.op in ("in", "not_in") and not (isinstance(self.value, list) and self.value):
                raise PydanticCustomError(
                    "rule.compare.list_needed", "operator `{op}` needs a non-empty list value", op
                )
            if self.op == "between" and not (isinstance(self.value, list) and len(self.value) == 2):
                raise PydanticCustomError(
                    "rule.compare.between_pair", "operator `between` needs a list of two values [low, high]"
                )
            if self.op not in ("in", "not_in", "between") and is_list:
                raise PydanticCustomError(
                    "rule.compare.single_value", "operator `{op}` needs a single value, not a list", op
                )
        return self


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias="not")


Quantifier = Literal["all", "any", "none", "count", "share"]


class Members(Strict):
    """A quantifier over the group's members: all / any / none of them, or how many (count,
    share) satisfy `where`. `count` and `share` compare with `op` against `value` or `param`."""

    members: Quantifier
    where: Condition
    op: Op | None = None
    value: float | None = None
    param: str | None = None

    @model_validator(mode="after")
    def _threshold(self) -> Members:
        counting = self.members in ("count", "share")
        has_threshold = self.value is not None or self.param is not None
        members = {"members": self.members}
        if counting and (self.op is None or not has_threshold):
            raise PydanticCustomError(
                "rule.members.threshold_needed",
                "`members: {members}` needs `op` and a `value` or `param`",
                members,
            )
        if not counting and (self.op is not None or has_threshold):
            raise PydanticCustomError(
                "rule.members.no_threshold", "`members: {members}` takes no `op`/`value`/`param`", members
            )
        if self.op in ("in", "not_in", "between"):
            raise PydanticCustomError(
                "rule.members.number_op",
                "`members: {members}` compares a number: use <, <=, ==, >=, >",
                members,
            )
        return self


def _condition_kind(node: Any) -> str | None:
    """Which kind of condition a node is, from its keys, so errors point at the right fields."""
    keys = node.keys() if isinstance(node, dict) else vars(node).keys() if isinstance(node, BaseModel) else ()
    for key, kind in (
        ("members", "members"),
        ("fact", "compare"),
        ("all", "all"),
        ("any", "any"),
        ("not", "not"),
        ("not_", "not"),
    ):
        if key in keys:
            return kind
    return None


Condition = Annotated[
    Annotated[Compare, Tag("compare")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Members, Tag("members")],
    Discriminator(
        _condition_kind,
        custom_error_type="rule.condition_kind",
        custom_error_message="a condition needs one of the keys `fact` (a comparison), "
        "`all`, `any`, `not` or `members`",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()
Members.model_rebuild()


def walk(cond: Condition) -> list[Condition]:
    """Every node of a condition tree, depth first."""
    out: list[Condition] = [cond]
    if isinstance(cond, AllOf):
        for c in cond.all:
            out += walk(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            out += walk(c)
    elif isinstance(cond, NotOf):
        out += walk(cond.not_)
    elif isinstance(cond, Members):
        out += walk(cond.where)
    return out


def compared_facts(cond: Condition) -> list[str]:
    """The facts a condition compares, in order of first use."""
    return list(dict.fromkeys(n.fact for n in walk(cond) if isinstance(n, Compare)))


class ParameterValue(Strict):
    """One value of a parameter, in force from `from` (inclusive) to `to` (inclusive, or open)."""

    from_: dt.date = Field(alias="from")
    to: dt.date | None = None
    value: float | int | str | bool
    source: Citation

    @model_validator(mode="after")
    def _ordered(self) -> ParameterValue:
        if self.to is not None and self.to < self.from_:
            raise PydanticCustomError(
                "rule.parameter.to_before_from",
                "`to` ({to}) is before `from` ({start})",
                {"to": self.to, "start": self.from_},
            )
        return self


def parameter_value_words(name: str, start: dt.date) -> Words:
    """ "parameter `x` from 2016-01-01": the value of a parameter a problem is about."""
    return Words("rule.where.parameter", {"name": name, "start": start})


class Parameter(Strict):
    """A number the law changes over time, with one value per period of effect."""

    label: Text
    unit: str | None = None
    values: list[ParameterValue] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _no_overlap(cls, values: list[ParameterValue]) -> list[ParameterValue]:
        ordered = sorted(values, key=lambda v: v.from_)
        for prev, nxt in zip(ordered, ordered[1:], strict=False):
            if prev.to is None or prev.to >= nxt.from_:
                end = (
                    Words("rule.parameter.until", {"day": prev.to})
                    if prev.to
                    else Words("rule.parameter.open")
                )
                raise PydanticCustomError(
                    "rule.parameter.overlap",
                    "values overlap: the one from {start} ({end}) is still in force on {next}, when the next "
                    "begins; close it with `to:` the day before",
                    {"start": prev.from_, "end": end, "next": nxt.from_},
                )
        return ordered

    def value_on(self, day: dt.date) -> ParameterValue | None:
        for v in self.values:
            if v.from_ <= day and (v.to is None or day <= v.to):
                return v
        return None


class Criterion(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    condition: Condition
    source: Citation
    assumption: Text | None = Field(
        default=None, description="what was chosen where the source is silent; shown to users"
    )
    valid_from: dt.date | None = Field(
        default=None,
        description="the first day the criterion applies (inclusive); before it the criterion is "
        "unknown: the sources give no criterion for that time, so no answer may rest on it",
    )
    valid_to: dt.date | None = Field(default=None, description="the last day it applies (inclusive)")

    def in_force_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise PydanticCustomError("rule.criterion.valid_order", "valid_from is after valid_to")
        nodes = walk(self.condition)
        quantifiers = [n for n in nodes if isinstance(n, Members)]
        if quantifiers and not isinstance(self.condition, Members):
            raise PydanticCustomError(
                "rule.criterion.members_on_top",
                "a condition that quantifies over members must be the whole condition "
                "(`members: ...` at the top); split group tests into their own criterion",
            )
        if len(quantifiers) > 1:
            raise PydanticCustomError("rule.criterion.nested_members", "member quantifiers cannot be nested")
        return self

    @property
    def per_member(self) -> bool:
        return isinstance(self.condition, Members)


class Rule(Strict):
    """`all` / `any` over criterion ids (or nested rules): how criteria make eligibility."""

    all: list[str | Rule] | None = None
    any: list[str | Rule] | None = None

    @model_validator(mode="after")
    def _one(self) -> Rule:
        if (self.all is None) == (self.any is None):
            raise PydanticCustomError("rule.rule.all_or_any", "give exactly one of `all` or `any`")
        return self

    @property
    def items(self) -> list[str | Rule]:
        return self.all if self.all is not None else self.any  # type: ignore[return-value]

    def ids(self) -> list[str]:
        out: list[str] = []
        for item in self.items:
            out += [item] if isinstance(item, str) else item.ids()
        return out


#: engine/vectorised.py records a programme's failed criteria as one bit per eligibility item
MAX_ELIGIBILITY_ITEMS = 64


class Concurrency(Strict):
    """Whether one group may receive this programme and another one: `true` or `false` with the
    passage that says so, or `unknown` with a note that the sources are silent. Never a guess."""

    allowed: bool | Literal["unknown"]
    source: Citation | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _evidence(self) -> Concurrency:
        if self.allowed == "unknown":
            if self.note is None:
                raise PydanticCustomError(
                    "rule.concurrency.note_needed",
                    "`allowed: unknown` needs a `note` saying what the sources do (not) say",
                )
        elif self.source is None or not self.source.quote:
            raise PydanticCustomError(
                "rule.concurrency.quote_needed",
                "`allowed: {allowed}` needs a `source` with the `quote` that says so; "
                "where no source says, write `allowed: unknown` with a `note`",
                {"allowed": str(self.allowed).lower()},
            )
        return self


class Programme(Strict):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: Text
    short_name: Text | None = Field(
        default=None, description="the name as a table's column or a list shows it (default: name)"
    )
    agency: str
    country: Literal["MX", "PA"]
    unit: Literal["group", "project"]
    version: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    ended: bool = Field(
        default=True,
        description="whether the programme itself ended on valid_to (its sources say so): after it, "
        "'not in force'. false: valid_to is only where the rules at hand end, and later dates are "
        "judged by the criteria (whose parameters have no value then: 'cannot tell')",
    )
    summary: Text
    sources: dict[str, SourceDoc] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    criteria: list[Criterion] = Field(min_length=1)
    eligibility: Rule
    priority: list[str] = Field(
        default=[], description="targeting criteria shown in explanations but not required"
    )
    next_steps: Text | None = Field(default=None, description="process after eligibility")
    next_steps_source: Citation | None = None
    concurrency: dict[str, Concurrency] = Field(
        default={}, description="other programme slug -> whether a group may receive both"
    )

    @model_validator(mode="after")
    def _references(self) -> Programme:
        ids = [c.id for c in self.criteria]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            second = [i for i, cid in enumerate(ids) if cid == dupes[0]][1]
            raise PydanticCustomError(
                "rule.programme.ids_repeated",
                "criterion ids repeated: {ids}",
                {"ids": ", ".join(dupes), AT: ("criteria", second, "id")},
            )
        # each citation on its own, so that the error points at the first that is wrong
        problems = check_citations(self.sources, [])
        places: list[tuple[str | int, ...]] = [("sources",)] if problems else []
        for loc, where, citation in self._citations():
            found = check_citation(self.sources, where, citation)
            problems += found
            places += [loc] if found else []
        if problems:
            raise PydanticCustomError("rule.problems", "{problems}", {"problems": problems, AT: places[0]})
        if self.slug in self.concurrency:
            raise PydanticCustomError(
                "rule.programme.concurrency_self",
                "`concurrency` lists the programme itself; list only the other programmes",
                {AT: ("concurrency", self.slug)},
            )
        known = set(ids)
        if len(self.eligibility.ids()) > MAX_ELIGIBILITY_ITEMS:
            raise PydanticCustomError(
                "rule.programme.too_many_criteria",
                "`eligibility` names {count} criteria; at most {limit} (the screener keeps failed criteria "
                "as a 64-bit set)",
                {"count": len(self.eligibility.ids()), "limit": MAX_ELIGIBILITY_ITEMS, AT: ("eligibility",)},
            )
        for cid in self.eligibility.ids() + self.priority:
            if cid not in known:
                part = "priority" if cid in self.priority else "eligibility"
                raise PydanticCustomError(
                    "rule.programme.unknown_criterion",
                    "`{id}` in eligibility/priority is not a criterion id",
                    {"id": cid, AT: (part,)},
                )
        for i, c in enumerate(self.criteria):
            for node in walk(c.condition):
                param = getattr(node, "param", None)
                if param is not None and param not in self.parameters:
                    raise PydanticCustomError(
                        "rule.programme.unknown_parameter",
                        "criterion `{id}` uses parameter `{param}`, which is not defined in `parameters`",
                        {"id": c.id, "param": param, AT: ("criteria", i, "condition")},
                    )
        return self

    def _citations(self) -> list[tuple[tuple[str | int, ...], Words, Citation]]:
        """(place in the file, the citing place in words, citation) of every citation."""
        out: list[tuple[tuple[str | int, ...], Words, Citation]] = [
            (("criteria", i, "source"), Words("rule.where.criterion", {"id": c.id}), c.source)
            for i, c in enumerate(self.criteria)
        ]
        for name, p in self.parameters.items():
            # the values are kept in date order, which need not be the file's: the parameter's place
            out += [(("parameters", name), parameter_value_words(name, v.from_), v.source) for v in p.values]
        out += [
            (("concurrency", k, "source"), Words("rule.where.concurrency", {"slug": k}), c.source)
            for k, c in self.concurrency.items()
            if c.source
        ]
        if self.next_steps_source is not None:
            out.append(
                (("next_steps_source",), Words("rule.where.next_steps_source"), self.next_steps_source)
            )
        return out

    def params_on(self, day: dt.date) -> dict[str, Scalar]:
        """Parameter values in force on `day` (a parameter with none is left out)."""
        return {name: v.value for name, p in self.parameters.items() if (v := p.value_on(day)) is not None}

    def criterion(self, cid: str) -> Criterion:
        return next(c for c in self.criteria if c.id == cid)

    def short(self, lang: str) -> str:
        """The name as a table's column or a list shows it."""
        return (self.short_name or self.name).get(lang)


# --------------------------------------------------------------------------- groups
#
# The group document, and with it the fact vocabulary: every field marked `fact(...)` is a fact
# a rule may test (engine/facts.py collects them; engine/vocabulary.py says how). Its labels and
# the words people use live here, in the field; its type, choices and range in its annotation.


class Stated(Strict):
    """A part of the group document. Keys may be any word for a field (its Spanish or English
    label, `localidad`, `edad`), values as people type them (`Sí`, `Rural`, `mujer`, `alto`,
    30/06/2017): engine/vocabulary.py `read_part`, the one reading for group files, the API and
    the page."""

    @model_validator(mode="before")
    @classmethod
    def _as_people_write(cls, data: Any) -> Any:
        return read_part(cls, data)


class Locality(str, Enum):
    rural = "rural"
    periurban = "periurban"
    urban = "urban"


class Organisation(str, Enum):
    osse = "osse"
    informal = "informal"
    none = "none"


class Potential(str, Enum):
    very_low = "very_low"
    low = "low"
    medium = "medium"
    high = "high"
    very_high = "very_high"


# "none": not a producer (left out, the stratum is "not known")
Stratum = Literal["E1", "E2", "E3", "E4", "E5", "E6", "none"]


class Member(Stated):
    """One member of a beneficiary group. A field left out is "not known", not "no"."""

    person_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="a stable person key (CURP-like): the same person in several groups has the same one",
        json_schema_extra=identifier("clave de la persona", "person key"),
    )
    age: int | None = Field(
        default=None,
        ge=0,
        le=120,
        json_schema_extra=fact(
            "edad",
            "age",
            synonyms=("la edad", "años"),
            changeable=True,
            personal="grows",
            predicate=("tener {value} años", "be {value} years old"),
        ),
    )
    sex: Literal["F", "M"] | None = Field(
        default=None,
        json_schema_extra=fact(
            "sexo",
            "sex",
            synonyms=("el sexo",),
            changeable=True,
            personal="fixed",
            predicate=("ser {value}", "be a {value}"),
            values={
                "F": value("mujer", "woman", "female", trait=("mujer", "mujeres", "a woman", "women")),
                "M": value("hombre", "man", "male", trait=("hombre", "hombres", "a man", "men")),
            },
        ),
    )
    prospera: bool | None = Field(
        default=None,
        json_schema_extra=fact(
            "beneficiaria de PROSPERA",
            "PROSPERA beneficiary",
            synonyms=("prospera", "la condición PROSPERA", "PROSPERA status"),
            changeable=True,
            predicate=(
                "ser beneficiaria de PROSPERA",
                "be a PROSPERA beneficiary",
                "ser beneficiario de PROSPERA",
            ),
            trait=(
                "beneficiario de PROSPERA",
                "beneficiaria de PROSPERA",
                "beneficiarios de PROSPERA",
                "beneficiarias de PROSPERA",
                "a PROSPERA beneficiary",
                "PROSPERA beneficiaries",
            ),
        ),
    )
    poverty: bool | None = Field(
        default=None,
        json_schema_extra=fact(
            "en situación de pobreza",
            "living in poverty",
            synonyms=("pobreza", "en pobreza", "la situación de pobreza", "poverty", "poverty status"),
            changeable=True,
            predicate=("estar en situación de pobreza", "be living in poverty"),
            trait=("pobre", "pobres", "en pobreza", "en situación de pobreza", "poor", "in poverty"),
        ),
    )
    producer_stratum: Stratum | None = Field(
        default=None,
        json_schema_extra=fact(
            "estrato de productor",
            "producer stratum",
            synonyms=("estrato", "el estrato", "estrato productor", "stratum"),
            changeable=True,
            predicate=(
                "ser productora de estrato {value}",
                "be a producer of stratum {value}",
                "ser productor de estrato {value}",
            ),
            values={
                **{s: value(s, s) for s in ("E1", "E2", "E3", "E4", "E5", "E6")},
                "none": value("no es productor", "not a producer", "ninguno"),
            },
        ),
    )
    entrepreneurial_potential: Potential | None = Field(
        default=None,
        json_schema_extra=fact(
            "potencial emprendedor",
            "entrepreneurial potential",
            synonyms=("potencial", "el potencial emprendedor", "potential"),
            changeable=True,
            predicate=("tener potencial emprendedor {value}", "have {value} entrepreneurial potential"),
            values={
                "very_low": value("muy bajo", "very low"),
                "low": value("bajo", "low"),
                "medium": value("medio", "medium"),
                "high": value("alto", "high"),
                "very_high": value("muy alto", "very high"),
            },
        ),
    )
    indigenous: bool | None = Field(
        default=None,
        json_schema_extra=fact(
            "indígena",
            "indigenous",
            synonyms=("la condición indígena", "indigenous status"),
            changeable=True,
            predicate=("ser indígena", "be indigenous"),
            trait=("indígena", "indígenas", "indigenous"),
        ),
    )

    @field_validator("producer_stratum", mode="before")
    @classmethod
    def _empty_stratum(cls, v: Any) -> Any:
        return None if v == "" else v


# An upper bound keeps totals finite (JSON's 1e309 parses as infinity, which no explanation can
# show); no project comes near a thousand million million.
MAX_AMOUNT = 1e15


def _amount(es: str, en: str, share: tuple[str, str], *synonyms: str) -> Any:
    """A contribution in pesos (a fact), with the labels of its share of the project's total."""
    return Field(
        default=0,
        ge=0,
        le=MAX_AMOUNT,
        json_schema_extra=fact(es, en, synonyms=synonyms, share=share, unit="MXN", changeable=True),
    )


class Contributions(Stated):
    """What each level puts into a project, in pesos. Given at all, a level left out is 0."""

    federal: float = _amount(
        "aportación federal",
        "federal contribution",
        ("% federal del proyecto", "federal % of project"),
        "federal",
    )
    state: float = _amount(
        "aportación estatal",
        "state contribution",
        ("% estatal del proyecto", "state % of project"),
        "estatal",
        "state",
    )
    municipal: float = _amount(
        "aportación municipal",
        "municipal contribution",
        ("% municipal del proyecto", "municipal % of project"),
        "municipal",
    )
    migrant: float = _amount(
        "aportación de migrantes",
        "migrant contribution",
        ("% de migrantes del proyecto", "migrant % of project"),
        "de migrantes",
        "de los migrantes",
        "migrantes",
        "migrant",
    )


#: an ISO 3166-1 alpha-2 code, in any letter case (read as upper case); the API schema lists them
CountryCode = Annotated[
    str,
    AfterValidator(country_code),
    WithJsonSchema({"type": "string", "enum": list(countries())}),
]


class Project(Stated):
    """The project a group (or a migrant club) proposes."""

    proposer: Literal["migrant_club", "migrant_federation", "group", "municipality", "other"] | None = Field(
        default=None,
        json_schema_extra=fact(
            "quién propone el proyecto",
            "project proposer",
            changeable=True,
            values={
                "migrant_club": value(
                    "club de migrantes", "migrant club", "un club de migrantes", "a migrant club"
                ),
                "migrant_federation": value(
                    "federación de migrantes",
                    "migrant federation",
                    "una federación de migrantes",
                    "a migrant federation",
                ),
                "group": value("el grupo", "the group"),
                "municipality": value("el municipio", "the municipality"),
                "other": value("otro", "other", "otra persona", "someone else"),
            },
        ),
    )
    proposer_country: CountryCode | None = Field(
        default=None,
        json_schema_extra=fact(
            "país donde está organizado quien propone",
            "country where the proposer is organised",
            choices="countries",
            changeable=True,
            example="US",
        ),
    )
    sector: (
        Literal[
            "agriculture",
            "tourism",
            "livestock",
            "crafts",
            "commerce",
            "services",
            "manufacturing",
            "infrastructure",
            "other",
        ]
        | None
    ) = Field(
        default=None,
        json_schema_extra=fact(
            "sector del proyecto",
            "project sector",
            changeable=True,
            values={
                "agriculture": value("agricultura", "agriculture", "agrícola"),
                "tourism": value("turismo", "tourism", "turístico"),
                "livestock": value("ganadería", "livestock"),
                "crafts": value("artesanía", "crafts", "artesanías"),
                "commerce": value("comercio", "commerce"),
                "services": value("servicios", "services"),
                "manufacturing": value("manufactura", "manufacturing"),
                "infrastructure": value("infraestructura", "infrastructure"),
                "other": value("otro", "other"),
            },
        ),
    )
    contributions: Contributions | None = Field(
        default=None, json_schema_extra={**nested(""), **words("aportaciones", "aportaciones al proyecto")}
    )


#: dates in a group document are written YYYY-MM-DD (pydantic alone would read "0" or 0 as a
#: number of seconds since 1970)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Group(Stated):
    """A beneficiary group (or the group behind a project), in the population interchange names."""

    id: str = Field(
        min_length=1, max_length=200, json_schema_extra=words("clave del grupo", "identificador", "folio")
    )
    country: Literal["MX", "PA"] = Field(
        default="MX",
        json_schema_extra=fact(
            "país", "country", values={"MX": value("México", "Mexico"), "PA": value("Panamá", "Panama")}
        ),
    )
    territory: str = Field(
        min_length=1,
        max_length=40,
        description="INEGI 5-digit municipality code (MX) or province code (PA)",
        json_schema_extra=fact(
            "clave del territorio",
            "territory code",
            synonyms=("municipio", "provincia", "territorio"),
            predicate=("estar en {value}", "be in {value}"),
        ),
    )
    locality: Locality | None = Field(
        default=None,
        json_schema_extra=fact(
            "tipo de localidad",
            "locality type",
            synonyms=("localidad", "locality"),
            predicate=("estar en una localidad {value}", "be in a {value} locality"),
            values={
                "rural": value("rural", "rural"),
                "periurban": value("periurbana", "peri-urban", "periurbano", "peri-urbana", "periurban"),
                "urban": value("urbana", "urban", "urbano"),
            },
        ),
    )
    organisation: Organisation | None = Field(
        default=None,
        json_schema_extra=fact(
            "forma de organización",
            "organisation type",
            synonyms=("organización", "organisation", "organization"),
            changeable=True,
            predicate=("ser {value}", "be {value}"),
            values={
                "osse": value(
                    "OSSE (organización del sector social de la economía)",
                    "OSSE (organisation of the social sector of the economy)",
                    "una OSSE",
                    "an OSSE",
                    action=(
                        "registrarse como organización del sector social de la economía (OSSE)",
                        "register as an organisation of the social sector of the economy (OSSE)",
                    ),
                ),
                "informal": value("grupo informal", "informal group", "informal"),
                "none": value("ninguna", "none", "sin organización"),
            },
        ),
    )
    urban_zap_pct: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="% of the municipality's people in urban ZAP",
        json_schema_extra=fact(
            "% de población en ZAP urbana (declarado)", "% of population in urban ZAP (stated)", unit="%"
        ),
    )
    social_bank_office: bool | None = Field(
        default=None,
        description="a cooperative savings and loan or community funding society",
        json_schema_extra=fact("sucursal de banca social (declarada)", "social-banking office (stated)"),
    )
    members: list[Member] = Field(
        default=[], max_length=500, json_schema_extra=words("integrantes", "miembros")
    )
    project: Project | None = Field(
        default=None, json_schema_extra={**nested("project."), **words("proyecto")}
    )
    as_of: dt.date | None = Field(
        default=None,
        description="the day to judge on: YYYY-MM-DD, or day first as 30/06/2017",
        json_schema_extra=words("fecha", "fecha de la determinación", "fecha de evaluación"),
    )
    name: str | None = Field(default=None, json_schema_extra=words("nombre", "nombre del grupo"))
    notes: str | None = Field(default=None, json_schema_extra=words("notas", "observaciones"))

    @model_validator(mode="before")
    @classmethod
    def _as_people_write(cls, data: Any) -> Any:
        """As every part of the document reads (`Stated`), and the territory as people write it:
        a number, a code without its leading zeros, a province by name (engine/territory.py)."""
        data = read_part(cls, data)
        if isinstance(data, dict) and "territory" in data:
            from engine.territory import territory_code

            data = {**data, "territory": territory_code(data.get("country", "MX"), data["territory"])}
        return data

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_not_number(cls, v: Any) -> Any:
        # pydantic reads a number, or a text of digits, as seconds since 1970
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise PydanticCustomError("date_text", "write the date as YYYY-MM-DD or DD/MM/YYYY", {"input": v})
        v = parse_date(v)
        if isinstance(v, str) and not ISO_DATE.match(v):
            raise PydanticCustomError("date_text", "write the date as YYYY-MM-DD or DD/MM/YYYY", {"input": v})
        return v


class Territory(BaseModel):
    """The attributes of a municipality (MX) or province (PA) in fixtures/territories: the
    `territory.<name>` facts. They come from the territory tables (engine/territory.py), never
    from a group file; a column not declared here is read as text and is no fact."""

    code: str
    name: str | None = Field(
        default=None, json_schema_extra=fact("municipio o provincia", "municipality or province")
    )
    state: str | None = Field(
        default=None,
        json_schema_extra=fact(
            "clave de entidad federativa", "state code", predicate=("estar en {value}", "be in {value}")
        ),
    )
    state_name: str | None = Field(default=None, json_schema_extra=fact("entidad federativa", "state"))
    population_2020: float | None = None
    pct_pop_localities_under_5000: float | None = Field(
        default=None,
        json_schema_extra=fact("% en localidades de menos de 5,000 hab.", "% in localities under 5,000"),
    )
    marginalisation_grade: Literal["Muy bajo", "Bajo", "Medio", "Alto", "Muy alto"] | None = Field(
        default=None,
        json_schema_extra=fact(
            "grado de marginación CONAPO 2020",
            "CONAPO 2020 marginalisation grade",
            values={
                "Muy bajo": value("muy bajo", "very low"),
                "Bajo": value("bajo", "low"),
                "Medio": value("medio", "medium"),
                "Alto": value("alto", "high"),
                "Muy alto": value("muy alto", "very high"),
            },
        ),
    )
    income_below_poverty_line_pct: float | None = Field(
        default=None,
        json_schema_extra=fact(
            "% con ingreso inferior a la línea de pobreza (CONEVAL 2020)",
            "% with income below the poverty line (CONEVAL 2020)",
        ),
    )
    poverty_pct: float | None = Field(
        default=None, json_schema_extra=fact("% en pobreza (CONEVAL 2020)", "% in poverty (CONEVAL 2020)")
    )
    cdi_type: str | None = None
    indigenous_municipality: bool | None = Field(
        default=None,
        json_schema_extra=fact(
            "municipio indígena (CDI 2015, A o B)", "indigenous municipality (CDI 2015, A or B)"
        ),
    )
    zap_rural: bool | None = Field(
        default=None, json_schema_extra=fact("ZAP rural", "rural priority-attention zone (ZAP)")
    )
    kind: Literal["provincia", "comarca"] | None = Field(
        default=None,
        json_schema_extra=fact(
            "tipo de territorio",
            "territory kind",
            values={"provincia": value("provincia", "province"), "comarca": value("comarca", "comarca")},
        ),
    )
    indigenous_comarca: bool | None = Field(
        default=None, json_schema_extra=fact("comarca indígena", "indigenous comarca")
    )


# --------------------------------------------------------------------------- determinations


Outcome = Literal["pass", "fail", "unknown"]


class CitationOut(BaseModel):
    title: str
    pinpoint: str
    link: str | None = None
    quote: str | None = None


class CriterionResult(BaseModel):
    id: str
    label: str
    outcome: Outcome
    required: bool = Field(description="part of the eligibility rule (false: targeting priority)")
    observed: str = Field(description="what the group showed, in words")
    observed_value: Any = None
    threshold: str = Field(description="what the rule asks for, in words")
    missing_facts: list[str] = []
    failing_members: list[int] = Field(default=[], description="1-based member positions")
    assumption: str | None = None
    source: CitationOut
    parameters: list[dict[str, Any]] = []


#: eligible / not eligible / cannot tell come from the criteria (as `eligible` true / false /
#: null); a programme that does not apply to the group (another country's, or one that funds
#: projects and the group has none) is `not_applicable`, and one whose rules are not in force on
#: the date `not_in_force`, whatever its criteria say (engine/eligibility.py `applicability`)
Status = Literal["eligible", "not_eligible", "cannot_tell", "not_applicable", "not_in_force"]
StatusReason = Literal["other_country", "no_project", "before_period", "after_period"]


class Step(BaseModel):
    """One change towards eligibility: what to do, in words, and the same as JSON Patch
    operations (RFC 6902) on the group document."""

    criterion: str | None = Field(description="the criterion it makes pass (None: the programme's period)")
    text: str
    kind: Literal["change", "add_members", "collect", "outside"] = Field(
        description="change facts the group can change, add members, find out a fact not known, "
        "or a change that is not in the group's hands (place, date, programme period)"
    )
    feasible: bool = Field(description="in the group's hands (its composition, organisation, project)")
    changes: list[dict[str, Any]] = Field(default=[], description="JSON Patch operations of this step")


class Suggestion(BaseModel):
    """What would make the group eligible for one programme: steps, all of them together."""

    feasible: bool = Field(
        description="every step is in the group's hands, and applying `changes` "
        "was checked to make the programme eligible"
    )
    steps: list[Step]
    changes: list[dict[str, Any]] = Field(
        description="every step's operations, in order (RFC 6902, on the group document as the API reads it)"
    )


class Determination(BaseModel):
    program: str
    name: str
    eligible: bool | None = Field(
        description="what the criteria say: true, false, or null for cannot tell (the screener's "
        "answer too); `status` also says whether the programme applies and is in force"
    )
    status: Status
    status_reason: StatusReason | None = Field(
        default=None, description="why a programme does not apply or is not in force"
    )
    summary: str
    as_of: dt.date
    rules_version: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    failed: list[str] = []
    unknown: list[str] = []
    missing_facts: list[str] = []
    criteria: list[CriterionResult]
    next_steps: str | None = None
    suggestions: list[Suggestion] = Field(
        default=[], description="for a programme the group is not eligible for: what would change that"
    )


class FactToCollect(BaseModel):
    """A fact not known that keeps programmes at "cannot tell"."""

    fact: str = Field(description="its place, e.g. `members[2].age` (1-based) or `locality`")
    label: str
    programs: list[str] = Field(description="the programmes whose answer waits for it")


class GroupResult(BaseModel):
    group_id: str
    as_of: dt.date
    as_of_source: Literal["request", "group", "today"] = Field(
        default="group",
        description="where the date came from: the request (--as-of), the group's "
        "`as_of`, or today's date when neither gives one",
    )
    warnings: list[str] = []
    territory: dict[str, Any]
    determinations: list[Determination]
    ranking: list[str] = Field(
        default=[], description="programme slugs from the closest to eligibility to the farthest"
    )
    to_collect: list[FactToCollect] = Field(
        default=[], description="facts not known, those that keep the most answers open first"
    )
