"""CSV files that open in Excel on a Chinese Windows as they were written.

- UTF-8 with BOM (``utf-8-sig``): without it Excel reads the file as GBK and garbles the Chinese.
- Code-like cells stay text: Excel drops the leading zero of a land-use code (``0102`` -> 102) and
  shows a 15-digit patch number (JCBH ``350521202600001``) as ``3.50521E+14``.  Such cells are
  written as the formula ``="0102"``, which Excel shows as the text ``0102``.
- Written atomically: to ``<name>.part`` first, renamed at the end, so an interrupted run never
  leaves a file that looks complete.

``read_csv`` reads these files back (BOM and ``="…"`` wrappers removed).
"""
from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ENCODING = "utf-8-sig"
# Excel's General format shows 11 digits at most before switching to scientific notation
_MAX_PLAIN_DIGITS = 11
_DIGITS = re.compile(r"[0-9]+")
_WRAPPED = re.compile(r'="([0-9]+)"')


def is_code_like(value: Any) -> bool:
    """True for a string of ASCII digits with a leading zero (``0102``) or longer than 11 digits."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return False
    return (len(value) > 1 and value[0] == "0") or len(value) > _MAX_PLAIN_DIGITS


def excel_cell(value: Any) -> Any:
    """The cell as written: ``="0102"`` for a code-like string, the value itself otherwise."""
    return f'="{value}"' if is_code_like(value) else value


def plain_cell(value: Any) -> Any:
    """Inverse of :func:`excel_cell`: ``="0102"`` -> ``0102``; anything else unchanged."""
    if isinstance(value, str):
        m = _WRAPPED.fullmatch(value)
        if m:
            return m.group(1)
    return value


def write_csv(path: str | os.PathLike, header: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> Path:
    """Write ``header`` (if any) and ``rows`` to ``path`` for Excel (see the module doc); returns the path."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", newline="", encoding=ENCODING) as f:
            w = csv.writer(f)
            if header is not None:
                w.writerow(header)
            for row in rows:
                w.writerow([excel_cell(v) for v in row])
        os.replace(part, path)
    finally:
        if part.exists():
            part.unlink()
    return path


def read_csv(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of a CSV written by :func:`write_csv` (or any UTF-8 CSV with a header) as dicts of plain text."""
    with open(path, newline="", encoding=ENCODING) as f:
        return [{k: plain_cell(v) for k, v in row.items()} for row in csv.DictReader(f)]
