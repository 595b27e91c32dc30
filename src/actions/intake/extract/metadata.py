"""Guesses about the report itself (body, title, programme, inspectorate, published date).

Best effort from the opening text: anything not stated plainly stays None for the user to
supply (``actions ingest --body ...``).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from actions.intake.extract.dates import parse_plain_date
from actions.intake.extract.lines import Line

_HEAD_LINES = 40  # metadata sits at the top of a report page
_BODY = re.compile(
    r"\b((?:[A-Z][a-z]+(?:[- ](?:and|&|upon|on)[- ]|[ -]))*[A-Z][a-z]+"
    r"\s+(?:Police(?!\s+(?:and|&)\s+Crime)|Constabulary|Fire\s+(?:and|&)\s+Rescue\s+Service))\b"
)
_PRISON = re.compile(
    r"\b(HMP(?:\s*/\s*YOI)?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|HM\s+Prison,?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)"
)
_SCHOOL = re.compile(r"\b((?:[A-Z][\w'’]*\s+){1,5}(?:School|College|Academy))\b")
_PROGRAMME = re.compile(r"\bPEEL:?\s+(?:[A-Za-z ,]+?\s)?(\d{4}(?:\s*[/–-]\s*\d{2,4})?)")
_PUBLISHED = re.compile(r"\b(?:published|date\s+of\s+publication)\s*(?:on|:)?\s*(.+)", re.I)
_INSPECTORATES = (
    ("HMICFRS", r"\bHMICFRS\b|Constabulary\s+and\s+Fire\s+(?:&|and)\s+Rescue\s+Services"),
    ("HMICS", r"\bHMICS\b|Inspectorate\s+of\s+Constabulary\s+in\s+Scotland|\bhmics\.scot"),
    ("HMIPS", r"\bHMIPS\b|Inspectorate\s+of\s+Prisons\s+for\s+Scotland|\bSPS\b"),
    ("HMIP", r"\bHMIP\b|Inspectorate\s+of\s+Prisons|Prison\s+Inspectorate"),
    ("Estyn", r"\bEstyn\b"),
    ("Ofsted", r"\bOfsted\b"),
    ("CQC", r"\bCQC\b|Care\s+Quality\s+Commission"),
    ("CSCI", r"\bCSCI\b|Commission\s+for\s+Social\s+Care\s+Inspection"),
    ("HMIC", r"\bHMIC\b"),
)


def guess_metadata(text: str, lines: list[Line]) -> dict[str, object]:
    head = "\n".join(line.text for line in lines[:_HEAD_LINES])
    return {
        "body": _body(text),
        "title": _title(lines),
        "programme": _programme(head),
        "inspectorate": _inspectorate(text),
        "published": _published(lines),
    }


def _body(text: str) -> str | None:
    for pattern in (_BODY, _PRISON, _SCHOOL):
        names = Counter(re.sub(r"\s+", " ", m) for m in pattern.findall(text))
        if names:
            return names.most_common(1)[0][0]
    return None


def _title(lines: list[Line]) -> str | None:
    for line in lines[:_HEAD_LINES]:
        text = line.text
        if text and not line.marker and 2 <= len(text.split()) <= 20 and text[-1] not in ".,;":
            return text
    return None


def _programme(head: str) -> str | None:
    match = _PROGRAMME.search(head)
    return "PEEL " + re.sub(r"\s+", "", match[1]) if match else None


def _inspectorate(text: str) -> str | None:
    for name, pattern in _INSPECTORATES:
        if re.search(pattern, text):
            return name
    return None


def _published(lines: list[Line]) -> date | None:
    for line in lines[:_HEAD_LINES]:
        if match := _PUBLISHED.search(line.text):
            return parse_plain_date(match[1])
        if len(line.text.split()) <= 4 and (found := parse_plain_date(line.text)):
            return found  # a date on a line of its own under the title
    return None
