"""Time the progress report on 2,000 actions (targets: HTML < 1 s, PDF < 10 s).

Seeds a temporary SQLite database with bulk inserts — 4 inspections of 500 findings each, 40
owners, a year of audit history (creations, status changes) and updates with evidence — then
times ``generate_report`` for HTML and for PDF, each including the database read.

    uv run --no-sync python benchmarks/report_speed.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

ACTIONS = 2000
INSPECTIONS = 4
OWNERS = 40
AS_OF = date(2027, 3, 15)
TARGETS = {"html": 1.0, "pdf": 10.0}
STATUSES = ["open"] * 5 + ["in_progress"] * 6 + ["blocked", "completed", "closed", "closed"]
KINDS = ["area_for_improvement"] * 6 + ["recommendation"] * 3 + ["cause_of_concern"]
QUESTIONS = [f"How well does the force deliver outcome {n} for the public?" for n in range(8)]


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def seed(url: str) -> None:
    from actions.domain.models import Action, ActionUpdate, AuditRecord, Finding, Inspection, Person
    from actions.store import db

    rng = random.Random(7)
    engine = db.get_engine(url)
    db.migrate(engine)
    start = AS_OF - timedelta(days=360)
    people = [{"id": 1, "email": "sro@force.example", "name": "Sam Senior", "role": "sro"}]
    people += [
        {"id": n, "email": f"owner{n}@force.example", "name": f"Owner {n}", "manager_id": 1}
        for n in range(2, OWNERS + 2)
    ]
    inspections = [
        {
            "id": i,
            "code": f"FRC-{2020 + i}",
            "body": "Example Police",
            "title": f"PEEL {2020 + i} inspection",
            "published": start,
            "next_inspection": AS_OF + timedelta(days=120 + 30 * i),
        }
        for i in range(1, INSPECTIONS + 1)
    ]
    findings, actions, audit, updates = [], [], [], []
    for n in range(1, ACTIONS + 1):
        inspection = (n - 1) % INSPECTIONS + 1
        status = rng.choice(STATUSES)
        created = start + timedelta(days=rng.randint(0, 20))
        deadline = AS_OF + timedelta(days=rng.randint(-120, 200))
        text = (
            f"The force should improve how it manages workstream {n}, making sure that "
            "supervisors review outcomes and that the public can see what has changed. " * 2
        )
        findings.append(
            {
                "id": n,
                "inspection_id": inspection,
                "seq": n,
                "kind": rng.choice(KINDS),
                "text": text.strip(),
                "question": QUESTIONS[n % len(QUESTIONS)],
                "judgement": "Requires improvement",
                "parts": [],
                "source_refs": [],
            }
        )
        last = created + timedelta(days=rng.randint(10, 300))
        last = min(last, AS_OF - timedelta(days=1))
        actions.append(
            {
                "id": n,
                "ref": f"FRC-{2020 + inspection}-AFI-{n:04d}",
                "inspection_id": inspection,
                "finding_id": n,
                "title": text[:120],
                "owner_id": rng.randint(2, OWNERS + 1),
                "deadline": deadline,
                "original_deadline": deadline,
                "status": status,
                "progress": 100 if status in {"completed", "closed"} else rng.randint(0, 90),
                "last_update_at": _moment(last),
                "last_update_note": f"Progress on workstream {n}: board paper submitted.",
                "evidence_url": f"https://intranet.force.example/evidence/{n}",
                "escalation_level": rng.randint(0, 3) if deadline < AS_OF else 0,
                "created_at": _moment(created),
                "updated_at": _moment(last),
            }
        )
        audit.append(_audit(n, created, "created", None, f"A-{n}"))
        if status != "open":
            audit.append(_audit(n, last, "status", "open", status))
        updates.append(
            {
                "action_id": n,
                "author_id": actions[-1]["owner_id"],
                "created_at": _moment(last),
                "status_from": "open",
                "status_to": status if status != "open" else None,
                "progress": actions[-1]["progress"],
                "note": actions[-1]["last_update_note"],
                "evidence_url": actions[-1]["evidence_url"],
            }
        )
    with db.session_scope(engine) as session:
        for model, rows in (
            (Person, people),
            (Inspection, inspections),
            (Finding, findings),
            (Action, actions),
            (AuditRecord, audit),
            (ActionUpdate, updates),
        ):
            session.execute(insert(model), rows)  # type: ignore[arg-type]


def _audit(action_id: int, day: date, field: str, old: str | None, new: str) -> dict[str, Any]:
    return {
        "at": _moment(day),
        "actor": "system",
        "entity": "action",
        "entity_id": action_id,
        "action_id": action_id,
        "field": field,
        "old": old,
        "new": new,
    }


def main() -> int:
    from actions.reports import generate_report

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["ACTIONS_DATABASE_URL"] = url
        started = time.perf_counter()
        seed(url)
        print(f"seeded {ACTIONS} actions in {time.perf_counter() - started:.2f} s")
        failed = False
        for fmt in ("html", "pdf"):
            started = time.perf_counter()
            output = generate_report(Path(tmp) / "out", [fmt], AS_OF)
            elapsed = time.perf_counter() - started
            size = output.paths[fmt].stat().st_size / 1024
            verdict = "ok" if elapsed < TARGETS[fmt] else "SLOW"
            failed |= elapsed >= TARGETS[fmt]
            print(
                f"{fmt:4}: {elapsed:6.2f} s ({size:,.0f} KB, target < {TARGETS[fmt]:g} s) {verdict}"
            )
            if fmt == "pdf":
                import pypdf

                print(f"      {len(pypdf.PdfReader(output.paths[fmt]).pages)} pages")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.exit(main())
