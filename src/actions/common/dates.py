"""Dates as users type them, month arithmetic, and "today" in the product's timezone.

(Deadlines as reports word them — "By 31 March 2025", "within six months" — are read by
:mod:`actions.intake.extract.dates`.)"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, date, datetime
from zoneinfo import ZoneInfo

from actions.common.errors import UserInputError

LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    """The date in London at ``moment``. London is UTC or UTC+1, so only the last hour of a UTC
    day can be another date there: the rest skips the zone lookup (planning converts 100,000s)."""
    if moment.tzinfo is UTC and moment.hour != 23:
        return moment.date()
    return moment.astimezone(LONDON).date()


def london_date_or_none(moment: datetime | None) -> date | None:
    return london_date(moment) if moment else None


def utcnow() -> datetime:
    """Now, in UTC (every timestamp the product stores is timezone-aware)."""
    return datetime.now(UTC)


def today() -> date:
    """Today in Europe/London (docs/commands.md: the default ``--as-of``)."""
    return datetime.now(LONDON).date()


#: The dates the product accepts from people. Deadlines, reminders and forecasts add days and
#: months to them, which overflows Python's calendar near year 9999 (``--published 9999-12-31``
#: crashed ``ingest``); nothing an inspection tracks lies outside these years.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)


def parse_date(value: str, *, what: str = "date") -> date:
    """Parse ``YYYY-MM-DD``; anything else is a user error naming ``what``."""
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)") from None
    if not in_range(day):
        raise UserInputError(f"{what} {value!r} is out of range ({range_text()})")
    return day


def in_range(day: date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE


def range_text() -> str:
    return f"expected a date from {FIRST_DATE} to {LAST_DATE}"


def as_of_or_today(value: str | None) -> date:
    return parse_date(value, what="--as-of") if value else today()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if not MINYEAR <= year <= MAXYEAR:
        # As date + timedelta does; this used to fall through to an AssertionError (a crash)
        # for a report "published" in 9999 or a deadline "within 10000 years".
        raise OverflowError("date value out of range")
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
