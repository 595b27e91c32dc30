"""RAG exactly as docs/lifecycle.md defines it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from actions.domain.rag import Rag, rag

TODAY = date(2027, 3, 1)


def colour(
    status: str = "open",
    deadline_in: int | None = 60,
    progress: int = 0,
    last_update_days_ago: int = 1,
) -> Rag:
    return rag(
        status=status,
        deadline=TODAY + timedelta(days=deadline_in) if deadline_in is not None else None,
        progress=progress,
        last_activity=TODAY - timedelta(days=last_update_days_ago),
        as_of=TODAY,
    )


def test_overdue_is_red() -> None:
    assert colour(deadline_in=-1) == Rag.RED


def test_due_today_is_not_overdue() -> None:
    assert colour(deadline_in=0, progress=80) == Rag.GREEN


def test_blocked_is_red() -> None:
    assert colour(status="blocked") == Rag.RED


@pytest.mark.parametrize(
    ("days", "progress", "expected"),
    [(14, 74, Rag.AMBER), (14, 75, Rag.GREEN), (15, 0, Rag.GREEN), (1, 10, Rag.AMBER)],
)
def test_deadline_window_and_progress(days: int, progress: int, expected: Rag) -> None:
    assert colour(deadline_in=days, progress=progress) == expected


@pytest.mark.parametrize(("days_ago", "expected"), [(30, Rag.GREEN), (31, Rag.AMBER)])
def test_no_update_for_longer_than_the_cadence_is_amber(days_ago: int, expected: Rag) -> None:
    assert colour(last_update_days_ago=days_ago) == expected


@pytest.mark.parametrize("status", ["completed", "closed", "superseded", "not_accepted"])
def test_finished_actions_are_shown_apart(status: str) -> None:
    assert colour(status=status, deadline_in=-100) == Rag.DONE


def test_no_deadline_and_recent_update_is_green() -> None:
    assert colour(deadline_in=None) == Rag.GREEN
