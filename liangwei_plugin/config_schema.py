"""A small schema for the TOML configuration files, reporting every problem of a file at once.

Each configuration module (``register/workflow.py``, ``determination.py``, ``onemap/catalogue.py``,
``fieldmap.py``, ``landuse_codes.py``; ``documents/config.py`` has its own checks in the same form)
describes its file with the nodes below and calls :func:`check` at load: unknown keys, wrong types,
values out of range (a negative deadline), unknown ``{placeholders}`` and references to keys that do not
exist are all collected, each naming its key ("[[stage]] 第 2 项 days：…"), and the file is refused
with one message listing them, so a bureau fixes its file in one go instead of one error per run.

:func:`read_toml` reads such a file: a missing file, a file saved in GBK (ANSI) instead of UTF-8, or a
TOML syntax error becomes a :class:`ConfigSchemaError` naming the file.  Pure Python (no QGIS).
"""
from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .toml_compat import tomllib

Where = tuple  # key path: ("stage", 1, "days")


class Label(str):
    """A key-path part shown as it is: an array item named by its id ("规则 R02") instead of its number."""


class ConfigSchemaError(ValueError):
    """A configuration file refused; ``problems`` holds one sentence per problem (Chinese)."""

    def __init__(self, path: str | Path, problems: list[str], what: str = "配置文件"):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(problems_text(path, self.problems, what))


def problems_text(path: str | Path, problems: list[str], what: str = "配置文件") -> str:
    """「<what> <path> 有 N 处错误：」 and the numbered problems, one a line."""
    if len(problems) == 1:
        return f"{what} {path}：{problems[0]}"
    lines = "\n".join(f"  {i}. {p}" for i, p in enumerate(problems, start=1))
    return f"{what} {path} 有 {len(problems)} 处错误：\n{lines}"


def where_text(where: Where, table: bool = False) -> str:
    """("stage", 1, "days") -> "[[stage]] 第 2 项 days"; ("workflow", "disposal_days") -> "[workflow] disposal_days"."""
    parts = list(where)
    if not parts:
        return "" if table else "文件顶层"
    if isinstance(parts[-1], str) and parts[-1].startswith("第 ") and parts[-1].endswith(" 个"):
        return f"{where_text(tuple(parts[:-1]))} {parts[-1]}"
    labels = [i for i, p in enumerate(parts) if isinstance(p, Label)]
    if labels:
        k = labels[-1]
        return " ".join([str(parts[k])] + [str(p) for p in parts[k + 1:]])
    ints = [i for i, p in enumerate(parts) if isinstance(p, int)]
    if ints:
        k = ints[-1]
        table = ".".join(str(p + 1) if isinstance(p, int) else str(p) for p in parts[:k])
        rest = ".".join(str(p) for p in parts[k + 1:])
        return f"[[{table}]] 第 {parts[k] + 1} 项" + (f" {rest}" if rest else "")
    if table:
        return f"[{'.'.join(str(p) for p in parts)}]"
    if len(parts) == 1:
        return str(parts[0])
    return f"[{'.'.join(str(p) for p in parts[:-1])}] {parts[-1]}"


class Problems(list):
    """The problems found so far: ``add(where, text)``."""

    def add(self, where: Where, text: str, table: bool = False) -> None:
        head = where_text(where, table)
        self.append(f"{head}：{text}" if head else text)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


class Node:
    """A schema node: ``check(value, where, problems, root)`` adds what is wrong with ``value``."""

    description = "值"

    def check(self, value: Any, where: Where, problems: Problems, root: Any) -> None:  # pragma: no cover
        raise NotImplementedError


class AnyValue(Node):
    description = "任意值"

    def check(self, value, where, problems, root):
        pass


class Text(Node):
    """A string; ``choices`` the allowed values; ``placeholders`` the allowed ``{names}`` (a set, or a
    function of the whole file giving it); ``pattern`` a regular expression it must match."""

    def __init__(self, nonempty: bool = False, choices: Iterable[str] | None = None,
                 placeholders: frozenset[str] | Callable[[Any], Iterable[str]] | None = None,
                 pattern: str | None = None, pattern_text: str = ""):
        self.nonempty = nonempty
        self.choices = tuple(choices) if choices is not None else None
        self.placeholders = placeholders
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_text = pattern_text
        self.description = "文字（加引号）"

    def check(self, value, where, problems, root):
        if not isinstance(value, str):
            problems.add(where, f"应为文字（加引号），而不是 {_shown(value)}")
            return
        if self.nonempty and not value.strip():
            problems.add(where, "不能为空")
            return
        if self.choices is not None and value not in self.choices:
            problems.add(where, f"{_shown(value)} 不是可用的取值（可用：{'、'.join(repr(c) for c in self.choices)}）")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            problems.add(where, f"{_shown(value)} 格式不对{('：' + self.pattern_text) if self.pattern_text else ''}")
        if self.placeholders is not None:
            allowed = self.placeholders(root) if callable(self.placeholders) else self.placeholders
            check_placeholders(value, frozenset(allowed), where, problems)


