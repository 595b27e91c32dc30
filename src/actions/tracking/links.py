"""Signed, expiring, person-scoped links to the portal (docs/portal-security.md).

A portal token is an itsdangerous ``URLSafeTimedSerializer`` signature over the person's email and
a random nonce, keyed by ``ACTIONS_SECRET_KEY`` with a salt per purpose (so a portal token can never
be replayed as a session cookie, or the other way round). It carries its signing time, which gives
both expiry (``max_age``) and cheap revocation without a schema change: :func:`revoke_links`
writes an audit record, and any token signed before that moment is refused (:func:`is_revoked`),
as are the tokens of a person marked inactive. Rotating the secret key revokes every link at once.

A link is deliberately reusable until it expires: people open a reminder on their phone and again
at their desk. What it cannot do is replay a *form*: posting needs the CSRF token of the browser
session that the link opened (see :mod:`actions.web`).

The secret never appears in messages: every error here is one of the fixed texts below.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.errors import UserInputError
from actions.common.settings import get_settings
from actions.domain.models import AuditRecord, Person
from actions.tracking import audit
from actions.tracking.people import normalise_email

#: How long the link in a reminder stays valid (two reminder cycles of a week).
PORTAL_LINK_MAX_AGE = 14 * 24 * 3600
PORTAL_SALT = "actions.portal-link.v1"
#: The audit field whose latest record revokes a person's earlier links.
REVOKED_FIELD = "portal_links_revoked"


class InvalidToken(UserInputError):
    """A portal token that is malformed, tampered with, expired or revoked."""

    def __init__(self, message: str = "this link is not valid") -> None:
        super().__init__(message)


class ExpiredToken(InvalidToken):
    def __init__(self) -> None:
        super().__init__("this link has expired")


@dataclass(frozen=True)
class TokenClaims:
    email: str
    issued_at: datetime


def serializer(salt: str, secret_key: str | None = None) -> URLSafeTimedSerializer:
    """A serializer for one purpose (the salt), keyed by ``ACTIONS_SECRET_KEY``."""
    key = secret_key or get_settings().require_secret_key()
    return URLSafeTimedSerializer(key, salt=salt)


def make_token(email: str, *, secret_key: str | None = None) -> str:
    # The nonce makes every link distinct, so one leaked link says nothing about another.
    # "t" is the signing time to the microsecond (itsdangerous keeps whole seconds), so a
    # revocation refuses exactly the links issued before it.
    payload = {"e": normalise_email(email), "n": secrets.token_urlsafe(6), "t": time.time()}
    return serializer(PORTAL_SALT, secret_key).dumps(payload)


def portal_link(email: str, *, base_url: str | None = None) -> str:
    """The link an owner or manager gets in a reminder; valid for ``PORTAL_LINK_MAX_AGE``."""
    base = (base_url or get_settings().base_url).rstrip("/")
    return f"{base}/p/{make_token(email)}"


def read_token(
    token: str, *, max_age: int = PORTAL_LINK_MAX_AGE, salt: str = PORTAL_SALT
) -> tuple[dict[str, Any], datetime]:
    """The payload and signing time of a token, or :class:`InvalidToken`."""
    if not token or len(token) > 1000:
        raise InvalidToken()
    try:
        payload, signed_at = serializer(salt).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise ExpiredToken() from None
    except BadSignature:  # also covers bad base64/JSON: never echo the token or the key
        raise InvalidToken() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise InvalidToken()
    return payload, signed_at


def verify_claims(token: str, *, max_age: int = PORTAL_LINK_MAX_AGE) -> TokenClaims:
    payload, signed_at = read_token(token, max_age=max_age)
    precise = payload.get("t")
    if isinstance(precise, int | float) and abs(precise - signed_at.timestamp()) < 2:
        signed_at = datetime.fromtimestamp(precise, tz=UTC)
    return TokenClaims(email=payload["e"], issued_at=signed_at)


def verify_token(token: str, *, max_age: int = PORTAL_LINK_MAX_AGE) -> str:
    """The email a portal token was issued to; :class:`InvalidToken` / :class:`ExpiredToken`."""
    return verify_claims(token, max_age=max_age).email


# --------------------------------------------------------------------------- revocation


def revoked_at(session: Session, person: Person) -> datetime | None:
    """When the person's links were last revoked (None: never)."""
    assert person.id is not None
    stmt = (
        select(col(AuditRecord.at))
        .where(
            col(AuditRecord.entity) == "person",
            col(AuditRecord.entity_id) == person.id,
            col(AuditRecord.field) == REVOKED_FIELD,
        )
        .order_by(col(AuditRecord.at).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def is_revoked(session: Session, person: Person, issued_at: datetime) -> bool:
    """True when a token signed at ``issued_at`` is no longer honoured for ``person``."""
    if not person.active:
        return True
    revoked = revoked_at(session, person)
    if revoked is None:
        return False
    return _utc(issued_at) <= _utc(revoked)


def revoke_links(session: Session, person: Person, *, by: str, reason: str = "") -> datetime:
    """Refuse every link (and portal session) issued to ``person`` until now; audited."""
    assert person.id is not None
    record = audit.record(
        session,
        actor=by,
        entity="person",
        entity_id=person.id,
        field=REVOKED_FIELD,
        new=person.email,
        reason=reason or "portal links revoked",
    )
    session.flush()
    return record.at


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
