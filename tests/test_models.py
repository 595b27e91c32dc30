"""The schema enforces what the domain needs, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from actions import audit, db
from actions.models import Action, AuditRecord, Person
from tests.helpers import seed_action, seed_people


def test_progress_outside_0_100_is_refused_by_the_database(session: Session) -> None:
    action = seed_action(session)
    action.progress = 101
    with pytest.raises(IntegrityError):
        session.flush()


def test_unknown_status_is_refused_by_the_database(session: Session) -> None:
    action = seed_action(session)
    action.status = "done-ish"
    with pytest.raises(IntegrityError):
        session.flush()


def test_refs_are_unique(session: Session) -> None:
    seed_action(session, ref="NOR-2018-AFI-01")
    with pytest.raises(IntegrityError):
        seed_action(session, ref="NOR-2018-AFI-01")


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Person(email="x@example.org", name="X", manager_id=9999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_audit_is_append_only(session: Session) -> None:
    action = seed_action(session)
    assert action.id is not None
    audit.record(
        session,
        actor="a@b.c",
        entity="action",
        entity_id=action.id,
        action_id=action.id,
        field="status",
        old="open",
        new="in_progress",
    )
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE audit SET new = 'closed'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit"))
    session.rollback()
    assert session.exec(select(AuditRecord)).one().new == "in_progress"


def test_timestamps_come_back_timezone_aware_in_utc(session: Session) -> None:
    people = seed_people(session)
    action = seed_action(session, owner=people["owner"])
    moment = datetime(2027, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    action.last_update_at = moment
    session.commit()
    session.expire_all()
    loaded = session.get(Action, action.id)
    assert loaded is not None and loaded.last_update_at is not None
    assert loaded.last_update_at.tzinfo is not None
    assert loaded.last_update_at == moment
    assert loaded.last_update_at.astimezone(UTC).hour == 8


def test_naive_timestamps_are_refused(session: Session) -> None:
    action = seed_action(session)
    action.last_update_at = datetime(2027, 6, 1, 9, 30)
    with pytest.raises(Exception, match="naive"):
        session.flush()


def test_dates_round_trip(session: Session) -> None:
    action = seed_action(session, deadline=date(2028, 2, 29))
    session.commit()
    session.expire_all()
    assert session.get(Action, action.id).deadline == date(2028, 2, 29)  # type: ignore[union-attr]


def test_migrations_create_every_table_and_are_idempotent(engine: object) -> None:
    from sqlmodel import SQLModel

    first = db.migrate(engine)  # type: ignore[arg-type]
    second = db.migrate(engine)  # type: ignore[arg-type]
    assert first == second != ""
    tables = set(inspect(engine).get_table_names())  # type: ignore[arg-type]
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_run_up_from_an_empty_database(tmp_path: Path, database_url: str) -> None:
    """A brand-new database of the same kind, migrated from nothing."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        name = f"{url.database}_fresh"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        fresh_url = url.set(database=name).render_as_string(hide_password=False)
    fresh = db.make_engine(fresh_url)
    assert inspect(fresh).get_table_names() == []
    assert db.migrate(fresh) != ""
    assert {"action", "audit", "message", "person"} <= set(inspect(fresh).get_table_names())
    fresh.dispose()
    if url.get_backend_name() != "sqlite":
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
