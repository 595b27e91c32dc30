"""The owner and reviewer portal (SPEC section 11): server-rendered pages, no JavaScript needed.

Every change goes through :func:`actions.updates.post_update` / :func:`actions.updates.review`, so
the portal enforces exactly the lifecycle rules of the command line and writes the same audit
trail. This module is only HTTP: who is asking (session cookie), is the form genuine (CSRF), is it
theirs to change, and what to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Engine, text, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions import audit
from actions.dates import LONDON, today
from actions.db import DatabaseUnavailable, get_engine, session_scope
from actions.errors import NotFoundError, UserInputError
from actions.links import InvalidToken, is_revoked, verify_claims
from actions.models import Person, Role
from actions.people import get_person
from actions.policy import load_policy
from actions.queries import get_action
from actions.settings import get_settings
from actions.updates import post_update, review
from actions.web import pages, repeats
from actions.web.forms import (
    PORTAL_STATUSES,
    UpdateForm,
    friendly,
    review_fields,
    to_request,
)
from actions.web.security import (
    SESSION_MAX_AGE,
    FailureLimiter,
    LimitBody,
    PortalSession,
    SecurityHeaders,
    TooManyFailures,
    cookie_name,
    csrf_ok,
    decode_session,
    encode_session,
    install_log_redaction,
    new_session,
    too_many_failures_response,
)

REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,59}$")

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "blocked": "Blocked",
    "completed": "Completed — awaiting review",
    "closed": "Closed",
    "superseded": "Superseded",
    "not_accepted": "Not accepted",
}
RAG_LABELS = {
    "red": ("Red", "overdue or blocked"),
    "amber": ("Amber", "due soon or needs an update"),
    "green": ("Green", "on track"),
    "": ("—", "not rated"),
}
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


class Forbidden(Exception):
    """A 403 with a plain explanation (never a stack trace)."""

    def __init__(self, message: str, title: str = "Access denied") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


@dataclass(frozen=True)
class Portal:
    """What every request needs: where the data is, how to render, how to set cookies."""

    engine: Engine
    templates: jinja2.Environment
    secure: bool
    #: Failed link and CSRF attempts per client address (429 once an address has used them up).
    limiter: FailureLimiter

    @property
    def cookie(self) -> str:
        return cookie_name(self.secure)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)


def templates_dir() -> Path:
    """``web/`` under the one templates root (see :func:`actions.templating.templates_root`)."""
    from actions.templating import templates_root

    return templates_root() / "web"


@lru_cache(maxsize=4)
def make_templates(directory: Path) -> jinja2.Environment:
    """One environment per directory and process: templates compile once (and reload on edit)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,  # everything, always: people's text is shown back to other people
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["when"] = _when
    env.tests["http_url"] = _is_http_url
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS, RAG_LABELS=RAG_LABELS, PORTAL_STATUSES=PORTAL_STATUSES
    )
    return env


def _is_http_url(value: object) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def _day(value: date | str | None) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%b %Y}"


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y, %H:%M}"


