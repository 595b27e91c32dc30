"""The portal over HTTP (docs/lifecycle.md, docs/portal-security.md): sessions, CSRF, ownership,
reviews, escaping.

Every test drives the real app (FastAPI TestClient) against a real database, on SQLite and on
PostgreSQL; nothing is mocked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.common.dates import today
from actions.common.settings import reset_settings
from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Action, ActionUpdate, AuditRecord, Person, Status
from actions.store.db import session_scope
from actions.tracking.history import audit_trail
from actions.tracking.links import PORTAL_LINK_MAX_AGE, PORTAL_SALT, portal_link, revoke_links
from actions.tracking.people import get_person
from actions.tracking.updates import post_update
from actions.web import create_app
from actions.web.security import MAX_BODY_BYTES, RedactPortalTokens
from tests.support.helpers import seed_action, seed_people
from tests.support.portal import PORTAL_SECRET, csrf_of, form, path_of, signed_in
from tests.support.servers import free_port

SECRET = PORTAL_SECRET
REF = "NOR-2018-AFI-01"  # owner@
OTHER_REF = "NOR-2018-AFI-02"  # other@, overdue
OWNER, OTHER, MANAGER, SRO = (
    "owner@force.example",
    "other@force.example",
    "manager@force.example",
    "sro@force.example",
)


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", SECRET)
    reset_settings()


@pytest.fixture
def app(database_url: str, engine: Engine, secret: None) -> FastAPI:
    with session_scope(engine) as session:
        people = seed_people(session)
        seed_action(session, owner=people["owner"], ref=REF)
        seed_action(
            session,
            owner=people["other"],
            ref=OTHER_REF,
            deadline=today() - timedelta(days=10),
            text="The force should audit its use of stop and search powers.",
        )
    return create_app(database_url)


def post_update_form(client: TestClient, ref: str, **fields: str) -> tuple[int, str]:
    csrf = csrf_of(client.get("/me").text)
    response = client.post(f"/me/actions/{ref}", data=form(csrf, **fields), follow_redirects=False)
    return response.status_code, response.text


def action(engine: Engine, ref: str) -> Action:
    with Session(engine) as session:
        return session.exec(select(Action).where(Action.ref == ref)).one()


def assert_friendly_403(response: object) -> None:
    assert getattr(response, "status_code", None) == 403
    text = getattr(response, "text", "")
    assert "<h1>" in text and "Traceback" not in text and SECRET not in text


# --------------------------------------------------------------------------- links and sessions


def test_link_opens_a_session_and_leaves_the_address_bar(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.get(path_of(portal_link(OWNER)), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/me"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    page = client.get("/me")
    assert page.status_code == 200 and str(page.url).endswith("/me")
    assert REF in page.text and OTHER_REF not in page.text  # only their own actions
    assert "Olive Owner" in page.text and "To review" not in page.text


def test_https_base_url_makes_the_cookie_secure(
    app: FastAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_BASE_URL", "https://actions.force.example")
    reset_settings()
    secure_app = create_app(database_url)
    response = TestClient(secure_app).get(path_of(portal_link(OWNER)), follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-actions_session=") and "Secure" in cookie


def test_a_link_is_reusable_until_it_expires(app: FastAPI) -> None:
    # Documented behaviour: reminders are opened on a phone and again at a desk.
    link = path_of(portal_link(OWNER))
    for _ in range(2):
        assert TestClient(app).get(link, follow_redirects=False).status_code == 303


def test_tampered_expired_and_unknown_person_links_get_a_friendly_403(app: FastAPI) -> None:
    token = path_of(portal_link(OWNER)).removeprefix("/p/")

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - PORTAL_LINK_MAX_AGE - 60

    expired = URLSafeTimedSerializer(SECRET, salt=PORTAL_SALT, signer=PastSigner).dumps(
        {"e": OWNER, "n": "x"}
    )
    stranger = path_of(portal_link("nobody@force.example")).removeprefix("/p/")
    client = TestClient(app)
    for bad in (token[:-3] + "abc", expired, stranger, "%3Cscript%3E"):
        response = client.get(f"/p/{bad}", follow_redirects=False)
        assert_friendly_403(response)
        assert "not valid" in response.text and "set-cookie" not in response.headers


def test_pages_need_a_session_and_a_forged_cookie_is_refused(app: FastAPI) -> None:
    client = TestClient(app)
    assert_friendly_403(client.get("/me"))
    forged = URLSafeTimedSerializer("guess", salt="actions.portal-session.v1").dumps(
        {"e": OWNER, "c": "x", "li": time.time()}
    )
    client.cookies.set("actions_session", forged)
    assert_friendly_403(client.get("/me"))
    assert_friendly_403(client.post(f"/me/actions/{REF}", data=form("x", progress="5")))


def test_revoking_links_ends_the_session_and_refuses_old_links(
    app: FastAPI, engine: Engine
) -> None:
    old_link = path_of(portal_link(OWNER))
    client = TestClient(app)
    client.get(old_link)
    assert client.get("/me").status_code == 200
    with session_scope(engine) as session:
        revoke_links(session, get_person(session, OWNER), by="ops@force.example")
    assert_friendly_403(client.get("/me"))
    assert_friendly_403(TestClient(app).get(old_link, follow_redirects=False))
    assert signed_in(app, OWNER).get("/me").status_code == 200  # a new link works


# --------------------------------------------------------------------------- CSRF and ownership


def test_post_without_or_with_a_wrong_csrf_token_is_refused(app: FastAPI, engine: Engine) -> None:
    client = signed_in(app, OWNER)
    for csrf in ("", "not-the-token", csrf_of(signed_in(app, OWNER).get("/me").text)):
        response = client.post(f"/me/actions/{REF}", data=form(csrf, progress="50"))
        assert_friendly_403(response)
    assert action(engine, REF).progress == 0


def test_a_replayed_form_post_fails_without_the_sessions_csrf_token(
    app: FastAPI, engine: Engine
) -> None:
    owner = signed_in(app, OWNER)
    body = form(csrf_of(owner.get("/me").text), progress="40", note="first")
    assert owner.post(f"/me/actions/{REF}", data=body, follow_redirects=False).status_code == 303
    # The same body sent by anyone without this browser's session cookie: a new session from
    # the same (reusable) link, or no session at all.
    assert_friendly_403(signed_in(app, OWNER).post(f"/me/actions/{REF}", data=body))
    assert_friendly_403(TestClient(app).post(f"/me/actions/{REF}", data=body))
    with Session(engine) as session:
        assert len(session.exec(select(ActionUpdate)).all()) == 1


def test_nobody_updates_someone_elses_action(app: FastAPI, engine: Engine) -> None:
    for email in (OWNER, MANAGER, SRO):
        response = signed_in(app, email).post(
            f"/me/actions/{OTHER_REF}",
            data=form(csrf_of(signed_in(app, email).get("/me").text), progress="90"),
        )
        assert response.status_code == 403  # (a foreign CSRF token as well, see below)
    client = signed_in(app, OWNER)
    status, html = post_update_form(client, OTHER_REF, progress="90")
    assert status == 403 and "not one of your actions" in html
    assert action(engine, OTHER_REF).progress == 0
    assert signed_in(app, OWNER).post("/me/actions/NOPE-1", data=form("x")).status_code in {
        403,
        404,
    }


# --------------------------------------------------------------------------- updates


def test_rule_messages_show_inline_with_the_input_kept(app: FastAPI, engine: Engine) -> None:
    client = signed_in(app, OWNER)
    status, html = post_update_form(
        client, REF, status="completed", progress="100", evidence_url="https://intranet.example/d"
    )
    assert status == 422
    assert "Not saved:</strong> Completion needs a closing note" in html and "(--note)" not in html
    assert 'value="https://intranet.example/d"' in html and 'value="100"' in html
    assert '<option value="completed" selected>' in html
    assert action(engine, REF).status == Status.OPEN


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": "150"}, "progress must be a whole number from 0 to 100"),
        ({"progress": "ten"}, "progress must be a whole number from 0 to 100"),
        ({"status": "closed", "note": "x"}, "cannot be chosen here"),
        ({"status": "nonsense"}, "unknown status"),
        ({"evidence_url": "javascript:alert(1)"}, "is not an http(s) link"),
        ({"deadline": "2027-02-30", "reason": "late"}, "is not a date"),
        ({"deadline": "2027-06-30"}, "a deadline change needs a reason"),
        ({"note": "x" * 5001}, "longer than 5000 characters"),
        ({}, "nothing to save"),
    ],
)
def test_every_field_is_validated(
    app: FastAPI, engine: Engine, fields: dict[str, str], message: str
) -> None:
    status, html = post_update_form(signed_in(app, OWNER), REF, **fields)
    assert status == 422 and message.lower() in html.replace("&#39;", "'").lower()
    with Session(engine) as session:
        assert session.exec(select(ActionUpdate)).all() == []


def test_oversized_bodies_are_rejected_before_reading(app: FastAPI) -> None:
    client = signed_in(app, OWNER)
    csrf = csrf_of(client.get("/me").text)
    response = client.post(f"/me/actions/{REF}", data=form(csrf, note="x" * (MAX_BODY_BYTES + 10)))
    assert response.status_code == 413
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    # Without a Content-Length (chunked), the body is counted as it arrives.
    chunks = (b"note=" + b"x" * 8192 for _ in range(MAX_BODY_BYTES // 8192 + 2))
    response = client.post(
        f"/me/actions/{REF}",
        content=chunks,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_script_input_is_stored_as_typed_and_rendered_escaped(app: FastAPI, engine: Engine) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    owner = signed_in(app, OWNER)
    status, _ = post_update_form(owner, REF, progress="10", note=evil)
    assert status == 303
    assert action(engine, REF).last_update_note == evil  # stored as typed
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    html = owner.get("/me").text
    assert "<script>alert" not in html and "<img src=x" not in html and escaped in html
    status, _ = post_update_form(owner, REF, status="completed", note=evil)
    assert status == 303
    html = signed_in(app, MANAGER).get("/me").text  # the reviewer reads it too
    assert "<script>alert" not in html and "<img src=x" not in html and escaped in html


def test_a_completion_accepted_by_the_manager_closes_the_action(
    app: FastAPI, engine: Engine
) -> None:
    owner = signed_in(app, OWNER)
    status, _ = post_update_form(
        owner,
        REF,
        status="completed",
        progress="100",
        note="Feedback survey launched and reviewed by the board.",
        evidence_url="https://intranet.force.example/survey",
    )
    assert status == 303
    assert action(engine, REF).status == Status.COMPLETED
    assert "waiting for your reviewer" in owner.get("/me").text.lower()

    manager = signed_in(app, MANAGER)
    page = manager.get("/me").text
    assert f'id="review-{REF}"' in page and "Feedback survey launched" in page
    response = manager.post(
        f"/review/{REF}",
        data={"csrf": csrf_of(page), "decision": "accept", "note": "Evidence seen."},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Recorded your decision" in manager.get(response.headers["location"]).text

    closed = action(engine, REF)
    assert closed.status == Status.CLOSED and closed.progress == 100 and closed.closed_at
    with Session(engine) as session:
        trail = [(r.actor, r.field, r.new) for r in audit_trail(session, closed.id or 0)]
        update = session.exec(select(ActionUpdate)).one()
    assert update.via == "portal"
    assert (OWNER, "status", "completed") in trail
    assert (MANAGER, "review", "accepted") in trail and (MANAGER, "status", "closed") in trail
    assert trail.index((OWNER, "status", "completed")) < trail.index((MANAGER, "status", "closed"))


def test_a_rejection_needs_a_note_and_returns_the_action_to_the_owner(
    app: FastAPI, engine: Engine
) -> None:
    post_update_form(signed_in(app, OWNER), REF, status="completed", note="done")
    manager = signed_in(app, MANAGER)
    csrf = csrf_of(manager.get("/me").text)
    response = manager.post(f"/review/{REF}", data={"csrf": csrf, "decision": "reject"})
    assert response.status_code == 422 and "Say why you are rejecting" in response.text
    response = manager.post(
        f"/review/{REF}", data={"csrf": csrf, "decision": "reject", "note": "No evidence <b>"}
    )
    assert response.status_code == 200  # followed the redirect back to /me
    rejected = action(engine, REF)
    assert rejected.status == Status.IN_PROGRESS
    assert "No evidence <b>" in rejected.last_update_note
    assert "No evidence &lt;b&gt;" in signed_in(app, OWNER).get("/me").text


def test_a_deadline_change_waits_for_the_reviewer(app: FastAPI, engine: Engine) -> None:
    owner = signed_in(app, OWNER)
    status, _ = post_update_form(
        owner, REF, deadline="2027-09-30", reason="Supplier delayed the survey tool"
    )
    assert status == 303
    assert action(engine, REF).deadline == date(2027, 3, 31)
    assert "Deadline change" in owner.get("/me").text
    status, html = post_update_form(owner, REF, deadline="2027-10-31", reason="again")
    assert status == 422 and "already has a deadline change awaiting review" in html
    manager = signed_in(app, MANAGER)
    manager.post(
        f"/review/{REF}",
        data={"csrf": csrf_of(manager.get("/me").text), "decision": "accept", "note": "OK"},
    )
    assert action(engine, REF).deadline == date(2027, 9, 30)
    history = owner.get("/me").text
    assert "31 Mar 2027 — original" in history and "30 Sep 2027 — set by manager@" in history


def test_not_accepted_is_a_request_the_reviewer_decides(app: FastAPI, engine: Engine) -> None:
    owner = signed_in(app, OWNER)
    status, html = post_update_form(owner, REF, status="not_accepted")
    assert status == 422 and "'not accepted' needs a reason" in html.replace("&#39;", "'")
    reason = "The force does not run this service; the county council does."
    assert post_update_form(owner, REF, status="not_accepted", note=reason)[0] == 303
    assert action(engine, REF).status == Status.OPEN  # not until a reviewer agrees
    manager = signed_in(app, MANAGER)
    page = manager.get("/me").text
    assert "Not accepted</strong> requested by Olive Owner" in page and reason in page
    manager.post(f"/review/{REF}", data={"csrf": csrf_of(page), "decision": "accept"})
    decided = action(engine, REF)
    assert decided.status == Status.NOT_ACCEPTED and decided.not_accepted_reason == reason


# --------------------------------------------------------------------------- reviewers


def test_the_owner_cannot_review_their_own_action(app: FastAPI, engine: Engine) -> None:
    post_update_form(signed_in(app, OWNER), REF, status="completed", note="done")
    owner = signed_in(app, OWNER)
    response = owner.post(
        f"/review/{REF}", data={"csrf": csrf_of(owner.get("/me").text), "decision": "accept"}
    )
    assert_friendly_403(response)
    assert action(engine, REF).status == Status.COMPLETED


def test_the_sro_sees_everything_but_cannot_review_their_own(app: FastAPI, engine: Engine) -> None:
    with session_scope(engine) as session:
        sro = session.exec(select(Person).where(Person.email == SRO)).one()
        seed_action(session, owner=sro, ref="NOR-2018-AFI-03")
        post_update(
            session, "NOR-2018-AFI-03", UpdateRequest(status=Status.COMPLETED, note="x"), by=SRO
        )
    post_update_form(signed_in(app, OWNER), REF, status="completed", note="done")
    client = signed_in(app, SRO)
    page = client.get("/me").text
    assert f'id="review-{REF}"' in page and 'id="review-NOR-2018-AFI-03"' not in page
    assert "(all teams)" in page and OTHER_REF in page  # the overdue list
    response = client.post(
        "/review/NOR-2018-AFI-03",
        data={"csrf": csrf_of(page), "decision": "accept", "note": "self"},
    )
    assert response.status_code == 422 and "cannot review it" in response.text
    assert action(engine, "NOR-2018-AFI-03").status == Status.COMPLETED


def test_only_the_manager_chain_reviews(app: FastAPI, engine: Engine) -> None:
    with session_scope(engine) as session:
        sro = session.exec(select(Person).where(Person.email == SRO)).one()
        session.add(Person(email="peer@force.example", name="Pat Peer", manager_id=sro.id))
    post_update_form(signed_in(app, OWNER), REF, status="completed", note="done")
    peer = signed_in(app, "peer@force.example")
    page = peer.get("/me").text
    assert "To review" not in page
    response = peer.post(f"/review/{REF}", data={"csrf": csrf_of(page), "decision": "accept"})
    assert_friendly_403(response)
    assert action(engine, REF).status == Status.COMPLETED


def test_the_manager_sees_the_teams_overdue_items(app: FastAPI) -> None:
    page = signed_in(app, MANAGER).get("/me").text
    assert "Overdue in your team" in page and OTHER_REF in page and "10 days overdue" in page
    assert "Nothing is waiting for your review" in page


def test_rag_is_a_word_not_only_a_colour(app: FastAPI) -> None:
    page = signed_in(app, OTHER).get("/me").text
    assert re.search(r'class="badge rag-red">.*Red</span>', page)
    assert "overdue or blocked" in page


# --------------------------------------------------------------------------- ops and hygiene


def test_healthz_reports_the_database(app: FastAPI, secret: None) -> None:
    ok = TestClient(app).get("/healthz")
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "database": "ok"}
    broken = create_app("sqlite:////nonexistent-dir/for/sure/actions.db")
    down = TestClient(broken).get("/healthz")
    assert down.status_code == 503 and down.json() == {"status": "error", "database": "error"}


def test_security_headers_on_pages_and_errors(app: FastAPI) -> None:
    client = signed_in(app, OWNER)
    for response in (client.get("/me"), TestClient(app).get("/me"), client.get("/nowhere")):
        headers = response.headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert client.get("/nowhere").status_code == 404
    assert "Traceback" not in client.get("/nowhere").text
    assert client.get("/static/portal.css").headers["content-type"].startswith("text/css")


def test_signing_out_needs_the_csrf_token(app: FastAPI) -> None:
    client = signed_in(app, OWNER)
    csrf = csrf_of(client.get("/me").text)
    assert_friendly_403(client.post("/logout", data={"csrf": "wrong"}))
    assert client.post("/logout", data={"csrf": csrf}).status_code == 200
    assert_friendly_403(client.get("/me"))


def test_signing_out_ends_every_session_of_that_person(app: FastAPI, engine: Engine) -> None:
    """Issue 17, item 12: a copy of the cookie taken before signing out no longer works, nor the
    person's sessions in other browsers; the link in the email still opens a new one."""
    link = path_of(portal_link(OWNER))
    phone, desk = TestClient(app), TestClient(app)
    for client in (phone, desk):
        assert client.get(link, follow_redirects=False).status_code == 303
    copied = phone.cookies["actions_session"]
    csrf = csrf_of(phone.get("/me").text)
    signed_out = phone.post("/logout", data={"csrf": csrf})
    assert signed_out.status_code == 200 and "every other device" in signed_out.text
    replay = TestClient(app, cookies={"actions_session": copied})
    for response in (
        replay.get("/me"),
        replay.post(f"/me/actions/{REF}", data=form(csrf, progress="50")),
        replay.post("/logout", data={"csrf": csrf}),
        desk.get("/me"),
    ):
        assert_friendly_403(response)
        assert "Please open your link again" in response.text
    assert action(engine, REF).progress == 0
    with Session(engine) as session:
        person = get_person(session, OWNER)
        ended = session.exec(select(AuditRecord).where(AuditRecord.field == "session_epoch")).all()
    assert person.session_epoch == 1
    assert [(r.actor, r.entity_id, r.old, r.new) for r in ended] == [(OWNER, person.id, "0", "1")]
    again = TestClient(app)  # the same (reusable) link opens a new session
    assert again.get(link, follow_redirects=False).status_code == 303
    assert again.get("/me").status_code == 200
    assert signed_in(app, OTHER).get("/me").status_code == 200  # nobody else was signed out


