"""The `actions` command line (see :mod:`actions.cli.app`)."""

from __future__ import annotations

import re
import sys
import traceback

import typer
from typer._click import exceptions as click_exceptions  # typer vendors click

# Importing a command module registers its commands; `--help` lists them in this order.
# isort: off
from actions.cli import setup, intake, tracking, repeats, chasing, report  # noqa: F401
from actions.cli import transfer, web, ops  # noqa: F401

# isort: on
from actions.cli.app import app, err
from actions.common.errors import ActionsError, RowErrors
from actions.common.redact import known_secrets, redact

__all__ = ["app", "main", "run"]


# --------------------------------------------------------------------------- entry point


#: What ``str.splitlines`` (and a terminal, for the first two) would break a line at.
_LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with line breaks escaped: messages quote what users typed, which may hold
    newlines (a CSV cell "0\n0" made a RowErrors problem span two lines)."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def _report_error(exc: ActionsError) -> None:
    message = one_line(redact(str(exc), known_secrets()))
    err.print(f"error: {message}", markup=False, highlight=False)
    if isinstance(exc, RowErrors):
        for problem in exc.problems:
            err.print(f"  {one_line(problem)}", markup=False, highlight=False)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    code = run(args, debug=debug)
    sys.exit(code)


def run(args: list[str], *, debug: bool = False) -> int:
    """Run the CLI and return its exit code (tests call this directly)."""
    try:
        result = app(args=args, prog_name="actions", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("error: aborted")
        return 1
    except click_exceptions.ClickException as exc:
        err.print(f"error: {one_line(exc.format_message())}", markup=False, highlight=False)
        return 2
    except ActionsError as exc:
        if debug:
            traceback.print_exc()
        _report_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("error: interrupted")
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the details for --debug
        if debug:
            traceback.print_exc()
        message = redact(f"{type(exc).__name__}: {exc}", known_secrets()).splitlines()[0]
        err.print(
            f"error: unexpected failure ({message}); run again with --debug for details",
            markup=False,
            highlight=False,
        )
        return 1
