"""Land-use codes (地类编码): names, 三大类 grouping and 耕地, from ``resources/landuse_codes.toml``.

Accepts both GB/T 21010-2017 codes (0101 …) and the 三调 working classification (05H1, 0508,
08H1, 08H2, 0810A, 1104A, 0201K …).  A code not in the table falls back to the code without its
working suffix (``1001A`` -> ``1001``), then to its first two digits (first-level class).

Public API::

    class_name("0101")   -> "水田"
    land_group("0702")   -> "建设用地"      # 农用地 / 建设用地 / 未利用地, "" if unknown
    is_farmland("0103")  -> True            # 耕地 0101/0102/0103
    lookup("05H1")       -> LandUseClass(code="05H1", name=..., group=..., level=2, matched="05H1")
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .config_schema import ConfigSchemaError, List, Table, Text, check, read_toml
from .paths import resource

DEFAULT_TABLE = resource("landuse_codes.toml")

AGRICULTURAL = "农用地"
CONSTRUCTION = "建设用地"
UNUSED = "未利用地"
GROUPS = (AGRICULTURAL, CONSTRUCTION, UNUSED)

_SUFFIX = re.compile(r"^(\d{3,4}|\d{2}H\d)[A-Z]+$")


@dataclass(frozen=True)
class LandUseClass:
    code: str       # the code as given (normalised: stripped, upper case)
    name: str       # class name, "" if unknown
    group: str      # 农用地 / 建设用地 / 未利用地, "" if unknown
    level: int      # 2 = second-level (or working) class found, 1 = first-level fallback, 0 = unknown
    matched: str    # the table key that matched


@dataclass(frozen=True)
class _Table:
    codes: dict
    first_level: dict
    farmland: frozenset


def _farmland_known(data, where, problems, root) -> None:
    codes = data.get("codes") if isinstance(data.get("codes"), dict) else {}
    for i, code in enumerate(data.get("farmland") or [] if isinstance(data.get("farmland"), list) else []):
        if isinstance(code, str) and code.upper() not in {str(k).upper() for k in codes}:
            problems.add(("farmland", f"第 {i + 1} 个"), f"地类编码 {code} 不在 [codes] 中")


def landuse_schema() -> Table:
    """The schema of resources/landuse_codes.toml (liangwei_plugin.config_schema)."""
    entry = Table({"name": Text(nonempty=True), "group": Text(choices=GROUPS)}, required=("name",))
    return Table({
        "farmland": List(Text(pattern=r"[0-9]{4}[A-Z]*", pattern_text="应为四位地类编码，如 \"0101\"（加引号）"),
                         nonempty=True, unique=True),
        "first_level": Table(values=entry, key_pattern=r"[0-9]{2}", key_text="一级类编码应为两位数字，如 \"01\""),
        "codes": Table(values=entry, key_pattern=r"[0-9]{2}[0-9A-Za-z]{1,4}",
                       key_text="地类编码应为 \"0101\"、\"05H1\"、\"1104A\" 这样的文字（加引号）"),
    }, required=("codes",), checks=(_farmland_known,))


@lru_cache(maxsize=4)
def _load(path: str | None = None) -> _Table:
    source = path or DEFAULT_TABLE
    data = read_toml(source, "地类编码表")
    problems = check(data, landuse_schema())
    if problems:
        raise ConfigSchemaError(source, problems, "地类编码表")
    return _Table(
        codes={k.upper(): v for k, v in data.get("codes", {}).items()},
        first_level=dict(data.get("first_level", {})),
        farmland=frozenset(data.get("farmland", ["0101", "0102", "0103"])),
    )


#: a code that lost its leading zero (stored as a number): 101 -> 0101, 305A -> 0305A, 5H1 -> 05H1, 1 -> 01
_LOST_ZERO = re.compile(r"^(\d{3}[A-Z]*|\dH\d[A-Z]*|\d)$")
_FLOAT_TEXT = re.compile(r"^(\d+)\.0*$")


def restore(code) -> tuple[str, bool]:
    """The code as a clean upper-case string ('' for None/NaN) and whether its leading zero was restored.

    Land-use codes are text (0101); a field stored as a number loses the zero (101, 101.0, "101"), and
    101 read as text would fall back to first-level class 10 (交通运输用地).  No GB/T 21010 or 三调 code
    has three digits, so a three-digit code is always a lost zero."""
    if code is None:
        return "", False
    if isinstance(code, float):
        if code != code:  # NaN
            return "", False
        code = int(code) if code.is_integer() else code
    text = str(code).strip().upper()
    m = _FLOAT_TEXT.match(text)
    if m:
        text = m.group(1)
    if _LOST_ZERO.match(text):
        return "0" + text, True
    return text, False


def normalise(code) -> str:
    """The code as a clean upper-case string ('' for None/NaN); lost leading zeros restored (101 -> '0101')."""
    return restore(code)[0]


def is_known(code, table: str | Path | None = None) -> bool:
    """True when the table knows the code (exactly, without its working suffix, or by its first level)."""
    return lookup(code, table).level > 0


@lru_cache(maxsize=4096)
def _lookup(code: str, path: str | None) -> LandUseClass:
    table = _load(path)
    if not code:
        return LandUseClass(code, "", "", 0, "")
    entry = table.codes.get(code)
    if entry is not None:
        return LandUseClass(code, entry.get("name", ""), entry.get("group", ""), 2, code)
    m = _SUFFIX.match(code)
    if m:
        entry = table.codes.get(m.group(1))
        if entry is not None:
            return LandUseClass(code, entry.get("name", ""), entry.get("group", ""), 2, m.group(1))
    first = table.first_level.get(code[:2])
    if first is not None:
        return LandUseClass(code, first.get("name", ""), first.get("group", ""), 1, code[:2])
    return LandUseClass(code, "", "", 0, "")


def lookup(code, table: str | Path | None = None) -> LandUseClass:
    """Everything known about a land-use code (see module doc for the fallback order)."""
    return _lookup(normalise(code), str(table) if table else None)


def class_name(code, table: str | Path | None = None) -> str:
    """地类名称 of a code, e.g. '0101' -> '水田'; '' when unknown."""
    return lookup(code, table).name


def land_group(code, table: str | Path | None = None) -> str:
    """三大类 of a code: '农用地', '建设用地' or '未利用地'; '' when unknown or mixed."""
    return lookup(code, table).group


def is_farmland(code, table: str | Path | None = None) -> bool:
    """True for 耕地 (0101 水田, 0102 水浇地, 0103 旱地; also 0101-style codes with a suffix)."""
    info = lookup(code, table)
    if info.level == 1:  # only the first-level class is known: 01 耕地
        return info.matched == "01"
    return info.level == 2 and info.matched in _load(str(table) if table else None).farmland


def all_codes(table: str | Path | None = None) -> dict[str, LandUseClass]:
    """Every second-level/working code in the table -> its class (for styles and documents)."""
    t = _load(str(table) if table else None)
    return {c: LandUseClass(c, v.get("name", ""), v.get("group", ""), 2, c) for c, v in t.codes.items()}


def first_level_classes(table: str | Path | None = None) -> dict[str, str]:
    """First-level code -> name ('01' -> '耕地')."""
    return {k: v.get("name", "") for k, v in _load(str(table) if table else None).first_level.items()}
