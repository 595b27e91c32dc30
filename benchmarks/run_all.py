"""The whole benchmark suite in one command, one table (issue 9).

    uv run --no-sync python benchmarks/run_all.py [--sizes 1000,10000,100000] [--quick]
                                                  [--no-postgres] [--delivery-cap 2000]
                                                  [--pdf-cap 10000]

For each size (number of actions) and database (a SQLite file, a scratch PostgreSQL database) it
measures ingest (one generated report with that many findings, through services.ingest_report),
import (a generated actions CSV through transfer.import_actions), chase and escalation planning
(seeded open actions, plan + record in the outbox), delivery (benchmarks/delivery.py: a local
SMTP sink) and the progress report (HTML, PDF).

Every measurement runs in a child process of its own, so its peak RSS is its own, and counts
its SQL statements with a ``before_cursor_execute`` listener; the child imports the product
before its clock starts. Seeding happens in this process,
outside the measurement. The data generators and steps are those of the other scripts here
(seed.py, import_actions.py, chase_planning.py, report_speed.py, delivery.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from benchmarks import chase_planning, import_actions, report_speed  # noqa: E402
from benchmarks.memory import peak_mb  # noqa: E402
from benchmarks.seed import drop_database, migrated_engine, scratch_database, seed  # noqa: E402

PG_ADMIN = chase_planning.PG_ADMIN
SCRATCH = "actions_bench_run_all"
AS_OF = chase_planning.AS_OF
SIZES = (1_000, 10_000, 100_000)
TARGETS = {
    "chase planning": "chase+escalate 100k < 5 s",
    "escalation planning": "chase+escalate 100k < 5 s",
    "import": "100k < 30 s",
    "report html": f"2k < {report_speed.TARGETS['html']:g} s",
    "report pdf": f"2k < {report_speed.TARGETS['pdf']:g} s",
    "delivery": ">= 100 msg/s",
}


@dataclass
class Row:
    step: str
    database: str
    size: int
    seconds: float | None = None
    statements: int | None = None
    peak_mb: float | None = None
    note: str = ""


# --------------------------------------------------------------------------- children


def _ingest(url: str, size: int, work: Path) -> str:
    from actions import services
    from actions.intake.ingest import InspectionMeta

    summary = services.ingest_report(work / "report.txt", InspectionMeta(body="Bench Police"))
    return f"{len(summary['created'])} actions"


def _import(url: str, size: int, work: Path) -> str:
    from actions.transfer import import_actions as run_import

    result = run_import(work / "actions.csv")
    return f"{result.created} created"


def _plan(kind: str) -> Callable[[str, int, Path], str]:
    def step(url: str, size: int, work: Path) -> str:
        return f"{chase_planning.plan_and_record(url, kind)} items"

    return step


def _report(fmt: str) -> Callable[[str, int, Path], str]:
    def step(url: str, size: int, work: Path) -> str:
        from actions.reports import generate_report

        output = generate_report(work / f"report-{fmt}", [fmt], AS_OF)
        return f"{output.paths[fmt].stat().st_size // 1024} KB"

    return step


def _delivery(url: str, size: int, work: Path) -> str:
    """delivery.py's one-deliverer scenario; its deliverer and sink are this child's children."""
    from benchmarks import delivery

    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    result = delivery.scenario("pooled SMTP", database, url, size, 1, None)
    return f"{result.messages} msgs, {result.rate:.0f} msg/s"


CHILD_STEPS: dict[str, Callable[[str, int, Path], str]] = {
    "ingest": _ingest,
    "import": _import,
    "chase planning": _plan("chase"),
    "escalation planning": _plan("escalate"),
    "report html": _report("html"),
    "report pdf": _report("pdf"),
    "delivery": _delivery,
}


def child(step: str, url: str, size: int, work: Path) -> dict[str, Any]:
    """In the child process: run one step; seconds, statements, peak RSS (MB), a note."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    os.environ["ACTIONS_DATABASE_URL"] = url
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    _warm_up()
    event.listen(Engine, "before_cursor_execute", count)  # every engine the step opens
    started = time.perf_counter()
    note = CHILD_STEPS[step](url, size, work)
    seconds = time.perf_counter() - started
    # Delivery's deliverer and SMTP sink are this process's children: their ru_maxrss is their
    # own peak or this process's size when they started, whichever is larger.
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "statements": statements,
        "peak_mb": max(peak_mb(), helpers),
        "note": note,
    }


def _warm_up() -> None:
    """Import what the steps use before the clock starts: a worker process pays for imports
    once (~1-2 s, the bank-holiday calendar alone ~0.5 s), whatever the number of actions."""
    import actions.chasing
    import actions.reports
    import actions.services
    import actions.transfer  # noqa: F401
    from actions.chasing.workdays import is_working_day

    is_working_day(AS_OF)


