"""What each use case hands back to the CLI and the flows: ingest, chase/escalate, report, deliver.

They are ``TypedDict``s rather than classes because they are a Prefect flow run's result and the
source of the ``--json`` output (docs/commands.md): plain JSON-able data, with the keys checked
by mypy wherever the CLI or a flow reads them. This module imports nothing of the product, so
any layer may name these shapes. A user error travels as
:class:`actions.common.errors.UserErrorData` (see :meth:`ActionsError.as_data`).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class RepeatLink(TypedDict):
    """A new finding that repeats (or may repeat) an earlier inspection's action."""

    ref: str
    repeat_of: str
    similarity: float
    earlier_status: str
    closed_on: str | None  # ISO date: the earlier action was closed, and is raised again


class IngestSummary(TypedDict):
    """What ingesting a report did (or, in a dry run, would do)."""

    file: str
    sha256: str
    outcome: str  # created | revised | unchanged
    inspection: str
    title: str
    findings: int
    created: list[str]
    kept: int
    superseded: list[str]
    unassigned: list[str]
    note: str
    left_out: int
    left_out_addressees: dict[str, int]
    warnings: list[str]
    repeats: list[RepeatLink]
    suggested_repeats: list[RepeatLink]
    not_raised_again: list[str]


class IngestResult(IngestSummary):
    dry_run: bool


class PlanSummary(TypedDict):
    """What a chase or escalate run planned; refs lists are bounded samples beside their count."""

    as_of: str
    planned: int
    items: int
    skipped_duplicate: int
    recipients: int
    unroutable: list[str]
    unroutable_count: int
    not_working_day: str | None
    overdue_refs: list[str]
    overdue_count: int
    level3_refs: list[str]
    level3_count: int


class MessageRow(TypedDict):
    """Who gets what, without any address (for the CLI table and Prefect artifacts)."""

    recipient: str
    role: str
    items: int
    refs: str


class DeliverySummary(TypedDict):
    sent: int
    failed: int
    gave_up: int


class DeliveryResult(DeliverySummary):
    #: One row per message this run tried: id, recipient, kind, subject, channel, state, error.
    rows: list[dict[str, Any]]


class ChaseResult(PlanSummary):
    sent: int
    failed: int
    dry_run: bool
    messages: list[MessageRow]
    delivery: NotRequired[list[dict[str, Any]]]  # the delivery rows, when something was sent


class ReportResult(TypedDict):
    as_of: str
    files: dict[str, str]  # format -> path
    summary: dict[str, Any]  # the report's counts (total, by status, by RAG ...)
    markdown: NotRequired[str]  # the report as Markdown (the flow publishes it; the CLI drops it)
    packs: list[dict[str, str]]  # inspection, next_inspection, and a path per format
    queued: list[dict[str, Any]]  # recipient, scope, actions
    sent: int
    failed: int
