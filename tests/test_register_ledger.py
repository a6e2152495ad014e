"""The XLSX ledger (新增违法违规问题台账) as printed: page setup, borders, 亩, document numbers,
the referral rule of seed 001 for every overdue stage (快速认定 included), the 乡镇汇总 sheet, and a
print through LibreOffice (PDF + PNG kept in tests/artifacts/ledger/ to look at) when soffice exists.

Expected values are computed here independently of ledger.py: 亩 = ㎡ × 15 / 10000 rounded to 0.01;
sums by township from the case list below.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404 - soffice / pdftoppm with fixed arguments
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

AS_OF = "2026-11-12"
# patch id, township, area m², farmland m², basic farmland m², violation, found date
CASES = [
    ("QA01", "城关镇", 1234.56, 333.33, 100.0, 1, "2026-11-02"),   # left at 快速认定: past the 7-day target
    ("QA02", "城关镇", 777.77, 0.0, 0.0, 1, "2026-11-02"),         # disposed in 4 days
    ("QA03", "溪口镇", 2000.0, 1500.5, 0.0, 1, "2026-11-05"),      # 快速认定 overdue, 7-day target not yet passed
    ("QA04", "溪口镇", 650.0, 500.0, 0.0, 0, "2026-11-05"),        # not a violation: ratio's denominator only
    ("QA05", "溪口镇", 99.99, 10.01, 0.0, 1, "2026-11-03"),        # referred already
    ("QA06", "龙岭镇", 10000.0, 6666.67, 0.0, 1, "2026-11-10"),    # within every deadline
]
FILLERS = 130   # more rows so that the print runs onto a second page (repeated header)


def mu(m2: float) -> float:
    return round(m2 * 15 / 10000, 2)


def make_register(path: Path):
    from liangwei.liangwei_plugin.register import Register

    reg = Register(str(path))
    for i, (pid, town, area, farm, jbnt, vio, found) in enumerate(CASES):
        reg.register_cases([dict(
            patch_id=pid, township=town, village="某村", party=f"{town}某户", area_m2=area, farmland_m2=farm,
            basic_farmland_m2=jbnt, violation=vio, department="自然资源和规划局",
            determination_code="uncorrectable" if vio else "not_violation",
            consequence="限期拆除并恢复原状" if vio else "",
            geom=shapely.to_wkb(box(39_500_000 + 100 * i, 2_800_000, 39_500_030 + 100 * i, 2_800_030)))],
            found_date=found, actor="测试")
    fill = [dict(patch_id=f"QF{i:03d}", township="岩前乡", village="岩前村", area_m2=100.0 + i, farmland_m2=0.0,
                 violation=1, determination_code="correctable", department="城市管理局",
                 geom=shapely.to_wkb(box(39_510_000 + 50 * i, 2_800_000, 39_510_020 + 50 * i, 2_800_020)))
            for i in range(FILLERS)]
    reg.register_cases(fill, found_date="2026-11-10", actor="测试")
    reg.advance("QA02", "拆除整治", "2026-11-03", "国土所", "认定违法")
    reg.advance("QA02", "监督检查", "2026-11-05", "镇分管领导", "已拆除", disposal_kind="拆除", demolished_m2=777.77)
    reg.advance("QA02", "办结", "2026-11-06", "人大主席", "核实到位")
    reg.update_case("QA05", {"referred_date": "2026-11-11"}, "自然资源局", "已移交纪委监委")
    return reg


def make_numbers(path: Path) -> None:
    """A registry with the document batches' table (the voided number must not show)."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE numbers (authority TEXT NOT NULL DEFAULT '', series TEXT, year INTEGER, n INTEGER,"
               " key TEXT, number TEXT, issued TEXT, voided TEXT, void_reason TEXT)")
    rows = [("report", 1, "QA01", "×自然资规认〔2026〕第1号", None),
            ("notice", 1, "QA01", "×自然资责改〔2026〕第1号", None),
            ("report", 2, "QA03", "×自然资规认〔2026〕第2号", "2026-11-06"),
            ("report", 3, "QA03", "×自然资规认〔2026〕第3号", None)]
    db.executemany("INSERT INTO numbers VALUES ('×县自然资源局', ?, 2026, ?, ?, ?, '2026-11-06', ?, NULL)", rows)
    db.commit()
    db.close()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    tmp = tmp_path_factory.mktemp("ledger")
    make_numbers(tmp / "文书编号登记.sqlite")
    with make_register(tmp / "台账.gpkg") as reg:
        out = tmp / "台账.xlsx"
        res = export_ledger(reg, out, "2026-11", AS_OF, numbers_registry=tmp / "文书编号登记.sqlite",
                            unit="××县自然资源和规划局执法大队", reporter="张三", report_date="2026-11-13")
        assert res["rows"] == 5 + FILLERS and res["numbers"]
        csv_out = tmp / "台账.csv"
        export_ledger(reg, csv_out, "2026-11", AS_OF)
        from liangwei.liangwei_plugin.register.statistics import case_statistics

        stats = case_statistics(reg, "2026-11", AS_OF)
    return out, csv_out, stats


