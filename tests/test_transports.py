"""The MIME messages delivery builds: what mail clients read, and nothing a value can inject."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, Message
from typing import cast

from hypothesis import given
from hypothesis import strategies as st

from actions.messaging.transports import Attachment, Envelope, build_email

TEXT = st.text(min_size=0, max_size=120)
TO = "owner@force.example"
TEXT_BODY, HTML_BODY = "Hello \u00fc\n", "<p>\u00fc</p>"


def _build(subject: str, name: str, filename: str = "deadlines.ics") -> Message:
    calendar = Attachment(filename, "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    envelope = Envelope(TO, name, subject, TEXT_BODY, HTML_BODY, (calendar,), 42)
    return build_email(envelope, "Tracker", "t@force.example", TO)


def _read(message: Message) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return cast(EmailMessage, parsed)


@given(subject=TEXT, name=TEXT)
def test_headers_are_folded_exactly_as_compat32_folds_them(subject: str, name: str) -> None:
    """The fast path for short ASCII headers changes speed, not bytes."""
    message = _build(subject, name)
    fast = message.as_bytes()
    message.policy = email.policy.compat32
    assert fast == message.as_bytes()


@given(subject=TEXT, name=TEXT)
def test_what_a_mail_client_reads(subject: str, name: str) -> None:
    parsed = _read(_build(subject, name))
    assert parsed["Subject"] == " ".join(subject.split())
    [to] = parsed["To"].addresses
    assert (to.addr_spec, to.display_name) == (TO, " ".join(name.split()))
    assert parsed["X-Actions-Message"] == "42"
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == TEXT_BODY
    assert html.get_content().strip() == HTML_BODY
    [attachment] = parsed.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"


def test_a_value_with_a_line_break_cannot_add_a_header() -> None:
    injected = "\nBcc: attacker@evil.example"
    parsed = _read(_build(f"Update\r{injected}", f"Owner{injected}"))
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Update Bcc: attacker@evil.example"


def test_a_non_ascii_attachment_name_survives() -> None:
    parsed = _read(_build("s", "n", filename="d\u00e9lais.ics"))
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["d\u00e9lais.ics"]
