"""Lines under a findings heading → the items of its section.

The items of a section are its marked lines (bullets, numbers, labels), or, when the report uses
no markers, its first paragraph and the paragraphs after it that read like findings. A line may
instead carry on the last item (a wrapped line, a sub-item of a stem ending in a colon), say
something about the list (a lead-in, a deadline group, "there are none"), or end it (narrative
prose, a sub-heading, a heading of the report's structure). A recommendation under a cause of
concern answers it (its parent).
"""

from __future__ import annotations

import re

from actions.intake.extract.addressees import addressees
from actions.intake.extract.dates import deadline_group
from actions.intake.extract.headings import STRUCTURE_HEADING
from actions.intake.extract.lines import Line, collapse, plain_words
from actions.intake.extract.model import Kind
from actions.intake.extract.paragraphs import (
    FINDING_LIKE,
    LEAD_IN,
    NONE_STATED,
    REC_LIKE,
    TERMINAL,
    continues_text,
    ends_part,
    introduces_list,
    is_aside,
    is_praise,
    item_like,
    points_elsewhere,
    short_title,
    title_like,
)
from actions.intake.extract.sections import Item, Section, SectionTracker

_COC_AND_REC = re.compile(r"^causes?\s+of\s+concern\s*[:–-]\s*", re.I)
_REC_LABEL = re.compile(r"\s+recommendations?\s*[:–-]\s*", re.I)


class ItemAssembler(SectionTracker):
    """Places each line of text within the open section (the middle layer of the parser)."""

    def _item_line(self, line: Line) -> None:
        section = self.section
        assert section is not None
        last = section.items[-1] if section.items else None
        if self._extends(last, line) or self._describes_list(line, section, last):
            return
        if _other_list(line, section):
            self._end_list()  # a sub-heading, then a different kind of list: the list is over
            return
        if section.single and section.items and section.resume and line.marker:
            self._open(Section(section.resume, marked=True))
            section = self.section
            assert section is not None
        if self._next_concern(line, section):
            # "2." after the bulleted recommendations of concern "1.": the next concern.
            self._open(Section("cause_of_concern", marked=True))
            section = self.section
            assert section is not None
        if self._interrupts(line, section, last):
            return
        self._place(line, section)

    def _extends(self, last: Item | None, line: Line) -> bool:
        """A sub-item of an open stem, or a wrapped line of the last item."""
        if last and last.stem_open and self._add_part(last, line):
            return True
        if last and _continues(last, line):
            _append(last, line.text)
            return True
        return False

    def _next_concern(self, line: Line, section: Section) -> bool:
        coc = self.coc
        if section.kind != "recommendation" or coc is None or line.marker is None:
            return False
        if line.marker != coc.marker or any(i.marker == line.marker for i in section.items):
            return False
        numbers = (coc.reference or "", line.reference or "")
        return all(n.isdigit() for n in numbers) and int(numbers[1]) == int(numbers[0]) + 1

    def _describes_list(self, line: Line, section: Section, last: Item | None) -> bool:
        """An aside, "there are none", a deadline group or a lead-in: noted, not an item."""
        if line.marker is None and is_aside(line.text):
            return True
        if line.marker is None and is_praise(line.text):
            if section.items:  # praise after the items: the list is over
                self._end_list()
            return True
        if line.marker is None and not section.items and points_elsewhere(line.text):
            self._end_list()  # the list that follows names where the findings are
            return True
        if line.marker is None and not section.items and introduces_list(line.text):
            return True
        if line.marker is None and NONE_STATED.match(line.text) and not section.items:
            section.declared_empty = True
            return True
        if line.marker is None and (group := deadline_group(line.text)):
            section.due = group
            return True
        if (
            LEAD_IN.search(line.text)
            and line.text.endswith((".", ":"))  # else it may wrap on: ``finish`` judges it whole
            and not (last and last.stem_open)
            and item_like(line.text)
        ):
            section.addressees = addressees(line.text) or section.addressees
            return True
        return False

    def _interrupts(self, line: Line, section: Section, last: Item | None) -> bool:
        """A heading of the report's structure, a title between items or a sub-heading after
        them: the list ends or goes on under the title (True: handled)."""
        if _chapter(line) and section.single and section.items:
            self._end_list()  # "3. Monitoring devices" after "Recommendation B": a chapter
            return True
        if line.marker in (None, "number") and STRUCTURE_HEADING.match(line.text):
            self._end_list()  # "Next steps", "5. Good practice": the list is over
            return True
        if line.marker is not None:
            return False
        if section.marked and last and title_like(line.text):
            section.after_title = True
            return True
        if (last and not section.marked and _is_subheading(line.text, last)) or (
            section.toc and not last and not item_like(line.text)
        ):
            self._end_list()
            return True
        return False

    def _place(self, line: Line, section: Section) -> None:
        """A new item, or narrative prose that ends the list."""
        ref = line.reference if line.marker else self.pending_ref
        if (
            line.marker
            and section.items
            and introduces_list(line.text)
            and all(item.marker != line.marker for item in section.items)
        ):
            self._end_list()  # "2.2 We will ask the Area …" after the table: narrative
            return
        if line.marker or (self.pending_ref and item_like(line.text)):
            self.pending_ref = None
            section.marked = True
            self._new_item(line.text, ref, line.marker or "number")
            if line.due:  # a tracker's timescale column
                self.items[-1].due_group = line.due
        elif section.single and section.items:
            self._end_list()
        elif section.items and introduces_list(line.text):
            self._end_list()  # "We will ask the area to provide an update …": narrative again
        elif not section.items and item_like(line.text):
            self._new_item(line.text, self.pending_ref, None)
            self.pending_ref = None
        elif (section.kind == "cause_of_concern" and self.coc and REC_LIKE.search(line.text)) or (
            not section.marked and section.items and FINDING_LIKE.search(line.text)
        ):
            self._new_item(line.text, None, None)
            # An unmarked paragraph after a list is a finding only as a whole sentence:
            # ``finish`` drops "The service needs to do more to …" if no full stop ever came.
            self.items[-1].tentative = True
        elif item_like(line.text):  # narrative prose: the list is over
            self._end_list()

    def _add_part(self, stem: Item, line: Line) -> bool:
        """Sub-items of a stem ending in a colon; False when ``line`` is not one of them."""
        if line.marker in ("number", "label", "code", "register") and line.marker == stem.marker:
            stem.stem_open = False
            return False
        if line.marker is None and stem.parts and continues_text(stem.parts[-1], line.text):
            stem.parts[-1] = collapse(f"{stem.parts[-1]} {line.text}")
        elif line.marker is None and not (line.text[:1].islower() or ends_part(line.text)):
            stem.stem_open = False
            return False
        else:
            stem.parts.append(line.text)
        if line.text.endswith(TERMINAL):
            stem.stem_open = False
        return True

    def _new_item(self, text: str, ref: str | None, marker: str | None) -> None:
        section = self.section
        assert section is not None
        if _COC_AND_REC.match(text):  # a tracker row: "Cause of concern: … Recommendation: …"
            coc_part, rec_part = _split_rec(_COC_AND_REC.sub("", text, count=1))
            self.coc = self._cause_of_concern(coc_part)
            if rec_part:
                self._append_item(section, "recommendation", rec_part, ref, marker, self.coc)
            return
        kind = section.kind
        parent = self.coc if kind == "recommendation" else None
        if (
            kind == "cause_of_concern"
            and any(item is self.coc for item in section.items)
            and REC_LIKE.search(text)
        ):  # the concern's recommendation, in the same list (a tracker); else the next concern
            kind, parent = "recommendation", self.coc
        item = self._append_item(section, kind, text, ref, marker, parent)
        if kind == "cause_of_concern":
            self.coc = item

    def _cause_of_concern(self, text: str) -> Item:
        """The cause of concern with this text; trackers repeat it on every recommendation row."""
        key = _norm(text)
        for item in self.items:
            if item.kind == "cause_of_concern" and _same_or_truncated(_norm(item.text), key):
                return item
        section = self.section
        assert section is not None
        return self._append_item(section, "cause_of_concern", text, None, None, None)

    def _append_item(
        self,
        section: Section,
        kind: Kind,
        text: str,
        ref: str | None,
        marker: str | None,
        parent: Item | None,
    ) -> Item:
        item = Item(kind, collapse(text), ref, self.question, self.judgement, marker)
        item.parent = parent
        item.due_group = section.due
        item.addressees = list(section.addressees)
        item.confidence = _confidence(section, marker)
        item.where = self.where
        item.stem_open = item.text.endswith(":")
        item.carried_over = section.carried_pending
        section.items.append(item)
        self.items.append(item)
        return item


