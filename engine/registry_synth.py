"""Synthetic programme registries with known errors, to check that `vincula coverage` finds
every one of them and nothing else.

Given a population (groups and members frames in the interchange format, e.g. from
engine/synth.py) and the truth of each group for each programme, `generate`:

- gives every member row a person_id, and makes `shared` people members of two groups that
  different programmes support (injected overlaps);
- writes a padrón for the fiscal year in which each programme supports half of its eligible
  groups (the other half are injected exclusion errors), `inclusion` groups that are not
  eligible (injected inclusion errors; the criteria that block them are in the truth) and as
  many that cannot be told;
- adds bad rows, each of a known kind: a misspelt programme, a repeated row, a group not in the
  population, a group the population rejects (its territory does not exist), a programme whose
  rules are not in force on the date, a member of a supported group without person_id; and rows
  of the year before, which are not errors.

The expected figures are computed here in plain Python from the sets chosen, not by
engine/coverage.py, and come with the files. The truth comes from the caller: `per_group_truth`
takes it from the per-group engine (engine/eligibility.py, on durable-rules), a different
execution of the rules from the vectorised screening that coverage uses.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from engine.population import FrameWriter
from engine.rules import RuleSet
from engine.tabular import safe_frame

#: slug -> group_id -> (eligible: true / false / None for cannot tell, blocking criteria)
Truth = dict[str, dict[str, tuple[bool | None, list[str]]]]
CELL_NAMES = {
    (True, True): "eligible_served",
    (True, False): "eligible_not_served",
    (False, True): "not_eligible_served",
    (False, False): "not_eligible_not_served",
    (None, True): "cannot_tell_served",
    (None, False): "cannot_tell_not_served",
}
BAD_TERRITORY = "99999"  # no municipality has this code
BAD_GROUP = "bad-territory"  # the group given it, which the population rejects


def per_group_truth(groups: pl.DataFrame, members: pl.DataFrame, rules: RuleSet, as_of: dt.date) -> Truth:
    """Each group's determination for each programme by the per-group engine, on the group
    documents the two frames describe (engine/population.py `groups_of`)."""
    from engine.eligibility import EligibilityEngine
    from engine.population import groups_of

    engine = EligibilityEngine(rules)
    truth: Truth = defaultdict(dict)
    for group in groups_of(groups, members):
        for d in engine.check(group, as_of).determinations:
            truth[d.program][group.id] = (d.eligible, d.failed)
    return dict(truth)


@dataclass
class Registry:
    """The files to write and what coverage must find in them."""

    groups: pl.DataFrame
    members: pl.DataFrame  # with person_id
    padron: pl.DataFrame  # program, fiscal_year, group_id, in file order
    #: slug -> cell -> the group ids in it
    cells: dict[str, dict[str, set[str]]]
    #: slug -> criterion -> the served groups it blocks
    blocked: dict[str, dict[str, set[str]]]
    #: slug -> served groups, people, PROSPERA people
    served: dict[str, set[str]]
    persons: dict[str, set[str]]
    prospera: dict[str, set[str]]
    #: (file, line) -> kind of every reject coverage itself must write (not the population's)
    rejects: dict[tuple[str, int], str]
    #: the member rows given the same person_id as a row of another group
    shared: list[tuple[str, str, str]] = field(default_factory=list)  # (person_id, group a, group b)
    as_of: dt.date = dt.date(2017, 6, 30)
    fmt: Literal["csv", "parquet"] = "csv"

    def expected_overlap(self) -> dict[str, Any]:
        programmes: dict[str, set[str]] = defaultdict(set)
        for slug, people in self.persons.items():
            for person in people:
                programmes[person].add(slug)
        slugs = sorted(self.served)
        pairs = []
        for i, a in enumerate(slugs):
            for b in slugs[i + 1 :]:
                persons = len(self.persons[a] & self.persons[b])
                groups = len(self.served[a] & self.served[b])
                if persons or groups:
                    pairs.append({"programs": [a, b], "persons": persons, "groups": groups})
        return {
            "persons_served": len(programmes),
            "persons_in_two_or_more": sum(1 for p in programmes.values() if len(p) >= 2),
            "pairs": pairs,
        }

    def expected(self) -> dict[str, Any]:
        """What `vincula coverage` must report on these files, as plain data (expected.json):
        per programme the six cells, the served groups each criterion blocks, the groups,
        people and PROSPERA people served; the overlap; and every reject coverage itself writes
        (file, line, kind), beside the one group the population rejects."""
        from engine.coverage import CELLS

        return {
            "fiscal_year": self.as_of.year,
            "as_of": self.as_of.isoformat(),
            "programs": {
                slug: {
                    **{cell: len(self.cells[slug].get(cell, ())) for cell in CELLS},
                    "served": len(self.served[slug]),
                    "persons_served": len(self.persons[slug]),
                    "prospera_persons_served": len(self.prospera[slug]),
                    "inclusion_by_criterion": {
                        cid: len(groups) for cid, groups in sorted(self.blocked[slug].items())
                    },
                }
                for slug in sorted(self.cells)
            },
            "overlap": self.expected_overlap(),
            "rejects": [
                {"file": file, "line": line, "kind": kind}
                for (file, line), kind in sorted(self.rejects.items())
            ],
            "population_rejects": [BAD_GROUP],
        }

    def write(self, folder: Path | str) -> Path:
        """groups, members (with person_id) and the padrón in `folder`, in the format the
        registry was drawn for, each written atomically (CSV cells made safe for spreadsheets,
        engine/tabular.py), and expected.json; returns the padrón's path."""
        import json

        from engine.atomic import write_atomic

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in (("groups", self.groups), ("members", self.members), ("padron", self.padron)):
            with FrameWriter(folder / f"{name}.{self.fmt}", frame.schema) as out:
                out.write(frame if self.fmt == "parquet" else safe_frame(frame))
        write_atomic(
            folder / "expected.json", json.dumps(self.expected(), indent=2, ensure_ascii=False) + "\n"
        )
        return folder / f"padron.{self.fmt}"


