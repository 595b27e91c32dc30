"""Draining the outbox: retries with backoff; several runs may drain at once on PostgreSQL."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.states import Completed, Failed, State

from actions.messaging.delivery import deliver
from flows.common import call_service, publish_table, user_error_state


@task(retries=3, retry_delay_seconds=[30, 120, 600])
def deliver_messages(message_ids: list[int] | None = None) -> dict[str, Any]:
    """Send due messages (all, or the given ones) in one task; outcomes are in the database."""

    def delivered() -> dict[str, Any]:
        report = deliver(only_ids=message_ids)
        return {**report.summary(), "rows": report.rows}

    outcome = call_service(delivered)
    if "error" not in outcome:
        return outcome["result"]
    if outcome["exit_code"] == 2:  # bad configuration: retrying will not help
        return outcome
    raise RuntimeError(outcome["error"])  # e.g. the database is unreachable: worth a retry


@flow(name="deliver-outbox", flow_run_name="deliver outbox")
def deliver_outbox() -> State:
    """Send everything due in the outbox, including retries of earlier failures."""
    report = deliver_messages()
    if "error" in report:
        return user_error_state(report)
    rows = [
        {k: r[k] for k in ("recipient", "kind", "subject", "channel", "state", "error")}
        for r in report["rows"]
    ]
    publish_table("outbox-delivery", rows, "messages this run tried to deliver")
    if report["failed"]:
        return Failed(message=f"{report['failed']} message(s) not delivered", data=report)
    return Completed(data=report)
