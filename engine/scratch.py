"""Files a run writes on the way to its results, named with the run's process id, so that the
leftovers of a run that was killed (`kill -9`, a power cut) can be told from those of a run
still going, and removed by the next run.

Two kinds, and only these are ever removed:
- a result being written: `.<target name>.vincula-<pid>.tmp` beside the target (renamed over it
  when complete; `FrameWriter` in engine/population.py). Earlier versions named it
  `.<target name>.<pid>.tmp`; such a file for a CSV or Parquet target is recognised too;
- a run's scratch folder: `vincula-screen-<pid>-<random>` (partitions of a large population,
  a population's lines sorted from its malformed ones), in the output folder or the system's
  temporary folder.

`clear_leftovers` removes those whose process is no longer running; a process that is alive
(this one, or another run writing beside it) keeps its files.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

SCRATCH_PREFIX = "vincula-screen-"
_SCRATCH = re.compile(rf"^{re.escape(SCRATCH_PREFIX)}(\d+)-[A-Za-z0-9_]+$")
_TEMP_FILE = re.compile(r"^\..+\.vincula-(\d+)\.tmp$")
_OLD_TEMP_FILE = re.compile(r"^\..+\.(?:csv|parquet|pq)\.(\d+)\.tmp$", re.IGNORECASE)


def temp_name(target: Path) -> Path:
    """Where `target` is written before it is complete: beside it, named for this process."""
    return target.with_name(f".{target.name}.vincula-{os.getpid()}.tmp")


def alive(pid: int) -> bool:
    """Whether a process with this id is running (one we may not signal is running too)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(name: str) -> int | None:
    """The process id in a name of one of the two kinds, else None."""
    for pattern in (_SCRATCH, _TEMP_FILE, _OLD_TEMP_FILE):
        found = pattern.match(name)
        if found:
            return int(found.group(1))
    return None


def clear_leftovers(*folders: Path | None) -> list[Path]:
    """Remove, from each folder (None: the system's temporary folder), the temporary files and
    scratch folders of runs that are no longer running; the paths removed."""
    removed: list[Path] = []
    seen: set[Path] = set()
    for folder in folders:
        where = Path(folder) if folder is not None else Path(tempfile.gettempdir())
        try:
            key = where.resolve()
            if key in seen or not where.is_dir():
                continue
            seen.add(key)
            entries = list(os.scandir(where))
        except OSError:  # a folder we cannot list has nothing of ours to clear
            continue
        for entry in entries:
            pid = _owner(entry.name)
            if pid is None or pid == os.getpid() or alive(pid):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False) and _SCRATCH.match(entry.name):
                    shutil.rmtree(path)
                elif entry.is_file(follow_symlinks=False) and not _SCRATCH.match(entry.name):
                    path.unlink()
                else:
                    continue
            except OSError:  # another run cleared it first, or it is not ours to remove
                continue
            removed.append(path)
    return removed


class Scratch:
    """A run's scratch folder, made when first asked for (`path`), in `parent` (default: the
    system's temporary folder), and removed with everything in it by `close`."""

    def __init__(self, parent: Path | None = None) -> None:
        self.parent = parent
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=self.parent))
        return self._path

    def close(self) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None
