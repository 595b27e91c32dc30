"""Text laid out in two columns side by side (``pdftotext -layout``) → one column after the
other, as the page is read.

A page is two columns when one vertical channel of spaces runs down most of its lines and text
stands on both sides of it on many of them. Each line is cut at the channel; the page's left
halves are read first, then its right halves. Pages are split at form feeds.
"""

from __future__ import annotations

_MIN_LINES = 12  # a page of fewer lines with text is not judged
_CHANNEL = 2  # spaces a channel is wide, at least
#: Printed lines are narrower than this; text with longer lines is a paragraph a line (no
#: layout to unfold), and judging it would cost a pass per column on every extract.
_MAX_WIDTH = 250


def unfold_columns(text: str) -> str:
    return "\f".join(_unfold_page(page) for page in text.split("\f"))


def _unfold_page(page: str) -> str:
    lines = page.split("\n")
    at = _gutter(lines)
    if at is None:
        return page
    left: list[str] = []
    right: list[str] = []
    for line in lines:
        if line[at - _CHANNEL : at].strip():  # runs across the channel: a full-width line
            left.append(line.strip())
            right.append("")
        else:
            left.append(line[:at].rstrip())
            right.append(line[at:].strip())
    return "\n".join([*left, "", *right])


def _gutter(lines: list[str]) -> int | None:
    """The column where the right-hand text starts, if the page has two columns."""
    filled = [line for line in lines if line.strip()]
    if len(filled) < _MIN_LINES:
        return None
    width = max(len(line) for line in filled)
    if width > _MAX_WIDTH:
        return None
    candidates = []  # (lines with text on both sides, -column): most such lines, leftmost
    for at in range(20, width - 20):
        clear = [line for line in filled if not line[at - _CHANNEL : at].strip()]
        both = sum(bool(line[:at].strip()) and bool(line[at:].strip()) for line in clear)
        if len(clear) >= len(filled) * 0.9 and both >= len(filled) * 0.3:
            candidates.append((both, -at))
    if not candidates:
        return None
    at = -max(candidates)[1]
    # Start the right column where its text starts: the first column any right half uses.
    starts = [len(line) - len(line[at:].lstrip()) for line in filled if line[at:].strip()]
    return min(starts) if starts else None
