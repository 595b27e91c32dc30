"""Commands of the `web` area (registered on the app when this module is imported).

Commands import what they use inside their functions (start-up speed: see :mod:`actions.cli.app`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from actions.cli.app import JsonOpt, app, database, emit_json, err, out


@app.command()
def web(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    header_timeout: Annotated[
        float,
        typer.Option(
            help="Seconds a client has to send a request's head; slower connections are closed.",
            min=0.1,
            max=300,
        ),
    ] = 10.0,
) -> None:
    """Run the owner and reviewer portal (needs ACTIONS_SECRET_KEY)."""
    import uvicorn

    from actions.common.settings import get_settings
    from actions.store import db
    from actions.web import create_app
    from actions.web.server import server_config

    settings = get_settings()
    settings.require_secret_key()  # ConfigError: one line, exit 2
    db.require_schema()
    application = create_app()
    out.print(f"portal on http://{host}:{port} (links point at {settings.base_url})")
    config = server_config(application, host, port, header_timeout=header_timeout, log_level="info")
    uvicorn.Server(config).run()


@app.command()
def link(
    email: Annotated[str, typer.Argument(help="The person's email address.")],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Refuse every link issued to them until now.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Print a person's portal link (or revoke their earlier links)."""
    from actions.common.settings import get_settings
    from actions.tracking.links import PORTAL_LINK_MAX_AGE, portal_link, revoke_links
    from actions.tracking.people import get_person

    get_settings().require_secret_key()
    with database() as session:
        person = get_person(session, email)
        if revoke:
            revoke_links(session, person, by="cli")
    days = PORTAL_LINK_MAX_AGE // 86400
    if revoke:
        if as_json:
            emit_json({"email": person.email, "revoked": True})
        else:
            out.print(f"revoked every portal link of {person.email} issued until now")
        return
    url = portal_link(person.email)
    if as_json:
        emit_json({"email": person.email, "link": url, "valid_days": days})
    else:
        # Plain print: rich would wrap or style a long URL and break copy-and-paste.
        typer.echo(url)
        err.print(f"valid for {days} days; anyone with this link can act as {person.email}")
