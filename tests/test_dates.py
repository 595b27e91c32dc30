"""London dates of timestamps, computed the fast way, agree with the time-zone database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from actions.common.dates import LONDON, london_date

MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
)


@given(MOMENTS)
def test_london_date_agrees_with_zoneinfo(moment: datetime) -> None:
    assert london_date(moment) == moment.astimezone(LONDON).date()


@given(MOMENTS, st.integers(min_value=-14, max_value=14))
def test_london_date_of_a_moment_in_any_zone(moment: datetime, hours: int) -> None:
    elsewhere = moment.astimezone(timezone(timedelta(hours=hours)))
    assert london_date(elsewhere) == moment.astimezone(LONDON).date()


def test_the_last_utc_hour_of_a_summer_day_is_the_next_day_in_london() -> None:
    assert london_date(datetime(2027, 6, 30, 23, 30, tzinfo=UTC)) == date(2027, 7, 1)
    assert london_date(datetime(2027, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 12, 31)
