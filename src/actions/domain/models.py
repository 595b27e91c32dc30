"""The domain model (docs/README.md, docs/lifecycle.md).

Plain tables; the rules live in :mod:`actions.domain.lifecycle`, :mod:`actions.domain.rag` and
the services.
Statuses and kinds are stored as short strings with CHECK constraints (portable between SQLite and
PostgreSQL, no native enum types to migrate).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from actions.common.dates import utcnow
from actions.domain.types import UTCDateTime
from actions.domain.vocabulary import (  # re-exported: callers import the words with the tables
    KIND_CODES,
    OPEN_STATUSES,
    Decision,
    Kind,
    MessageState,
    Role,
    Status,
    SuggestionState,
)

__all__ = [
    "KIND_CODES",
    "OPEN_STATUSES",
    "Decision",
    "Kind",
    "MessageState",
    "Role",
    "Status",
    "SuggestionState",
]


def _in(values: Any) -> str:
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


class Person(SQLModel, table=True):
    """Someone (or a team, or an external body) who owns actions or receives messages."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    #: Space-separated Apprise URLs. May hold passwords: never log or export this column.
    notify: str = Field(default="", sa_type=Text)
    role: str = Field(default="", max_length=20)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    #: Portal sessions carry this number; signing out adds one, ending them all (migration 0006).
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Inspection(SQLModel, table=True):
    __table_args__ = (Index("ix_inspection_body_title", "body", "title"),)

    id: int | None = Field(default=None, primary_key=True)
    #: Prefix of the refs of its actions, e.g. ``NOR-2018``.
    code: str = Field(max_length=40, unique=True)
    body: str = Field(max_length=200)
    inspectorate: str = Field(default="HMICFRS", max_length=100)
    title: str = Field(default="", max_length=300)
    programme: str = Field(default="", max_length=100)
    published: date | None = None
    next_inspection: date | None = None
    source_file: str = Field(default="", max_length=500)
    sha256: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]


class Finding(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"kind IN {_in(Kind)}", name="ck_finding_kind"),
        Index("ix_finding_inspection_seq", "inspection_id", "seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id")
    seq: int = Field(default=0)
    kind: str = Field(max_length=30)
    text: str = Field(sa_type=Text)
    reference: str | None = Field(default=None, max_length=50)
    question: str | None = Field(default=None, sa_type=Text)
    judgement: str | None = Field(default=None, max_length=40)
    due: date | None = None
    due_text: str | None = Field(default=None, max_length=200)
    carried_over: bool = Field(default=False)
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("finding.id"), nullable=True)
    )
    parts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]


class Action(SQLModel, table=True):
    """The tracked work for one finding."""

    __table_args__ = (
        CheckConstraint(f"status IN {_in(Status)}", name="ck_action_status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="ck_action_progress"),
        CheckConstraint("escalation_level BETWEEN 0 AND 3", name="ck_action_escalation"),
        Index("ix_action_status_deadline", "status", "deadline"),
        Index("ix_action_owner_status", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=60, unique=True, index=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    finding_id: int = Field(foreign_key="finding.id", unique=True)
    title: str = Field(max_length=300)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    deadline: date | None = None
    original_deadline: date | None = None
    status: str = Field(default=Status.OPEN.value, max_length=20)
    progress: int = Field(default=0)
    last_update_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]
    last_update_note: str = Field(default="", sa_type=Text)
    evidence_url: str = Field(default="", max_length=2000)
    notes: str = Field(default="", sa_type=Text)
    escalation_level: int = Field(default=0)
    superseded_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("action.id"), nullable=True)
    )
    #: The earlier inspection's action this one raises again (docs/next-inspection.md).
    repeat_of_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("action.id", name="fk_action_repeat_of"),
            nullable=True,
            index=True,
        ),
    )
    not_accepted_reason: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]