def create_app(database_url: str | None = None) -> FastAPI:
    """The portal app; refuses to build without ``ACTIONS_SECRET_KEY``."""
    settings = get_settings()
    settings.require_secret_key()
    limits = load_policy().portal
    portal = Portal(
        engine=get_engine(database_url),
        templates=make_templates(templates_dir()),
        secure=settings.base_url.startswith("https://"),
        limiter=FailureLimiter(limits.max_failed_attempts, limits.failed_attempts_window_seconds),
    )
    app = FastAPI(
        title="Inspection actions portal", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.portal = portal
    _add_error_handlers(app, portal)
    _add_routes(app, portal)
    app.add_middleware(LimitBody)
    app.add_middleware(SecurityHeaders)  # outermost: also covers 413 and error pages
    install_log_redaction()
    return app


# --------------------------------------------------------------------------- errors


def _add_error_handlers(app: FastAPI, portal: Portal) -> None:
    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> Response:
        return portal.render("error.html", 403, title=exc.title, message=exc.message)

    @app.exception_handler(TooManyFailures)
    async def too_many(_: Request, exc: TooManyFailures) -> Response:
        return too_many_failures_response(exc.retry_after)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        title, message = _http_message(exc.status_code)
        return portal.render("error.html", exc.status_code, title=title, message=message)

    @app.exception_handler(DatabaseUnavailable)
    @app.exception_handler(OperationalError)
    async def busy(_: Request, __: Exception) -> Response:
        # A locked SQLite file, a lock timeout, a server restarting: nothing was written (the
        # unit of work rolled back), so "try again" is the truthful answer, never a 500.
        response = portal.render(
            "error.html",
            503,
            title="Busy: please try again",
            message="The action tracker is busy right now. Nothing was saved: go back, wait a "
            "minute and send the form again.",
        )
        response.headers["Retry-After"] = "60"
        return response

    @app.exception_handler(Exception)
    async def crash(_: Request, __: Exception) -> Response:  # never a stack trace to the user
        return _crash_page(portal)


def _crash_page(portal: Portal) -> Response:
    return portal.render(
        "error.html",
        500,
        title="Something went wrong",
        message="Something went wrong on our side. Nothing was saved; please try again later.",
    )


def _http_message(status: int) -> tuple[str, str]:
    if status == 404:
        return "Page not found", "There is no page at this address."
    if status == 405:
        return "Not allowed", "This page cannot be used that way."
    return "Request not accepted", "The request could not be read. Please go back and try again."


# --------------------------------------------------------------------------- who is asking


def _current(request: Request, portal: Portal, session: Session) -> tuple[PortalSession, Person]:
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


async def _form(request: Request, state: PortalSession) -> FormData:
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


def _checked_ref(ref: str) -> str:
    if not REF_RE.match(ref):
        raise StarletteHTTPException(404)
    return ref.upper()


# --------------------------------------------------------------------------- routes


def _add_routes(app: FastAPI, portal: Portal) -> None:
    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with portal.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # the reason may name hosts or users: ops read it in the server log
            return JSONResponse({"status": "error", "database": "error"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/static/portal.css")
    def stylesheet() -> FileResponse:
        return FileResponse(
            templates_dir() / "portal.css",
            media_type="text/css",
            headers={"cache-control": "public, max-age=3600"},
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        if decode_session(request.cookies.get(portal.cookie)):
            return RedirectResponse("/me", status_code=303)
        return portal.render("error.html", 200, title="Inspection actions", message=NO_SESSION)

    @app.get("/p/{token}")
    def open_link(request: Request, token: str) -> Response:
        return _open_link(portal, token, client_address(request))

    @app.get("/me", response_class=HTMLResponse)
    def me(request: Request, saved: str = "", reviewed: str = "", repeat: str = "") -> Response:
        with portal.session() as session:
            state, person = _current(request, portal, session)
            flash = _flash(saved, reviewed, repeat)
            return _render_me(portal, session, state, person, flash=flash)

    # The POST handlers read the form on the event loop (async) and do their database work in
    # the thread pool: a slow or locked database then holds one worker thread, never the loop
    # that answers every other request (a locked SQLite file froze the portal for 30 s).
    @app.post("/me/actions/{ref}")
    async def update_action(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(_signed_in, request, portal)
        form = await _form(request, state)
        return await run_in_threadpool(_update, portal, _checked_ref(ref), state, person, form)

    @app.post("/review/{ref}")
    async def review_action(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(_signed_in, request, portal)
        form = await _form(request, state)
        return await run_in_threadpool(_review, portal, _checked_ref(ref), state, person, form)

    @app.post("/repeats/{ref}")
    async def repeat_decision(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(_signed_in, request, portal)
        form = await _form(request, state)
        return await run_in_threadpool(
            _decide_repeat, portal, _checked_ref(ref), state, person, form
        )

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        state, person = await run_in_threadpool(_signed_in, request, portal)
        await _form(request, state)
        await run_in_threadpool(_sign_out, portal, person)
        response = portal.render("error.html", 200, title="Signed out", message=SIGNED_OUT)
        response.delete_cookie(portal.cookie, path="/", secure=portal.secure, httponly=True)
        return response


def _open_link(portal: Portal, token: str, address: str) -> Response:
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


def _flash(saved: str, reviewed: str, repeat: str = "") -> str:
    # Only refs are echoed, so a crafted URL cannot put arbitrary words on the page.
    if saved and REF_RE.match(saved):
        return f"Saved your update on {saved.upper()}."
    if reviewed and REF_RE.match(reviewed):
        return f"Recorded your decision on {reviewed.upper()}."
    if repeat and REF_RE.match(repeat):
        return f"Recorded your decision on whether {repeat.upper()} repeats an earlier finding."
    return ""


def _render_me(
    portal: Portal,
    session: Session,
    state: PortalSession,
    person: Person,
    *,
    status: int = 200,
    flash: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, UpdateForm] | None = None,
    review_errors: dict[str, str] | None = None,
    review_notes: dict[str, str] | None = None,
    repeat_error: str = "",
) -> HTMLResponse:
    as_of = today()
    rules = load_policy().rag_rules()
    team = pages.team_of(session, person)
    cards = pages.my_actions(session, person, as_of, rules)
    to_review = pages.to_review(session, person, team, as_of, rules) if team.reviews else []
    errors, review_errors = errors or {}, review_errors or {}
    # A message about an action that has no form on the page (e.g. reviewing one's own action)
    # is shown at the top instead of being lost.
    with_form = {c.view.ref for c in cards if c.editable}
    reviewable = {c.view.ref for c in to_review}
    loose = [(r, m) for r, m in errors.items() if r not in with_form]
    loose += [(r, m) for r, m in review_errors.items() if r not in reviewable]
    suggestions, links = repeats.for_sro(session, person)
    return portal.render(
        "me.html",
        status,
        person=person,
        csrf=state.csrf,
        as_of=as_of,
        flash=flash,
        cards=cards,
        reviewer=team.reviews,
        everyone=team.everyone,
        to_review=to_review,
        overdue=pages.team_overdue(session, person, team, as_of, rules) if team.reviews else [],
        errors=errors,
        values=values or {},
        review_errors=review_errors,
        review_notes=review_notes or {},
        loose_errors=loose,
        suggestions=suggestions,
        links=links,
        repeat_error=repeat_error,
    )


def _signed_in(request: Request, portal: Portal) -> tuple[PortalSession, Person]:
    """For the form handlers: who is posting; an address out of failed attempts gets 429 first
    (even with the right CSRF token, which it might have guessed)."""
    portal.limiter.check(client_address(request))
    with portal.session() as session:
        return _current(request, portal, session)


def _sign_out(portal: Portal, person: Person) -> None:
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


def _update(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    with portal.session() as session:
        action = _owned_action(session, ref, person)
        typed = UpdateForm()
        try:
            typed = UpdateForm.from_fields(form)
            update = to_request(
                typed, current_status=action.status, current_progress=action.progress
            )
            post_update(session, ref, update, by=person.email, via="portal")
        except UserInputError as exc:  # rule messages go back next to the form, input kept
            session.rollback()
            return _render_me(
                portal,
                session,
                state,
                person,
                status=422,
                errors={ref: friendly(exc.message, ref)},
                values={ref: typed},
            )
    return RedirectResponse(f"/me?saved={quote(ref)}#action-{quote(ref)}", status_code=303)


def _owned_action(session: Session, ref: str, person: Person) -> Any:
    try:
        action = get_action(session, ref)
    except NotFoundError:
        raise StarletteHTTPException(404) from None
    if action.owner_id != person.id:
        raise Forbidden(
            f"{ref} is not one of your actions, so you cannot update it. "
            "If it should be yours, ask the action team to reassign it."
        )
    return action


def _review(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    with portal.session() as session:
        try:
            action = get_action(session, ref)
        except NotFoundError:
            raise StarletteHTTPException(404) from None
        if not pages.may_review(session, person, action):
            raise Forbidden(
                f"You cannot review {ref}: reviews are for the owner's manager or the senior "
                "responsible owner."
            )
        note = form.get("note")
        try:
            accept, clean_note = review_fields(form)
            review(session, ref, accept=accept, by=person.email, note=clean_note)
        except UserInputError as exc:
            session.rollback()
            return _render_me(
                portal,
                session,
                state,
                person,
                status=422,
                review_errors={ref: friendly(exc.message, ref)},
                review_notes={ref: note if isinstance(note, str) else ""},
            )
    return RedirectResponse(f"/me?reviewed={quote(ref)}#review-{quote(ref)}", status_code=303)


def _decide_repeat(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    if person.role != Role.SRO:
        raise Forbidden(
            "Only the senior responsible owner decides whether a finding repeats an earlier one."
        )
    with portal.session() as session:
        try:
            repeats.decide(session, ref, person, dict(form))
        except NotFoundError:
            raise StarletteHTTPException(404) from None
        except UserInputError as exc:
            session.rollback()
            return _render_me(
                portal,
                session,
                state,
                person,
                status=422,
                repeat_error=f"{ref}: {friendly(exc.message, ref)}",
            )
    return RedirectResponse(f"/me?repeat={quote(ref)}#repeats", status_code=303)


__all__ = ["create_app"]
