"""Synthetic populations in the interchange format, seeded, over the real territories.

Groups are placed in real municipalities (fixtures/territories/mx_municipalities.csv) and, a
few, in Panamanian provinces; their members are drawn so that the thresholds of the rule files
are met, missed and straddled often: groups of exactly the minimum size, PROSPERA shares of
exactly one half and one half plus one, ages 17/18/65/66, strata E3/E4, and facts left empty
("not known"). Members are written in shuffled order, as a real extract may be, so readers
cannot rely on a group's members being contiguous. The same seed always gives the same files.

A population is drawn in blocks of `BLOCK_GROUPS` groups, each from its own random generator
derived from (seed, block), and written block by block, so memory stays bounded however many
groups are asked for. Members are shuffled within their block; group ids run on across blocks.
Every column is built from numpy arrays straight into polars, with "not known" put in by null
masks, so no value ever becomes a Python object.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from engine.facts import CONTRIBUTION_LEVELS, GROUP_FACTS, MEMBER_FACTS
from engine.messages import DEFAULT_LANG, Lang
from engine.population import GROUP_COLUMNS, MEMBER_COLUMNS, FrameWriter, check_destination, check_folder
from engine.scratch import clear_leftovers
from engine.territory import PROVIDERS
from engine.vocabulary import Fact

#: groups drawn and written at once: about 3.2 million members; the process peaks near 0.6 GB
#: writing CSV and 0.8 GB writing Parquet (which encodes a whole row group in memory)
BLOCK_GROUPS = 500_000

EDGE_AGES = np.array([17, 18, 65, 66], dtype=np.int8)
FOCUS_STATES = ["12", "13", "32"]  # where proinpro operated: more near-misses there
SIZE_SHARES = np.array([1, 1, 2, 8, 12, 20, 14, 10, 8, 8, 6, 5, 5]) / 100  # sizes 0 to 12
STRATA = [None, "E1", "E2", "E3", "E4", "E5", "E6"]  # None: not known
STRATUM_SHARES = [0.3, 0.1, 0.1, 0.15, 0.15, 0.1, 0.1]

#: the interchange columns, as the vocabulary types them: a fact added to the group document is
#: drawn here too (by `_generic` unless a tuned drawer below knows it better)
GROUP_SCHEMA = pl.Schema({n: c.typed_dtype for n, c in GROUP_COLUMNS.items()})
MEMBER_SCHEMA = pl.Schema({n: c.typed_dtype for n, c in MEMBER_COLUMNS.items() if c.key is None})
#: the share of groups that propose a project (the rest have none: its facts not known)
PROJECT_SHARE = 0.1
#: the rest of the choices of a country where a project's proposer is organised
PROPOSER_COUNTRIES = ["US", "MX", "CA", "ES"]


@cache
def _territories() -> tuple[pl.Series, int, np.ndarray]:
    """Every territory code (Mexican municipalities first, then Panamanian provinces), how many
    are Mexican, and the positions of the municipalities in the focus states."""
    mx = sorted(PROVIDERS["MX"].table)
    pa = sorted(PROVIDERS["PA"].table)
    focus = np.array([i for i, code in enumerate(mx) if code[:2] in FOCUS_STATES])
    return pl.Series("territory", mx + pa, dtype=pl.String), len(mx), focus


def _words(words: Sequence[str | None], index: np.ndarray) -> pl.Series:
    """The word at each index: a gather from a short list, not a Python string per row."""
    return pl.Series(list(words), dtype=pl.String).gather(index)


def _unknown(frame: pl.DataFrame, masks: dict[str, np.ndarray]) -> pl.DataFrame:
    """`frame` with each named column null where its mask is true."""
    return frame.with_columns(
        pl.when(pl.lit(pl.Series(mask))).then(None).otherwise(pl.col(col)).alias(col)
        for col, mask in masks.items()
    )


def _generic(rng: np.random.Generator, spec: Fact | None, n: int) -> pl.Series:
    """A fact no tuned drawer knows: a choice drawn evenly, yes or no, or a number across its
    range (0 to 100 where it has none)."""
    assert spec is not None
    if spec.type == "bool":
        return pl.Series(rng.random(n) < 0.5)
    if spec.values is not None:
        return _words(spec.values, rng.integers(0, len(spec.values), n))
    if spec.type == "number":
        low = spec.ge if spec.ge is not None else 0.0
        high = spec.le if spec.le is not None else 100.0
        if spec.integer:
            return pl.Series(rng.integers(int(low), int(high) + 1, n))
        return pl.Series(np.round(rng.uniform(low, high, n), 2))
    raise TypeError(f"synth cannot draw the {spec.type} fact `{spec.name}`: add a drawer in engine/synth.py")


def _contributions(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Amounts per level around the shares and ceiling of 3x1: equal quarters, one level a
    little short, one level absent, or shares drawn freely; totals from 0.2 to 5 million."""
    levels = CONTRIBUTION_LEVELS
    total = np.round(rng.uniform(0.2e6, 5e6, n), -3)
    mode = rng.integers(0, 4, n)
    shares = rng.dirichlet(np.ones(len(levels)), n)
    equal = np.full((n, len(levels)), 1 / len(levels))
    short = equal.copy()
    short[:, 0] -= 0.01  # the first level 1% short, the second 1% over
    short[:, 1] += 0.01
    absent = equal.copy()
    absent[:, -2] = 0.0  # one level gives nothing
    absent = absent / absent.sum(axis=1, keepdims=True)
    chosen = np.where(
        (mode == 0)[:, None],
        equal,
        np.where((mode == 1)[:, None], short, np.where((mode == 2)[:, None], absent, shares)),
    )
    return {lv: np.round(chosen[:, i] * total, 2) for i, lv in enumerate(levels)}


