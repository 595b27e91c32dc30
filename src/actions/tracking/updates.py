"""Recording updates and reviews (docs/lifecycle.md), with their audit records in one
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.dates import utcnow
from actions.common.errors import RuleViolation
from actions.domain.lifecycle import (
    PendingRequest,
    UpdatePlan,
    UpdateRequest,
    plan_review,
    plan_update,
)
from actions.domain.models import Action, ActionUpdate, Decision, Person, Review, Status
from actions.tracking import audit
from actions.tracking.people import get_person, team_of
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
    trail: audit.Trail, action: Action, changes: dict[str, Any], *, reason: str
) -> None:
    """Set fields on an action and audit each one that changed."""
    assert action.id is not None
    now = trail.now
    before = {name: getattr(action, name) for name in changes}
    for name, value in changes.items():
        setattr(action, name, value.value if isinstance(value, Status) else value)
    if "status" in changes and changes["status"] == Status.CLOSED:
        action.closed_at = now
    action.updated_at = now
    trail.add_changes(
        "action",
        action.id,
        {name: (before[name], getattr(action, name)) for name in changes},
        reason=reason,
        action_id=action.id,
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
    action, author, pending = _locked(session, ref, by)
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
    session.add(_new_update(action, author, request, plan, changes, via=via, now=now))
    trail = audit.Trail(session, author.email, now)
    reason = request.note or request.reason
    apply_changes(trail, action, changes, reason=reason)
    _audit_requests(trail, action, plan, request, reason)
    action.last_update_at = now
    if request.note:
        action.last_update_note = request.note
    session.flush()
    return _outcome(action, plan.needs_review, "update recorded")


def _locked(session: Session, ref: str, by: str) -> tuple[Action, Person, list[ActionUpdate]]:
    """The action (locked for the change), the person acting, and what awaits review on it."""
    action = get_action(session, ref, for_update=True)
    person = get_person(session, by)
    assert action.id is not None and person.id is not None
    return action, person, pending_updates(session, action.id)


def _new_update(
    action: Action,
    author: Person,
    request: UpdateRequest,
    plan: UpdatePlan,
    changes: dict[str, Any],
    *,
    via: str,
    now: datetime,
) -> ActionUpdate:
    assert action.id is not None and author.id is not None
    return ActionUpdate(
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


def _audit_requests(
    trail: audit.Trail, action: Action, plan: UpdatePlan, request: UpdateRequest, reason: str
) -> None:
    """What awaits review is audited as asked for; it changes the action only once accepted."""
    assert action.id is not None
    if plan.requested_deadline:
        trail.add(
            trail.action_row(
                action.id,
                "deadline_requested",
                action.deadline,
                plan.requested_deadline,
                reason=request.reason,
            )
        )
    if plan.status_to == Status.NOT_ACCEPTED:
        trail.add(
            trail.action_row(
                action.id,
                "status_requested",
                action.status,
                Status.NOT_ACCEPTED.value,
                reason=reason,
            )
        )


def may_review(session: Session, reviewer: Person, owner_id: int | None) -> bool:
    """The one rule for the CLI and the portal: the SRO, or a manager above the owner."""
    return team_of(session, reviewer).covers(owner_id)


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
    action, reviewer, pending = _locked(session, ref, by)
    _check_reviewer(session, action, reviewer, pending)
    decision = Decision.ACCEPTED if accept else Decision.REJECTED
    trail = audit.Trail(session, reviewer.email, now)
    for update in pending:
        _decide(trail, action, update, reviewer, decision, note)
    if not accept:
        verb = "rejected"
        action.last_update_note = (
            f"Rejected by {reviewer.name}: {note}" if note else (f"Rejected by {reviewer.name}")
        )
    else:
        verb = "accepted"
    session.flush()
    return _outcome(action, False, f"{verb} by {reviewer.email}")


def _check_reviewer(
    session: Session, action: Action, reviewer: Person, pending: list[ActionUpdate]
) -> None:
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


def _decide(
    trail: audit.Trail,
    action: Action,
    update: ActionUpdate,
    reviewer: Person,
    decision: Decision,
    note: str,
) -> None:
    """One pending update reviewed: the review, its audit record, and what it changes."""
    assert action.id is not None and update.id is not None and reviewer.id is not None
    request = PendingRequest(
        status_to=Status(update.status_to) if update.status_to else None,
        requested_deadline=update.requested_deadline,
        reason=update.reason or update.note,
    )
    accept = decision == Decision.ACCEPTED
    changes = plan_review(action.ref, Status(action.status), request, accept=accept)
    trail.session.add(
        Review(
            update_id=update.id,
            reviewer_id=reviewer.id,
            decision=decision.value,
            note=note,
            created_at=trail.now,
        )
    )
    trail.add(
        trail.row(
            "action_update",
            update.id,
            "review",
            "pending",
            decision.value,
            reason=note,
            action_id=action.id,
        )
    )
    apply_changes(trail, action, changes, reason=note or request.reason)


def _outcome(action: Action, awaiting: bool, message: str) -> UpdateOutcome:
    return UpdateOutcome(
        ref=action.ref,
        status=action.status,
        progress=action.progress,
        deadline=action.deadline.isoformat() if action.deadline else None,
        awaiting_review=awaiting,
        message=message,
    )
