"""The case workflow (处置流程): stages, legal transitions, deadlines, roles, referral periods.

Everything a bureau might change lives in ``resources/workflow.toml`` (seed 002: 发现报告 →
快速认定 ≤ 2天 → 拆除整治 ≤ 3天 → 监督检查 ≤ 2天 → 办结, 效能问责 for missed deadlines;
seed 001: referral to 纪委监委 within 15 / 30 days).  This module only interprets it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..config_schema import Bool, Date, Either, List, Number, Table, Text, check, problems_text, read_toml
from ..paths import resource

DEFAULT_WORKFLOW = resource("workflow.toml")


class WorkflowError(ValueError):
    """An illegal transition or an invalid value; the message says what and why (Chinese)."""


def _stage_references(data: dict, where, problems, root) -> None:
    """Every stage named in [workflow] and [[transition]] is defined in [[stage]]."""
    stages = data.get("stage")
    names = {s.get("name") for s in stages if isinstance(s, dict)} if isinstance(stages, list) else set()
    if not names:
        return
    if len(names) != len(stages):
        problems.add(("stage",), "阶段名称（name）重复或缺失")
    known = "、".join(str(n) for n in names if n)

    def ref(keys, value):
        if isinstance(value, str) and value not in names:
            problems.add(keys, f"阶段“{value}”未在 [[stage]] 中定义（已定义：{known}）")

    wf = data.get("workflow") if isinstance(data.get("workflow"), dict) else {}
    for key in ("default_initial_stage", "final_stage"):
        ref(("workflow", key), wf.get(key))
    for i, name in enumerate(wf.get("initial_stages") or [] if isinstance(wf.get("initial_stages"), list) else []):
        ref(("workflow", "initial_stages", f"第 {i + 1} 个"), name)
    ver = data.get("verification") if isinstance(data.get("verification"), dict) else {}
    for i, name in enumerate(ver.get("targets") or [] if isinstance(ver.get("targets"), list) else []):
        ref(("verification", "targets", f"第 {i + 1} 个"), name)
    for i, t in enumerate(data.get("transition") or [] if isinstance(data.get("transition"), list) else []):
        if isinstance(t, dict):
            ref(("transition", i, "from"), t.get("from"))
            ref(("transition", i, "to"), t.get("to"))
    referral = data.get("referral") if isinstance(data.get("referral"), dict) else {}
    rules = referral.get("rule") if isinstance(referral.get("rule"), list) else []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        if isinstance(rule.get("stages"), list):
            for j, name in enumerate(rule["stages"]):
                ref(("referral", "rule", i, "stages", f"第 {j + 1} 个"), name)
        days = rule.get("days")
        if isinstance(days, str) and not isinstance(referral.get(days), int):
            keys = "、".join(k for k, v in referral.items() if isinstance(v, int) and not isinstance(v, bool))
            problems.add(("referral", "rule", i, "days"),
                         f"“{days}”不是 [referral] 中的天数键（可用：{keys}），也不是天数")


_DAYS = Number(minimum=0, integer=True, unit="天数 ≥ 0", below_text="期限会早于起算日期")
_STAGE_NAME = Text(nonempty=True)
#: the schema of resources/workflow.toml (liangwei_plugin.config_schema)
WORKFLOW_SCHEMA = Table({
    "calendar": Table({"day_count": Text(choices=("calendar", "working")),
                       "holidays": List(Date()), "extra_workdays": List(Date())}),
    "workflow": Table({"initial_stages": List(_STAGE_NAME, nonempty=True), "default_initial_stage": _STAGE_NAME,
                       "final_stage": _STAGE_NAME, "disposal_days": Number(minimum=1, integer=True, unit="天数 ≥ 1",
                                                               below_text="处置期限会早于发现日期"),
                       "accountability_role": Text(nonempty=True)}),
    "stage": List(Table({"name": _STAGE_NAME, "role": Text(), "days": _DAYS}, required=("name",)), nonempty=True),
    "transition": List(Table({"from": _STAGE_NAME, "to": _STAGE_NAME,
                              "requires": Text(choices=("", "violation", "not_violation"))},
                             required=("from", "to")), nonempty=True),
    "referral": Table({
        "day_count": Text(choices=("calendar", "working")),
        "rule": List(Table({
            "reason": Text(nonempty=True), "cases": Text(choices=("new_violation", "all")),
            "deadline": Text(choices=("dispose_due", "rectify_due", "stage_due", "found_date")),
            "stages": Either(Text(choices=("*",)), List(_STAGE_NAME), description="\"*\" 或阶段名称列表"),
            "closed_late": Bool(), "days": Either(_DAYS, Text(nonempty=True), description="天数或 [referral] 中的键"),
        }, required=("reason",))),
    }, values=_DAYS, key_pattern=r"days_\w+", key_text="天数键应以 days_ 开头"),
    "options": Table({"sources": List(Text(nonempty=True), nonempty=True, unique=True),
                      "stock_kinds": List(Text(nonempty=True), nonempty=True, unique=True),
                      "disposal_kinds": List(Text(nonempty=True), nonempty=True, unique=True),
                      "case_no_prefix": Text(nonempty=True, pattern=r"[A-Za-z0-9_-]+",
                                             pattern_text="只能用字母、数字、- 和 _")}),
    "verification": Table({"required": Bool(), "targets": List(_STAGE_NAME), "sources": List(Text(nonempty=True)),
                           "cases_found_from": Date()}),
}, required=("workflow", "stage", "transition"), checks=(_stage_references,))



@dataclass(frozen=True)
class Stage:
    name: str
    role: str        # responsible role (巡查人员/认定人员/拆除人员/监督人员)
    days: int        # days allowed in the stage; 0 = no deadline


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    requires: str = ""   # "", "violation", "not_violation"


def parse_date(value) -> dt.date | None:
    """A date from a date/datetime/ISO string ('2026-11-02', '2026/11/02', '20261102'); None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "toPyDate"):  # QDate / QDateTime
        value = value.toPyDate() if hasattr(value, "isValid") and value.isValid() else None
        return value
    text = str(value).strip()
    if not text or text.upper() == "NULL":
        return None
    text = text[:10].replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise WorkflowError(f"无法识别的日期“{value}”，应为 yyyy-mm-dd") from exc


