"""Use cases: one function per thing a user (CLI, flow, portal) asks the product to do.

Each opens its own unit of work, so callers pass plain values, never sessions (Prefect tasks
cannot hash a session, and a flow run may happen in another process).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions import db
from actions.ingest import InspectionMeta, apply_plan, plan_ingest
from actions.policy import Policy, load_policy

if TYPE_CHECKING:
    from actions.chase import Plan


def ingest_report(
    path: Path,
    meta: InspectionMeta,
    *,
    dry_run: bool = False,
    policy: Policy | None = None,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    from actions.tabular import require_file

    require_file(path)
    db.require_schema()
    policy = policy or load_policy()
    with db.session_scope() as session:
        plan = plan_ingest(session, path, meta, policy)
        if not dry_run:
            apply_plan(session, plan, at=received_at)
    return {**plan.summary(), "dry_run": dry_run}


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
    from actions.chase import plan
    from actions.settings import get_settings

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
) -> dict[str, Any]:
    """Plan, record and deliver; the summary of SPEC section 5 (``--json``)."""
    from actions.delivery import deliver

    policy = policy or load_policy()
    result = plan_messages(kind, as_of, dry_run=dry_run, policy=policy, run_label=run_label)
    summary = {**result.summary(), "sent": 0, "failed": 0, "dry_run": dry_run}
    if not dry_run and result.message_ids:
        report = deliver(only_ids=result.message_ids, policy=policy)
        summary.update(sent=report.sent, failed=report.failed, delivery=report.rows)
    summary["messages"] = result.table()
    return summary
