"""Coverage measured from programme registries: who each programme supported in a fiscal year
(its padrón, engine/padron.py) against who its own rules say it should support, and who
received several programmes at once.

For each programme measured and each group of the population, the group's determination on
the `as_of` date (eligible, not eligible, cannot tell; engine/vectorised.py) meets whether the
padrón lists it in the fiscal year of that date (served or not), which gives six cells:

- eligible and served; eligible and not served (an exclusion error);
- not eligible and served (an inclusion error), broken down by the criteria that block it;
- not eligible and not served; cannot tell, served or not (facts the rules need are missing);

counted in total and by state, with example groups for each cell. Across programmes, people
are followed by `person_id` (members.csv; a person may belong to several groups): the distinct
PROSPERA members of supported groups (`prospera_persons_served`, the linkage STEIA was meant to
produce), the people whose groups two or more programmes supported that year, and for each pair
of programmes the people and groups supported by both, classified by whether the rules allow
receiving both (`concurrency`: allowed, forbidden, or unknown where the sources are silent).

Nothing here knows a programme by name. Groups are judged by the one screening pipeline
(engine/screen.py `screen`), which reads, validates and rejects the population as `vincula
screen` does; people are read by the population reader too (person_id is one of its member
columns), in a second, streaming pass that keeps only the members of supported groups.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, Field

from engine.errors import InputError
from engine.messages import DEFAULT_LANG, Lang, t
from engine.padron import CheckedPadron, Padron, check
from engine.population import LINE, TRUTH_WORDS, FrameWriter, Population, truth
from engine.rules import RuleSet
from engine.schema import CitationOut, Text
from engine.screen import Screened, Screening, screen
from engine.validation import REJECT_SCHEMA
from engine.vocabulary import fold

PERSON = "person_id"
#: the six cells of a programme's coverage, in the order of `_cell_code`
CELLS = (
    "eligible_served",
    "eligible_not_served",
    "not_eligible_served",
    "not_eligible_not_served",
    "cannot_tell_served",
    "cannot_tell_not_served",
)
Concurrency = Literal["allowed", "forbidden", "unknown"]


# --------------------------------------------------------------------------- the report


class Cells(BaseModel):
    """Groups in each cell: eligibility on the date crossed with being in the padrón."""

    eligible_served: int = 0
    eligible_not_served: int = 0
    not_eligible_served: int = 0
    not_eligible_not_served: int = 0
    cannot_tell_served: int = 0
    cannot_tell_not_served: int = 0


class CriterionCount(BaseModel):
    criterion: str
    label: Text
    groups: int = Field(description="served groups that this criterion blocks (a group may have several)")


class ProgrammeCoverage(Cells):
    name: Text
    short_name: Text | None = Field(default=None, description="the name as a table's column shows it")
    served: int = Field(description="groups in the padrón for the year and in the population")
    persons_served: int = Field(description="distinct people (person_id) in those groups")
    prospera_persons_served: int = Field(description="distinct PROSPERA members of those groups")
    inclusion_by_criterion: list[CriterionCount]
    by_state: dict[str, Cells]
    examples: dict[str, list[str]] = Field(description="cell -> the smallest group ids in it")


class ConcurrencyNote(BaseModel):
    """What one programme's rule file says about receiving another programme as well."""

    program: str = Field(description="the rule file that says it")
    other: str
    allowed: bool | None = Field(description="true, false, or null where the file says it is not known")
    source: CitationOut | None = Field(default=None, description="the passage that says so")
    note: Text | None = None


class PairOverlap(BaseModel):
    programs: list[str] = Field(min_length=2, max_length=2)
    persons: int = Field(description="people in groups supported by both in the year")
    groups: int = Field(description="groups supported by both in the year")
    concurrency: Concurrency
    evidence: list[ConcurrencyNote] = []


class Overlap(BaseModel):
    persons_served: int = Field(description="distinct people in any supported group")
    persons_in_two_or_more: int
    pairs: list[PairOverlap]


class Linkage(BaseModel):
    """PROSPERA members reached by the programmes measured: the linkage STEIA was meant to make."""

    prospera_persons: int = Field(description="distinct people marked PROSPERA in a screened group")
    prospera_persons_served: int = Field(
        description="of them, in a group that a programme measured supported"
    )
    rate: float | None = Field(description="prospera_persons_served / prospera_persons (null: none)")


