"""What an ingest plans: the inspection's details, one planned action a finding, and the plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from actions.common.errors import UserInputError
from actions.repeats.service import PlannedRepeat
from actions.results import IngestSummary, RepeatLink


@dataclass(frozen=True)
class InspectionMeta:
    body: str
    inspectorate: str | None = None
    title: str | None = None
    published: date | None = None
    next_inspection: date | None = None
    #: Keep only findings addressed to these bodies (and those addressed to none); empty: all.
    addressees: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> InspectionMeta:
        """From parameters as the CLI or a flow run passes them: the body trimmed and required,
        blank addressees dropped (a list will do)."""
        body = str(values.get("body") or "").strip()
        if not body:
            raise UserInputError("--body must name the inspected body")
        return cls(
            body=body,
            inspectorate=values.get("inspectorate"),
            title=values.get("title"),
            published=values.get("published"),
            next_inspection=values.get("next_inspection"),
            addressees=tuple(n.strip() for n in values.get("addressees") or () if n and n.strip()),
        )


@dataclass
class PlannedAction:
    ref: str
    kind: str
    title: str
    deadline: date | None
    owner_email: str | None
    finding_index: int


@dataclass
class IngestPlan:
    source: str
    sha256: str
    outcome: str  # "new", "revision" or "unchanged"
    inspection_code: str
    inspection_title: str
    new_actions: list[PlannedAction] = field(default_factory=list)
    kept: int = 0
    superseded_refs: list[str] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    existing_inspection_id: int | None = None
    #: Finding index in this report → id of the stored finding it matched (revisions only),
    #: so a new recommendation can point at a cause of concern ingested earlier.
    matched_ids: dict[int, int] = field(default_factory=dict)
    #: Why nothing happens, for an "unchanged" plan.
    note: str = ""
    #: Findings left out by ``--addressee``: how many each other addressee had.
    left_out: dict[str, int] = field(default_factory=dict)
    left_out_count: int = 0  # findings left out (one may name several addressees)
    #: Where the reader saw findings it could not place (page or line), for a person to check.
    warnings: list[str] = field(default_factory=list)
    #: New findings that repeat (or may repeat) an earlier inspection's actions
    #: (docs/next-inspection.md).
    repeats: list[PlannedRepeat] = field(default_factory=list)
    #: Earlier actions still open that this report does not raise again: for review.
    not_raised_again: list[str] = field(default_factory=list)

    @property
    def unassigned(self) -> list[str]:
        return [a.ref for a in self.new_actions if a.owner_email is None]

    def summary(self) -> IngestSummary:
        return {
            "file": self.source,
            "sha256": self.sha256,
            "outcome": self.outcome,
            "inspection": self.inspection_code,
            "title": self.inspection_title,
            "findings": len(self.findings),
            "created": [a.ref for a in self.new_actions],
            "kept": self.kept,
            "superseded": self.superseded_refs,
            "unassigned": self.unassigned,
            "note": self.note,
            "left_out": self.left_out_count,
            "left_out_addressees": dict(self.left_out),
            "warnings": list(self.warnings),
            "repeats": [self._repeat_json(r) for r in self.repeats if r.certain],
            "suggested_repeats": [self._repeat_json(r) for r in self.repeats if not r.certain],
            "not_raised_again": list(self.not_raised_again),
        }

    def ref_of(self, finding_index: int) -> str:
        return next(a.ref for a in self.new_actions if a.finding_index == finding_index)

    def _repeat_json(self, repeat: PlannedRepeat) -> RepeatLink:
        closed = repeat.earlier.closed_on if repeat.raised_again_after_closing else None
        return {
            "ref": self.ref_of(repeat.finding_index),
            "repeat_of": repeat.earlier.ref,
            "similarity": repeat.similarity,
            "earlier_status": repeat.earlier.status,
            "closed_on": closed.isoformat() if closed else None,
        }