def _block(seed: int, block: int, start: int, n_groups: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Groups `start` to `start + n_groups - 1` of the population and their members (shuffled),
    drawn from the generator of (seed, block) alone."""
    # numpy's way to independent streams (what SeedSequence(seed).spawn gives the block-th child)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    codes, n_mx, focus = _territories()
    values = {name: spec.values or [] for name, spec in {**GROUP_FACTS, **MEMBER_FACTS}.items()}

    pa = rng.random(n_groups) < 0.03
    in_focus = rng.random(n_groups) < 0.3
    territory = np.where(
        in_focus, focus[rng.integers(0, len(focus), n_groups)], rng.integers(0, n_mx, n_groups)
    )
    territory = np.where(pa, rng.integers(n_mx, len(codes), n_groups), territory)
    gaps = rng.random(n_groups) < 0.25  # a quarter of the groups have some fact not known
    index = pl.int_range(start, start + n_groups, dtype=pl.Int64, eager=True)
    tuned: dict[str, pl.Series | np.ndarray] = {
        "group_id": (f"s{seed}-" + index.cast(pl.String).str.zfill(7)),
        "country": _words(["MX", "PA"], pa.astype(np.uint32)),
        "territory": codes.gather(territory),
        "locality": _words(values["locality"], rng.choice(3, n_groups, p=[0.6, 0.15, 0.25])),
        "organisation": _words(values["organisation"], rng.choice(3, n_groups, p=[0.45, 0.35, 0.2])),
        "project.proposer_country": _words(
            PROPOSER_COUNTRIES, rng.choice(4, n_groups, p=[0.6, 0.2, 0.1, 0.1])
        ),
        **{f"project.{lv}": amount for lv, amount in _contributions(rng, n_groups).items()},
    }
    groups = pl.DataFrame(
        {
            name: tuned[name] if name in tuned else _generic(rng, col.fact, n_groups)
            for name, col in GROUP_COLUMNS.items()
        },
        schema=GROUP_SCHEMA,
    )
    # a tenth of the groups propose a project (the others' project facts are not known); the
    # facts a group may state beyond where it is and how it is organised, half of them do
    project = rng.random(n_groups) >= PROJECT_SHARE
    stated = {"group_id", "country", "territory"}
    groups = _unknown(
        groups,
        {
            c: (
                project
                if c.startswith("project.")
                else rng.random(n_groups) < (0.04 if c in ("locality", "organisation") else 0.5)
            )
            for c in GROUP_SCHEMA
            if c not in stated
        },
    )

    # sizes around the minimum of five, and some large groups
    sizes = rng.choice(len(SIZE_SHARES), n_groups, p=SIZE_SHARES)
    n = int(sizes.sum())
    # members in shuffled order, so a group's members are not contiguous: every draw below is
    # made row by row, so shuffling the (group, place in group) pairs first is enough
    order = rng.permutation(n)
    gid = np.repeat(np.arange(n_groups, dtype=np.uint32), sizes)[order]
    pos = (np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)).astype(np.int8)[order]
    del order
    size_of = sizes.astype(np.int8)[gid]
    # PROSPERA: exactly half, half plus one, or drawn freely
    mode = rng.integers(0, 3, n_groups, dtype=np.int8)[gid]
    k = np.where(mode == 0, size_of // 2, size_of // 2 + 1)
    prospera = np.where(mode == 2, rng.random(n) < 0.65, pos < k)
    age = np.where(rng.random(n) < 0.25, rng.choice(EDGE_AGES, n), rng.integers(16, 80, n, dtype=np.int8))
    # most groups are all-adult, medium-plus potential, women in poverty, so that programmes'
    # other criteria are reached; the rest vary freely
    typical = rng.random(n_groups)[gid] < 0.5
    potentials = values["entrepreneurial_potential"]
    potential = np.where(
        typical,
        2 + rng.integers(0, 3, n, dtype=np.int8),  # medium, high, very_high
        rng.integers(0, len(potentials), n, dtype=np.int8),
    )
    sex = np.where(typical & (rng.random(n) < 0.9), 0, rng.integers(0, 2, n, dtype=np.int8))  # 0 is F
    poverty = np.where(typical, rng.random(n) < 0.95, rng.random(n) < 0.6)
    stratum = rng.choice(len(STRATA), n, p=STRATUM_SHARES).astype(np.int8)
    tuned_m: dict[str, pl.Series | np.ndarray] = {
        "group_id": groups.get_column("group_id").gather(gid),
        "age": age,
        "sex": _words(values["sex"], sex),
        "prospera": prospera,
        "poverty": poverty,
        "producer_stratum": _words(STRATA, stratum),
        "entrepreneurial_potential": _words(potentials, potential),
    }
    members = pl.DataFrame(
        {
            name: tuned_m[name] if name in tuned_m else _generic(rng, col.fact, n)
            for name, col in MEMBER_COLUMNS.items()
            if name in MEMBER_SCHEMA  # no person_id: `vincula synth --padron` gives people theirs
        },
        schema=MEMBER_SCHEMA,
    )
    # in groups with gaps, a tenth of each fact is not known
    gap_m = gaps[gid]
    facts = [c for c in MEMBER_SCHEMA if c != "group_id"]
    return groups, _unknown(members, {c: gap_m & (rng.random(n) < 0.1) for c in facts})


def blocks(
    n_groups: int, seed: int = 1, block_groups: int = BLOCK_GROUPS
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """(groups, members) of each block in turn (one empty block when `n_groups` is 0)."""
    if block_groups < 1:
        raise ValueError(f"block_groups must be at least 1, not {block_groups}")
    for block, start in enumerate(range(0, max(n_groups, 1), block_groups)):
        yield _block(seed, block, start, min(block_groups, n_groups - start))


def generate(
    n_groups: int, seed: int = 1, block_groups: int = BLOCK_GROUPS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(groups, members) frames for `n_groups` groups, in memory; deterministic for a given seed
    and block size. The same rows, in the same order, as `write_population` writes."""
    parts = list(blocks(n_groups, seed, block_groups))
    return pl.concat([g for g, _ in parts]), pl.concat([m for _, m in parts])


def _paths(
    out_dir: Path | str, fmt: Literal["csv", "parquet"], lang: Lang = DEFAULT_LANG
) -> tuple[Path, Path]:
    """The two files of a population in `out_dir`, made if missing; an InputError, before any
    work, when it cannot be written in or a file there is in the way."""
    out = check_folder(out_dir, lang)
    paths = out / f"groups.{fmt}", out / f"members.{fmt}"
    for path in paths:
        check_destination(path, lang)
    return paths


def write_population(
    n_groups: int,
    out_dir: Path | str,
    seed: int = 1,
    fmt: Literal["csv", "parquet"] = "csv",
    block_groups: int = BLOCK_GROUPS,
    lang: Lang = DEFAULT_LANG,
) -> tuple[Path, Path, int, int]:
    """Draw and write a population block by block (one Parquet row group per block), holding
    one block at a time. Returns the groups and members paths and how many of each were written.
    Each file is written beside its target under a temporary name and renamed when complete,
    so an interrupted run leaves no half-written file behind (and a killed one's temporary files
    are removed by the next run). The ids, codes and words drawn here never start a spreadsheet
    formula (engine/tabular.py), so the files need no neutralising."""
    paths = _paths(out_dir, fmt, lang)
    clear_leftovers(paths[0].parent)
    with FrameWriter(paths[0], GROUP_SCHEMA) as groups, FrameWriter(paths[1], MEMBER_SCHEMA) as members:
        for group_rows, member_rows in blocks(n_groups, seed, block_groups):
            # ids, codes and words: nothing needs quoting
            groups.write(group_rows, plain=True)
            members.write(member_rows, plain=True)
            del group_rows, member_rows  # before the next block is drawn: one held at a time
    return paths[0], paths[1], groups.rows, members.rows


def write(
    groups: pl.DataFrame, members: pl.DataFrame, out_dir: Path | str, fmt: Literal["csv", "parquet"] = "csv"
) -> tuple[Path, Path]:
    """Write frames already in memory (as `generate` gives them) to `out_dir`."""
    paths = _paths(out_dir, fmt)
    for frame, path in zip((groups, members), paths, strict=True):
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
    return paths
