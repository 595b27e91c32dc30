"""What the portal says when it refuses or fails: :class:`Forbidden` and the error pages (never
a stack trace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions.store.db import DatabaseUnavailable
from actions.web.security import TooManyFailures, too_many_failures_response

if TYPE_CHECKING:
    from actions.web.app import Portal


class Forbidden(Exception):
    """A 403 with a plain explanation (never a stack trace)."""

    def __init__(self, message: str, title: str = "Access denied") -> None:
        super().__init__(message)
        self.message = message
        self.title = title


def add_error_handlers(app: FastAPI, portal: Portal) -> None:
    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> Response:
        return portal.render("error.html", 403, title=exc.title, message=exc.message)

    @app.exception_handler(TooManyFailures)
    async def too_many(_: Request, exc: TooManyFailures) -> Response:
        return too_many_failures_response(exc.retry_after)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        title, message = _http_message(exc.status_code)
        return portal.render("error.html", exc.status_code, title=title, message=message)

    @app.exception_handler(DatabaseUnavailable)
    @app.exception_handler(OperationalError)
    async def busy(_: Request, __: Exception) -> Response:
        # A locked SQLite file, a lock timeout, a server restarting: nothing was written (the
        # unit of work rolled back), so "try again" is the truthful answer, never a 500.
        response = portal.render(
            "error.html",
            503,
            title="Busy: please try again",
            message="The action tracker is busy right now. Nothing was saved: go back, wait a "
            "minute and send the form again.",
        )
        response.headers["Retry-After"] = "60"
        return response

    @app.exception_handler(Exception)
    async def crash(_: Request, __: Exception) -> Response:  # never a stack trace to the user
        return _crash_page(portal)


def _crash_page(portal: Portal) -> Response:
    return portal.render(
        "error.html",
        500,
        title="Something went wrong",
        message="Something went wrong on our side. Nothing was saved; please try again later.",
    )


def _http_message(status: int) -> tuple[str, str]:
    if status == 404:
        return "Page not found", "There is no page at this address."
    if status == 405:
        return "Not allowed", "This page cannot be used that way."
    return "Request not accepted", "The request could not be read. Please go back and try again."
