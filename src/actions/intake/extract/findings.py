"""The parser's items → the findings the reader returns, and warnings of uncertain ones.

Here an item's text gives up its paragraph references and its deadline, a numbered group
heading ("14.1 For the governor.") becomes the question of the items under it, a cause of
concern's recommendations point at it by index, and each finding gets a confidence.
"""

from __future__ import annotations

from actions.intake.extract.addressees import addressees
from actions.intake.extract.dates import find_deadline
from actions.intake.extract.model import ExtractedFinding
from actions.intake.extract.paragraphs import CARRIED, TERMINAL
from actions.intake.extract.sections import Item
from actions.intake.extract.source_refs import split_source_refs

#: A finding below this confidence is named in the warnings for a person to check.
UNCERTAIN = 0.7


def assemble(items: list[Item]) -> list[ExtractedFinding]:
    """The findings of ``items`` (those with text), parents given as indexes into the list."""
    kept = group_headings([i for i in items if i.text])
    index = {id(item): n for n, item in enumerate(kept)}
    return [_finding(item, index) for item in kept]


def uncertain_warnings(findings: list[ExtractedFinding], items: list[Item]) -> list[str]:
    """A warning naming the page or line of each finding below ``UNCERTAIN``."""
    where = {n: item.where for n, item in enumerate(group_headings(items))}
    return [
        f"{where.get(n, '')}: finding {n + 1} is uncertain (confidence "
        f"{finding.confidence:.2f}): {_clip(finding.text)}"
        for n, finding in enumerate(findings)
        if finding.confidence < UNCERTAIN
    ]


def group_headings(items: list[Item]) -> list[Item]:
    """An item such as "14.1 For the governor." followed by 14.1.1, 14.1.2 is a group heading."""
    kept: list[Item] = []
    heading: Item | None = None
    for n, item in enumerate(items):
        nxt = items[n + 1] if n + 1 < len(items) else None
        if _is_group_heading(item, nxt):
            heading = item
            continue
        if heading and item.reference and item.reference.startswith(f"{heading.reference}."):
            item.question = heading.text.rstrip(".:")
        kept.append(item)
    return kept


def _is_group_heading(item: Item, nxt: Item | None) -> bool:
    if not (item.reference and nxt and nxt.reference) or item.parts:
        return False
    return nxt.reference.startswith(f"{item.reference}.") and len(item.text.split()) <= 12


def _finding(item: Item, index: dict[int, int]) -> ExtractedFinding:
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
        carried_over=item.carried_over or bool(CARRIED.search(text)),
        parent=parent,
        parts=parts,
        source_refs=refs,
        addressees=addressees(text) or item.addressees,
        confidence=round(_text_confidence(item.confidence, text, parts), 2),
    )


def _text_confidence(base: float, text: str, parts: list[str]) -> float:
    words = len(text.split()) + sum(len(p.split()) for p in parts)
    value = base
    if words < 4:
        value -= 0.3  # a fragment: probably a heading or a cut item
    elif words > 150:
        value -= 0.25  # probably items or narrative run together
    if not text.endswith((*TERMINAL, ")", ";", ":")) and not parts and not text[:1].islower():
        value -= 0.05
    return max(0.0, min(1.0, value))


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
