"""Bulk-seeding a database with many people and actions, for benchmarks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from actions.domain.models import Action, Finding, Inspection, Person
from actions.store import db

CHUNK = 10_000


def scratch_database(admin_url: str, name: str) -> str:
    """A fresh PostgreSQL database (dropped first if it exists); returns its URL."""
    from sqlalchemy import create_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _chunks(rows: list[dict], size: int = CHUNK):  # type: ignore[type-arg]
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def seed(engine: Engine, *, actions: int, people: int, as_of: date, seed: int = 7) -> None:
    """``people`` people in teams of ~10 under managers, one SRO; ``actions`` open actions with
    deadlines spread from 90 days overdue to 180 days ahead and varied update histories."""
    rng = random.Random(seed)
    now = datetime(as_of.year, as_of.month, as_of.day, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Person),
            [
                {
                    "id": 1,
                    "email": "sro@bench.example",
                    "name": "SRO",
                    "manager_id": None,
                    "notify": "",
                    "role": "sro",
                    "active": True,
                    "created_at": now,
                }
            ],
        )
        managers = max(people // 10, 1)
        rows = []
        for i in range(2, people + 1):
            manager = 1 if i <= managers + 1 else rng.randint(2, managers + 1)
            rows.append(
                {
                    "id": i,
                    "email": f"p{i}@bench.example",
                    "name": f"Person {i}",
                    "manager_id": manager,
                    "notify": "",
                    "role": "",
                    "active": True,
                    "created_at": now,
                }
            )
        for chunk in _chunks(rows):
            conn.execute(insert(Person), chunk)
        conn.execute(
            insert(Inspection),
            [
                {
                    "id": 1,
                    "code": "BEN-2027",
                    "body": "Bench Police",
                    "inspectorate": "HMICFRS",
                    "title": "Benchmark",
                    "programme": "PEEL 2027",
                    "source_file": "",
                    "created_at": now,
                }
            ],
        )
        findings, acts = [], []
        for i in range(1, actions + 1):
            findings.append(
                {
                    "id": i,
                    "inspection_id": 1,
                    "seq": i,
                    "kind": "area_for_improvement",
                    "text": f"The force should improve area {i}.",
                    "parts": [],
                    "source_refs": [],
                    "carried_over": False,
                    "created_at": now,
                }
            )
            deadline = as_of + timedelta(days=rng.randint(-90, 180))
            updated = now - timedelta(days=rng.randint(0, 120))
            acts.append(
                {
                    "id": i,
                    "ref": f"BEN-2027-AFI-{i:06d}",
                    "inspection_id": 1,
                    "finding_id": i,
                    "title": f"Improve area {i}",
                    "owner_id": rng.randint(2, people) if people > 1 else 1,
                    "deadline": deadline,
                    "original_deadline": deadline,
                    "status": rng.choice(["open", "in_progress", "in_progress", "blocked"]),
                    "progress": rng.randint(0, 90),
                    "last_update_at": updated,
                    "last_update_note": "Work continues",
                    "evidence_url": "",
                    "notes": "",
                    "escalation_level": 0,
                    "not_accepted_reason": "",
                    "created_at": now - timedelta(days=200),
                    "updated_at": updated,
                }
            )
        for chunk in _chunks(findings):
            conn.execute(insert(Finding), chunk)
        for chunk in _chunks(acts):
            conn.execute(insert(Action), chunk)
        if engine.dialect.name == "postgresql":
            for table in ("person", "inspection", "finding", "action"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))


def migrated_engine(url: str) -> Engine:
    engine = db.make_engine(url)
    db.migrate(engine)
    return engine