def check_placeholders(template: str, allowed: frozenset[str] | None, where: Where, problems: Problems) -> None:
    """Unbalanced braces, unnamed ``{}`` and names not in ``allowed`` (None: any name)."""
    try:
        names = [name for _t, name, _s, _c in string.Formatter().parse(template) if name is not None]
    except ValueError:
        problems.add(where, f"花括号不成对（占位符写作 {{名称}}，文字中的花括号写作 {{{{ 或 }}}}）：{template}")
        return
    for name in names:
        base = name.split(".")[0].split("[")[0]
        if not base or base.isdigit():
            problems.add(where, f"含无名称的占位符 {{{name}}}（占位符应写作 {{名称}}）")
        elif allowed is not None and base not in allowed:
            names = "、".join("{" + a + "}" for a in sorted(allowed))
            problems.add(where, f"含未知占位符 {{{name}}}；可用的占位符：{names}")


class Number(Node):
    """A number (``integer``: a whole number) within ``[minimum, maximum]`` (``exclusive_min``: > minimum)."""

    def __init__(self, minimum: float | None = None, maximum: float | None = None, integer: bool = False,
                 exclusive_min: bool = False, unit: str = "", below_text: str = ""):
        self.minimum, self.maximum, self.integer, self.exclusive_min = minimum, maximum, integer, exclusive_min
        self.unit = unit
        self.below_text = below_text  # what a value below the minimum would do ("期限会早于起算日期")
        self.description = "整数" if integer else "数字"

    def check(self, value, where, problems, root):
        wrong_type = isinstance(value, bool) or not isinstance(value, (int, float))
        if wrong_type or (self.integer and not isinstance(value, int)):
            kind = "整数" + (f"（{self.unit}）" if self.unit else "") if self.integer else "数字"
            problems.add(where, f"应为{kind}（不加引号），而不是 {_shown(value)}")
            return
        if value != value:  # nan
            problems.add(where, "不能是 nan")
            return
        low = self.minimum
        if low is not None and (value <= low if self.exclusive_min else value < low):
            sign = ">" if self.exclusive_min else "≥"
            extra = f"：{self.below_text}" if self.below_text else ""
            problems.add(where, f"应 {sign} {low:g}，而不是 {value:g}{extra}")
        if self.maximum is not None and value > self.maximum:
            problems.add(where, f"应 ≤ {self.maximum:g}，而不是 {value:g}")


class Bool(Node):
    description = "true 或 false"

    def check(self, value, where, problems, root):
        if not isinstance(value, bool):
            problems.add(where, f"应为 true 或 false（不加引号），而不是 {_shown(value)}")


class Date(Node):
    """A TOML date (2026-01-01) or a string yyyy-mm-dd; ``years`` the plausible range."""

    description = "日期 yyyy-mm-dd"

    def __init__(self, years: tuple[int, int] = (1949, 2100)):
        self.years = years

    def check(self, value, where, problems, root):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                problems.add(where, f"{_shown(value)} 不是 yyyy-mm-dd 格式的日期")
                return
        if not isinstance(value, dt.date):
            problems.add(where, f"应为日期 yyyy-mm-dd，而不是 {_shown(value)}")
            return
        if not self.years[0] <= value.year <= self.years[1]:
            problems.add(where, f"日期 {value} 不在 {self.years[0]}–{self.years[1]} 年之间")


class List(Node):
    """A list of ``item``; ``label(item, index)`` may name an item in messages ("规则 R02")."""

    def __init__(self, item: Node, nonempty: bool = False, unique: bool = False,
                 label: Callable[[Any, int], str | None] | None = None):
        self.item, self.nonempty, self.unique, self.label = item, nonempty, unique, label
        self.description = f"{item.description}的列表 [ … ]"

    def check(self, value, where, problems, root):
        if not isinstance(value, list):
            problems.add(where, f"应为列表 [ … ]，而不是 {_shown(value)}")
            return
        if self.nonempty and not value:
            problems.add(where, "不能是空列表")
        for i, item in enumerate(value):
            if not isinstance(self.item, Table):
                part = f"第 {i + 1} 个"
            else:
                name = self.label(item, i) if self.label is not None else None
                part = Label(name) if name else i
            self.item.check(item, where + (part,), problems, root)
        if self.unique:
            seen = set()
            for item in value:
                key = repr(item)
                if key in seen:
                    problems.add(where, f"{_shown(item)} 重复")
                seen.add(key)