def test_a_session_cookie_without_a_current_epoch_is_signed_out(app: FastAPI) -> None:
    """Cookies signed with the real key but from before epochs existed (none in them), or with
    an epoch that is not the person's, open nothing; the current epoch does."""
    signer = URLSafeTimedSerializer(SECRET, salt="actions.portal-session.v1")
    session = {"e": OWNER, "c": "x" * 20, "li": time.time()}
    for epoch in ({}, {"se": "0"}, {"se": False}, {"se": 1}, {"se": -1}):
        cookie = signer.dumps({**session, **epoch})
        assert_friendly_403(TestClient(app, cookies={"actions_session": cookie}).get("/me"))
    cookie = signer.dumps({**session, "se": 0})
    assert TestClient(app, cookies={"actions_session": cookie}).get("/me").status_code == 200


def test_the_app_refuses_to_start_without_a_secret(database_url: str) -> None:
    from actions.common.errors import ConfigError

    with pytest.raises(ConfigError, match="ACTIONS_SECRET_KEY"):
        create_app(database_url)


def test_tokens_are_kept_out_of_access_logs() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/p/eyJlIjoi.abc.def?x=1", "1.1", 303), None,
    )  # fmt: skip
    RedactPortalTokens().filter(record)
    assert "eyJ" not in record.getMessage() and "/p/***" in record.getMessage()


