"""Peak memory of a process, measured so that its parent's size does not leak in.

Linux keeps ``ru_maxrss`` across ``fork`` and ``exec``: a child started by a benchmark that has
just seeded 100,000 actions reports the parent's peak as its own (seen here: a 13 MB child of a
513 MB parent reported 513 MB). ``VmHWM`` in ``/proc/self/status`` belongs to the process's own
memory and starts afresh at ``exec``.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path


def peak_mb() -> float:
    """This process's own peak resident memory, in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: the inherited figure is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def run_measured(
    command: Sequence[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[bytes], float | None]:
    """Run ``command``; its peak RSS in MiB through GNU time (a small process between us and
    it, so our own size is not inherited), or None where /usr/bin/time is missing."""
    gnu_time = shutil.which("time", path="/usr/bin")
    if gnu_time is None:
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return done, None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        done = subprocess.run(
            [gnu_time, "-f", "%M", "-o", out.name, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        kib = out.read().strip().splitlines()
    return done, int(kib[-1]) / 1024 if kib and kib[-1].isdigit() else None
