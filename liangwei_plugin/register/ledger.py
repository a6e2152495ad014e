"""The monthly ledger of new violations (新增违法违规问题台账, seed 001 第3条) as XLSX or CSV.

Rows are the violation cases found in the month (all when no month is given), with the status
(超期, 问责, 移交纪委监委) evaluated on the export date.  Areas are given in ㎡ and 亩
(1 亩 = 10000/15 ㎡, two decimals).  Document numbers (规划认定意见书 / 责令整改通知书) come from the
document-number registry of the document batches (``文书编号登记.sqlite``) when one is given; the
register itself does not hold them.  送达日期 and 整改期限 are those of the latest service of the case's
责令限期整改通知书 recorded in its history (liangwei:recordservice: 整改期限 = 送达日期 + the notice's period).

Referral to 纪委监委 (是否移交纪委监委) combines the register's own reasons (``model.evaluate``: 未及时发现,
拆除整治超期, 党员干部/公职人员) with the ``[[referral.rule]]`` entries of ``resources/workflow.toml``
(seed 001 第8条: a new case not disposed within the 7-day target, in whatever stage it is stuck,
快速认定 included → referral within 15 days).

The XLSX prints on A3 landscape, fitted to the page width, with a title, the header rows repeated
on every page, borders on every table cell, a footer block (填报单位/填报人/审核人/报送日期) and a
second sheet 乡镇汇总 (counts, areas in ㎡ and 亩, 违法占耕比).  Files are written under a temporary
name and renamed at the end, so an interrupted export never leaves a file that looks complete.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..csv_out import write_csv
from ..feedback import Feedback, check_canceled, ensure_feedback
from .model import evaluate, rule_referrals  # noqa: F401 - rule_referrals re-exported
from .served import notice_services
from .storage import Register, month_range
from .workflow import Workflow, WorkflowError, parse_date

DETERMINATION_LABELS = {
    "correctable": "违法建设（尚可采取改正措施）",
    "uncorrectable": "违法建设（无法采取改正措施）",
    "not_violation": "不属于违法",
}

M2_PER_MU = 10000.0 / 15.0


def mu(m2) -> float | None:
    """㎡ → 亩, two decimals (None stays None)."""
    return None if m2 is None else round(float(m2) * 15.0 / 10000.0, 2)


# (key, header, width, kind) — kind: int | text | area (㎡) | mu (亩 of the ㎡ column before it) | date
LEDGER_FIELDS: list[tuple[str, str, int, str]] = [
    ("seq", "序号", 6, "int"), ("case_no", "案件编号", 14, "text"), ("patch_id", "监测编号", 15, "text"),
    ("township", "乡镇", 9, "text"), ("village", "村", 10, "text"), ("source", "问题来源", 9, "text"),
    ("stock_kind", "存量/增量", 7, "text"), ("found_date", "发现时间", 11, "date"), ("party", "当事人", 12, "text"),
    ("determination", "违法类型/认定", 20, "text"), ("consequence", "处理意见", 12, "text"),
    ("report_no", "认定意见书文号", 15, "text"), ("notice_no", "整改通知书文号", 15, "text"),
    ("served_date", "送达日期", 11, "date"), ("rectify_deadline", "整改期限", 11, "date"),
    ("area_m2", "占地面积(㎡)", 11, "area"), ("area_mu", "占地面积(亩)", 9, "mu"),
    ("farmland_m2", "其中耕地(㎡)", 11, "area"), ("farmland_mu", "其中耕地(亩)", 9, "mu"),
    ("basic_farmland_m2", "其中永久基本农田(㎡)", 11, "area"), ("basic_farmland_mu", "其中永久基本农田(亩)", 9, "mu"),
    ("department", "责任单位", 12, "text"), ("stage", "处置阶段", 9, "text"), ("stage_due", "阶段期限", 11, "date"),
    ("dispose_due", "7日处置期限", 11, "date"), ("disposal_kind", "处置方式", 8, "text"),
    ("demolished_m2", "拆除面积(㎡)", 11, "area"), ("demolished_mu", "拆除面积(亩)", 9, "mu"),
    ("closed_date", "办结时间", 11, "date"), ("overdue", "是否超期", 16, "text"),
    ("accountability", "效能问责", 18, "text"), ("referral", "是否移交纪委监委", 24, "text"),
    ("note", "备注", 16, "text"),
]
LEDGER_COLUMNS: list[tuple[str, int, str]] = [(h, w, k) for _, h, w, k in LEDGER_FIELDS]   # (header, width, kind)
COL = {key: i for i, (key, _, _, _) in enumerate(LEDGER_FIELDS)}
AREA_COLUMNS = [i for i, (_, _, _, k) in enumerate(LEDGER_FIELDS) if k in ("area", "mu")]
HEADER_ROW = 3             # row 1 title, row 2 统计日期/填报单位, row 3 header
PAPER_SIZE = 8             # A3 (openpyxl PAPERSIZE_A3); 31 columns are unreadable on A4 fitted to width

# 乡镇汇总 (summary sheet): (key, header, width, kind)
SUMMARY_FIELDS: list[tuple[str, str, int, str]] = [
    ("seq", "序号", 6, "int"), ("township", "乡镇", 14, "text"), ("cases", "违法案件数", 10, "int"),
    ("area_m2", "占地面积(㎡)", 14, "area"), ("area_mu", "占地面积(亩)", 11, "mu"),
    ("farmland_m2", "其中耕地(㎡)", 14, "area"), ("farmland_mu", "其中耕地(亩)", 11, "mu"),
    ("basic_farmland_m2", "其中永久基本农田(㎡)", 14, "area"), ("basic_farmland_mu", "其中永久基本农田(亩)", 11, "mu"),
    ("demolished_m2", "拆除面积(㎡)", 14, "area"), ("demolished_mu", "拆除面积(亩)", 11, "mu"),
    ("overdue", "超期案件数", 10, "int"), ("referral_due", "应移交纪委监委数", 12, "int"),
    ("referred", "已移交数", 9, "int"), ("closed_7d", "7日内办结数", 10, "int"),
    ("new_farmland_m2", "新增建设占用耕地(㎡)", 15, "area"), ("illegal_farmland_m2", "违法占用耕地(㎡)", 14, "area"),
    ("illegal_farmland_ratio", "违法占耕比(%)", 11, "pct"),
]
SUMMARY_NOTE = ("违法占耕比 = 增量违法案件占用耕地 ÷ 本期登记的全部增量图斑（含认定不属于违法的）占用耕地；"
                "分母只含台账登记的图斑，不是变更调查的年度新增建设用地占用耕地数。面积按台账登记值（椭球面积）。")


@dataclass
class LedgerData:
    rows: list[list] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)   # one dict per township, then the 合计 row


def document_numbers(path: str | Path | None) -> dict[str, dict[str, str]]:
    """{series ("report" | "notice" | …): {patch_id: number}} from a document-number registry (SQLite), read only.

    Voided numbers are left out; a patch numbered by several authorities gets its numbers joined by "；".
    """
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise WorkflowError(f"文书编号登记文件不存在：{p}")
    db = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        cols = {r[1] for r in db.execute("PRAGMA table_info(numbers)")}
        sql = ("SELECT series, key, number FROM numbers WHERE voided IS NULL ORDER BY series, key, issued"
               if "voided" in cols else "SELECT series, key, number FROM numbers ORDER BY series, key, issued")
        out: dict[str, dict[str, str]] = {}
        for series, key, number in db.execute(sql):
            old = out.setdefault(series, {}).get(key)
            out[series][key] = number if not old or old == number else f"{old}；{number}"
        return out
    except sqlite3.DatabaseError as exc:
        raise WorkflowError(f"无法读取文书编号登记 {p}：{exc}") from exc
    finally:
        db.close()


def default_numbers_registry(register_target: str | None = None) -> str | None:
    """The bureau's number registry when it exists: documents.toml ``[numbering] registry``, else where the
    document batches keep it (beside a GeoPackage register, else the per-user folder).  None if there is none."""
    try:
        from ..documents.config import load_config

        configured = (load_config().get("numbering") or {}).get("registry") or ""
    except Exception:  # noqa: BLE001 - the documents config is optional for the ledger
        configured = ""
    try:
        from ..documents.numbering import registry_location
    except ImportError:
        candidates = [Path(configured)] if configured else []
    else:
        candidates = [registry_location(None, configured or None, register_target)[0]]
    for path in candidates:
        if path.is_file():
            return str(path)
    return None


def default_unit() -> str:
    """填报单位 from the document configuration ([authority] name), unless it is still the ×× placeholder."""
    try:
        from ..documents.config import load_config

        name = str((load_config().get("authority") or {}).get("name") or "")
    except Exception:  # noqa: BLE001
        return ""
    return "" if "×" in name or "XX" in name.upper() else name


def referral_status(case: dict, today: dt.date, wf: Workflow, st=None) -> tuple[str, str, dt.date | None]:
    """(state, reasons, due): state "referred" | "required" | "" — from ``model.evaluate``, which applies
    the register's reasons and the workflow's ``[[referral.rule]]`` entries (``model.rule_referrals``)."""
    st = st or evaluate(case, today, wf)
    if case.get("referred_date"):
        return "referred", st.referral_reason, st.referral_due
    return ("required" if st.referral_required else ""), st.referral_reason, st.referral_due


def _summary_row(township: str) -> dict:
    row = {k: 0 for k, _, _, kind in SUMMARY_FIELDS if kind == "int"}
    row.update({k: 0.0 for k, _, _, kind in SUMMARY_FIELDS if kind == "area"})
    row["township"] = township
    return row


def collect(register: Register, month: str | None = None, as_of=None, numbers: dict | None = None,
            include_not_violations: bool = False) -> LedgerData:
    """The ledger's rows (values, unrounded ㎡; 亩 rounded) in found-date order and the township summary."""
    today = parse_date(as_of) or dt.date.today()
    wf = register.workflow
    numbers = numbers or {}
    reports, notices = numbers.get("report", {}), numbers.get("notice", {})
    cases = register.find_cases(month=month or None, violation=None if include_not_violations else True,
                                order="found_date, case_no")
    served = notice_services(register)   # 送达日期 and 整改期限 (served + the notice's period) of each notice
    data = LedgerData()
    towns: dict[str, dict] = {}
    for i, c in enumerate(cases, 1):
        st = evaluate(c, today, wf)
        if st.overdue:
            overdue = f"是（{c['stage']}超期{st.overdue_days}天，{st.overdue_role}）"
        else:
            overdue = "否"
        state, reasons, due = referral_status(c, today, wf, st)
        if state == "referred":
            referral = f"已移交（{c['referred_date']}）"
        elif state == "required":
            late = f"，已逾期{(today - due).days}天" if due and today > due else ""
            referral = f"应移交：{reasons}，期限 {due or ''}{late}"
        else:
            referral = "否"
        determination = c.get("determination") or DETERMINATION_LABELS.get(c.get("determination_code") or "", "")
        dispose_due = c.get("dispose_due") or (wf.disposal_due(parse_date(c["found_date"])).isoformat()
                                               if c.get("found_date") else "")
        pid = c.get("patch_id") or ""
        # a case without a patch_id of its own (编号冲突, 编号为空) shows the id as delivered; its documents are
        # not looked up under that id, which names another case's documents
        shown = pid or c.get("given_patch_id") or ""
        data.rows.append([
            i, c["case_no"], shown, c.get("township") or "", c.get("village") or "",
            c.get("source") or "", c.get("stock_kind") or "", c.get("found_date") or "", c.get("party") or "",
            determination, c.get("consequence") or "", reports.get(pid, "") if pid else "",
            notices.get(pid, "") if pid else "",
            served.get(c["fid"], {}).get("date", ""), served.get(c["fid"], {}).get("due", ""),
            c.get("area_m2"), mu(c.get("area_m2")), c.get("farmland_m2"), mu(c.get("farmland_m2")),
            c.get("basic_farmland_m2"), mu(c.get("basic_farmland_m2")),
            c.get("department") or "", c.get("stage") or "", c.get("stage_due") or "", dispose_due,
            c.get("disposal_kind") or "", c.get("demolished_m2"), mu(c.get("demolished_m2")),
            c.get("closed_date") or "", overdue,
            c.get("accountability_note") or ("" if not st.overdue else f"{c['stage']}超期（{st.overdue_role}）"),
            referral, "；".join(x for x in (c.get("note"), c.get("id_note")) if x),
        ])
        if c.get("violation") != 1:
            continue
        t = towns.get(c.get("township") or "（未填）")
        if t is None:
            t = towns[c.get("township") or "（未填）"] = _summary_row(c.get("township") or "（未填）")
        t["cases"] += 1
        for k in ("area_m2", "farmland_m2", "basic_farmland_m2", "demolished_m2"):
            t[k] += float(c.get(k) or 0.0)
        t["overdue"] += int(st.overdue)
        t["referral_due"] += int(state == "required")
        t["referred"] += int(state == "referred")
        closed, found = parse_date(c.get("closed_date")), parse_date(c.get("found_date"))
        if closed and found and closed <= wf.disposal_due(found):
            t["closed_7d"] += 1
        if c.get("stock_kind") != "存量":
            t["illegal_farmland_m2"] += float(c.get("farmland_m2") or 0.0)
    # 违法占耕比's denominator: 耕地 of every new patch of the period, violation or not (statistics.py)
    for c in register.find_cases(month=month or None, columns=("township", "stock_kind", "farmland_m2")):
        if c.get("stock_kind") == "存量":
            continue
        name = c.get("township") or "（未填）"
        t = towns.get(name)
        if t is None:
            t = towns[name] = _summary_row(name)
        t["new_farmland_m2"] += float(c.get("farmland_m2") or 0.0)
    total = _summary_row("合计")
    for name in sorted(towns):
        t = towns[name]
        for k, _, _, kind in SUMMARY_FIELDS:
            if kind in ("int", "area") and k != "seq":
                total[k] += t[k]
        data.summary.append(t)
    data.summary.append(total)
    for i, t in enumerate(data.summary, 1):
        t["seq"] = i if t is not total else ""
        for k, _, _, kind in SUMMARY_FIELDS:
            if kind == "mu":
                t[k] = mu(t[k[:-3] + "_m2"])
        t["illegal_farmland_ratio"] = (round(100.0 * t["illegal_farmland_m2"] / t["new_farmland_m2"], 2)
                                       if t["new_farmland_m2"] > 0 else None)
    return data


