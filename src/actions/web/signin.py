"""Who is asking: a link swapped for a session cookie, the signed-in person behind a request,
forms that pass the CSRF check, and signing out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import update
from sqlmodel import Session, col
from starlette.datastructures import FormData

from actions.common.errors import UserInputError
from actions.domain.models import Person
from actions.tracking import audit
from actions.tracking.links import InvalidToken, is_revoked, verify_claims
from actions.tracking.people import get_person
from actions.web.errors import Forbidden
from actions.web.security import (
    SESSION_MAX_AGE,
    PortalSession,
    csrf_ok,
    decode_session,
    encode_session,
    new_session,
)

if TYPE_CHECKING:
    from actions.web.app import Portal

NO_SESSION_TITLE = "Please open your link again"
BAD_LINK_TITLE = "This link cannot be used"
NO_SESSION = (
    "Your session has ended or this page was opened without a link. "
    "Open the link in your latest reminder email to continue."
)
SIGNED_OUT = (
    "You are signed out of the portal, in this browser and on every other device where you "
    "had opened it. To come back, open the link in your latest reminder email."
)
BAD_LINK = (
    "This link is not valid. It may have expired, been mistyped or replaced by a newer one. "
    "Use the link in your latest reminder email, or ask the action team for a new one."
)


def current(request: Request, portal: Portal, session: Session) -> tuple[PortalSession, Person]:
    """The signed-in person, or :class:`Forbidden`."""
    state = decode_session(request.cookies.get(portal.cookie))
    if state is None:
        raise Forbidden(NO_SESSION, NO_SESSION_TITLE)
    try:
        person = get_person(session, state.email)
    except UserInputError:
        raise Forbidden(NO_SESSION, NO_SESSION_TITLE) from None
    if is_revoked(session, person, state.link_issued_at):
        raise Forbidden(NO_SESSION, NO_SESSION_TITLE)
    if state.epoch != person.session_epoch:  # signed out since (here or in another browser)
        raise Forbidden(NO_SESSION, NO_SESSION_TITLE)
    return state, person


def client_address(request: Request) -> str:
    """Who failed an attempt: the socket peer, or the address a trusted proxy forwarded.

    uvicorn puts the ``X-Forwarded-For`` address in ``scope["client"]`` only when the peer is
    in ``FORWARDED_ALLOW_IPS`` (default: loopback, a proxy on the same machine).
    """
    return request.client.host if request.client else "unknown"


async def posted_form(request: Request, state: PortalSession) -> FormData:
    """The posted form, after the CSRF check (a mismatch is 403, nothing is read further, and
    it counts as a failed attempt of the client's address)."""
    form = await request.form(max_files=0, max_fields=20)
    if not csrf_ok(state, form.get("csrf")):
        portal: Portal = request.app.state.portal
        portal.limiter.failed(client_address(request))
        raise Forbidden(
            "This form has expired or did not come from this page. "
            "Nothing was saved: go back to your actions page, reload it and try again."
        )
    return form


def open_link(portal: Portal, token: str, address: str) -> Response:
    """Swap a link for a session cookie and redirect, so the token leaves the address bar.

    An address that has used up its failed attempts gets 429 before the token is even read
    (so a good token guessed then tells nothing); every refused link counts as a failure.
    """
    portal.limiter.check(address)
    try:
        person, link_issued_at = _link_holder(portal, token)
    except Forbidden:
        portal.limiter.failed(address)
        raise
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie(
        portal.cookie,
        encode_session(new_session(person.email, link_issued_at, person.session_epoch)),
        max_age=SESSION_MAX_AGE,
        path="/",
        secure=portal.secure,
        httponly=True,
        samesite="lax",
    )
    return response


def _link_holder(portal: Portal, token: str) -> tuple[Person, datetime]:
    """Whose link this is and when it was signed, or :class:`Forbidden`."""
    try:
        claims = verify_claims(token)
    except InvalidToken:
        raise Forbidden(BAD_LINK, BAD_LINK_TITLE) from None
    with portal.session() as session:
        try:
            person = get_person(session, claims.email)
        except UserInputError:  # someone removed from the directory: same answer as a bad link
            raise Forbidden(BAD_LINK, BAD_LINK_TITLE) from None
        if is_revoked(session, person, claims.issued_at):
            raise Forbidden(BAD_LINK, BAD_LINK_TITLE)
    return person, claims.issued_at


def signed_in(request: Request, portal: Portal) -> tuple[PortalSession, Person]:
    """For the form handlers: who is posting; an address out of failed attempts gets 429 first
    (even with the right CSRF token, which it might have guessed)."""
    portal.limiter.check(client_address(request))
    with portal.session() as session:
        return current(request, portal, session)


def sign_out(portal: Portal, person: Person) -> None:
    """End every portal session of ``person``: their cookies carry the old epoch (audited)."""
    assert person.id is not None
    with portal.session() as session:
        raised = (
            update(Person)
            .where(col(Person.id) == person.id)
            .values(session_epoch=col(Person.session_epoch) + 1)
            .returning(col(Person.session_epoch))
        )
        epoch = session.execute(raised).scalar_one()
        audit.record(
            session,
            actor=person.email,
            entity="person",
            entity_id=person.id,
            field="session_epoch",
            old=epoch - 1,
            new=epoch,
            reason="signed out of the portal (every session of theirs ended)",
        )
