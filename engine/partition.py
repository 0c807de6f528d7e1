"""Partitioning a population: screened whole, or in parts of whole groups that fit in memory.

Members of a group need not be contiguous, so a population larger than memory is split by a
hash of group_id into partitions on disk (one streaming pass per file); every partition then
holds whole groups with all their members, and is screened on its own. A small population is
read in one piece, its members streamed and never held.

Members that all pass the strict read (`Population.strict_scan`) are split typed, which is far
cheaper to split and to screen; otherwise as text, for the exact validation.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from engine.population import Population, as_read
from engine.validation import HASH_SEED

#: a population up to this size (bytes on disk) is screened in one piece: in the clean case its
#: members are streamed and never held, so it takes about 2.7 times its CSV size in memory
WHOLE_BYTES = 320 * 2**20
#: a larger one is split into partitions of about this size, each taking up to 8 to 9 times
#: its size in memory while it is screened (its member rows are held; typed by the strict read,
#: as in a clean population, they take less: 580 MB in all for 100 MB parts of a 3 GB one)
PART_BYTES = 100 * 2**20


def partitions_for(pop: Population, chunk_bytes: int | None = None) -> int:
    """How many parts to screen `pop` in: `chunk_bytes` of input each, or by default one
    piece up to WHOLE_BYTES and parts of PART_BYTES above it."""
    if chunk_bytes is None:
        if pop.size_bytes <= WHOLE_BYTES:
            return 1
        chunk_bytes = PART_BYTES
    return max(1, -(-pop.size_bytes // max(1, chunk_bytes)))


@dataclass
class Part:
    """Whole groups and all their members: the groups as text (read when asked), the members
    typed by the strict read (`typed`, lazy) when every value passed it, and as text (read
    when asked) for the exact validation."""

    groups: Callable[[], pl.DataFrame]
    typed: pl.LazyFrame | None
    members: Callable[[], pl.DataFrame]


def parts(pop: Population, n_parts: int, workdir: Path | None = None) -> Iterator[Part]:
    """The population in `n_parts` parts of whole groups (one: the files themselves)."""
    if n_parts <= 1:
        yield Part(
            groups=lambda: pop.scan("groups").collect(),
            typed=pop.strict_scan("members"),
            members=lambda: pop.scan("members").collect(),
        )
        return
    tmp = Path(tempfile.mkdtemp(prefix="vincula-screen-", dir=workdir))
    part = (pl.col("group_id").str.strip_chars().hash(HASH_SEED + 1) % n_parts).alias("__part")

    def split(frame: pl.LazyFrame, folder: Path) -> None:
        frame.with_columns(part).sink_ipc(  # type: ignore[arg-type]
            pl.PartitionBy(folder, key="__part", include_key=False), mkdir=True
        )

    try:
        split(pop.scan("groups"), tmp / "groups")
        typed = pop.strict_scan("members", lines=True)
        if typed is not None:
            try:
                split(typed, tmp / "members")
            except pl.exceptions.PolarsError:  # a value the strict read refuses
                shutil.rmtree(tmp / "members", ignore_errors=True)
                typed = None
        if typed is None:
            split(pop.scan("members"), tmp / "members")
        like = typed if typed is not None else pop.scan("members")
        groups_like = pop.scan("groups")
        for i in range(n_parts):
            members = _read_part(tmp / "members" / f"__part={i}", like)
            if typed is not None:
                yield Part(
                    groups=partial(_read_part, tmp / "groups" / f"__part={i}", groups_like),
                    typed=members.lazy(),
                    members=partial(as_read, members),
                )
            else:
                yield Part(
                    groups=partial(_read_part, tmp / "groups" / f"__part={i}", groups_like),
                    typed=None,
                    members=partial(lambda m: m, members),
                )
            for which in ("groups", "members"):  # free the disk as we go
                shutil.rmtree(tmp / which / f"__part={i}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_part(folder: Path, like: pl.LazyFrame) -> pl.DataFrame:
    files = sorted(folder.glob("*.ipc")) if folder.is_dir() else []
    if not files:
        return like.limit(0).collect()
    return pl.concat([pl.read_ipc(f) for f in files])
