"""Differential fuzzing: N generated groups judged by both evaluators; prints crashes and
disagreements (both must be 0).

    .venv/bin/python bench/fuzz.py 100000 [--seed 1] [--batch 12] [--in-process]

Groups are drawn by hypothesis from the fact vocabulary and the rules (engine/differential.py:
every fact a group may state, sparse and complete, both countries, numbers on and around every
threshold, dates from 1990 to 2030 and around every date the rules name), in batches that share
a date. Each group is judged by the per-group engine, every group in the same long-lived
durable-rules host, as the server runs them (in a child process, `IsolatedHost`, so that a
fault in the C engine is counted as a crash instead of ending the run; `--in-process` uses the
host in this process, where a fault ends it), and each batch by the screener, written to the
interchange format and read back. Every criterion's outcome, the eligibility and the failed
criteria of every programme are compared.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Enough(Exception):
    """N groups have been judged."""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("groups", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=40, help="most groups per batch (one date each; at least half as many)")
    ap.add_argument("--in-process", action="store_true", help="the durable-rules host in this process")
    ap.add_argument("--show", type=int, default=10, help="disagreements shown in full")
    args = ap.parse_args()

    from hypothesis import HealthCheck, Phase, given, seed, settings

    from engine.differential import GroupDrawer, Tally, compare
    from engine.eligibility import EligibilityEngine
    from engine.evaluate import IsolatedHost, RuleMatcher
    from engine.rules import load_rules

    rules = load_rules()
    host = None if args.in_process else IsolatedHost(timeout=60)
    engine = EligibilityEngine(rules, RuleMatcher(host=host) if host else RuleMatcher())
    drawer = GroupDrawer(rules)
    tally = Tally()
    t0 = last = time.perf_counter()

    @seed(args.seed)
    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=drawer.batch(args.batch, max(1, args.batch // 2)))
    def judge(batch):  # type: ignore[no-untyped-def]
        nonlocal last
        if tally.groups >= args.groups:
            raise Enough
        day, groups = batch
        compare(groups[: args.groups - tally.groups], day, rules, engine, tally)
        now = time.perf_counter()
        if now - last > 10:
            last = now
            print(f"  {tally.groups:,} groups, {now - t0:.0f} s, {len(tally.crashes)} crashes, "
                  f"{len(tally.disagreements)} disagreements", file=sys.stderr, flush=True)

    try:
        judge()
    except Enough:
        pass
    finally:
        if host is not None:
            host.stop()
    seconds = time.perf_counter() - t0
    restarts = host.restarts if host is not None else 0
    print(f"{tally.groups:,} groups, {tally.determinations:,} determinations, {tally.criteria:,} criterion "
          f"outcomes compared in {seconds:.0f} s ({tally.outcomes})")
    for line in tally.crashes[: args.show]:
        print("CRASH", line)
    for d in tally.disagreements[: args.show]:
        print("DIFFER", d)
    by_where = Counter((d.program, d.what) for d in tally.disagreements)
    for (program, what), n in by_where.most_common(20):
        print(f"  {n:6,}  {program} {what}")
    print(f"crashes: {len(tally.crashes) + restarts} (engine restarts: {restarts})")
    print(f"disagreements: {len(tally.disagreements)}")
    return 0 if not tally.crashes and not restarts and not tally.disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
