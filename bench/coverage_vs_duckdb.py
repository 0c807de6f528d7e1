"""Benchmark: `vincula coverage` against the DuckDB anchor, on the same files, in one run.

    .venv/bin/python bench/coverage_vs_duckdb.py 1000000 --dir /tmp/reg1m --runs 3

1. generates the population and its padrón with the anchor's own generator (in the anchor's
   virtual environment, /tmp/dk; see ../shared/bench/anchor_duckdb_coverage.py), unless `--dir`
   already holds one of that size;
2. byte-compiles engine/ and api/ (as pip does for an installed package), then, `--runs` times,
   runs the anchor (`anchor_duckdb_coverage.py analyse DIR 2017`) and the project
   (`vincula coverage DIR --padron DIR/padron.csv --as-of 2017-06-30 --format json`) as child
   processes under /usr/bin/time -v, alternating which goes first, so the times are wall-clock
   from process start to exit (and CPU time, user + system, which varies less when other work
   shares the cores) and the memory each process's peak resident set;
3. compares the counts: eligible_served, eligible_not_served and prospera_persons_served per
   programme, persons_in_two_or_more and the persons of each pair must be equal; the anchor counts
   "cannot tell" as not eligible, so its not_eligible_served must equal the project's
   not_eligible_served + cannot_tell_served. It exits 1 if any count differs.

The machine's load (from /proc/loadavg) is printed before and after, since the two cores may be
shared. `--only-vincula` skips the anchor (for a population too large for it).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from screen_vs_openfisca import timed  # (wall s, peak MB, stdout) of a child process under time -v

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# ../shared beside the checkout (or beside the folder of worktrees), or where ANCHOR says
ANCHOR = Path(os.environ.get("ANCHOR") or next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared"
) / "bench" / "anchor_duckdb_coverage.py").resolve()
ANCHOR_PY = Path(os.environ.get("ANCHOR_PYTHON", "/tmp/dk/bin/python"))
VINCULA = ROOT / ".venv" / "bin" / "vincula"
YEAR = 2017
AS_OF = "2017-06-30"


def cpu_timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s (user + system), peak MB, stdout) of one child process. CPU time varies
    less than wall time when other work shares the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak, out = timed(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, out


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def population(n: int, folder: Path) -> None:
    groups = folder / "groups.csv"
    if (folder / "padron.csv").exists() and sum(1 for _ in open(groups, "rb")) == n + 1:
        print(f"reusing {folder} ({n:,} groups)")
        return
    if not ANCHOR_PY.exists():
        sys.exit(f"no anchor environment at {ANCHOR_PY}: "
                 "python3 -m venv /tmp/dk && /tmp/dk/bin/pip install duckdb numpy pandas")
    subprocess.run([str(ANCHOR_PY), str(ANCHOR), "generate", str(n), str(folder)], check=True)


def differences(ours: dict, theirs: dict) -> list[str]:
    """Every count that differs, in words (empty when they all agree)."""
    out = []
    for slug, a in theirs["programs"].items():
        b = ours["programs"].get(slug)
        if b is None:
            out.append(f"{slug}: not measured by vincula")
            continue
        mine = {
            "eligible_served": b["eligible_served"],
            "eligible_not_served": b["eligible_not_served"],
            "not_eligible_served": b["not_eligible_served"] + b["cannot_tell_served"],
            "prospera_persons_served": b["prospera_persons_served"],
        }
        out += [f"{slug} {k}: duckdb {a[k]:,}, vincula {mine[k]:,}" for k in mine if a[k] != mine[k]]
    a_two, b_two = theirs["overlap"]["persons_in_two_or_more"], ours["overlap"]["persons_in_two_or_more"]
    if a_two != b_two:
        out.append(f"persons_in_two_or_more: duckdb {a_two:,}, vincula {b_two:,}")
    a_pairs = {tuple(p["programs"]): p["persons"] for p in theirs["overlap"]["pairs"]}
    b_pairs = {tuple(p["programs"]): p["persons"] for p in ours["overlap"]["pairs"]}
    out += [f"pair {' + '.join(k)}: duckdb {a_pairs.get(k)}, vincula {b_pairs.get(k)}"
            for k in sorted(set(a_pairs) | set(b_pairs)) if a_pairs.get(k) != b_pairs.get(k)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("groups", type=int)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/reg1m"))
    ap.add_argument("--runs", type=int, default=1, help="paired runs, alternating which goes first")
    ap.add_argument("--only-vincula", action="store_true")
    args = ap.parse_args()
    folder: Path = args.dir
    if not args.only_vincula:
        population(args.groups, folder)
    ours, theirs = folder / "vincula_coverage.json", folder / "duckdb_coverage.json"
    cmd_ours = [str(VINCULA), "coverage", str(folder), "--padron", str(folder / "padron.csv"), "--as-of", AS_OF,
                "--format", "json", "--out", str(ours), "--rejects", str(folder / "vincula_coverage.rejects.csv")]
    cmd_theirs = [str(ANCHOR_PY), str(ANCHOR), "analyse", str(folder), str(YEAR), str(theirs)]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine"), str(ROOT / "api")], check=True)
    print(f"load average before: {load()}  ({os.cpu_count()} cores)")
    ratios, cpu_ratios, ok = [], [], True
    for run in range(1, args.runs + 1):
        for old in (ours, theirs):
            old.unlink(missing_ok=True)
        order = [("vincula", cmd_ours), ("duckdb", cmd_theirs)]
        if args.only_vincula:
            order = order[:1]
        elif run % 2 == 0:
            order.reverse()
        seen = {}
        for name, cmd in order:
            seen[name] = cpu_timed(cmd)
        v_wall, v_cpu, v_mem, _ = seen["vincula"]
        line = f"run {run}: vincula {v_wall:6.2f} s (cpu {v_cpu:5.2f} s) {v_mem:6.0f} MB"
        if not args.only_vincula:
            d_wall, d_cpu, d_mem, _ = seen["duckdb"]
            ratios.append(d_wall / v_wall)
            cpu_ratios.append(d_cpu / v_cpu)
            diff = differences(json.loads(ours.read_text()), json.loads(theirs.read_text()))
            ok &= not diff
            line += (f" | duckdb {d_wall:6.2f} s (cpu {d_cpu:5.2f} s) {d_mem:6.0f} MB"
                     f" | ratio (duckdb / vincula) {d_wall / v_wall:.2f}x, cpu {d_cpu / v_cpu:.2f}x"
                     f" | first: {order[0][0]} | counts {'equal' if not diff else 'DIFFER'}")
            for d in diff:
                line += f"\n    {d}"
        print(line, flush=True)
    print(f"load average after: {load()}")
    if ratios:
        print(f"wall-clock ratio over {len(ratios)} paired runs: min {min(ratios):.2f}x, "
              f"median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x")
        print(f"CPU-time ratio: min {min(cpu_ratios):.2f}x, median {statistics.median(cpu_ratios):.2f}x, "
              f"max {max(cpu_ratios):.2f}x")
        print("counts equal in every run" if ok else "COUNTS DIFFER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
