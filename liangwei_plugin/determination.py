"""Planning determination (规划认定) from overlay results and an editable rule table.

Per monitoring patch, the overlay (``liangwei:overlaycheck``) gives areas: of the patch, of 耕地,
of construction / agricultural / unused land (三调 grouping) and one ``<layer>_m2`` per protected
layer.  ``resources/determination_rules.toml`` turns these into a determination (尚可采取改正措施 /
无法采取改正措施 / 不属于违法用地违法建设), the land-side consequence, the legal basis and the responsible
departments (seed 001 routing).  The file's header documents the format; this module only reads,
validates and applies it, so a bureau changes thresholds and wording without touching code.

The evaluation is vectorised over a pandas DataFrame (one row per patch): every condition becomes a
boolean column and the first matching rule is picked with ``numpy.select``; ``determine`` on one
record runs the very same code on a one-row frame.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config_schema import Either, Label, List, Node, Number, Table, Text, check, problems_text, read_toml, where_text
from .feedback import Feedback, ensure_feedback
from .fieldmap import resolve_field
from .i18n import tr
from .log import logger
from .paths import resource
from .toml_compat import tomllib

DEFAULT_RULES = resource("determination_rules.toml")

CODES = ("correctable", "uncorrectable", "not_violation")
CONSEQUENCES = ("限期拆除并恢复原状", "没收", "补办手续", "")

# Overlay summary fields (brief: "Overlay output") the rules read; the patch id identifies rows.
AREA_FIELDS = ("area_m2", "farmland_m2", "construction_m2", "agricultural_m2", "unused_m2")
REQUIRED_OVERLAY_FIELDS = ("patch_id",) + AREA_FIELDS
# Fields ending in _m2 that are not protected-layer areas (the overlay's land-use checks among them).
NON_LAYER_M2 = set(AREA_FIELDS) | {"landuse_unknown_m2", "landuse_gap_m2"}

# A patch without measurable area (area_m2 0, empty or not a number) is never determined: no rule can
# judge a patch of no land; it gets this code, no violation value (NULL) and a warning naming it.
UNDETERMINED = "undetermined"

# How a rule / route treats a condition on an attribute the layer does not have (key ``if_absent``):
# "error" (default: stop and name the field), "false" (the condition fails), "true" (it holds),
# "empty" (the field is read as empty text, as if every value were blank).
IF_ABSENT = ("error", "false", "true", "empty")

# Output contract ("Determination output"), in this order.
OUTPUT_FIELDS = (
    "violation",
    "determination_code",
    "determination",
    "consequence",
    "rule_id",
    "rule_name",
    "legal_basis",
    "department",
    "departments",
    # legal basis of the documents (issue 10): added after the original contract, which stays as it was
    "party_kind",     # unit | individual | villager (当事人类别), from DSR and TBLX
    "violated",       # provisions violated (违反了…的规定), of every violation rule that holds
    "penalty_basis",  # provisions the order rests on (依据…的规定，责令…)
    "competent",      # name of the department competent to order (issues the notice)
    "competent_key",  # its key in [departments]
    "competent_all",  # names of all departments whose rules hold, competent first
    "rules_all",      # ids of every violation rule that holds, deciding rule first
    "grounds",        # facts of those rules ("位于永久基本农田内1,234.56平方米；…")
    "stop_basis",     # provisions the 责令停止违法行为通知书 rests on (依据…的规定，责令…立即停止)
)
PARTY_KINDS = ("unit", "individual", "villager")
PARTY_LABELS = {"unit": "单位", "individual": "个人", "villager": "农村村民"}

_RULE_KEYS = {"id", "name", "when", "when_any", "code", "violation", "determination", "consequence",
              "legal_basis", "lead", "violated", "penalty", "competent", "fact", "if_absent", "stop"}
_ROUTE_KEYS = {"department", "when", "when_any", "if_absent"}
_TOP_KEYS = {"version", "thresholds", "wording", "kinds", "attributes", "departments", "routing", "route", "rule",
             "farmland_ratio", "party"}
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = r"[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*"
_COND_WORD = re.compile(rf"^\s*({_NAME})\s+(not\s+contains|not\s+in|contains|in)\s+(.+?)\s*$")
_COND_CMP = re.compile(rf"^\s*({_NAME})\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")
_DUP_SUFFIX = re.compile(r"_\d+$")


class RuleFileError(ValueError):
    """The rule file is malformed; the message names the file, rule and key at fault."""


class AbsentFieldError(ValueError):
    """A rule's condition reads an attribute the layer lacks and the rule does not say how to treat that."""


@dataclass(frozen=True)
class Condition:
    var: str
    op: str  # ">=", ">", "<=", "<", "==", "!=", "in", "not in", "contains", "not contains"
    value: Any  # float, str or tuple of str
    text: str  # as written, for messages


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    patterns: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def matches(self, layer_name: str) -> bool:
        return any(p in layer_name for p in self.patterns) and not any(e in layer_name for e in self.exclude)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    when: tuple[Condition, ...]
    when_any: tuple[Condition, ...]
    code: str
    violation: int
    determination: str
    consequence: str
    legal_basis: str
    lead: str | None = None
    # per party kind (keys of PARTY_KINDS): provisions violated, provisions of the order, competent department
    violated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    penalty: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    competent: Mapping[str, str] = field(default_factory=dict)
    fact: str = ""
    if_absent: str = "error"  # see IF_ABSENT
    # provisions the order to stop (责令停止违法行为) rests on; a kind not given uses the penalty provisions
    stop: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def violated_for(self, party_kind: str) -> tuple[str, ...]:
        return tuple(self.violated.get(party_kind, self.violated.get("default", ())))

    def penalty_for(self, party_kind: str) -> tuple[str, ...]:
        return tuple(self.penalty.get(party_kind, self.penalty.get("default", ())))

    def competent_for(self, party_kind: str) -> str | None:
        return self.competent.get(party_kind, self.competent.get("default"))

    def stop_for(self, party_kind: str) -> tuple[str, ...]:
        """Provisions of the order to stop: the rule's ``stop`` for the kind, else its penalty provisions
        (城乡规划法 第六十四条 itself says 责令停止建设; 土地管理法 第七十七条 does not)."""
        stop = self.stop.get(party_kind, self.stop.get("default"))
        return tuple(stop) if stop else self.penalty_for(party_kind)


