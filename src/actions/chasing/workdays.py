"""Working days: weekends and bank holidays (England by default) are skipped."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

_SUBDIVISIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}


@lru_cache(maxsize=8)
def _bank_holidays(calendar: str) -> Any:
    # lazy: start-up speed (see actions/cli/app.py); ~0.5 s, needed only by plans that
    # skip days off (working_days_only). Only the UK module: holidays.country_holidays()
    # imports every country (~1 s).
    from holidays.countries.united_kingdom import UnitedKingdom

    return UnitedKingdom(subdiv=_SUBDIVISIONS[calendar])


def is_working_day(day: date, calendar: str = "england") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(calendar)


def bank_holiday_name(day: date, calendar: str = "england") -> str | None:
    name = _bank_holidays(calendar).get(day)
    return str(name) if name else None
