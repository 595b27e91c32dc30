"""Errors the user can act on.

Anything raised as an :class:`ActionsError` is shown to the user as one line on stderr, without a
traceback, and the command exits with ``exit_code``. Everything else is a bug and keeps its
traceback (shown with ``--debug``).
"""

from __future__ import annotations

from typing import Any, TypedDict


class UserErrorData(TypedDict):
    """An :class:`ActionsError` as data: how a flow run hands a user error back to the CLI
    (a Failed state carrying this, not a traceback: retrying will not help, the message will)."""

    error: str
    exit_code: int


class ActionsError(Exception):
    """Base class for errors the user can fix or should know about."""

    exit_code = 1
    #: The same work may succeed if simply tried again (a dropped database connection):
    #: Prefect tasks retry these; every other user error ends the flow run at once.
    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # An exception pickles as type(*args); subclasses built from other arguments (RowErrors,
        # DatabaseUnavailable) would fail to unpickle where a flow run's result is read again.
        return (_restore, (type(self), self.message, dict(self.__dict__)))

    def as_data(self) -> UserErrorData:
        return {"error": self.message, "exit_code": self.exit_code}

    @staticmethod
    def from_data(data: object) -> ActionsError | None:
        """The error ``data`` carries, if it is :class:`UserErrorData`; else ``None``."""
        if not isinstance(data, dict):
            return None
        message, exit_code = data.get("error"), data.get("exit_code")
        if not isinstance(message, str) or not isinstance(exit_code, int):
            return None
        error = (
            UserInputError(message)
            if exit_code == UserInputError.exit_code
            else ActionsError(message)
        )
        error.exit_code = exit_code
        return error


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


def _restore(cls: type[ActionsError], message: str, state: dict[str, Any]) -> ActionsError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error
