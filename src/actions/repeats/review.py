"""A person's word on repeat links: confirm a suggestion, dismiss it, add a link the matcher
missed, or break a wrong one (docs/next-inspection.md). Only the SRO decides; every decision is
audited. Also the chain of one action across inspections, for ``show`` and the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from actions.common.dates import london_date_or_none, utcnow
from actions.common.errors import RuleViolation
from actions.domain.models import (
    Action,
    AuditRecord,
    Finding,
    Inspection,
    Person,
    RepeatSuggestion,
    Role,
    Status,
    SuggestionState,
)
from actions.repeats.service import ActionChange, link
from actions.tracking import audit
from actions.tracking.people import get_person
from actions.tracking.queries import get_action


@dataclass(frozen=True)
class Decision:
    ref: str
    repeat_of: str | None
    message: str


@dataclass(frozen=True)
class ChainStep:
    ref: str
    inspection: str
    status: str
    closed_on: date | None


@dataclass(frozen=True)
class SuggestionView:
    ref: str
    repeat_of: str
    similarity: float
    finding: str
    earlier_finding: str


def _start(
    session: Session, ref: str, by: str, now: datetime | None
) -> tuple[audit.Trail, Action, list[RepeatSuggestion]]:
    """Who decides (the SRO) and when, on which action (locked), and what is pending on it."""
    person = _decider(session, by)
    action = get_action(session, ref, for_update=True)
    return audit.Trail(session, person.email, now or utcnow()), action, _pending(session, action)


def _decider(session: Session, by: str) -> Person:
    person = get_person(session, by)
    if person.role != Role.SRO:
        raise RuleViolation(
            f"{person.email} cannot decide repeat links: only the SRO can (docs/next-inspection.md)"
        )
    return person


def confirm(
    session: Session,
    ref: str,
    *,
    by: str,
    repeat_of: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Link ``ref`` to the suggested earlier action, or to ``repeat_of`` (a link of one's own)."""
    trail, action, pending = _start(session, ref, by, now)
    if repeat_of is not None:
        earlier = get_action(session, repeat_of, for_update=True)
    elif len(pending) == 1:
        earlier = _action(session, pending[0].earlier_id)
    elif not pending:
        raise RuleViolation(
            f"{action.ref} has no suggested repeat to confirm; name one with --repeat-of REF"
        )
    else:
        named = ", ".join(_ref(session, s.earlier_id) for s in pending)
        raise RuleViolation(
            f"{action.ref} has several suggestions ({named}); pick one with --repeat-of"
        )
    _check_link(action, earlier)
    assert action.id is not None and earlier.id is not None
    how = "confirmed" if any(s.earlier_id == earlier.id for s in pending) else "linked by hand"
    link(session, action.id, earlier.id, actor=trail.actor, at=trail.now, reason=f"repeat {how}")
    for suggestion in pending:
        _decide(trail, suggestion, confirmed=suggestion.earlier_id == earlier.id)
    session.flush()
    return Decision(action.ref, earlier.ref, f"{action.ref} repeats {earlier.ref} ({how})")


