"""Progress reports, the statutory response and the pre-inspection pack (docs/commands.md).

Modules: :mod:`~actions.reports.data` reads the database (a fixed number of set-based queries),
:mod:`~actions.reports.content` computes the figures, :mod:`~actions.reports.burnup` and
:mod:`~actions.reports.forecast` are pure, :mod:`~actions.reports.render` writes the files,
:mod:`~actions.reports.statutory` and :mod:`~actions.reports.pack` the two special documents.
"""

from __future__ import annotations

from actions.reports.pack import pack_due
from actions.reports.service import (
    FORMATS,
    ReportOutput,
    generate_pack,
    generate_report,
    generate_statutory_response,
    parse_formats,
)

__all__ = [
    "FORMATS",
    "ReportOutput",
    "generate_pack",
    "generate_report",
    "generate_statutory_response",
    "pack_due",
    "parse_formats",
]
