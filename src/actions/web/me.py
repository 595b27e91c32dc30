"""The signed-in person's page (``/me``) and the owner's updates posted from it.

Every update goes through :func:`actions.tracking.updates.post_update`, so the portal enforces
exactly the lifecycle rules of the command line and writes the same audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions.common.dates import today
from actions.common.errors import NotFoundError, UserInputError
from actions.domain.models import Person
from actions.domain.policy import load_policy
from actions.tracking.people import team_of
from actions.tracking.queries import get_action
from actions.tracking.updates import post_update
from actions.web import pages
from actions.web.errors import Forbidden
from actions.web.forms import UpdateForm, friendly, to_request
from actions.web.security import PortalSession

if TYPE_CHECKING:
    from actions.web.app import Portal


def render_me(
    portal: Portal,
    session: Session,
    state: PortalSession,
    person: Person,
    *,
    status: int = 200,
    flash: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, UpdateForm] | None = None,
    review_errors: dict[str, str] | None = None,
    review_notes: dict[str, str] | None = None,
    repeat_error: str = "",
) -> HTMLResponse:
    as_of = today()
    rules = load_policy().rag_rules()
    team = team_of(session, person)
    cards = pages.my_actions(session, person, as_of, rules)
    to_review = pages.to_review(session, person, team, as_of, rules) if team.reviews else []
    errors, review_errors = errors or {}, review_errors or {}
    # A message about an action that has no form on the page (e.g. reviewing one's own action)
    # is shown at the top instead of being lost.
    with_form = {c.view.ref for c in cards if c.editable}
    reviewable = {c.view.ref for c in to_review}
    loose = [(r, m) for r, m in errors.items() if r not in with_form]
    loose += [(r, m) for r, m in review_errors.items() if r not in reviewable]
    suggestions, links = pages.repeats_for_sro(session, person)
    return portal.render(
        "me.html",
        status,
        person=person,
        csrf=state.csrf,
        as_of=as_of,
        flash=flash,
        cards=cards,
        reviewer=team.reviews,
        everyone=team.everyone,
        to_review=to_review,
        overdue=pages.team_overdue(session, person, team, as_of, rules) if team.reviews else [],
        errors=errors,
        values=values or {},
        review_errors=review_errors,
        review_notes=review_notes or {},
        loose_errors=loose,
        suggestions=suggestions,
        links=links,
        repeat_error=repeat_error,
    )


def form_refused(
    portal: Portal, session: Session, state: PortalSession, person: Person, **shown: Any
) -> HTMLResponse:
    """A form the rules refused: nothing of it is kept (rolled back), and the page comes back
    as 422 with ``shown`` (the message, and what was typed) next to the form."""
    session.rollback()
    return render_me(portal, session, state, person, status=422, **shown)


def save_update(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    with portal.session() as session:
        action = _owned_action(session, ref, person)
        typed = UpdateForm()
        try:
            typed = UpdateForm.from_fields(form)
            update = to_request(
                typed, current_status=action.status, current_progress=action.progress
            )
            post_update(session, ref, update, by=person.email, via="portal")
        except UserInputError as exc:  # rule messages go back next to the form, input kept
            return form_refused(
                portal,
                session,
                state,
                person,
                errors={ref: friendly(exc.message, ref)},
                values={ref: typed},
            )
    return RedirectResponse(f"/me?saved={quote(ref)}#action-{quote(ref)}", status_code=303)


def _owned_action(session: Session, ref: str, person: Person) -> Any:
    try:
        action = get_action(session, ref)
    except NotFoundError:
        raise StarletteHTTPException(404) from None
    if action.owner_id != person.id:
        raise Forbidden(
            f"{ref} is not one of your actions, so you cannot update it. "
            "If it should be yours, ask the action team to reassign it."
        )
    return action