def sheet_rows(ws):
    header = [c.value for c in ws[3]]
    rows = []
    for r in ws.iter_rows(min_row=4, values_only=True):
        if r[1] == "合计":
            return header, rows, dict(zip(header, r))
        rows.append(dict(zip(header, r)))
    raise AssertionError("no 合计 row")


def test_print_setup_title_and_footer(ledger):
    from openpyxl import load_workbook

    wb = load_workbook(ledger[0])
    assert wb.sheetnames == ["台账", "乡镇汇总"]
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape"
        assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows.replace("$", "") == "1:3"
        assert "&P" in ws.oddFooter.center.text
        last = ws.max_column
        from openpyxl.utils import get_column_letter

        assert f"A1:{get_column_letter(last)}1" in {str(r) for r in ws.merged_cells.ranges}
    ws = wb["台账"]
    assert int(ws.page_setup.paperSize) == 8          # A3
    assert ws["A1"].value == "新增违法违规问题台账（2026年11月）"
    assert "统计日期：2026-11-12" in ws["A2"].value and "××县自然资源和规划局执法大队" in ws["A2"].value
    footer = [str(c.value) for row in ws.iter_rows(min_row=ws.max_row - 1) for c in row if c.value]
    assert "填报单位：××县自然资源和规划局执法大队" in footer and "填报人：张三" in footer
    assert "报送日期：2026-11-13" in footer
    assert any(f.startswith("审核人：＿＿") for f in footer)        # blank line to fill by hand


def test_borders_on_every_table_cell(ledger):
    from openpyxl import load_workbook

    wb = load_workbook(ledger[0])
    for ws in wb.worksheets:
        first = 3
        last = next(r[0].row for r in ws.iter_rows(min_row=4) if r[1].value == "合计")
        for row in ws.iter_rows(min_row=first, max_row=last, max_col=ws.max_column):
            for c in row:
                b = c.border
                assert (b.left.style, b.right.style, b.top.style, b.bottom.style) == ("thin",) * 4, \
                    f"{ws.title}!{c.coordinate}"


def test_mu_columns_and_document_numbers(ledger):
    from openpyxl import load_workbook

    header, rows, total = sheet_rows(load_workbook(ledger[0])["台账"])
    for m2, m in (("占地面积(㎡)", "占地面积(亩)"), ("其中耕地(㎡)", "其中耕地(亩)"),
                  ("其中永久基本农田(㎡)", "其中永久基本农田(亩)"), ("拆除面积(㎡)", "拆除面积(亩)")):
        assert header.index(m) == header.index(m2) + 1       # 亩 beside ㎡
        for r in rows:
            if r[m2] is None:
                assert r[m] is None
            else:
                assert r[m] == mu(r[m2]), (r["监测编号"], m)
        assert total[m] == mu(sum(r[m2] or 0.0 for r in rows))
    by = {r["监测编号"]: r for r in rows}
    assert by["QA01"]["占地面积(亩)"] == 1.85 and by["QA06"]["占地面积(亩)"] == 15.0
    assert by["QA01"]["其中耕地(亩)"] == 0.5 and by["QA06"]["其中耕地(亩)"] == 10.0
    assert by["QA01"]["认定意见书文号"] == "×自然资规认〔2026〕第1号"
    assert by["QA01"]["整改通知书文号"] == "×自然资责改〔2026〕第1号"
    assert by["QA03"]["认定意见书文号"] == "×自然资规认〔2026〕第3号"      # the voided 第2号 is not shown
    assert by["QA02"]["认定意见书文号"] is None


def test_referral_for_every_overdue_stage(ledger):
    from openpyxl import load_workbook

    header, rows, _ = sheet_rows(load_workbook(ledger[0])["台账"])
    by = {r["监测编号"]: r for r in rows}
    a = by["QA01"]   # found 11-02, still at 快速认定 on 11-12: 7-day target 11-09 passed → referral by 11-24
    assert a["处置阶段"] == "快速认定" and a["是否超期"].startswith("是（快速认定超期8天")
    assert a["7日处置期限"].date().isoformat() == "2026-11-09"
    assert a["是否移交纪委监委"].startswith("应移交：未按时限整改到位") and "期限 2026-11-24" in a["是否移交纪委监委"]
    c = by["QA03"]   # 快速认定 overdue (due 11-07) but its 7-day target is 11-12 itself: not yet
    assert c["是否超期"].startswith("是") and c["是否移交纪委监委"] == "否"
    assert by["QA02"]["是否移交纪委监委"] == "否"                    # disposed on day 4
    assert by["QA05"]["是否移交纪委监委"] == "已移交（2026-11-11）"
    assert by["QA06"]["是否移交纪委监委"] == "否" and by["QA06"]["是否超期"] == "否"
    assert "QA04" not in by                                           # not a violation


