"""The SRO's repeat decisions in the portal (SPEC section 7a): the rules of `actions repeats`,
through a form. Only the SRO sees the section or may post to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from actions.errors import UserInputError
from actions.lifecycle import validate_text
from actions.models import OPEN_STATUSES, Action, Finding, Person, Role
from actions.repeats.review import SuggestionView, break_link, confirm, dismiss, pending_suggestions

#: Links shown for the SRO to check: the newest, so a long history stays one screen.
SHOWN_LINKS = 50


@dataclass(frozen=True)
class LinkView:
    ref: str
    repeat_of: str
    finding: str
    earlier_finding: str


def for_sro(session: Session, person: Person) -> tuple[list[SuggestionView], list[LinkView]]:
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


def decide(session: Session, ref: str, person: Person, fields: dict[str, object]) -> str:
    """Apply one decision from the form; returns what to tell the SRO."""
    decision, earlier = fields.get("decision"), fields.get("earlier")
    if decision == "break":
        reason = fields.get("reason") or ""
        if not isinstance(reason, str):
            raise UserInputError("the reason must be text")
        return break_link(
            session, ref, by=person.email, reason=validate_text(reason, "the reason")
        ).message
    if not isinstance(earlier, str) or not earlier:
        raise UserInputError("choose the earlier action")
    if decision == "confirm":
        return confirm(session, ref, by=person.email, repeat_of=earlier).message
    if decision == "dismiss":
        return dismiss(session, ref, by=person.email, repeat_of=earlier).message
    raise UserInputError("choose whether it is the same ask or not")
