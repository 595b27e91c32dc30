"""Turning a planned message (action ids and why they are due) into the items people read.

Composed when the message is sent, from the actions as they are then, so a digest never shows a
title or progress that changed between planning and sending.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.dates import LONDON
from actions.models import Action, Person

_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
COLOURS = {"due": "#b35900", "silent": "#505a5f", "overdue": "#d4351c"}
HEADINGS = {
    "owner": "Your overdue actions",
    "manager": "Overdue actions owned by your team",
    "sro": "Escalated to you as senior responsible owner",
}
NOTE_LIMIT = 200


def day_text(value: date) -> str:
    return f"{value.day} {_MONTHS[value.month]} {value.year}"


def status_line(dues: list[list[Any]]) -> str:
    parts = []
    for kind, days, level in dues:
        if kind == "deadline_reminder":
            parts.append("due today" if days == 0 else f"due in {days} day{_s(days)}")
        elif kind == "update_request":
            parts.append(f"no update for {days} days")
        else:
            parts.append(f"{days} day{_s(days)} overdue (escalation level {level})")
    return "; ".join(parts)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def colour(dues: list[list[Any]]) -> str:
    kinds = {d[0] for d in dues}
    if "escalation" in kinds:
        return COLOURS["overdue"]
    return COLOURS["due"] if "deadline_reminder" in kinds else COLOURS["silent"]


def last_update_text(moment: datetime | None, note: str) -> str:
    if moment is None:
        return "none yet"
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        note = note[: NOTE_LIMIT - 1] + "…"
    when = day_text(moment.astimezone(LONDON).date())
    return f"{when}: {note}" if note else when


def compose(session: Session, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The digest's groups of items, in the order the plan listed them."""
    lines = payload["lines"]
    ids = [line["action_id"] for line in lines]
    rows = session.execute(
        select(Action, col(Person.name))
        .outerjoin(Person, col(Person.id) == col(Action.owner_id))
        .where(col(Action.id).in_(ids))
    ).all()
    actions = {action.id: (action, owner) for action, owner in rows}
    groups: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if line["action_id"] not in actions:
            continue
        action, owner = actions[line["action_id"]]
        heading = "" if payload["template"] == "reminder" else HEADINGS[line["role"]]
        groups.setdefault(heading, []).append(_item(action, owner, line["dues"]))
    return [{"heading": h, "items": items} for h, items in groups.items()]


def _item(action: Action, owner: str | None, dues: list[list[Any]]) -> dict[str, Any]:
    return {
        "ref": action.ref,
        "title": action.title,
        "owner": owner or "(unassigned)",
        "deadline": action.deadline.isoformat() if action.deadline else None,
        "deadline_text": day_text(action.deadline) if action.deadline else "none set",
        "progress": action.progress,
        "status": action.status,
        "last_update": last_update_text(action.last_update_at, action.last_update_note),
        "status_line": status_line(dues),
        "days_left": next((d[1] for d in dues if d[0] == "deadline_reminder"), None),
        "colour": colour(dues),
    }
