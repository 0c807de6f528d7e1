"""The commitments registry: who promised what to whom, bound by which instrument.

A case file (fixtures/commitments/<case>.yaml) lists actors (ministries, programmes, committees,
governments at each level, migrant clubs, UN agencies, operators, beneficiary groups, projects)
and the commitments between them. Each commitment says its kind, amount, the instrument that binds
it (or `none`), its status and its source. What the sources say about an actor's capacities and
conduct (no budget, no decision-making members, politicised, closed early...) is a named `fact`
of the actor, from the vocabulary `ACTOR_FACTS`, each with its own citation.

Every record and every fact says how it is known (`evidence`): `documented` (its source quote is
checked against the text by `vincula lint --sources`), `inferred` (reasoning from documented facts,
written out in `reasoning`) or `illustrative` (not in the sources; marked wherever it is shown and
never raising a finding's severity). A case loads into a `networkx.MultiDiGraph` (actors are
nodes, each commitment an edge keyed by its id) for the gap analysis in engine/gaps.py.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any, Literal

import networkx as nx
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from engine import DATA_ROOT, FIXTURES_DIR
from engine.errors import FileProblem, InputError, Words
from engine.schema import AT, Citation, SourceDoc, Strict, Text, check_citation, check_citations
from engine.yamlfile import line_of, read_data, validation_problems

COMMITMENTS_DIR = FIXTURES_DIR / "commitments"

ActorKind = Literal[
    "ministry",
    "programme",
    "committee",
    "government",
    "migrant_club",
    "un_agency",
    "operator",
    "beneficiary_group",
    "funder",
    "project",
]
Level = Literal["federal", "state", "municipal", "migrant", "international", "local"]
CommitmentKind = Literal[
    "budget",
    "operating_rule_clause",
    "co_financing_share",
    "data_sharing",
    "technical_assistance",
    "declarative_agreement",
]
Instrument = Literal["budget_line", "operating_rules", "signed_agreement", "none"]
Status = Literal["planned", "honoured", "partial", "broken", "withdrawn"]
Evidence = Literal["documented", "inferred", "illustrative"]
#: strongest first: a finding is only as strong as the weakest fact it reads
EVIDENCE_ORDER: dict[str, int] = {"documented": 0, "inferred": 1, "illustrative": 2}

ID = r"^[a-z0-9][a-z0-9_-]*$"

#: What a case may state about an actor, beyond its kind and level: each name, and what it means.
#: Gap checks (rules/gaps/*.yaml) read them as `facts.<name>`; a name not listed here is an error.
ACTOR_FACTS: dict[str, str] = {
    "has_budget": "has a budget of its own for its task",
    "has_operating_rules": "has operating rules or guiding instruments",
    "decision_making_members": "its members can decide for their programmes",
    "convening_capacity": "keeps its capacity to convene",
    "social_components_budgeted": "its social components are budgeted one by one",
    "productive_component_budgeted": "its productive component is budgeted like the others",
    "specific_calls_issued": "issued the specific calls its rules required",
    "target_population_matches": "its target population matches the linked one",
    "vertical_coordination": "has clear mechanisms of vertical coordination",
    "informal_agreements": "informal agreements outside the formal body partly worked",
    "closed_early": "closed before its planned end",
    "beneficiaries_notified": "groups still working were told of the closure in time",
    "citizen_role_formalised": "local citizens' role in choosing projects is formalised in the rules",
    "community_feedback_channel": "a formal channel carries the local community's feedback",
    "targeting_guaranteed": "reaching the poorest communities is guaranteed",
    "coverage_even": "coverage is even across states",
    "operating_resources_sufficient": "has enough resources for operation, evaluation and oversight",
    "federal_match_sufficient": "the federal ceiling leaves room for the demand",
    "politicised": "is caught in party-political conflict or clientelism",
    "local_capacity_adequate": "local (municipal) capacity is adequate",
    "delayed": "is behind schedule",
    "halted": "its implementation was halted for a time",
    "governance_adequate": "its governance structure is adequate",
    "local_ownership_adequate": "local ownership is adequate",
    "serves_indigenous_areas": "indigenous areas are among its targets",
    "ethnic_beneficiaries": "number of direct beneficiaries from ethnic groups",
    "bridge_programmes_partners": "the programmes it is to bridge take part in it",
    "fragmented": "agencies work bilaterally with their own counterparts",
    "plan_sustainability": "has a sustainability plan",
    "plan_communication": "has a communication and advocacy plan",
}


class Fact(Strict):
    """One thing a source says about an actor, with how it is known."""

    value: bool | int | float | str
    evidence: Evidence = "documented"
    source: Citation | None = None
    reasoning: Text | None = Field(default=None, description="how it follows, when `inferred`")

    @model_validator(mode="after")
    def _known(self) -> Fact:
        _check_evidence(self.evidence, self.source, self.reasoning)
        return self


def _check_evidence(evidence: str, source: Citation | None, reasoning: Text | None) -> None:
    if evidence == "documented" and (source is None or not source.quote):
        raise PydanticCustomError(
            "commitments.documented_needs_quote",
            "a documented fact needs a `source` with the `quote` that states it; otherwise mark it "
            "`evidence: inferred` (with `reasoning`) or `evidence: illustrative`",
        )
    if evidence == "inferred" and reasoning is None:
        raise PydanticCustomError(
            "commitments.inferred_needs_reasoning",
            "an inferred fact needs its `reasoning` written out ({es, en})",
        )


class Actor(Strict):
    """A body that makes or receives commitments. A capacity left out is "not known"."""

    id: str = Field(pattern=ID)
    name: str = Field(min_length=2)
    short: str | None = Field(default=None, description="short label for the graph")
    kind: ActorKind
    level: Level | None = None
    country: Literal["MX", "PA"] | None = None
    programme: str | None = Field(default=None, description="slug of its rule file, if it has one")
    coordinating: bool = Field(default=False, description="a body whose job is to articulate others")
    chair: str | None = Field(default=None, description="actor id that chairs a committee")
    facts: dict[str, Fact] = Field(default={}, description="name (from ACTOR_FACTS) -> what a source says")
    note: Text | None = None
    source: Citation | None = None
    evidence: Evidence = "documented"
    reasoning: Text | None = None

    @field_validator("facts")
    @classmethod
    def _fact_names(cls, facts: dict[str, Fact]) -> dict[str, Fact]:
        for name in facts:
            if name not in ACTOR_FACTS:
                close = difflib.get_close_matches(name, list(ACTOR_FACTS), n=3)
                hint = (
                    Words("rule.did_you_mean", {"close": ", ".join(close)})
                    if close
                    else Words("commitments.known_facts", {"known": ", ".join(ACTOR_FACTS)})
                )
                raise PydanticCustomError(
                    "commitments.unknown_actor_fact",
                    "`{name}` is not an actor fact{hint}",
                    {"name": name, "hint": hint},
                )
        return facts

    @model_validator(mode="after")
    def _known(self) -> Actor:
        _check_evidence(self.evidence, self.source, self.reasoning)
        return self

    @property
    def label(self) -> str:
        return self.short or self.name

    @property
    def illustrative(self) -> bool:
        return self.evidence == "illustrative"


class Commitment(Strict):
    """One promise from `from` to `to`."""

    id: str = Field(pattern=ID)
    from_: str = Field(alias="from")
    to: str
    kind: CommitmentKind
    description: Text
    amount: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    share: float | None = Field(
        default=None, ge=0, le=1, description="share of a co-financed total that was promised"
    )
    instrument: Instrument | None = Field(description="what binds it; null when the sources do not say")
    status: Status
    linkage: bool = Field(default=False, description="one of the linkages the case expects")
    start: dt.date | None = None
    due: dt.date | None = None
    end: dt.date | None = None
    note: Text | None = None
    delivered: float | None = Field(
        default=None, ge=0, description="amount actually delivered (needed when `partial`)"
    )
    count: int = Field(
        default=1,
        ge=1,
        description="how many like commitments this record stands for (unnamed in the sources)",
    )
    source: Citation | None = None
    evidence: Evidence = "documented"
    reasoning: Text | None = None

    @property
    def illustrative(self) -> bool:
        return self.evidence == "illustrative"

    @model_validator(mode="after")
    def _money(self) -> Commitment:
        _check_evidence(self.evidence, self.source, self.reasoning)
        if self.amount is not None and self.currency is None:
            raise PydanticCustomError(
                "commitments.currency_needed", "an amount needs a `currency` (e.g. MXN, USD)"
            )
        if self.start and self.end and self.end < self.start:
            raise PydanticCustomError(
                "commitments.end_before_start",
                "`end` ({end}) is before `start` ({start})",
                {"end": self.end, "start": self.start, AT: ("end",)},
            )
        if self.delivered is not None and self.amount is not None and self.delivered > self.amount:
            raise PydanticCustomError(
                "commitments.delivered_over_amount",
                "`delivered` ({delivered}) is more than `amount` ({amount})",
                {"delivered": f"{self.delivered:,.0f}", "amount": f"{self.amount:,.0f}", AT: ("delivered",)},
            )
        return self

    @property
    def delivered_amount(self) -> float | None:
        """What was actually put in: all of it when honoured, none when broken or withdrawn."""
        if self.delivered is not None:
            return self.delivered
        if self.amount is None:
            return None
        return {"honoured": self.amount, "broken": 0.0, "withdrawn": 0.0}.get(self.status)

    @property
    def declarative(self) -> bool | None:
        """Bound by no instrument and carrying no money (None: the instrument is not stated)."""
        if self.amount:
            return False
        return None if self.instrument is None else self.instrument == "none"


class Figure(Strict):
    """A number the sources give about the case (or one computed from them), shown in the summary."""

    label: Text
    value: float | int | str
    source: Citation | None = None
    evidence: Evidence = "documented"
    reasoning: Text | None = None

    @model_validator(mode="after")
    def _known(self) -> Figure:
        _check_evidence(self.evidence, self.source, self.reasoning)
        return self

    @property
    def illustrative(self) -> bool:
        return self.evidence == "illustrative"


class DataTable(Strict):
    """A table of the sources as data (rows of named columns), with its citation, so that the
    report can compute from it. Columns are given once; each row lists its values in order."""

    id: str = Field(pattern=ID)
    label: Text
    columns: list[str] = Field(min_length=2)
    rows: list[list[float | int | str]] = Field(min_length=1)
    source: Citation
    note: Text | None = None

    @model_validator(mode="after")
    def _shape(self) -> DataTable:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise PydanticCustomError(
                    "commitments.row_length",
                    "row {row} has {count} values for {columns} columns",
                    {"row": i + 1, "count": len(row), "columns": len(self.columns)},
                )
        return self

    def column(self, name: str) -> list[float | int | str]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


class Linkage(Strict):
    """The case's linking programme: whose population the partners were expected to serve."""

    linking: str = Field(description="actor id of the linking programme")
    hub: str | None = Field(default=None, description="actor id of the articulating body")
    population: str | None = Field(default=None, description="group file, relative to the project")
    as_of: dt.date | None = Field(default=None, description="date the population is screened on")
    population_note: Text | None = None
    population_evidence: Evidence = Field(
        default="illustrative", description="how the population is known (a synthetic one is illustrative)"
    )


