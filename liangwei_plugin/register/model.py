"""The case (案件) model of the register (台账): columns, the status derived at a date.

One case per patch (or per lead from a grid patrol, the 12345 hotline, petitions or media).
The column list below is the schema of table ``cases`` in both GeoPackage and PostGIS;
``storage.py`` turns it into DDL through a dialect.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .workflow import Workflow, parse_date

SOURCES = ("卫片", "网格巡查", "12345热线", "信访举报", "媒体反映", "自主发现")
STOCK_KINDS = ("增量", "存量")
DISPOSAL_KINDS = ("拆除", "没收", "完善手续", "保留临时使用")

# (column, generic type, Chinese label).  Generic types: TEXT, INTEGER, REAL, DATE, DATETIME.
# fid and geom are added by the dialect.  Never reorder/rename: add columns through a migration.
CASE_COLUMNS: list[tuple[str, str, str]] = [
    ("case_no", "TEXT", "案件编号"),
    ("patch_id", "TEXT", "监测编号"),
    ("source", "TEXT", "问题来源"),
    ("stock_kind", "TEXT", "存量/增量"),
    ("township_code", "TEXT", "乡镇代码"),
    ("township", "TEXT", "乡镇"),
    ("village_code", "TEXT", "村代码"),
    ("village", "TEXT", "村"),
    ("department", "TEXT", "责任单位"),
    ("departments", "TEXT", "相关单位"),
    ("violation", "INTEGER", "是否违法"),
    ("determination_code", "TEXT", "认定代码"),
    ("determination", "TEXT", "认定意见"),
    ("consequence", "TEXT", "处理方式"),
    ("rule_id", "TEXT", "认定规则"),
    ("party", "TEXT", "当事人"),
    ("party_official", "INTEGER", "当事人为党员干部/公职人员"),
    ("area_m2", "REAL", "占地面积(㎡)"),
    ("farmland_m2", "REAL", "其中耕地(㎡)"),
    ("basic_farmland_m2", "REAL", "其中永久基本农田(㎡)"),
    ("hsx", "DATE", "后时相"),
    ("found_date", "DATE", "发现时间"),
    ("stage", "TEXT", "处置阶段"),
    ("stage_started", "DATE", "阶段开始"),
    ("stage_due", "DATE", "阶段期限"),
    ("stage_role", "TEXT", "阶段责任角色"),
    ("is_open", "INTEGER", "未办结"),
    ("identify_due", "DATE", "认定期限"),
    ("rectify_due", "DATE", "整治期限"),
    ("inspect_due", "DATE", "核查期限"),
    ("dispose_due", "DATE", "处置目标期限"),
    ("closed_date", "DATE", "办结时间"),
    ("disposal_kind", "TEXT", "处置方式"),
    ("demolished_m2", "REAL", "拆除面积(㎡)"),
    ("accountability", "INTEGER", "效能问责"),
    ("accountability_note", "TEXT", "问责事由"),
    ("found_late", "INTEGER", "未及时发现"),
    ("penalty_date", "DATE", "处罚决定日期"),
    ("referral_required", "INTEGER", "应移交纪委监委"),
    ("referral_reason", "TEXT", "移交事由"),
    ("referral_due", "DATE", "移交期限"),
    ("referred_date", "DATE", "移交日期"),
    ("note", "TEXT", "备注"),
    ("created_at", "DATETIME", "登记时间"),
    ("created_by", "TEXT", "登记人"),
    ("updated_at", "DATETIME", "修改时间"),
    ("updated_by", "TEXT", "修改人"),
    ("version", "INTEGER", "版本"),
    # migration 4 (图斑标识): the register's own identity of the patch, the monitoring id as delivered, and
    # why a case has no patch_id of its own (编号为空 / 编号冲突: same id as another case, other geometry)
    ("patch_key", "TEXT", "图斑标识"),
    ("given_patch_id", "TEXT", "监测编号（原值）"),
    ("id_note", "TEXT", "编号说明"),
]
COLUMN_NAMES = [c[0] for c in CASE_COLUMNS]
COLUMN_TYPES = {c[0]: c[1] for c in CASE_COLUMNS}
COLUMN_LABELS = {c[0]: c[2] for c in CASE_COLUMNS}
DATE_COLUMNS = {c for c, t, _ in CASE_COLUMNS if t == "DATE"}

# What a listing (dock, overdue report) shows and what ``evaluate`` needs: a narrower, faster query.
LIST_COLUMNS = (
    "case_no", "patch_id", "source", "stock_kind", "township", "village", "department", "violation", "party",
    "area_m2", "farmland_m2", "found_date", "stage", "stage_started", "stage_due", "stage_role", "is_open",
    "rectify_due", "dispose_due", "closed_date", "accountability", "accountability_note", "found_late", "penalty_date",
    "party_official", "referral_required", "referral_reason", "referral_due", "referred_date", "version",
    "given_patch_id", "id_note",
)

# Fields a user may change through ``Register.update_case`` (stage fields change only by transitions).
EDITABLE = {
    "source", "stock_kind", "township_code", "township", "village_code", "village", "department",
    "departments", "violation", "determination_code", "determination", "consequence", "rule_id", "party",
    "party_official", "area_m2", "farmland_m2", "basic_farmland_m2", "hsx", "disposal_kind", "demolished_m2",
    "found_late", "penalty_date", "referred_date", "note",
}

HISTORY_COLUMNS: list[tuple[str, str]] = [
    ("case_fid", "INTEGER"),
    ("case_no", "TEXT"),
    ("version", "INTEGER"),       # the case's version after this change
    ("action", "TEXT"),           # create | advance | update | flag | referral
    ("from_stage", "TEXT"),
    ("to_stage", "TEXT"),
    ("event_date", "DATE"),       # the date the actor gives (处置日期)
    ("actor", "TEXT"),
    ("note", "TEXT"),
    ("changes", "TEXT"),          # JSON {column: [old, new]}
    ("recorded_at", "DATETIME"),  # when it was written
]


class ConflictError(RuntimeError):
    """Optimistic-locking conflict: someone else changed the case since it was read."""


@dataclass
class CaseStatus:
    """What a case's state means at a given date (是否超期, 谁负责, 是否应移交)."""

    overdue: bool
    overdue_days: int
    overdue_role: str        # responsible role of the overdue stage
    accountability: bool     # 效能问责: a stage deadline was or is being missed
    referral_required: bool
    referral_reason: str
    referral_due: dt.date | None


