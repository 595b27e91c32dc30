"""The use cases that run either in this process or as a Prefect flow run: ingest,
chase/escalate, report, deliver (the CLI reaches them through :mod:`actions.flows_api`).

Each opens its own unit of work, so callers pass plain values, never sessions (Prefect tasks
cannot hash a session, and a flow run may happen in another process). Each returns one of the
shapes of :mod:`actions.results` and raises :class:`~actions.common.errors.ActionsError` for
what the user must fix. Delivery and reports are imported inside the functions that use them:
`actions ingest` must not pay for Apprise or WeasyPrint (start-up speed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.common.settings import get_settings
from actions.common.tabular import require_file
from actions.domain.policy import Policy, load_policy
from actions.intake.ingest import InspectionMeta, apply_plan, plan_ingest
from actions.results import ChaseResult, DeliveryResult, IngestResult, ReportResult
from actions.store import db
from actions.tracking.queries import list_inspections

if TYPE_CHECKING:
    from actions.chasing import Plan


def ingest_report(
    path: Path,
    meta: InspectionMeta | Mapping[str, Any],
    *,
    dry_run: bool = False,
    policy: Policy | None = None,
    received_at: datetime | None = None,
) -> IngestResult:
    require_file(path)
    meta = meta if isinstance(meta, InspectionMeta) else InspectionMeta.of(meta)
    db.require_schema()
    policy = policy or load_policy()
    with db.session_scope() as session:
        plan = plan_ingest(session, path, meta, policy)
        if not dry_run:
            apply_plan(session, plan, at=received_at)
    return IngestResult(**plan.summary(), dry_run=dry_run)


def plan_messages(
    kind: str,
    as_of: date,
    *,
    dry_run: bool = False,
    policy: Policy | None = None,
    run_label: str = "",
) -> Plan:
    """Plan reminders (``chase``) or escalations (``escalate``) and record them in the outbox.

    A dry run computes the same plan and writes nothing.
    """
    from actions.chasing import plan  # lazy: start-up speed (see the module docstring)

    if not dry_run:  # every message carries a signed link: refuse before writing anything
        get_settings().require_secret_key()
    db.require_schema()
    policy = policy or load_policy()
    with db.session_scope() as session:
        result = plan(session, kind, as_of, policy, write=not dry_run, run_label=run_label)
        if dry_run:
            session.rollback()
    return result


def chase_or_escalate(
    kind: str,
    as_of: date,
    *,
    dry_run: bool = False,
    policy: Policy | None = None,
    run_label: str = "",
) -> ChaseResult:
    """Plan, record and deliver; the summary of docs/commands.md (``--json``)."""
    from actions.messaging.delivery import deliver  # lazy: start-up speed

    policy = policy or load_policy()
    result = plan_messages(kind, as_of, dry_run=dry_run, policy=policy, run_label=run_label)
    summary = ChaseResult(
        **result.summary(), sent=0, failed=0, dry_run=dry_run, messages=result.table()
    )
    if not dry_run and result.message_ids:
        report = deliver(only_ids=result.message_ids, policy=policy)
        summary["sent"], summary["failed"] = report.sent, report.failed
        summary["delivery"] = report.rows
    return summary


def deliver_outbox(message_ids: list[int] | None = None) -> DeliveryResult:
    """Send what is due in the outbox (all, or the given messages), retries included."""
    from actions.messaging.delivery import deliver  # lazy: start-up speed

    report = deliver(only_ids=message_ids)
    return DeliveryResult(**report.summary(), rows=report.rows)


def progress_report(
    as_of: date,
    out_dir: Path,
    *,
    formats: str = "html,pdf,md,csv,xlsx",
    inspection: str | None = None,
    send: bool = True,
    owners: list[str] | None = None,
    since: date | None = None,
    title: str | None = None,
) -> ReportResult:
    """Write the progress report; when ``send`` (the scheduled flow), also the pre-inspection
    packs that are due, and send the report to managers and the SRO (docs/commands.md). A
    report narrowed to an inspection or to owners is neither sent nor accompanied by packs.
    ``markdown`` in the result is the report as Markdown (the flow publishes it)."""
    from actions.messaging.delivery import deliver  # lazy: start-up speed
    from actions.reports import distribution, generate_report, parse_formats

    output = generate_report(
        out_dir,
        parse_formats(formats),
        as_of,
        inspection_code=inspection,
        owner_emails=owners,
        since=since,
        title=title,
    )
    summary = ReportResult(
        as_of=as_of.isoformat(),
        files={fmt: str(path) for fmt, path in output.paths.items()},
        summary=output.summary,
        markdown=output.markdown,
        packs=[],
        queued=[],
        sent=0,
        failed=0,
    )
    if inspection is not None or owners is not None or not send:
        return summary  # a narrowed report, or the command line's: the files only
    summary["packs"] = write_due_packs(out_dir, as_of)
    summary["queued"] = distribution.queue_reports(as_of, out_dir)
    if summary["queued"]:
        report = deliver()
        summary["sent"], summary["failed"] = report.sent, report.failed
    return summary


def write_due_packs(out_dir: Path, as_of: date) -> list[dict[str, str]]:
    """The pre-inspection pack of every inspection whose next inspection is near."""
    from actions.reports import generate_pack, pack_due  # lazy: start-up speed

    policy = load_policy()
    with db.session_scope() as session:
        known = list_inspections(session)
    packs = []
    for inspection in known:
        if pack_due(as_of, inspection.next_inspection, policy):
            output = generate_pack(out_dir, inspection.code, as_of)
            packs.append(
                {
                    "inspection": inspection.code,
                    "next_inspection": str(inspection.next_inspection),
                    **{fmt: str(path) for fmt, path in output.paths.items()},
                }
            )
    return packs
