"""Rows of new findings, actions and outbox messages for bulk inserts (ingest, import, chasing,
report distribution).

Bulk inserts skip the models' Python defaults, so every column is given here; ``id`` None leaves
it to :func:`actions.store.bulk.insert_with_ids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from actions.domain.models import MessageState, Status

_OPEN = Status.OPEN.value
_CLOSED = Status.CLOSED.value


def finding_row(
    *,
    inspection_id: int,
    seq: int,
    kind: str,
    text: str,
    at: datetime,
    id: int | None = None,
    reference: str | None = None,
    question: str | None = None,
    judgement: str | None = None,
    due: date | None = None,
    due_text: str | None = None,
    carried_over: bool = False,
    parent_id: int | None = None,
    parts: Sequence[str] = (),
    source_refs: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "id": id,
        "inspection_id": inspection_id,
        "seq": seq,
        "kind": kind,
        "text": text,
        "reference": reference,
        "question": question,
        "judgement": judgement,
        "due": due,
        "due_text": due_text,
        "carried_over": carried_over,
        "parent_id": parent_id,
        "parts": list(parts),
        "source_refs": list(source_refs),
        "created_at": at,
    }


def action_row(
    *,
    ref: str,
    inspection_id: int,
    finding_id: int,
    title: str,
    owner_id: int | None,
    deadline: date | None,
    at: datetime,
    id: int | None = None,
    status: str = _OPEN,
    progress: int = 0,
    last_update_at: datetime | None = None,
    notes: str = "",
    repeat_of_id: int | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "ref": ref,
        "inspection_id": inspection_id,
        "finding_id": finding_id,
        "title": title,
        "owner_id": owner_id,
        "deadline": deadline,
        "original_deadline": deadline,
        "status": status,
        "progress": progress,
        "last_update_at": last_update_at,
        "last_update_note": "",
        "evidence_url": "",
        "notes": notes,
        "escalation_level": 0,
        "superseded_by_id": None,
        "repeat_of_id": repeat_of_id,
        "not_accepted_reason": "",
        "created_at": at,
        "updated_at": at,
        "closed_at": at if status == _CLOSED else None,
    }


def message_row(
    *,
    recipient_id: int | None,
    recipient_label: str,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    at: datetime,
    run_label: str,
    attachments: Sequence[dict[str, str]] = (),
) -> dict[str, Any]:
    """A message waiting in the outbox: what it says is ``payload`` (data); its subject and bodies
    are rendered when it is sent (``messaging.rendering``)."""
    return {
        "recipient_id": recipient_id,
        "recipient_label": recipient_label,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "subject": "",
        "payload": payload,
        "body_text": "",
        "body_html": "",
        "attachments": list(attachments),
        "state": MessageState.PENDING.value,
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": at,
        "created_at": at,
        "run_label": run_label,
    }
