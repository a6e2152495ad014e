"""Display values for documents: areas in ㎡ and 亩, dates, template filling.

亩 are computed from the exact square metres (1 亩 = 10000/15 ㎡) and rounded half-up to two
decimals once, at display time: rounding the ㎡ first and converting that gives wrong 亩.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

MISSING = "________"
_CENT = Decimal("0.01")


def _exact(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, float):
            if math.isnan(value) or math.isinf(value):
                return None
            return Decimal(value)  # the float's exact binary value, no repr rounding
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def round_half_up(value: Any, places: int = 2) -> Decimal | None:
    d = _exact(value)
    if d is None:
        return None
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def m2_text(area_m2: Any) -> str:
    """Square metres with two decimals (half-up), '' when unknown."""
    d = round_half_up(area_m2)
    return "" if d is None else f"{d:.2f}"


def mu_value(area_m2: Any) -> Decimal | None:
    """亩 from the exact ㎡ (㎡ × 15 / 10000), rounded half-up to 0.01."""
    d = _exact(area_m2)
    if d is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        mu = d * 15 / 10000
    return mu.quantize(_CENT, rounding=ROUND_HALF_UP)


def mu_text(area_m2: Any) -> str:
    d = mu_value(area_m2)
    return "" if d is None else f"{d:.2f}"


def mu_exact(area_m2: Any) -> Decimal | None:
    """亩 from ㎡ without rounding (㎡ × 15 / 10000, exact in decimal)."""
    d = _exact(area_m2)
    if d is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return d * 15 / 10000


def apportion(values: Sequence[Any], total: Any = None, places: int = 2) -> list[Decimal] | None:
    """Round ``values`` to ``places`` decimals so that they add up to ``total`` rounded half-up
    (largest-remainder method, also called Hamilton's method): every value is rounded down, and the
    cents still missing go to the values with the largest remainders (ties: the larger value, then
    the earlier one).  ``total`` defaults to the exact sum of the values.

    None when it cannot be done by moving at most one unit of the last place per value (a value is
    unknown, or ``total`` is not the values' sum): the caller prints the plain roundings instead.
    """
    exact = [_exact(v) for v in values]
    if not exact or any(e is None for e in exact):
        return None
    unit = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 60
        target = round_half_up(sum(exact) if total is None else total, places)
        if target is None:
            return None
        floors = [e.quantize(unit, rounding=ROUND_FLOOR) for e in exact]
        missing = int((target - sum(floors)) / unit)
        if abs(missing) > len(exact):
            return None
        remainders = [e - f for e, f in zip(exact, floors)]
        out = list(floors)
        if missing >= 0:
            order = sorted(range(len(exact)), key=lambda i: (-remainders[i], -exact[i], i))
            for i in order[:missing]:
                out[i] += unit
        else:  # total a little below the rounded-down values: take from the smallest remainders
            order = sorted((i for i in range(len(exact)) if floors[i] > 0), key=lambda i: (remainders[i], exact[i], i))
            if len(order) < -missing:
                return None
            for i in order[:-missing]:
                out[i] -= unit
    return out


def share_text(share: Any) -> str:
    """A share (fraction 0–1) as a percentage with two decimals."""
    d = _exact(share)
    if d is None:
        return ""
    if d > Decimal("1.000001"):  # already a percentage
        return f"{d.quantize(_CENT, rounding=ROUND_HALF_UP):.2f}%"
    return f"{(d * 100).quantize(_CENT, rounding=ROUND_HALF_UP):.2f}%"


def parse_date(value: Any) -> _dt.date | None:
    """A date from a QDate/date/datetime or text such as 2024-05-20, 20240520, 2024/5/20."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    to_py = getattr(value, "toPyDate", None)  # QDate / QDateTime
    if to_py is not None:
        try:
            if hasattr(value, "isValid") and not value.isValid():
                return None
            return to_py()
        except Exception:  # noqa: BLE001 - QDateTime has toPyDateTime instead
            pass
    to_pydt = getattr(value, "toPyDateTime", None)
    if to_pydt is not None:
        return to_pydt().date()
    text = str(value).strip()
    m = re.search(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})", text)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def date_cn(value: Any) -> str:
    """2026年11月22日 (MISSING when unknown)."""
    d = parse_date(value)
    return f"{d.year}年{d.month}月{d.day}日" if d else MISSING


def add_months(d: _dt.date, months: int) -> _dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return _dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


class Optional(str):
    """A template value that may legitimately be empty (printed as nothing, not as a blank to fill)."""


class _Blanks(dict):
    def __missing__(self, key: str) -> str:
        return MISSING


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template.format`` with missing or empty placeholders printed as blanks to fill by hand."""
    clean = _Blanks({k: (MISSING if (v is None or v == "") and not isinstance(v, Optional) else v)
                     for k, v in values.items()})
    return template.format_map(clean)


def text_value(value: Any) -> str:
    """Attribute value as text ('' for NULL/None/NaN)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ == "QVariant":  # NULL from QGIS
        try:
            if value.isNull():
                return ""
        except Exception:  # noqa: BLE001
            return ""
    text = str(value).strip()
    return "" if text in ("NULL", "None", "nan") else text


def number_value(value: Any) -> float | None:
    text = text_value(value)
    if not text:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v
