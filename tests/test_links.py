"""Portal links: signed, person-scoped, expiring, revocable, and silent about the secret."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.engine import Engine

from actions.common.errors import ConfigError
from actions.common.settings import reset_settings
from actions.store.db import session_scope
from actions.tracking.links import (
    PORTAL_LINK_MAX_AGE,
    PORTAL_SALT,
    ExpiredToken,
    InvalidToken,
    is_revoked,
    portal_link,
    revoke_links,
    verify_claims,
    verify_token,
)
from actions.tracking.people import get_person
from actions.web.security import SESSION_SALT
from tests.support.helpers import seed_people

SECRET = "links-test-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", SECRET)
    reset_settings()


def token_of(link: str) -> str:
    return link.rsplit("/p/", 1)[1]


def signed_ago(seconds: int, payload: object, *, salt: str = PORTAL_SALT) -> str:
    """A genuine token whose signature is ``seconds`` old (itsdangerous reads the clock here)."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    return URLSafeTimedSerializer(SECRET, salt=salt, signer=PastSigner).dumps(payload)


def test_link_round_trip_gives_the_persons_email() -> None:
    link = portal_link(" Owner@Force.Example ")
    assert link.startswith("http://127.0.0.1:8000/p/")
    assert verify_token(token_of(link)) == "owner@force.example"


def test_base_url_from_settings_or_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_BASE_URL", "https://actions.force.example/")
    reset_settings()
    assert portal_link("a@b.example").startswith("https://actions.force.example/p/")
    assert portal_link("a@b.example", base_url="http://x.example/").startswith(
        "http://x.example/p/"
    )


def test_every_link_is_distinct() -> None:
    assert portal_link("a@b.example") != portal_link("a@b.example")


def test_tampered_token_is_refused() -> None:
    token = token_of(portal_link("owner@force.example"))
    payload, rest = token.split(".", 1)
    forged = URLSafeTimedSerializer("guessed", salt=PORTAL_SALT).dumps({"e": "sro@force.example"})
    for bad in (
        # The first character: all its bits count (the last one's may be base64 padding,
        # which decodes to the same bytes: that made this test fail once in a while).
        ("A" if payload[0] != "A" else "B") + payload[1:] + "." + rest,
        token[:-2] + ("xx" if not token.endswith("xx") else "yy"),
        forged,
        "",
        "not-a-token",
        "x" * 5000,
    ):
        with pytest.raises(InvalidToken):
            verify_token(bad)


def test_expired_token_is_refused_with_its_own_error() -> None:
    token = signed_ago(PORTAL_LINK_MAX_AGE + 60, {"e": "owner@force.example", "n": "x"})
    with pytest.raises(ExpiredToken, match="expired"):
        verify_token(token)
    fresh = signed_ago(PORTAL_LINK_MAX_AGE - 60, {"e": "owner@force.example", "n": "x"})
    assert verify_token(fresh) == "owner@force.example"
    with pytest.raises(ExpiredToken):
        verify_token(fresh, max_age=30)


def test_a_session_cookie_is_not_a_link() -> None:
    # Salts separate purposes: the same key signs both, neither is accepted as the other.
    cookie = URLSafeTimedSerializer(SECRET, salt=SESSION_SALT).dumps({"e": "owner@force.example"})
    with pytest.raises(InvalidToken):
        verify_token(cookie)


def test_another_key_refuses_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    token = token_of(portal_link("owner@force.example"))
    monkeypatch.setenv("ACTIONS_SECRET_KEY", "rotated-secret-key-987654-abcdefghij")
    reset_settings()
    with pytest.raises(InvalidToken):
        verify_token(token)


def test_errors_never_carry_the_secret_or_the_token() -> None:
    token = token_of(portal_link("owner@force.example"))
    for bad in (token + "x", signed_ago(PORTAL_LINK_MAX_AGE + 5, {"e": "a@b.example"})):
        with pytest.raises(InvalidToken) as caught:
            verify_token(bad)
        text = f"{caught.value} {caught.value!r} {caught.value.__cause__!r}"
        assert SECRET not in text and bad not in text
        assert caught.value.__cause__ is None  # `from None`: no itsdangerous detail chained


def test_payload_without_email_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify_token(signed_ago(0, ["owner@force.example"]))


def test_links_need_the_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACTIONS_SECRET_KEY")
    reset_settings()
    with pytest.raises(ConfigError, match="ACTIONS_SECRET_KEY"):
        portal_link("owner@force.example")


def test_revocation_refuses_links_issued_before_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed_people(session)
    before = verify_claims(token_of(portal_link("owner@force.example")))
    with session_scope(engine) as session:
        owner = get_person(session, "owner@force.example")
        assert not is_revoked(session, owner, before.issued_at)
        revoke_links(session, owner, by="ops@force.example", reason="phone lost")
    after = verify_claims(token_of(portal_link("owner@force.example")))
    with session_scope(engine) as session:
        owner = get_person(session, "owner@force.example")
        other = get_person(session, "other@force.example")
        assert is_revoked(session, owner, before.issued_at)
        assert not is_revoked(session, owner, after.issued_at)
        assert not is_revoked(session, other, before.issued_at)  # per person
        owner.active = False  # leaving the organisation revokes everything
        assert is_revoked(session, owner, after.issued_at + timedelta(days=1))
