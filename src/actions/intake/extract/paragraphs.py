"""What a paragraph reads like: a finding, narrative prose, a lead-in, a title, a wrapped line.

The parser decides from these whether a line under a findings heading is an item, carries on
the item before it, or ends the list. They look at the words only, never at parser state.
"""

from __future__ import annotations

import re

from actions.intake.extract.lines import FINDING_NAMES

TERMINAL = (".", "!", "?")
# An introduction to the list or table that follows, not an item of it.
_PREAMBLE = re.compile(
    r"\b(?:table|list|recommendations|areas\s+for\s+improvement|concerns|actions)\s+below\b"
    r"|\bas\s+follows\s*:?$",
    re.I,
)
# A box of praise set inline: "Good practice: the division's rural watch scheme …"
_PRAISE = re.compile(
    r"^(?:good|notable|innovative|promising|positive|outstanding)\s+practice\b\s*[:–-]", re.I
)
# The inspectorate or the document speaking of itself before a list: "We told the trust that …",
# "The table shows each area for improvement …", "This plan sets out …".
_SPEAKS_OF_ITSELF = re.compile(
    r"^(?:we|our)\s|^(?:the|this)\s+(?:following\s+)?(?:table|plan|section|list)\s+"
    r"(?:shows|sets|lists|gives)\b",
    re.I,
)
# A lead-in: "…the local authority should take the following action.", "…as follows:"
LEAD_IN = re.compile(
    r"\bthe\s+following(?:\s+\w+){0,2}\s*[.:]?$|\bas\s+follows\s*[.:]?$"
    r"|\b(?:table|list)\s+below\b|\b(?:set\s+out|listed)\s+below\s*[.:]?$"
    # The report speaking of its list: "We have made four recommendations to help …:"
    r"|^(?:[^,.]{0,60},\s*)?(?:we|inspectors|hmi\w*|ofsted|estyn|cqc|this\s+report)"
    r"\s+(?:has\s+|have\s+)?(?:made|makes|make|identified|sets?\s+out)\b.*"
    r"\b(?:recommendations|requirements|areas|actions|improvements|concerns)\b"
    r"|\b(?:recommendations|requirements|areas|actions|improvements)\b[^.]*:$",
    re.I,
)
# "There are no priority or immediate actions.": the report says the list is empty.
NONE_STATED = re.compile(
    r"^(?:there\s+(?:are|were|is)\s+no|no\s+(?:priority|immediate|new)\b|none\.?$)", re.I
)
# A tracker's answer to a finding ("Force response: …"), not a finding.
RESPONSE_LABEL = re.compile(
    r"^(?:[A-Z][\w&’']*\s+){0,3}(?:action|response|update|progress|comment|status)s?"
    r"(?:\s+update)?\s*:",
    re.I,
)
CARRIED = re.compile(
    r"\b(?:carried\s+(?:over|forward)|still\s+stands|remains?\s+(?:outstanding|open|in\s+place)"
    r"|previously\s+identified)\b",
    re.I,
)
_FINDING_WORDS = re.compile(rf"\b(?:{FINDING_NAMES})\b", re.I)
FINDING_LIKE = re.compile(
    r"\b(?:should|must|needs?\s+to|ought\s+to|recommends?|recommended|ensure|required\s+to)\b",
    re.I,
)
REC_LIKE = re.compile(r"\b(?:should|recommends?|recommended)\b", re.I)
# Words a sentence does not end on: a line ending with one carries on in the next line.
_MID_PHRASE = re.compile(
    r"(?:,|\b(?:and|or|nor|but|of|the|to|in|on|for|with|within|without|by|a|an|that|which|who"
    r"|whose|its|their|his|her|our|your|this|these|those|from|at|as|into|onto|than|under|across"
    r"|between|over|about|after|before|per|including|such|each|every|all|any|is|are|be|been"
    r"|was|were|has|have|had|will|would|should|must|can|could|may|might|so|both|either"
    r"|where|when|while|if|because|whether|against|through|towards|upon|via|more|less|most))$",
    re.I,
)


def says_carried_over(text: str) -> bool:
    """A note that earlier findings still stand ("the areas for improvement carried over")."""
    return bool(CARRIED.search(text) and _FINDING_WORDS.search(text))


def item_like(text: str) -> bool:
    """Could this paragraph be a finding (rather than a title, an addressee, a table header)?"""
    words = len(text.split())
    if words < 5 or text.endswith("?"):
        return False
    return (
        text.endswith((".", ";", ":", ",", "!", ")"))
        or words >= 9
        or bool(FINDING_LIKE.search(text))
    )


def is_aside(text: str) -> bool:
    """ "(Information for the school …)", "The table below shows …": about the list, not in it."""
    return (text.startswith("(") and text.endswith(")")) or bool(_PREAMBLE.search(text))


# A summary pointing at where the findings are: "They are set out in the sections of this
# report about:" — the list after it names sections, not findings.
_POINTS_ELSEWHERE = re.compile(
    r"\b(?:set\s+out|described|detailed|explained|found)\s+in\s+(?:the\s+)?(?:sections?|chapters?"
    r"|parts?)\b",
    re.I,
)


def points_elsewhere(text: str) -> bool:
    return bool(_POINTS_ELSEWHERE.search(text))


def is_praise(text: str) -> bool:
    return bool(_PRAISE.match(text))


def introduces_list(text: str) -> bool:
    """A paragraph before a list's first item in which the report speaks of itself."""
    return bool(_SPEAKS_OF_ITSELF.search(text))


def short_title(text: str) -> bool:
    """A few words set like a title: a capital first, no closing punctuation."""
    return (
        text[:1].isupper()
        and not text.endswith((*TERMINAL, ";", ":", ","))
        and len(text.split()) <= 8
    )


def title_like(text: str) -> bool:
    """A sub-heading between list items ("Help and protection", "Key strengths")."""
    return short_title(text) and not FINDING_LIKE.search(text)


def continues_text(previous: str, text: str) -> bool:
    """A wrapped line: it starts in lower case, or the text before it stops mid-phrase (a
    comma, a connective, an open bracket), whatever the next line starts with."""
    if previous.endswith((*TERMINAL, ";", ":", "; and", "; or")):
        return False
    if text[:1].islower():
        return True
    if text[:1].isdigit() or text[:1] == "(":
        # "…aged" / "18 to 21.", "…section" / "47 enquiries": an unfinished line, then one
        # that no sentence starts with (a list number would have been read as a marker).
        return True
    return _open_phrase(previous)


def stops_mid_phrase(text: str) -> bool:
    if text.endswith((*TERMINAL, ";", ":", ")")):
        return False
    return _open_phrase(text)


def _open_phrase(text: str) -> bool:
    """An open bracket, or a last word no sentence ends on."""
    return text.count("(") > text.count(")") or bool(_MID_PHRASE.search(text))


def stops_without_punctuation(text: str) -> bool:
    return not text.endswith((*TERMINAL, ";", ":", ",", ")")) and not _MID_PHRASE.search(text)


def ends_part(text: str) -> bool:
    """A sub-item that the next one follows: "…; and", "…,"."""
    return text.endswith((";", "; and", "; or", ",", " and", " or"))