def rule_referrals(case: dict, today: dt.date, wf: Workflow) -> list[tuple[str, dt.date]]:
    """Referral reasons from the workflow's ``[[referral.rule]]`` entries (workflow.toml) that apply to
    ``case`` on ``today``: (reason, due date).  Seed 001 第8条: a new case still open after its 7-day
    disposal target (dispose_due), in any stage, 快速认定 included, is due for referral to 纪委监委."""
    out = []
    rules = wf.referral.get("rule") or []
    if isinstance(rules, dict):
        rules = [rules]
    new_violation = case.get("stock_kind") != "存量" and bool(case.get("violation", 1))
    stage = case.get("stage") or ""
    is_open = stage != wf.final_stage
    for rule in rules:
        if rule.get("cases", "new_violation") == "new_violation" and not new_violation:
            continue
        column = rule.get("deadline", "dispose_due")
        deadline = parse_date(case.get(column))
        if deadline is None and column == "dispose_due" and case.get("found_date"):
            deadline = wf.disposal_due(parse_date(case["found_date"]))
        if deadline is None:
            continue
        stages = rule.get("stages", "*")
        in_stage = stages == "*" or stage in stages
        closed = parse_date(case.get("closed_date"))
        late = (is_open and in_stage and today > deadline) or (
            not is_open and bool(rule.get("closed_late", False)) and closed is not None and closed > deadline)
        if not late:
            continue
        days = rule.get("days", "days_not_rectified")
        if isinstance(days, str):
            due = wf.referral_due(days, deadline)
        else:
            due = wf.add_days(deadline, int(days), wf.referral.get("day_count", "calendar"))
        out.append((str(rule.get("reason", "未按时限整改到位")), due))
    return out


def evaluate(case: dict, today: dt.date, workflow: Workflow) -> CaseStatus:
    """Derive overdue/accountability/referral status of ``case`` (a row dict) on ``today``.

    The one place the register decides 是否应移交纪委监委: the built-in reasons (未及时发现, 拆除整治
    超期, 党员干部/公职人员), the ``[[referral.rule]]`` entries of workflow.toml (``rule_referrals``) and
    the reasons already recorded on the case.  The dock, liangwei:flagoverdue, casestatistics and the
    ledger all read it from here."""
    due = parse_date(case.get("stage_due"))
    is_open = case.get("stage") != workflow.final_stage
    overdue = bool(is_open and due is not None and today > due)
    role = workflow.stage(case["stage"]).role if overdue else ""
    found: dict[str, dt.date | None] = {}

    def add(reason: str, when: dt.date | None) -> None:
        old = found.get(reason)
        found[reason] = when if old is None else (old if when is None else min(old, when))

    rectify_due = parse_date(case.get("rectify_due"))
    new_case = case.get("stock_kind", "增量") != "存量" and bool(case.get("violation", 1))
    if new_case and case.get("found_late"):
        found_date = parse_date(case.get("found_date")) or today
        add("未及时发现", workflow.referral_due("days_not_found_in_time", found_date))
    if new_case and rectify_due is not None:
        rectified_late = (case.get("stage") == "拆除整治" and today > rectify_due)
        if rectified_late:
            add("未按时限整改到位", workflow.referral_due("days_not_rectified", rectify_due))
    penalty = parse_date(case.get("penalty_date"))
    if case.get("party_official") and penalty is not None:
        add("当事人为党员干部/公职人员", workflow.referral_due("days_after_penalty_official", penalty))
    for reason, when in rule_referrals(case, today, workflow):
        add(reason, when)
    if case.get("referral_required") and case.get("referral_reason"):
        stored_due = parse_date(case.get("referral_due"))
        for r in str(case["referral_reason"]).split("；"):
            if r and r not in found:
                found[r] = stored_due
    dues = [d for d in found.values() if d is not None]
    return CaseStatus(
        overdue=overdue,
        overdue_days=(today - due).days if overdue else 0,
        overdue_role=role,
        accountability=overdue or bool(case.get("accountability")),
        referral_required=bool(found),
        referral_reason="；".join(found),
        referral_due=min(dues) if dues else None,
    )
