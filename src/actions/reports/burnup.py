"""The burn-up chart: scope and completed work over time, rebuilt from the audit trail.

Each action's status on each day is the last status its audit records give it by the end of that
day (London time); ``created`` counts as entering ``open``. Three step series come out:

* **scope** — actions that exist and still count (not superseded, not "not accepted");
* **done** — completed (awaiting review) or closed;
* **closed** — closed after review.

The chart is drawn as inline SVG (no script, no external requests) so the HTML stays one file and
WeasyPrint can print it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from itertools import accumulate

from actions.common.dates import london_date_or_none
from actions.domain.models import Status

OUT_OF_SCOPE = frozenset({Status.SUPERSEDED.value, Status.NOT_ACCEPTED.value})
DONE = frozenset({Status.COMPLETED.value, Status.CLOSED.value})


@dataclass(frozen=True)
class Point:
    day: date
    scope: int
    done: int
    closed: int


def _flags(status: str | None) -> tuple[int, int, int]:
    if status is None:
        return (0, 0, 0)
    return (
        int(status not in OUT_OF_SCOPE),
        int(status in DONE),
        int(status == Status.CLOSED.value),
    )


def daily_statuses(
    events: Iterable[tuple[int, datetime, str]],
    current: Mapping[int, str],
    fallback_at: Mapping[int, tuple[datetime, datetime]],
) -> dict[int, list[tuple[date, str]]]:
    """Per action, its (day, status at the end of that day) changes, oldest first.

    ``events`` are (action id, when, status) in time order. Actions whose audit trail does not end
    in their current status (rows written before auditing, or by tests) get a synthetic change at
    their ``fallback_at`` (created, updated) times, so the chart always ends at the truth.
    """
    by_action: dict[int, dict[date, str]] = defaultdict(dict)
    for action_id, at, status in events:
        day = london_date_or_none(at)
        assert day is not None
        by_action[action_id][day] = status  # later events of a day overwrite earlier ones
    for action_id, status in current.items():
        days = by_action[action_id]
        created, updated = fallback_at[action_id]
        if not days:
            days[_day(created)] = Status.OPEN.value
        last = days[max(days)]
        if last != status:
            days[max(_day(updated), max(days))] = status
    return {a: sorted(days.items()) for a, days in by_action.items()}


def _day(moment: datetime) -> date:
    day = london_date_or_none(moment)
    assert day is not None
    return day


def series(statuses: Mapping[int, Sequence[tuple[date, str]]], end: date) -> list[Point]:
    """The step series at every day something changed, up to ``end`` (and at ``end`` itself)."""
    deltas: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for changes in statuses.values():
        before = _flags(None)
        for day, status in changes:
            if day > end:
                break
            after = _flags(status)
            if after != before:  # moves between open states do not move the chart
                slot = deltas[day]
                for i in range(3):
                    slot[i] += after[i] - before[i]
            before = after
    days = sorted(deltas)
    if not days:
        return []
    totals = list(
        accumulate(
            (deltas[d] for d in days), lambda a, b: [x + y for x, y in zip(a, b, strict=True)]
        )
    )
    points = [Point(d, t[0], t[1], t[2]) for d, t in zip(days, totals, strict=True)]
    if points[-1].day < end:
        last = points[-1]
        points.append(Point(end, last.scope, last.done, last.closed))
    return points


# --------------------------------------------------------------------------- SVG

#: Colours and dash patterns differ, so the lines read apart in greyscale print too.
COLOURS = {"scope": "#444444", "done": "#1d3b6a", "closed": "#17693a", "projection": "#a4001d"}
STYLES = {
    "scope": f'stroke="{COLOURS["scope"]}" stroke-width="2" stroke-dasharray="6 4"',
    "done": f'stroke="{COLOURS["done"]}" stroke-width="2.5"',
    "closed": f'stroke="{COLOURS["closed"]}" stroke-width="3" stroke-dasharray="2 3"',
    "projection": f'stroke="{COLOURS["projection"]}" stroke-width="2" stroke-dasharray="8 4"',
}
FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="11"'

XScale = Callable[[date], float]
YScale = Callable[[float], float]

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 36


@dataclass(frozen=True)
class Projection:
    """A dashed line from today's done count to the forecast at the next inspection."""

    start: date
    start_done: int
    end: date
    end_done: int


