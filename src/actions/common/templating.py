"""Jinja2 environments for the email templates (``templates/emails``), autoescaped.

Templates are looked up in ``ACTIONS_TEMPLATES_DIR`` if set, else in the repository's
``templates/`` folder (an editable install), else in the copy bundled into the wheel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def templates_root() -> Path:
    override = os.environ.get("ACTIONS_TEMPLATES_DIR")
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "templates", here.parents[1] / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("templates folder not found (set ACTIONS_TEMPLATES_DIR)")


@lru_cache(maxsize=4)
def _environment(root: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plural"] = lambda n, word, many=None: word if n == 1 else (many or word + "s")
    return env


def environment() -> Environment:
    return _environment(str(templates_root()))


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    """Render ``emails/<name>.subject.j2``, ``.txt.j2`` and ``.html.j2`` with one context."""
    env = environment()
    subject = env.get_template(f"emails/{name}.subject.j2").render(context)
    return RenderedEmail(
        subject=" ".join(subject.split())[:300],
        text=env.get_template(f"emails/{name}.txt.j2").render(context),
        html=env.get_template(f"emails/{name}.html.j2").render(context),
    )
