"""Turning a planned message (action ids and why they are due) into the items people read.

Composed when the message is sent, from the actions as they are then, so a digest never shows a
title or progress that changed between planning and sending.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.dates import LONDON
from actions.domain.models import Action, Person

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


_KIND_CODES = {"deadline_reminder": "r", "update_request": "u", "escalation": "e"}
_CODE_KINDS = {code: kind for kind, code in _KIND_CODES.items()}
_ROLE_CODES = {"owner": "o", "manager": "m", "sro": "s"}
_CODE_ROLES = {code: role for role, code in _ROLE_CODES.items()}


def encode_line(action_id: int, role: str, dues: Any) -> str:
    """One digest line as a short string ("42 m e2.10"): a planned run writes 100,000s of these,
    and nested JSON lists cost several times more to build and store."""
    coded = ",".join(f"{_KIND_CODES[d.kind]}{d.level}.{d.days}" for d in dues)
    return f"{action_id} {_ROLE_CODES[role]} {coded}"


def decode_line(line: str) -> tuple[int, str, list[list[Any]]]:
    """(action id, role, [[kind, days, level], ...]) from :func:`encode_line`."""
    action_id, role, coded = line.split(" ")
    dues = []
    for due in coded.split(","):
        level, days = due[1:].split(".")
        dues.append([_CODE_KINDS[due[0]], int(days), int(level)])
    return int(action_id), _CODE_ROLES[role], dues


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
    lines = [decode_line(line) for line in payload["lines"]]
    ids = [action_id for action_id, _, _ in lines]
    rows = session.execute(
        select(Action, col(Person.name))
        .outerjoin(Person, col(Person.id) == col(Action.owner_id))
        .where(col(Action.id).in_(ids))
    ).all()
    actions = {action.id: (action, owner) for action, owner in rows}
    groups: dict[str, list[dict[str, Any]]] = {}
    for action_id, role, dues in lines:
        if action_id not in actions:
            continue
        action, owner = actions[action_id]
        heading = "" if payload["template"] == "reminder" else HEADINGS[role]
        groups.setdefault(heading, []).append(_item(action, owner, dues))
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
