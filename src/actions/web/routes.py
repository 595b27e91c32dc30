"""The portal's route table: thin functions that turn a request into a handler call.

Who is asking is :mod:`actions.web.signin`; what each form does is in :mod:`actions.web.me`
(the owner's page and updates), :mod:`actions.web.reviews` and :mod:`actions.web.repeats`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from actions.web import signin
from actions.web.me import render_me, save_update
from actions.web.repeats import decide_repeat
from actions.web.reviews import save_review
from actions.web.security import decode_session
from actions.web.templates import templates_dir

if TYPE_CHECKING:
    from actions.web.app import Portal

REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,59}$")


def add_routes(app: FastAPI, portal: Portal) -> None:
    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with portal.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # the reason may name hosts or users: ops read it in the server log
            return JSONResponse({"status": "error", "database": "error"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/static/portal.css")
    def stylesheet() -> FileResponse:
        return FileResponse(
            templates_dir() / "portal.css",
            media_type="text/css",
            headers={"cache-control": "public, max-age=3600"},
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        if decode_session(request.cookies.get(portal.cookie)):
            return RedirectResponse("/me", status_code=303)
        return portal.render(
            "error.html", 200, title="Inspection actions", message=signin.NO_SESSION
        )

    @app.get("/p/{token}")
    def open_link(request: Request, token: str) -> Response:
        return signin.open_link(portal, token, signin.client_address(request))

    @app.get("/me", response_class=HTMLResponse)
    def me(request: Request, saved: str = "", reviewed: str = "", repeat: str = "") -> Response:
        with portal.session() as session:
            state, person = signin.current(request, portal, session)
            flash = _flash(saved, reviewed, repeat)
            return render_me(portal, session, state, person, flash=flash)

    # The POST handlers read the form on the event loop (async) and do their database work in
    # the thread pool: a slow or locked database then holds one worker thread, never the loop
    # that answers every other request (a locked SQLite file froze the portal for 30 s).
    @app.post("/me/actions/{ref}")
    async def update_action(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(signin.signed_in, request, portal)
        form = await signin.posted_form(request, state)
        return await run_in_threadpool(save_update, portal, _checked_ref(ref), state, person, form)

    @app.post("/review/{ref}")
    async def review_action(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(signin.signed_in, request, portal)
        form = await signin.posted_form(request, state)
        return await run_in_threadpool(save_review, portal, _checked_ref(ref), state, person, form)

    @app.post("/repeats/{ref}")
    async def repeat_decision(request: Request, ref: str) -> Response:
        state, person = await run_in_threadpool(signin.signed_in, request, portal)
        form = await signin.posted_form(request, state)
        return await run_in_threadpool(
            decide_repeat, portal, _checked_ref(ref), state, person, form
        )

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        state, person = await run_in_threadpool(signin.signed_in, request, portal)
        await signin.posted_form(request, state)
        await run_in_threadpool(signin.sign_out, portal, person)
        response = portal.render("error.html", 200, title="Signed out", message=signin.SIGNED_OUT)
        response.delete_cookie(portal.cookie, path="/", secure=portal.secure, httponly=True)
        return response


def _checked_ref(ref: str) -> str:
    if not REF_RE.match(ref):
        raise StarletteHTTPException(404)
    return ref.upper()


def _flash(saved: str, reviewed: str, repeat: str = "") -> str:
    # Only refs are echoed, so a crafted URL cannot put arbitrary words on the page.
    if saved and REF_RE.match(saved):
        return f"Saved your update on {saved.upper()}."
    if reviewed and REF_RE.match(reviewed):
        return f"Recorded your decision on {reviewed.upper()}."
    if repeat and REF_RE.match(repeat):
        return f"Recorded your decision on whether {repeat.upper()} repeats an earlier finding."
    return ""
