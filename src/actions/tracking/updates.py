"""Recording updates and reviews (docs/lifecycle.md), with their audit records in one
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.errors import RuleViolation
from actions.domain.lifecycle import PendingRequest, UpdateRequest, plan_review, plan_update
from actions.domain.models import Action, ActionUpdate, Decision, Person, Review, Role, Status
from actions.domain.types import utcnow
from actions.tracking import audit
from actions.tracking.people import get_person
from actions.tracking.queries import get_action


@dataclass(frozen=True)
class UpdateOutcome:
    ref: str
    status: str
    progress: int
    deadline: str | None
    awaiting_review: bool
    message: str


def pending_updates(session: Session, action_id: int) -> list[ActionUpdate]:
    """Updates of an action that need review and have none yet, oldest first."""
    stmt = (
        select(ActionUpdate)
        .outerjoin(Review, col(Review.update_id) == ActionUpdate.id)  # type: ignore[arg-type]
        .where(
            col(ActionUpdate.action_id) == action_id,
            col(ActionUpdate.needs_review) == True,  # noqa: E712
            col(Review.id) == None,  # type: ignore[arg-type]  # noqa: E711
        )
        .order_by(ActionUpdate.created_at, ActionUpdate.id)  # type: ignore[arg-type]
    )
    return list(session.execute(stmt).scalars())


def apply_changes(
    session: Session,
    action: Action,
    changes: dict[str, Any],
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    """Set fields on an action and audit each one that changed."""
    assert action.id is not None
    before = {name: getattr(action, name) for name in changes}
    for name, value in changes.items():
        setattr(action, name, value.value if isinstance(value, Status) else value)
    if "status" in changes and changes["status"] == Status.CLOSED:
        action.closed_at = now
    action.updated_at = now
    audit.record_changes(
        session,
        actor=actor,
        entity="action",
        entity_id=action.id,
        action_id=action.id,
        changes={name: (before[name], getattr(action, name)) for name in changes},
        reason=reason,
        at=now,
    )


def post_update(
    session: Session,
    ref: str,
    request: UpdateRequest,
    *,
    by: str,
    via: str = "cli",
    now: datetime | None = None,
) -> UpdateOutcome:
    now = now or utcnow()
    action = get_action(session, ref, for_update=True)
    author = get_person(session, by)
    assert action.id is not None and author.id is not None
    pending = pending_updates(session, action.id)
    plan = plan_update(
        action.ref,
        Status(action.status),
        request,
        pending_deadline=any(u.requested_deadline for u in pending),
        pending_status=any(u.status_to for u in pending),
    )
    changes = dict(plan.set_now)
    if request.superseded_by:
        changes["superseded_by_id"] = get_action(session, request.superseded_by).id
    session.add(
        ActionUpdate(
            action_id=action.id,
            author_id=author.id,
            created_at=now,
            status_from=action.status,
            status_to=plan.status_to.value if plan.status_to else None,
            progress=request.progress,
            note=request.note,
            evidence_url=changes.get("evidence_url", ""),
            requested_deadline=plan.requested_deadline,
            reason=request.reason,
            needs_review=plan.needs_review,
            via=via,
        )
    )
    reason = request.note or request.reason
    apply_changes(session, action, changes, actor=author.email, reason=reason, now=now)
    if plan.requested_deadline:
        audit.record(
            session,
            actor=author.email,
            entity="action",
            entity_id=action.id,
            action_id=action.id,
            field="deadline_requested",
            old=action.deadline,
            new=plan.requested_deadline,
            reason=request.reason,
            at=now,
        )
    if plan.status_to == Status.NOT_ACCEPTED:
        audit.record(
            session,
            actor=author.email,
            entity="action",
            entity_id=action.id,
            action_id=action.id,
            field="status_requested",
            old=action.status,
            new=Status.NOT_ACCEPTED.value,
            reason=reason,
            at=now,
        )
    action.last_update_at = now
    if request.note:
        action.last_update_note = request.note
    session.flush()
    return _outcome(action, plan.needs_review, "update recorded")


def may_review(session: Session, reviewer: Person, owner_id: int | None) -> bool:
    """The one rule for the CLI and the portal: the SRO, or a manager above the owner."""
    if reviewer.role == Role.SRO:
        return True
    seen: set[int] = set()
    person = session.get(Person, owner_id) if owner_id is not None else None
    while person is not None and person.manager_id is not None and person.id not in seen:
        seen.add(person.id or -1)
        if person.manager_id == reviewer.id:
            return True
        person = session.get(Person, person.manager_id)
    return False


def review(
    session: Session,
    ref: str,
    *,
    accept: bool,
    by: str,
    note: str = "",
    now: datetime | None = None,
) -> UpdateOutcome:
    """Accept or reject everything awaiting review on an action."""
    now = now or utcnow()
    action = get_action(session, ref, for_update=True)
    reviewer = get_person(session, by)
    assert action.id is not None and reviewer.id is not None
    pending = pending_updates(session, action.id)
    if not pending:
        raise RuleViolation(f"{action.ref} has nothing awaiting review")
    if reviewer.id == action.owner_id:
        raise RuleViolation(
            f"{reviewer.email} owns {action.ref} and cannot review it; ask their manager or the SRO"
        )
    if not may_review(session, reviewer, action.owner_id):
        raise RuleViolation(
            f"{reviewer.email} cannot review {action.ref}: a reviewer is in the owner's manager "
            "chain or is the SRO (docs/lifecycle.md)"
        )
    decision = Decision.ACCEPTED if accept else Decision.REJECTED
    for update in pending:
        assert update.id is not None
        request = PendingRequest(
            status_to=Status(update.status_to) if update.status_to else None,
            requested_deadline=update.requested_deadline,
            reason=update.reason or update.note,
        )
        changes = plan_review(action.ref, Status(action.status), request, accept=accept)
        session.add(
            Review(
                update_id=update.id,
                reviewer_id=reviewer.id,
                decision=decision.value,
                note=note,
                created_at=now,
            )
        )
        audit.record(
            session,
            actor=reviewer.email,
            entity="action_update",
            entity_id=update.id,
            action_id=action.id,
            field="review",
            old="pending",
            new=decision.value,
            reason=note,
            at=now,
        )
        apply_changes(
            session, action, changes, actor=reviewer.email, reason=note or request.reason, now=now
        )
    if not accept:
        verb = "rejected"
        action.last_update_note = (
            f"Rejected by {reviewer.name}: {note}" if note else (f"Rejected by {reviewer.name}")
        )
    else:
        verb = "accepted"
    session.flush()
    return _outcome(action, False, f"{verb} by {reviewer.email}")


def _outcome(action: Action, awaiting: bool, message: str) -> UpdateOutcome:
    return UpdateOutcome(
        ref=action.ref,
        status=action.status,
        progress=action.progress,
        deadline=action.deadline.isoformat() if action.deadline else None,
        awaiting_review=awaiting,
        message=message,
    )