@pytest.mark.parametrize("value", ["²", "٣", "1e2", "-5", "101", "½", "5 0"])
def test_any_progress_value_is_a_form_error_never_a_500(
    app: FastAPI, engine: Engine, value: str
) -> None:
    client = signed_in(app, OWNER)
    status, html = post_update_form(client, REF, progress=value, note="trying")
    assert status == 422, (value, status)  # the form again, with the error
    assert "Progress must be a whole number from 0 to 100" in html
    assert action(engine, REF).progress == 0


# --------------------------------------------------------------------------- failed attempts

ATTACKER, NEIGHBOUR, PERSON = ("203.0.113.9", 4000), ("198.51.100.7", 4000), ("192.0.2.44", 4000)


def assert_429(response: httpx.Response) -> None:
    assert response.status_code == 429, response.status_code
    assert 1 <= int(response.headers["retry-after"]) <= 300
    assert response.headers["content-type"].startswith("text/plain")
    assert "Too many failed attempts" in response.text and len(response.text) < 300
    assert "set-cookie" not in response.headers and "Traceback" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_bad_links_from_one_address_get_429_after_20(app: FastAPI) -> None:
    """Issue 17, item 12: 200 bad tokens were all answered; now 20 are, per 5 minutes."""
    token = path_of(portal_link(OWNER)).removeprefix("/p/")
    attacker = TestClient(app, client=ATTACKER)
    answers = [attacker.get(f"/p/{token[:-6]}{n:06d}", follow_redirects=False) for n in range(200)]
    assert [r.status_code for r in answers[:20]] == [403] * 20
    for response in answers[20:]:
        assert_429(response)
    # Refused before the token is read: a good link guessed now tells the attacker nothing.
    assert_429(attacker.get(f"/p/{token}", follow_redirects=False))
    # Someone at another address is not affected, links and forms alike.
    neighbour = TestClient(app, client=NEIGHBOUR)
    assert neighbour.get(f"/p/{token}", follow_redirects=False).status_code == 303
    assert post_update_form(neighbour, REF, progress="30")[0] == 303


