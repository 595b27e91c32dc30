"""Deadline phrases in finding text → (due date, due text).

Only a calendar deadline gives a date ("By 31 March 2019", "by July 2018" → the last day of that
month, "by 2020" → 31 December). Relative ones ("Within six months", "immediately", "With immediate
effect") keep their wording in ``due_text`` and no date: the date would depend on publication.
``due_text`` is the phrase exactly as the report words it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from actions.common.dates import add_months

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
CALENDAR = (
    rf"(?:\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"  # 31 March 2019
    rf"|{_MONTH}\s+\d{{1,2}}{_ORD},?\s+\d{{4}}"  # March 31, 2019
    rf"|{_MONTH},?\s+\d{{4}}"  # March 2019
    r"|\d{1,2}/\d{1,2}/\d{4}"  # 31/03/2019 (UK order)
    r"|\d{4}-\d{2}-\d{2}"  # 2019-03-31
    r"|(?:19|20)\d{2}(?![\d/-]))"  # 2020
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}
NUMBER = r"(?:\d+|" + "|".join(_NUMBER_WORDS) + ")"
_WITHIN = rf"within\s+(?:the\s+next\s+)?{NUMBER}\s+(?:working\s+)?(?:days?|weeks?|months?|years?)"
_WITHIN_PARTS = re.compile(
    rf"within\s+(?:the\s+next\s+)?(?P<n>{NUMBER})\s+(?P<working>working\s+)?"
    r"(?P<unit>day|week|month|year)s?",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    rf"\b(?P<by>(?:by|(?:not|no)\s+later\s+than)\s+(?:(?:the\s+)?end\s+of\s+)?{CALENDAR})"
    rf"|\b(?P<within>{_WITHIN})"
    r"|\b(?P<now>with\s+immediate\s+effect|immediately)\b",
    re.IGNORECASE,
)
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH}),?\s+(\d{{4}})", re.I)
_MONTH_DAY_YEAR = re.compile(rf"({_MONTH})\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})", re.I)
_MONTH_YEAR = re.compile(rf"({_MONTH}),?\s+(\d{{4}})", re.I)
_NUMERIC = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YEAR = re.compile(r"((?:19|20)\d{2})")


def find_deadline(text: str) -> tuple[date | None, str | None]:
    """The first deadline stated in ``text``: its calendar date (if any) and its wording."""
    match = _DEADLINE.search(text)
    if match is None:
        return None, None
    phrase = match.group(0).rstrip(",. ")
    if match.group("by"):
        return parse_calendar(phrase), phrase
    return None, phrase


# A line that only states a deadline heads the items under it: "Immediately:", "Within three
# months:", "By 31 March 2025:" (2013 Ofsted reports, action plans).
_GROUP = re.compile(rf"^(?:{_DEADLINE.pattern})\s*[:.–-]?$", re.I)


def deadline_group(text: str) -> tuple[date | None, str] | None:
    """The deadline a group heading such as "Within three months:" states, else None."""
    if not _GROUP.match(text.strip()):
        return None
    due, phrase = find_deadline(text)
    return (due, phrase) if phrase else None


def parse_calendar(phrase: str) -> date | None:
    """The date a phrase such as "by 31 March 2019" or "by July 2018" names, else None."""
    try:
        if m := _DAY_MONTH_YEAR.search(phrase):
            return date(int(m[3]), _month(m[2]), int(m[1]))
        if m := _MONTH_DAY_YEAR.search(phrase):
            return date(int(m[3]), _month(m[1]), int(m[2]))
        if m := _MONTH_YEAR.search(phrase):
            return _month_end(int(m[2]), _month(m[1]))
        if m := _NUMERIC.search(phrase):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.search(phrase):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YEAR.search(phrase):
            return date(int(m[1]), 12, 31)
    except ValueError:  # "by 31 February 2019": a deadline, but not a real date
        return None
    return None


def parse_plain_date(text: str) -> date | None:
    """A date written out in full ("22 June 2007", "25/2/2016"), else None."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _NUMERIC):
        if pattern.search(text):
            return parse_calendar(text)
    return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def relative_due(due_text: str | None, published: date | None) -> date | None:
    """The date a deadline stated relative to publication names: "Within six months", "within
    the next 10 working days" (weekdays: bank holidays are not known here); "immediately" and
    "with immediate effect" mean within a month. None when there is no such deadline."""
    if not due_text or not published:
        return None
    try:
        return _relative_due(due_text, published)
    except OverflowError:  # "within 99999 years": past the calendar, so no stated deadline
        return None


def _relative_due(due_text: str, published: date) -> date | None:
    lowered = due_text.lower()
    if "immediate" in lowered:
        return add_months(published, 1)
    match = _WITHIN_PARTS.search(lowered)
    if not match:
        return None
    raw = match["n"]
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    unit = match["unit"]
    if unit == "day" and match["working"]:
        return _add_weekdays(published, n)
    if unit == "day":
        return published + timedelta(days=n)
    if unit == "week":
        return published + timedelta(weeks=n)
    return add_months(published, n * (12 if unit == "year" else 1))


def _add_weekdays(day: date, n: int) -> date:
    weeks, rest = divmod(n, 5)
    day += timedelta(weeks=weeks)
    while rest:
        day += timedelta(days=1)
        rest -= day.weekday() < 5
    return day