class CoFinancing(Strict):
    """A co-financed scheme: the share each level of government (or migrants) must put in."""

    id: str = Field(pattern=ID)
    label: Text
    shares: dict[Level, float] = Field(min_length=2)
    projects: list[str] = Field(min_length=1, description="actor ids of the co-financed projects")
    ceiling: float | None = Field(default=None, ge=0, description="federal ceiling per project")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    tolerance: float = Field(default=0.005, ge=0, le=0.2)
    source: Citation

    @field_validator("shares")
    @classmethod
    def _sum(cls, shares: dict[str, float]) -> dict[str, float]:
        if abs(sum(shares.values()) - 1) > 1e-6:
            raise PydanticCustomError(
                "commitments.shares_sum",
                "shares must add up to 1 (they add up to {total})",
                {"total": f"{sum(shares.values()):g}"},
            )
        return shares


class Budget(Strict):
    """A stated total with the budget lines meant to make it up and the disbursements against it."""

    id: str = Field(pattern=ID)
    label: Text
    stated_total: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    lines: list[str] = Field(default=[], description="commitment ids of the budget lines")
    disbursements: list[str] = Field(default=[], description="commitment ids, in order")
    source: Citation


class Case(Strict):
    id: str = Field(pattern=ID)
    title: Text
    country: Literal["MX", "PA"]
    period: str
    as_of: dt.date = Field(description="the date the picture describes (for schedules)")
    summary: Text
    sources: dict[str, SourceDoc] = Field(min_length=1)
    actors: list[Actor] = Field(min_length=1)
    commitments: list[Commitment] = []
    figures: list[Figure] = []
    linkage: Linkage | None = None
    cofinancing: list[CoFinancing] = []
    budgets: list[Budget] = []
    tables: list[DataTable] = []

    def actor(self, actor_id: str) -> Actor:
        return next(a for a in self.actors if a.id == actor_id)

    def commitment(self, cid: str) -> Commitment:
        return next(c for c in self.commitments if c.id == cid)


