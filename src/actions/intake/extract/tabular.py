"""Findings → rows of the actions CSV (docs/files.md), for a person to correct and import.

This is the documented way through for a report the reader gets wrong or cannot read: the
columns are exactly those ``actions import`` reads; ``ref`` is blank, so import numbers each row
as a new action of the named inspection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from actions.domain.cells import COLUMNS, neutralise
from actions.domain.refs import short_title
from actions.intake.extract.findings import UNCERTAIN
from actions.intake.extract.model import ExtractedFinding, ExtractedReport


def write_findings_csv(report: ExtractedReport, inspection: str, handle: TextIO) -> int:
    """Write the findings as actions-CSV rows to ``handle``; returns the number of rows."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in finding_rows(report, inspection):
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return count


def finding_rows(report: ExtractedReport, inspection: str) -> Iterator[list[str]]:
    for finding in report.findings:
        text = _full_text(finding)
        yield [
            "",
            inspection,
            finding.kind,
            text,
            short_title(finding.text),
            "",
            finding.due.isoformat() if finding.due else "",
            "open",
            "0",
            "",
            "",
            _notes(finding),
            "",
        ]


def _full_text(finding: ExtractedFinding) -> str:
    """A stem and its sub-items read as one text: "…make sure: a; b; and c"."""
    return " ".join([finding.text, *finding.parts]) if finding.parts else finding.text


def _notes(finding: ExtractedFinding) -> str:
    notes = []
    if finding.due_text and not finding.due:
        notes.append(f"stated deadline: {finding.due_text}")
    if finding.addressees:
        notes.append("addressed to: " + ", ".join(finding.addressees))
    if finding.confidence < UNCERTAIN:
        notes.append(f"check against the report (reader confidence {finding.confidence:.2f})")
    return "; ".join(notes)
