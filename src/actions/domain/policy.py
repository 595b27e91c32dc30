"""The chasing policy (docs/chasing.md) with its defaults, loaded from an optional TOML file.

Every key is optional; unknown keys and wrong types are refused with a message naming the key.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from actions.common.dates import add_months
from actions.common.errors import ConfigError
from actions.common.settings import get_settings
from actions.domain.assignment import AssignmentRule
from actions.domain.rag import RagRules

#: Seconds a lease must outlast a send's deadline: clocks of deliverers on other machines,
#: the commit that records the outcome.
LEASE_MARGIN_S = 2


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChasePolicy(_Section):
    #: An open action with no update for this many days is due an update request.
    update_cadence_days: int = Field(30, ge=1, le=365)
    #: Deadline reminders this many days before the deadline.
    reminder_days_before: tuple[int, ...] = (14, 7, 1)
    #: Send only on working days (weekends and bank holidays skipped).
    working_days_only: bool = True
    #: Bank-holiday calendar: england, wales, scotland or northern_ireland.
    calendar: Literal["england", "wales", "scotland", "northern_ireland"] = "england"

    @model_validator(mode="after")
    def _positive_offsets(self) -> ChasePolicy:
        if any(d < 0 or d > 365 for d in self.reminder_days_before):
            raise ValueError("reminder_days_before must hold days between 0 and 365")
        return self


class EscalationLevel(_Section):
    level: int = Field(ge=1, le=3)
    days_overdue: int = Field(ge=1, le=3650)
    to: Literal["owner", "manager", "sro"]


DEFAULT_LEVELS = (
    EscalationLevel(level=1, days_overdue=1, to="owner"),
    EscalationLevel(level=2, days_overdue=7, to="manager"),
    EscalationLevel(level=3, days_overdue=21, to="sro"),
)


class EscalationPolicy(_Section):
    levels: tuple[EscalationLevel, ...] = DEFAULT_LEVELS
    #: A level repeats at most this often.
    repeat_days: int = Field(7, ge=1, le=365)

    @model_validator(mode="after")
    def _ordered(self) -> EscalationPolicy:
        days = [lvl.days_overdue for lvl in self.levels]
        if days != sorted(days) or len({lvl.level for lvl in self.levels}) != len(self.levels):
            raise ValueError("levels must have distinct numbers and rising days_overdue")
        return self


class RagPolicy(_Section):
    amber_within_days: int = Field(14, ge=0, le=365)
    amber_below_progress: int = Field(75, ge=0, le=100)


class DeadlinePolicy(_Section):
    """The deadline of an action whose finding states none."""

    default: Literal["before_next_inspection", "after_publication"] = "after_publication"
    weeks_before_next_inspection: int = Field(8, ge=0, le=520)
    months_after_publication: int = Field(6, ge=1, le=120)


class DeliveryPolicy(_Section):
    max_attempts: int = Field(5, ge=1, le=50)
    #: First retry after this many seconds, doubling each time.
    backoff_seconds: int = Field(60, ge=1, le=86400)
    #: Messages per second per channel (0 = unlimited).
    rate_per_second: float = Field(0, ge=0)
    #: How long a deliverer may hold a claimed message before others may take it. Renewed when
    #: half of it is left; a message is sent only while its lease outlasts the send.
    lease_seconds: int = Field(300, ge=10, le=86400)
    #: The longest one message may take to hand over (SMTP: connection, commands and content);
    #: nothing more is written to the server after it, and the attempt counts as failed.
    send_timeout_seconds: int = Field(20, ge=1, le=3600)
    #: Send mailto:// URLs over one pooled SMTP connection instead of Apprise's email plugin,
    #: which throttles to one message per ~5.5 s (see actions.messaging.transports).
    smtp_pooling: bool = True

    @model_validator(mode="after")
    def _lease_outlasts_sends(self) -> DeliveryPolicy:
        # Renewed at half time, a lease still covers a whole send and the margin when it starts.
        least = 2 * (self.send_timeout_seconds + LEASE_MARGIN_S)
        if self.lease_seconds < least:
            raise ValueError(
                f"lease_seconds must be at least {least} with send_timeout_seconds = "
                f"{self.send_timeout_seconds} (twice the send timeout plus {LEASE_MARGIN_S} s)"
            )
        return self


class ReportPolicy(_Section):
    #: The pre-inspection pack is produced this many weeks before the next inspection.
    pack_weeks_before: int = Field(12, ge=1, le=104)
    #: Days of history the readiness forecast uses for its completion rate.
    forecast_window_days: int = Field(90, ge=7, le=3650)


class PortalPolicy(_Section):
    #: Failed link and form (CSRF) attempts one address may make per window before a 429.
    max_failed_attempts: int = Field(20, ge=1, le=10000)
    failed_attempts_window_seconds: int = Field(300, ge=1, le=86400)


class Policy(_Section):
    chase: ChasePolicy = ChasePolicy()
    escalation: EscalationPolicy = EscalationPolicy()
    rag: RagPolicy = RagPolicy()
    deadlines: DeadlinePolicy = DeadlinePolicy()
    delivery: DeliveryPolicy = DeliveryPolicy()
    report: ReportPolicy = ReportPolicy()
    assignment: tuple[AssignmentRule, ...] = ()
    portal: PortalPolicy = PortalPolicy()

    def rag_rules(self) -> RagRules:
        return RagRules(
            amber_within_days=self.rag.amber_within_days,
            amber_below_progress=self.rag.amber_below_progress,
            update_cadence_days=self.chase.update_cadence_days,
        )

    def default_deadline(self, published: date | None, next_inspection: date | None) -> date | None:
        try:
            return self._default_deadline(published, next_inspection)
        except OverflowError:  # dates read from a report can be anything: no default then
            return None

    def _default_deadline(
        self, published: date | None, next_inspection: date | None
    ) -> date | None:
        rule = self.deadlines
        if rule.default == "before_next_inspection" and next_inspection:
            return next_inspection - timedelta(weeks=rule.weeks_before_next_inspection)
        if published:
            return add_months(published, rule.months_after_publication)
        if next_inspection:
            return next_inspection - timedelta(weeks=rule.weeks_before_next_inspection)
        return None


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        key = ".".join(str(p) for p in problem["loc"]) or "(top level)"
        raise ConfigError(f"{source}: {key}: {problem['msg']}") from None


def load_policy(path: Path | None = None) -> Policy:
    """The policy from ``path``, ``ACTIONS_CONFIG``, ``./actions.toml``, or the defaults."""
    path = path or get_settings().policy_path()
    if path is None:
        return Policy()
    return _load_file(str(path.resolve()) if path.exists() else str(path))


@lru_cache(maxsize=4)
def _load_file(path: str) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"ACTIONS_CONFIG: {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"ACTIONS_CONFIG: {path}: cannot read ({type(exc).__name__})") from None
    return parse_policy(text, path)


def reset_policy() -> None:
    """Forget policy files read so far (tests, and the demo, point ACTIONS_CONFIG elsewhere)."""
    _load_file.cache_clear()
