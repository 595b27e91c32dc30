"""Reading the portal's forms: every field checked and length-limited before any service call.

Anything wrong is a :class:`UserInputError` whose message is shown next to the form, with what
the person typed kept in the fields (:class:`UpdateForm` holds the raw text for that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from actions.common.dates import parse_date
from actions.common.errors import UserInputError
from actions.domain.lifecycle import (
    MAX_NOTE_LENGTH,
    MAX_URL_LENGTH,
    UpdateRequest,
    parse_status,
    validate_evidence_url,
    validate_text,
)
from actions.domain.models import Status

#: What an owner may ask for in the portal (closing and superseding are for reviewers/admins).
PORTAL_STATUSES = (
    Status.OPEN,
    Status.IN_PROGRESS,
    Status.BLOCKED,
    Status.COMPLETED,
    Status.NOT_ACCEPTED,
)
MAX_FIELD = {
    "status": 20,
    "progress": 3,
    "note": MAX_NOTE_LENGTH,
    "evidence_url": MAX_URL_LENGTH,
    "deadline": 10,
    "reason": MAX_NOTE_LENGTH,
}
_CLI_HINT = re.compile(r" \(--[a-z-]+\)")


@dataclass(frozen=True)
class UpdateForm:
    """The update form as typed (strings), so a refused form can be shown again unchanged."""

    status: str = ""
    progress: str = ""
    note: str = ""
    evidence_url: str = ""
    deadline: str = ""
    reason: str = ""

    @classmethod
    def from_fields(cls, fields: Mapping[str, object]) -> UpdateForm:
        values = {name: _text(fields.get(name), name) for name in MAX_FIELD}
        return cls(**values)


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):  # an uploaded file where text belongs
        raise UserInputError(f"{name} must be text")
    # Browsers send CRLF for textarea newlines; count characters as people see them.
    value = value.replace("\r\n", "\n")
    if len(value) > MAX_FIELD[name]:
        raise UserInputError(f"{_label(name)} is longer than {MAX_FIELD[name]} characters")
    return value


def _label(name: str) -> str:
    return {"note": "the update", "evidence_url": "the evidence link"}.get(name, name)


def to_request(form: UpdateForm, *, current_status: str, current_progress: int) -> UpdateRequest:
    """The service request for a form; unchanged status and progress are left out."""
    status = parse_status(form.status) if form.status.strip() else None
    if status is not None and status not in PORTAL_STATUSES:
        raise UserInputError(f"status {status.value!r} cannot be chosen here")
    progress = _progress(form.progress)
    request = UpdateRequest(
        status=None if status == current_status else status,
        progress=None if progress == current_progress else progress,
        note=validate_text(form.note, "the update"),
        evidence_url=validate_evidence_url(form.evidence_url),
        deadline=_deadline(form.deadline),
        reason=validate_text(form.reason, "the reason"),
    )
    if request.is_empty():
        raise UserInputError("nothing to save: change the status or progress, or write an update")
    return request


def _progress(value: str) -> int | None:
    value = value.strip().rstrip("%").strip()
    if not value:
        return None
    # ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() then refuses.
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 0 <= int(value) <= 100:
        raise UserInputError("progress must be a whole number from 0 to 100")
    return int(value)


def _deadline(value: str) -> date | None:
    return parse_date(value, what="the new deadline") if value.strip() else None


def review_fields(fields: Mapping[str, object]) -> tuple[bool, str]:
    """(accept, note) from the review form."""
    decision = fields.get("decision")
    if decision not in {"accept", "reject"}:
        raise UserInputError("choose accept or reject")
    note = fields.get("note") or ""
    if not isinstance(note, str):
        raise UserInputError("note must be text")
    note = validate_text(note.replace("\r\n", "\n"), "the note")
    if decision == "reject" and not note:
        raise UserInputError("say why you are rejecting it, so the owner knows what to do next")
    return decision == "accept", note


def friendly(message: str, ref: str) -> str:
    """A service message for the portal: without the CLI's option hints such as ``(--note)``,
    nor the ref in front (the message sits on that action's form)."""
    message = _CLI_HINT.sub("", message).removeprefix(f"{ref}: ")
    return message[:1].upper() + message[1:]