def dismiss(
    session: Session,
    ref: str,
    *,
    by: str,
    repeat_of: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Say a suggested earlier action is not what ``ref`` repeats."""
    trail, action, pending = _start(session, ref, by, now)
    if repeat_of is not None:
        wanted = get_action(session, repeat_of).id
        pending = [s for s in pending if s.earlier_id == wanted]
    if not pending:
        raise RuleViolation(f"{action.ref} has no suggested repeat to dismiss")
    for suggestion in pending:
        _decide(trail, suggestion, confirmed=False)
    session.flush()
    return Decision(action.ref, None, f"{action.ref}: {len(pending)} suggestion(s) dismissed")


def break_link(
    session: Session, ref: str, *, by: str, reason: str, now: datetime | None = None
) -> Decision:
    """Undo a wrong link: the earlier action gets back its status from before it was superseded."""
    now = now or utcnow()
    person = _decider(session, by)
    if not reason.strip():
        raise RuleViolation("breaking a repeat link needs a reason (--reason)")
    action = get_action(session, ref, for_update=True)
    if action.repeat_of_id is None:
        raise RuleViolation(f"{action.ref} is not linked to an earlier action")
    earlier = _action(session, action.repeat_of_id)
    assert earlier.id is not None
    change = ActionChange(audit.Trail(session, person.email, now))
    change.record(action, "repeat_of", earlier.ref, None, reason)
    action.repeat_of_id = None
    if earlier.superseded_by_id == action.id and earlier.status == Status.SUPERSEDED.value:
        before = _status_before_superseded(session, earlier.id)
        change.record(
            earlier, "status", earlier.status, before, f"{action.ref} is not a repeat: {reason}"
        )
        earlier.status = before
        earlier.superseded_by_id = None
    session.flush()
    return Decision(
        action.ref,
        None,
        f"{action.ref} no longer repeats {earlier.ref}; {earlier.ref} is {earlier.status}",
    )


def pending_suggestions(session: Session) -> list[SuggestionView]:
    new, old = Action.__table__.alias("new"), Action.__table__.alias("old")  # type: ignore[attr-defined]
    new_finding, old_finding = Finding.__table__.alias("nf"), Finding.__table__.alias("of")  # type: ignore[attr-defined]
    rows = session.execute(
        select(
            new.c.ref,
            old.c.ref,
            col(RepeatSuggestion.similarity),
            new_finding.c.text,
            old_finding.c.text,
        )
        .select_from(RepeatSuggestion)
        .join(new, new.c.id == RepeatSuggestion.action_id)
        .join(old, old.c.id == RepeatSuggestion.earlier_id)
        .join(new_finding, new_finding.c.id == new.c.finding_id)
        .join(old_finding, old_finding.c.id == old.c.finding_id)
        .where(col(RepeatSuggestion.state) == SuggestionState.PENDING.value)
        .order_by(new.c.ref, col(RepeatSuggestion.similarity).desc())
    ).all()
    return [SuggestionView(*row) for row in rows]


def chain(session: Session, action: Action) -> list[ChainStep]:
    """The action's line across inspections, oldest first: what it repeats and what repeats it."""
    steps = [action]
    seen = {action.id}
    while steps[0].repeat_of_id is not None and steps[0].repeat_of_id not in seen:
        earlier = _action(session, steps[0].repeat_of_id)
        seen.add(earlier.id)
        steps.insert(0, earlier)
    while True:
        later = (
            session.execute(
                select(Action)
                .where(col(Action.repeat_of_id) == steps[-1].id)
                .order_by(col(Action.id))
            )
            .scalars()
            .first()
        )
        if later is None or later.id in seen:
            break
        seen.add(later.id)
        steps.append(later)
    if len(steps) == 1:
        return []
    codes = dict(
        session.execute(
            select(col(Inspection.id), col(Inspection.code)).where(
                col(Inspection.id).in_({s.inspection_id for s in steps})
            )
        ).all()
    )  # type: ignore[attr-defined]
    return [
        ChainStep(
            s.ref,
            codes[s.inspection_id],
            s.status,
            london_date_or_none(s.closed_at) if s.status == Status.CLOSED.value else None,
        )
        for s in steps
    ]


def _check_link(action: Action, earlier: Action) -> None:
    if earlier.id == action.id:
        raise RuleViolation(f"{action.ref} cannot repeat itself")
    if earlier.inspection_id == action.inspection_id:
        raise RuleViolation(
            f"{earlier.ref} is in the same inspection as {action.ref}: a repeat continues an "
            "earlier inspection's action"
        )
    if earlier.repeat_of_id == action.id:
        raise RuleViolation(f"{earlier.ref} already repeats {action.ref}: links cannot go round")
    if action.repeat_of_id not in (None, earlier.id):
        raise RuleViolation(
            f"{action.ref} already repeats another action: break that link first "
            "(`actions repeats break`)"
        )
    if earlier.superseded_by_id not in (None, action.id):
        raise RuleViolation(f"{earlier.ref} is already continued by another action")


def _pending(session: Session, action: Action) -> list[RepeatSuggestion]:
    return list(
        session.execute(
            select(RepeatSuggestion)
            .where(
                col(RepeatSuggestion.action_id) == action.id,
                col(RepeatSuggestion.state) == SuggestionState.PENDING.value,
            )
            .order_by(col(RepeatSuggestion.similarity).desc())
        ).scalars()
    )


def _decide(trail: audit.Trail, suggestion: RepeatSuggestion, *, confirmed: bool) -> None:
    state = SuggestionState.CONFIRMED if confirmed else SuggestionState.DISMISSED
    assert suggestion.id is not None
    earlier = _ref(trail.session, suggestion.earlier_id)
    reason = f"may repeat {earlier} ({suggestion.similarity:.2f})"
    trail.add(
        trail.row(
            "repeat_suggestion",
            suggestion.id,
            "state",
            suggestion.state,
            state.value,
            reason=reason,
            action_id=suggestion.action_id,
        )
    )
    suggestion.state = state.value
    suggestion.decided_by = trail.actor
    suggestion.decided_at = trail.now


def _status_before_superseded(session: Session, action_id: int) -> str:
    old = (
        session.execute(
            select(col(AuditRecord.old))
            .where(
                col(AuditRecord.action_id) == action_id,
                col(AuditRecord.field) == "status",
                col(AuditRecord.new) == Status.SUPERSEDED.value,
            )
            .order_by(col(AuditRecord.id).desc())
        )
        .scalars()
        .first()
    )
    return old or Status.OPEN.value


def _action(session: Session, action_id: int) -> Action:
    action = session.get(Action, action_id)
    assert action is not None
    return action


def _ref(session: Session, action_id: int) -> str:
    return _action(session, action_id).ref
