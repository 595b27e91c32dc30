"""Assignment rules: a fresh ingest arrives mostly assigned (policy file, ``[[assignment]]``).

    [[assignment]]
    owner = "wellbeing.lead@force.example"
    keywords = ["wellbeing", "occupational health"]   # any of these in the finding text
    question = "workforce"                             # or this in the question heading
    kind = "area_for_improvement"                      # optional: only this kind

The first matching rule wins; findings no rule matches stay unassigned and are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class AssignmentRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: str = Field(min_length=3)
    keywords: tuple[str, ...] = ()
    question: str | None = None
    kind: str | None = None

    def matches(self, kind: str, text: str, question: str | None) -> bool:
        if self.kind and self.kind != kind:
            return False
        lowered = text.lower()
        by_keyword = any(k.lower() in lowered for k in self.keywords)
        by_question = bool(self.question and question and self.question.lower() in question.lower())
        return by_keyword or by_question


@dataclass(frozen=True)
class Assigner:
    rules: tuple[AssignmentRule, ...]
    person_ids: dict[str, int]

    def owner_for(self, kind: str, text: str, question: str | None) -> int | None:
        for rule in self.rules:
            if rule.matches(kind, text, question):
                return self.person_ids.get(rule.owner.strip().lower())
        return None
