"""The owner and reviewer portal (docs/portal-security.md): server-rendered pages, no JavaScript.

Every change goes through :func:`actions.tracking.updates.post_update` /
:func:`actions.tracking.updates.review`, so the portal enforces exactly the lifecycle rules of the
command line and writes the same audit trail. The portal is only HTTP: who is asking (session
cookie, :mod:`actions.web.signin`), is the form genuine (CSRF), is it theirs to change, and what to
show. This module builds the app: middleware, error pages (:mod:`actions.web.errors`) and routes
(:mod:`actions.web.routes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jinja2
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from actions.common.settings import get_settings
from actions.domain.policy import load_policy
from actions.store.db import get_engine, session_scope
from actions.web.errors import add_error_handlers
from actions.web.routes import add_routes
from actions.web.security import (
    FailureLimiter,
    LimitBody,
    SecurityHeaders,
    cookie_name,
    install_log_redaction,
)
from actions.web.templates import make_templates, templates_dir


@dataclass(frozen=True)
class Portal:
    """What every request needs: where the data is, how to render, how to set cookies."""

    engine: Engine
    templates: jinja2.Environment
    secure: bool
    #: Failed link and CSRF attempts per client address (429 once an address has used them up).
    limiter: FailureLimiter

    @property
    def cookie(self) -> str:
        return cookie_name(self.secure)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)


def create_app(database_url: str | None = None) -> FastAPI:
    """The portal app; refuses to build without ``ACTIONS_SECRET_KEY``."""
    settings = get_settings()
    settings.require_secret_key()
    limits = load_policy().portal
    portal = Portal(
        engine=get_engine(database_url),
        templates=make_templates(templates_dir()),
        secure=settings.base_url.startswith("https://"),
        limiter=FailureLimiter(limits.max_failed_attempts, limits.failed_attempts_window_seconds),
    )
    app = FastAPI(
        title="Inspection actions portal", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.portal = portal
    add_error_handlers(app, portal)
    add_routes(app, portal)
    app.add_middleware(LimitBody)
    app.add_middleware(SecurityHeaders)  # outermost: also covers 413 and error pages
    install_log_redaction()
    return app


__all__ = ["Portal", "create_app"]
