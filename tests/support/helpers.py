"""Small builders shared by the tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select

from actions.domain.models import Action, Finding, Inspection, Person
from actions.domain.refs import short_title


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PEOPLE_CSV = """email,name,manager_email,notify,role
sro@force.example,Sam Senior,,,sro
manager@force.example,Morgan Manager,sro@force.example,,
owner@force.example,Olive Owner,manager@force.example,,
other@force.example,Oscar Other,manager@force.example,,
"""


def seed_people(session: Session) -> dict[str, Person]:
    sro = Person(email="sro@force.example", name="Sam Senior", role="sro")
    session.add(sro)
    session.flush()
    manager = Person(email="manager@force.example", name="Morgan Manager", manager_id=sro.id)
    session.add(manager)
    session.flush()
    owner = Person(email="owner@force.example", name="Olive Owner", manager_id=manager.id)
    other = Person(email="other@force.example", name="Oscar Other", manager_id=manager.id)
    session.add_all([owner, other])
    session.flush()
    return {"sro": sro, "manager": manager, "owner": owner, "other": other}


def seed_action(
    session: Session,
    *,
    owner: Person | None = None,
    ref: str = "NOR-2018-AFI-01",
    deadline: date | None = date(2027, 3, 31),
    status: str = "open",
    inspection: Inspection | None = None,
    kind: str = "area_for_improvement",
    text: str = "The force should improve how it seeks feedback from the public.",
) -> Action:
    code = ref.rsplit("-", 2)[0]
    if inspection is None:
        inspection = session.exec(select(Inspection).where(Inspection.code == code)).first()
    if inspection is None:
        inspection = Inspection(
            code=ref.rsplit("-", 2)[0], body="Northamptonshire Police", title="PEEL 2018 legitimacy"
        )
        session.add(inspection)
        session.flush()
    assert inspection.id is not None
    finding = Finding(inspection_id=inspection.id, kind=kind, text=text, question="Q1")
    session.add(finding)
    session.flush()
    assert finding.id is not None
    action = Action(
        ref=ref,
        inspection_id=inspection.id,
        finding_id=finding.id,
        title=short_title(text),
        owner_id=owner.id if owner else None,
        deadline=deadline,
        original_deadline=deadline,
        status=status,
    )
    session.add(action)
    session.flush()
    return action


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: equal dumps mean an unchanged database."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in SQLModel.metadata.sorted_tables
        }


def truncate_all(engine: Engine) -> None:
    """Empty every table of a PostgreSQL test database, sequences too."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        # The audit table refuses TRUNCATE (migration 0003); a test database may be emptied
        # between tests: as a replica, this session fires no ordinary trigger (superuser only).
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