def test_referral_rule_lives_in_workflow_toml(tmp_path):
    """Editing the rule's stages in workflow.toml changes the ledger; no code involved."""
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import ledger_rows
    from liangwei.liangwei_plugin.register.workflow import DEFAULT_WORKFLOW, Workflow

    text = Path(DEFAULT_WORKFLOW).read_text(encoding="utf-8")
    assert "[[referral.rule]]" in text
    edited = tmp_path / "workflow.toml"
    edited.write_text(text.replace('stages = "*"', 'stages = ["拆除整治", "监督检查"]'), encoding="utf-8")
    for wf, expected in ((Workflow.load(), "应移交"), (Workflow.load(edited), "否")):
        with Register(str(tmp_path / f"r{expected}.gpkg"), workflow=wf) as reg:
            reg.register_cases([dict(patch_id="QZ1", violation=1, area_m2=10.0,
                                     geom=shapely.to_wkb(box(39_500_000, 2_800_000, 39_500_010, 2_800_010)))],
                               found_date="2026-11-02", actor="测试")
            (row,) = ledger_rows(reg, "2026-11", AS_OF)
            assert str(row[-2]).startswith(expected)


def test_township_summary_sums(ledger):
    from openpyxl import load_workbook

    wb = load_workbook(ledger[0])
    _, rows, _ = sheet_rows(wb["台账"])
    header, towns, total = sheet_rows(wb["乡镇汇总"])
    by = {t["乡镇"]: t for t in towns}
    assert set(by) == {"城关镇", "溪口镇", "龙岭镇", "岩前乡"}
    for name, t in by.items():
        mine = [r for r in rows if r["乡镇"] == name]
        assert t["违法案件数"] == len(mine)
        for col in ("占地面积(㎡)", "其中耕地(㎡)", "其中永久基本农田(㎡)", "拆除面积(㎡)"):
            assert t[col] == pytest.approx(sum(r[col] or 0.0 for r in mine))
            assert t[col.replace("㎡", "亩")] == mu(t[col])
        assert t["超期案件数"] == sum(1 for r in mine if r["是否超期"] != "否")
        assert t["应移交纪委监委数"] == sum(1 for r in mine if r["是否移交纪委监委"].startswith("应移交"))
        assert t["已移交数"] == sum(1 for r in mine if r["是否移交纪委监委"].startswith("已移交"))
    for col in ("违法案件数", "占地面积(㎡)", "其中耕地(㎡)", "超期案件数", "应移交纪委监委数", "新增建设占用耕地(㎡)"):
        assert total[col] == pytest.approx(sum(t[col] for t in towns))
    assert total["违法案件数"] == len(rows) and total["占地面积(亩)"] == mu(total["占地面积(㎡)"])
    # 违法占耕比 by hand: 溪口镇 (1500.5 + 10.01) / (1500.5 + 500 + 10.01); 城关镇 100 %; 岩前乡 no farmland
    assert by["溪口镇"]["新增建设占用耕地(㎡)"] == pytest.approx(2010.51)
    assert by["溪口镇"]["违法占耕比(%)"] == round(100 * 1510.51 / 2010.51, 2)
    assert by["城关镇"]["违法占耕比(%)"] == 100.0 and by["岩前乡"]["违法占耕比(%)"] is None
    farm = 333.33 + 1500.5 + 10.01 + 6666.67
    assert total["违法占耕比(%)"] == round(100 * farm / (farm + 500.0), 2)
    # the same figure as liangwei:casestatistics
    stat = {(s["dimension"], s["group"]): s for s in ledger[2]}
    assert total["违法占耕比(%)"] == round(stat[("全部", "合计")]["illegal_farmland_ratio"], 2)
    assert by["溪口镇"]["违法占耕比(%)"] == round(stat[("乡镇", "溪口镇")]["illegal_farmland_ratio"], 2)


def test_csv_has_mu_and_numbers_columns(ledger):
    from liangwei.liangwei_plugin.csv_out import read_csv

    data = {r["监测编号"]: r for r in read_csv(ledger[1])}
    assert data["QA01"]["占地面积(亩)"] == "1.85" and data["QA01"]["占地面积(㎡)"] == "1234.56"
    assert "认定意见书文号" in data["QA01"] and "是否移交纪委监委" in data["QA01"]


def test_printed_through_libreoffice(ledger, artifacts_dir):
    """Print the workbook to PDF with LibreOffice and keep PNGs of the pages to look at."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-calc")
    out = artifacts_dir / "ledger"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("ledger*"):
        old.unlink()
    xlsx = out / "ledger.xlsx"
    shutil.copy(ledger[0], xlsx)
    profile = Path(ledger[0]).parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(xlsx)], check=True, timeout=180, capture_output=True)  # nosec B603
    pdf = out / "ledger.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 1000
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed: PDF written, no PNG")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(out / "ledger")], check=True,  # nosec B603 B607
                   timeout=120)
    pages = sorted(out.glob("ledger-*.png"))
    # ledger: 75 rows run onto 2 pages at full width; summary: 1 page → 3 pages, not 20
    assert 2 <= len(pages) <= 4, [p.name for p in pages]
    from PIL import Image

    for p in pages:
        with Image.open(p) as im:
            assert im.width > im.height, f"{p.name} is not landscape"
