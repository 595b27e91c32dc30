"""Ingest: a report file becomes an inspection, its findings, and one action per finding.

Planning is separate from writing so that ``--dry-run`` shows exactly what would happen.
Re-ingesting the same file is a no-op; a revised version (same body and title, new hash) adds new
findings and supersedes vanished ones, never duplicating or deleting an action.

Modules: :mod:`~actions.intake.ingest.model` holds the plan's types,
:mod:`~actions.intake.ingest.plan` plans (reads only), :mod:`~actions.intake.ingest.write` writes a
plan in the caller's transaction. Deadlines stated relative to publication ("within six months")
are read by :mod:`actions.common.dates`.
"""

from __future__ import annotations

from actions.intake.ingest.model import IngestPlan, InspectionMeta, PlannedAction
from actions.intake.ingest.plan import normalised, plan_ingest, sha256_of
from actions.intake.ingest.write import apply_plan

__all__ = [
    "IngestPlan",
    "InspectionMeta",
    "PlannedAction",
    "apply_plan",
    "normalised",
    "plan_ingest",
    "sha256_of",
]
