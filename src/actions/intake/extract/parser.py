"""Classified lines → findings: the heading/section state machine and item assembly.

Reports are read top to bottom. A question heading (a line ending in "?") starts a question and
may be followed by its graded judgement. A findings heading ("Areas for improvement", "Cause of
concern", "Recommendations", "Recommendation 4:", ...) opens a section; the items of the section
are its marked lines (bullets, numbers, labels), or, when the report uses no markers, its first
paragraph and the paragraphs after it that read like findings. Narrative prose closes a section,
which is what keeps "should" sentences in summaries and lists quoted in prose out of the
findings. Register pages (with ``[status]`` markup) have no headings: each entry is the text
before a status block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from actions.intake.extract.addressees import addressees as addressees_of
from actions.intake.extract.dates import deadline_group, find_deadline
from actions.intake.extract.lines import Line, collapse, parse_marker
from actions.intake.extract.model import JUDGEMENTS, ExtractedFinding, Kind

_AFI_HEAD = (
    r"areas?\s+(?:for|of|requiring)\s+(?:further\s+)?(?:improvement|review|development)"
    r"|suggestions?|improvements?\s+(?:needed|required)|points?\s+for\s+improvement"
    # Ofsted ILACS/SIF: "What needs to improve?", "What does the local authority need to improve?"
    r"|what\s+(?:still\s+)?needs?\s+(?:to\s+)?(?:improve|improving|improvement|to\s+be\s+improved)"
    r"(?:\s+(?:in|at|for)\s+.{1,60}?)?"
    r"|what\s+(?:does|do|should|must)\s+(?:the\s+)?.{1,60}?\s+(?:need\s+to\s+)?(?:do\s+to\s+)?improve"
    r"|what\s+the\s+.{1,40}?\s+(?:could|should|needs?\s+to)\s+do\s+better"
    # Ofsted: "What does the school need to do to improve?"
    r"|what\s+does\s+the\s+.{1,40}?\s+need\s+to\s+do\s+to\s+improve"
    # CQC: "Action the hospital MUST take to improve", "… SHOULD take to improve"
    r"|actions?\s+the\s+.{1,40}?\s+(?:must|should)\s+take(?:\s+to\s+improve)?"
)
_HEAD = (
    rf"(?P<coc>causes?\s+of\s+concern|(?:priority|key)\s+concerns)|(?P<afi>{_AFI_HEAD})"
    r"|(?P<rec>(?:main\s+|key\s+|other\s+|our\s+|national\s+)?recommendations?"
    r"(?:\s+(?:for|to)\s+.{1,80}?)?|actions?\s+required|(?:statutory\s+)?requirements?"
    r"|priority\s+(?:and|&)\s+immediate\s+actions?|(?:priority|immediate|urgent)\s+actions?"
    r"|(?:areas?|matters?|points?)\s+(?:for|requiring)\s+(?:priority|immediate|urgent)\s+action"
    # CQC warning notices: "What you must do"; "What the provider must do"
    r"|what\s+(?:you|we|the\s+.{1,40}?)\s+(?:must|need\s+to|needs\s+to)\s+do(?:\s+now|\s+next)?"
    r"|actions?\s+we\s+have\s+told\s+the\s+provider\s+to\s+take"
    r"|actions?\s+the\s+provider\s+(?:must|should)\s+take)"
)
# The whole line is a heading: "Areas for improvement", "7. RECOMMENDATIONS", "Recommendations (14)"
_HEADING = re.compile(rf"^(?:{_HEAD})(?:\s*\(\d+\))?\s*[:.?]?$", re.I)
# "Area for improvement" in the singular heads one item (HMICFRS 2021+ boxes); prose follows it.
_SINGULAR_AFI = re.compile(r"^area\s+for\s+(?:improvement|development)\s*:?$", re.I)
# "Recommendation: …" under a numbered concern answers that concern only (HMIP 2022+).
_SINGULAR_REC = re.compile(r"^recommendation\s*[:–-]", re.I)
# An introduction to the list or table that follows, not an item of it.
_PREAMBLE = re.compile(r"\b(?:table|list)\s+below\b|\bas\s+follows\s*:?$", re.I)
# A lead-in: "…the local authority should take the following action.", "…as follows:"
_LEAD_IN = re.compile(
    r"\bthe\s+following(?:\s+\w+){0,2}\s*[.:]?$|\bas\s+follows\s*[.:]?$"
    r"|\b(?:table|list)\s+below\b|\b(?:set\s+out|listed)\s+below\s*[.:]?$"
    # The report speaking of its list: "We have made four recommendations to help …:"
    r"|^(?:[^,.]{0,60},\s*)?(?:we|inspectors|hmi\w*|ofsted|estyn|cqc|this\s+report)"
    r"\s+(?:has\s+|have\s+)?(?:made|makes|make|identified|sets?\s+out)\b.*"
    r"\b(?:recommendations|requirements|areas|actions|improvements|concerns)\b"
    r"|\b(?:recommendations|requirements|areas|actions|improvements)\b[^.]*:$",
    re.I,
)
# Headings of a report's own structure: whatever list was open has ended.
_STRUCTURE_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:next\s+steps|what\s+happens\s+next|background|introduction|summary"
    r"|conclusions?|(?:main\s+|key\s+|inspection\s+)?findings(?:\s*[–:-]\s*.{1,80})?|about\s+(?:this|the|our)\s+(?:inspection|report|visit)"
    r"|contents|appendix\b.{0,60}|annex\b.{0,60}|glossary|(?:key\s+|main\s+)?strengths"
    r"|what\s+(?:is|was)\s+working\s+well|(?:notable\s+)?(?:positive|good)\s+practice"
    r"|.{0,60}\bstrengths)\s*:?$",
    re.I,
)
# "There are no priority or immediate actions.": the report says the list is empty.
_NONE_STATED = re.compile(
    r"^(?:there\s+(?:are|were|is)\s+no|no\s+(?:priority|immediate|new)\b|none\.?$)", re.I
)
# A heading with the first item on its line: "Cause of concern: The force …", "Recommendations R1 …"
_HEADING_INLINE = re.compile(
    rf"^(?:{_HEAD})(?:\s*[:–-]\s+|\s+(?=(?:[A-Z]{{1,3}}\d{{1,3}}|\d{{1,2}}(?:\.\d+)*)\s))", re.I
)
_LABEL_KIND = re.compile(
    r"^(?:(?P<coc>cause)|(?P<afi>area|afi|suggestion)|(?P<rec>recommend))", re.I
)
_COC_AND_REC = re.compile(r"^causes?\s+of\s+concern\s*[:–-]\s*", re.I)
_REC_LABEL = re.compile(r"\s+recommendations?\s*[:–-]\s*", re.I)
_QUESTION_PREFIX = re.compile(r"^summary\s+for\s+question\s*\d*\s*", re.I)
_RESETS_QUESTION = re.compile(r"^what\s+the\s+", re.I)
_PROSE_JUDGEMENT = re.compile(
    r"\b(?:is|are|remains?|was)\s+(outstanding|good|adequate|inadequate)\s+(?:at|in)\b"
    r"|\b(requires?\s+improvement)\s+(?:at|in)\b",
    re.I,
)
_RESPONSE_LABEL = re.compile(
    r"^(?:[A-Z][\w&’']*\s+){0,3}(?:action|response|update|progress|comment|status)s?"
    r"(?:\s+update)?\s*:",
    re.I,
)
_CARRIED = re.compile(
    r"\b(?:carried\s+(?:over|forward)|still\s+stands|remains?\s+(?:outstanding|open|in\s+place)"
    r"|previously\s+identified)\b",
    re.I,
)
_FINDING_WORDS = re.compile(
    r"\b(?:areas?\s+for\s+improvement|afis?|recommendations?|causes?\s+of\s+concern)\b", re.I
)
_FINDING_LIKE = re.compile(
    r"\b(?:should|must|needs?\s+to|ought\s+to|recommends?|recommended|ensure|required\s+to)\b",
    re.I,
)
_REC_LIKE = re.compile(r"\b(?:should|recommends?|recommended)\b", re.I)
_SOURCE_REFS = re.compile(
    r"\s*\((?P<word>(?:paragraphs?|paras?\.?)\s+)?(?P<ids>[A-Z]?\d+(?:\.\d+)*"
    r"(?:\s*(?:,|and|&)\s*[A-Z]?\d+(?:\.\d+)*)*)\)(?P<end>[.;]?)\s*$",
    re.I,
)
_REF_ID = re.compile(r"[A-Z]?\d+(?:\.\d+)*", re.I)
_TERMINAL = (".", "!", "?")
_SKIPPED_METADATA = re.compile(r"^(?:last\s+updated|published|date\s+of\s+publication)\b", re.I)


@dataclass(eq=False)  # items are compared by identity (parents point at them)
class _Item:
    kind: Kind
    text: str
    reference: str | None
    question: str | None
    judgement: str | None
    marker: str | None
    parts: list[str] = field(default_factory=list)
    carried_over: bool = False
    parent: _Item | None = None
    stem_open: bool = False
    due_group: tuple[date | None, str] | None = None
    addressees: list[str] = field(default_factory=list)
    confidence: float = 1.0
    where: str = ""  # the page or line it starts on
    tentative: bool = False  # kept only if it turns out a sentence (see Parser.finish)


@dataclass
class _Section:
    kind: Kind
    single: bool = False  # "Recommendation 4:" holds exactly one item
    items: list[_Item] = field(default_factory=list)
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


class Parser:
    """Feed lines in order with :meth:`feed`; read the findings with :meth:`findings`."""

    def __init__(self, *, register: bool = False) -> None:
        self.register = register
        self.items: list[_Item] = []
        self.question: str | None = None
        self.judgement: str | None = None
        self.after_question = False  # the grade or first paragraph of a question may follow
        self.section: _Section | None = _Section("recommendation") if register else None
        self.pending_ref: str | None = None
        self.coc: _Item | None = None
        self.last_heading = False  # the previous line was a whole-line findings heading
        self.warnings: list[str] = []
        self.where = ""

    # -- dispatch -------------------------------------------------------------------------------
    def feed(self, line: Line) -> None:
        self.where = line.where
        if line.status_block:
            self._close_section()
            if self.register:
                self.section = _Section("recommendation")
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
        if _HEADING.match(line.text) or _HEADING_INLINE.match(line.text):
            return False
        if group := deadline_group(line.text):
            section.due = group
            return True
        last = section.items[-1] if section.items else None
        if last is not None and _stops_mid_phrase(last.parts[-1] if last.parts else last.text):
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
        if line.marker == "label" and line.reference and (kind := _label_kind(line)):
            self._open(_Section(kind, single=True))
            self.pending_ref = line.reference
            if text:
                self._item_line(Line(text, marker="label", reference=line.reference))
            return True
        if line.marker not in (None, "number") or self._in_stem():
            return False
        if match := _HEADING.match(text):
            toc = self.last_heading and self.section is not None and not self.section.items
            single = bool(_SINGULAR_AFI.match(text))
            section = _Section(_kind_of(match), single=single, toc=toc, level=line.heading)
            section.title, section.where = text, line.where
            section.addressees = _heading_addressees(text)
            outer = self.section
            if outer and (not outer.items or (outer.level and (line.heading or 0) > outer.level)):
                # A list under (or right after, with nothing between) a heading that names
                # its addressee: "What does the LSCB need to improve?" / "Areas for improvement"
                section.addressees = section.addressees or outer.addressees
            self._open(section)
            self.last_heading = True
            if _RESETS_QUESTION.match(text):
                self._set_question(None)
            return True
        if match := _HEADING_INLINE.match(text):
            resume = None
            if _SINGULAR_REC.match(text) and self.section and self.section.kind != "recommendation":
                resume = self.section.kind
            section = _Section(_kind_of(match), single=resume is not None, resume=resume)
            section.level, section.title, section.where = line.heading, text, line.where
            self._open(section)
            self._text_line(parse_marker(text[match.end() :].strip()))
            return True
        if _is_question(line):
            self._close_section()
            self._set_question(_QUESTION_PREFIX.sub("", text))
            return True
        return False

    def _text_line(self, line: Line) -> None:
        if self.after_question and self._judgement_line(line):
            return
        if _CARRIED.search(line.text) and _FINDING_WORDS.search(line.text) and not line.marker:
            self._carried_over()
            return
        if _RESPONSE_LABEL.match(line.text) and not line.marker:
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
        if _SKIPPED_METADATA.match(line.text):
            return True
        grade = next((g for g in JUDGEMENTS if g.lower() == line.text.lower().rstrip(".")), None)
        self.after_question = False
        if grade:
            self.judgement = grade
            return True
        if self.section is None and (match := _PROSE_JUDGEMENT.search(line.text)):
            self.judgement = _canonical_grade(match[1] or match[2])
        return False

    # -- sections -------------------------------------------------------------------------------
    def _open(self, section: _Section) -> None:
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

    def _warn_if_empty(self, section: _Section) -> None:
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

    # -- items ----------------------------------------------------------------------------------
    def _item_line(self, line: Line) -> None:
        section = self.section
        assert section is not None
        last = section.items[-1] if section.items else None
        if last and last.stem_open and self._add_part(last, line):
            return
        if last and _continues(last, line):
            _append(last, line.text)
            return
        if line.marker is None and _is_aside(line.text):
            return
        if line.marker is None and _NONE_STATED.match(line.text) and not section.items:
            section.declared_empty = True
            return
        if line.marker is None and (group := deadline_group(line.text)):
            section.due = group
            return
        if (
            _LEAD_IN.search(line.text)
            and line.text.endswith((".", ":"))  # else it may wrap on: ``finish`` judges it whole
            and not (last and last.stem_open)
            and _item_like(line.text)
        ):
            section.addressees = addressees_of(line.text) or section.addressees
            return
        if (
            line.marker
            and section.after_title
            and section.items
            and section.items[-1].marker not in (None, line.marker)
        ):
            # A sub-heading, then a different kind of list: the findings list is over.
            self._end_list()
            return
        if section.single and section.items and section.resume and line.marker:
            self._open(_Section(section.resume, marked=True))
            section = self.section
            assert section is not None
        if line.marker is None and _STRUCTURE_HEADING.match(line.text):
            self._end_list()  # "Next steps", "Background", "Strengths": the list is over
            return
        if line.marker is None and section.marked and last and _title_like(line.text):
            section.after_title = True
            return
        if line.marker is None and (
            (last and not section.marked and _is_subheading(line.text, last))
            or (section.toc and not last and not _item_like(line.text))
        ):
            self._end_list()
            return
        ref = line.reference if line.marker else self.pending_ref
        if line.marker or (self.pending_ref and _item_like(line.text)):
            self.pending_ref = None
            section.marked = True
            self._new_item(line.text, ref, line.marker or "number")
        elif section.single and section.items:
            self._end_list()
        elif not section.items and _item_like(line.text):
            self._new_item(line.text, self.pending_ref, None)
            self.pending_ref = None
        elif (section.kind == "cause_of_concern" and self.coc and _REC_LIKE.search(line.text)) or (
            not section.marked and section.items and _FINDING_LIKE.search(line.text)
        ):
            self._new_item(line.text, None, None)
            # An unmarked paragraph after a list is a finding only as a whole sentence:
            # ``finish`` drops "The service needs to do more to …" if no full stop ever came.
            self.items[-1].tentative = True
        elif _item_like(line.text):  # narrative prose: the list is over
            self._end_list()

    def _end_list(self) -> None:
        """Prose or a sub-heading ended the list: later recommendations answer no concern."""
        self._close_section()
        self.coc = None

    def _add_part(self, stem: _Item, line: Line) -> bool:
        """Sub-items of a stem ending in a colon; False when ``line`` is not one of them."""
        if line.marker in ("number", "label", "code", "register") and line.marker == stem.marker:
            stem.stem_open = False
            return False
        if line.marker is None and stem.parts and _continues_text(stem.parts[-1], line.text):
            stem.parts[-1] = collapse(f"{stem.parts[-1]} {line.text}")
        elif line.marker is None and not (line.text[:1].islower() or _ends_part(line.text)):
            stem.stem_open = False
            return False
        else:
            stem.parts.append(line.text)
        if line.text.endswith(_TERMINAL):
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
        if kind == "cause_of_concern" and any(item is self.coc for item in section.items):
            kind, parent = "recommendation", self.coc
        item = self._append_item(section, kind, text, ref, marker, parent)
        if kind == "cause_of_concern":
            self.coc = item

    def _cause_of_concern(self, text: str) -> _Item:
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
        section: _Section,
        kind: Kind,
        text: str,
        ref: str | None,
        marker: str | None,
        parent: _Item | None,
    ) -> _Item:
        item = _Item(kind, collapse(text), ref, self.question, self.judgement, marker)
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

    # -- results --------------------------------------------------------------------------------
    def findings(self) -> list[ExtractedFinding]:
        items = _group_headings([i for i in self.items if i.text])
        index = {id(item): n for n, item in enumerate(items)}
        return [_finding(item, index) for item in items]

    def finish(self) -> tuple[list[ExtractedFinding], list[str]]:
        """The findings, and warnings of what a person should check (by page or line)."""
        self._close_section()
        # A lead-in wrapped over several lines is known only once whole: it is no finding.
        self.items = [
            i
            for i in self.items
            if (i.parts or not _LEAD_IN.search(i.text))
            and not (i.tentative and _stops_without_punctuation(i.text))
        ]
        findings = self.findings()
        where = {n: item.where for n, item in enumerate(_group_headings(self.items))}
        uncertain = [
            f"{where.get(n, '')}: finding {n + 1} is uncertain (confidence "
            f"{finding.confidence:.2f}): {_clip(finding.text)}"
            for n, finding in enumerate(findings)
            if finding.confidence < UNCERTAIN
        ]
        return findings, self.warnings + uncertain


#: A finding below this confidence is named in the warnings for a person to check.
UNCERTAIN = 0.7


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _finding(item: _Item, index: dict[int, int]) -> ExtractedFinding:
    text, refs = split_source_refs(item.text)
    parts: list[str] = []
    for part in item.parts:
        part_text, part_refs = split_source_refs(part)
        parts.append(part_text)
        refs += [r for r in part_refs if r not in refs]
    due, due_text = find_deadline(text)
    if due_text is None:
        due, due_text = next((d for d in map(find_deadline, parts) if d[1]), (None, None))
    if due_text is None and item.due_group is not None:
        due, due_text = item.due_group
    parent = index.get(id(item.parent)) if item.parent is not None else None
    return ExtractedFinding(
        kind=item.kind,
        text=text,
        reference=item.reference,
        question=item.question,
        judgement=item.judgement,
        due=due,
        due_text=due_text,
        carried_over=item.carried_over or bool(_CARRIED.search(text)),
        parent=parent,
        parts=parts,
        source_refs=refs,
        addressees=addressees_of(text) or item.addressees,
        confidence=round(_text_confidence(item.confidence, text, parts), 2),
    )


def split_source_refs(text: str) -> tuple[str, list[str]]:
    """``"... demand (1.75)"`` → ``("... demand", ["paragraph 1.75"])``.

    Without the word "paragraph" only ids that cannot be a plain count or year are taken
    (``S47``, ``1.46``), so "(208)" in a sentence stays text.
    """
    match = _SOURCE_REFS.search(text)
    if match is None:
        return text, []
    ids = _REF_ID.findall(match["ids"])
    if not match["word"] and not all("." in i or i[0].isalpha() for i in ids):
        return text, []
    return text[: match.start()].rstrip() + match["end"], [f"paragraph {i}" for i in ids]


def _group_headings(items: list[_Item]) -> list[_Item]:
    """An item such as "14.1 For the governor." followed by 14.1.1, 14.1.2 is a group heading."""
    kept: list[_Item] = []
    heading: _Item | None = None
    for n, item in enumerate(items):
        nxt = items[n + 1] if n + 1 < len(items) else None
        if _is_group_heading(item, nxt):
            heading = item
            continue
        if heading and item.reference and item.reference.startswith(f"{heading.reference}."):
            item.question = heading.text.rstrip(".:")
        kept.append(item)
    return kept


def _is_group_heading(item: _Item, nxt: _Item | None) -> bool:
    if not (item.reference and nxt and nxt.reference) or item.parts:
        return False
    return nxt.reference.startswith(f"{item.reference}.") and len(item.text.split()) <= 12


def _split_rec(text: str) -> tuple[str, str]:
    """ "<concern> Recommendation: <rec>" (tracker rows) → (concern, rec)."""
    parts = _REC_LABEL.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def _kind_of(match: re.Match[str]) -> Kind:
    if match["coc"]:
        return "cause_of_concern"
    return "area_for_improvement" if match["afi"] else "recommendation"


def _label_kind(line: Line) -> Kind | None:
    match = _LABEL_KIND.match(line.label or "")
    return _kind_of(match) if match else None


def _canonical_grade(word: str) -> str:
    word = collapse(word).lower()
    return "Requires improvement" if word.startswith("require") else word.capitalize()


def _is_question(line: Line) -> bool:
    text = line.text
    return (
        line.marker is None
        and text.endswith("?")
        and len(text) < 300
        and len(text.split()) >= 4
        and text[:1].isupper()
    )


def _item_like(text: str) -> bool:
    """Could this paragraph be a finding (rather than a title, an addressee, a table header)?"""
    words = len(text.split())
    if words < 5 or text.endswith("?"):
        return False
    return (
        text.endswith((".", ";", ":", ",", "!", ")"))
        or words >= 9
        or bool(_FINDING_LIKE.search(text))
    )


def _is_aside(text: str) -> bool:
    """ "(Information for the school …)", "The table below shows …": about the list, not in it."""
    return (text.startswith("(") and text.endswith(")")) or bool(_PREAMBLE.search(text))


def _is_subheading(text: str, last: _Item) -> bool:
    """A short title-like line ("Main findings") after a finished item ends the list.

    An unfinished item may run on past a PDF's running header, so it keeps the list open.
    """
    return (
        last.text.endswith((*_TERMINAL, ")"))
        and not last.parts
        and text[:1].isupper()
        and not text.endswith((*_TERMINAL, ";", ":", ","))
        and len(text.split()) <= 8
        and not _item_like(text)
    )


def _continues(item: _Item, line: Line) -> bool:
    """An unmarked line that carries on the previous item (a wrapped line, a page break)."""
    return (
        line.marker is None
        and line.heading is None
        and not item.parts
        and _continues_text(item.text, line.text)
    )


def _continues_text(previous: str, text: str) -> bool:
    """A wrapped line: it starts in lower case, or the text before it stops mid-phrase (a
    comma, a connective, an open bracket), whatever the next line starts with."""
    if previous.endswith((*_TERMINAL, ";", ":", "; and", "; or")):
        return False
    if text[:1].islower():
        return True
    if text[:1].isdigit() or text[:1] == "(":
        # "…aged" / "18 to 21.", "…section" / "47 enquiries": an unfinished line, then one
        # that no sentence starts with (a list number would have been read as a marker).
        return True
    return previous.count("(") > previous.count(")") or bool(_MID_PHRASE.search(previous))


# Words a sentence does not end on: a line ending with one carries on in the next line.
_MID_PHRASE = re.compile(
    r"(?:,|\b(?:and|or|nor|but|of|the|to|in|on|for|with|within|without|by|a|an|that|which|who"
    r"|whose|its|their|his|her|our|your|this|these|those|from|at|as|into|onto|than|under|across"
    r"|between|over|about|after|before|per|including|such|each|every|all|any|is|are|be|been"
    r"|was|were|has|have|had|will|would|should|must|can|could|may|might|so|both|either"
    r"|where|when|while|if|because|whether|against|through|towards|upon|via|more|less|most))$",
    re.I,
)


def _stops_without_punctuation(text: str) -> bool:
    return not text.endswith((*_TERMINAL, ";", ":", ",", ")")) and not _MID_PHRASE.search(text)


def _stops_mid_phrase(text: str) -> bool:
    if text.endswith((*_TERMINAL, ";", ":", ")")):
        return False
    return text.count("(") > text.count(")") or bool(_MID_PHRASE.search(text))


def _title_like(text: str) -> bool:
    """A sub-heading between list items ("Help and protection", "Key strengths")."""
    return (
        text[:1].isupper()
        and not text.endswith((*_TERMINAL, ";", ":", ","))
        and len(text.split()) <= 8
        and not _FINDING_LIKE.search(text)
    )


def _confidence(section: _Section, marker: str | None) -> float:
    """How sure the reader is, from the list's structure: a marked item under a findings
    heading is near certain; an unmarked paragraph taken as an item less so."""
    value = section.strength
    if marker is None and not section.single:
        value -= 0.15
    if section.toc:
        value -= 0.3
    return value


def _text_confidence(base: float, text: str, parts: list[str]) -> float:
    words = len(text.split()) + sum(len(p.split()) for p in parts)
    value = base
    if words < 4:
        value -= 0.3  # a fragment: probably a heading or a cut item
    elif words > 150:
        value -= 0.25  # probably items or narrative run together
    if not text.endswith((*_TERMINAL, ")", ";", ":")) and not parts and not text[:1].islower():
        value -= 0.05
    return max(0.0, min(1.0, value))


def _heading_addressees(text: str) -> list[str]:
    """ "Recommendations for chief constables" → ["chief constables"]."""
    match = re.match(
        r"^(?:recommendations?|actions?)\b.*?\b(?:for|to)\s+(?P<who>.+?)\s*:?$", text, re.I
    )
    match = match or re.match(  # "What does the LSCB need to improve?"
        r"^what\s+(?:does|do|should|must)\s+(?P<who>.+?)\s+(?:need|needs|do)\b", text, re.I
    )
    return addressees_of(f"{match['who']} should act.") if match else []


def _ends_part(text: str) -> bool:
    return text.endswith((";", "; and", "; or", ",", " and", " or"))


def _append(item: _Item, text: str) -> None:
    item.text = collapse(f"{item.text} {text}")
    item.stem_open = item.text.endswith(":")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _same_or_truncated(a: str, b: str) -> bool:
    return a == b or (len(b) > 20 and a.startswith(b)) or (len(a) > 20 and b.startswith(a))