@dataclass(frozen=True)
class Route:
    department: str  # key into RuleSet.departments
    when: tuple[Condition, ...]
    when_any: tuple[Condition, ...]
    if_absent: str = "error"  # see IF_ABSENT


@dataclass
class RuleSet:
    path: str
    thresholds: dict[str, float]
    wording: dict[str, str]
    kinds: list[Kind]
    departments: dict[str, str]
    default_department: str
    routes: list[Route]
    rules: list[Rule]
    farmland_ratio_threshold_pct: float = 15.0
    attribute_aliases: dict[str, list[str]] = field(default_factory=dict)
    villager_tblx: tuple[str, ...] = ()
    unit_patterns: tuple[str, ...] = ()

    def party_kind(self, party: str, tblx: str) -> str:
        """unit | individual | villager: a rural-housing TBLX makes a villager, a unit-like name a unit."""
        if any(p in (tblx or "") for p in self.villager_tblx):
            return "villager"
        if any(p in (party or "") for p in self.unit_patterns):
            return "unit"
        return "individual"

    def kind_of_layer(self, layer_name: str) -> Kind | None:
        """The kind of a protected layer by its name (first matching kind), or None."""
        for kind in self.kinds:
            if kind.matches(layer_name):
                return kind
        return None

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


@dataclass(frozen=True)
class Determination:
    """The determination of one patch; ``as_dict`` gives the output-contract fields."""

    violation: int | None  # None: not determined (no measurable area, UNDETERMINED)
    determination_code: str
    determination: str
    consequence: str
    rule_id: str
    rule_name: str
    legal_basis: str
    department: str
    departments: str
    party_kind: str = ""
    violated: str = ""
    penalty_basis: str = ""
    competent: str = ""
    competent_key: str = ""
    competent_all: str = ""
    rules_all: str = ""
    grounds: str = ""
    stop_basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in OUTPUT_FIELDS}


# ---------------------------------------------------------------------------------------------
# loading and validation


def _fail(path: str, where: str, message: str) -> RuleFileError:
    return RuleFileError(tr("规则文件 {path}：{where}：{message}").format(path=path, where=where, message=message))


def _numeric_vars(kinds: Iterable[str]) -> set[str]:
    names = set(AREA_FIELDS)
    names |= {f"{a[:-3]}_share" for a in AREA_FIELDS if a != "area_m2"}
    for k in kinds:
        names |= {f"{k}_m2", f"{k}_share"}
    return names


def _parse_value(text: str, thresholds: Mapping[str, float], path: str, where: str) -> Any:
    text = text.strip()
    if text.startswith("$"):
        name = text[1:]
        if name not in thresholds:
            raise _fail(path, where, tr("未定义的阈值 ${name}（请在 [thresholds] 中定义）").format(name=name))
        return float(thresholds[name])
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        raise _fail(path, where,
                    tr("无法识别的取值 {text}（数字、\"文字\"、[\"列表\"] 或 $阈值名）").format(text=text)) from None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _fail(path, where, tr("取值 {text} 只能是数字、文字或文字列表").format(text=text))


def _parse_condition(text: Any, ctx: dict, path: str, where: str, allow_violation: bool) -> Condition:
    if not isinstance(text, str):
        raise _fail(path, where, tr("条件必须是文字，如 \"farmland_m2 >= $occupy_min_m2\""))
    m = _COND_WORD.match(text) or _COND_CMP.match(text)
    if not m:
        raise _fail(path, where, tr("无法解析条件 \"{text}\"（格式：变量 运算符 取值）").format(text=text))
    var, op, raw = m.group(1), re.sub(r"\s+", " ", m.group(2)), m.group(3)
    value = _parse_value(raw, ctx["thresholds"], path, f"{where} \"{text}\"")
    numeric = ctx["numeric"]
    if var == "violation":
        if not allow_violation:
            raise _fail(path, where, tr("变量 violation 只能用于 [[route]] 的条件"))
        numeric = numeric | {"violation"}
    elif var not in numeric and re.fullmatch(r"[a-z][a-z0-9_]*_(m2|share)", var):
        raise _fail(path, where, tr("未知变量 {var}（不是叠加字段，也没有名为 {kind} 的类别；可用：{known}）").format(
            var=var, kind=re.sub(r"_(m2|share)$", "", var), known="、".join(sorted(ctx["numeric"]))))
    if op in ("in", "not in") and not isinstance(value, tuple):
        raise _fail(path, where, tr("运算符 {op} 需要列表取值，如 [\"a\", \"b\"]").format(op=op))
    if op in ("contains", "not contains") and not isinstance(value, (str, tuple)):
        raise _fail(path, where, tr("运算符 {op} 需要文字或文字列表").format(op=op))
    if op in (">=", ">", "<=", "<") and not isinstance(value, float):
        raise _fail(path, where, tr("运算符 {op} 需要数字取值").format(op=op))
    if var in numeric and not isinstance(value, float):
        raise _fail(path, where, tr("{var} 是面积或比例，只能与数字比较").format(var=var))
    return Condition(var, op, value, text)


def _conditions(spec: dict, key: str, ctx: dict, path: str, where: str, allow_violation: bool) -> tuple[Condition, ...]:
    items = spec.get(key, [])
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        raise _fail(path, f"{where} {key}", tr("必须是条件列表"))
    return tuple(_parse_condition(t, ctx, path, f"{where} {key}[{i + 1}]", allow_violation)
                 for i, t in enumerate(items))


