"""A small organisation with actions around one deadline, and mail going to real servers on
loopback; shared by the chasing and the flow tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from actions.common.settings import reset_settings
from actions.store.db import session_scope
from tests.support.helpers import seed_action, seed_people
from tests.support.servers import HttpSink, SmtpSink, http_fixture, smtp_fixture

MONDAY = date(2027, 3, 1)
DEADLINE = date(2027, 3, 15)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_fixture()


@pytest.fixture
def http() -> Iterator[HttpSink]:
    yield from http_fixture()


@pytest.fixture
def world(engine: Engine, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """sro ← manager ← owner/other; three open actions; email through the SMTP sink."""
    monkeypatch.setenv("ACTIONS_SECRET_KEY", "test-secret-key-for-links-0123456789")
    monkeypatch.setenv("ACTIONS_EMAIL_URL", smtp.url())
    reset_settings()
    with session_scope(engine) as session:
        people = seed_people(session)
        first = seed_action(
            session, owner=people["owner"], ref="NOR-2018-AFI-01", deadline=DEADLINE
        )
        seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-02", deadline=DEADLINE)
        seed_action(
            session, owner=people["other"], ref="NOR-2018-AFI-03", deadline=date(2027, 6, 30)
        )
        # created long ago would trigger update requests; make them recent
        session.execute(
            text("UPDATE action SET created_at = :t"),
            {
                "t": "2027-02-20 09:00:00"
                if engine.dialect.name == "sqlite"
                else "2027-02-20 09:00:00+00"
            },
        )
    return {"engine": engine, "smtp": smtp, "first_id": first.id}
