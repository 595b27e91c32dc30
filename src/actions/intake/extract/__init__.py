"""Report files → findings (areas for improvement, causes of concern, recommendations).

Pure: no database. ``extract_file`` reads .txt, .html/.htm, .pdf and .docx; ``extract_text``
parses text already in hand. Both return an :class:`ExtractedReport` whose ``findings`` may be
empty (the caller decides what "no findings" means); unusable input raises ``UserInputError``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from actions.intake.extract.lines import prepare_lines
from actions.intake.extract.metadata import guess_metadata
from actions.intake.extract.model import ExtractedFinding, ExtractedReport
from actions.intake.extract.parser import Parser
from actions.intake.extract.readers import MAX_FILE_BYTES, read_report

__all__ = [
    "MAX_FILE_BYTES",
    "ExtractedFinding",
    "ExtractedReport",
    "extract_file",
    "extract_text",
]


def extract_file(path: str | Path) -> ExtractedReport:
    """Findings of the report file at ``path``; UserInputError for a file that can't be read."""
    path = Path(path)
    text, fmt = read_report(path)
    return extract_text(text, source=str(path), source_format=fmt)


def extract_text(
    text: str, *, source: str = "<text>", source_format: str = "txt"
) -> ExtractedReport:
    """Findings of report text (a leading ``SOURCE:`` provenance line is ignored)."""
    lines = prepare_lines(text)
    parser = Parser(register=any(line.status_block for line in lines))
    for line in lines:
        parser.feed(line)
    meta = guess_metadata(text, lines)
    published = meta["published"]
    findings, warnings = parser.finish()
    return ExtractedReport(
        findings=findings,
        warnings=warnings,
        source=source,
        source_format=source_format,
        body=_str(meta["body"]),
        title=_str(meta["title"]),
        programme=_str(meta["programme"]),
        inspectorate=_str(meta["inspectorate"]),
        published=published if isinstance(published, date) else None,
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