def generate(
    groups: pl.DataFrame,
    members: pl.DataFrame,
    truth: Truth,
    rules: RuleSet,
    as_of: dt.date,
    seed: int = 1,
    inclusion: int = 5,
    shared: int = 5,
    fmt: Literal["csv", "parquet"] = "csv",
) -> Registry:
    """A registry over the population, with the errors described in the module docstring, for
    every programme in force on `as_of` that has an eligible group, to be written as `fmt`
    (which names the files and numbers the lines of the rejects)."""
    rng = random.Random(seed)
    year = as_of.year
    programs = [s for s in rules.slugs if s in truth and any(e is True for e, _ in truth[s].values())]
    gids = groups.get_column("group_id").to_list()
    served: dict[str, set[str]] = {}
    for slug in programs:
        by = defaultdict(list)
        for gid in gids:
            by[truth[slug][gid][0]].append(gid)
        chosen = rng.sample(by[True], len(by[True]) // 2)
        chosen += rng.sample(by[False], min(inclusion, len(by[False])))
        chosen += rng.sample(by[None], min(inclusion, len(by[None])))
        served[slug] = set(chosen)

    # people: one per member row, then `shared` of them also in a group another programme supports
    member_gids = members.get_column("group_id").to_list()
    person = [f"P{k:07d}" for k in range(len(member_gids))]
    rows_of: dict[str, list[int]] = defaultdict(list)
    for k, gid in enumerate(member_gids):
        rows_of[gid].append(k)
    taken: set[int] = set()
    joined: list[tuple[str, str, str]] = []
    for _ in range(shared * 20):
        if len(joined) == shared or len(programs) < 2:
            break
        a, b = rng.sample(programs, 2)
        g1 = rng.choice(sorted(served[a]))
        g2 = rng.choice(sorted(served[b] - served[a]) or [g1])
        free = [k for k in rows_of[g2] if k not in taken]
        if g1 == g2 or not rows_of[g1] or not free:
            continue
        k1, k2 = rows_of[g1][0], free[0]
        taken.update((k1, k2))
        person[k2] = person[k1]
        joined.append((person[k1], g1, g2))
    # a member of a supported group without person_id
    missing_row = next(
        k for slug in programs for gid in sorted(served[slug]) for k in rows_of[gid] if k not in taken
    )
    person[missing_row] = ""
    members = members.with_columns(pl.Series("person_id", person)).select(
        "group_id", "person_id", pl.exclude("group_id", "person_id")
    )

    # the padrón: good rows, rows of the year before, and one bad row of each kind
    first = programs[0]
    bad_gid = BAD_GROUP
    rows: list[tuple[str, int, str, str | None]] = [
        (slug, year, gid, None) for slug in programs for gid in sorted(served[slug])
    ]
    rows += [(slug, year - 1, gid, None) for slug in programs for gid in sorted(served[slug])[:3]]
    some = sorted(served[first])[0]
    rows += [
        (first[:-1], year, some, "padron.reject.unknown_program"),
        (first, year, some, "padron.reject.duplicate"),
        (first, year, "ghost-group", "padron.reject.group_not_in_population"),
        (first, year, bad_gid, "padron.reject.group_rejected"),
    ]
    ended = next(
        (
            s
            for s in rules.slugs
            if rules.get(s).valid_to is not None and rules.get(s).valid_to < as_of  # type: ignore[operator]
        ),
        None,
    )
    if ended is not None:
        valid_to = rules.get(ended).valid_to
        kind = (
            "padron.reject.not_in_force_on_date"
            if valid_to and valid_to.year == year
            else "padron.reject.no_rules_in_year"
        )
        rows.append((ended, year, gids[0], kind))
    rng.shuffle(rows)
    # a repeat must come after the row it repeats
    dup = next(i for i, r in enumerate(rows) if r[3] == "padron.reject.duplicate")
    orig = next(i for i, r in enumerate(rows) if r[:3] == (first, year, some) and r[3] is None)
    if dup < orig:
        rows[dup], rows[orig] = (first, year, some, None), (first, year, some, "padron.reject.duplicate")
    first_line = 2 if fmt == "csv" else 1  # below the header; a Parquet row from 1
    rejects = {(f"padron.{fmt}", i + first_line): kind for i, (_, _, _, kind) in enumerate(rows) if kind}
    rejects[(f"members.{fmt}", missing_row + first_line)] = "padron.reject.person_missing"
    padron = pl.DataFrame(
        {
            "program": [r[0] for r in rows],
            "fiscal_year": [r[1] for r in rows],
            "group_id": [r[2] for r in rows],
        }
    )

    # a group the population rejects, with members of its own
    bad_group = groups.head(1).with_columns(
        pl.lit(bad_gid).alias("group_id"), pl.lit(BAD_TERRITORY).alias("territory")
    )
    bad_members = members.head(2).with_columns(
        pl.lit(bad_gid).alias("group_id"), pl.Series("person_id", ["Pbad-1", "Pbad-2"])
    )

    # what coverage must find, from the sets chosen
    cells: dict[str, dict[str, set[str]]] = {}
    blocked: dict[str, dict[str, set[str]]] = {}
    for slug in programs:
        cells[slug] = defaultdict(set)
        blocked[slug] = defaultdict(set)
        for gid in gids:
            eligible, failed = truth[slug][gid]
            cells[slug][CELL_NAMES[(eligible, gid in served[slug])]].add(gid)
            if eligible is False and gid in served[slug]:
                for cid in failed:
                    blocked[slug][cid].add(gid)
    persons: dict[str, set[str]] = {s: set() for s in programs}
    prospera: dict[str, set[str]] = {s: set() for s in programs}
    for row in members.select("group_id", "person_id", "prospera").iter_rows():
        gid, pid, in_prospera = row
        if not pid:
            continue
        for slug in programs:
            if gid in served[slug]:
                persons[slug].add(pid)
                if in_prospera is True:
                    prospera[slug].add(pid)
    return Registry(
        groups=pl.concat([groups, bad_group]),
        members=pl.concat([members, bad_members]),
        padron=padron,
        cells={s: dict(c) for s, c in cells.items()},
        blocked={s: dict(b) for s, b in blocked.items()},
        served=served,
        persons=persons,
        prospera=prospera,
        rejects=rejects,
        shared=joined,
        as_of=as_of,
        fmt=fmt,
    )


def synthesise(
    n_groups: int,
    rules: RuleSet,
    as_of: dt.date,
    seed: int = 1,
    fmt: Literal["csv", "parquet"] = "csv",
) -> Registry:
    """A synthetic population (engine/synth.py) with a registry over it (`generate`), the truth
    taken from the per-group engine: `vincula synth N --padron`. Held in memory, and judged
    group by group, so meant for checks rather than volume (seconds for a few thousand groups)."""
    from engine import synth

    groups, members = synth.generate(n_groups, seed)
    truth = per_group_truth(groups, members, rules, as_of)
    if not any(e is True for cells in truth.values() for e, _ in cells.values()):
        from engine.errors import InputError

        raise InputError(
            f"no group of the {n_groups:,} drawn is eligible for any programme in force on {as_of}",
            hint="draw more groups, or choose an --as-of date when programmes are in force (`vincula programs`)",
        )
    return generate(groups, members, truth, rules, as_of, seed=seed, fmt=fmt)
