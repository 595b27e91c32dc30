"""Reading spreadsheet-like files (CSV, XLSX) into rows with the line numbers users see."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from actions.common.errors import UserInputError

MAX_TABLE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    #: The row's line as a spreadsheet shows it: the header is line 1.
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def require_file(path: Path) -> Path:
    if not path.exists():
        raise UserInputError(f"{path}: no such file")
    if not path.is_file():
        raise UserInputError(f"{path}: not a file")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise UserInputError(f"{path}: larger than {MAX_TABLE_BYTES // 2**20} MB")
    return path


def read_table(path: Path, required: Iterable[str]) -> tuple[list[str], Iterator[Row]]:
    """Header and rows of a .csv or .xlsx file; missing columns are a user error."""
    require_file(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _read_csv(path)
    elif suffix in {".xlsx", ".xlsm"}:
        header, rows = _read_xlsx(path)
    else:
        raise UserInputError(f"{path}: expected a .csv or .xlsx file")
    missing = [c for c in required if c not in header]
    if missing:
        raise UserInputError(f"{path}: missing column(s): {', '.join(missing)}")
    return header, rows


def _read_csv(path: Path) -> tuple[list[str], Iterator[Row]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise UserInputError(f"{path}: not a text CSV file") from None
    if "\x00" in text:
        raise UserInputError(f"{path}: not a text CSV file")
    # strict: a quote left open would otherwise swallow every row after it, silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise UserInputError(f"{path}: empty file") from None
    except csv.Error as exc:
        raise UserInputError(f"{path}: line 1: {exc}") from None

    def rows() -> Iterator[Row]:
        number = 2  # rows as a spreadsheet numbers them (the header is 1)
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    yield _checked(path, Row(number, dict(zip(header, record, strict=False))))
                number += 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise UserInputError(
                    f'{path}: line {number}: a quote (") opened here is never closed'
                ) from None
            raise UserInputError(f"{path}: line {number}: {exc}") from None

    return header, rows()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[Row]]:
    from openpyxl import load_workbook  # lazy: start-up speed (only XLSX files need it)

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise UserInputError(f"{path}: not a readable .xlsx workbook") from None
    sheet = workbook.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = [str(h or "").strip().lower() for h in next(cells)]
    except StopIteration:
        raise UserInputError(f"{path}: empty workbook") from None

    def rows() -> Iterator[Row]:
        for number, record in enumerate(cells, start=2):
            values = [_cell_text(v) for v in record]
            if any(values):
                yield _checked(path, Row(number, dict(zip(header, values, strict=False))))
        workbook.close()

    return header, rows()


#: Control characters (tab, newline and carriage return aside): no text holds them, and XML
#: (an .xlsx file) cannot, so one stored would break every later spreadsheet report.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _checked(path: Path, row: Row) -> Row:
    for column, value in row.values.items():
        if match := _CONTROL.search(value or ""):
            raise UserInputError(
                f"{path}: line {row.line}: column {column} holds a control character "
                f"(U+{ord(match[0]):04X}); remove it and import again"
            )
    return row


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):  # datetime from a date cell
        return value.date().isoformat()  # type: ignore[attr-defined]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