def svg(points: Sequence[Point], projection: Projection | None = None, *, title: str) -> str:
    """Inline SVG markup; every text is escaped here because the caller marks it safe."""
    if not points:
        return ""
    first = points[0].day
    last = max(points[-1].day, projection.end if projection else points[-1].day)
    span = max((last - first).days, 1)
    top = nice_top(max(max(p.scope for p in points), 1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + plot_w * (day - first).days / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [_axes(first, last, top, x, y)]
    labels: list[tuple[float, str, str]] = []
    for name, label in (
        ("scope", "Total in scope"),
        ("done", "Completed or closed"),
        ("closed", "Closed after review"),
    ):
        values = [(p.day, getattr(p, name)) for p in points]
        if projection and name == "scope":  # the target: all of today's scope by the inspection
            values.append((projection.end, values[-1][1]))
        parts.append(_step_line(values, x, y, STYLES[name]))
        labels.append((y(values[-1][1]), f"{label}: {values[-1][1]}", name))
    if projection:
        parts.append(
            f'<line x1="{x(projection.start):.1f}" y1="{y(projection.start_done):.1f}" '
            f'x2="{x(projection.end):.1f}" y2="{y(projection.end_done):.1f}" '
            f"{STYLES['projection']}/>"
        )
        labels.append(
            (
                y(projection.end_done),
                f"forecast {projection.end_done} by {projection.end.day} {projection.end:%b %Y}",
                "projection",
            )
        )
    parts.append(_labels(labels, x(points[-1].day), x(projection.end) if projection else None))
    desc = (
        f"From {first:%d %B %Y} to {points[-1].day:%d %B %Y}: {points[-1].done} of "
        f"{points[-1].scope} actions completed or closed, {points[-1].closed} closed."
    )
    return (
        f'<svg class="burnup" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="burnup-title burnup-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="burnup-title">{escape(title)}</title>'
        f'<desc id="burnup-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )


def _step_line(values: Sequence[tuple[date, int]], fx: XScale, fy: YScale, style: str) -> str:
    coords: list[str] = []
    previous: int | None = None
    for day, value in values:
        if previous is not None:
            coords.append(f"{fx(day):.1f},{fy(previous):.1f}")
        coords.append(f"{fx(day):.1f},{fy(value):.1f}")
        previous = value
    return f'<polyline points="{" ".join(coords)}" fill="none" {style}/>'


def _labels(labels: list[tuple[float, str, str]], px: float, projection_x: float | None) -> str:
    """Line labels at the right end of each line, nudged apart so none overlap (13 px apart)."""
    placed: list[str] = []
    last_y = -1e9
    for py, text, name in sorted(labels):
        py = max(py + 4, last_y + 13)
        last_y = py
        at = projection_x if name in ("projection", "scope") and projection_x is not None else px
        placed.append(
            f'<text x="{at + 6:.1f}" y="{py:.1f}" {FONT} fill="{COLOURS[name]}">'
            f"{escape(text)}</text>"
        )
    return "".join(placed)


def _axes(first: date, last: date, top: int, fx: XScale, fy: YScale) -> str:
    parts = []
    for value in _ticks(top):
        py = fy(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" stroke="#dddddd"/>'
            f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end" {FONT} fill="#333">'
            f"{value}</text>"
        )
    for day in _date_ticks(first, last):
        px = fx(day)
        parts.append(
            f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" {FONT} '
            f'fill="#333">{day:%b %Y}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#555555"/>'
    )
    return "".join(parts)


def nice_step(top: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that covers ``top`` in at most five gridlines."""
    step, factors = 1, (2, 2.5, 2)
    index = 0
    while top / step > 5:
        step = int(step * factors[index % 3])
        index += 1
    return step


def nice_top(top: int) -> int:
    step = nice_step(top)
    return -(-top // step) * step


def _ticks(top: int) -> list[int]:
    return list(range(0, top + 1, nice_step(top)))


def _date_ticks(first: date, last: date, count: int = 7) -> list[date]:
    """First days of months, every 1, 2, 3, 6 or 12 months so at most ``count`` show."""
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((s for s in (1, 2, 3, 6, 12) if months / s < count), 24)
    ticks: list[date] = []
    year, month = first.year, first.month
    while True:
        month += 1 if not ticks and first.day > 1 else 0
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = date(year, month, 1)
        if day > last:
            return ticks or [first]
        ticks.append(day)
        month += step
