"""An iCalendar attachment with one all-day event per upcoming deadline (RFC 5545)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 74:
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def deadlines_calendar(items: Iterable[dict[str, Any]], *, portal_url: str = "") -> str | None:
    """VCALENDAR text for the items that have a deadline, or None when none has."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    events = []
    for item in items:
        if not item.get("deadline"):
            continue
        day = date.fromisoformat(item["deadline"])
        events += [
            "BEGIN:VEVENT",
            f"UID:{item['ref']}-{day:%Y%m%d}@inspection-actions",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            _fold(f"SUMMARY:{_escape('Deadline: ' + item['ref'] + ' ' + item['title'])}"),
            _fold(f"DESCRIPTION:{_escape('Update the action: ' + portal_url)}"),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    if not events:
        return None
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//inspection-actions//deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *events,
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
