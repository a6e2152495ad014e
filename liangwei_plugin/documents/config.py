"""Document configuration (wording, authority, numbering, deadlines) from ``resources/documents.toml``.

A bureau edits a copy of that file; a user file is merged over the shipped defaults so it only
needs the keys it changes.  The merged configuration is checked when it is loaded (``validate``):
a template with an unknown {placeholder} or unbalanced braces, a deadline that is not a whole
number of days ≥ 0, or a missing required key is refused with a DocumentConfigError naming the file
and the key, instead of printing a wrong document.
"""
from __future__ import annotations

import copy
import datetime as _dt
import os
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config_schema import read_toml
from ..paths import resource

DEFAULT_CONFIG = resource("documents.toml")
ENV_CONFIG = "LIANGWEI_DOCUMENTS_CONFIG"


class DocumentConfigError(ValueError):
    """documents.toml (or a bureau's override file) is invalid; the message names the file and the key."""


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# Keys every configuration must have (read with config[...] by the document builders).
REQUIRED: dict[str, tuple[str, ...]] = {
    "authority": ("name",),
    "report": ("title", "intro", "determination", "rule", "basis", "handling", "handling_none", "area_note"),
    "notice": ("title", "addressee", "facts", "farmland_clause", "provisions", "order", "report", "rights"),
    "referral": ("title", "addressee", "intro", "facts", "overlay", "legal", "request", "attachments"),
}

# Every text of these sections is a template filled with the values of the section's document (its
# *_values() function, see _document_placeholders); a text without braces (a title, party_unknown) passes.
DOCUMENT_SECTIONS = ("report", "notice", "referral", "hearing", "stop_order")

# Templates filled with values of their own, not the document's (report.py ClassFigures, numbering.py).
OWN_PLACEHOLDERS: dict[tuple[str, str], frozenset[str]] = {
    ("report", "tail_note"): frozenset({"rows", "total_label", "diff_m2", "diff_mu", "total_m2", "total_mu"}),
    ("report", "coverage_note"): frozenset({"rows", "total_label", "sum_m2", "sum_mu", "total_m2", "diff_m2"}),
    ("deadlines", "period"): frozenset({"days"}),
    ("deadlines", "period_served"): frozenset({"days", "due_date", "served_date"}),
    ("deadlines", "due_clause"): frozenset({"due_date"}),
}
# [deadlines] templates filled with a notice's values (notice.notice_values)
NOTICE_TEMPLATES: tuple[tuple[str, str], ...] = (("deadlines", "served_note"),)
NUMBERING_PLACEHOLDERS = frozenset({"short", "year", "n"})

# [deadlines] entries and other day counts: whole numbers ≥ 0.
DAY_COUNTS: tuple[tuple[str, str], ...] = (("referral", "reply_days"),)


def _file_of(keys: tuple[str, ...], override: dict | None, override_path: str | None) -> str:
    """The file a key comes from: the override file when it sets the key, else the shipped defaults."""
    node = override
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return str(DEFAULT_CONFIG)
        node = node[k]
    return str(override_path)


def _dummy_document():
    """A DocumentInput with every optional clause present (farmland, other departments, an approval)."""
    from .model import DocumentInput

    attrs = {"XZQMC": "甲镇", "zldwmc": "甲镇乙村", "QSX": "2024-01-01", "HSX": "2024-06-01", "DSR": "张三",
             "area_m2": 1000.0, "farmland_m2": 100.0, "determination": "违法", "determination_code": "correctable",
             "consequence": "补办手续", "competent": "自然资源局", "competent_all": "自然资源局、林业局",
             "competent_key": "natural_resources", "departments": "自然资源局、林业局", "grounds": "甲；乙",
             "violation": 1, "PZWH": "批字1号", "PZMJ": 10.0}
    return DocumentInput("DUMMY", attrs, number="X", issue_date=_dt.date(2024, 7, 1))


