"""The candidates of a run: open actions that may be due something, read in batches ordered by
recipient, each put through the pure rules (:mod:`actions.chasing.thresholds`) and checked
against the dedupe ledger, so only what was not sent yet goes on to routing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from actions.chasing.thresholds import Due, deadline_reminder, escalation, update_request
from actions.common.dates import LONDON, london_date
from actions.common.gcpause import collect_young
from actions.domain.models import OPEN_STATUSES, Action, MessageItem, Person
from actions.domain.policy import Policy
from actions.domain.types import UTCDateTime
from actions.store.bulk import among

CHASE = "chase"
ESCALATE = "escalate"
_OPEN = [s.value for s in OPEN_STATUSES]
#: Candidate rows read, and digest lines written, per batch. Memory follows this, not the data.
BATCH = 5000


def fresh(
    session: Session, kind: str, as_of: date, policy: Policy, *, by_manager: bool = False
) -> Iterator[tuple[Any, list[Due], int]]:
    """(row, dues not yet sent, how many were already sent) for each candidate due something,
    ordered by recipient (see :func:`_candidates`)."""
    batches = _candidates(session, kind, as_of, policy, by_manager=by_manager)
    return _fresh(session, batches, kind, as_of, policy)


def _start_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _candidates(
    session: Session, kind: str, as_of: date, policy: Policy, *, by_manager: bool = False
) -> Iterator[Sequence[Any]]:
    """Open actions that may be due something, in batches, with only the columns the rules and
    the routing need, ordered by recipient: the owner (with the owner's details and active
    manager), or with ``by_manager`` the owner's active manager (with the manager's details),
    for the level-2 escalations that go to managers. People arrive with their actions, so no
    directory of everyone is held in memory."""
    owner, manager = aliased(Person), aliased(Person)
    columns: list[Any] = [
        col(Action.id),
        col(Action.ref),
        col(Action.deadline),
        col(Action.owner_id),
        col(Action.escalation_level),
    ]
    where: list[Any] = [col(Action.status).in_(_OPEN)]
    if kind == CHASE:
        horizon = as_of + timedelta(days=max(policy.chase.reminder_days_before, default=0))
        silent_since = _start_of_day_utc(
            as_of - timedelta(days=policy.chase.update_cadence_days - 1)
        )
        activity = func.coalesce(col(Action.last_update_at), col(Action.created_at))
        columns.append(type_coerce(activity, UTCDateTime()).label("activity"))
        due_soon = and_(col(Action.deadline) >= as_of, col(Action.deadline) <= horizon)
        where += [col(Action.owner_id).is_not(None), or_(due_soon, activity < silent_since)]
    else:
        where.append(col(Action.deadline) < as_of)
    # The recipient's id, email, name and role; escalations also need the owner's active manager.
    active_owner = and_(col(owner.id) == col(Action.owner_id), col(owner.active))
    active_manager = and_(col(manager.id) == col(owner.manager_id), col(manager.active))
    if by_manager:
        person = manager
        stmt = select(*columns).join(owner, active_owner).join(manager, active_manager)
        where += _level_window(as_of, policy, 2)
    else:
        person = owner
        stmt = select(*columns).outerjoin(owner, active_owner)
        if kind == ESCALATE:  # whether level 2 has a manager to go to
            stmt = stmt.add_columns(col(manager.id).label("manager_id"))
            stmt = stmt.outerjoin(manager, active_manager)
    stmt = stmt.add_columns(
        col(person.id).label("to_id"),
        col(person.email).label("to_email"),
        col(person.name).label("to_name"),
        col(person.role).label("to_role"),
    )
    stmt = stmt.where(*where).order_by(col(person.id), col(Action.id))
    # Core rather than the ORM session: the ORM's row handling costs a third of the fetch here.
    result = session.connection().execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _level_window(as_of: date, policy: Policy, wanted: int) -> list[Any]:
    """Deadlines whose days overdue put an action at level ``wanted`` (none if no such level)."""
    levels = sorted(policy.escalation.levels, key=lambda lv: lv.days_overdue)
    for index, level in enumerate(levels):
        if level.level == wanted:
            bounds = [col(Action.deadline) <= as_of - timedelta(days=level.days_overdue)]
            if index + 1 < len(levels):
                higher = levels[index + 1].days_overdue
                bounds.append(col(Action.deadline) > as_of - timedelta(days=higher))
            return bounds
    return [false()]


def _spent(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys the ledger already holds: one primary-key lookup per batch, so
    the cost follows today's candidates, not the years of reminders behind them."""
    if not keys:
        return set()
    key = col(MessageItem.dedupe_key)
    stmt = select(key).where(among(session, key, keys))
    return set(session.connection().execute(stmt).scalars())


def _fresh(
    session: Session, batches: Iterable[Sequence[Any]], kind: str, as_of: date, policy: Policy
) -> Iterator[tuple[Any, list[Due], int]]:
    """(row, dues not yet sent, how many were already sent) for each candidate due something."""
    for batch in batches:
        collect_young()  # the garbage cycles of the batch before (the collector is paused)
        due = [(row, dues) for row in batch if (dues := _dues(row, kind, as_of, policy))]
        used = _spent(session, [d.dedupe_key for _, dues in due for d in dues])
        for row, dues in due:
            fresh = [d for d in dues if d.dedupe_key not in used] if used else dues
            yield row, fresh, len(dues) - len(fresh)


def _dues(row: Any, kind: str, as_of: date, policy: Policy) -> list[Due]:
    if kind == ESCALATE:
        due = escalation(row.id, row.deadline, as_of, policy)
        return [due] if due else []
    activity = london_date(row.activity) if row.activity else as_of
    found = [
        deadline_reminder(row.id, row.deadline, as_of, policy),
        update_request(row.id, activity, as_of, policy),
    ]
    return [d for d in found if d is not None]
