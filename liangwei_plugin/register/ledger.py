"""The monthly ledger of new violations (新增违法违规问题台账, seed 001 第3条) as XLSX or CSV.

Rows are the violation cases found in the month (all when no month is given), with the status
(超期, 问责, 移交纪委监委) evaluated on the export date.  Files are written under a temporary
name and renamed at the end, so an interrupted export never leaves a file that looks complete.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..csv_out import write_csv
from ..feedback import Feedback, check_canceled, ensure_feedback
from .model import evaluate
from .storage import Register, month_range
from .workflow import WorkflowError, parse_date

DETERMINATION_LABELS = {
    "correctable": "违法建设（尚可采取改正措施）",
    "uncorrectable": "违法建设（无法采取改正措施）",
    "not_violation": "不属于违法",
}

# (header, width, kind) — kind: text | int | area | date
LEDGER_COLUMNS: list[tuple[str, int, str]] = [
    ("序号", 6, "int"), ("案件编号", 16, "text"), ("监测编号", 16, "text"), ("乡镇", 10, "text"), ("村", 12, "text"),
    ("问题来源", 10, "text"), ("存量/增量", 8, "text"), ("发现时间", 11, "date"), ("当事人", 14, "text"),
    ("违法类型/认定", 30, "text"), ("处理意见", 16, "text"), ("占地面积(㎡)", 12, "area"), ("其中耕地(㎡)", 12, "area"),
    ("其中永久基本农田(㎡)", 14, "area"), ("责任单位", 16, "text"), ("处置阶段", 10, "text"), ("阶段期限", 11, "date"),
    ("处置方式", 10, "text"), ("拆除面积(㎡)", 12, "area"), ("办结时间", 11, "date"), ("是否超期", 22, "text"),
    ("效能问责", 26, "text"), ("是否移交纪委监委", 22, "text"), ("备注", 30, "text"),
]
AREA_COLUMNS = [i for i, (_, _, k) in enumerate(LEDGER_COLUMNS) if k == "area"]


def ledger_rows(register: Register, month: str | None = None, as_of=None,
                include_not_violations: bool = False) -> list[list]:
    """The ledger's rows (values, unrounded) in case-number order."""
    today = parse_date(as_of) or dt.date.today()
    wf = register.workflow
    cases = register.find_cases(month=month or None, violation=None if include_not_violations else True,
                                order="found_date, case_no")
    rows = []
    for i, c in enumerate(cases, 1):
        st = evaluate(c, today, wf)
        if st.overdue:
            overdue = f"是（{c['stage']}超期{st.overdue_days}天，{st.overdue_role}）"
        else:
            overdue = "否"
        if c.get("referred_date"):
            referral = f"已移交（{c['referred_date']}）"
        elif st.referral_required:
            referral = f"应移交：{st.referral_reason}，期限 {st.referral_due or ''}"
        else:
            referral = "否"
        determination = c.get("determination") or DETERMINATION_LABELS.get(c.get("determination_code") or "", "")
        rows.append([
            i, c["case_no"], c.get("patch_id") or "", c.get("township") or "", c.get("village") or "",
            c.get("source") or "", c.get("stock_kind") or "", c.get("found_date") or "", c.get("party") or "",
            determination, c.get("consequence") or "", c.get("area_m2"), c.get("farmland_m2"),
            c.get("basic_farmland_m2"), c.get("department") or "", c.get("stage") or "", c.get("stage_due") or "",
            c.get("disposal_kind") or "", c.get("demolished_m2"), c.get("closed_date") or "", overdue,
            c.get("accountability_note") or ("" if not st.overdue else f"{c['stage']}超期（{st.overdue_role}）"),
            referral, c.get("note") or "",
        ])
    return rows


def export_ledger(register: Register, output: str | Path, month: str | None = None, as_of=None,
                  title: str | None = None, feedback: Feedback | None = None) -> dict:
    """Write the ledger to ``output`` (.xlsx or .csv); returns {"rows": n, "path": output}."""
    fb = ensure_feedback(feedback)
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise WorkflowError(f"台账输出文件应为 .xlsx 或 .csv：{output}")
    if month:
        month_range(month)   # validates yyyy-mm with a clear message
    today = parse_date(as_of) or dt.date.today()
    rows = ledger_rows(register, month, today)
    check_canceled(fb)
    if title is None:
        period = f"{month[:4]}年{int(month[5:7])}月" if month else "全部"
        title = f"新增违法违规问题台账（{period}）"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        if suffix == ".csv":
            _write_csv(output, rows)   # atomic itself (.part renamed at the end)
        else:
            _write_xlsx(tmp, rows, title, today, fb)
            os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    fb.info(f"已导出台账 {len(rows)} 条：{output}")
    return {"rows": len(rows), "path": str(output)}


def _fmt_area(v) -> str:
    return "" if v is None else f"{float(v):.2f}"


def _write_csv(path: Path, rows: list[list]) -> None:
    # UTF-8 with BOM and patch numbers as text: Excel on a Chinese Windows shows it as written
    write_csv(path, [h for h, _, _ in LEDGER_COLUMNS],
              ([_fmt_area(v) if i in AREA_COLUMNS else v for i, v in enumerate(r)] for r in rows))


def _write_xlsx(path: Path, rows: list[list], title: str, today: dt.date, fb: Feedback) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)   # streams rows: 100 000 cases stay within memory and time
    ws = wb.create_sheet("台账")
    for i, (_, width, _) in enumerate(LEDGER_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C3"
    font = Font(name="宋体", size=11)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = Font(name="黑体", size=16, bold=True)
    note_cell = WriteOnlyCell(ws, value=f"统计日期：{today.isoformat()}（是否超期、移交期限按此日期判断）")
    note_cell.font = font
    ws.append([title_cell] + [None] * 8 + [note_cell])
    header = []
    fill = PatternFill("solid", fgColor="DDEBF7")
    for h, _, _ in LEDGER_COLUMNS:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(name="黑体", size=11, bold=True)
        c.fill = fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)
    red = Font(name="宋体", size=11, color="C00000")
    kinds = [k for _, _, k in LEDGER_COLUMNS]
    totals = [0.0] * len(LEDGER_COLUMNS)
    # Plain values where no format is needed: styling every one of 100 000 × 24 cells triples the time.
    for n, r in enumerate(rows):
        if n % 2000 == 0:
            check_canceled(fb)
        out = []
        overdue = str(r[20]).startswith("是")
        for i, v in enumerate(r):
            kind = kinds[i]
            if kind == "area":
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "#,##0.00"
                if v is not None:
                    totals[i] += float(v)
            elif kind == "date" and v:
                c = WriteOnlyCell(ws, value=dt.date.fromisoformat(str(v)[:10]))
                c.number_format = "yyyy-mm-dd"
            elif overdue and i in (15, 20):
                c = WriteOnlyCell(ws, value=v)
            else:
                out.append(None if v == "" else v)
                continue
            if overdue and i in (15, 16, 20):
                c.font = red
            out.append(c)
        ws.append(out)
    total_row = []
    for i, (_, _, k) in enumerate(LEDGER_COLUMNS):
        value = "合计" if i == 1 else (f"{len(rows)} 件" if i == 2 else (totals[i] if k == "area" else None))
        c = WriteOnlyCell(ws, value=value)
        c.font = Font(name="黑体", size=11, bold=True)
        c.border = border
        if k == "area":
            c.number_format = "#,##0.00"
        total_row.append(c)
    ws.append(total_row)
    wb.save(path)