def _if_absent(spec: Mapping[str, Any], path: str, where: str) -> str:
    value = spec.get("if_absent", "error")
    if value not in IF_ABSENT:
        raise _fail(path, f"{where} if_absent", tr("必须是 {values} 之一，实为 {value!r}").format(
            values="、".join(f"\"{v}\"" for v in IF_ABSENT), value=value))
    return value


def parse_rules(data: Mapping[str, Any], path: str = "<rules>") -> RuleSet:
    """Validate a parsed rule table and build a :class:`RuleSet` (errors name the rule and key)."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(path, tr("顶层"), tr("未知的键 {keys}").format(keys="、".join(sorted(unknown))))

    thresholds = data.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise _fail(path, "[thresholds]", tr("必须是表"))
    for name, value in thresholds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, f"[thresholds] {name}", tr("必须是数字，实为 {value!r}").format(value=value))

    wording = {code: "" for code in CODES}
    for code, text in data.get("wording", {}).items():
        if code not in CODES:
            raise _fail(path, f"[wording] {code}", tr("未知的认定类别（可用：{codes}）").format(codes="、".join(CODES)))
        if not isinstance(text, str) or not text.strip():
            raise _fail(path, f"[wording] {code}", tr("必须是非空文字"))
        wording[code] = text
    missing_wording = [c for c, t in wording.items() if not t]
    if missing_wording:
        raise _fail(path, "[wording]", tr("缺少认定用语：{codes}").format(codes="、".join(missing_wording)))

    kinds: list[Kind] = []
    for key, spec in data.get("kinds", {}).items():
        where = f"[kinds.{key}]"
        if not _IDENT.match(key):
            raise _fail(path, where, tr("类别名只能用小写英文字母、数字和下划线"))
        if f"{key}_m2" in NON_LAYER_M2 or key in ("area",):
            raise _fail(path, where, tr("类别名 {key} 与叠加字段 {key}_m2 冲突").format(key=key))
        if not isinstance(spec, dict):
            raise _fail(path, where, tr("必须是表（label、patterns、exclude）"))
        extra = set(spec) - {"label", "patterns", "exclude"}
        if extra:
            raise _fail(path, where, tr("未知的键 {keys}").format(keys="、".join(sorted(extra))))
        patterns = spec.get("patterns")
        if not patterns or not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise _fail(path, f"{where} patterns", tr("必须是非空的图层名称关键字列表"))
        exclude = spec.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(p, str) and p for p in exclude):
            raise _fail(path, f"{where} exclude", tr("必须是图层名称关键字列表"))
        kinds.append(Kind(key, str(spec.get("label", key)), tuple(patterns), tuple(exclude)))

    aliases = data.get("attributes", {})
    if not isinstance(aliases, dict):
        raise _fail(path, "[attributes]", tr("必须是表：字段名 = [\"别名\", …]"))
    for name, names in aliases.items():
        if not isinstance(names, list) or not all(isinstance(a, str) and a for a in names):
            raise _fail(path, f"[attributes] {name}", tr("必须是字段别名列表"))

    departments = data.get("departments", {})
    if not departments or not isinstance(departments, dict):
        raise _fail(path, "[departments]", tr("至少需要一个部门"))
    for key, name in departments.items():
        if not isinstance(name, str) or not name.strip():
            raise _fail(path, f"[departments] {key}", tr("部门名称必须是非空文字"))
        if "、" in name:  # departments are joined by "、" in the output and split on it by documents
            raise _fail(path, f"[departments] {key}", tr("部门名称不能含“、”"))
    default_department = data.get("routing", {}).get("default")
    if default_department not in departments:
        raise _fail(path, "[routing] default", tr("必须是 [departments] 中的部门键（{keys}），实为 {value!r}").format(
            keys="、".join(departments), value=default_department))

    ctx = {"thresholds": thresholds, "numeric": _numeric_vars(k.key for k in kinds)}

    routes: list[Route] = []
    for i, spec in enumerate(data.get("route", [])):
        where = tr("第 {n} 条 [[route]]").format(n=i + 1)
        extra = set(spec) - _ROUTE_KEYS
        if extra:
            raise _fail(path, where, tr("未知的键 {keys}").format(keys="、".join(sorted(extra))))
        if spec.get("department") not in departments:
            raise _fail(path, f"{where} department",
                        tr("必须是 [departments] 中的部门键（{keys}），实为 {value!r}").format(
                            keys="、".join(departments), value=spec.get("department")))
        when = _conditions(spec, "when", ctx, path, where, True)
        when_any = _conditions(spec, "when_any", ctx, path, where, True)
        if not when and not when_any:
            raise _fail(path, where, tr("没有条件（默认部门请写在 [routing] default）"))
        routes.append(Route(spec["department"], when, when_any, _if_absent(spec, path, where)))

    raw_rules = data.get("rule", [])
    if not raw_rules:
        raise _fail(path, "[[rule]]", tr("至少需要一条规则，最后一条为无条件的默认规则"))
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, spec in enumerate(raw_rules):
        rid = spec.get("id")
        where = tr("规则 {id}").format(id=rid) if isinstance(rid, str) and rid else tr("第 {n} 条规则").format(n=i + 1)
        if not isinstance(rid, str) or not rid.strip():
            raise _fail(path, where, tr("缺少 id"))
        if rid in seen:
            raise _fail(path, where, tr("id 重复"))
        seen.add(rid)
        extra = set(spec) - _RULE_KEYS
        if extra:
            raise _fail(path, where, tr("未知的键 {keys}（可用：{known}）").format(
                keys="、".join(sorted(extra)), known="、".join(sorted(_RULE_KEYS))))
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(path, f"{where} name", tr("缺少规则名称"))
        code = spec.get("code")
        if code not in CODES:
            raise _fail(path, f"{where} code",
                        tr("必须是 {codes} 之一，实为 {value!r}").format(codes="、".join(CODES), value=code))
        expected_violation = 0 if code == "not_violation" else 1
        violation = spec.get("violation", expected_violation)
        if isinstance(violation, bool):
            violation = int(violation)
        if violation not in (0, 1):
            raise _fail(path, f"{where} violation", tr("必须是 1 或 0"))
        if violation != expected_violation:
            raise _fail(path, f"{where} violation",
                        tr("violation = {v} 与 code = \"{code}\" 矛盾").format(v=violation, code=code))
        consequence = spec.get("consequence", "")
        if consequence not in CONSEQUENCES:
            raise _fail(path, f"{where} consequence", tr("必须是 {values} 之一，实为 {value!r}").format(
                values="、".join(f"\"{c}\"" for c in CONSEQUENCES), value=consequence))
        if code == "not_violation" and consequence:
            raise _fail(path, f"{where} consequence", tr("不属于违法的认定不能有处理后果"))
        legal_basis = spec.get("legal_basis", "")
        if not isinstance(legal_basis, str):
            raise _fail(path, f"{where} legal_basis", tr("必须是文字"))
        if code != "not_violation" and not legal_basis.strip():
            raise _fail(path, f"{where} legal_basis", tr("违法认定必须写明法律依据"))
        determination = spec.get("determination", wording[code])
        if not isinstance(determination, str) or not determination.strip():
            raise _fail(path, f"{where} determination", tr("必须是非空文字"))
        lead = spec.get("lead")
        if lead is not None and lead not in departments:
            raise _fail(path, f"{where} lead", tr("必须是 [departments] 中的部门键（{keys}），实为 {value!r}").format(
                keys="、".join(departments), value=lead))
        when = _conditions(spec, "when", ctx, path, where, False)
        when_any = _conditions(spec, "when_any", ctx, path, where, False)
        violated = _provisions(spec, "violated", path, where, code)
        penalty = _provisions(spec, "penalty", path, where, code)
        stop = _provisions(spec, "stop", path, where, "not_violation")  # optional: penalty provisions otherwise
        competent = spec.get("competent", {})
        if isinstance(competent, str):
            competent = {"default": competent}
        if not isinstance(competent, dict) or any(k not in PARTY_KINDS + ("default",) for k in competent):
            raise _fail(path, f"{where} competent", tr("必须是部门键，或 {{ default = \"部门键\", villager = … }}"))
        for key in competent.values():
            if key not in departments:
                raise _fail(path, f"{where} competent", tr("必须是 [departments] 中的部门键（{keys}），实为 {value!r}")
                            .format(keys="、".join(departments), value=key))
        if code != "not_violation" and "default" not in competent:
            raise _fail(path, f"{where} competent", tr("违法认定必须写明有权责令改正的部门（default）"))
        fact = spec.get("fact", "")
        if not isinstance(fact, str):
            raise _fail(path, f"{where} fact", tr("必须是文字"))
        for placeholder in re.findall(r"{(\w+)}", fact):
            if placeholder not in ctx["numeric"] or not placeholder.endswith("_m2"):
                raise _fail(path, f"{where} fact", tr("未知的面积占位符 {{{name}}}").format(name=placeholder))
        rules.append(Rule(rid, name, when, when_any, code, violation, determination, consequence, legal_basis, lead,
                          violated, penalty, dict(competent), fact, if_absent=_if_absent(spec, path, where),
                          stop=stop))

    for rule in rules[:-1]:
        if not rule.when and not rule.when_any:
            raise _fail(path, tr("规则 {id}").format(id=rule.id),
                        tr("没有条件，排在它后面的规则永远不会生效；无条件的默认规则必须放在最后"))
    last = rules[-1]
    if last.when or last.when_any:
        raise _fail(path, tr("规则 {id}").format(id=last.id),
                    tr("最后一条规则必须是无条件的默认规则（删去 when / when_any）"))

    ratio = data.get("farmland_ratio", {})
    threshold_pct = ratio.get("threshold_pct", 15.0)
    if isinstance(threshold_pct, bool) or not isinstance(threshold_pct, (int, float)) or not 0 < threshold_pct <= 100:
        raise _fail(path, "[farmland_ratio] threshold_pct", tr("必须是 0–100 之间的百分数"))

    party = data.get("party", {})
    lists = {}
    for key in ("villager_tblx", "unit_patterns"):
        value = party.get(key, []) if isinstance(party, dict) else None
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _fail(path, f"[party] {key}", tr("必须是关键字列表"))
        lists[key] = tuple(value)

    return RuleSet(path, {k: float(v) for k, v in thresholds.items()}, wording, kinds, dict(departments),
                   default_department, routes, rules, float(threshold_pct),
                   {k: list(v) for k, v in aliases.items()}, lists["villager_tblx"], lists["unit_patterns"])


def _provisions(spec: dict, key: str, path: str, where: str, code: str) -> dict[str, tuple[str, ...]]:
    value = spec.get(key, {})
    if isinstance(value, list):
        value = {"default": value}
    if not isinstance(value, dict):
        raise _fail(path, f"{where} {key}", tr("必须是 {{ default = [\"《法律》第N条\"], villager = […] }}"))
    out: dict[str, tuple[str, ...]] = {}
    for kind, items in value.items():
        if kind not in PARTY_KINDS + ("default",):
            raise _fail(path, f"{where} {key}", tr("未知的当事人类别 {kind}（可用：default、{kinds}）").format(
                kind=kind, kinds="、".join(PARTY_KINDS)))
        if not isinstance(items, list) or not all(isinstance(i, str) and _PROVISION.match(i) for i in items):
            raise _fail(path, f"{where} {key}.{kind}", tr("必须是条文列表，每条形如 \"《法律全称》第N条\""))
        out[kind] = tuple(items)
    if code != "not_violation" and not out.get("default"):
        raise _fail(path, f"{where} {key}", tr("违法认定必须写明条文（default）"))
    return out


_PROVISION = re.compile(r"^(《[^》]+》)(第[^《》]+条.*)$")


def compose_provisions(provisions: Iterable[str]) -> str:
    """``《A》第一条``, ``《A》第二条``, ``《B》第三条`` -> ``《A》第一条、第二条，《B》第三条`` (duplicates once)."""
    laws: dict[str, list[str]] = {}
    for item in provisions:
        m = _PROVISION.match(item)
        law, article = (m.group(1), m.group(2)) if m else (item, "")
        articles = laws.setdefault(law, [])
        if article not in articles:
            articles.append(article)
    return "，".join(law + "、".join(sorted((a for a in arts if a), key=_article_number)) for law, arts in laws.items())


_DIGITS_CN = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _article_number(article: str) -> int:
    """第六十二条 -> 62 (sort key of articles within one law; unknown forms sort last)."""
    m = re.match(r"第([零一二三四五六七八九十百]+)条", article)
    if not m:
        return 10**6
    total, current = 0, 0
    for ch in m.group(1):
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS_CN[ch]
    return total + current


def area_text(value: float) -> str:
    """1234.555 -> ``1,234.56`` (half-up, thousands separated) for the facts."""
    from decimal import ROUND_HALF_UP, Decimal

    return f"{Decimal(repr(float(value))).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def _rule_context(root) -> dict:
    """The thresholds and numeric variables the conditions of ``root`` (a parsed rule file) may use."""
    root = root if isinstance(root, dict) else {}
    th = root.get("thresholds") if isinstance(root.get("thresholds"), dict) else {}
    kinds = root.get("kinds") if isinstance(root.get("kinds"), dict) else {}
    return {"thresholds": {k: v for k, v in th.items() if isinstance(v, (int, float)) and not isinstance(v, bool)},
            "numeric": _numeric_vars(kinds)}


def _rule_message(exc: RuleFileError) -> str:
    return str(exc).split("：", 2)[-1]  # without "规则文件 <path>：<where>：" (the schema names the key)


class _ConditionNode(Node):
    """A condition string, checked by the parser the determination uses (so the schema never drifts)."""

    description = "条件"

    def __init__(self, allow_violation: bool):
        self.allow_violation = allow_violation

    def check(self, value, where, problems, root):
        try:
            _parse_condition(value, _rule_context(root), "", where_text(where), self.allow_violation)
        except RuleFileError as exc:
            message = _rule_message(exc)
            problems.add(where, message if str(value) in message else f"条件 \"{value}\"：{message}")
        except (TypeError, KeyError, ValueError):  # a parser of another shape: parse_rules reports it
            pass


class _DepartmentNode(Node):
    """A key of [departments]."""

    description = "部门键"

    def check(self, value, where, problems, root):
        departments = root.get("departments") if isinstance(root, dict) else None
        keys = list(departments) if isinstance(departments, dict) else []
        if not isinstance(value, str) or value not in keys:
            problems.add(where, tr("必须是 [departments] 中的部门键（{keys}），实为 {value!r}").format(
                keys="、".join(keys), value=value))


def _unique_rule_ids(data, where, problems, root) -> None:
    seen: set[str] = set()
    for i, spec in enumerate(data.get("rule") or [] if isinstance(data.get("rule"), list) else []):
        rid = spec.get("id") if isinstance(spec, dict) else None
        if isinstance(rid, str) and rid in seen:
            problems.add(("rule", Label(_rule_label(spec, i)), "id"), tr("id 重复"))
        seen.add(rid)


def _rule_label(spec, index: int) -> str:
    rid = spec.get("id") if isinstance(spec, dict) else None
    if isinstance(rid, str) and rid.strip():
        return tr("规则 {id}").format(id=rid)
    return tr("第 {n} 条规则").format(n=index + 1)


def _area_placeholders(root) -> set[str]:
    return {n for n in _rule_context(root)["numeric"] if n.endswith("_m2")}


def rules_schema() -> Table:
    """The schema of a rule file (liangwei_plugin.config_schema); keys the parser knows (``_RULE_KEYS``,
    ``_TOP_KEYS``) are accepted even when the schema gives them no node of their own."""
    texts = List(Text(nonempty=True))
    provisions = Either(Table({k: texts for k in ("default",) + PARTY_KINDS}), texts,
                        description="{ default = [\"《法律》第N条\"], villager = […] }")
    department = _DepartmentNode()
    rule = Table({
        "id": Text(nonempty=True), "name": Text(nonempty=True),
        "when": List(_ConditionNode(False)), "when_any": List(_ConditionNode(False)),
        "code": Text(choices=CODES), "violation": Number(integer=True, minimum=0, maximum=1),
        "determination": Text(nonempty=True), "consequence": Text(choices=CONSEQUENCES),
        "legal_basis": Text(), "lead": department, "violated": provisions, "penalty": provisions,
        "competent": Either(department, Table({k: department for k in ("default",) + PARTY_KINDS}),
                            description="部门键，或 { default = \"部门键\", villager = … }"),
        "fact": Text(placeholders=_area_placeholders),
    }, required=("id", "name", "code"), known=_RULE_KEYS)
    return Table({
        "version": Number(integer=True, minimum=1),
        "thresholds": Table(values=Number(minimum=0)),
        "wording": Table({c: Text(nonempty=True) for c in CODES}),
        "kinds": Table(values=Table({"label": Text(nonempty=True), "patterns": List(Text(nonempty=True), nonempty=True),
                                     "exclude": List(Text(nonempty=True))}, required=("patterns",)),
                       key_pattern=r"[a-z][a-z0-9_]*", key_text=tr("类别名只能用小写英文字母、数字和下划线")),
        "attributes": Table(values=texts),
        "departments": Table(values=Text(nonempty=True, pattern=r"[^、]+", pattern_text=tr("部门名称不能含“、”"))),
        "routing": Table({"default": department}, required=("default",)),
        "route": List(Table({"department": department, "when": List(_ConditionNode(True)),
                             "when_any": List(_ConditionNode(True))}, required=("department",), known=_ROUTE_KEYS)),
        "rule": List(rule, nonempty=True, label=_rule_label),
        "farmland_ratio": Table({"threshold_pct": Number(minimum=0, maximum=100, exclusive_min=True)}),
        "party": Table({"villager_tblx": texts, "unit_patterns": texts}),
    }, known=_TOP_KEYS, checks=(_unique_rule_ids,))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a rule file (default: the shipped ``resources/determination_rules.toml``): every
    problem the schema finds is reported at once (each naming the rule and key), then the parser's."""
    path = Path(path) if path else DEFAULT_RULES
    data = read_toml(path, tr("规则文件"), error=RuleFileError)
    problems = check(data, rules_schema())
    try:
        rules = parse_rules(data, str(path))
    except RuleFileError as exc:
        parts = str(exc).split("：", 2)
        where = parts[1] if len(parts) == 3 else ""
        if not any(p.startswith(where) for p in problems):  # (the schema named this key already)
            problems.append(str(exc).split("：", 1)[-1])
        rules = None
    if problems:
        raise RuleFileError(problems_text(path, problems, tr("规则文件")))
    return rules


