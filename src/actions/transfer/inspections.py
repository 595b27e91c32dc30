"""Which inspection a new row names, and the inspections an import creates (pure)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from actions.domain.refs import inspection_code
from actions.transfer.snapshot import Snapshot


@dataclass(frozen=True)
class NewInspection:
    key: str
    label: str
    code: str


def label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


class Inspections:
    """Finds the inspection a new row names, creating (in the plan) the ones that do not exist."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_label: dict[str, list[int]] = defaultdict(list)
        self.by_code: dict[str, int] = {}
        for id_, (code, label) in snapshot.inspections.items():
            self.by_label[label_key(label)].append(id_)
            self.by_code[code.upper()] = id_
        self.codes = {code: id_ for id_, (code, _) in snapshot.inspections.items()}
        #: key → (label, code of its first explicit ref) of each inspection to create.
        self.pending: dict[str, tuple[str, str | None]] = {}
        self.new: dict[str, NewInspection] = {}

    def find(self, name: str) -> int | str:
        """An existing id, or the key of a new inspection; ValueError when ambiguous."""
        key = label_key(name)
        ids = self.by_label.get(key, [])
        if len(ids) > 1:
            codes = ", ".join(sorted(self.codes_of(ids)))
            raise ValueError(
                f"inspection {name!r} names several inspections ({codes}): use the code"
            )
        if ids:
            return ids[0]
        if name.upper() in self.by_code:
            return self.by_code[name.upper()]
        return key

    def codes_of(self, ids: list[int]) -> list[str]:
        return [code for code, id_ in self.codes.items() if id_ in ids]

    def create(self, key: str, label: str, ref_code: str | None) -> None:
        """Note a new inspection (its code is chosen by :meth:`assign_codes`)."""
        if key not in self.pending:
            self.pending[key] = (" ".join(label.split()), ref_code)
        elif ref_code and not self.pending[key][1]:
            self.pending[key] = (self.pending[key][0], ref_code)

    def assign_codes(self) -> None:
        """The prefix of a new inspection's first explicit ref when free, else one from its name."""
        taken = set(self.codes)
        chosen: dict[str, str] = {}
        for key, (_, ref_code) in self.pending.items():
            if ref_code and ref_code not in taken:
                chosen[key] = ref_code
                taken.add(ref_code)
        for key, (label, _) in self.pending.items():
            if key not in chosen:
                year = re.search(r"(19|20)\d{2}", label)
                chosen[key] = inspection_code(label, int(year.group(0)) if year else None, taken)
                taken.add(chosen[key])
        self.new = {
            key: NewInspection(key, label, chosen[key]) for key, (label, _) in self.pending.items()
        }

    def code_of(self, target: int | str) -> str:
        if isinstance(target, str):
            return self.new[target].code
        return next(code for code, id_ in self.codes.items() if id_ == target)