def _document_placeholders(config: dict) -> dict[str, frozenset[str]]:
    """The placeholders of each document section: the keys of what its values function returns for a
    dummy document, so the allowed names can never drift from the code that fills the templates."""
    from .notice import notice_values
    from .referral import referral_values
    from .report import APPROVAL_AREA_FIELDS, APPROVAL_FIELDS, approval_values, report_values

    doc = _dummy_document()
    rcfg = dict(config.get("report", {}))
    doc.attrs[(list(rcfg.get("approval_fields") or APPROVAL_FIELDS) or ["PZWH"])[0]] = "批字1号"
    doc.attrs[(list(rcfg.get("approval_area_fields") or APPROVAL_AREA_FIELDS) or ["PZMJ"])[0]] = 10.0
    report = set(report_values(doc, config)) | {"rounding_clause"} | set(approval_values(doc, rcfg) or {})
    out = {"report": frozenset(report), "notice": frozenset(notice_values(doc, config)),
           "referral": frozenset(referral_values(doc, config))}
    if isinstance(config.get("hearing"), dict):
        try:
            from .hearing import hearing_values
        except ImportError:  # no 听证告知书 in this version: its section is not checked
            pass
        else:
            out["hearing"] = frozenset(hearing_values(doc, config))
    if isinstance(config.get("stop_order"), dict):
        from .stop import stop_values

        out["stop_order"] = frozenset(stop_values(doc, config))
    return out


def _templates(data: dict):
    """((section, key), text) of every text of the document sections, own-placeholder ones excluded."""
    for section in DOCUMENT_SECTIONS:
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            if isinstance(value, str) and (section, key) not in OWN_PLACEHOLDERS:
                yield (section, key), value


def _placeholders(template: str) -> list[str]:
    """The placeholder names of a template; ValueError for unbalanced braces."""
    names = []
    for _text, name, spec, _conv in string.Formatter().parse(template):
        if name is not None:
            names.append(name)
            if spec:
                names += _placeholders(spec)  # nested {…} in a format spec
    return names


