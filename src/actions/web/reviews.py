"""Reviews from the portal: the owner's manager or the SRO accepts or rejects what awaits review,
through :func:`actions.tracking.updates.review` (the command line's rules and audit trail)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions.common.errors import NotFoundError, UserInputError
from actions.domain.models import Person
from actions.tracking.queries import get_action
from actions.tracking.updates import review
from actions.web import pages
from actions.web.errors import Forbidden
from actions.web.forms import friendly, review_fields
from actions.web.me import form_refused
from actions.web.security import PortalSession

if TYPE_CHECKING:
    from actions.web.app import Portal


def save_review(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    with portal.session() as session:
        try:
            action = get_action(session, ref)
        except NotFoundError:
            raise StarletteHTTPException(404) from None
        if not pages.may_review(session, person, action):
            raise Forbidden(
                f"You cannot review {ref}: reviews are for the owner's manager or the senior "
                "responsible owner."
            )
        note = form.get("note")
        try:
            accept, clean_note = review_fields(form)
            review(session, ref, accept=accept, by=person.email, note=clean_note)
        except UserInputError as exc:
            return form_refused(
                portal,
                session,
                state,
                person,
                review_errors={ref: friendly(exc.message, ref)},
                review_notes={ref: note if isinstance(note, str) else ""},
            )
    return RedirectResponse(f"/me?reviewed={quote(ref)}#review-{quote(ref)}", status_code=303)
