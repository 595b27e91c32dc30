"""Readiness forecast: at the recent completion rate, what is still open at the next inspection.

The arithmetic, in full (all dates are London dates):

1. **Completions** are the actions that are completed or closed now, dated by the day they last
   entered completed/closed (a completion that was rejected and reopened does not count: it was
   not delivered).
2. **Window**: the last ``window_days`` days up to and including ``as_of`` (the policy's
   ``report.forecast_window_days``, default 90). If the tracking started more recently than that,
   the window shrinks to the days since the first action was created (at least 1), so a young
   plan is not judged as if it had been idle before it existed.
3. **Rate** = completions inside the window ÷ window days (actions per day; shown per week).
4. **Days left** = next inspection date − ``as_of``.
5. **Expected completions** = ⌊rate × days left⌋ (rounded down: only whole actions get finished).
6. **Predicted open** = max(0, open now − expected completions), where "open now" counts open,
   in progress and blocked actions.
7. **Which ones**: the open actions are ranked by how close they are to finishing — progress
   (highest first), then deadline (earliest first, none last), then ref — and the first
   "expected completions" of them are assumed done; the rest are the items predicted still open.
8. **Projected finish** = ``as_of`` + ⌈open now ÷ rate⌉ days, when the rate is above zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from actions.domain.models import Status

DONE = frozenset({Status.COMPLETED.value, Status.CLOSED.value})


@dataclass(frozen=True)
class OpenItem:
    ref: str
    title: str
    owner: str
    progress: int
    deadline: date | None


@dataclass(frozen=True)
class Forecast:
    label: str
    as_of: date
    next_inspection: date | None
    window_days: int
    completed_in_window: int
    rate_per_day: float
    days_left: int
    open_now: int
    expected_completions: int
    predicted_open: int
    still_open: tuple[OpenItem, ...]
    projected_finish: date | None

    @property
    def rate_per_week(self) -> float:
        return self.rate_per_day * 7

    @property
    def applicable(self) -> bool:
        """False when there is no next inspection date, or it has passed."""
        return self.next_inspection is not None and self.days_left > 0

    @property
    def verdict(self) -> str:
        if not self.applicable:
            return "No forecast: no future inspection date"
        if self.open_now == 0:
            return "Ready: nothing open"
        if self.predicted_open == 0:
            return "On track: all open actions forecast done"
        return f"At risk: {self.predicted_open} of {self.open_now} forecast still open"

    def as_json(self) -> dict[str, object]:
        return {
            "inspection": self.label,
            "next_inspection": self.next_inspection.isoformat() if self.next_inspection else None,
            "window_days": self.window_days,
            "completed_in_window": self.completed_in_window,
            "rate_per_week": round(self.rate_per_week, 2),
            "days_left": self.days_left,
            "open_now": self.open_now,
            "expected_completions": self.expected_completions,
            "predicted_open": self.predicted_open,
            "predicted_open_refs": [item.ref for item in self.still_open],
            "projected_finish": self.projected_finish.isoformat()
            if self.projected_finish
            else None,
            "verdict": self.verdict,
        }


def completion_days(
    statuses: Mapping[int, Sequence[tuple[date, str]]], done_now: Iterable[int]
) -> list[date]:
    """The day each action that is done now last entered completed/closed (step 1)."""
    days = []
    for action_id in done_now:
        entered: date | None = None
        previous_done = False
        for day, status in statuses.get(action_id, ()):
            is_done = status in DONE
            if is_done and not previous_done:
                entered = day
            previous_done = is_done
        if entered is not None and previous_done:
            days.append(entered)
    return days


def rank_for_completion(items: Iterable[OpenItem]) -> list[OpenItem]:
    """Closest to finishing first (step 7)."""
    return sorted(items, key=lambda i: (-i.progress, i.deadline or date.max, i.ref))


def forecast(
    *,
    label: str,
    open_items: Sequence[OpenItem],
    completions: Sequence[date],
    as_of: date,
    next_inspection: date | None,
    window_days: int,
    history_start: date | None,
) -> Forecast:
    window = window_days
    if history_start is not None:
        window = max(1, min(window_days, (as_of - history_start).days))
    window_start = as_of - timedelta(days=window)
    done_in_window = sum(1 for d in completions if window_start < d <= as_of)
    days_left = (next_inspection - as_of).days if next_inspection else 0
    # Integer arithmetic: floor(done / window × days) and ceil(open ÷ (done / window)) exactly.
    expected = done_in_window * max(days_left, 0) // window
    ranked = rank_for_completion(open_items)
    still_open = tuple(ranked[expected:])
    finish_days = -(-len(ranked) * window // done_in_window) if done_in_window else None
    return Forecast(
        label=label,
        as_of=as_of,
        next_inspection=next_inspection,
        window_days=window,
        completed_in_window=done_in_window,
        rate_per_day=done_in_window / window,
        days_left=days_left,
        open_now=len(ranked),
        expected_completions=min(expected, len(ranked)),
        predicted_open=len(still_open),
        still_open=still_open,
        projected_finish=(
            as_of
            if not ranked
            else (as_of + timedelta(days=finish_days) if finish_days is not None else None)
        ),
    )
