"""One temporary Prefect server for the whole test session, started only if a test needs it.

Measured: the server takes 5-14 s to start; per-test servers would dominate the suite. Heartbeats
(1 s at every flow exit) and the task-run recorder are switched off here only.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from typing import Any

_stack: ExitStack | None = None


def ensure_prefect() -> None:
    global _stack
    if _stack is not None:
        return
    home = tempfile.mkdtemp(prefix="actions-prefect-")
    os.environ["PREFECT_HOME"] = home
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_API_SERVICES_TASK_RUN_RECORDER_ENABLED"] = "false"
    os.environ["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    stack = ExitStack()
    stack.enter_context(prefect_test_harness(server_startup_timeout=90))
    settings: Any = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    stack.enter_context(temporary_settings(settings))
    _stack = stack


def stop_prefect() -> None:
    global _stack
    if _stack is not None:
        _stack.close()
        _stack = None