class RepeatSuggestion(SQLModel, table=True):
    """A possible repeat the matcher was not sure of, waiting for a person
    (docs/next-inspection.md)."""

    __tablename__ = "repeat_suggestion"
    __table_args__ = (
        CheckConstraint(f"state IN {_in(SuggestionState)}", name="ck_repeat_suggestion_state"),
        UniqueConstraint("action_id", "earlier_id", name="uq_repeat_suggestion_pair"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    earlier_id: int = Field(foreign_key="action.id")
    similarity: float
    state: str = Field(default=SuggestionState.PENDING.value, max_length=20, index=True)
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]


class ActionUpdate(SQLModel, table=True):
    """An update posted on an action (an owner's note, a completion, a deadline request)."""

    __tablename__ = "action_update"
    __table_args__ = (Index("ix_update_action_created", "action_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id")
    author_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    status_from: str = Field(max_length=20)
    #: The status asked for (None: no status change).
    status_to: str | None = Field(default=None, max_length=20)
    progress: int | None = None
    note: str = Field(default="", sa_type=Text)
    evidence_url: str = Field(default="", max_length=2000)
    requested_deadline: date | None = None
    reason: str = Field(default="", sa_type=Text)
    #: True when the change waits for a reviewer (completion, deadline change, not accepted).
    needs_review: bool = Field(default=False, index=True)
    via: str = Field(default="cli", max_length=20)


class Review(SQLModel, table=True):
    """A reviewer's decision on an update that needed review."""

    __table_args__ = (CheckConstraint(f"decision IN {_in(Decision)}", name="ck_review_decision"),)

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="action_update.id", unique=True)
    reviewer_id: int = Field(foreign_key="person.id")
    decision: str = Field(max_length=20)
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]


class Message(SQLModel, table=True):
    """The outbox: every message is written here before it is sent (docs/delivery.md)."""

    __table_args__ = (
        CheckConstraint(f"state IN {_in(MessageState)}", name="ck_message_state"),
        Index("ix_message_state_next", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    #: Where it goes, for people to read: an email address or "notify URLs" (never the URLs).
    recipient_label: str = Field(max_length=254)
    kind: str = Field(max_length=30)
    dedupe_key: str = Field(max_length=200, unique=True)
    subject: str = Field(default="", max_length=300)
    #: What the message says, as data: rendered into subject and bodies just before sending.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    body_text: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    #: [{"filename": ..., "mime": ..., "path": ...} or {"filename", "mime", "data_b64"}]
    attachments: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    state: str = Field(default=MessageState.PENDING.value, max_length=20)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_type=Text)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]
    #: A new value on every claim; only the holder of the latest claim may send or record.
    claim_token: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[call-overload]
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # type: ignore[call-overload]
    run_label: str = Field(default="", max_length=100)


class MessageItem(SQLModel, table=True):
    """One action's line in a digest; its dedupe key makes each reminder go out once.

    The key is the identity: planning writes 100,000s of these at once, so the table carries no
    surrogate id, no secondary index and no foreign keys. Only :mod:`actions.chasing.recording`
    writes it, with the ids of actions it has just read and messages it is writing in the same
    transaction, and neither is ever deleted; the two checks cost 0.8 s per 140,000 items on
    PostgreSQL (migration 0002).
    """

    __tablename__ = "message_item"

    dedupe_key: str = Field(max_length=200, primary_key=True)
    message_id: int
    action_id: int
    kind: str = Field(max_length=30)
    threshold: str = Field(max_length=60)


class AuditRecord(SQLModel, table=True):
    """Append-only: triggers in the migrations refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)  # type: ignore[call-overload]
    actor: str = Field(max_length=254)
    entity: str = Field(max_length=30)
    entity_id: int
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    field: str = Field(max_length=50)
    old: str | None = Field(default=None, sa_type=Text)
    new: str | None = Field(default=None, sa_type=Text)
    reason: str = Field(default="", sa_type=Text)
