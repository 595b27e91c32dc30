"""Sending progress reports: each manager gets their people's actions, the SRO everything.

Reports go through the same outbox and channels as reminders (docs/commands.md): one message per
recipient per day (dedupe key), the summary in the body and the PDF attached.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from actions.common.dates import utcnow
from actions.domain.models import Action, Message, Person
from actions.reports.service import generate_report
from actions.store import db
from actions.store.new_rows import message_row


@dataclass
class Audience:
    person_id: int
    email: str
    name: str
    scope: str  # "team" or "all"
    owner_emails: list[str] = field(default_factory=list)


def audiences(session: Session) -> list[Audience]:
    """Managers of people who own actions (their team's report) and every SRO (the whole)."""
    people = {p.id: p for p in session.execute(select(Person).where(col(Person.active))).scalars()}
    owners = set(session.execute(select(col(Action.owner_id)).distinct()).scalars())
    teams: dict[int, set[str]] = defaultdict(set)
    for owner_id in owners:
        owner = people.get(owner_id)
        if owner is not None and owner.manager_id in people:
            assert owner.manager_id is not None
            teams[owner.manager_id].add(owner.email)
            if owner.manager_id in owners:  # a manager who owns actions sees them too
                teams[owner.manager_id].add(people[owner.manager_id].email)
    found = [
        Audience(pid, people[pid].email, people[pid].name, "team", sorted(emails))
        for pid, emails in teams.items()
        if people[pid].role != "sro"
    ]
    found += [
        Audience(p.id, p.email, p.name, "all")
        for p in people.values()  # type: ignore[arg-type]
        if p.role == "sro"
    ]
    return sorted(found, key=lambda a: a.email)


def queue_reports(as_of: date, out_dir: Path) -> list[dict[str, Any]]:
    """Write each audience's PDF and queue one message each; returns what was queued."""
    db.require_schema()
    with db.session_scope() as session:
        targets = audiences(session)
        taken = set(
            session.execute(
                select(col(Message.dedupe_key)).where(col(Message.kind) == "report")
            ).scalars()
        )
    queued = []
    for audience in targets:
        key = f"report:{audience.person_id}:{as_of.isoformat()}"
        if key in taken:
            continue
        output = generate_report(
            out_dir / "sent",
            ["pdf"],
            as_of,
            owner_emails=audience.owner_emails if audience.scope == "team" else None,
            title=None if audience.scope == "all" else f"Progress report for {audience.name}",
        )
        queued.append(_message_row(audience, key, as_of, output.summary, output.paths["pdf"]))
    if queued:
        with db.session_scope() as session:
            session.connection().execute(insert(Message.__table__), queued)  # type: ignore[attr-defined]
    return [
        {
            "recipient": q["recipient_label"],
            "scope": q["payload"]["scope"],
            "actions": q["payload"]["summary"]["total"],
        }
        for q in queued
    ]


def _message_row(
    audience: Audience, key: str, as_of: date, summary: dict[str, Any], pdf: Path
) -> dict[str, Any]:
    attachment = {
        "filename": f"progress-report-{as_of.isoformat()}.pdf",
        "mime": "application/pdf",
        "path": str(pdf.resolve()),
    }
    return message_row(
        recipient_id=audience.person_id,
        recipient_label=audience.email,
        kind="report",
        dedupe_key=key,
        payload={
            "template": "report",
            "as_of": as_of.isoformat(),
            "scope": audience.scope,
            "summary": summary,
        },
        at=utcnow(),
        run_label="report",
        attachments=[attachment],
    )
