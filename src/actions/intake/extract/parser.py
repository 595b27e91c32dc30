"""Classified lines → findings: the heading/section state machine.

Reports are read top to bottom. A question heading (a line ending in "?") starts a question and
may be followed by its graded judgement. A findings heading ("Areas for improvement", "Cause of
concern", "Recommendations", "Recommendation 4:", ...) opens a section; the items of the section
are its marked lines (bullets, numbers, labels), or, when the report uses no markers, its first
paragraph and the paragraphs after it that read like findings. Narrative prose closes a section,
which is what keeps "should" sentences in summaries and lists quoted in prose out of the
findings. Register pages (with ``[status]`` markup) have no headings: each entry is the text
before a status block.

This module routes each line; ``items`` places the lines of a section, ``sections`` holds the
state, ``headings``, ``questions`` and ``paragraphs`` say what a line is, and ``findings`` turns
the items into what the reader returns.
"""

from __future__ import annotations

import re
from dataclasses import replace

from actions.intake.extract.dates import deadline_group
from actions.intake.extract.findings import assemble, uncertain_warnings
from actions.intake.extract.headings import (
    HEADING,
    HEADING_INLINE,
    LIST_INTRO,
    SINGULAR_AFI,
    SINGULAR_REC,
    heading_addressees,
    is_findings_heading,
    kind_of,
    label_kind,
)
from actions.intake.extract.items import ItemAssembler
from actions.intake.extract.lines import Line, parse_marker, plain_words
from actions.intake.extract.model import ExtractedFinding
from actions.intake.extract.paragraphs import (
    LEAD_IN,
    RESPONSE_LABEL,
    says_carried_over,
    stops_mid_phrase,
    stops_without_punctuation,
)
from actions.intake.extract.questions import (
    QUESTION_PREFIX,
    RESETS_QUESTION,
    grade_line,
    is_metadata,
    is_question,
    prose_grade,
)
from actions.intake.extract.sections import Item, Section
from actions.intake.extract.source_refs import split_source_refs

# split_source_refs lived here before the parser was split; tests still import it from here.
__all__ = ["Parser", "split_source_refs"]


