"""The public entry points the CLI and the Prefect flow call: one database read, many files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from actions.common.errors import UserInputError
from actions.domain.policy import Policy, load_policy
from actions.reports import render, statutory
from actions.reports.content import ReportContent, build
from actions.reports.data import gather
from actions.store import db

FORMATS = ("html", "pdf", "md", "csv", "xlsx")


@dataclass
class ReportOutput:
    #: format → the file written.
    paths: dict[str, Path] = field(default_factory=dict)
    #: The report as Markdown (for a Prefect artifact or a message body).
    markdown: str = ""
    #: Headline counts, JSON-able.
    summary: dict[str, Any] = field(default_factory=dict)


def parse_formats(formats: Sequence[str] | str) -> list[str]:
    """``"html,pdf"`` or ``["html", "pdf"]`` → checked, de-duplicated, in the given order."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = [f.strip().lower() for f in items if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UserInputError(
            f"--format {','.join(unknown) or '(empty)'}: choose from {', '.join(FORMATS)}"
        )
    return list(dict.fromkeys(wanted))


def generate_report(
    out_dir: Path,
    formats: Sequence[str],
    as_of: date,
    *,
    inspection_code: str | None = None,
    owner_emails: Sequence[str] | None = None,
    title: str | None = None,
    since: date | None = None,
    policy: Policy | None = None,
) -> ReportOutput:
    """Write the progress report in each format to ``out_dir``.

    ``inspection_code`` limits it to one inspection (default: all of them); ``owner_emails`` to
    those owners' actions (a manager's report for their people); ``since`` is the previous
    report's date (default ``as_of`` − 7 days) for "updates since the previous report".
    """
    wanted = parse_formats(formats)
    content = _content(
        as_of,
        policy,
        inspection_code=inspection_code,
        owner_emails=owner_emails,
        title=title,
        since=since,
    )
    stem = _stem("report", content, inspection_code, owner_emails)
    return write_formats(content, out_dir, stem, wanted)


def generate_pack(out_dir: Path, inspection_code: str, as_of: date) -> ReportOutput:
    """The pre-inspection pack: the report plus every evidence link per item (HTML, PDF, MD)."""
    content = _content(as_of, None, inspection_code=inspection_code, pack=True)
    stem = _stem("pre-inspection-pack", content, inspection_code, None)
    return write_formats(content, out_dir, stem, ["html", "pdf", "md"])


def generate_statutory_response(
    out_dir: Path, inspection_code: str, as_of: date
) -> dict[str, Path]:
    """A draft statutory response (HTML and DOCX); see :mod:`actions.reports.statutory`."""
    content = _content(as_of, None, inspection_code=inspection_code)
    return statutory.write(content, out_dir)


def _content(
    as_of: date,
    policy: Policy | None,
    *,
    inspection_code: str | None = None,
    owner_emails: Sequence[str] | None = None,
    title: str | None = None,
    since: date | None = None,
    pack: bool = False,
) -> ReportContent:
    if since is not None and since >= as_of:
        raise UserInputError(f"--since {since} must be before --as-of {as_of}")
    policy = policy or load_policy()
    db.require_schema()
    with db.session_scope() as session:
        data = gather(
            session,
            as_of,
            policy,
            inspection_code=inspection_code,
            owner_emails=owner_emails,
            since=since,
            with_evidence=pack,
        )
    return build(data, title=title, pack=pack)


def write_formats(
    content: ReportContent, out_dir: Path, stem: str, formats: Sequence[str]
) -> ReportOutput:
    render.writable_dir(out_dir)
    try:
        return _write_formats(content, out_dir, stem, formats)
    except OSError as exc:  # a full disk, a special file system such as /proc
        reason = exc.strerror or type(exc).__name__
        raise UserInputError(f"{out_dir}: cannot write reports there ({reason})") from None


def _write_formats(
    content: ReportContent, out_dir: Path, stem: str, formats: Sequence[str]
) -> ReportOutput:
    output = ReportOutput(markdown=render.render_markdown(content), summary=content.summary)
    html = render.render_html(content) if {"html", "pdf"} & set(formats) else ""
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "html":
            path.write_text(html, encoding="utf-8")
        elif fmt == "pdf":
            render.write_pdf(render.pdf_html(content, html), path)
        elif fmt == "md":
            path.write_text(output.markdown, encoding="utf-8")
        elif fmt == "csv":
            render.write_csv(content, path)
        elif fmt == "xlsx":
            render.write_xlsx(content, path)
        output.paths[fmt] = path
    return output


def _stem(kind: str, content: ReportContent, code: str | None, owners: Sequence[str] | None) -> str:
    """``report-nor-2018-2026-11-27``; a scoped report gets a short stable hash of its owners."""
    scope = _slug(code) if code else "all"
    if owners is not None:
        digest = hashlib.sha256(",".join(sorted(o.lower() for o in owners)).encode()).hexdigest()
        scope += f"-owners-{digest[:8]}"
    return f"{kind}-{scope}-{content.as_of.isoformat()}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "report"