def ledger_rows(register: Register, month: str | None = None, as_of=None,
                include_not_violations: bool = False, numbers: dict | None = None) -> list[list]:
    """The ledger's rows (values, unrounded ㎡) in found-date order."""
    return collect(register, month, as_of, numbers, include_not_violations).rows


def export_ledger(register: Register, output: str | Path, month: str | None = None, as_of=None,
                  title: str | None = None, feedback: Feedback | None = None, *,
                  numbers_registry: str | Path | None = None, unit: str = "", reporter: str = "",
                  reviewer: str = "", report_date=None) -> dict:
    """Write the ledger to ``output`` (.xlsx or .csv); returns {"rows": n, "path": output, "numbers": bool}.

    ``numbers_registry``: the document batches' ``文书编号登记.sqlite`` (default: [numbering] registry of the
    document configuration, if set); ``unit``/``reporter``/``reviewer``/``report_date`` fill the footer
    (填报单位 defaults to the documents' [authority] name; anything empty prints as a line to fill by hand).
    """
    fb = ensure_feedback(feedback)
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise WorkflowError(f"台账输出文件应为 .xlsx 或 .csv：{output}")
    if month:
        month_range(month)   # validates yyyy-mm with a clear message
    today = parse_date(as_of) or dt.date.today()
    registry = numbers_registry or default_numbers_registry(register.target)
    numbers = document_numbers(registry)
    data = collect(register, month, today, numbers)
    check_canceled(fb)
    period = f"{month[:4]}年{int(month[5:7])}月" if month else "全部"
    if title is None:
        title = f"新增违法违规问题台账（{period}）"
    footer = {"填报单位": unit or default_unit(), "填报人": reporter, "审核人": reviewer,
              "报送日期": (parse_date(report_date).isoformat() if report_date else "")}
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        if suffix == ".csv":
            _write_csv(output, data.rows)   # atomic itself (.part renamed at the end)
            # the table stays one header + rows (for Excel and scripts); the 乡镇汇总 and the footer go beside it
            summary_csv = _write_csv_summary(output.with_name(f"{output.stem}_乡镇汇总.csv"), data, title, period,
                                             today, footer)
        else:
            _write_xlsx(tmp, data, title, period, today, footer, fb)
            os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    if not registry:
        fb.info("未指定文书编号登记（文书编号登记.sqlite）：台账的文号列为空")
    fb.info(f"已导出台账 {len(data.rows)} 条：{output}")
    out = {"rows": len(data.rows), "path": str(output), "numbers": bool(registry)}
    if suffix == ".csv":
        out["summary"] = str(summary_csv)
        fb.info(f"乡镇汇总及填报信息：{summary_csv}")
    return out