# Dates a register accepts as events (发现、处置、报告日期): anything outside is a typing error (9999-12-31,
# 0001-01-01 placeholders), refused before a deadline is computed from it.
EARLIEST_DATE = dt.date(1949, 10, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def check_plausible_date(day: dt.date | None, what: str = "日期") -> dt.date | None:
    """``day`` unchanged when it lies in [EARLIEST_DATE, LATEST_DATE] (or is None), else WorkflowError."""
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise WorkflowError(f"{what}“{day.isoformat()}”不在合理范围（{EARLIEST_DATE} 至 {LATEST_DATE}）内，"
                            "请检查是否填错")
    return day


@dataclass
class Workflow:
    stages: list[Stage]
    transitions: list[Transition]
    initial_stages: list[str]
    default_initial_stage: str
    final_stage: str
    disposal_days: int
    accountability_role: str
    day_count: str = "calendar"              # "calendar" | "working"
    holidays: frozenset = frozenset()
    extra_workdays: frozenset = frozenset()
    referral: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    verification: dict = field(default_factory=dict)   # [verification]: 外业核查 before a violation finding

    # -- loading -------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, day_count: str | None = None) -> Workflow:
        """Read a workflow file (default ``resources/workflow.toml``); ``day_count`` overrides the file."""
        source = path or DEFAULT_WORKFLOW
        data = read_toml(source, "流程配置文件", error=WorkflowError)
        problems = check(data, WORKFLOW_SCHEMA)
        if problems:  # every problem at once, each naming its key
            raise WorkflowError(problems_text(source, problems, "流程配置文件"))
        cal = data.get("calendar", {})
        wf = data["workflow"]
        stages = [Stage(s["name"], s.get("role", ""), int(s.get("days", 0))) for s in data["stage"]]
        names = {s.name for s in stages}
        transitions = []
        for t in data["transition"]:
            tr_ = Transition(t["from"], t["to"], t.get("requires", ""))
            for n in (tr_.source, tr_.target):
                if n not in names:
                    raise WorkflowError(f"流程配置 {path or DEFAULT_WORKFLOW}：转换中的阶段“{n}”未在 [[stage]] 中定义")
            transitions.append(tr_)
        mode = day_count or cal.get("day_count", "calendar")
        if mode not in ("calendar", "working"):
            raise WorkflowError(f"流程配置：day_count 应为 calendar 或 working，而不是“{mode}”")
        return cls(
            stages=stages,
            transitions=transitions,
            initial_stages=list(wf.get("initial_stages", [stages[0].name])),
            default_initial_stage=wf.get("default_initial_stage", stages[0].name),
            final_stage=wf.get("final_stage", stages[-1].name),
            disposal_days=int(wf.get("disposal_days", 7)),
            accountability_role=wf.get("accountability_role", "问责人员"),
            day_count=mode,
            holidays=frozenset(parse_date(d) for d in cal.get("holidays", [])),
            extra_workdays=frozenset(parse_date(d) for d in cal.get("extra_workdays", [])),
            referral=dict(data.get("referral", {})),
            options=dict(data.get("options", {})),
            verification=dict(data.get("verification", {})),
        )

    # -- lookups -------------------------------------------------------------
    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise WorkflowError(f"未知的处置阶段“{name}”；可用阶段：{'、'.join(self.stage_names)}")

    def allowed_targets(self, source: str) -> list[str]:
        return [t.target for t in self.transitions if t.source == source]

    def next_stage(self, source: str, violation: bool | None = True) -> str | None:
        """The usual next stage (for the dock's "下一阶段" button)."""
        options = [t for t in self.transitions if t.source == source]
        for t in options:
            if t.requires == "not_violation" and violation is False:
                return t.target
        for t in options:
            if t.requires != "not_violation" and self.stage_names.index(t.target) > self.stage_names.index(source):
                return t.target
        return options[0].target if options else None

    def check_transition(self, case_no: str, source: str, target: str, violation: bool | None) -> Transition:
        """The transition ``source → target`` or a WorkflowError saying why it is refused."""
        self.stage(target)
        if source == target:
            raise WorkflowError(f"案件 {case_no} 已处于“{source}”阶段，无需转换")
        if source == self.final_stage:
            raise WorkflowError(f"案件 {case_no} 已办结，不能再转到“{target}”")
        allowed = self.allowed_targets(source)
        match = [t for t in self.transitions if t.source == source and t.target == target]
        if not match:
            raise WorkflowError(
                f"案件 {case_no} 处于“{source}”阶段，不能直接转到“{target}”；"
                f"允许的下一阶段：{'、'.join(allowed) or '无'}"
            )
        t = match[0]
        if t.requires == "violation" and violation is False:
            raise WorkflowError(f"案件 {case_no} 已认定不属于违法用地违法建设，不能转入“{target}”；应直接办结")
        if t.requires == "not_violation" and violation is not False:
            raise WorkflowError(
                f"案件 {case_no} 从“{source}”直接办结须认定不属于违法（violation=0）并附证明说明；违法案件应转入"
                f"“{self.next_stage(source, True)}”"
            )
        return t

    # -- dates ---------------------------------------------------------------
    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_days(self, start: dt.date, days: int, mode: str | None = None) -> dt.date:
        """``start`` + ``days`` calendar days, or ``days`` working days after ``start`` (mode "working")."""
        mode = mode or self.day_count
        try:
            if mode == "calendar" or days <= 0:
                return start + dt.timedelta(days=days)
            day, left = start, days
            while left > 0:
                day += dt.timedelta(days=1)
                if self.is_workday(day):
                    left -= 1
            return day
        except OverflowError as exc:
            raise WorkflowError(f"日期 {start} 加 {days} 天超出可计算的范围：请检查日期是否填错") from exc

    def stage_due(self, stage: str, started: dt.date) -> dt.date | None:
        """Deadline of a stage entered on ``started`` (None for stages without a deadline)."""
        s = self.stage(stage)
        return self.add_days(started, s.days) if s.days > 0 else None

    def disposal_due(self, found: dt.date) -> dt.date:
        """新增两违 7-day disposal target (calendar days unless the workflow counts working days)."""
        return self.add_days(found, self.disposal_days)

    def referral_due(self, reason: str, start: dt.date) -> dt.date:
        days = int(self.referral.get(reason, 15))
        return self.add_days(start, days, self.referral.get("day_count", "calendar"))

    def source_names(self) -> list[str]:
        return list(self.options.get("sources", ["卫片", "网格巡查", "12345热线", "信访举报", "媒体反映", "自主发现"]))

    def disposal_kinds(self) -> list[str]:
        return list(self.options.get("disposal_kinds", ["拆除", "没收", "完善手续", "保留临时使用"]))

    def stock_kinds(self) -> list[str]:
        return list(self.options.get("stock_kinds", ["增量", "存量"]))

    def needs_verification(self, case: dict, target: str) -> bool:
        """Whether moving ``case`` to ``target`` needs an on-site check on record ([verification] of the
        workflow file; 自然资发〔2023〕258号: a monitoring patch alone is no basis for a violation finding)."""
        v = self.verification
        if not v.get("required", False):
            return False
        if target not in list(v.get("targets", ["拆除整治"])):
            return False
        sources = v.get("sources", "*")
        if sources != "*" and case.get("source") not in list(sources):
            return False
        since = parse_date(v.get("cases_found_from") or None)
        found = parse_date(case.get("found_date") or None)
        return not (since and found and found < since)


@lru_cache(maxsize=4)
def default_workflow(day_count: str | None = None) -> Workflow:
    return Workflow.load(None, day_count)