class PopulationInfo(BaseModel):
    path: str
    groups: int = Field(description="groups screened (rejected ones left out)")
    rejected_rows: int


class PadronInfo(BaseModel):
    path: str
    rows: int
    rows_measured: int = Field(description="rows of the fiscal year that were measured")
    rows_other_years: int
    rows_not_measured: int = Field(description="rows of the year for programmes not asked for")
    rejected_rows: int
    not_in_force: list[str] = Field(description="programmes whose rows were rejected: rules not in force")


class RejectsInfo(BaseModel):
    path: str | None
    rows: int
    by_kind: dict[str, int]


class CoverageReport(BaseModel):
    fiscal_year: int
    as_of: dt.date
    population: PopulationInfo
    padron: PadronInfo
    programs: dict[str, ProgrammeCoverage]
    overlap: Overlap
    linkage: Linkage | None = Field(default=None, description="when asked for (`vincula gaps --registry`)")
    rejects: RejectsInfo
    seconds: float


# --------------------------------------------------------------------------- concurrency


def _declared(rules: RuleSet, slug: str, other: str) -> ConcurrencyNote | None:
    """What `slug`'s rule file says about receiving `other` too (its `concurrency` section),
    with the source it cites, if it says anything."""
    programme = rules.get(slug)
    entry = programme.concurrency.get(other)
    if entry is None:
        return None
    source = None
    if entry.source is not None:
        doc = programme.sources[entry.source.ref]
        source = CitationOut(
            title=doc.title, pinpoint=entry.source.pinpoint, link=doc.link, quote=entry.source.quote
        )
    return ConcurrencyNote(
        program=slug,
        other=other,
        allowed=entry.allowed if isinstance(entry.allowed, bool) else None,
        source=source,
        note=entry.note,
    )


def concurrency(rules: RuleSet, a: str, b: str) -> tuple[Concurrency, list[ConcurrencyNote]]:
    """Whether the rules allow a person to receive both `a` and `b`: forbidden when either
    rule file says so, allowed when one says so and the other does not forbid it, and unknown
    when neither says (the sources are silent), never guessed."""
    notes = [n for n in (_declared(rules, a, b), _declared(rules, b, a)) if n is not None]
    if any(n.allowed is False for n in notes):
        return "forbidden", notes
    if any(n.allowed is True for n in notes):
        return "allowed", notes
    return "unknown", notes


# --------------------------------------------------------------------------- screening

#: a population up to this size (bytes on disk) is screened in one piece (engine/partition.py
#: splits one above 320 MB by default): 1,000,000 groups / 7.5 M members (382 MB of CSV) are
#: clean and streamed; a larger one is screened in the pipeline's parts
ONE_PIECE_BYTES = 512 * 2**20
STATE = "state"  # the screened groups' state (engine/screen.py)
MASK = "__programs"  # a bit set of the programmes supporting a group (group_masks)


def screened(pop: Population, rules: RuleSet, as_of: dt.date, slugs: list[str]) -> Screening:
    """The population screened for `slugs` on `as_of` by the one screening pipeline
    (engine/screen.py), in one piece up to ONE_PIECE_BYTES, its rejects in `pop.lang`."""
    whole = pop.size_bytes if pop.size_bytes <= ONE_PIECE_BYTES else None
    return screen(pop.directory, rules, as_of, programs=slugs, chunk_bytes=whole, lang=pop.lang)


def people_scan(pop: Population) -> pl.LazyFrame:
    """Every member row as the population reader reads it (engine/population.py): `LINE`,
    group_id, person_id (a blank cell as null: it identifies nobody) and prospera as a Boolean
    that is true only where the member is known to be in PROSPERA."""
    yes = [w for w in TRUTH_WORDS if truth(w)]
    return pop.scan("members").select(
        LINE,
        "group_id",
        pl.when(pl.col(PERSON).str.strip_chars() != "").then(pl.col(PERSON)).alias(PERSON),
        pl.col("prospera").cast(pl.String).is_in(yes).fill_null(False).alias("prospera"),
    )


