"""Paragraph references a finding cites at its end: "… demand (1.75)", "(paragraphs 2.63, 3.18)".

They point into the report's body, so they are taken off the text and kept as ``source_refs``.
"""

from __future__ import annotations

import re

_SOURCE_REFS = re.compile(
    r"\s*\((?P<word>(?:paragraphs?|paras?\.?)\s+)?(?P<ids>[A-Z]?\d+(?:\.\d+)*"
    r"(?:\s*(?:,|and|&)\s*[A-Z]?\d+(?:\.\d+)*)*)\)(?P<end>[.;]?)\s*$",
    re.I,
)
_REF_ID = re.compile(r"[A-Z]?\d+(?:\.\d+)*", re.I)


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
