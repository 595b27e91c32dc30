"""One error shape between services, flows and the CLI: a user error crosses a flow run as data
and comes back with its message and exit code; a transient one is raised for Prefect to retry."""

from __future__ import annotations

import pytest
from flows.common import Outcome, call_service, transient_only
from prefect.states import Failed

from actions.common.errors import ActionsError, NotFoundError, RowErrors, UserInputError


def test_a_user_error_round_trips_with_its_exit_code() -> None:
    for error, code in (
        (NotFoundError("no action NOR-2018-AFI-99"), 2),
        (RowErrors("people.csv", ["line 3: no email"]), 2),
        (ActionsError("the database is not initialised"), 1),
    ):
        again = ActionsError.from_data(error.as_data())
        assert again is not None
        assert (str(again), again.exit_code) == (str(error), code)
        assert isinstance(again, UserInputError) == (code == 2)


def test_only_user_error_data_is_read_as_an_error() -> None:
    assert ActionsError.from_data({"as_of": "2027-03-01", "planned": 3}) is None
    assert ActionsError.from_data({"error": "x", "exit_code": "2"}) is None
    assert ActionsError.from_data(None) is None


def test_a_task_reports_a_user_error_as_data() -> None:
    def refuse() -> int:
        raise NotFoundError("no person bob@force.example")

    outcome = call_service(refuse)
    assert outcome.result is None
    assert outcome.error == {"error": "no person bob@force.example", "exit_code": 2}
    state = outcome.failed_state()
    assert state.is_failed() and state.message == "no person bob@force.example"


def test_a_task_raises_a_transient_error_so_prefect_retries_it() -> None:
    class Dropped(ActionsError):
        transient = True

    def drop() -> int:
        raise Dropped("cannot use the database: server closed the connection")

    with pytest.raises(Dropped):
        call_service(drop)
    assert call_service(lambda: 7) == Outcome(result=7)


def test_tasks_retry_only_transient_errors() -> None:
    class Dropped(ActionsError):
        transient = True

    assert transient_only(None, None, Failed(data=Dropped("connection dropped")))
    assert not transient_only(None, None, Failed(data=KeyError("a bug")))
    assert not transient_only(None, None, Failed(data=NotFoundError("no such action")))


def test_user_errors_survive_pickling_with_their_details() -> None:
    """A flow run's result may be read in another process: every user error unpickles."""
    import pickle

    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from actions.store.db import DatabaseUnavailable

    rows = pickle.loads(pickle.dumps(RowErrors("people.csv", ["line 3: no email"])))
    assert (str(rows), rows.problems, rows.exit_code) == (
        "people.csv: 1 invalid row(s), nothing written",
        ["line 3: no email"],
        2,
    )
    dropped = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    down = DatabaseUnavailable(create_engine("sqlite://"), dropped)
    again = pickle.loads(pickle.dumps(down))
    assert (str(again), again.transient, type(again)) == (str(down), down.transient, type(down))