class Parser(ItemAssembler):
    """Feed lines in order with :meth:`feed`; read the findings with :meth:`findings`."""

    # -- dispatch -------------------------------------------------------------------------------
    def feed(self, line: Line) -> None:
        self.where = line.where
        if line.status_block:
            self._close_section()
            if self.register:
                self.section = Section("recommendation")
        elif line.number_alone:
            self.pending_ref = line.reference if self._numbers_next(line.reference) else None
        elif line.register_title and self.register:
            self.pending_ref = line.reference
        elif line.heading is not None and self._inside_heading(line):
            return
        elif not self._heading(line):
            self.last_heading = False
            self._text_line(line)

    def _numbers_next(self, reference: str | None) -> bool:
        """A number alone on a line numbers the next item only where numbering fits: the list's
        first item, or the one after a numbered item (else it is a page number)."""
        section = self.section
        if section is None or reference is None:
            return False
        if not section.items:
            return True
        last = section.items[-1].reference
        return bool(last and last.isdigit() and reference.isdigit() and int(reference) > int(last))

    def _inside_heading(self, line: Line) -> bool:
        """A typographic heading that is not a findings heading: a deadline group or a sub-heading
        inside the open section (True: handled), else it ends the section (False)."""
        section = self.section
        if section is None or line.marker == "label":
            return False
        if is_findings_heading(line.text):
            return False
        if group := deadline_group(line.text):
            section.due = group
            return True
        last = section.items[-1] if section.items else None
        if last is not None and stops_mid_phrase(last.parts[-1] if last.parts else last.text):
            # Text set like a heading right after an item that stops mid-phrase ("…held by")
            # is the item's next line.
            self._item_line(replace(line, heading=None))
            return True
        assert line.heading is not None
        if section.level is not None and line.heading > section.level:
            section.after_title = True
            return True
        self._end_list()
        return False

    def _heading(self, line: Line) -> bool:
        """Handle findings headings, label headings and questions; False for other lines."""
        text = line.text
        if line.marker == "label" and line.reference and (kind := label_kind(line)):
            self._open(Section(kind, single=True))
            self.pending_ref = line.reference
            if text:
                self._item_line(Line(text, marker="label", reference=line.reference))
            return True
        if line.marker not in (None, "number") or self._in_stem():
            return False
        if match := HEADING.match(text):
            self._whole_heading(line, match)
            return True
        if match := HEADING_INLINE.match(text):
            self._inline_heading(line, match)
            return True
        if is_question(line):
            self._close_section()
            self._set_question(QUESTION_PREFIX.sub("", text))
            return True
        return False

    def _whole_heading(self, line: Line, match: re.Match[str]) -> None:
        """A findings heading alone on its line opens a section."""
        text = line.text
        toc = self.last_heading and self.section is not None and not self.section.items
        single = bool(SINGULAR_AFI.match(text))
        section = Section(kind_of(match), single=single, toc=toc, level=line.heading)
        section.title, section.where = text, line.where
        section.addressees = heading_addressees(text)
        outer = self.section
        if outer and (not outer.items or (outer.level and (line.heading or 0) > outer.level)):
            # A list under (or right after, with nothing between) a heading that names
            # its addressee: "What does the LSCB need to improve?" / "Areas for improvement"
            section.addressees = section.addressees or outer.addressees
        self._open(section)
        self.last_heading = True
        if RESETS_QUESTION.match(text):
            self._set_question(None)

    def _inline_heading(self, line: Line, match: re.Match[str]) -> None:
        """A findings heading with the first item on its line: open the section, read the item."""
        text = line.text
        resume = None
        if SINGULAR_REC.match(text) and self.section and self.section.kind != "recommendation":
            resume = self.section.kind
        section = Section(kind_of(match), single=resume is not None, resume=resume)
        section.level, section.title, section.where = line.heading, text, line.where
        self._open(section)
        self._text_line(parse_marker(text[match.end() :].strip()))

    def _text_line(self, line: Line) -> None:
        if self.after_question and self._judgement_line(line):
            return
        if line.marker is None and (intro := LIST_INTRO.match(line.text)):
            self._open(Section(kind_of(intro), level=self.section.level if self.section else None))
            return
        if says_carried_over(line.text) and not line.marker:
            self._carried_over()
            return
        if RESPONSE_LABEL.match(line.text) and not line.marker:
            self._close_section()
            return
        if self.section is not None:
            self._item_line(line)

    # -- questions and judgements ---------------------------------------------------------------
    def _set_question(self, question: str | None) -> None:
        self.question = question
        self.judgement = None
        self.after_question = question is not None
        self.coc = None

    def _judgement_line(self, line: Line) -> bool:
        """A grade line right after the question, or a grade stated in its first paragraph."""
        if is_metadata(line.text):
            return True
        grade = grade_line(line.text)
        self.after_question = False
        if grade:
            self.judgement = grade
            return True
        if self.section is None and (stated := prose_grade(line.text)):
            self.judgement = stated
        return False

    # -- results --------------------------------------------------------------------------------
    def findings(self) -> list[ExtractedFinding]:
        return assemble(self.items)

    def finish(self) -> tuple[list[ExtractedFinding], list[str]]:
        """The findings, and warnings of what a person should check (by page or line)."""
        self._close_section()
        # A lead-in wrapped over several lines is known only once whole: it is no finding.
        self.items = [
            i
            for i in self.items
            if (i.parts or not LEAD_IN.search(i.text))
            and not (i.tentative and stops_without_punctuation(i.text))
        ]
        self.items = without_repeats(self.items)
        findings = self.findings()
        return findings, self.warnings + uncertain_warnings(findings, self.items)


def without_repeats(items: list[Item]) -> list[Item]:
    """A finding stated twice (a summary repeating the list, a pull-out box quoting it) is one
    finding: the statement that numbers it, else the first. Recommendations of a dropped
    concern answer the one kept."""
    kept: dict[tuple[str, str, tuple[str, ...]], Item] = {}
    same: dict[int, Item] = {}  # id of a dropped item -> the item kept for it
    for item in items:
        if not item.text:
            continue
        text = split_source_refs(item.text)[0]  # "(paragraph 3.8)" is where, not what
        key = (item.kind, " ".join(plain_words(text)), tuple(item.parts))
        first = kept.setdefault(key, item)
        if first is item:
            continue
        if first.reference is None and item.reference is not None:
            kept[key], first, item = item, item, first
            same[id(item)] = first
        else:
            same[id(item)] = first
        first.due_group = first.due_group or item.due_group  # a plan's timescale column
    out = [item for item in items if id(item) not in same]
    for item in out:
        if item.parent is not None and id(item.parent) in same:
            item.parent = same[id(item.parent)]
    return out
