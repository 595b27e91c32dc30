"""The portal end to end in a real browser, driven by real email (issue 8): an owner follows the
link in their reminder and completes an action; their manager follows the link in an escalation
and accepts it.

The app runs under uvicorn on a free loopback port (a background thread) against a temporary
SQLite database, with ``ACTIONS_BASE_URL`` set to that address; the chase and the escalation run
through the service layer and deliver to a real SMTP server on loopback (aiosmtpd), and the links
are read out of the plain-text parts of what it received. The system Chromium is driven through
Playwright. Takes about 5-8 s (Chromium start-up is most of it).

Screenshots go to the test's temp directory; with ``UPDATE_SCREENSHOTS=1`` they are written to
``docs/img/portal-owner.png`` and ``docs/img/portal-reviewer.png`` (the documentation's images).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session, select

from actions import services
from actions.chasing.workdays import is_working_day
from actions.common.dates import today
from actions.common.settings import reset_settings
from actions.domain.models import Action, Status
from actions.store import db
from actions.store.db import session_scope
from actions.tracking.history import audit_trail
from actions.web import create_app
from tests.support.helpers import seed_action, seed_people
from tests.support.servers import SmtpSink

pytestmark = pytest.mark.e2e

REF = "NOR-2018-AFI-01"
OVERDUE_REF = "NOR-2018-AFI-02"


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


# The portal shows today's view, so the emails are sent as of (nearly) today too: the next day on
# which reminders go out (they skip weekends and bank holidays).
AS_OF = next_working_day(today())
DUE_IN_SEVEN_DAYS = AS_OF + timedelta(days=7)  # the 7-day deadline reminder is due
TEN_DAYS_OVERDUE = AS_OF - timedelta(days=10)  # past 7 days overdue: escalated to the manager
OWNER, MANAGER = "owner@force.example", "manager@force.example"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
MAX_SCREENSHOT_BYTES = 300 * 1024


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "portal.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("ACTIONS_DATABASE_URL", url)
    monkeypatch.setenv("ACTIONS_SECRET_KEY", "e2e-secret-key-0123456789abcdefgh")
    reset_settings()
    with session_scope(db.get_engine(url)) as session:
        people = seed_people(session)
        seed_action(session, owner=people["owner"], ref=REF, deadline=DUE_IN_SEVEN_DAYS)
        seed_action(
            session,
            owner=people["owner"],
            ref=OVERDUE_REF,
            deadline=TEN_DAYS_OVERDUE,
            text="The force should make sure its officers record stop and search fairly.",
        )
    return url


@pytest.fixture
def server_url(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The portal served by uvicorn on a free loopback port, for the duration of the test."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the port stays ours until uvicorn closes it: no race
    port = sock.getsockname()[1]
    # The links that emails carry must point at this server, as they would at the real portal.
    monkeypatch.setenv("ACTIONS_BASE_URL", f"http://127.0.0.1:{port}")
    reset_settings()
    config = uvicorn.Config(create_app(database), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def only_message(smtp: SmtpSink, address: str, subject_word: str) -> EmailMessage:
    found = [m for m in smtp.to(address) if subject_word in str(m["Subject"]).lower()]
    subjects = [str(m["Subject"]) for m in smtp.to(address)]
    assert len(found) == 1, f"expected one {subject_word} message to {address}, got {subjects}"
    return found[0]


def portal_link_in(message: EmailMessage, base_url: str) -> str:
    """The portal link in a message's plain-text part, as a person would copy it."""
    part = message.get_body(("plain",))
    assert part is not None, "the message has no plain-text part"
    links = re.findall(re.escape(base_url) + r"/p/[A-Za-z0-9_.\-]+", part.get_content())
    assert len(set(links)) == 1, f"expected one portal link to {base_url}, got {links}"
    return str(links[0])


