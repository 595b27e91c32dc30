"""What the extractor returns: findings and the report they came from (docs/files.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Kind = Literal["area_for_improvement", "cause_of_concern", "recommendation"]
KINDS: tuple[Kind, ...] = ("area_for_improvement", "cause_of_concern", "recommendation")
JUDGEMENTS = ("Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate")


@dataclass(frozen=True)
class ExtractedFinding:
    """One finding, with exactly the fields of the extract JSON (docs/files.md).

    ``source_refs`` holds one entry per paragraph the report cites, always as
    ``"paragraph <id>"``: ``(S47)`` → ``["paragraph S47"]``, ``(paragraphs 2.63, 3.18)`` →
    ``["paragraph 2.63", "paragraph 3.18"]``. The reference is removed from ``text``.
    """

    kind: Kind
    text: str
    reference: str | None = None
    question: str | None = None
    judgement: str | None = None
    due: date | None = None
    due_text: str | None = None
    carried_over: bool = False
    parent: int | None = None
    parts: list[str] = field(default_factory=list)
    source_refs: list[str] = field(default_factory=list)
    #: Bodies the finding is addressed to by name ("chief constables", "Home Office"); empty
    #: when it names none or only the inspected body ("the force", "the local authority").
    addressees: list[str] = field(default_factory=list)
    #: How sure the reader is that this is a finding, whole and of this kind (0–1).
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "reference": self.reference,
            "question": self.question,
            "judgement": self.judgement,
            "due": self.due.isoformat() if self.due else None,
            "due_text": self.due_text,
            "carried_over": self.carried_over,
            "parent": self.parent,
            "parts": list(self.parts),
            "source_refs": list(self.source_refs),
            "addressees": list(self.addressees),
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class ExtractedReport:
    """The findings of one report plus what the text says about the report itself."""

    findings: list[ExtractedFinding]
    source: str = "<text>"
    source_format: str = "txt"
    body: str | None = None
    title: str | None = None
    programme: str | None = None
    inspectorate: str | None = None
    published: date | None = None
    #: Where the report looks like it holds findings the reader could not place, each naming
    #: its page or line ("page 4: …"): a person should check these against the report.
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> list[dict[str, Any]]:
        """The extract JSON (docs/files.md): a list of finding objects."""
        return [finding.to_json() for finding in self.findings]
