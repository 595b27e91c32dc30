"""When an action is due a reminder or an escalation (docs/chasing.md), as pure rules.

Thresholds are windows, not exact days: a run that was missed is caught up by the next one. Each
rule returns the threshold that is due *now* and its dedupe key; the key is what makes a reminder
go out once. Keys include the deadline, so an accepted new deadline re-arms reminders and ends
the escalation of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from actions.domain.policy import EscalationLevel, Policy


@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # "deadline_reminder", "update_request" or "escalation"
    threshold: str
    dedupe_key: str
    level: int = 0
    days: int = 0  # days left (reminders), days overdue (escalations), days silent (updates)


def deadline_reminder(
    action_id: int, deadline: date | None, as_of: date, policy: Policy
) -> Due | None:
    """The tightest reminder offset the action has entered (14, 7, 1 days before by default).

    Entering a tighter window supersedes the looser ones, so a run that missed the 14-day reminder
    and runs at 5 days left sends the 7-day one only, once.
    """
    if deadline is None:
        return None
    days_left = (deadline - as_of).days
    if days_left < 0:
        return None  # overdue: escalation's business
    offset = _tightest(days_left, _sorted_offsets(policy.chase.reminder_days_before))
    if offset is None:
        return None
    return Due(
        "deadline_reminder",
        f"d{offset}",
        f"remind:{action_id}:{deadline.isoformat()}:d{offset}",
        days=days_left,
    )


@lru_cache(maxsize=16)
def _sorted_offsets(offsets: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(offsets)))


def _tightest(days_left: int, ascending: tuple[int, ...]) -> int | None:
    for offset in ascending:  # a handful of offsets: a loop beats bisect here
        if days_left <= offset:
            return offset
    return None


def update_request(action_id: int, last_activity: date, as_of: date, policy: Policy) -> Due | None:
    """An update is requested every ``update_cadence_days`` of silence (30 by default)."""
    cadence = policy.chase.update_cadence_days
    silent = (as_of - last_activity).days
    if silent < cadence:
        return None
    cycle = silent // cadence
    return Due(
        "update_request",
        f"silent{cycle * cadence}",
        f"update:{action_id}:{last_activity.isoformat()}:c{cycle}",
        days=silent,
    )


def escalation(action_id: int, deadline: date | None, as_of: date, policy: Policy) -> Due | None:
    """The current escalation level and its repeat number (a level repeats every 7 days)."""
    if deadline is None or deadline >= as_of:
        return None
    overdue = (as_of - deadline).days
    level = current_level(overdue, policy.escalation.levels)
    if level is None:
        return None
    repeat = (overdue - level.days_overdue) // policy.escalation.repeat_days
    return Due(
        "escalation",
        f"L{level.level}r{repeat}",
        f"escalate:{action_id}:{deadline.isoformat()}:L{level.level}:r{repeat}",
        level=level.level,
        days=overdue,
    )


def current_level(days_overdue: int, levels: tuple[EscalationLevel, ...]) -> EscalationLevel | None:
    for level in reversed(levels):  # levels rise with days overdue (checked by the policy)
        if days_overdue >= level.days_overdue:
            return level
    return None