# ---------------------------------------------------------------------------------------------
# evaluation


def layer_name_of_field(field_name: str) -> str | None:
    """The protected layer behind an overlay area field (``生态保护红线_m2`` -> ``生态保护红线``), or None."""
    if not field_name.lower().endswith("_m2") or field_name.lower() in NON_LAYER_M2:
        return None
    return field_name[:-3]


def kind_fields(columns: Iterable[str], rules: RuleSet) -> tuple[dict[str, list[str]], list[str]]:
    """Protected-layer area fields grouped by kind, and the layer fields no kind recognises."""
    by_kind: dict[str, list[str]] = {k.key: [] for k in rules.kinds}
    unknown: list[str] = []
    for col in columns:
        layer = layer_name_of_field(str(col))
        if layer is None:
            continue
        kind = rules.kind_of_layer(layer) or rules.kind_of_layer(_DUP_SUFFIX.sub("", layer))
        if kind is None:
            unknown.append(str(col))
        else:
            by_kind[kind.key].append(str(col))
    return by_kind, unknown


def missing_overlay_fields(columns: Iterable[str]) -> list[str]:
    """Overlay summary fields absent from ``columns`` (case-insensitive)."""
    have = {str(c).lower() for c in columns}
    return [f for f in REQUIRED_OVERLAY_FIELDS if f not in have]


