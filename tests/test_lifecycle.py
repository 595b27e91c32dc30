"""Status transitions allowed and refused (docs/lifecycle.md), as pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from actions.common.errors import RuleViolation, UserInputError
from actions.domain.lifecycle import (
    PendingRequest,
    UpdateRequest,
    parse_status,
    plan_review,
    plan_update,
)
from actions.domain.models import OPEN_STATUSES, Status

REF = "NOR-2018-AFI-01"


@pytest.mark.parametrize("current", sorted(OPEN_STATUSES))
@pytest.mark.parametrize("target", sorted(OPEN_STATUSES))
def test_open_states_move_freely(current: Status, target: Status) -> None:
    plan = plan_update(REF, current, UpdateRequest(status=target, note="moving"))
    assert not plan.needs_review
    if current != target:
        assert plan.set_now["status"] == target


def test_completion_needs_a_closing_note() -> None:
    with pytest.raises(RuleViolation, match="closing note"):
        plan_update(REF, Status.IN_PROGRESS, UpdateRequest(status=Status.COMPLETED))


def test_completion_waits_for_review() -> None:
    plan = plan_update(
        REF, Status.IN_PROGRESS, UpdateRequest(status=Status.COMPLETED, note="All done")
    )
    assert plan.needs_review and plan.set_now["status"] == Status.COMPLETED


def test_closing_directly_is_refused_and_says_how() -> None:
    with pytest.raises(RuleViolation, match="actions review"):
        plan_update(REF, Status.IN_PROGRESS, UpdateRequest(status=Status.CLOSED, note="x"))


@pytest.mark.parametrize(
    "frozen", [Status.COMPLETED, Status.CLOSED, Status.SUPERSEDED, Status.NOT_ACCEPTED]
)
def test_actions_out_of_the_open_states_cannot_be_updated(frozen: Status) -> None:
    with pytest.raises(RuleViolation, match=REF):
        plan_update(REF, frozen, UpdateRequest(progress=10))


def test_deadline_change_needs_a_reason_and_review() -> None:
    with pytest.raises(RuleViolation, match="reason"):
        plan_update(REF, Status.OPEN, UpdateRequest(deadline=date(2027, 1, 1)))
    plan = plan_update(
        REF, Status.OPEN, UpdateRequest(deadline=date(2027, 1, 1), reason="Supplier late")
    )
    assert plan.needs_review and plan.requested_deadline == date(2027, 1, 1)
    assert "deadline" not in plan.set_now


def test_a_second_deadline_request_waits_for_the_first() -> None:
    with pytest.raises(RuleViolation, match="already has a deadline change"):
        plan_update(
            REF,
            Status.OPEN,
            UpdateRequest(deadline=date(2027, 1, 1), reason="r"),
            pending_deadline=True,
        )


def test_not_accepted_needs_a_reason_and_review() -> None:
    with pytest.raises(RuleViolation, match="reason"):
        plan_update(REF, Status.OPEN, UpdateRequest(status=Status.NOT_ACCEPTED))
    plan = plan_update(
        REF, Status.OPEN, UpdateRequest(status=Status.NOT_ACCEPTED, note="Out of scope")
    )
    assert plan.needs_review and "status" not in plan.set_now


def test_superseded_names_its_successor() -> None:
    with pytest.raises(RuleViolation, match="superseded-by"):
        plan_update(REF, Status.OPEN, UpdateRequest(status=Status.SUPERSEDED, note="x"))
    plan = plan_update(
        REF, Status.OPEN, UpdateRequest(status=Status.SUPERSEDED, superseded_by="NOR-2019-AFI-01")
    )
    assert plan.set_now["status"] == Status.SUPERSEDED and not plan.needs_review


def test_empty_update_is_refused() -> None:
    with pytest.raises(UserInputError, match="nothing to update"):
        plan_update(REF, Status.OPEN, UpdateRequest())


@pytest.mark.parametrize("progress", [-1, 101, 1000])
def test_progress_outside_range_is_refused(progress: int) -> None:
    with pytest.raises(UserInputError, match="0-100"):
        plan_update(REF, Status.OPEN, UpdateRequest(progress=progress))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x/y", "not a url"])
def test_evidence_must_be_a_web_link(url: str) -> None:
    with pytest.raises(UserInputError, match="http"):
        plan_update(REF, Status.OPEN, UpdateRequest(evidence_url=url))


def test_review_of_completion() -> None:
    pending = PendingRequest(status_to=Status.COMPLETED, requested_deadline=None, reason="done")
    accepted = plan_review(REF, Status.COMPLETED, pending, accept=True)
    assert accepted["status"] == Status.CLOSED and accepted["escalation_level"] == 0
    rejected = plan_review(REF, Status.COMPLETED, pending, accept=False)
    assert rejected == {"status": Status.IN_PROGRESS}


def test_review_of_deadline_change_ends_escalation_only_when_accepted() -> None:
    pending = PendingRequest(status_to=None, requested_deadline=date(2027, 5, 1), reason="r")
    assert plan_review(REF, Status.OPEN, pending, accept=True) == {
        "deadline": date(2027, 5, 1),
        "escalation_level": 0,
    }
    assert plan_review(REF, Status.OPEN, pending, accept=False) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In progress", Status.IN_PROGRESS),
        ("in-progress", Status.IN_PROGRESS),
        ("CLOSED", Status.CLOSED),
    ],
)
def test_status_names_are_forgiving(text: str, expected: Status) -> None:
    assert parse_status(text) == expected


def test_unknown_status_lists_the_choices() -> None:
    with pytest.raises(UserInputError, match="in_progress"):
        parse_status("finished")
