"""The parser's state: the items found so far, the open section, the question they answer.

A section is what a findings heading opens; its items are the findings under it. This is the
bottom layer of the parser (``sections`` ← ``items`` ← ``parser``): opening and closing sections
and what closing one means (stems end, an empty heading is reported).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from actions.intake.extract.model import Kind


@dataclass(eq=False)  # items are compared by identity (parents point at them)
class Item:
    kind: Kind
    text: str
    reference: str | None
    question: str | None
    judgement: str | None
    marker: str | None
    parts: list[str] = field(default_factory=list)
    carried_over: bool = False
    parent: Item | None = None
    stem_open: bool = False
    due_group: tuple[date | None, str] | None = None
    addressees: list[str] = field(default_factory=list)
    confidence: float = 1.0
    where: str = ""  # the page or line it starts on
    tentative: bool = False  # kept only if it turns out a sentence (see Parser.finish)


@dataclass
class Section:
    kind: Kind
    single: bool = False  # "Recommendation 4:" holds exactly one item
    items: list[Item] = field(default_factory=list)
    marked: bool = False
    carried_pending: bool = False
    #: After its single item, marked lines go back to a section of this kind.
    resume: Kind | None = None
    #: Opened by a heading right after another empty one: a contents list, not a section.
    toc: bool = False
    #: The typographic level of the heading that opened it: a heading of this level or higher
    #: ends it, a lower one is a sub-heading inside it.
    level: int | None = None
    title: str = ""
    where: str = ""
    due: tuple[date | None, str] | None = None  # the deadline group the next items fall under
    addressees: list[str] = field(default_factory=list)  # named in a lead-in
    declared_empty: bool = False  # "There are no priority or immediate actions."
    after_title: bool = False  # a sub-heading stood between the items
    #: How clearly the heading says this is a list of findings (the items' base confidence).
    strength: float = 0.95


class SectionTracker:
    """Which section is open, and the question and judgement its items fall under."""

    def __init__(self, *, register: bool = False) -> None:
        self.register = register
        self.items: list[Item] = []
        self.question: str | None = None
        self.judgement: str | None = None
        self.after_question = False  # the grade or first paragraph of a question may follow
        self.section: Section | None = Section("recommendation") if register else None
        self.pending_ref: str | None = None
        self.coc: Item | None = None
        self.last_heading = False  # the previous line was a whole-line findings heading
        self.warnings: list[str] = []
        self.where = ""

    def _open(self, section: Section) -> None:
        self._close_section()
        self.section = section
        self.after_question = False
        if section.kind == "area_for_improvement":
            self.coc = None

    def _close_section(self) -> None:
        if self.section:
            for item in self.section.items:
                item.stem_open = False
            self._warn_if_empty(self.section)
        self.section = None
        self.pending_ref = None

    def _end_list(self) -> None:
        """Prose or a sub-heading ended the list: later recommendations answer no concern."""
        self._close_section()
        self.coc = None

    def _warn_if_empty(self, section: Section) -> None:
        """A findings heading with nothing the reader could place under it: say where."""
        if section.items or section.declared_empty or section.toc or not section.title:
            return
        if section.single or self.register:
            return
        self.warnings.append(
            f"{section.where}: heading {section.title!r} has no items the reader could place"
        )

    def _in_stem(self) -> bool:
        return bool(self.section and self.section.items and self.section.items[-1].stem_open)

    def _carried_over(self) -> None:
        if self.section is None:
            return
        if self.section.items:
            for item in self.section.items:
                item.carried_over = True
        else:
            self.section.carried_pending = True