def _other_list(line: Line, section: Section) -> bool:
    """Marked lines after a sub-heading, marked differently from the items before it."""
    return bool(
        line.marker
        and section.after_title
        and section.items
        and section.items[-1].marker not in (None, line.marker)
    )


def _is_subheading(text: str, last: Item) -> bool:
    """A short title-like line ("Main findings") after a finished item ends the list.

    An unfinished item may run on past a PDF's running header, so it keeps the list open.
    """
    return (
        last.text.endswith((*TERMINAL, ")"))
        and not last.parts
        and short_title(text)
        and not item_like(text)
    )


def _continues(item: Item, line: Line) -> bool:
    """An unmarked line that carries on the previous item (a wrapped line, a page break)."""
    return (
        line.marker is None
        and line.heading is None
        and not item.parts
        and continues_text(item.text, line.text)
    )


def _append(item: Item, text: str) -> None:
    item.text = collapse(f"{item.text} {text}")
    item.stem_open = item.text.endswith(":")


def _confidence(section: Section, marker: str | None) -> float:
    """How sure the reader is, from the list's structure: a marked item under a findings
    heading is near certain; an unmarked paragraph taken as an item less so."""
    value = section.strength
    if marker is None and not section.single:
        value -= 0.15
    if section.toc:
        value -= 0.3
    return value


def _split_rec(text: str) -> tuple[str, str]:
    """ "<concern> Recommendation: <rec>" (tracker rows) → (concern, rec)."""
    parts = _REC_LABEL.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def _norm(text: str) -> str:
    return " ".join(plain_words(text))


def _same_or_truncated(a: str, b: str) -> bool:
    return a == b or (len(b) > 20 and a.startswith(b)) or (len(a) > 20 and b.startswith(a))


def _chapter(line: Line) -> bool:
    """A chapter's number and title set as a numbered line: "3. Monitoring devices"."""
    whole = line.marker == "number" and (line.reference or "").isdigit()
    return whole and title_like(line.text)
