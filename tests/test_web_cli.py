"""`actions web` and `actions link` on the command line."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from actions.db import session_scope
from actions.links import InvalidToken, verify_token
from tests.cli_runner import actions
from tests.helpers import seed_people

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
    assert "8000" in result.out


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
