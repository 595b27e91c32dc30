"""Issues 5 and 9: delivery when things break. The SMTP server is down for a while; the database
drops its connections mid-run; the database file is read-only or the disk is full."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actions.common.settings import reset_settings
from actions.domain.models import Message
from actions.messaging.delivery import deliver
from actions.store import db
from tests.support.cli_runner import actions
from tests.support.outbox_load import (
    assert_delivered,
    deliverer_env,
    lease_policy,
    seed_messages,
    spawn_deliverer,
    start_sink,
    states,
    wait_for,
    wait_for_leases,
)
from tests.support.servers import free_port
from tests.support.worlds import MONDAY

PASSWORD = "s3cret-smtp-pass"


def _use(monkeypatch: pytest.MonkeyPatch, email_url: str, policy: Path) -> None:
    monkeypatch.setenv("ACTIONS_EMAIL_URL", email_url)
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    reset_settings()


def _rows(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.execute(select(Message)).scalars())


def test_smtp_down_then_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_messages(engine, 20, recipients=5)
    port = free_port()  # nothing listens there yet
    _use(
        monkeypatch,
        f"mailto://tracker:{PASSWORD}@127.0.0.1:{port}?from=tracker@force.example",
        lease_policy(tmp_path, backoff_seconds=1),
    )
    started = datetime.now(UTC)

    down = deliver()

    assert (down.sent, down.failed, down.gave_up) == (0, 20, 0)
    for row in _rows(engine):
        assert (row.state, row.attempts, row.lease_owner) == ("pending", 1, None)
        assert row.next_attempt_at > started
        assert "cannot connect" in row.last_error and PASSWORD not in row.last_error
    sink, controller = start_sink(port)  # the server is back, on the same port
    # aiosmtpd offers no AUTH without TLS: from here on the same server, without credentials
    _use(monkeypatch, sink.url(), lease_policy(tmp_path, backoff_seconds=1))
    try:
        assert deliver().sent == 0, "a message was retried before its backoff"
        time.sleep(1.1)  # first backoff: 1 s
        back = deliver()
    finally:
        controller.stop()
    assert (back.sent, back.failed) == (20, 0)
    assert {(r.state, r.attempts, r.last_error) for r in _rows(engine)} == {("sent", 2, "")}
    assert_delivered(sink.seen, ids, max_twice=0)


def _terminate_others(url: str) -> int:
    """End every other session on the deliverer's database, as an administrator would."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    return int(ended)


def test_database_connections_dropped_mid_run(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no server connection to drop (a file, opened in-process)")
    ids = seed_messages(engine, 600)
    sink, controller = start_sink(free_port())
    try:
        env = deliverer_env(database_url, sink.url(), lease_policy(tmp_path))
        process = spawn_deliverer(env)
        for mark in (100, 250, 400):  # three drops at different points of the run
            wait_for(lambda m=mark: sink.received >= m, timeout=60)  # type: ignore[misc]
            assert _terminate_others(database_url) >= 1
        _, errors = process.communicate(timeout=60)
        assert process.returncode == 0, errors[-2000:]
        if states(engine).get("sending"):  # a claim dropped mid-commit: back after its lease
            wait_for_leases(engine)
            finish = spawn_deliverer(env)
            finish.communicate(timeout=60)
    finally:
        controller.stop()
    rows = _rows(engine)
    assert {r.state for r in rows} == {"sent"}
    assert all(r.sent_at is not None and r.lease_owner is None for r in rows)
    assert_delivered(sink.seen, ids, max_twice=3)  # at most the one in flight per drop


@contextmanager
def _immutable(path: Path) -> Iterator[None]:
    """Read-only even for root (plain chmod is not): the file system's immutable flag."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot make a file immutable here (chattr +i needs root and ext4/tmpfs)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def _full_disk(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode:
        pytest.skip("cannot mount a tiny tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _one_clean_line(result: Any, *expected: str) -> None:
    assert result.code != 0
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: cannot use the database at ")
    assert any(word in lines[0] for word in expected), lines[0]
    assert "Traceback" not in result.err + result.out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_chase_on_a_read_only_database(
    world: dict[str, Any], database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db.reset_engines()  # closing the last connection folds the WAL into the file
    path = Path(database_url.removeprefix("sqlite:///"))
    with _immutable(path):
        result = actions(capsys, "chase", "--as-of", MONDAY.isoformat())
    _one_clean_line(result, "readonly", "read-only")
    assert world["smtp"].messages == []


def test_init_on_a_read_only_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{path}")
    with _immutable(path):
        result = actions(capsys, "init")
    _one_clean_line(result, "readonly", "read-only")


def test_init_on_a_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _full_disk(tmp_path / "full") as folder:
        monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{folder / 'actions.db'}")
        try:
            result = actions(capsys, "init")
        finally:
            db.reset_engines()
    _one_clean_line(result, "full")
