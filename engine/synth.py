"""Synthetic populations in the interchange format, seeded, over the real territories.

Groups are placed in real municipalities (fixtures/territories/mx_municipalities.csv) and, a
few, in Panamanian provinces; their members are drawn so that the thresholds of the rule files
are met, missed and straddled often: groups of exactly the minimum size, PROSPERA shares of
exactly one half and one half plus one, ages 17/18/65/66, strata E3/E4, and facts left empty
("not known"). Members are written in shuffled order, as a real extract may be, so readers
cannot rely on a group's members being contiguous. The same seed always gives the same files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from engine.population import CHOICES
from engine.territory import PROVIDERS

EDGE_AGES = np.array([17, 18, 65, 66])


def _maybe_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> list:
    out = values.astype(object)
    out[rng.random(len(values)) < share] = None
    return list(out)


def generate(n_groups: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(groups, members) frames for `n_groups` groups; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    mx = np.array(sorted(PROVIDERS["MX"].table))
    pa = np.array(sorted(PROVIDERS["PA"].table))
    states = np.array([c[:2] for c in mx])
    focus = mx[np.isin(states, ["12", "13", "32"])]  # where proinpro operated: more near-misses

    country = np.where(rng.random(n_groups) < 0.03, "PA", "MX")
    where = rng.random(n_groups)
    territory = np.where(where < 0.3, rng.choice(focus, n_groups), rng.choice(mx, n_groups))
    territory = np.where(country == "PA", rng.choice(pa, n_groups), territory)
    gaps = rng.random(n_groups) < 0.25  # a quarter of the groups have some fact not known
    groups = pl.DataFrame({
        "group_id": [f"s{seed}-{i:07d}" for i in range(n_groups)],
        "country": country,
        "territory": territory,
        "locality": _maybe_missing(rng, rng.choice(CHOICES["locality"], n_groups, p=[0.6, 0.15, 0.25]),
                                   0.04),
        "organisation": _maybe_missing(rng, rng.choice(CHOICES["organisation"], n_groups,
                                                       p=[0.45, 0.35, 0.2]), 0.04),
    }, schema={c: pl.String for c in ("group_id", "country", "territory", "locality", "organisation")})

    # sizes around the minimum of five, and some large groups
    sizes = rng.choice(np.arange(0, 13), n_groups,
                       p=np.array([1, 1, 2, 8, 12, 20, 14, 10, 8, 8, 6, 5, 5]) / 100)
    n = int(sizes.sum())
    gid = np.repeat(np.arange(n_groups), sizes)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    pos = np.arange(n) - first  # position of a member within its group
    size_of = sizes[gid]
    # PROSPERA: exactly half, half plus one, or drawn freely
    mode = rng.integers(0, 3, n_groups)[gid]
    k = np.where(mode == 0, size_of // 2, size_of // 2 + 1)
    prospera = np.where(mode == 2, rng.random(n) < 0.65, pos < k)
    age = np.where(rng.random(n) < 0.25, rng.choice(EDGE_AGES, n), rng.integers(16, 80, n))
    # in groups with gaps, a tenth of each fact is not known
    gap_m = gaps[gid]

    def holes(values: np.ndarray) -> list:
        out = values.astype(object)
        out[gap_m & (rng.random(n) < 0.1)] = None
        return list(out)

    # most groups are all-adult, medium-plus potential, women in poverty, so that programmes'
    # other criteria are reached; the rest vary freely
    typical = rng.random(n_groups)[gid] < 0.5
    potential = np.where(typical, rng.choice(["medium", "high", "very_high"], n),
                         rng.choice(CHOICES["entrepreneurial_potential"], n))
    sex = np.where(typical & (rng.random(n) < 0.9), "F", rng.choice(["F", "M"], n))
    poverty = np.where(typical, rng.random(n) < 0.95, rng.random(n) < 0.6)
    stratum = rng.choice(np.array(["", "E1", "E2", "E3", "E4", "E5", "E6"]), n,
                         p=[0.3, 0.1, 0.1, 0.15, 0.15, 0.1, 0.1])
    stratum_col = holes(stratum)
    stratum_col = [None if s == "" else s for s in stratum_col]
    members = pl.DataFrame({
        "group_id": groups.get_column("group_id").gather(pl.Series(gid, dtype=pl.UInt32)),
        "age": holes(age.astype(np.int64)),
        "sex": holes(sex),
        "prospera": holes(prospera),
        "poverty": holes(poverty),
        "producer_stratum": stratum_col,
        "entrepreneurial_potential": holes(potential),
    }, schema={"group_id": pl.String, "age": pl.Int64, "sex": pl.String, "prospera": pl.Boolean,
               "poverty": pl.Boolean, "producer_stratum": pl.String,
               "entrepreneurial_potential": pl.String})
    members = members.gather(pl.Series(rng.permutation(n), dtype=pl.UInt32))  # not contiguous
    return groups, members


def write(groups: pl.DataFrame, members: pl.DataFrame, out_dir: Path | str,
          fmt: Literal["csv", "parquet"] = "csv") -> tuple[Path, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = out / f"groups.{fmt}", out / f"members.{fmt}"
    for frame, path in zip((groups, members), paths, strict=True):
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
    return paths