def measure(step: str, database: str, url: str, size: int, work: Path) -> Row:
    """Run ``step`` in a fresh child process and read its measurement."""
    command = [sys.executable, __file__, "--child", step, url, str(size), str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=work)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1][:60]
        return Row(step, database, size, note=f"FAILED: {reason}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return Row(
        step, database, size, data["seconds"], data["statements"], data["peak_mb"], data["note"]
    )


# --------------------------------------------------------------------------- databases and data


@contextmanager
def fresh_database(database: str, work: Path, name: str) -> Iterator[str]:
    """An empty, migrated database for one group of measurements; dropped afterwards."""
    if database == "sqlite":
        url = f"sqlite:///{work / name}.db"
    else:
        url = scratch_database(PG_ADMIN, SCRATCH)
    migrated_engine(url).dispose()
    try:
        yield url
    finally:
        if database == "postgresql":
            drop_database(PG_ADMIN, SCRATCH)


def write_report(path: Path, findings: int) -> None:
    """A report with ``findings`` areas for improvement, ten under each question."""
    lines = ["Bench Police: PEEL 2027 legitimacy inspection", ""]
    for n in range(findings):
        if n % 10 == 0:
            # Lettered, not numbered: a numbered line repeated beside the same heading pages
            # apart is how a running head looks, and the reader drops those.
            part = "".join(chr(ord("a") + int(d)) for d in str(n // 10))
            lines += ["", f"How well does the force treat the public in area {part}?", ""]
            lines += ["Areas for improvement", ""]
        lines.append(f"  • The force should improve how it handles workstream {n} of its plan.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare_import(url: str, work: Path, size: int) -> None:
    """import_actions.py's generated files; the people are imported first (not measured)."""
    from actions.store import db
    from actions.tracking.people import import_people

    owners = import_actions.write_people(work / "people.csv", 200)
    import_actions.write_actions(work / "actions.csv", size, owners)
    with db.session_scope(db.get_engine(url)) as session:
        import_people(session, work / "people.csv")


# --------------------------------------------------------------------------- the suite


def run_size(database: str, size: int, work: Path, caps: dict[str, int]) -> Iterator[Row]:
    with fresh_database(database, work, f"ingest-{size}") as url:
        write_report(work / "report.txt", size)
        yield measure("ingest", database, url, size, work)
    with fresh_database(database, work, f"import-{size}") as url:
        prepare_import(url, work, size)
        yield measure("import", database, url, size, work)
    with fresh_database(database, work, f"planning-{size}") as url:
        engine = migrated_engine(url)
        seed(engine, actions=size, people=min(10_000, max(size // 10, 2)), as_of=AS_OF)
        engine.dispose()
        yield measure("chase planning", database, url, size, work)
        yield measure("escalation planning", database, url, size, work)
        yield measure("report html", database, url, size, work)
        if size <= caps["pdf"]:
            yield measure("report pdf", database, url, size, work)
        else:
            yield Row("report pdf", database, size, note=f"skipped (> --pdf-cap {caps['pdf']})")
    if not (ROOT / "benchmarks" / "delivery.py").exists():
        yield Row("delivery", database, size, note="TODO: benchmarks/delivery.py not there yet")
        return
    with fresh_database(database, work, f"delivery-{size}") as url:
        messages = min(size, caps["delivery"])
        row = measure("delivery", database, url, messages, work)
        row.size = size
        yield row


def print_table(rows: list[Row]) -> None:
    print(
        f"\n{'step':<20} {'db':<10} {'actions':>8} {'seconds':>8} {'statements':>10} "
        f"{'peak MB':>8}  {'note':<28} target"
    )
    for r in rows:
        seconds = f"{r.seconds:8.2f}" if r.seconds is not None else f"{'-':>8}"
        statements = f"{r.statements:10d}" if r.statements is not None else f"{'-':>10}"
        peak = f"{r.peak_mb:8.0f}" if r.peak_mb is not None else f"{'-':>8}"
        print(
            f"{r.step:<20} {r.database:<10} {r.size:>8} {seconds} {statements} {peak}  "
            f"{r.note:<28} {TARGETS.get(r.step, '')}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--quick", action="store_true", help="1,000 actions only")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--delivery-cap", type=int, default=2_000, help="most messages sent")
    parser.add_argument("--pdf-cap", type=int, default=10_000, help="largest PDF report")
    parser.add_argument("--child", nargs=4, metavar=("STEP", "URL", "SIZE", "DIR"))
    args = parser.parse_args()
    if args.child:
        step, url, size, work = args.child
        print(json.dumps(child(step, url, int(size), Path(work))))
        return
    sizes = [1_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    databases = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    caps = {"delivery": args.delivery_cap, "pdf": args.pdf_cap}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for database in databases:
                work = Path(tmp) / f"{database}-{size}"
                work.mkdir()
                for row in run_size(database, size, work, caps):
                    rows.append(row)
                    print(f"  {row.step} {row.database} {row.size}: {row.note}", flush=True)
    print_table(rows)
    load = os.getloadavg()
    print(f"\nmachine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f}")


if __name__ == "__main__":
    main()
