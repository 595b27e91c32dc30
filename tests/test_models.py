"""The schema enforces what the domain needs, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, create_engine, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from actions.domain.models import Action, AuditRecord, Person
from actions.store import db
from actions.tracking import audit
from tests.support.helpers import seed_action, seed_people


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
    if session.get_bind().dialect.name == "postgresql":  # SQLite has no TRUNCATE
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("TRUNCATE audit"))
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


@contextmanager
def _fresh_database(tmp_path: Path, database_url: str) -> Iterator[Engine]:
    """A brand-new, empty database of the same kind as ``database_url``."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        fresh = db.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield fresh
        fresh.dispose()
        return
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = f"{url.database}_fresh"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = db.make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield fresh
    finally:
        fresh.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_run_up_from_an_empty_database(tmp_path: Path, database_url: str) -> None:
    with _fresh_database(tmp_path, database_url) as fresh:
        assert inspect(fresh).get_table_names() == []
        assert db.migrate(fresh) != ""
        assert {"action", "audit", "message", "person"} <= set(inspect(fresh).get_table_names())


def test_migration_0002_keeps_the_dedupe_ledger_both_ways(
    tmp_path: Path, database_url: str
) -> None:
    """Re-keying message_item (0001 -> 0002 and back) loses no spent dedupe key."""
    from alembic import command

    with _fresh_database(tmp_path, database_url) as fresh:
        config = db._alembic_config(fresh)
        command.upgrade(config, "0001")
        now = datetime.now(UTC)
        action_id = _seed_action_at_0001(fresh, now)
        with fresh.begin() as conn:
            message_id = conn.execute(
                text(
                    "INSERT INTO message (recipient_label, kind, dedupe_key, subject, payload, "
                    "body_text, body_html, attachments, state, attempts, last_error, "
                    "next_attempt_at, created_at, run_label) VALUES ('a@x', 'chase', 'm1', '', "
                    "'{}', '', '', '[]', 'sent', 1, '', :now, :now, '') RETURNING id"
                ),
                {"now": now.replace(tzinfo=None) if fresh.dialect.name == "sqlite" else now},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO message_item (message_id, action_id, kind, threshold, dedupe_key)"
                    " VALUES (:m, :a, 'deadline_reminder', 'd7', 'remind:1:2027-03-31:d7')"
                ),
                {"m": message_id, "a": action_id},
            )
        ledger = "SELECT dedupe_key, message_id, action_id, kind, threshold FROM message_item"
        expected = [("remind:1:2027-03-31:d7", message_id, action_id, "deadline_reminder", "d7")]
        command.upgrade(config, "head")
        with fresh.connect() as conn:
            assert [tuple(r) for r in conn.execute(text(ledger))] == expected
        columns = {c["name"] for c in inspect(fresh).get_columns("message_item")}
        assert "id" not in columns
        assert inspect(fresh).get_pk_constraint("message_item")["constrained_columns"] == [
            "dedupe_key"
        ]
        assert _action_fillfactor(fresh) == ("fillfactor=70" if _is_pg(fresh) else None)
        command.downgrade(config, "0001")
        with fresh.connect() as conn:
            assert [tuple(r) for r in conn.execute(text(ledger))] == expected
        assert _action_fillfactor(fresh) is None


def _seed_action_at_0001(engine: Engine, now: datetime) -> int:
    """One action written with revision 0001's columns only (the models have moved on since)."""
    tables = MetaData()
    tables.reflect(engine, only=["inspection", "finding", "action"])
    stamp = {"created_at": now}
    with engine.begin() as conn:
        inspection_id = conn.execute(
            insert(tables.tables["inspection"]).returning(tables.tables["inspection"].c.id),
            {
                "code": "OLD-2018",
                "body": "Old",
                "inspectorate": "HMICFRS",
                "title": "t",
                "programme": "",
                "source_file": "",
                **stamp,
            },
        ).scalar_one()
        finding_id = conn.execute(
            insert(tables.tables["finding"]).returning(tables.tables["finding"].c.id),
            {
                "inspection_id": inspection_id,
                "seq": 1,
                "kind": "area_for_improvement",
                "text": "The force should improve.",
                "carried_over": False,
                "parts": [],
                "source_refs": [],
                **stamp,
            },
        ).scalar_one()
        return int(
            conn.execute(
                insert(tables.tables["action"]).returning(tables.tables["action"].c.id),
                {
                    "ref": "OLD-2018-AFI-01",
                    "inspection_id": inspection_id,
                    "finding_id": finding_id,
                    "title": "t",
                    "status": "open",
                    "progress": 0,
                    "last_update_note": "",
                    "evidence_url": "",
                    "notes": "",
                    "escalation_level": 0,
                    "not_accepted_reason": "",
                    "updated_at": now,
                    **stamp,
                },
            ).scalar_one()
        )


def _is_pg(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _action_fillfactor(engine: Engine) -> str | None:
    """PostgreSQL's storage option on the action table (SQLite has none)."""
    if not _is_pg(engine):
        return None
    query = "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'action'"
    with engine.connect() as conn:
        return conn.execute(text(query)).scalar_one() or None


def test_migration_0006_gives_everyone_session_epoch_0_both_ways(
    tmp_path: Path, database_url: str
) -> None:
    from alembic import command

    with _fresh_database(tmp_path, database_url) as fresh:
        config = db._alembic_config(fresh)
        command.upgrade(config, "0005_delivery_fencing")
        with fresh.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO person (email, name, notify, role, active, created_at) "
                    "VALUES ('a@force.example', 'A', '', '', true, CURRENT_TIMESTAMP)"
                )
            )
        command.upgrade(config, "0006_portal_session_epoch")
        with fresh.connect() as conn:
            assert conn.execute(text("SELECT session_epoch FROM person")).scalar_one() == 0
        with Session(fresh) as session:  # a new person gets 0 too, from the model
            session.add(Person(email="b@force.example", name="B"))
            session.commit()
            assert session.exec(select(Person.session_epoch)).all() == [0, 0]
        command.downgrade(config, "0005_delivery_fencing")
        columns = {c["name"] for c in inspect(fresh).get_columns("person")}
        assert "session_epoch" not in columns and "email" in columns
        command.upgrade(config, "head")


def test_among_takes_more_values_than_a_statement_has_parameters(session: Session) -> None:
    """Planning passes 100,000s of ids or keys as one value (SQLite stops at 32,766 parameters)."""
    from sqlmodel import col

    from actions.store.bulk import among

    wanted = seed_action(session, ref="NOR-2018-AFI-01").id
    seed_action(session, ref="NOR-2018-AFI-02")
    assert wanted is not None
    many = [wanted, *range(10**6, 10**6 + 40_000)]
    found = session.exec(select(Action.id).where(among(session, col(Action.id), many))).all()
    assert found == [wanted]
    refs = session.exec(
        select(Action.ref).where(among(session, col(Action.ref), ["NOR-2018-AFI-02", "x" * 50]))
    ).all()
    assert refs == ["NOR-2018-AFI-02"]
    # A value holding the separator PostgreSQL's split uses still matches exactly.
    odd = seed_action(session, ref="NOR-2018-AFI-03")
    odd.ref = "line\nbreak"
    session.flush()
    for values in (["line\nbreak"], ["line", "break"], []):
        got = session.exec(select(Action.ref).where(among(session, col(Action.ref), values))).all()
        assert got == (["line\nbreak"] if values == ["line\nbreak"] else [])