@pytest.fixture
def mailed_links(
    server_url: str, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Run the day's chase and escalation; each person's link, read from what the SMTP server got.

    The owner's comes from their reminder, the manager's from the escalation sent to them.
    """
    monkeypatch.setenv("ACTIONS_EMAIL_URL", smtp.url())
    reset_settings()
    for kind in ("chase", "escalate"):
        summary = services.chase_or_escalate(kind, AS_OF)
        assert (summary["sent"], summary["failed"]) == (summary["planned"], 0), summary
    reminder = only_message(smtp, OWNER, "update")
    assert "next deadline in 7 days" in str(reminder["Subject"])
    assert REF in str(reminder.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    escalation = only_message(smtp, MANAGER, "overdue")
    return {
        OWNER: portal_link_in(reminder, server_url),
        MANAGER: portal_link_in(escalation, server_url),
    }


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def screenshot(page: object, name: str, tmp_path: Path) -> Path:
    target = DOCS_IMG if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.stat().st_size < MAX_SCREENSHOT_BYTES, f"{name} is too big for the docs"
    return path


def test_owner_completes_and_manager_accepts_in_a_browser(
    browser: object, mailed_links: dict[str, str], database: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    viewport = {"width": 900, "height": 900}
    uk = {"viewport": viewport, "locale": "en-GB", "timezone_id": "Europe/London"}

    # The owner opens the link in their reminder: the token is swapped for a cookie and leaves
    # the address bar.
    owner = browser.new_context(**uk).new_page()  # type: ignore[arg-type]
    owner.goto(mailed_links[OWNER])
    assert owner.url.endswith("/me")
    expect(owner.get_by_role("heading", name="Your actions")).to_be_visible()
    card = owner.locator(f"#action-{REF}")

    # Completing without a note is refused inline, with what was typed kept.
    card.get_by_label("Status").select_option("completed")
    card.get_by_label("Evidence link (optional)").fill("https://intranet.force.example/survey")
    card.get_by_role("button", name=f"Save update on {REF}").click()
    expect(card.get_by_role("alert")).to_contain_text("Completion needs a closing note")
    expect(card.get_by_label("Evidence link (optional)")).to_have_value(
        "https://intranet.force.example/survey"
    )

    card.get_by_label("Progress (%)").fill("100")
    card.get_by_label("Update", exact=True).fill(
        "Public feedback survey launched in March; results reviewed by the legitimacy board."
    )
    card.get_by_role("button", name=f"Save update on {REF}").focus()
    owner.keyboard.press("Enter")  # submitted from the keyboard
    expect(owner.get_by_role("status")).to_contain_text(f"Saved your update on {REF}")
    expect(owner.locator(f"#action-{REF}")).to_contain_text("Waiting for your reviewer")
    screenshot(owner, "portal-owner.png", tmp_path)

    # The manager opens the link in their escalation (a separate browser profile) and accepts.
    manager = browser.new_context(**uk).new_page()  # type: ignore[arg-type]
    manager.goto(mailed_links[MANAGER])
    review = manager.locator(f"#review-{REF}")
    expect(review).to_contain_text("Public feedback survey launched")
    expect(review.get_by_role("link", name="https://intranet.force.example/survey")).to_be_visible()
    review.get_by_label("Note to the owner").fill("Evidence seen; well done.")
    screenshot(manager, "portal-reviewer.png", tmp_path)
    review.get_by_role("button", name=f"Accept {REF}").click()
    expect(manager.get_by_role("status")).to_contain_text(f"Recorded your decision on {REF}")
    expect(manager.locator(f"#review-{REF}")).to_have_count(0)

    # The owner's page no longer lists it; the database shows it closed, with both steps audited.
    owner.reload()
    expect(owner.locator(f"#action-{REF}")).to_have_count(0)
    with Session(db.get_engine(database)) as session:
        action = session.exec(select(Action).where(Action.ref == REF)).one()
        assert action.status == Status.CLOSED
        trail = [(r.actor, r.field, r.new) for r in audit_trail(session, action.id or 0)]
    assert (OWNER, "status", "completed") in trail
    assert (MANAGER, "review", "accepted") in trail
    assert (MANAGER, "status", "closed") in trail