def _numeric(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def validate(data: dict, override: dict | None = None, override_path: str | None = None) -> None:
    """Refuse an invalid configuration with a DocumentConfigError naming the file and the key of every
    problem, all at once (one problem: ``文书配置文件 <file>：[section] key …``)."""
    problems: list[tuple[str, str]] = []  # (file, "[section] key what")

    def fail(keys: tuple[str, ...], what: str) -> None:
        section, key = ".".join(keys[:-1]), keys[-1]
        where = f"[{section}] {key}" if section else key
        problems.append((_file_of(keys, override, override_path), f"{where} {what}"))

    for section, keys in REQUIRED.items():
        table = data.get(section)
        if not isinstance(table, dict):
            fail((section,), "缺失或不是表（[section]）")
            continue
        for key in keys:
            if key not in table:
                fail((section, key), "缺失（必填项）")
            elif not isinstance(table[key], str):
                fail((section, key), f"应为文字，而不是 {table[key]!r}")

    def check(keys: tuple[str, ...], template, allowed: frozenset[str] | None) -> bool:
        if not isinstance(template, str):
            fail(keys, f"应为文字，而不是 {template!r}")
            return False
        try:
            names = _placeholders(template)
        except ValueError:
            fail(keys, f"的花括号不成对（占位符应写作 {{名称}}，文字中的花括号写作 {{{{ 或 }}}}）：{template}")
            return False
        ok = True
        for name in names:
            base = name.split(".")[0].split("[")[0]
            if not base or base.isdigit():
                fail(keys, f"含无名称的占位符 {{{name}}}（占位符应写作 {{名称}}）")
                ok = False
            elif allowed is not None and base not in allowed:
                names_ok = "、".join("{" + a + "}" for a in sorted(allowed))
                fail(keys, f"含未知占位符 {{{name}}}；可用的占位符：{names_ok}")
                ok = False
        return ok

    # braces first: the values functions below fill some templates (also_referred, farmland_clause ...)
    braces_ok = {keys: check(keys, template, None) for keys, template in _templates(data)}
    for (section, key), allowed in OWN_PLACEHOLDERS.items():
        if key in (data.get(section) if isinstance(data.get(section), dict) else {}):
            check((section, key), data[section][key], allowed)
    numbering = data.get("numbering") or {}
    for kind, table in (numbering.items() if isinstance(numbering, dict) else ()):
        if isinstance(table, dict) and "pattern" in table:
            check(("numbering", kind, "pattern"), table["pattern"], NUMBERING_PLACEHOLDERS)

    deadlines = data.get("deadlines", {})
    if not isinstance(deadlines, dict):
        fail(("deadlines",), "应为表（[deadlines]）")
        deadlines = {}
    day_counts = [(("deadlines", k), v) for k, v in deadlines.items()]
    day_counts += [((s, k), data[s][k]) for s, k in DAY_COUNTS if isinstance(data.get(s), dict) and k in data[s]]
    for keys, value in day_counts:
        if isinstance(value, (list, dict)) or (isinstance(value, str) and not _numeric(value)):
            continue  # not a number of days ([deadlines] period, service_date_fields)
        if isinstance(value, bool) or not isinstance(value, int):
            fail(keys, f"应为整数天数（≥ 0，不加引号），而不是 {value!r}")
        elif value < 0:
            fail(keys, f"不能为负数（{value}）：期限会早于落款日期")

    try:  # the values functions need the keys checked above; a broken structure is reported already
        allowed = _document_placeholders(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        if not problems:
            raise
        allowed = {}
    for keys, template in _templates(data):
        if keys[0] in allowed and braces_ok.get(keys, True):
            check(keys, template, allowed[keys[0]])
    for section, key in NOTICE_TEMPLATES:
        table = data.get(section)
        if isinstance(table, dict) and key in table:
            check((section, key), table[key], allowed.get("notice"))

    if len(problems) == 1:
        file, text = problems[0]
        raise DocumentConfigError(f"文书配置文件 {file}：{text}")
    if problems:
        lines = "\n".join(f"  {i}. {file}：{text}" for i, (file, text) in enumerate(problems, start=1))
        raise DocumentConfigError(f"文书配置文件有 {len(problems)} 处错误：\n{lines}")


def _read_override(p: Path, seen: tuple[str, ...] = ()) -> dict:
    """A bureau's file; ``extends = "other.toml"`` (relative to it) is read first and this file merged over
    it (the settings dialog writes such a file: the issuing authority over the bureau's configuration)."""
    if not p.is_file():
        raise FileNotFoundError(f"文书配置文件不存在：{p}")
    data = read_toml(p, "文书配置文件", error=DocumentConfigError)
    base = data.pop("extends", None)
    if base:
        if not isinstance(base, str):
            raise DocumentConfigError(f"文书配置文件 {p}：extends 应为文件路径（字符串）")
        base_path = Path(os.path.expandvars(base)).expanduser()
        base_path = base_path if base_path.is_absolute() else p.parent / base_path
        if str(base_path.resolve()) in seen:
            raise DocumentConfigError(f"文书配置文件 {p}：extends 循环引用 {base_path}")
        data = _merge(_read_override(base_path, seen + (str(p.resolve()),)), data)
    return data


def _load(path: str | None) -> dict:
    # keyed by the file's modification time too: the settings dialog rewrites its file in place
    stamp = os.stat(path).st_mtime_ns if path and os.path.isfile(path) else 0
    return _load_cached(path, stamp)


_load.cache_clear = lambda: _load_cached.cache_clear()  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def _load_cached(path: str | None, _stamp: int) -> dict:
    data = read_toml(DEFAULT_CONFIG, "文书配置文件", error=DocumentConfigError)
    override = None
    if path:
        override = _read_override(Path(path))
        data = _merge(data, override)
    validate(data, override, path)
    return data


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The document configuration: shipped defaults, overridden by ``path`` (or $LIANGWEI_DOCUMENTS_CONFIG)."""
    path = path or os.environ.get(ENV_CONFIG) or None
    return copy.deepcopy(_load(str(path) if path else None))
