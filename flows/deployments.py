"""The deployments, as ``prefect.yaml`` declares them, for `actions serve` (docs/commands.md).

``prefect.yaml`` is the one place they are written: ``prefect deploy --all`` reads it for
workers, and this module reads it for `actions serve`, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from prefect import serve as serve_all
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

#: Beside flows/ in a checkout; a wheel carries it inside flows/ (pyproject's force-include).
DECLARATIONS = (
    Path(__file__).parents[1] / "prefect.yaml",
    Path(__file__).with_name("prefect.yaml"),
)
TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str  # "flows/module.py:function", as in prefect.yaml
    crons: tuple[str, ...] = ()
    description: str = ""
    concurrency_limit: int | None = None
    collision_strategy: str = "ENQUEUE"  # what a run does while another holds the limit
    parameters: dict[str, Any] = field(default_factory=dict)
    timezone: str = TIMEZONE

    def load_flow(self) -> Any:
        module_path, function = self.entrypoint.split(":")
        module = importlib.import_module(module_path.removesuffix(".py").replace("/", "."))
        return getattr(module, function)

    @classmethod
    def from_yaml(cls, declared: dict[str, Any]) -> DeploymentSpec:
        schedules = declared.get("schedules") or []
        zones = {s.get("timezone", TIMEZONE) for s in schedules} or {TIMEZONE}
        if len(zones) > 1:
            raise ValueError(f"prefect.yaml: {declared['name']} mixes time zones {sorted(zones)}")
        limit = declared.get("concurrency_limit")
        return cls(
            name=declared["name"],
            entrypoint=declared["entrypoint"],
            crons=tuple(s["cron"] for s in schedules),
            description=" ".join(str(declared.get("description", "")).split()),
            concurrency_limit=limit.get("limit") if isinstance(limit, dict) else limit,
            collision_strategy=str(
                limit.get("collision_strategy", "ENQUEUE") if isinstance(limit, dict) else "ENQUEUE"
            ),
            parameters=dict(declared.get("parameters") or {}),
            timezone=zones.pop(),
        )


@cache
def declared_deployments() -> tuple[DeploymentSpec, ...]:
    path = next((p for p in DECLARATIONS if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(
            "prefect.yaml not found beside flows/ (it declares the deployments)"
        )
    declared = yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]
    return tuple(DeploymentSpec.from_yaml(d) for d in declared)


def runner_deployments() -> list[Any]:
    """The deployments as `prefect.serve` wants them."""
    built = []
    for spec in declared_deployments():
        limit = (
            ConcurrencyLimitConfig(
                limit=spec.concurrency_limit,
                collision_strategy=ConcurrencyLimitStrategy(spec.collision_strategy),
            )
            if spec.concurrency_limit
            else None
        )
        built.append(
            spec.load_flow().to_deployment(
                name=spec.name,
                description=spec.description,
                schedules=[Cron(cron, timezone=spec.timezone) for cron in spec.crons],
                concurrency_limit=limit,
                parameters=spec.parameters,
            )
        )
    return built


def serve() -> None:
    # Keep schedules active when this process stops: another `actions serve` or a worker may
    # take over; pausing them would silently stop the chasing.
    serve_all(*runner_deployments(), pause_on_shutdown=False)
