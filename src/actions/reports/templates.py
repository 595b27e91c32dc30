"""Finding and loading the report templates (``templates/reports/`` of the repository).

Looked up, in order: ``ACTIONS_TEMPLATES_DIR`` (a directory holding the report templates, or a
templates root with a ``reports/`` folder in it), then ``<repo>/templates/reports`` next to
``src/`` (the editable install this project runs from).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from actions.errors import ConfigError

ENV_VAR = "ACTIONS_TEMPLATES_DIR"
#: src/actions/reports/templates.py → parents[3] is the repository root.
REPO_TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "reports"


def templates_dir() -> Path:
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        root = Path(override).expanduser()
        for candidate in (root / "reports", root):
            if (candidate / "report.html.j2").is_file():
                return candidate
        raise ConfigError(f"{ENV_VAR}: {root} holds no report templates (report.html.j2)")
    if (REPO_TEMPLATES / "report.html.j2").is_file():
        return REPO_TEMPLATES
    raise ConfigError(
        f"report templates not found at {REPO_TEMPLATES}; set {ENV_VAR} to their directory"
    )


def environment() -> Environment:
    return _environment(str(templates_dir()))


@lru_cache(maxsize=4)
def _environment(directory: str) -> Environment:
    from actions.reports import filters

    env = Environment(
        loader=FileSystemLoader(directory),
        # Every HTML template escapes by default; Markdown escapes through its own filter.
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters.FILTERS)
    return env
