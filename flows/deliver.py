"""Draining the outbox: retries with backoff; several runs may drain at once on PostgreSQL."""

from __future__ import annotations

from prefect import flow, task
from prefect.states import Completed, Failed, State

from actions import services
from actions.results import DeliveryResult
from flows.common import Outcome, call_service, publish_table, transient_only


@task(retries=3, retry_delay_seconds=[30, 120, 600], retry_condition_fn=transient_only)
def deliver_messages(message_ids: list[int] | None = None) -> Outcome[DeliveryResult]:
    """Send due messages (all, or the given ones) in one task; outcomes are in the database."""
    return call_service(services.deliver_outbox, message_ids)


@flow(name="deliver-outbox", flow_run_name="deliver outbox")
def deliver_outbox() -> State:
    """Send everything due in the outbox, including retries of earlier failures."""
    outcome = deliver_messages()
    report = outcome.result
    if report is None:
        return outcome.failed_state()
    rows = [
        {k: r[k] for k in ("recipient", "kind", "subject", "channel", "state", "error")}
        for r in report["rows"]
    ]
    publish_table("outbox-delivery", rows, "messages this run tried to deliver")
    if report["failed"]:
        return Failed(message=f"{report['failed']} message(s) not delivered", data=report)
    return Completed(data=report)