def _fmt_area(v) -> str:
    return "" if v is None else f"{float(v):.2f}"


def _summary_cell(value, kind: str):
    if kind in ("area", "mu"):
        return _fmt_area(value)
    if kind == "pct":
        return "" if value is None else f"{float(value):.2f}"
    return value


def _write_csv_summary(path: Path, data: LedgerData, title: str, period: str, today: dt.date,
                       footer: dict) -> Path:
    """乡镇汇总 of a CSV ledger, as the XLSX's second sheet: title, the summary table (合计 last), the
    note on 违法占耕比, and the footer (填报单位/填报人/审核人/报送日期; empty ones left to fill by hand)."""
    rows: list[list] = [[f"统计日期：{today.isoformat()}", f"统计期间：{period}"],
                        [h for _, h, _, _ in SUMMARY_FIELDS]]
    rows += [[_summary_cell(t.get(k), kind) for k, _, _, kind in SUMMARY_FIELDS] for t in data.summary]
    rows += [[], [f"注：{SUMMARY_NOTE}"], []]
    rows += [[f"{label}：", value or ""] for label, value in footer.items()]
    return write_csv(path, [f"{title} 乡镇汇总"], rows)


def _write_csv(path: Path, rows: list[list]) -> None:
    # UTF-8 with BOM and patch numbers as text: Excel on a Chinese Windows shows it as written
    write_csv(path, [h for _, h, _, _ in LEDGER_FIELDS],
              ([_fmt_area(v) if i in AREA_COLUMNS else v for i, v in enumerate(r)] for r in rows))


