"""Repeat links in the database: the earlier actions a new report is compared with, and what a
link changes (docs/next-inspection.md).

A link (``action.repeat_of_id``) carries the owner over and supersedes the earlier action unless
it was closed (a closed action raised again stays closed and is flagged: its fix did not hold).
Matches the matcher is unsure of become pending suggestions for the SRO. Nothing here closes an
earlier action that the new report does not raise again: those are listed for review.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from actions.common.dates import utcnow
from actions.domain.models import (
    OPEN_STATUSES,
    Action,
    Finding,
    Inspection,
    Person,
    RepeatSuggestion,
    Status,
)
from actions.repeats.matching import Candidate, match
from actions.tracking import audit

#: How long a closed action stays a candidate: inspection cycles run two to three years, and a
#: fix that did not hold shows at the next one.
CLOSED_LOOKBACK = timedelta(days=3 * 366)
#: Statuses compared with a new report: open work, completions awaiting review, recent closures.
_CANDIDATE_STATUSES = (*(s.value for s in OPEN_STATUSES), Status.COMPLETED.value)


@dataclass(frozen=True)
class EarlierAction:
    id: int
    ref: str
    status: str
    text: str
    owner_email: str | None
    closed_on: date | None


@dataclass(frozen=True)
class PlannedRepeat:
    """A new finding (by its index in the report) that repeats an earlier action."""

    finding_index: int
    earlier: EarlierAction
    similarity: float
    #: True: linked at ingest; False: a suggestion for a person to confirm.
    certain: bool

    @property
    def raised_again_after_closing(self) -> bool:
        return self.earlier.status == Status.CLOSED.value


def body_key(body: str) -> str:
    return " ".join(body.lower().split())


def earlier_actions(
    session: Session, body: str, *, now: datetime | None = None
) -> list[EarlierAction]:
    """The body's actions a new report may repeat: open, awaiting review or recently closed."""
    cutoff = (now or utcnow()) - CLOSED_LOOKBACK
    wanted = col(Action.status).in_(_CANDIDATE_STATUSES) | (  # type: ignore[attr-defined]
        (col(Action.status) == Status.CLOSED.value) & (col(Action.closed_at) >= cutoff)
    )
    rows = session.execute(
        select(
            col(Action.id),
            col(Action.ref),
            col(Action.status),
            col(Finding.text),
            col(Person.email),
            col(Action.closed_at),
        )
        .join(Finding, col(Finding.id) == col(Action.finding_id))
        .join(Inspection, col(Inspection.id) == col(Action.inspection_id))
        .outerjoin(Person, col(Person.id) == col(Action.owner_id))
        .where(func.lower(col(Inspection.body)) == body_key(body), wanted)
        .order_by(col(Action.id))
    ).all()
    return [
        EarlierAction(
            id=row[0],
            ref=row[1],
            status=row[2],
            text=row[3],
            owner_email=row[4],
            closed_on=row[5].date() if row[5] else None,
        )
        for row in rows
    ]


def plan_repeats(
    texts: Sequence[str], earlier: Sequence[EarlierAction], *, body: str
) -> list[PlannedRepeat]:
    by_id = {e.id: e for e in earlier}
    matches = match(texts, [Candidate(e.id, e.text) for e in earlier], body=body)
    return [
        PlannedRepeat(m.new_index, by_id[m.earlier_key], m.similarity, m.certain) for m in matches
    ]


def not_raised_again(
    earlier: Iterable[EarlierAction], repeats: Iterable[PlannedRepeat]
) -> list[str]:
    """Earlier actions still open that the new report neither repeats nor may repeat."""
    matched = {r.earlier.id for r in repeats}
    return [e.ref for e in earlier if e.id not in matched and e.status != Status.CLOSED.value]


def record_repeats(
    session: Session,
    repeats: Iterable[PlannedRepeat],
    action_ids: dict[int, int],
    *,
    actor: str,
    at: datetime,
    source: str,
) -> None:
    """Link the certain repeats (owner, succession, audit) and store the suggestions;
    ``action_ids`` maps a finding index to its new action's id."""
    repeats = list(repeats)
    involved = [r.earlier.id for r in repeats] + [action_ids[r.finding_index] for r in repeats]
    # One read puts every action involved in the session, so each link below finds it there.
    list(session.execute(select(Action).where(col(Action.id).in_(involved))).scalars())  # type: ignore[attr-defined]
    suggestions = []
    for repeat in repeats:
        new_id = action_ids[repeat.finding_index]
        if repeat.certain:
            link(
                session,
                new_id,
                repeat.earlier.id,
                actor=actor,
                at=at,
                reason=f"raised again in {source} (similarity {repeat.similarity:.2f})",
                owner_already_set=True,
            )
        else:
            suggestions.append(
                RepeatSuggestion(
                    action_id=new_id,
                    earlier_id=repeat.earlier.id,
                    similarity=repeat.similarity,
                    created_at=at,
                )
            )
    session.add_all(suggestions)


def link(
    session: Session,
    action_id: int,
    earlier_id: int,
    *,
    actor: str,
    at: datetime,
    reason: str,
    owner_already_set: bool = False,
) -> None:
    """Make ``action_id`` the continuation of ``earlier_id``: owner, succession, audit."""
    action = session.get(Action, action_id)
    earlier = session.get(Action, earlier_id)
    assert action is not None and earlier is not None
    assert action.id is not None and earlier.id is not None
    change = ActionChange(audit.Trail(session, actor, at))
    if action.repeat_of_id != earlier.id:
        old_ref = _ref(session, action.repeat_of_id)
        change.record(action, "repeat_of", old_ref, earlier.ref, reason)
        action.repeat_of_id = earlier.id
    if not owner_already_set and earlier.owner_id and action.owner_id != earlier.owner_id:
        old, new = _email(session, action.owner_id), _email(session, earlier.owner_id)
        change.record(action, "owner", old, new, f"carried over from {earlier.ref}")
        action.owner_id = earlier.owner_id
    if earlier.status == Status.CLOSED.value:
        change.record(earlier, "raised_again", None, action.ref, reason)
        return
    if earlier.status != Status.SUPERSEDED.value or earlier.superseded_by_id != action.id:
        change.record(
            earlier,
            "status",
            earlier.status,
            Status.SUPERSEDED.value,
            f"raised again as {action.ref}",
        )
        earlier.status = Status.SUPERSEDED.value
        earlier.superseded_by_id = action.id
        earlier.escalation_level = 0


@dataclass(frozen=True)
class ActionChange:
    """One person's change to actions at one moment: each field written with its audit record."""

    trail: audit.Trail

    def record(self, action: Action, field: str, old: object, new: object, reason: str) -> None:
        assert action.id is not None
        self.trail.add(self.trail.action_row(action.id, field, old, new, reason=reason))
        action.updated_at = self.trail.now


def _ref(session: Session, action_id: int | None) -> str | None:
    if action_id is None:
        return None
    return session.execute(select(col(Action.ref)).where(col(Action.id) == action_id)).scalar_one()


def _email(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return session.execute(
        select(col(Person.email)).where(col(Person.id) == person_id)
    ).scalar_one()
