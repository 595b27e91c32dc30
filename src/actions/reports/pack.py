"""The pre-inspection pack: when the scheduled flow should produce it.

The pack itself is the progress report with every evidence link per item
(:func:`actions.reports.generate_pack`); this module only decides *when*.
"""

from __future__ import annotations

from datetime import date, timedelta

from actions.domain.policy import Policy


def pack_window_opens(next_inspection: date, policy: Policy) -> date:
    return next_inspection - timedelta(weeks=policy.report.pack_weeks_before)


def pack_due(as_of: date, next_inspection: date | None, policy: Policy) -> bool:
    """True from ``report.pack_weeks_before`` weeks (default 12) before the next inspection
    until the day before it; False without a next inspection date.

    A window rather than one exact day, so a missed scheduled run is caught up by the next one;
    the flow keeps one pack per inspection and date (the file name holds both).
    """
    if next_inspection is None:
        return False
    return pack_window_opens(next_inspection, policy) <= as_of < next_inspection
