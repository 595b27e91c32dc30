"""A draft statutory response for the police and crime commissioner (HTML and DOCX).

Section 55 of the Police Act 1996 has the local policing body publish its comments on an HMICFRS
report within 56 days of publication. The draft lists every recommendation, cause of concern and
area for improvement in the report's words, with the steps planned (the latest update on its
action), the owner and the target date, for the commissioner's office to edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from actions.common.errors import UserInputError
from actions.domain.models import Kind
from actions.reports.content import ReportContent
from actions.reports.data import InspectionInfo
from actions.reports.filters import kind_label, long_date, status_label
from actions.reports.render import writable_dir
from actions.reports.templates import environment

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

RESPONSE_DAYS = 56
#: Recommendations first (they carry the most weight), then causes of concern, then AFIs.
KIND_ORDER = (
    Kind.RECOMMENDATION.value,
    Kind.CAUSE_OF_CONCERN.value,
    Kind.AREA_FOR_IMPROVEMENT.value,
)
NO_STEPS = "No steps recorded yet: the owner is to set out the planned response."


@dataclass(frozen=True)
class StatutoryItem:
    ref: str
    kind: str
    reference: str | None
    text: str
    question: str | None
    steps: str
    steps_on: date | None
    owner: str
    target: date | None
    status: str


@dataclass(frozen=True)
class StatutoryResponse:
    inspection: InspectionInfo
    as_of: date
    due: date | None
    items: tuple[StatutoryItem, ...]

    @property
    def days_left(self) -> int | None:
        return (self.due - self.as_of).days if self.due else None


def response_due(published: date | None) -> date | None:
    return published + timedelta(days=RESPONSE_DAYS) if published else None


def build_response(content: ReportContent) -> StatutoryResponse:
    if len(content.sections) != 1:
        raise UserInputError("the statutory response needs one inspection: give --inspection CODE")
    section = content.sections[0]
    items = [
        StatutoryItem(
            ref=t.view.ref,
            kind=t.view.kind,
            reference=t.finding.reference if t.finding else None,
            text=t.view.finding,
            question=t.view.question,
            steps=t.view.last_update_note or NO_STEPS,
            steps_on=t.view.last_update_on if t.view.last_update_note else None,
            owner=t.view.owner_name or t.view.owner_email or "(unassigned)",
            target=t.view.deadline,
            status=t.view.status,
        )
        for group in section.groups
        for t in group.items
    ]
    items.sort(key=lambda i: KIND_ORDER.index(i.kind) if i.kind in KIND_ORDER else len(KIND_ORDER))
    return StatutoryResponse(
        section.info, content.as_of, response_due(section.info.published), tuple(items)
    )


def write(content: ReportContent, out_dir: Path) -> dict[str, Path]:
    response = build_response(content)
    writable_dir(out_dir)
    stem = f"statutory-response-{response.inspection.code.lower()}-{content.as_of.isoformat()}"
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(render_html_response(content, response), encoding="utf-8")
    docx_path = write_docx(response, out_dir / f"{stem}.docx")
    return {"html": html_path, "docx": docx_path}


def render_html_response(content: ReportContent, response: StatutoryResponse) -> str:
    template = environment().get_template("statutory.html.j2")
    return template.render(c=content, r=response, kind_order=KIND_ORDER)


def write_docx(response: StatutoryResponse, path: Path) -> Path:
    # lazy: start-up speed (see actions/cli/app.py)
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)  # type: ignore[union-attr]
    info = response.inspection
    doc.add_heading(f"Response to {info.inspectorate} report: {info.label}", level=0)
    doc.add_paragraph(_intro(response))
    for kind in KIND_ORDER:
        items = [i for i in response.items if i.kind == kind]
        if items:
            doc.add_heading(_plural(kind), level=1)
            for item in items:
                _docx_item(doc, item)
    doc.save(str(path))
    return path


def _docx_item(doc: DocxDocument, item: StatutoryItem) -> None:
    heading = f"{kind_label(item.kind)} {item.reference or ''}".strip() + f" ({item.ref})"
    doc.add_heading(heading, level=2)
    quote = doc.add_paragraph(item.text, style="Intense Quote")
    quote.paragraph_format.left_indent = None
    table = doc.add_table(rows=0, cols=2)
    table.style = "Light Grid Accent 1"
    steps = item.steps + (f" (update of {long_date(item.steps_on)})" if item.steps_on else "")
    for label, value in (
        ("Steps planned", steps),
        ("Owner", item.owner),
        ("Target date", long_date(item.target)),
        ("Status", status_label(item.status)),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True


def _intro(response: StatutoryResponse) -> str:
    info = response.inspection
    due = (
        f"The response is due by {long_date(response.due)}, {RESPONSE_DAYS} days after the "
        f"report was published on {long_date(info.published)}."
        if response.due
        else f"The publication date is not recorded: the response is due {RESPONSE_DAYS} days "
        "after publication."
    )
    return (
        f"Draft response of the police and crime commissioner to the {info.inspectorate} report "
        f"on {info.body}, prepared {long_date(response.as_of)}. {due} For each item the report "
        "raised, the planned steps are the latest update recorded by the accountable owner."
    )


def _plural(kind: str) -> str:
    return {
        Kind.RECOMMENDATION.value: "Recommendations",
        Kind.CAUSE_OF_CONCERN.value: "Causes of concern",
        Kind.AREA_FOR_IMPROVEMENT.value: "Areas for improvement",
    }.get(kind, kind_label(kind))
