"""Errors the user can act on.

Anything raised as an :class:`ActionsError` is shown to the user as one line on stderr, without a
traceback, and the command exits with ``exit_code``. Everything else is a bug and keeps its
traceback (shown with ``--debug``).
"""

from __future__ import annotations


class ActionsError(Exception):
    """Base class for errors the user can fix or should know about."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserInputError(ActionsError):
    """Bad input: a missing file, an invalid date, an unknown ref, a malformed row (exit 2)."""

    exit_code = 2


class RowErrors(UserInputError):
    """Several bad rows in an imported file; nothing was written."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} invalid row(s), nothing written")


class NotFoundError(UserInputError):
    """A referenced thing (action ref, person) does not exist."""


class RuleViolation(UserInputError):
    """A lifecycle rule refused the change (docs/lifecycle.md)."""


class ConfigError(UserInputError):
    """Invalid configuration; the message names the key."""
