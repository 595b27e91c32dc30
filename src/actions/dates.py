"""Dates as users type them, and "today" in the product's timezone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from actions.errors import UserInputError

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """Today in Europe/London (SPEC section 5: the default ``--as-of``)."""
    return datetime.now(LONDON).date()


def parse_date(value: str, *, what: str = "date") -> date:
    """Parse ``YYYY-MM-DD``; anything else is a user error naming ``what``."""
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UserInputError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)") from None


def as_of_or_today(value: str | None) -> date:
    return parse_date(value, what="--as-of") if value else today()