def _numeric(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").fillna(0.0).to_numpy(dtype=float)


def _text(series: pd.Series) -> np.ndarray:
    def clean(v):
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()

    return series.map(clean).to_numpy(dtype=object)


class _Variables:
    """Lazily computed columns the conditions refer to."""

    def __init__(self, df: pd.DataFrame, rules: RuleSet, feedback: Feedback):
        self.df = df
        self.n = len(df)
        self.rules = rules
        self.feedback = feedback
        self.cache: dict[str, np.ndarray] = {}
        self.lower = {str(c).lower(): c for c in df.columns}
        self.warned: set[str] = set()
        by_kind, unknown = kind_fields(df.columns, rules)
        self.by_kind = by_kind
        self.unknown_layers = unknown
        area = self.number("area_m2")
        self.area = area
        for kind, cols in by_kind.items():
            total = np.zeros(self.n)
            for col in cols:
                total += _numeric(df[col])
            # Layers of one kind may overlap (a forest park inside a nature reserve): never more than the patch.
            total = np.where(area > 0, np.minimum(total, area), total)
            self.cache[f"{kind}_m2"] = total

    def number(self, name: str) -> np.ndarray:
        if name in self.cache:
            return self.cache[name]
        if name.endswith("_share"):
            base = self.number(name[: -len("_share")] + "_m2")
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(self.area > 0, base / np.where(self.area > 0, self.area, 1.0), 0.0)
        elif name.lower() in self.lower:
            value = _numeric(self.df[self.lower[name.lower()]])
        else:
            value = np.zeros(self.n)
        self.cache[name] = value
        return value

    def has_attribute(self, name: str) -> bool:
        return self._column(name) is not None

    def _column(self, name: str):
        columns = [str(c) for c in self.df.columns]
        for candidate in [name] + self.rules.attribute_aliases.get(name, []):
            col = resolve_field(columns, candidate)
            if col is not None:
                return col
        return None

    def attribute(self, name: str, rule_label: str) -> np.ndarray:
        """The attribute as text; an absent one as empty text (callers that must not guess check
        :meth:`has_attribute` first)."""
        key = f"attr:{name}"
        if key in self.cache:
            return self.cache[key]
        col = self._column(name)
        value = np.full(self.n, "", dtype=object) if col is None else _text(self.df[col])
        self.cache[key] = value
        return value

    def absent(self, cond: Condition, if_absent: str, label: str) -> np.ndarray | None:
        """The condition's value when its attribute is absent from the layer (per ``if_absent``), None when
        the attribute is present or is to be read as empty text."""
        if self.has_attribute(cond.var):
            return None
        fields = "、".join(str(c) for c in self.df.columns if str(c).lower() not in ("geometry", "fid")) or tr("（无）")
        if if_absent == "error":
            raise AbsentFieldError(tr(
                "{rule} 的条件「{cond}」引用的字段 {field} 在输入图层中不存在（现有字段：{fields}）。"
                "请补充该字段（或在 [attributes] 中写明其别名），或在该规则中写明缺少该字段时如何判断："
                "if_absent = \"false\"（条件不成立）、\"true\"（条件成立）或 \"empty\"（按空值判断）").format(
                rule=label, cond=cond.text, field=cond.var, fields=fields))
        key = (cond.var, label)
        if key not in self.warned:
            self.warned.add(key)
            how = {"false": tr("条件不成立"), "true": tr("条件成立"), "empty": tr("按空值判断")}[if_absent]
            self.feedback.info(tr("{rule} 引用的字段 {field} 在输入图层中不存在，"
                                  "按规则的 if_absent 设置：{how}").format(
                rule=label, field=cond.var, how=how))
        if if_absent == "empty":
            return None
        return np.full(self.n, if_absent == "true", dtype=bool)


def _evaluate(cond: Condition, v: _Variables, numeric: set[str], label: str,
              violation: np.ndarray | None, if_absent: str = "error") -> np.ndarray:
    op, value = cond.op, cond.value
    if cond.var == "violation":
        data = violation.astype(float)
    elif cond.var in numeric:
        data = v.number(cond.var)
    else:
        absent = v.absent(cond, if_absent, label)
        if absent is not None:
            return absent
        text = v.attribute(cond.var, label)
        if op in ("in", "not in"):
            hit = np.isin(text, list(value))
            return hit if op == "in" else ~hit
        if op in ("contains", "not contains"):
            needles = (value,) if isinstance(value, str) else value
            hit = np.fromiter((any(n in t for n in needles) for t in text), dtype=bool, count=len(text))
            return hit if op == "contains" else ~hit
        if isinstance(value, str):
            eq = text == value
            return eq if op == "==" else ~eq
        data = pd.to_numeric(pd.Series(text, dtype=object).replace("", np.nan), errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return data >= value
        if op == ">":
            return data > value
        if op == "<=":
            return data <= value
        if op == "<":
            return data < value
        if op == "==":
            return data == value
        if op == "!=":
            return data != value
    raise ValueError(op)  # parse_rules admits no other operator


def _matches(when, when_any, v: _Variables, numeric: set[str], label: str, violation=None,
             if_absent: str = "error") -> np.ndarray:
    mask = np.ones(v.n, dtype=bool)
    for cond in when:
        mask &= _evaluate(cond, v, numeric, label, violation, if_absent)
    if when_any:
        anym = np.zeros(v.n, dtype=bool)
        for cond in when_any:
            anym |= _evaluate(cond, v, numeric, label, violation, if_absent)
        mask &= anym
    return mask


def _kinds_used(conditions: Iterable[Condition], kinds: Iterable[str]) -> set[str]:
    kinds = set(kinds)
    return {re.sub(r"_(m2|share)$", "", c.var) for c in conditions} & kinds


def _warn_missing_inputs(df: pd.DataFrame, v: _Variables, rules: RuleSet, feedback: Feedback) -> None:
    """Say so when the rules rely on data the overlay did not provide (they would read it as 0 m²).

    Without a 城镇开发边界 layer every patch would count as outside the boundary, without the 三调 layer
    as occupying no land class: the determinations would look sure and be wrong.
    """
    if not len(df):
        return
    labels = {k.key: k.label for k in rules.kinds}
    for kind, cols in v.by_kind.items():
        if cols:
            continue
        conditions = [(r.id, c) for r in rules.rules for c in r.when + r.when_any if kind in _kinds_used([c], labels)]
        users = list(dict.fromkeys(rid for rid, _ in conditions))
        if users:
            # A missing layer read as 0 m² makes "<" conditions true (every patch "outside the boundary"):
            # that changes outcomes and is a warning; for ">=" conditions the rule just never fires.
            risky = any(c.op in ("<", "<=", "==", "!=") for _, c in conditions)
            (feedback.warning if risky else feedback.info)(
                tr("叠加结果中没有“{label}”类图层（按图层名识别），规则 {rules} 按其面积为 0 判定；"
                   "如需使用，请在图斑叠加分析中加入该图层").format(label=labels[kind], rules="、".join(users)))
    landuse_total = sum(float(np.nansum(v.number(f))) for f in ("construction_m2", "agricultural_m2", "unused_m2"))
    if landuse_total == 0 and float(np.nansum(v.area)) > 0:
        feedback.warning(tr("叠加结果中所有图斑的建设用地、农用地、未利用地面积均为 0：叠加分析可能未使用三调地类图层，"
                            "依赖地类的规则不会命中"))


def _legal_columns(v: _Variables, rules: RuleSet, masks: list[np.ndarray], index: np.ndarray) -> dict[str, np.ndarray]:
    """Party kind, provisions violated / of the order, competent department and facts of every row.

    All violation rules that hold are cited (the deciding one first); penalties only of those whose
    competent department is the deciding rule's (another department's penalties are not for this notice).
    """
    party = v.attribute("DSR", tr("当事人类别"))
    tblx = v.attribute("TBLX", tr("当事人类别"))
    names = rules.departments
    legal_fields = OUTPUT_FIELDS[OUTPUT_FIELDS.index("party_kind"):]
    cols: dict[str, np.ndarray] = {n: np.empty(v.n, dtype=object) for n in legal_fields}
    hits = np.column_stack(masks) if masks else np.zeros((v.n, 0), dtype=bool)
    for row in range(v.n):
        kind = rules.party_kind(party[row], tblx[row])
        decider = rules.rules[index[row]]
        held = [decider] if decider.violation else []
        if decider.violation:
            held += [r for r, hit in zip(rules.rules, hits[row]) if hit and r.violation and r is not decider
                     and (r.when or r.when_any)]
        competent = decider.competent_for(kind) or ""
        violated = [p for r in held for p in r.violated_for(kind)]
        penalty = [p for r in held if r.competent_for(kind) == competent for p in r.penalty_for(kind)]
        stop = [p for r in held if r.competent_for(kind) == competent for p in r.stop_for(kind)]
        all_keys = list(dict.fromkeys([competent] + [r.competent_for(kind) or "" for r in held]))
        grounds = []
        for r in held:
            if r.fact:
                grounds.append(re.sub(r"{(\w+)}", lambda m, i=row: area_text(v.number(m.group(1))[i]), r.fact))
        cols["party_kind"][row] = kind
        cols["violated"][row] = compose_provisions(violated)
        cols["penalty_basis"][row] = compose_provisions(penalty)
        cols["competent"][row] = names.get(competent, "")
        cols["competent_key"][row] = competent
        cols["competent_all"][row] = "、".join(names[k] for k in all_keys if k)
        cols["rules_all"][row] = "、".join(r.id for r in held)
        cols["grounds"][row] = "；".join(grounds)
        cols["stop_basis"][row] = compose_provisions(stop)
    return cols


def determine_frame(df: pd.DataFrame, rules: RuleSet | None = None, feedback: Feedback | None = None) -> pd.DataFrame:
    """Determinations for every row of ``df`` (overlay output fields), same index, contract columns.

    Rows are never dropped; a row no specific rule describes gets the final default rule.
    """
    rules = rules or load_rules()
    feedback = ensure_feedback(feedback)
    missing = [f for f in missing_overlay_fields(df.columns) if f in AREA_FIELDS]
    if missing:
        raise ValueError(
            tr("缺少叠加分析字段：{fields}（请先运行 liangwei:overlaycheck）").format(fields="、".join(missing)))
    v = _Variables(df, rules, feedback)
    if v.unknown_layers:
        feedback.info(tr("以下保护区图层未归入任何类别，规则中不使用（可在规则文件 [kinds] 中添加）：{fields}").format(
            fields="、".join(v.unknown_layers)))
    numeric = _numeric_vars(k.key for k in rules.kinds)
    _warn_missing_inputs(df, v, rules, feedback)

    masks = [_matches(r.when, r.when_any, v, numeric, tr("规则 {id}").format(id=r.id), if_absent=r.if_absent)
             for r in rules.rules]
    if v.n:
        index = np.select(masks, np.arange(len(rules.rules)), default=len(rules.rules) - 1)
    else:
        index = np.zeros(0, dtype=int)

    violation = np.array([r.violation for r in rules.rules], dtype=int)[index]
    route_masks = [_matches(rt.when, rt.when_any, v, numeric, tr("部门路由 {d}").format(d=rt.department), violation,
                            rt.if_absent) for rt in rules.routes]
    leads = [r.lead for r in rules.rules]
    names = rules.departments
    primary = np.empty(v.n, dtype=object)
    joined = np.empty(v.n, dtype=object)
    route_hits = np.column_stack(route_masks) if route_masks else np.zeros((v.n, 0), dtype=bool)
    for row in range(v.n):
        keys = [rt.department for rt, hit in zip(rules.routes, route_hits[row]) if hit]
        lead = leads[index[row]]
        first = lead or (keys[0] if keys else rules.default_department)
        ordered = [first] + [k for k in dict.fromkeys(keys) if k != first]
        primary[row] = names[first]
        joined[row] = "、".join(names[k] for k in ordered)

    out = pd.DataFrame(index=df.index)
    out["violation"] = violation
    out["determination_code"] = np.array([r.code for r in rules.rules], dtype=object)[index]
    out["determination"] = np.array([r.determination for r in rules.rules], dtype=object)[index]
    out["consequence"] = np.array([r.consequence for r in rules.rules], dtype=object)[index]
    out["rule_id"] = np.array([r.id for r in rules.rules], dtype=object)[index]
    out["rule_name"] = np.array([r.name for r in rules.rules], dtype=object)[index]
    out["legal_basis"] = np.array([r.legal_basis for r in rules.rules], dtype=object)[index]
    out["department"] = primary
    out["departments"] = joined
    for name, column in _legal_columns(v, rules, masks, index).items():
        out[name] = column
    _undetermined(df, out, feedback)
    if v.n:
        counts = out["rule_id"].value_counts()
        logger.info("规划认定：%d 个图斑，%s", v.n, "，".join(f"{k} {n} 个" for k, n in counts.items()))
    return out


def _undetermined(df: pd.DataFrame, out: pd.DataFrame, feedback: Feedback) -> None:
    """Patches without measurable area: no determination (code ``undetermined``, violation NULL), reported.

    Area 0 comes from an empty or unusable geometry or coordinates in a wrong CRS; a determination (and a
    限期拆除 order) on it would rest on no data."""
    if not len(df):
        return
    col = next(c for c in df.columns if str(c).lower() == "area_m2")
    area = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(area) & (area > 0))
    if not bad.any():
        return
    idx = out.index[bad]
    out["violation"] = out["violation"].astype(object)
    out.loc[idx, "violation"] = None
    out.loc[idx, "determination_code"] = UNDETERMINED
    out.loc[idx, "determination"] = tr("未认定：图斑没有可量测的面积（几何为空、无效或坐标有误），"
                                       "请核实图斑后重新叠加分析")
    for name in OUTPUT_FIELDS:
        if name not in ("violation", "determination_code", "determination", "department", "departments"):
            out.loc[idx, name] = ""
    id_col = next((c for c in df.columns if str(c).lower() == "patch_id"), None)
    ids = [str(x) for x in (df.loc[idx, id_col] if id_col is not None else idx)]
    feedback.warning(tr("{n} 个图斑没有可量测的面积（area_m2 为 0 或空），未作认定（determination_code = "
                        "undetermined，violation 为空）：{ids}。请核实图斑几何和坐标参考系后重新叠加分析").format(
        n=len(ids), ids="、".join(ids[:20]) + ("…" if len(ids) > 20 else "")))


def determine(record: Mapping[str, Any], rules: RuleSet | None = None,
              feedback: Feedback | None = None) -> Determination:
    """The determination of one patch given as a dict of overlay fields."""
    row = determine_frame(pd.DataFrame([dict(record)]), rules, feedback).iloc[0]
    return Determination(**{name: ((None if row[name] is None else int(row[name])) if name == "violation"
                                   else str(row[name])) for name in OUTPUT_FIELDS})
