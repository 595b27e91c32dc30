"""Use cases: one function per thing a user (CLI, flow, portal) asks the product to do.

Each opens its own unit of work, so callers pass plain values, never sessions (Prefect tasks
cannot hash a session, and a flow run may happen in another process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions import db
from actions.ingest import InspectionMeta, apply_plan, plan_ingest
from actions.policy import Policy, load_policy


def ingest_report(
    path: Path, meta: InspectionMeta, *, dry_run: bool = False, policy: Policy | None = None
) -> dict[str, Any]:
    from actions.tabular import require_file

    require_file(path)
    db.require_schema()
    policy = policy or load_policy()
    with db.session_scope() as session:
        plan = plan_ingest(session, path, meta, policy)
        if not dry_run:
            apply_plan(session, plan)
    return {**plan.summary(), "dry_run": dry_run}
