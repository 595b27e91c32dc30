"""What the portal pages show, read from the database (no rendering, no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from actions.domain.models import (
    OPEN_STATUSES,
    Action,
    ActionUpdate,
    Finding,
    Person,
    Review,
    Role,
    Status,
)
from actions.domain.rag import RagRules
from actions.repeats.review import SuggestionView, pending_suggestions
from actions.tracking.history import (
    DeadlineEntry,
    PostedUpdate,
    UpdateEntry,
    audit_trail,
    deadline_history,
    update_entries,
)
from actions.tracking.people import Team
from actions.tracking.queries import ActionFilter, ActionView, iter_actions, view_by_id
from actions.tracking.updates import may_review as review_rule
from actions.tracking.updates import pending_updates

#: Repeat links shown for the SRO to check: the newest, so a long history stays one screen.
SHOWN_LINKS = 50


@dataclass(frozen=True)
class PendingItem(PostedUpdate):
    """One change awaiting review, as the reviewer reads it (``by``: "Name (email)")."""

    kind: str  # "completion", "deadline change", "not accepted", "status change"


@dataclass(frozen=True)
class ActionCard:
    view: ActionView
    updates: list[UpdateEntry]
    deadlines: list[DeadlineEntry]
    pending: list[PendingItem]

    @property
    def editable(self) -> bool:
        return self.view.status in OPEN_STATUSES


@dataclass(frozen=True)
class LinkView:
    ref: str
    repeat_of: str
    finding: str
    earlier_finding: str


def people_labels(session: Session) -> dict[int, str]:
    """Every person as "Name (email)", read once per page rather than once per action."""
    stmt = select(col(Person.id), col(Person.name), col(Person.email))
    return {pid: f"{name} ({email})" for pid, name, email in session.execute(stmt)}


def action_card(session: Session, view: ActionView, labels: dict[int, str]) -> ActionCard:
    action = session.get(Action, view.id)
    assert action is not None
    return ActionCard(
        view=view,
        updates=update_entries(session, view.id),
        deadlines=deadline_history(action, audit_trail(session, view.id)),
        pending=[
            _pending_item(u, labels.get(u.author_id, "?"))
            for u in pending_updates(session, view.id)
        ],
    )


def my_actions(session: Session, person: Person, as_of: date, rules: RagRules) -> list[ActionCard]:
    """The person's actions that still need something: open ones, then those awaiting review."""
    views = [
        v
        for v in iter_actions(session, as_of, ActionFilter(owner=person.email), rules)
        if v.status in OPEN_STATUSES or v.status == Status.COMPLETED
    ]
    views.sort(key=lambda v: (v.status == Status.COMPLETED, v.deadline or date.max, v.ref))
    labels = people_labels(session)
    return [action_card(session, v, labels) for v in views]


def _pending_item(update: ActionUpdate, by: str) -> PendingItem:
    if update.status_to == Status.COMPLETED:
        kind = "completion"
    elif update.status_to == Status.NOT_ACCEPTED:
        kind = "not accepted"
    elif update.requested_deadline is not None:
        kind = "deadline change"
    else:
        kind = "status change"
    return PendingItem.of(update, by, kind=kind)


def to_review(
    session: Session, person: Person, team: Team, as_of: date, rules: RagRules
) -> list[ActionCard]:
    """Actions of the team with something awaiting review (never the reviewer's own)."""
    stmt = (
        select(col(Action.id), col(Action.owner_id))
        .join(ActionUpdate, col(ActionUpdate.action_id) == Action.id)
        .outerjoin(Review, col(Review.update_id) == ActionUpdate.id)
        .where(col(ActionUpdate.needs_review) == True, col(Review.id) == None)  # noqa: E711, E712
        .distinct()
    )
    ids = [
        action_id
        for action_id, owner_id in session.execute(stmt)
        if team.covers(owner_id) and owner_id != person.id
    ]
    labels = people_labels(session)
    cards = [action_card(session, view_by_id(session, i, as_of, rules), labels) for i in ids]
    return sorted(cards, key=lambda c: c.view.ref)


def team_overdue(
    session: Session, person: Person, team: Team, as_of: date, rules: RagRules
) -> list[ActionView]:
    owners = _owner_ids_by_email(session)
    return [
        v
        for v in iter_actions(session, as_of, ActionFilter(overdue=True), rules)
        if v.owner_email
        and team.covers(owners.get(v.owner_email))
        and v.owner_email != person.email
    ]


def _owner_ids_by_email(session: Session) -> dict[str, int]:
    return {email: pid for email, pid in session.execute(select(col(Person.email), col(Person.id)))}


def may_review(session: Session, person: Person, action: Action) -> bool:
    """The rule ``actions review`` applies too (``updates.may_review``)."""
    return review_rule(session, person, action.owner_id)


def repeats_for_sro(
    session: Session, person: Person
) -> tuple[list[SuggestionView], list[LinkView]]:
    """The SRO's repeat section (docs/next-inspection.md): suggestions to decide, links to check."""
    if person.role != Role.SRO:
        return [], []
    return pending_suggestions(session), recent_links(session)


def recent_links(session: Session) -> list[LinkView]:
    new, old = Action.__table__.alias("new"), Action.__table__.alias("old")  # type: ignore[attr-defined]
    nf, of = Finding.__table__.alias("nf"), Finding.__table__.alias("of")  # type: ignore[attr-defined]
    rows = session.execute(
        select(new.c.ref, old.c.ref, nf.c.text, of.c.text)
        .select_from(new)
        .join(old, old.c.id == new.c.repeat_of_id)
        .join(nf, nf.c.id == new.c.finding_id)
        .join(of, of.c.id == old.c.finding_id)
        .where(new.c.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(new.c.id.desc())
        .limit(SHOWN_LINKS)
    ).all()
    return [LinkView(*row) for row in rows]
