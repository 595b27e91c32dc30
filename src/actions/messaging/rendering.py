"""Rendering a planned message: subject, text, HTML and attachments from its payload, stored in
its outbox row the first time it is prepared for sending, so retries send the same text."""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, col

from actions.common.templating import render_email
from actions.domain.models import Message
from actions.messaging.digest import compose
from actions.messaging.ics import deadlines_calendar
from actions.tracking.links import PORTAL_LINK_MAX_AGE, portal_link

if TYPE_CHECKING:
    from actions.messaging.sending import Recipient


def render(
    session: Session, message: Message, recipient: Recipient
) -> tuple[str, str, str, list[dict[str, str]]]:
    """Subject, text, HTML and attachments of a planned message."""
    payload = dict(message.payload)
    groups = compose(session, payload) if "lines" in payload else []
    items = [item for group in groups for item in group["items"]]
    portal = portal_link(recipient.email)
    context = {
        **payload,
        "groups": groups,
        "recipient": {"name": recipient.name, "email": recipient.email},
        "as_of": date.fromisoformat(payload["as_of"]),
        "item_count": len(items),
        "soonest": _soonest(items),
        "portal_url": portal,
        "link_days": PORTAL_LINK_MAX_AGE // 86400,
        "subject": "",
    }
    email = render_email(payload["template"], context)
    context["subject"] = email.subject
    email = render_email(payload["template"], context)
    attachments = []
    if payload["template"] == "reminder":
        calendar = deadlines_calendar(items, portal_url=portal)
        if calendar:
            attachments.append(
                {
                    "filename": "deadlines.ics",
                    "mime": "text/calendar",
                    "data_b64": base64.b64encode(calendar.encode()).decode(),
                }
            )
    return email.subject, email.text, email.html, attachments


def _soonest(items: list[dict[str, Any]]) -> int | None:
    """Days to the nearest deadline among the items that are reminded of one."""
    days = [i["days_left"] for i in items if i.get("days_left") is not None]
    return min(days) if days else None


def store_rendering(session: Session, message: Message, recipient: Recipient) -> None:
    """Render the message into its row (the caller's transaction) and onto ``message``."""
    subject, text, html, attachments = render(session, message, recipient)
    session.execute(
        update(Message)
        .where(col(Message.id) == message.id)
        .values(subject=subject, body_text=text, body_html=html, attachments=attachments)
    )
    message.subject, message.body_text, message.body_html = subject, text, html
    message.attachments = attachments
