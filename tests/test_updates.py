"""Updates and reviews on the database: audit records share the change's transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.common.errors import RuleViolation, UserInputError
from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Action, ActionUpdate, AuditRecord, Review, Status
from actions.store.db import session_scope
from actions.tracking.updates import post_update, review
from tests.support.helpers import seed_action, seed_people

REF = "NOR-2018-AFI-01"


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        people = seed_people(session)
        seed_action(session, owner=people["owner"])
    return engine


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            len(session.exec(select(ActionUpdate)).all()),
            len(session.exec(select(AuditRecord)).all()),
        )


def test_failed_transaction_leaves_neither_change_nor_audit(seeded: Engine) -> None:
    before = counts(seeded)
    with pytest.raises(RuntimeError), session_scope(seeded) as session:
        post_update(session, REF, UpdateRequest(progress=50, note="half"), by="owner@force.example")
        assert counts(seeded) == before  # nothing visible outside the transaction yet
        raise RuntimeError("crash after the update, before commit")
    assert counts(seeded) == before
    with Session(seeded) as session:
        assert session.exec(select(Action)).one().progress == 0


def test_database_failure_rolls_back_the_audit_record(seeded: Engine) -> None:
    before = counts(seeded)
    with (
        pytest.raises(Exception, match=r"ck_action_progress|CHECK|check"),
        session_scope(seeded) as session,
    ):
        post_update(session, REF, UpdateRequest(note="looks fine"), by="owner@force.example")
        action = session.exec(select(Action)).one()
        action.progress = 500  # violates the CHECK constraint at flush
        session.flush()
    assert counts(seeded) == before


def test_update_writes_one_audit_record_per_changed_field(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        post_update(
            session,
            REF,
            UpdateRequest(status=Status.IN_PROGRESS, progress=30, note="Started"),
            by="owner@force.example",
        )
    with Session(seeded) as session:
        trail = session.exec(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert [(r.field, r.old, r.new, r.actor) for r in trail] == [
            ("progress", "0", "30", "owner@force.example"),
            ("status", "open", "in_progress", "owner@force.example"),
        ]
        action = session.exec(select(Action)).one()
        assert action.last_update_note == "Started" and action.last_update_at is not None


def test_unknown_author_is_refused(seeded: Engine) -> None:
    with pytest.raises(UserInputError, match="unknown person"), session_scope(seeded) as s:
        post_update(s, REF, UpdateRequest(progress=5), by="stranger@example.org")


def test_rejected_completion_returns_to_in_progress_with_the_note(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        post_update(
            session,
            REF,
            UpdateRequest(status=Status.COMPLETED, note="Done"),
            by="owner@force.example",
        )
    with session_scope(seeded) as session:
        outcome = review(
            session, REF, accept=False, by="manager@force.example", note="No evidence attached"
        )
    assert outcome.status == "in_progress"
    with Session(seeded) as session:
        action = session.exec(select(Action)).one()
        assert "No evidence attached" in action.last_update_note
        assert session.exec(select(Review)).one().decision == "rejected"


def test_nothing_to_review(seeded: Engine) -> None:
    with (
        pytest.raises(RuleViolation, match="nothing awaiting review"),
        session_scope(seeded) as session,
    ):
        review(session, REF, accept=True, by="manager@force.example")


def test_not_accepted_takes_effect_only_when_accepted(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        post_update(
            session,
            REF,
            UpdateRequest(status=Status.NOT_ACCEPTED, note="Duplicate of a national action"),
            by="owner@force.example",
        )
        assert session.exec(select(Action)).one().status == "open"
    with session_scope(seeded) as session:
        review(session, REF, accept=True, by="sro@force.example")
    with Session(seeded) as session:
        action = session.exec(select(Action)).one()
        assert action.status == "not_accepted"
        assert action.not_accepted_reason == "Duplicate of a national action"


def test_superseded_records_its_successor(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        newer = seed_action(session, ref="NOR-2019-AFI-01", owner=None, deadline=date(2028, 1, 1))
        post_update(
            session,
            REF,
            UpdateRequest(status=Status.SUPERSEDED, superseded_by="nor-2019-afi-01"),
            by="sro@force.example",
        )
    with Session(seeded) as session:
        action = session.exec(select(Action).where(Action.ref == REF)).one()
        assert action.status == "superseded" and action.superseded_by_id == newer.id


@pytest.mark.parametrize(
    ("reviewer", "allowed"),
    [
        ("other@force.example", False),  # a peer: same manager as the owner
        ("manager@force.example", True),  # the owner's manager
        ("sro@force.example", True),  # the SRO (also the manager's manager here)
    ],
)
def test_only_the_manager_chain_or_the_sro_reviews(
    seeded: Engine, reviewer: str, allowed: bool
) -> None:
    """One rule for the CLI and the portal (``actions review --by peer`` was accepted)."""
    with session_scope(seeded) as session:
        post_update(
            session,
            REF,
            UpdateRequest(status=Status.COMPLETED, progress=100, note="Done and evidenced"),
            by="owner@force.example",
        )
    if allowed:
        with session_scope(seeded) as session:
            review(session, REF, accept=True, by=reviewer)
        with Session(seeded) as session:
            assert session.exec(select(Action)).one().status == "closed"
        return
    with (
        pytest.raises(RuleViolation, match="manager chain or is the SRO"),
        session_scope(seeded) as session,
    ):
        review(session, REF, accept=True, by=reviewer)
    with Session(seeded) as session:
        assert session.exec(select(Action)).one().status == "completed"
        assert session.exec(select(Review)).all() == []