def test_good_links_never_count_against_an_address(app: FastAPI) -> None:
    link = path_of(portal_link(OWNER))
    client = TestClient(app, client=PERSON)
    for _ in range(60):
        assert client.get(link, follow_redirects=False).status_code == 303
    for _ in range(20):  # e.g. an old, revoked link opened again and again
        assert_friendly_403(client.get(link[:-4] + "AAAA", follow_redirects=False))
    assert_429(client.get(link, follow_redirects=False))


def test_wrong_csrf_tokens_from_one_address_get_429_after_20(app: FastAPI, engine: Engine) -> None:
    attacker = TestClient(app, client=ATTACKER)
    attacker.get(path_of(portal_link(OWNER)))
    csrf = csrf_of(attacker.get("/me").text)
    for n in range(20):
        response = attacker.post(f"/me/actions/{REF}", data=form(f"guess-{n}", progress="50"))
        assert_friendly_403(response)
    for path, body in (
        (f"/me/actions/{REF}", form("guess", progress="50")),
        (f"/me/actions/{REF}", form(csrf, progress="50")),  # even the right one, for now
        (f"/review/{REF}", {"csrf": csrf, "decision": "accept"}),
        ("/logout", {"csrf": csrf}),
    ):
        assert_429(attacker.post(path, data=body))
    assert attacker.get("/me").status_code == 200  # reading with a good session is not a guess
    assert action(engine, REF).progress == 0
    neighbour = signed_in_from(app, OWNER, NEIGHBOUR)
    assert post_update_form(neighbour, REF, progress="50")[0] == 303
    assert action(engine, REF).progress == 50


