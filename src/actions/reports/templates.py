"""Finding and loading the report templates (``templates/reports/`` of the repository).

Looked up under the one templates root of :func:`actions.common.templating.templates_root`
(``ACTIONS_TEMPLATES_DIR``, the repository's ``templates/``, or the copy inside the wheel); an
``ACTIONS_TEMPLATES_DIR`` that holds the report templates directly is accepted too.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from actions.common.errors import ConfigError
from actions.common.templating import templates_root
from actions.reports.filters import FILTERS

ENV_VAR = "ACTIONS_TEMPLATES_DIR"


def templates_dir() -> Path:
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        root = Path(override).expanduser()
        for candidate in (root / "reports", root):
            if (candidate / "report.html.j2").is_file():
                return candidate
        raise ConfigError(f"{ENV_VAR}: {root} holds no report templates (report.html.j2)")
    try:
        found = templates_root() / "reports"
    except FileNotFoundError:
        found = Path("templates") / "reports"
    if (found / "report.html.j2").is_file():
        return found
    raise ConfigError(f"report templates not found at {found}; set {ENV_VAR} to their directory")


def environment() -> Environment:
    return _environment(str(templates_dir()))


@lru_cache(maxsize=4)
def _environment(directory: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        # Every HTML template escapes by default; Markdown escapes through its own filter.
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env