class _Styles:
    """Prototype cells (one per column and variant), reused row after row.

    A write-only sheet serialises each row as soon as it is appended, so one styled cell per column can
    carry every row's value: no style lookup per cell, which is what makes 100 000 bordered rows affordable.
    """

    def __init__(self, ws):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.ws = ws
        self.cell = WriteOnlyCell
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name="宋体", size=10)
        self.red = Font(name="宋体", size=10, color="C00000")
        self.bold = Font(name="黑体", size=10, bold=True)
        self.fill = PatternFill("solid", fgColor="DDEBF7")
        self.wrap = Alignment(vertical="center", wrap_text=True)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.right = Alignment(horizontal="right", vertical="center")
        self.Font, self.Alignment = Font, Alignment

    def make(self, kind: str, font=None, value=None):
        c = self.cell(self.ws, value=value)
        c.border = self.border
        c.font = font or self.font
        if kind in ("area", "mu", "pct"):
            c.number_format = "#,##0.00"
            c.alignment = self.right
        elif kind == "int":
            c.alignment = self.center
        elif kind == "date":
            c.number_format = "yyyy-mm-dd"
            c.alignment = self.center
        else:
            c.alignment = self.wrap
        return c

    def header(self, text: str):
        c = self.make("text", self.bold, text)
        c.fill = self.fill
        c.alignment = self.center
        return c

    def plain(self, value, size=10, bold=False, name="宋体", horizontal=None, wrap=False):
        c = self.cell(self.ws, value=value)
        c.font = self.Font(name=name, size=size, bold=bold)
        if horizontal or wrap:
            c.alignment = self.Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
        return c