class Either(Node):
    """Any of ``options`` (the problems of the first one are reported when none fits)."""

    def __init__(self, *options: Node, description: str = ""):
        self.options = options
        self.description = description or " 或 ".join(o.description for o in options)

    def check(self, value, where, problems, root):
        first = None
        for option in self.options:
            found = Problems()
            option.check(value, where, found, root)
            if not found:
                return
            first = first if first is not None else found
        if first and len(first) == 1 and all(not isinstance(o, Table) for o in self.options):
            problems.add(where, f"应为{self.description}，而不是 {_shown(value)}")
        else:
            problems.extend(first or [])


class Table(Node):
    """A TOML table. ``fields`` the known keys; ``required`` those that must be there; ``values`` the node
    of every other key (a table of names such as [departments]), else another key is an error (or, with
    ``unknown="ignore"``, allowed: a bureau's notes); ``checks`` functions ``(table, where, problems, root)``
    for what involves several keys."""

    description = "表"

    def __init__(self, fields: Mapping[str, Node] | None = None, required: Iterable[str] = (),
                 values: Node | None = None, key_pattern: str | None = None, key_text: str = "",
                 unknown: str = "error", checks: Iterable[Callable] = (), known: Iterable[str] = ()):
        self.fields = dict(fields or {})
        self.required = tuple(required)
        self.values = values
        self.key_pattern = re.compile(key_pattern) if key_pattern else None
        self.key_text = key_text
        self.unknown = unknown
        self.checks = tuple(checks)
        self.known = frozenset(known)  # keys accepted without a node of their own (checked elsewhere)

    def check(self, value, where, problems, root):
        if not isinstance(value, dict):
            problems.add(where, f"应为表，而不是 {_shown(value)}")
            return
        for key in self.required:
            if key not in value:
                problems.add(where + (key,), "缺失（必填项）")
        unknown = []
        for key, item in value.items():
            node = self.fields.get(key)
            if node is None and key not in self.known:
                if self.values is not None:
                    if self.key_pattern is not None and not self.key_pattern.fullmatch(str(key)):
                        problems.add(where + (key,), f"名称不对{('：' + self.key_text) if self.key_text else ''}")
                    node = self.values
                elif self.unknown == "error":
                    unknown.append(str(key))
                    continue
                else:
                    continue
            if node is not None:
                node.check(item, where + (key,), problems, root)
        if unknown:
            known = sorted(set(self.fields) | self.known)
            hint = f"（可用的键：{'、'.join(known)}）" if known else ""
            problems.add(where, f"未知的键 {'、'.join(unknown)}{hint}；是否拼写错误？", table=True)
        for fn in self.checks:
            fn(value, where, problems, root)


def check(data: Any, schema: Node) -> list[str]:
    """Every problem of ``data`` against ``schema`` (an empty list: valid)."""
    problems = Problems()
    schema.check(data, (), problems, data)
    return list(problems)


def read_toml(path: str | Path, what: str = "配置文件", error: type[Exception] | None = None) -> dict:
    """The parsed TOML file ``path``; a missing file, one not in UTF-8 (a UTF-8 byte-order mark is
    accepted: Windows Notepad writes one) or a syntax error raise ``error`` (default
    ConfigSchemaError) naming the file.  Other OSErrors (permissions) pass to the caller's error path."""
    path = Path(path)

    def fail(text: str):
        if error is None or issubclass(error, ConfigSchemaError):
            return (error or ConfigSchemaError)(path, [text], what)
        return error(f"{what} {path}：{text}")

    if not path.is_file():
        if error is not None and not issubclass(error, ConfigSchemaError):
            raise error(f"找不到{what} {path}（" + ("文件不存在）" if not path.exists() else "这不是文件）"))
        raise fail("文件不存在" if not path.exists() else "不是文件")
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            guess = "看来是以 GBK（ANSI）编码保存的"
        except UnicodeDecodeError:
            guess = "编码无法识别"
        raise fail(f"不是 UTF-8 编码（第 {line} 行起{guess}）：请用记事本打开，“另存为”时编码选 UTF-8 后再试") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"不是有效的 TOML 格式：{exc}（常见原因：文字未加引号、引号或括号不成对、"
                   "同一个键写了两次）") from None
