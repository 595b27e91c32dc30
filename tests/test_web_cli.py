"""`actions web` and `actions link` on the command line."""

from __future__ import annotations

import selectors
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from actions.common.settings import reset_settings
from actions.store.db import session_scope
from actions.tracking.links import InvalidToken, verify_token
from tests.support.cli_runner import actions
from tests.support.helpers import seed_people
from tests.support.servers import PortalProcess, portal_process

SECRET = "cli-test-secret-0123456789abcdefgh"


@pytest.fixture
def people(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", SECRET)
    with session_scope(engine) as session:
        seed_people(session)


def test_web_refuses_to_start_without_a_secret(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    result = actions(capsys, "web", "--port", "8765")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: ACTIONS_SECRET_KEY is not set (it signs the links in emails)"
    ]


def test_web_help_shows_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    result = actions(capsys, "web", "--help")
    assert result.code == 0 and "--host" in result.out and "127.0.0.1" in result.out
    assert "8000" in result.out and "--header-timeout" in result.out


def test_link_prints_a_working_link(capsys: pytest.CaptureFixture[str], people: None) -> None:
    result = actions(capsys, "link", "Owner@Force.Example")
    assert result.code == 0
    link = result.out.strip()
    assert link.startswith("http://127.0.0.1:8000/p/") and "\n" not in link
    assert verify_token(link.rsplit("/", 1)[1]) == "owner@force.example"
    assert SECRET not in result.out + result.err
    data = actions(capsys, "link", "owner@force.example", "--json").json()
    assert data["email"] == "owner@force.example" and data["valid_days"] == 14


def test_link_for_an_unknown_person_is_a_user_error(
    capsys: pytest.CaptureFixture[str], people: None
) -> None:
    result = actions(capsys, "link", "nobody@force.example")
    assert result.code == 2 and "unknown person" in result.err


def test_link_revoke_refuses_earlier_links(
    capsys: pytest.CaptureFixture[str], people: None
) -> None:
    old = actions(capsys, "link", "owner@force.example").out.strip()
    assert actions(capsys, "link", "owner@force.example", "--revoke").code == 0
    from fastapi.testclient import TestClient

    from actions.web import create_app

    client = TestClient(create_app())
    assert client.get(old.split("8000", 1)[1], follow_redirects=False).status_code == 403
    new = actions(capsys, "link", "owner@force.example").out.strip()
    assert client.get(new.split("8000", 1)[1], follow_redirects=False).status_code == 303
    with pytest.raises(InvalidToken):
        verify_token(old + "tampered")


# --------------------------------------------------------------------------- idle sockets

HEADER_TIMEOUT = 2.0
OPEN_FILES = 256  # the process's limit: ~1,000 idle sockets did this to the usual 1,024


@pytest.fixture
def portal(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PortalProcess]:
    path = tmp_path / "portal.db"
    shutil.copy(sqlite_template, path)
    monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("ACTIONS_SECRET_KEY", SECRET)
    reset_settings()
    with portal_process(
        tmp_path / "web.log",
        "--header-timeout",
        str(HEADER_TIMEOUT),
        open_files=OPEN_FILES,
    ) as running:
        yield running


def closed_by_server(sockets: list[socket.socket], within: float) -> list[socket.socket]:
    """Wait up to ``within`` seconds for the server to close ``sockets``; those it closed."""
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    closed: list[socket.socket] = []
    deadline = time.monotonic() + within
    while len(closed) < len(sockets) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                data = b""
            assert data == b"", f"the server answered an incomplete request: {data[:80]!r}"
            selector.unregister(sock)
            closed.append(sock)
    selector.close()
    return closed


def read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"closed before a whole response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "closed before a whole response"
        body += chunk
    return head


@pytest.mark.slow
def test_idle_sockets_do_not_hold_the_portal(portal: PortalProcess) -> None:
    """Issue 17, item 12: 300 sockets that send nothing or half a request line (more than the
    process has files for) do not hold /healthz, and are closed when the head is late."""
    sockets = []
    for n in range(300):
        sock = socket.create_connection(("127.0.0.1", portal.port))
        if n % 2:
            sock.sendall(b"GET /healthz HTT")
        sockets.append(sock)
    try:
        started = time.monotonic()
        response = httpx.get(f"{portal.url}/healthz", timeout=10)
        answered_in = time.monotonic() - started
        assert response.status_code == 200 and answered_in < 1.0, answered_in
        closed = closed_by_server(sockets, within=HEADER_TIMEOUT + 3)
        assert len(closed) == len(sockets)
        assert httpx.get(f"{portal.url}/healthz", timeout=10).status_code == 200
    finally:
        for sock in sockets:
            sock.close()
    log = portal.log.read_text()
    assert "Too many open files" not in log and "Traceback" not in log


@pytest.mark.slow
def test_a_trickled_request_head_is_closed_at_the_deadline(portal: PortalProcess) -> None:
    """Bytes sent one header at a time do not extend the deadline (slowloris)."""
    with socket.create_connection(("127.0.0.1", portal.port)) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed_after = None
        while time.monotonic() - started < HEADER_TIMEOUT + 4:
            try:
                slow.sendall(b"X-Slow: 1\r\n")
            except OSError:  # reset: the server has closed it
                closed_after = time.monotonic() - started
                break
            if closed_by_server([slow], within=0.25):
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None and HEADER_TIMEOUT - 0.5 < closed_after < HEADER_TIMEOUT + 2


@pytest.mark.slow
def test_kept_alive_connections_still_work_and_get_the_deadline_too(portal: PortalProcess) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", portal.port)) as sock:
        sock.settimeout(10)
        sock.sendall(request)
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(HEADER_TIMEOUT / 2)  # idle between requests, within the keep-alive time
        sock.sendall(request)
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next head, never finished
        started = time.monotonic()
        assert closed_by_server([sock], within=HEADER_TIMEOUT + 3) == [sock]
        assert time.monotonic() - started < HEADER_TIMEOUT + 1.5
