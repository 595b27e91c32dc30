"""Planning reminders and escalations (docs/chasing.md) into the outbox.

Streaming, so memory stays flat however many actions there are: the candidate actions arrive
ordered by recipient (owners, and for level 2 a second stream ordered by manager), each
recipient's digest is complete when the stream moves past them, and finished digests are
written in batches. Per batch of candidates: one query for the dedupe keys already spent; per
batch of digests: a handful of bulk writes. The pure rules live in
:mod:`actions.chasing.thresholds` (working days in :mod:`actions.chasing.workdays`); messages
are stored as data (``payload``) and rendered just before sending
(:mod:`actions.messaging.delivery`).

What still grows with the data: one digest is built whole (an SRO's can list every action at
level 3; ~250 bytes a line), and the ids of the messages written (one per recipient). Refs and
table rows for summaries are bounded samples; the counts beside them are whole.

A module a step: ``candidates.py`` reads the open actions due something and drops what the
ledger has already sent, ``routing.py`` decides who receives each line and groups the lines
into digests, ``recording.py`` writes the messages, the ledger and the new escalation levels,
and ``planning.py`` runs the three (:func:`plan`) and counts what was planned (:class:`Plan`).
The names callers use are re-exported here.
"""

from __future__ import annotations

from actions.chasing.planning import Plan, Sample, listed_refs, plan

__all__ = ["Plan", "Sample", "listed_refs", "plan"]
