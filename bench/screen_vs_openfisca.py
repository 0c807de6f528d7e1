"""Benchmark: `vincula screen` against the OpenFisca anchor, on the same files, in one run.

    .venv/bin/python bench/screen_vs_openfisca.py 1000000 --dir /tmp/pop

1. generates the population with the anchor's own generator (in the anchor's virtual
   environment, /tmp/of; see ../shared/bench/anchor_openfisca.py), unless `--dir` already holds
   one of that size;
2. byte-compiles engine/ and api/ (as pip does for an installed package), then runs the anchor
   (`anchor_openfisca.py screen`) and the project's screener
   (`vincula screen --as-of 2017-06-30`, all five programmes) as child processes, each under
   /usr/bin/time -v, so the times are wall-clock from process start to exit and the memory is
   each process's peak resident set;
3. compares the determinations of the three programmes the anchor implements row for row
   ("cannot tell" counts as not eligible, as the anchor's README asks).

`--only-vincula` skips the anchor (for a population too large for it, e.g. ten million groups).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the anchors live beside the project (../shared/bench), or beside a worktree's parent folder
ANCHOR = next(
    (p / "shared" / "bench" / "anchor_openfisca.py" for p in ROOT.parents
     if (p / "shared" / "bench" / "anchor_openfisca.py").is_file()),
    ROOT.parent / "shared" / "bench" / "anchor_openfisca.py",
)
ANCHOR_PY = Path(os.environ.get("ANCHOR_PYTHON", "/tmp/of/bin/python"))
VINCULA = ROOT / ".venv" / "bin" / "vincula"
AS_OF = "2017-06-30"
ANCHORED = ("proinpro", "opciones-productivas", "el-campo-en-nuestras-manos")


def timed(cmd: list[str], cpus: str | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one child process (pinned to `cpus`, a
    `taskset -c` list, when given)."""
    # earlier runs' files go to disk first: otherwise the kernel writes them back during the
    # timed run, on the same two cores, and either engine pays for the other's output
    os.sync()
    t0 = time.perf_counter()
    pin = ["taskset", "-c", cpus] if cpus else []
    proc = subprocess.run([*pin, "/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(peak.group(1)) / 1024 if peak else float("nan")), proc.stdout


def population(n: int, folder: Path) -> None:
    groups = folder / "groups.csv"
    if groups.exists() and sum(1 for _ in open(groups, "rb")) == n + 1:
        print(f"reusing {folder} ({n:,} groups)")
        return
    if not ANCHOR_PY.exists():
        sys.exit(f"no anchor environment at {ANCHOR_PY}: "
                 f"python3 -m venv /tmp/of && /tmp/of/bin/pip install openfisca-core pandas")
    subprocess.run([str(ANCHOR_PY), str(ANCHOR), "generate", str(n), str(folder)], check=True)


def agreement(folder: Path, ours: Path, theirs: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per programme: (rows compared, rows that differ, eligible by anchor, eligible by us)."""
    import polars as pl

    a = pl.scan_csv(theirs, schema={"group_id": pl.String, "program": pl.String, "eligible": pl.String})
    a = a.select("group_id", "program", (pl.col("eligible") == "True").alias("theirs"))
    b = pl.scan_csv(ours, schema={"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean,
                                  "failed": pl.String})
    b = b.filter(pl.col("program").is_in(ANCHORED)).select(
        "group_id", "program", (pl.col("eligible") == True).fill_null(False).alias("ours"))  # noqa: E712
    joined = a.join(b, on=["group_id", "program"], how="full", coalesce=True)
    stats = joined.group_by("program").agg(
        pl.len().alias("rows"),
        (pl.col("theirs").is_null() | pl.col("ours").is_null()
         | (pl.col("theirs") != pl.col("ours"))).sum().alias("differ"),
        pl.col("theirs").sum().alias("a"), pl.col("ours").sum().alias("b")).collect()
    return {r["program"]: (r["rows"], r["differ"], r["a"], r["b"]) for r in stats.iter_rows(named=True)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("groups", type=int)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/pop"))
    ap.add_argument("--only-vincula", action="store_true")
    ap.add_argument("--chunk-mb", type=int, default=None)
    ap.add_argument("--cpus", default=None,
                    help="pin both engines to these CPUs (`taskset -c` list, e.g. 0): a one-core machine")
    args = ap.parse_args()
    folder: Path = args.dir
    if not args.only_vincula:
        population(args.groups, folder)
    ours = folder / "vincula_out.csv"
    theirs = folder / "openfisca_out.csv"
    cmd = [str(VINCULA), "screen", str(folder), "--out", str(ours), "--as-of", AS_OF]
    if args.chunk_mb:
        cmd += ["--chunk-mb", str(args.chunk_mb)]
    # neither run replaces an earlier output: ext4 flushes a file renamed or truncated over an
    # old one to disk first, which would time the disk instead of the screener
    for old in (ours, theirs, ours.with_name(ours.stem + ".rejects.csv")):
        old.unlink(missing_ok=True)
    # byte-compiled, as pip leaves an installed package (and OpenFisca here): with
    # PYTHONDONTWRITEBYTECODE set, an editable install would compile engine/ and api/ every run
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine"), str(ROOT / "api")],
                   check=True)
    v_wall, v_mem, v_out = timed(cmd, args.cpus)
    print(next((line for line in v_out.splitlines() if "screened" in line), ""))
    print(f"vincula   wall {v_wall:6.2f} s   peak {v_mem:7.0f} MB")
    if args.only_vincula:
        return
    a_wall, a_mem, a_out = timed([str(ANCHOR_PY), str(ANCHOR), "screen", str(folder), str(theirs)], args.cpus)
    print(a_out.strip())
    print(f"openfisca wall {a_wall:6.2f} s   peak {a_mem:7.0f} MB")
    print(f"ratio (openfisca / vincula, wall clock): {a_wall / v_wall:.1f}x faster; "
          f"memory {a_mem / v_mem:.1f}x less")
    ok = True
    for prog, (rows, differ, n_a, n_b) in sorted(agreement(folder, ours, theirs).items()):
        ok &= differ == 0 and rows == args.groups
        print(f"  {prog:28s} rows {rows:,}  differ {differ:,}  eligible: openfisca {n_a:,}, vincula {n_b:,}")
    print("determinations agree row for row" if ok else "DETERMINATIONS DIFFER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
