"""Partitioning a population: screened whole, or in parts of whole groups that fit in memory.

Members of a group need not be contiguous, so a population larger than memory is split by a
hash of group_id into partitions on disk (one streaming pass per file); every partition then
holds whole groups with all their members, and is screened on its own. A small population is
read in one piece, its members streamed and never held.

Members that all pass the strict read (`Population.strict_scan`) are split typed, which is far
cheaper to split and to screen; otherwise as text, for the exact validation. Both files are
checked for malformed lines before they are split (`Population.check`), and a file polars
refuses is split again from its sorted copy (`Population.read`). The partitions live in the
run's scratch folder (engine/scratch.py), removed as they are screened and at the end.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from engine.population import LAST_EMPTY, Population, as_read
from engine.scratch import Scratch
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


def parts(pop: Population, n_parts: int, scratch: Scratch | None = None) -> Iterator[Part]:
    """The population in `n_parts` parts of whole groups (one: the files themselves, whose groups
    come with `LAST_EMPTY`), split in `scratch` (default: one of its own in the system's
    temporary folder)."""
    if n_parts <= 1:
        yield Part(
            groups=lambda: pop.scan("groups", last_empty=True).collect(),
            typed=pop.strict_scan("members"),
            members=lambda: pop.scan("members").collect(),
        )
        return
    own = scratch is None
    scratch = scratch or Scratch()
    tmp = scratch.path / "parts"
    part = (pl.col("group_id").str.strip_chars().hash(HASH_SEED + 1) % n_parts).alias("__part")

    def split(frame: Callable[[], pl.LazyFrame], folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)  # what a refused first try left
        frame().with_columns(part).sink_ipc(  # type: ignore[arg-type]
            pl.PartitionBy(folder, key="__part", include_key=False), mkdir=True
        )

    try:
        for which in ("groups", "members"):
            pop.check(which, scratch)  # type: ignore[arg-type]
        pop.read("groups", scratch, partial(split, partial(pop.scan, "groups"), tmp / "groups"))
        typed = pop.strict_scan("members", lines=True)
        if typed is not None:
            typed_members = typed = typed.drop(LAST_EMPTY)
            try:
                split(lambda: typed_members, tmp / "members")
            except pl.exceptions.PolarsError:  # a value the strict read refuses
                shutil.rmtree(tmp / "members", ignore_errors=True)
                typed = None
        if typed is None:
            pop.read("members", scratch, partial(split, partial(pop.scan, "members"), tmp / "members"))
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
        if own:
            scratch.close()


def _read_part(folder: Path, like: pl.LazyFrame) -> pl.DataFrame:
    files = sorted(folder.glob("*.ipc")) if folder.is_dir() else []
    if not files:
        return like.limit(0).collect()
    return pl.concat([pl.read_ipc(f) for f in files])