def _references(case: Case) -> list[tuple[tuple[Any, ...], str, str, list[str]]]:
    """(location in the file, kind of reference, value, known values) for every cross-reference."""
    actors = [a.id for a in case.actors]
    commitments = [c.id for c in case.commitments]
    refs: list[tuple[tuple[Any, ...], str, str, list[str]]] = []
    for i, c in enumerate(case.commitments):
        refs += [
            (("commitments", i, "from"), "actor", c.from_, actors),
            (("commitments", i, "to"), "actor", c.to, actors),
        ]
    for i, a in enumerate(case.actors):
        if a.chair:
            refs.append((("actors", i, "chair"), "actor", a.chair, actors))
    if case.linkage:
        refs.append((("linkage", "linking"), "actor", case.linkage.linking, actors))
        if case.linkage.hub:
            refs.append((("linkage", "hub"), "actor", case.linkage.hub, actors))
    for i, cf in enumerate(case.cofinancing):
        refs += [(("cofinancing", i, "projects", j), "actor", p, actors) for j, p in enumerate(cf.projects)]
    for i, b in enumerate(case.budgets):
        refs += [(("budgets", i, "lines", j), "commitment", c, commitments) for j, c in enumerate(b.lines)]
        refs += [
            (("budgets", i, "disbursements", j), "commitment", c, commitments)
            for j, c in enumerate(b.disbursements)
        ]
    for where, items in (("actors", actors), ("commitments", commitments)):
        seen: set[str] = set()
        for i, x in enumerate(items):
            if x in seen:
                refs.append(((where, i, "id"), "duplicate", x, []))
            seen.add(x)
    return refs