def _collect_people(pop: Population, query: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
    """`query` over the people of the members file, collected streaming: read through the strict
    typed read of the three columns it needs when every value passes it (about 40% less time
    than the text read on a clean file), else through `people_scan`, the same rows."""
    strict = pop.strict_scan("members")
    if strict is not None:
        people = strict.select(
            "group_id",
            pl.when(pl.col(PERSON).str.strip_chars() != "").then(pl.col(PERSON)).alias(PERSON),
            pl.col("prospera").fill_null(False).alias("prospera"),
        )
        try:
            return query(people).collect(engine="streaming")
        except pl.exceptions.PolarsError:  # a value the strict read refuses
            pass
    return query(people_scan(pop)).collect(engine="streaming")


# --------------------------------------------------------------------------- counting


def _cell_code(i: int) -> pl.Expr:
    """The index in CELLS of each group's cell for the i-th programme."""
    e, s = pl.col(f"eligible_{i}"), pl.col(f"__served_{i}")
    base = (
        pl.when(e).then(pl.lit(0, pl.UInt8)).when(~e).then(pl.lit(2, pl.UInt8)).otherwise(pl.lit(4, pl.UInt8))
    )
    return (base + pl.when(s).then(pl.lit(0, pl.UInt8)).otherwise(pl.lit(1, pl.UInt8))).alias(f"__cell_{i}")


@dataclass
class _Tally:
    """Counts gathered part by part of the screening."""

    slugs: list[str]
    masks: pl.DataFrame  # group_masks: one row per group listed in the year
    examples: int
    counts: list[pl.DataFrame] = field(default_factory=list)  # program index, state, cell, n
    blocked: list[Counter[str]] = field(default_factory=list)  # failed criteria -> served groups
    samples: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    found: list[pl.Series] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    groups: int = 0
    keep_ids: bool = False
    screened: list[pl.Series] = field(default_factory=list)  # every group screened, if `keep_ids`

    def __post_init__(self) -> None:
        self.blocked = [Counter() for _ in self.slugs]

    def add(self, part: Screened) -> None:
        n = len(self.slugs)
        flags = [f"__served_{i}" for i in range(n)]
        cells = [f"__cell_{i}" for i in range(n)]
        # one join gives the programmes serving each group, and which listed groups were screened
        frame = (
            part.groups.select(
                "group_id", STATE, *[f"{k}_{i}" for i in range(n) for k in ("eligible", "failed")]
            )
            .join(self.masks, on="group_id", how="left")
            .with_columns(
                ((pl.col(MASK) & pl.lit(1 << i, pl.UInt64)).fill_null(0) != 0).alias(flag)
                for i, flag in enumerate(flags)
            )
        )
        frame = frame.with_columns(_cell_code(i) for i in range(n))
        # one group-by for every programme: the combinations of cells are few
        combos = frame.group_by(STATE, *cells).len()
        for i, cell in enumerate(cells):
            self.counts.append(
                combos.group_by(STATE, cell)
                .agg(pl.col("len").sum())
                .select(
                    pl.lit(i, pl.UInt8).alias("i"),
                    pl.col(STATE).cast(pl.String),
                    pl.col(cell).alias("cell"),
                    pl.col("len").alias("n"),
                )
            )
            included = frame.filter(pl.col(cell) == CELLS.index("not_eligible_served"))
            for failed, count in (
                included.get_column(f"failed_{i}").cast(pl.String).value_counts().iter_rows()
            ):
                self.blocked[i][failed or ""] += int(count)
            if self.examples:
                picked = frame.group_by(cell).agg(pl.col("group_id").bottom_k(self.examples))
                for code, ids in picked.iter_rows():
                    self.samples[(i, code)] = sorted([*self.samples.get((i, code), []), *ids])[
                        : self.examples
                    ]
        self.found.append(frame.filter(pl.any_horizontal(flags)).get_column("group_id"))
        self.rejects.append(part.rejects)
        self.groups += frame.height
        if self.keep_ids:
            self.screened.append(frame.get_column("group_id"))


# --------------------------------------------------------------------------- people


#: people of a larger population are counted in partitions (by a hash of person_id) of about
#: this much of the population on disk each: 10 M groups (4 GB of CSV) make 10 partitions
PEOPLE_PART_BYTES = 400 * 2**20
PERSON_SEED = 20261128


@dataclass
class People:
    """The people of supported groups, counted: a person is a distinct person_id, counted once
    per programme however many of its groups they belong to, and in PROSPERA for a programme if
    any of their member rows in its groups says so. Every figure is a sum over any partition of
    the people, so a large population is counted one partition at a time (`add`)."""

    slugs: list[str]
    persons: Counter[str] = field(default_factory=Counter)
    prospera: Counter[str] = field(default_factory=Counter)
    served: int = 0
    two_or_more: int = 0
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))

    def add(self, members: pl.DataFrame) -> None:
        """Count member rows (person_id, `MASK`: the programmes supporting their group, and
        prospera as `people_scan` reads it), whose people appear in no other call: per person,
        whether any of their rows is in a group of each programme (s_i), and in PROSPERA there
        (p_i); then each figure is a count. (Booleans and `max`: a bitwise `or` of the masks per
        person took twice as long.)"""
        n = len(self.slugs)
        in_prospera = pl.col("prospera")
        served = [(pl.col(MASK) & pl.lit(1 << i, pl.UInt64)) != 0 for i in range(n)]
        per = (
            members.filter(pl.col(PERSON).is_not_null())
            .with_columns(
                *[s.alias(f"s{i}") for i, s in enumerate(served)],
                *[(s & in_prospera).alias(f"p{i}") for i, s in enumerate(served)],
            )
            .group_by(PERSON)
            .agg(pl.col(f"{x}{i}").max() for x in "sp" for i in range(n))
        )
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        counts = per.select(
            pl.len().alias("served"),
            (pl.sum_horizontal(f"s{i}" for i in range(n)) >= 2).sum().alias("several"),
            *[pl.col(f"s{i}").sum().alias(f"n{i}") for i in range(n)],
            *[pl.col(f"p{i}").sum().alias(f"k{i}") for i in range(n)],
            *[(pl.col(f"s{i}") & pl.col(f"s{j}")).sum().alias(f"b{i}_{j}") for i, j in pairs],
        ).row(0, named=True)
        self.served += counts["served"]
        self.two_or_more += counts["several"]
        for i, slug in enumerate(self.slugs):
            self.persons[slug] += counts[f"n{i}"] or 0
            self.prospera[slug] += counts[f"k{i}"] or 0
        for i, j in pairs:
            a, b = sorted((self.slugs[i], self.slugs[j]))
            self.pairs[(a, b)] += counts[f"b{i}_{j}"] or 0