def _page_setup(ws, ncols: int, last_header_row: int, landscape: bool = True) -> None:
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = PAPER_SIZE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0            # as many pages down as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_title_rows = f"1:{last_header_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def _title_rows(ws, st: _Styles, title: str, sub: str, ncols: int) -> None:
    from openpyxl.utils import get_column_letter

    last = get_column_letter(ncols)
    ws.append([st.plain(title, 16, True, "黑体", "center")])
    ws.append([st.plain(sub, 10, False, "宋体", "left", wrap=True)])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 30


def _footer_rows(ws, st: _Styles, footer: dict, positions: list[int]) -> None:
    blank = "＿" * 10
    row = [None] * (max(positions) + 1)
    for (label, value), pos in zip(footer.items(), positions):
        row[pos] = st.plain(f"{label}：{value or blank}", 11)
    ws.append([])
    ws.append(row)


def _fast_rows(ws) -> None:
    """Hand the write-only sheet's rows of prototype cells straight to its writer.

    openpyxl's own conversion tries each appended cell as a value first (a ValueError with the cell's repr
    per cell) and then replaces every styled cell by a fresh one: a third of the export's time.  Our rows
    are lists of cells, so only the coordinates need setting.  Without the hook (another openpyxl) the
    default path is used: slower, same file.
    """
    if not callable(getattr(ws, "_values_to_row", None)):
        return

    def values_to_row(cells, row_idx):
        for col_idx, c in enumerate(cells, 1):
            if c is None:
                continue
            if not hasattr(c, "column"):      # a plain value (title/footer rows go through here too)
                from openpyxl.cell import WriteOnlyCell

                c = WriteOnlyCell(ws, value=c)
            c.column = col_idx
            c.row = row_idx
            yield c

    ws._values_to_row = values_to_row


