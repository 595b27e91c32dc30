"""Headings: which lines open a list of findings (and of which kind), and which end one.

A findings heading names the kind of its items ("Areas for improvement", "Cause of concern",
"Recommendations", "What does the LSCB need to improve?"), stands alone or carries the first item
on its line, and may name who the items are addressed to. A heading of the report's own
structure ("Next steps", "Background", "Strengths") ends whatever list was open.
"""

from __future__ import annotations

import re

from actions.intake.extract.addressees import addressees
from actions.intake.extract.lines import Line
from actions.intake.extract.model import Kind

_AFI_HEAD = (
    r"(?:areas?|aspects?)\s+(?:for|of|requiring)\s+(?:further\s+)?(?:improvement|review|development)"
    r"|suggestions?|improvements?\s+(?:needed|required)|points?\s+for\s+improvement"
    r"|issues?\s+to\s+address"  # HMCPSI
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
    rf"(?P<coc>causes?\s+of\s+concern|(?:new\s+)?(?:priority|key)\s+concerns)|(?P<afi>{_AFI_HEAD})"
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
# An annex may carry the list: "Annex 1: Recommendations", "Appendix B – Recommendations"
_PLACE = (
    r"(?:(?:annex|appendix)\s+[\w.]{1,4}\s*[:.–-]?\s+"
    # HMIP: "Section 3 New key concerns"
    r"|section\s+\d+\s+(?=(?:new\s+)?(?:key|priority)\s+concerns))?"
)
HEADING = re.compile(rf"^{_PLACE}(?:{_HEAD})(?:\s*\(\d+\))?\s*[:.?]?$", re.I)
# A heading with the first item on its line: "Cause of concern: The force …", "Recommendations R1 …"
HEADING_INLINE = re.compile(
    rf"^(?:{_HEAD})(?:\s*[:–-]\s+|\s+(?=(?:[A-Z]{{1,3}}\d{{1,3}}|\d{{1,2}}(?:\.\d+)*)\s))", re.I
)
# A sentence that introduces the list below it by name: "The following areas for development were
# identified and discussed with the headteacher." (letters with no heading before the list)
LIST_INTRO = re.compile(
    rf"^(?:the\s+following|these)\s+(?:{_HEAD})\s+(?:were|are|have\s+been|was|is)\b[^:]*[.:]$", re.I
)
# "Area for improvement" in the singular heads one item (HMICFRS 2021+ boxes); prose follows it.
SINGULAR_AFI = re.compile(r"^(?:area|aspect)\s+for\s+(?:improvement|development)\s*:?$", re.I)
# "Recommendation: …" under a numbered concern answers that concern only (HMIP 2022+).
SINGULAR_REC = re.compile(r"^recommendation\s*[:–-]", re.I)
# Headings of a report's own structure: whatever list was open has ended.
STRUCTURE_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:next\s+steps|what\s+happens\s+next|background|introduction|summary"
    r"|conclusions?|(?:main\s+|key\s+|inspection\s+)?findings(?:\s*[–:-]\s*.{1,80})?|about\s+(?:this|the|our)\s+(?:inspection|report|visit)"
    r"|contents|appendix\b.{0,60}|annex\b.{0,60}|glossary|(?:key\s+|main\s+)?strengths"
    r"|what\s+(?:is|was)\s+working\s+well|(?:notable\s+)?(?:positive|good)\s+practice"
    r"|.{0,60}\bstrengths)\s*:?$",
    re.I,
)
_LABEL_KIND = re.compile(
    r"^(?:(?P<coc>cause)|(?P<afi>area|afi|suggestion)|(?P<rec>recommend))", re.I
)


def is_findings_heading(text: str) -> bool:
    """A findings heading, alone on its line or with its first item."""
    return bool(HEADING.match(text) or HEADING_INLINE.match(text))


def kind_of(match: re.Match[str]) -> Kind:
    """The kind of finding a heading (or label) match names."""
    if match["coc"]:
        return "cause_of_concern"
    return "area_for_improvement" if match["afi"] else "recommendation"


def label_kind(line: Line) -> Kind | None:
    """The kind a label marker names: "Recommendation 3:", "AFI 2", "Cause of concern 1"."""
    match = _LABEL_KIND.match(line.label or "")
    return kind_of(match) if match else None


def heading_addressees(text: str) -> list[str]:
    """ "Recommendations for chief constables" → ["chief constables"]."""
    match = re.match(
        r"^(?:recommendations?|actions?)\b.*?\b(?:for|to)\s+(?P<who>.+?)\s*:?$", text, re.I
    )
    match = match or re.match(  # "What does the LSCB need to improve?"
        r"^what\s+(?:does|do|should|must)\s+(?P<who>.+?)\s+(?:need|needs|do)\b", text, re.I
    )
    return addressees(f"{match['who']} should act.") if match else []