def group_masks(rows: pl.DataFrame, slugs: list[str], lang: Lang = DEFAULT_LANG) -> pl.DataFrame:
    """One row per group the padrón lists in the year (`rows`: program, group_id): group_id and
    `MASK`, the programmes that support it (bit i: slugs[i])."""
    if len(slugs) > 64:
        raise InputError(
            t("coverage.error.too_many_programmes", lang, count=len(slugs)),
            hint=t("coverage.error.too_many_programmes.hint", lang),
        )
    bits = pl.col("program").replace_strict(
        {slug: 1 << i for i, slug in enumerate(slugs)}, return_dtype=pl.UInt64
    )
    return rows.group_by("group_id").agg(bits.bitwise_or().alias(MASK))


def served_people(
    pop: Population, pairs: pl.DataFrame, slugs: list[str], lang: Lang = DEFAULT_LANG
) -> People:
    """Count the people of the groups in `pairs` (program, group_id: screened, supported in the
    year) in one streaming pass over the members that keeps only theirs: at once for a
    population up to PEOPLE_PART_BYTES, else written in partitions by person and counted one
    by one."""
    people = People(slugs)
    masks = group_masks(pairs, slugs)
    served = people_scan(pop).join(masks.lazy(), on="group_id", how="inner").select(PERSON, MASK, "prospera")
    parts = -(-pop.size_bytes // PEOPLE_PART_BYTES)
    if parts <= 1:
        members = _collect_people(
            pop,
            lambda rows: rows.join(masks.lazy(), on="group_id", how="inner").select(PERSON, MASK, "prospera"),
        )
        missing = members.get_column(PERSON).null_count()
        people.add(members)
    else:
        folder = Path(tempfile.mkdtemp(prefix="vincula-people-"))
        try:
            part = (pl.col(PERSON).hash(PERSON_SEED) % parts).fill_null(0).alias("__part")
            served.with_columns(part).sink_ipc(  # type: ignore[arg-type]
                pl.PartitionBy(folder, key="__part", include_key=False), mkdir=True
            )
            missing = 0
            for i in range(parts):
                files = sorted((folder / f"__part={i}").glob("*.ipc"))
                if files:
                    members = pl.concat([pl.read_ipc(f) for f in files])
                    missing += members.get_column(PERSON).null_count()
                    people.add(members)
                    del members
                shutil.rmtree(folder / f"__part={i}", ignore_errors=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if missing:
        people.rejects = _missing_person_rejects(pop, pairs, lang)
    return people


def _missing_person_rejects(pop: Population, pairs: pl.DataFrame, lang: Lang) -> pl.DataFrame:
    """Rejects for the members of supported groups without person_id (rare: a second pass,
    with line numbers)."""
    programs = pairs.group_by("group_id").agg(pl.col("program").sort().str.join(", ").alias("__programs"))
    lines = (
        people_scan(pop)
        .filter(pl.col(PERSON).is_null())
        .join(programs.lazy(), on="group_id", how="inner")
        .collect()
    )
    return (
        lines.select(
            pl.lit(pop.members.name).alias("file"),
            pl.col(LINE).alias("line"),
            "group_id",
            pl.format(t("padron.reject.person_missing", lang, programs="{}"), pl.col("__programs")).alias(
                "reason"
            ),
        )
        .cast(REJECT_SCHEMA)  # type: ignore[arg-type]
        .sort("line")
    )


def prospera_linkage(
    pop: Population, screened: list[pl.Series], pairs: pl.DataFrame, slugs: list[str]
) -> Linkage:
    """The distinct PROSPERA members of the screened groups, and how many of them are in a group
    that a programme measured supported (a person counts where a row of theirs says PROSPERA,
    as `prospera_persons_served` counts them per programme)."""
    ids = pl.concat([pl.Series("group_id", [], pl.String), *screened]).to_frame()
    masks = group_masks(pairs, slugs)
    counted = _collect_people(
        pop,
        lambda rows: (
            rows.filter(pl.col("prospera") & pl.col(PERSON).is_not_null())
            .join(ids.lazy(), on="group_id", how="semi")
            .join(masks.lazy(), on="group_id", how="left")
            .group_by(PERSON)
            .agg(pl.col(MASK).is_not_null().any().alias("served"))
            .select(pl.len().alias("all"), pl.col("served").sum().alias("served"))
        ),
    )
    total, served = counted.row(0)
    served = served or 0
    return Linkage(
        prospera_persons=total,
        prospera_persons_served=served,
        rate=round(served / total, 4) if total else None,
    )


def overlap(rules: RuleSet, people: People, pairs: pl.DataFrame) -> Overlap:
    """People and groups supported by two or more programmes in the year, per pair."""
    group_pairs = (
        pairs.join(pairs, on="group_id", suffix="_b")
        .filter(pl.col("program") < pl.col("program_b"))
        .group_by("program", "program_b")
        .len()
    )
    counted: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for pair, n in people.pairs.items():
        counted[pair][0] = n
    for a, b, n in group_pairs.iter_rows():
        counted[(a, b)][1] = n
    out = []
    for (a, b), (persons, groups) in sorted(counted.items()):
        if not persons and not groups:
            continue
        status, notes = concurrency(rules, a, b)
        out.append(
            PairOverlap(programs=[a, b], persons=persons, groups=groups, concurrency=status, evidence=notes)
        )
    return Overlap(persons_served=people.served, persons_in_two_or_more=people.two_or_more, pairs=out)


# --------------------------------------------------------------------------- the whole run


def require_person_id(pop: Population) -> None:
    """Fail before any work when the members file has no person_id (in `pop.lang`)."""
    if PERSON not in pop.headers["members"]:
        raise InputError(
            t("coverage.error.no_person_id", pop.lang, name=pop.members.name),
            where=f"{pop.members}:1",
            hint=t("coverage.error.no_person_id.hint", pop.lang),
        )


def _unmatched(
    padron: Padron,
    rows: pl.DataFrame,
    found: pl.Series,
    pop: Population,
    population_rejects: pl.DataFrame,
    lang: Lang,
) -> tuple[pl.DataFrame, Counter[str]]:
    """Rejects for the padrón rows whose group is not among the groups screened: rejected by
    the population (naming the line of the groups file, or else of the members file, that says
    why) or not in it at all; and their count by kind."""
    missing = rows.filter(~pl.col("group_id").is_in(found.implode()))
    if missing.height == 0:
        return pl.DataFrame(schema=REJECT_SCHEMA), Counter()
    first = (
        population_rejects.filter(pl.col("group_id").is_in(missing.get_column("group_id").implode()))
        .sort(pl.col("file") != pop.groups.name, "line")
        .group_by("group_id", maintain_order=True)
        .first()
        .select("group_id", pl.col("file").alias("__file"), pl.col("line").alias("__line"))
    )
    joined = missing.join(first, on="group_id", how="left")
    rejected = joined.get_column("__file").is_not_null()
    frame = joined.select(
        pl.lit(padron.path.name).alias("file"),
        "line",
        "group_id",
        pl.when(pl.col("__file").is_not_null())
        .then(
            pl.format(
                t("padron.reject.group_rejected", lang, file="{}", line="{}"),
                pl.col("__file"),
                pl.col("__line"),
            )
        )
        .otherwise(pl.lit(t("padron.reject.group_not_in_population", lang)))
        .alias("reason"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    kinds: Counter[str] = Counter()
    kinds["padron.reject.group_rejected"] = int(rejected.sum())
    kinds["padron.reject.group_not_in_population"] = joined.height - int(rejected.sum())
    return frame, kinds


def _years_hint(checked: CheckedPadron, lang: Lang) -> str:
    if checked.not_in_force:
        return t("coverage.error.not_in_force.hint", lang, programs=", ".join(checked.not_in_force))
    if checked.years:
        return t("coverage.error.other_years.hint", lang, years=", ".join(map(str, checked.years)))
    return t("coverage.error.no_rows.hint", lang)


def _programmes(
    rules: RuleSet, tally: _Tally, people: People, served: dict[str, int]
) -> dict[str, ProgrammeCoverage]:
    counts = (
        pl.concat(tally.counts).group_by("i", STATE, "cell").agg(pl.col("n").sum())
        if tally.counts
        else pl.DataFrame(schema={"i": pl.UInt8, STATE: pl.String, "cell": pl.UInt8, "n": pl.UInt32})
    )
    out: dict[str, ProgrammeCoverage] = {}
    for i, slug in enumerate(tally.slugs):
        programme = rules.get(slug)
        totals = dict.fromkeys(CELLS, 0)
        by_state: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CELLS, 0))
        for _, state, cell, n in counts.filter(pl.col("i") == i).sort(STATE).iter_rows():
            totals[CELLS[cell]] += n
            by_state[str(state)][CELLS[cell]] += n
        blocked: Counter[str] = Counter()
        for failed, n in tally.blocked[i].items():
            for cid in {cid for cid in failed.split(";") if cid}:
                blocked[cid] += n
        order = {cid: k for k, cid in enumerate(dict.fromkeys(programme.eligibility.ids()))}
        out[slug] = ProgrammeCoverage(
            name=programme.name,
            short_name=programme.short_name or programme.name,
            served=served.get(slug, 0),
            persons_served=people.persons[slug],
            prospera_persons_served=people.prospera[slug],
            **totals,
            inclusion_by_criterion=[
                CriterionCount(criterion=cid, label=programme.criterion(cid).label, groups=n)
                for cid, n in sorted(blocked.items(), key=lambda kv: (-kv[1], order[kv[0]]))
            ],
            by_state={
                s: Cells(**c) for s, c in sorted(by_state.items(), key=lambda sc: (fold(sc[0]), sc[0]))
            },
            examples={CELLS[code]: ids for (k, code), ids in sorted(tally.samples.items()) if k == i},
        )
    return out


def measure(
    population: Path | str,
    padron: Path | str,
    rules: RuleSet,
    as_of: dt.date,
    *,
    programs: list[str] | None = None,
    rejects: Path | str | None = None,
    examples: int = 5,
    lang: Lang = DEFAULT_LANG,
    linkage: bool = False,
) -> CoverageReport:
    """Measure coverage and overlap in the fiscal year of `as_of`: the programmes in `programs`,
    or every programme the padrón lists that year. The rejected rows (population, padrón, and
    members of supported groups without person_id) go to `rejects` when given. `linkage` adds
    the share of the population's PROSPERA members that the programmes reached (a further pass
    over the members). Errors and the reasons of rejects are worded in `lang`."""
    t0 = time.perf_counter()
    for slug in programs or []:
        rules.get(slug)  # an unknown slug fails before any work
    pop = Population.find(population, lang)
    require_person_id(pop)
    pad = Padron.open(padron, lang)
    checked = check(pad, pad.read(), rules, as_of, programs, lang)
    listed = set(checked.rows.get_column("program").to_list())
    slugs = programs or [s for s in rules.slugs if s in listed]
    if not slugs:
        raise InputError(
            t("coverage.error.nothing_to_measure", lang, year=as_of.year),
            where=str(pad.path),
            hint=_years_hint(checked, lang),
        )
    tally = _Tally(slugs, group_masks(checked.rows, slugs, lang), examples, keep_ids=linkage)
    for part in screened(pop, rules, as_of, slugs):
        tally.add(part)
    pop_rejects = pl.concat([pl.DataFrame(schema=REJECT_SCHEMA), *tally.rejects])
    found = pl.concat([pl.Series("group_id", [], pl.String), *tally.found])
    unmatched, unmatched_kinds = _unmatched(pad, checked.rows, found, pop, pop_rejects, lang)
    pairs = checked.rows.filter(pl.col("group_id").is_in(found.implode())).select("program", "group_id")
    people = served_people(pop, pairs, slugs, lang)
    served = dict(pairs.group_by("program").len().iter_rows())
    all_rejects = pl.concat([pop_rejects, checked.rejects, unmatched, people.rejects]).sort("file", "line")
    kinds = Counter(checked.kinds) + unmatched_kinds
    kinds["population"] += pop_rejects.height
    kinds["padron.reject.person_missing"] += people.rejects.height
    written = None
    if rejects is not None:
        with FrameWriter(Path(rejects), REJECT_SCHEMA) as out:
            if all_rejects.height:
                out.write(all_rejects)
        written = str(rejects)
    return CoverageReport(
        fiscal_year=as_of.year,
        as_of=as_of,
        population=PopulationInfo(
            path=str(pop.directory), groups=tally.groups, rejected_rows=pop_rejects.height
        ),
        padron=PadronInfo(
            path=str(pad.path),
            rows=checked.total_rows,
            rows_measured=pairs.height,
            rows_other_years=checked.other_years,
            rows_not_measured=checked.not_measured,
            rejected_rows=checked.rejects.height + unmatched.height,
            not_in_force=checked.not_in_force,
        ),
        programs=_programmes(rules, tally, people, served),
        overlap=overlap(rules, people, pairs),
        linkage=prospera_linkage(pop, tally.screened, pairs, slugs) if linkage else None,
        rejects=RejectsInfo(
            path=written, rows=all_rejects.height, by_kind={k: v for k, v in sorted(kinds.items()) if v}
        ),
        seconds=round(time.perf_counter() - t0, 3),
    )


# --------------------------------------------------------------------------- files a client sends


class RejectRow(BaseModel):
    file: str
    line: int | None
    group_id: str | None
    reason: str | None


class Measured(BaseModel):
    """A coverage report with its rejected rows (the first ones: `rejects_not_listed` more)."""

    report: CoverageReport
    rejects: list[RejectRow]
    rejects_not_listed: int = Field(description="rejected rows beyond those listed")


def measure_listing_rejects(
    population: Path,
    padron: Path,
    rules: RuleSet,
    as_of: dt.date,
    *,
    labels: tuple[str, str],
    hide: list[Path],
    programs: list[str] | None = None,
    examples: int = 5,
    lang: Lang = DEFAULT_LANG,
    listed: int = 1000,
) -> Measured:
    """`measure`, with the first `listed` rejected rows returned rather than written; the report
    names the population and padrón by `labels`, and errors name files without the folders in
    `hide` (where the server keeps or put them: not the client's business)."""
    with tempfile.TemporaryDirectory(prefix="vincula-coverage-") as tmp:
        rejects = Path(tmp) / "rejects.csv"
        try:
            report = measure(
                population,
                padron,
                rules,
                as_of,
                programs=programs,
                rejects=rejects,
                examples=examples,
                lang=lang,
            )
        except InputError as exc:
            for folder in hide:
                exc.message = exc.message.replace(f"{folder}/", "").replace(str(folder), labels[0])
                if exc.where:
                    exc.where = exc.where.replace(f"{folder}/", "").replace(str(folder), labels[0])
            raise
        rows = pl.read_csv(rejects, schema=REJECT_SCHEMA, n_rows=listed)
    report.population.path, report.padron.path = labels
    report.rejects.path = None
    return Measured(
        report=report,
        rejects=[RejectRow(**r) for r in rows.iter_rows(named=True)],
        rejects_not_listed=report.rejects.rows - rows.height,
    )