def _ref_location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _citations(case: Case) -> list[tuple[tuple[Any, ...], Citation]]:
    """(location in the file, citation) of every citation of the case."""
    out: list[tuple[tuple[Any, ...], Citation]] = []
    for i, a in enumerate(case.actors):
        if a.source:
            out.append((("actors", i, "source"), a.source))
        out += [(("actors", i, "facts", k, "source"), f.source) for k, f in a.facts.items() if f.source]
    out += [(("commitments", i, "source"), c.source) for i, c in enumerate(case.commitments) if c.source]
    out += [(("figures", i, "source"), f.source) for i, f in enumerate(case.figures) if f.source]
    out += [(("cofinancing", i, "source"), x.source) for i, x in enumerate(case.cofinancing)]
    out += [(("budgets", i, "source"), x.source) for i, x in enumerate(case.budgets)]
    out += [(("tables", i, "source"), x.source) for i, x in enumerate(case.tables)]
    return out


def load_case(path: Path | str) -> Case:
    """Read and validate one commitments file; every problem names file, line and field."""
    path = Path(path)
    data, node = read_data(path, InputError)
    from pydantic import ValidationError

    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems=validation_problems(exc, path, data, node, Case)) from None
    problems = []
    for loc, what, value, known in _references(case):
        where = f"{path}:{line_of(node, loc)}"
        if what == "duplicate":
            problems.append(
                FileProblem(where, _ref_location(loc), Words("commitments.id_twice", {"id": value}))
            )
        elif value not in known:
            close = difflib.get_close_matches(value, known, n=3)
            hint = (
                Words("error.did_you_mean", {"close": ", ".join(close)})
                if close
                else Words(f"commitments.add_{what}", {"id": value})
            )
            words = Words(f"commitments.unknown_{what}", {"id": value, "hint": hint})
            problems.append(FileProblem(where, _ref_location(loc), words))
    for loc, cite in _citations(case):
        for problem in check_citation(case.sources, Words("rule.where.citation"), cite):
            problems.append(FileProblem(f"{path}:{line_of(node, loc)}", _ref_location(loc), problem))
    for problem in check_citations(case.sources, []):
        problems.append(FileProblem(str(path), "sources", problem))
    if problems:
        raise InputError(problems=problems)
    return case


def case_files(directory: Path | None = None) -> dict[str, Path]:
    """Case name (file stem) -> file, for every commitments file in the directory."""
    directory = directory or COMMITMENTS_DIR
    if not directory.is_dir():
        raise InputError(key="commitments.no_directory", values={"directory": directory})
    return {p.stem: p for p in sorted(directory.iterdir()) if p.suffix in (".yaml", ".yml")}


def load_cases(name: str | None = None, directory: Path | None = None) -> list[Case]:
    """One named case, or every case of the directory (in file-name order)."""
    files = case_files(directory)
    if name is None:
        return [load_case(p) for p in files.values()]
    if name not in files:
        close = difflib.get_close_matches(name, list(files), n=3, cutoff=0.3)
        raise InputError(
            key="commitments.unknown_case",
            hint_key="error.did_you_mean" if close else "commitments.known_cases",
            values={"name": name, "close": ", ".join(close), "known": ", ".join(files)},
        )
    return [load_case(files[name])]


def population_path(case: Case) -> Path | None:
    if case.linkage is None or case.linkage.population is None:
        return None
    p = Path(case.linkage.population)
    return p if p.is_absolute() else DATA_ROOT / p


def build_graph(case: Case) -> nx.MultiDiGraph:
    """Actors as nodes (attributes: the actor's fields), commitments as edges keyed by id."""
    g = nx.MultiDiGraph(case=case.id)
    for a in case.actors:
        g.add_node(a.id, **a.model_dump())
    for c in case.commitments:
        attrs = c.model_dump()
        attrs["declarative"] = c.declarative
        g.add_edge(c.from_, c.to, key=c.id, **attrs)
    return g
