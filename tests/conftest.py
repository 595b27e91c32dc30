"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``ACTIONS_TEST_POSTGRES_URL`` (default: the local server on 127.0.0.1:5432,
database ``test``). If it cannot be reached the run fails: a green run must mean both databases
were tested. ``ACTIONS_TEST_POSTGRES_URL=none`` opts out explicitly (SQLite only).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from actions.common.settings import reset_settings
from actions.store import db
from tests.support.helpers import truncate_all

# Property tests explore new random cases on developers' machines; CI (which sets CI=true)
# replays a fixed sequence, so a landing never depends on which cases a run happened to draw.
# A failure found locally is a bug to fix and to pin with a plain test.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: Fixtures shared by several test modules (the chasing world, its SMTP and HTTP servers, the
#: counting SMTP sink of the delivery tests).
pytest_plugins = ["tests.support.worlds", "tests.support.outbox_load"]

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_ADMIN_URL = os.environ.get("ACTIONS_TEST_POSTGRES_URL", DEFAULT_PG)
PG_ENABLED = PG_ADMIN_URL.lower() not in {"", "none", "off"}
BACKENDS = ["sqlite", "postgresql"] if PG_ENABLED else ["sqlite"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """End-to-end tests (a real Prefect server or browser) are slow too: `-m "not slow"` is the
    quick loop for developers; the README's command and CI run everything."""
    for item in items:
        uses_server = "prefect_server" in getattr(item, "fixturenames", ())
        if uses_server or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many bad-input cases each entry point tried, by exit code or HTTP status (when the
    campaign in tests/test_bad_input.py ran)."""
    module = sys.modules.get("tests.test_bad_input")
    cases = getattr(module, "CASES", None)
    if not cases:
        return
    write = terminalreporter.write_line
    terminalreporter.section("bad-input cases tried per entry point (by exit code / HTTP status)")
    for entry, outcomes in sorted(cases.items()):
        detail = ", ".join(f"{code}: {n}" for code, n in sorted(outcomes.items()))
        write(f"  {entry:14} {sum(outcomes.values()):4}  ({detail})")
    write(f"  {'total':14} {sum(sum(o.values()) for o in cases.values()):4}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.support.prefect_env import stop_prefect

    stop_prefect()


@pytest.fixture(scope="session")
def prefect_server() -> None:
    """The session's temporary Prefect server (for tests that run flows directly)."""
    from tests.support.prefect_env import ensure_prefect

    ensure_prefect()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's settings, policy file or working directory."""
    for key in list(os.environ):
        if key.startswith("ACTIONS_") and key != "ACTIONS_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    # Commands run in-process unless a test points them at a Prefect server on purpose.
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(tmp_path / "no-prefect-profiles.toml"))
    monkeypatch.chdir(tmp_path)
    reset_settings()
    yield
    reset_settings()
    db.reset_engines()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of its own for this test session, migrated once."""
    if not PG_ENABLED:
        pytest.skip("PostgreSQL disabled with ACTIONS_TEST_POSTGRES_URL=none")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"actions_pytest_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(
            f"PostgreSQL expected at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)}"
            f" but unreachable ({type(exc).__name__}); set ACTIONS_TEST_POSTGRES_URL=none to "
            "run on SQLite only",
            pytrace=False,
        )
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    db.migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """An empty, migrated database; ACTIONS_DATABASE_URL points at it."""
    if request.param == "sqlite":
        path = tmp_path / "actions.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_url")
        truncate_all(db.get_engine(url))
    monkeypatch.setenv("ACTIONS_DATABASE_URL", url)
    reset_settings()
    return url


@pytest.fixture
def engine(database_url: str) -> Engine:
    return db.get_engine(database_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[object]:
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as s:
        yield s