def signed_in_from(app: FastAPI, email: str, address: tuple[str, int]) -> TestClient:
    client = TestClient(app, client=address)
    assert client.get(path_of(portal_link(email)), follow_redirects=False).status_code == 303
    return client


def test_the_limit_and_window_come_from_the_policy(
    database_url: str, app: FastAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "actions.toml"
    policy.write_text("[portal]\nmax_failed_attempts = 3\nfailed_attempts_window_seconds = 2\n")
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    reset_settings()
    client = TestClient(create_app(database_url), client=ATTACKER)
    statuses = [client.get(f"/p/bad-{n}", follow_redirects=False).status_code for n in range(5)]
    assert statuses == [403, 403, 403, 429, 429]
    assert client.get("/p/bad", follow_redirects=False).headers["retry-after"] in {"1", "2"}
    time.sleep(2.1)  # the window slides: the failures have left it
    assert client.get("/p/bad-again", follow_redirects=False).status_code == 403


def test_the_failure_table_is_bounded_and_forgets_the_oldest() -> None:
    from actions.web.security import FailureLimiter, TooManyFailures

    now = [1000.0]
    limiter = FailureLimiter(3, 60, max_addresses=100, clock=lambda: now[0])
    for _ in range(3):
        limiter.failed("203.0.113.1")
    with pytest.raises(TooManyFailures) as blocked:
        limiter.check("203.0.113.1")
    assert blocked.value.retry_after == 60
    for n in range(250):  # an attacker with many addresses
        limiter.failed(f"10.0.{n // 256}.{n % 256}")
        assert len(limiter) <= 100
    limiter.check("203.0.113.1")  # forgotten (the least recently failing), not blocked
    now[0] += 61
    limiter.failed("192.0.2.1")  # the expired entries go first
    assert len(limiter) == 1
    # IPv6 counts per /64; an IPv4-mapped address as its IPv4 address.
    for n in range(3):
        limiter.failed(f"2001:db8:1:2::{n + 1}")
    with pytest.raises(TooManyFailures):
        limiter.check("2001:db8:1:2:ffff::9")
    limiter.check("2001:db8:1:3::1")
    for _ in range(3):
        limiter.failed("::ffff:198.51.100.1")
    with pytest.raises(TooManyFailures):
        limiter.check("198.51.100.1")


# --------------------------------------------------------------------------- a busy database


@contextmanager
def serving(app: FastAPI, **config: Any) -> Iterator[str]:
    """The portal on a real uvicorn server in a thread (one event loop, as in production)."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_portal(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_behind_a_proxy_on_this_machine_each_forwarded_address_counts(live_portal: str) -> None:
    """uvicorn trusts X-Forwarded-For from loopback (FORWARDED_ALLOW_IPS' default), taking
    the rightmost address the proxy did not vouch for: a client cannot pick its own."""
    attacker = {"x-forwarded-for": "203.0.113.9"}
    with httpx.Client(base_url=live_portal, timeout=10) as client:
        statuses = [client.get(f"/p/bad-{n}", headers=attacker).status_code for n in range(25)]
        assert statuses == [403] * 20 + [429] * 5
        spoofed = {"x-forwarded-for": "198.51.100.7, 203.0.113.9"}  # proxies append the peer
        assert_429(client.get(path_of(portal_link(OWNER)), headers=spoofed))
        neighbour = {"x-forwarded-for": "198.51.100.7"}
        response = client.get(path_of(portal_link(OWNER)), headers=neighbour)
        assert response.status_code == 303


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(app: FastAPI) -> None:
    with (
        serving(app, forwarded_allow_ips="192.0.2.1") as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        for n in range(20):
            headers = {"x-forwarded-for": f"198.51.100.{n}"}  # a new "address" each time
            assert client.get(f"/p/bad-{n}", headers=headers).status_code == 403
        assert_429(client.get("/p/bad", headers={"x-forwarded-for": "192.0.2.200"}))


def test_a_locked_database_never_freezes_the_portal(
    live_portal: str, database_url: str, tmp_path: Path
) -> None:
    """Another process holds SQLite's write lock: /healthz still answers at once, and the
    waiting POST then saves (it waits in a worker thread, not on the event loop)."""
    import sqlite3
    import threading

    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock of a database file is SQLite's")
    with httpx.Client(base_url=live_portal, timeout=60) as client:
        assert client.get(path_of(portal_link(OWNER))).status_code == 303  # sets the cookie
        csrf = csrf_of(client.get("/me").text)
        locker = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1)
        locker.execute("BEGIN EXCLUSIVE")
        posted: dict[str, int] = {}

        def post() -> None:
            body = form(csrf, progress="40", note="done while locked")
            posted["status"] = client.post(f"/me/actions/{REF}", data=body).status_code

        worker = threading.Thread(target=post)
        worker.start()
        time.sleep(0.5)  # the POST is now waiting for the lock
        with httpx.Client(base_url=live_portal, timeout=5) as other:
            started = time.monotonic()
            assert other.get("/healthz").status_code == 200
            assert time.monotonic() - started < 1.0
        time.sleep(1.0)
        locker.rollback()  # the other process lets go
        locker.close()
        worker.join(timeout=40)
    assert posted["status"] == 303  # saved, and sent back to /me


def test_a_database_busy_past_its_timeout_gets_a_503_page_not_a_500(
    app: FastAPI, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import actions.web.me as portal_me

    def locked(*_: object, **__: object) -> None:
        raise OperationalError("UPDATE action", {}, Exception("database is locked"))

    monkeypatch.setattr(portal_me, "post_update", locked)
    client = signed_in(app, OWNER)
    status, html = post_update_form(client, REF, progress="40", note="busy")
    assert status == 503
    assert "busy" in html.lower() and "Nothing was saved" in html and "Traceback" not in html
