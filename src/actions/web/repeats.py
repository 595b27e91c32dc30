"""The SRO's repeat decisions in the portal (docs/next-inspection.md): the rules of
`actions repeats`, through a form. Only the SRO sees the section or may post to it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions.common.errors import NotFoundError, UserInputError
from actions.domain.lifecycle import validate_text
from actions.domain.models import Person, Role
from actions.repeats.review import break_link, confirm, dismiss
from actions.web.errors import Forbidden
from actions.web.forms import friendly
from actions.web.me import form_refused
from actions.web.security import PortalSession

if TYPE_CHECKING:
    from actions.web.app import Portal


def decide_repeat(
    portal: Portal, ref: str, state: PortalSession, person: Person, form: FormData
) -> Response:
    if person.role != Role.SRO:
        raise Forbidden(
            "Only the senior responsible owner decides whether a finding repeats an earlier one."
        )
    with portal.session() as session:
        try:
            decide(session, ref, person, dict(form))
        except NotFoundError:
            raise StarletteHTTPException(404) from None
        except UserInputError as exc:
            return form_refused(
                portal, session, state, person, repeat_error=f"{ref}: {friendly(exc.message, ref)}"
            )
    return RedirectResponse(f"/me?repeat={quote(ref)}#repeats", status_code=303)


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
