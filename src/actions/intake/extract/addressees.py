"""Who a finding is addressed to: "Chief constables should …" → ``["chief constables"]``.

National and thematic reports address each recommendation to named bodies. A report about one
body addresses it as "the force", "the service", "the local authority": that is the inspected
body itself, not a named addressee, so it gives an empty list (and ``ingest --addressee`` keeps
such findings whatever names it is given).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from actions.intake.extract.dates import CALENDAR, NUMBER
from actions.intake.extract.lines import plain_words
from actions.intake.extract.model import ExtractedFinding

# An opening deadline or recommendation formula before the subject.
_OPENING = re.compile(
    rf"^(?:(?:by|not\s+later\s+than|no\s+later\s+than)\s+(?:the\s+end\s+of\s+)?{CALENDAR}"
    rf"|within\s+(?:the\s+next\s+)?{NUMBER}\s+\w+|immediately|with\s+immediate\s+effect)\s*,?\s*",
    re.I,
)
_RECOMMEND = re.compile(
    r"^(?:we|hmicfrs|hmic|hmi|inspectors|the\s+inspectorate|ofsted|cqc)\s+"
    r"(?:recommends?|recommended)\s+that\s+",
    re.I,
)
# The subject of an active "should"/"must": "X should be improved" (passive) names no one.
_SUBJECT = re.compile(
    r"^(?P<subject>[A-Za-z][\w’'&,.\- ]{1,120}?)\s+(?:should|must|ought\s+to|needs?\s+to)"
    r"(?:\s+(?:also|now|urgently|immediately|continue\s+to|further))?\s+(?!be\b|have\s+been\b)\w"
)
# What names a body or a role: a plural group ("chief constables", "forces") or an
# organisation ("the Home Office", "the College of Policing", "NPCC").
_BODY_NOUN = re.compile(
    r"\b(?:constables?|officers|commissioners?|forces|services|authorities|councils|boards"
    r"|partnerships|chiefs|bodies|departments|agencies|governments?|ministers?|secretary"
    r"|office|college|council|board|agency|department|inspectorate|commission|ministry"
    r"|trusts|partners|providers|schools|prisons|governors|leads|executives?|npcc|hmpps"
    r"|hmicfrs|ofsted|cqc|nhs\s+\w+|local\s+authorities)$",
    re.I,
)
# The inspected body, however a report names it: not an addressee.
_SELF = re.compile(
    r"^(?:the\s+|this\s+|its\s+)?(?:force|constabulary|police\s+force|service|fire\s+and\s+rescue\s+service"
    r"|local\s+authority|council|authority|school|college|academy|provider|trust|home|prison"
    r"|establishment|organisation|partnership|setting|registered\s+(?:manager|person|provider)"
    r"|manager|governor|governors|leaders|senior\s+leaders|it|they|we|staff|managers"
    r"|chief\s+constable|chief\s+fire\s+officer|the\s+chief\s+officer)$",
    re.I,
)
# Bodies whose names hold "and": kept whole when a subject lists several bodies.
_COMPOUND = re.compile(
    r"police,?\s+fire\s+and\s+crime\s+commissioners?|police\s+and\s+crime\s+commissioners?"
    r"|fire\s+and\s+rescue\s+(?:services?|authorities|authority)|health\s+and\s+social\s+care",
    re.I,
)
# "College of Policing", "National Crime Agency", "NPCC": a body's own name.
_PROPER_NAME = re.compile(
    r"^(?:[A-Z]{2,}|[A-Z][\w’'-]+(?:\s+(?:of|for|and|the|&)?\s*[A-Z][\w’'-]+)+)$"
)
_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|with)\s+", re.I)
_LEADING_WORDS = re.compile(r"^(?:the|all|each|every|both|relevant|individual)\s+", re.I)


def addressees(text: str) -> list[str]:
    """The bodies ``text`` is addressed to, in the order it names them; [] when none is named."""
    subject = _subject(text)
    if subject is None:
        return []
    protected = _COMPOUND.sub(lambda m: m[0].replace(" and ", "\x00").replace(",", "\x01"), subject)
    names = []
    for piece in _SEPARATOR.split(protected):
        name = piece.replace("\x00", " and ").replace("\x01", ",").strip(" ,.")
        while (stripped := _LEADING_WORDS.sub("", name)) != name:
            name = stripped
        if not name or _SELF.match(name) or not _name_like(name):
            continue
        names.append(_case(name))
    return names


def _subject(text: str) -> str | None:
    text = text.strip()
    while (shorter := _RECOMMEND.sub("", _OPENING.sub("", text, count=1), count=1)) != text:
        text = shorter
    match = _SUBJECT.match(text)
    if match is None:
        return None
    subject = match["subject"].strip()
    return subject if len(subject.split()) <= 12 else None


def _name_like(name: str) -> bool:
    """A body's name, not a clause: few words, no verb-like function words."""
    words = name.split()
    if not 1 <= len(words) <= 8:
        return False
    if not (_BODY_NOUN.search(name) or _PROPER_NAME.match(name)):
        return False
    return not re.search(r"\b(?:that|which|who|this|these|when|where|if|there|it)\b", name, re.I)


def _case(name: str) -> str:
    """ "Chief constables" → "chief constables"; "Home Office", "NPCC" keep their capitals."""
    words = name.split()
    if len(words) > 1 and all(w.islower() for w in words[1:]) and words[0][1:].islower():
        return name[0].lower() + name[1:]
    if len(words) == 1 and words[0][1:].islower() and words[0].endswith("s"):
        return name.lower()  # "Forces", "Councils": a plural common noun
    return name


def addressee_key(name: str) -> str:
    """How two spellings of a body compare: case, "the", plurals and punctuation aside."""
    words = [w for w in plain_words(name) if w not in ("the", "all")]
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def select_addressed(
    findings: Sequence[ExtractedFinding], wanted: Sequence[str]
) -> tuple[list[ExtractedFinding], list[ExtractedFinding]]:
    """(kept, left out): the findings addressed to one of ``wanted`` or to no one, and the
    others. A kept recommendation whose cause of concern was left out keeps no parent; parents
    are renumbered to the kept list."""
    if not wanted:
        return list(findings), []
    keys = {addressee_key(name) for name in wanted}
    kept_at: dict[int, int] = {}
    left_out: list[ExtractedFinding] = []
    for index, finding in enumerate(findings):
        if not finding.addressees or keys & {addressee_key(a) for a in finding.addressees}:
            kept_at[index] = len(kept_at)
        else:
            left_out.append(finding)
    kept = [
        replace(finding, parent=kept_at.get(finding.parent) if finding.parent is not None else None)
        for index, finding in enumerate(findings)
        if index in kept_at
    ]
    return kept, left_out


def addressee_counts(findings: Sequence[ExtractedFinding]) -> dict[str, int]:
    """How many of ``findings`` each body is named in (a finding may name several)."""
    return dict(Counter(name for finding in findings for name in finding.addressees))
