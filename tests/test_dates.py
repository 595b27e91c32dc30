"""London dates of timestamps, computed the fast way, agree with the time-zone database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.common.dates import LONDON, london_date
from actions.intake.extract.dates import find_deadline, relative_due

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


@pytest.mark.parametrize(
    ("due_text", "due"),
    [
        ("Within six months", date(2025, 3, 30)),
        ("within the next six months", date(2025, 3, 30)),  # the reader records this wording
        ("within three weeks", date(2024, 10, 21)),
        ("Within 10 working days", date(2024, 10, 14)),  # weekdays from Monday 30 September
        ("With immediate effect", date(2024, 10, 30)),
        ("within six fortnights", None),
        ("By the end of the summer term", None),
    ],
)
def test_a_deadline_relative_to_publication(due_text: str, due: date | None) -> None:

    assert relative_due(due_text, date(2024, 9, 30)) == due
    if due is not None:  # whatever the reader records as a deadline, ingest can date
        assert find_deadline(f"{due_text}, the force should act.")[1] is not None
