"""The deployments of docs/commands.md, for `actions serve` (prefect.yaml declares the same).

A test checks that this list and prefect.yaml agree, so a schedule changed in one place and not
the other fails CI rather than surprising ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # "flows/module.py:function", as in prefect.yaml
    crons: tuple[str, ...] = ()
    description: str = ""
    concurrency_limit: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    def load_flow(self) -> Any:
        import importlib

        module_path, function = self.entrypoint.split(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        return getattr(module, function)


DEPLOYMENTS = (
    DeploymentSpec(
        "ingest",
        "flows/ingest.py:ingest_report",
        description="Read a report into findings and actions (run on demand).",
    ),
    DeploymentSpec(
        "chase-weekdays",
        "flows/chase.py:chase_updates",
        ("0 8 * * 1-5",),
        "Reminders and update requests, weekdays 08:00.",
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "escalate-weekdays",
        "flows/chase.py:escalate_overdue",
        ("0 9 * * 1-5",),
        "Escalations of overdue actions, weekdays 09:00.",
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "deliver-outbox",
        "flows/deliver.py:deliver_outbox",
        ("*/15 * * * *",),
        "Retries of messages that could not be delivered.",
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "report-weekly-monthly",
        "flows/report.py:progress_report",
        ("0 7 * * 1", "0 7 1 * *"),
        "Progress report Mondays 07:00 and on the 1st of each month; sends it to "
        "managers and the SRO; produces the pre-inspection pack when due.",
        concurrency_limit=1,
    ),
)


def runner_deployments() -> list[Any]:
    """The deployments as `prefect.serve` wants them."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    built = []
    for spec in DEPLOYMENTS:
        limit = (
            ConcurrencyLimitConfig(
                limit=spec.concurrency_limit, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
            )
            if spec.concurrency_limit
            else None
        )
        built.append(
            spec.load_flow().to_deployment(
                name=spec.name,
                description=spec.description,
                schedules=[Cron(cron, timezone=TIMEZONE) for cron in spec.crons],
                concurrency_limit=limit,
                parameters=spec.parameters,
            )
        )
    return built


def serve() -> None:
    from prefect import serve as prefect_serve

    # Keep schedules active when this process stops: another `actions serve` or a worker may
    # take over; pausing them would silently stop the chasing.
    prefect_serve(*runner_deployments(), pause_on_shutdown=False)
