"""Benchmark: planning reminders and escalations for many actions (docs/chasing.md, issue 5 / 9).

    uv run python benchmarks/chase_planning.py [--sizes 1000,10000,100000] [--people 10000]

For each size and database (SQLite file, PostgreSQL scratch database) it seeds open actions,
then plans ``chase`` and ``escalate`` as of one day (each in a fresh process, so peak memory is
the planner's own: ``VmHWM``, see memory.py) and prints seconds, SQL statements and peak RSS.
Planning streams in batches of ``actions.chasing.candidates.BATCH`` candidates, so statements
grow by a few per batch, and memory stays near the process's baseline (imports, ~95 MB) at any
size.
Recording to the outbox is included; delivery is not. "seconds" is a first run where every
item is new (the worst case); "repeat s" plans the same day again, when every dedupe key is
spent — the steady state of the daily schedule. Python imports happen before the clock starts
(a fixed cost per worker process, not planning).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.memory import peak_mb

AS_OF = date(2027, 3, 1)  # a Monday
PG_ADMIN = os.environ.get(
    "ACTIONS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def plan_and_record(url: str, kind: str, as_of: date = AS_OF) -> int:
    """Plan ``chase`` or ``escalate`` and record it in the outbox; the number of items.

    Shared with run_all.py, which measures each kind on its own."""
    from actions.chasing import plan
    from actions.domain.policy import Policy
    from actions.store import db

    with db.session_scope(db.get_engine(url)) as session:
        result = plan(session, kind, as_of, Policy())
        return result.item_count


def measure(url: str) -> dict[str, float]:
    """Runs in a child process: plan both kinds, count statements, report peak RSS."""
    from sqlalchemy import event

    from actions.store import db

    engine = db.get_engine(url)
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    # Imports are not planning: a worker pays them once per process, whatever the size (the
    # bank-holiday calendar alone imports every country's module, ~0.5 s).
    import actions.chasing  # noqa: F401
    from actions.chasing.workdays import is_working_day

    is_working_day(AS_OF)
    event.listen(engine, "before_cursor_execute", count)
    before = peak_mb()
    started = time.perf_counter()
    planned = sum(plan_and_record(url, kind) for kind in ("chase", "escalate"))
    seconds = time.perf_counter() - started
    # The same day again: every item's dedupe key is spent, so nothing is planned. This is the
    # steady state of a daily schedule (and the cost of a repeated or caught-up run).
    started = time.perf_counter()
    repeated = sum(plan_and_record(url, kind) for kind in ("chase", "escalate"))
    repeat_seconds = time.perf_counter() - started
    peak = peak_mb()
    return {
        "seconds": seconds,
        "repeat_seconds": repeat_seconds,
        "repeat_items": repeated,
        "statements": statements,
        "items": planned,
        "peak_mb": peak,
        "baseline_mb": before,
    }


def run_child(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", url], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--measure")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    from seed import drop_database, migrated_engine, scratch_database, seed

    print(
        f"{'db':<10} {'actions':>8} {'people':>7} {'items':>7} {'seconds':>8} "
        f"{'repeat s':>8} {'statements':>10} {'peak MB':>8} {'baseline':>8}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        people = min(args.people, max(size // 10, 2))
        targets = [("sqlite", None)] + ([] if args.no_postgres else [("postgresql", PG_ADMIN)])
        for name, admin in targets:
            with tempfile.TemporaryDirectory() as tmp:
                if admin:
                    url = scratch_database(admin, "actions_bench_planning")
                else:
                    url = f"sqlite:///{tmp}/bench.db"
                engine = migrated_engine(url)
                seed(engine, actions=size, people=people, as_of=AS_OF)
                engine.dispose()
                result = run_child(url)
                print(
                    f"{name:<10} {size:>8} {people:>7} {int(result['items']):>7} "
                    f"{result['seconds']:>8.2f} {result['repeat_seconds']:>8.2f} "
                    f"{int(result['statements']):>10} "
                    f"{result['peak_mb']:>8.0f} {result['baseline_mb']:>8.0f}",
                    flush=True,
                )
                if admin:
                    drop_database(admin, "actions_bench_planning")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