def _write_xlsx(path: Path, data: LedgerData, title: str, period: str, today: dt.date, footer: dict,
                fb: Feedback) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)   # streams rows: 100 000 cases stay within memory and time
    ws = wb.create_sheet("台账")
    _fast_rows(ws)
    st = _Styles(ws)
    ncols = len(LEDGER_FIELDS)
    for i, (_, _, width, _) in enumerate(LEDGER_FIELDS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    _page_setup(ws, ncols, HEADER_ROW)
    sub = (f"填报单位：{footer['填报单位'] or '＿' * 12}　　统计期间：{period}　　"
           f"统计日期：{today.isoformat()}（是否超期、移交期限按此日期判断）　　面积单位：㎡、亩（1亩=10000/15㎡）")
    _title_rows(ws, st, title, sub, ncols)
    ws.row_dimensions[HEADER_ROW].height = 42
    ws.append([st.header(h) for _, h, _, _ in LEDGER_FIELDS])
    kinds = [k for _, _, _, k in LEDGER_FIELDS]
    normal = [st.make(k) for k in kinds]
    red_cols = {COL["stage"], COL["stage_due"], COL["overdue"], COL["referral"]}
    red = [st.make(k, st.red) if i in red_cols else normal[i] for i, k in enumerate(kinds)]
    date_cols = {i for i, k in enumerate(kinds) if k == "date"}
    totals = [0.0] * ncols
    fromiso = dt.date.fromisoformat
    i_overdue, i_referral = COL["overdue"], COL["referral"]
    # Wrapped text needs its row height in the file: LibreOffice does not fit the rows of an .xlsx on opening.
    text_cols = [(i, w - 1.5) for i, (_, _, w, k) in enumerate(LEDGER_FIELDS) if k == "text"]
    lines_of: dict[tuple[int, str], int] = {}
    dims = ws.row_dimensions
    for n, r in enumerate(data.rows):
        if n % 2000 == 0:
            check_canceled(fb)
        lines = 1
        for i, room in text_cols:
            v = r[i]
            if v and isinstance(v, str) and len(v) * 2 > room:
                k = lines_of.get((i, v))
                if k is None:
                    # display width: a CJK character (3 bytes in UTF-8) is two columns, ASCII one
                    width = (len(v.encode("utf-8")) + len(v)) / 2
                    k = lines_of[(i, v)] = min(6, math.ceil(width / room))
                lines = max(lines, k)
        if lines > 1:
            dims[HEADER_ROW + 1 + n].height = 13.0 * lines + 2
        protos = red if r[i_overdue] != "否" else normal
        ref_red = str(r[i_referral]).startswith("应移交")
        out = []
        for i, v in enumerate(r):
            c = protos[i]
            if i == i_referral:
                c = red[i] if ref_red else normal[i]
            if i in date_cols:
                v = fromiso(str(v)[:10]) if v else None
            elif v == "":
                v = None
            elif kinds[i] in ("area", "mu") and v is not None:
                totals[i] += v
            c.value = v
            out.append(c)
        ws.append(out)
    total_row = []
    for i, k in enumerate(kinds):
        value = "合计" if i == 1 else (f"{len(data.rows)} 件" if i == 2 else None)
        if k == "area":
            value = totals[i]
        elif k == "mu":
            value = mu(totals[i - 1])     # 亩 of the ㎡ total (the summary sheet's figure)
        total_row.append(st.make(k, st.bold, value))
    ws.append(total_row)
    _footer_rows(ws, st, footer, [1, 9, 15, 23])

    ws2 = wb.create_sheet("乡镇汇总")
    _fast_rows(ws2)
    st2 = _Styles(ws2)
    for i, (_, _, width, _) in enumerate(SUMMARY_FIELDS, 1):
        ws2.column_dimensions[get_column_letter(i)].width = width
    ws2.freeze_panes = f"C{HEADER_ROW + 1}"
    _page_setup(ws2, len(SUMMARY_FIELDS), HEADER_ROW)
    ws2.page_setup.paperSize = 9       # A4 is enough for 18 columns
    name = (title.replace("新增违法违规问题台账", "新增违法违规问题乡镇汇总表") if "台账" in title
            else f"{title}（乡镇汇总）")
    _title_rows(ws2, st2, name, f"统计期间：{period}　　统计日期：{today.isoformat()}　　{SUMMARY_NOTE}",
                len(SUMMARY_FIELDS))
    ws2.row_dimensions[2].height = 30
    ws2.row_dimensions[HEADER_ROW].height = 42
    ws2.append([st2.header(h) for _, h, _, _ in SUMMARY_FIELDS])
    for t in data.summary:
        bold = t["township"] == "合计"
        ws2.append([st2.make(kind, st2.bold if bold else None, t.get(k)) for k, _, _, kind in SUMMARY_FIELDS])
    _footer_rows(ws2, st2, footer, [1, 5, 9, 13])
    wb.save(path)
