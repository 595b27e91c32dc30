"""Pure parts of the reports: forecast arithmetic, burn-up series, pack timing, escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from actions.common.errors import UserInputError
from actions.domain.policy import Policy, ReportPolicy
from actions.reports import pack_due, parse_formats
from actions.reports.burnup import Point, daily_statuses, nice_step, series, svg
from actions.reports.filters import md
from actions.reports.forecast import OpenItem, completion_days, forecast

AS_OF = date(2027, 3, 15)


def item(ref: str, progress: int, deadline: date | None = None) -> OpenItem:
    return OpenItem(ref, f"title {ref}", "Owner", progress, deadline)


def test_forecast_arithmetic_on_a_known_history() -> None:
    # 4 completions, 3 of them inside the 90-day window (15 Dec 2026 < d <= 15 Mar 2027).
    completions = [date(2026, 12, 1), date(2027, 1, 20), date(2027, 2, 10), date(2027, 3, 9)]
    items = [item("A", 0, date(2027, 1, 1)), item("B", 60), item("C", 20), item("D", 20)]
    result = forecast(
        label="NOR",
        open_items=items,
        completions=completions,
        as_of=AS_OF,
        next_inspection=date(2027, 9, 1),
        window_days=90,
        history_start=date(2026, 1, 1),
    )
    assert result.window_days == 90 and result.completed_in_window == 3
    assert result.rate_per_day == pytest.approx(3 / 90)
    assert result.days_left == 170
    # floor(170 × 3 / 90) = floor(5.67) = 5, more than the 4 open: all forecast done.
    assert (result.expected_completions, result.predicted_open) == (4, 0)
    assert result.still_open == () and result.verdict.startswith("On track")
    assert result.projected_finish == date(2027, 7, 13)  # 15 Mar + ceil(4 × 90 / 3) = 120 days


def test_forecast_ranks_open_items_and_names_those_left() -> None:
    items = [item("A", 0, date(2027, 1, 1)), item("B", 60), item("C", 20, date(2027, 5, 1))]
    items.append(item("D", 20, date(2027, 4, 1)))
    result = forecast(
        label="NOR",
        open_items=items,
        completions=[date(2027, 2, 1), date(2027, 3, 1)],
        as_of=AS_OF,
        next_inspection=date(2027, 6, 1),  # 78 days: floor(78 * 2 / 90) = 1
        window_days=90,
        history_start=None,
    )
    assert (result.expected_completions, result.predicted_open) == (1, 3)
    # B (60%) is assumed done first; D before C (same progress, earlier deadline); A last.
    assert [i.ref for i in result.still_open] == ["D", "C", "A"]
    assert result.projected_finish == date(2027, 9, 11)  # 15 Mar + ceil(4 × 90 / 2) = 180 days
    assert result.verdict == "At risk: 3 of 4 forecast still open"


def test_forecast_window_shrinks_to_the_history_and_zero_rate_has_no_finish() -> None:
    young = forecast(
        label="X",
        open_items=[item("A", 0)],
        completions=[date(2027, 3, 10)],
        as_of=AS_OF,
        next_inspection=date(2027, 4, 14),
        window_days=90,
        history_start=date(2027, 3, 5),  # 10 days of history
    )
    assert young.window_days == 10 and young.rate_per_day == pytest.approx(0.1)
    assert young.expected_completions == 1 and young.predicted_open == 0
    idle = forecast(
        label="X",
        open_items=[item("A", 0)],
        completions=[],
        as_of=AS_OF,
        next_inspection=date(2027, 4, 14),
        window_days=90,
        history_start=None,
    )
    assert idle.projected_finish is None and idle.predicted_open == 1
    passed = forecast(
        label="X",
        open_items=[item("A", 0)],
        completions=[],
        as_of=AS_OF,
        next_inspection=date(2027, 1, 1),
        window_days=90,
        history_start=None,
    )
    assert not passed.applicable and passed.verdict.startswith("No forecast")


def test_completion_days_ignore_rejected_completions() -> None:
    statuses = {
        1: [
            (date(2027, 1, 1), "open"),
            (date(2027, 2, 1), "completed"),
            (date(2027, 2, 5), "closed"),
        ],
        2: [(date(2027, 1, 1), "open"), (date(2027, 2, 1), "completed")],
        3: [
            (date(2027, 1, 1), "open"),
            (date(2027, 2, 1), "completed"),
            (date(2027, 2, 3), "in_progress"),
        ],
    }
    assert sorted(completion_days(statuses, [1, 2, 3])) == [date(2027, 2, 1), date(2027, 2, 1)]


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def test_burnup_series_from_status_events() -> None:
    d0, d1, d2, d3 = date(2026, 11, 20), date(2027, 1, 20), date(2027, 1, 28), date(2027, 2, 2)
    events = [
        (1, _at(d0), "open"),
        (2, _at(d0), "open"),
        (3, _at(d0), "open"),
        (1, _at(d1), "completed"),
        (1, _at(d2), "closed"),
        (3, _at(d3), "superseded"),
    ]
    current = {1: "closed", 2: "open", 3: "superseded"}
    fallback = {a: (_at(d0), _at(d0)) for a in current}
    statuses = daily_statuses(events, current, fallback)
    points = series(statuses, AS_OF)
    assert points == [
        Point(d0, 3, 0, 0),
        Point(d1, 3, 1, 0),
        Point(d2, 3, 1, 1),
        Point(d3, 2, 1, 1),
        Point(AS_OF, 2, 1, 1),
    ]
    chart = svg(points, title="Burn-up <NOR>")
    assert chart.startswith("<svg") and "&lt;NOR&gt;" in chart and "<NOR>" not in chart


def test_burnup_uses_current_status_when_the_audit_trail_is_missing() -> None:
    statuses = daily_statuses(
        [], {7: "closed"}, {7: (_at(date(2027, 1, 1)), _at(date(2027, 2, 1)))}
    )
    assert statuses[7] == [(date(2027, 1, 1), "open"), (date(2027, 2, 1), "closed")]


def test_nice_gridlines() -> None:
    assert [nice_step(n) for n in (1, 5, 6, 9, 23, 49, 2000)] == [1, 1, 2, 2, 5, 10, 500]


def test_pack_due_from_n_weeks_before_the_inspection() -> None:
    policy = Policy(report=ReportPolicy(pack_weeks_before=12))
    inspection = date(2027, 6, 1)
    assert not pack_due(date(2027, 3, 8), inspection, policy)  # 12 weeks + 1 day before
    assert pack_due(date(2027, 3, 9), inspection, policy)  # exactly 12 weeks before
    assert pack_due(date(2027, 5, 31), inspection, policy)
    assert not pack_due(inspection, inspection, policy)
    assert not pack_due(date(2027, 5, 1), None, policy)


def test_markdown_cells_are_escaped() -> None:
    assert md("a | b <script>x</script>\nnext") == "a \\| b &lt;script&gt;x&lt;/script&gt; next"


def test_parse_formats() -> None:
    assert parse_formats("html, PDF,html") == ["html", "pdf"]
    with pytest.raises(UserInputError, match="--format docx: choose from html, pdf, md, csv"):
        parse_formats("html,docx")
    with pytest.raises(UserInputError):
        parse_formats("")
