"""Writing a text file so that a reader never sees half of it: through a temporary file in the
same folder, flushed to disk, then renamed over the target. A failure leaves the old file (or
none) in place. Light on purpose (standard library only): any command that writes a report can
import it without the gap analysis or networkx."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from engine.errors import InputError


def write_atomic(path: Path | str, text: str | bytes) -> Path:
    """Write `text` (or bytes, written as they are) to `path` atomically (see the module
    docstring)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(key="error.no_folder", hint_key="error.no_folder.hint", values={"folder": folder})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
