"""Issue 10, deadlines run from the recorded service (送达): a document's 送达日期 recorded in the case register
(record_service / liangwei:recordservice) feeds its reprint (exportnotices with REGISTER: "自送达之日起15日内
（即2026年12月5日前）" and "本文书已于…送达"), the 存根 of the notice and of the 责令停止违法行为通知书 (on a sheet of
its own), the XLSX ledger's 送达日期 / 整改期限 columns, and the overdue flags (拆除整治 counts from service).

Every expected date is worked by hand from documents.toml (15 days for 限期拆除并恢复原状, 7 to report,
5 for a hearing), the day of service not counted: 2026-11-30 + 15 = 2026-12-15 (across the month's end).
The documents are dated 2026-11-22 (ISSUE); the stop order is served first, the hearing notice next, the
notice after the hearing window.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess  # nosec B404 - pdftoppm with fixed arguments
import sys
import uuid
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).parent))
from liangwei.liangwei_plugin.documents import batch  # noqa: E402
from liangwei.liangwei_plugin.documents.config import load_config  # noqa: E402
from test_legal_text import ISSUE, flat  # noqa: E402
from test_stop_order import _records  # noqa: E402

PID = "unit-building"            # a company on farmland, under construction: stop order, hearing, notice
NOTICE_SERVED = "2026-11-30"     # + 15 days -> 2026年12月15日; + 7 (report) -> 2026年12月7日
STOP_SERVED = "2026-11-23"       # + 7 (report) -> 2026年11月30日
HEARING_SERVED = "2026-11-24"    # + 5 (hearing request) -> 2026年11月29日


def _pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return ["".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def reprint(qgis_app, tmp_path_factory):
    """First issue, the register with the three services recorded, then the reprint through the register."""
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.served import record_service
    from liangwei.processing_algs.documents_common import served_in_register

    tmp = tmp_path_factory.mktemp("served")
    config = load_config()
    records = [r for r in _records() if r.patch_id == PID]
    assert records[0].attrs["consequence"] == "限期拆除并恢复原状"
    first = batch.export_batch("notice", records, tmp / "out", config=config, registry_path=tmp / "n.sqlite",
                               issue_date=ISSUE)
    numbers = {r.document: r.number for r in first.rows}
    assert set(numbers) == {"stop", "hearing", "notice"}
    target = str(tmp / "台账.gpkg")
    with Register(target) as reg:
        reg.register_cases([dict(patch_id=PID, township="城关镇", violation=1, party="××建材有限公司",
                                 source="网格巡查", consequence="限期拆除并恢复原状", area_m2=2000.0,
                                 farmland_m2=1500.0, geom=shapely.to_wkb(box(0, 0, 10, 10)))],
                           found_date="2026-11-10", actor="测试")
        record_service(reg, PID, "责令停止违法行为通知书", numbers["stop"], STOP_SERVED, days=7, actor="王五",
                       method="直接送达")
        record_service(reg, PID, "行政处罚听证告知书", numbers["hearing"], HEARING_SERVED, days=5, actor="王五",
                       method="留置送达")
        record_service(reg, PID, "责令限期整改通知书", numbers["notice"], NOTICE_SERVED, days=15, actor="王五",
                       method="直接送达")
        served = served_in_register(reg, records, config)
    assert served[PID]["served_notice"] == NOTICE_SERVED and served[PID]["served_stop_method"] == "直接送达"
    again = [batch.PatchRecord(r.patch_id, {**r.attrs, **served[r.patch_id]}) for r in records]
    res = batch.export_batch("notice", again, tmp / "out", config=config, registry_path=tmp / "n.sqlite",
                             issue_date=ISSUE)
    assert res.written == 1 and {r.document: r.number for r in res.rows} == numbers   # same numbers, remade
    return {"first": first, "res": res, "target": target, "tmp": tmp, "numbers": numbers}


def _file(res, kind: str) -> Path:
    (row,) = [r for r in res.rows if r.document == kind]
    return res.folder / row.file


def test_first_issue_gives_the_period_only(qgis_app):
    from liangwei.liangwei_plugin.documents.model import DocumentInput
    from liangwei.liangwei_plugin.documents.notice import notice_values

    rec = [r for r in _records() if r.patch_id == PID][0]
    v = notice_values(DocumentInput(PID, rec.attrs, issue_date=ISSUE, number="X"), load_config())
    assert v["deadline"] == "自送达之日起15日内" and v["report_deadline"] == "自送达之日起7日内"
    assert str(v["served_clause"]) == "" and str(v["hearing_due_clause"]) == ""


def test_reprinted_notice_shows_service_and_deadline_dates(reprint):
    text = flat(_file(reprint["res"], "notice"))
    assert "并于自送达之日起15日内（即2026年12月15日前）整改完毕" in text     # 11-30 + 15: across the month's end
    assert "请你单位于自送达之日起7日内（即2026年12月7日前）" in text
    assert "本文书已于2026年11月30日送达。" in text
    pages = _pages(_file(reprint["res"], "notice"))
    (stub,) = [i for i, p in enumerate(pages) if "责令限期整改通知书（存根）" in p]
    assert stub % 2 == 0                                  # on the front of a sheet of its own (duplex)
    assert "送达方式直接送达" in pages[stub] and "送达时间2026年11月30日" in pages[stub]
    assert "整改期限自送达之日起15日内（即2026年12月15日前）（15日）" in pages[stub]


def test_reprinted_stop_order_and_hearing_count_from_their_own_service(reprint):
    stop = flat(_file(reprint["res"], "stop"))
    assert "请你单位于自送达之日起7日内（即2026年11月30日前）" in stop and "本文书已于2026年11月23日送达。" in stop
    hearing = flat(_file(reprint["res"], "hearing"))
    assert "收到本告知书之日起5日内（即2026年11月29日前）向我局提出" in hearing
    assert "本文书已于2026年11月24日送达。" in hearing


def test_stop_order_has_a_counterfoil_on_its_own_sheet(reprint):
    for res, served in ((reprint["res"], True),):
        pages = _pages(_file(res, "stop"))
        stubs = [i for i, p in enumerate(pages) if "责令停止违法行为通知书（存根）" in p]
        assert len(stubs) == 1 and stubs[0] % 2 == 0 and len(pages) > stubs[0]
        receipt = [i for i, p in enumerate(pages) if p.startswith("××县自然资源局送达回证")]
        assert receipt and receipt[0] % 2 == 0 and receipt[0] < stubs[0]
        stub = pages[stubs[0]]
        number = reprint["numbers"]["stop"]
        for label in ("文书编号" + number, "当事人××建材有限公司", "监测编号" + PID, "责令事项立即停止违法行为",
                      "送达地点", "受送达人签收", "签发人"):
            assert label in stub, label
        assert ("送达时间2026年11月23日" in stub) is served


def test_unserved_stop_order_has_its_counterfoil_too(qgis_app, tmp_path):
    res = batch.export_batch("stop", [r for r in _records() if r.patch_id == PID], tmp_path, config=load_config(),
                             registry_path=tmp_path / "n.sqlite", issue_date=ISSUE)
    pages = _pages(res.folder / res.rows[0].file)
    stubs = [i for i, p in enumerate(pages) if "责令停止违法行为通知书（存根）" in p]
    assert len(stubs) == 1 and stubs[0] % 2 == 0
    assert "送达时间受送达人签收" in pages[stubs[0]]    # blank rows, to fill in by hand
    assert "本文书已于" not in "".join(pages)


def test_service_under_another_number_is_not_this_documents(qgis_app):
    from liangwei.liangwei_plugin.documents.model import DocumentInput
    from liangwei.liangwei_plugin.documents.notice import service_date

    attrs = {"served_notice": "2026-11-20", "served_notice_number": "第1号"}
    assert service_date(DocumentInput(PID, attrs, number="第1号")) == dt.date(2026, 11, 20)
    assert service_date(DocumentInput(PID, attrs, number="第3号")) is None      # 第1号 voided, 第3号 not served
    assert service_date(DocumentInput(PID, attrs, number="第1号"), kind="stop") is None


def test_ledger_shows_service_date_and_rectification_deadline(reprint):
    from openpyxl import load_workbook

    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    out = reprint["tmp"] / "台账.xlsx"
    with Register(reprint["target"], readonly=True) as reg:
        export_ledger(reg, out, "2026-11", "2026-12-01")
    ws = load_workbook(out)["台账"]
    header = [c.value for c in ws[3]]
    i_served, i_due = header.index("送达日期") + 1, header.index("整改期限") + 1
    (row,) = [r for r in range(4, ws.max_row + 1) if ws.cell(r, 3).value == PID]
    assert ws.cell(row, i_served).value.date() == dt.date(2026, 11, 30)
    assert ws.cell(row, i_due).value.date() == dt.date(2026, 12, 15)
    assert ws.cell(row, i_due).number_format == "yyyy-mm-dd" and ws.cell(row, i_due).border.left.style == "thin"


def _case(reg, pid: str, x: int):
    reg.register_cases([dict(patch_id=pid, township="城关镇", violation=1, party="某户", source="网格巡查",
                             consequence="限期拆除并恢复原状", area_m2=100.0,
                             geom=shapely.to_wkb(box(x, 0, x + 10, 10)))], found_date="2026-11-18", actor="测试")
    assert reg.get_case(pid)["stage"] == "快速认定"


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "r.gpkg")
    return request.getfixturevalue("pg").uri("s_" + uuid.uuid4().hex[:12])


def test_overdue_counts_from_the_served_notice(target):
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.served import notice_services, record_service

    with Register(target) as reg:
        _case(reg, "S1", 0)
        _case(reg, "S2", 100)
        # S1: in 拆除整治 from 11-21, 3 days -> due 11-24; the notice served 11-20 gives the party until 12-05
        reg.advance("S1", "拆除整治", "2026-11-21", "认定员", "认定违法")
        assert reg.get_case("S1")["stage_due"] == "2026-11-24"
        case = record_service(reg, "S1", "责令限期整改通知书", "第1号", "2026-11-20", days=15, actor="王五")
        assert case["stage_due"] == "2026-12-05" and case["rectify_due"] == "2026-12-05"
        assert reg.history("S1")[-1]["changes"]["stage_due"] == ["2026-11-24", "2026-12-05"]
        # S2: served while still at 快速认定 (11-19 + 15 = 12-04); entering 拆除整治 takes that deadline
        record_service(reg, "S2", "责令限期整改通知书", "第2号", "2026-11-19", days=15, actor="王五")
        reg.advance("S2", "拆除整治", "2026-11-22", "认定员", "认定违法")
        assert reg.get_case("S2")["stage_due"] == "2026-12-04"
        # another document served does not move the deadline
        before = reg.get_case("S2")["stage_due"]
        record_service(reg, "S2", "行政处罚听证告知书", "听1号", "2026-11-21", days=5, actor="王五")
        assert reg.get_case("S2")["stage_due"] == before
        assert reg.flag_overdue("2026-11-30", "效能办") == []           # past 11-24, within the served period
        assert reg.flag_overdue("2026-12-05", "效能办") == [reg.get_case("S2")["case_no"]]
        assert sorted(reg.flag_overdue("2026-12-06", "效能办")) == [reg.get_case("S1")["case_no"]]
        st = reg.status(reg.get_case("S1"), "2026-12-06")
        assert st.overdue and st.overdue_days == 1 and "未按时限整改到位" in st.referral_reason
        served = notice_services(reg)
        assert served[reg.get_case("S1")["fid"]]["due"] == "2026-12-05"
        assert served[reg.get_case("S2")["fid"]]["date"] == "2026-11-19"


def test_render_served_forms(reprint, artifacts_dir):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing")
    out = artifacts_dir / "legal"
    out.mkdir(parents=True, exist_ok=True)
    for kind in ("notice", "stop", "hearing"):
        subprocess.run(["pdftoppm", "-png", "-r", "90", str(_file(reprint["res"], kind)), str(out / f"served_{kind}")],
                       check=True)
    assert list(out.glob("served_stop-*.png"))


def test_ledger_with_service_columns_printed_through_libreoffice(reprint, artifacts_dir):
    """The ledger with its 送达日期 / 整改期限 columns printed by LibreOffice (PNG kept to look at)."""
    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import export_ledger

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftoppm"):
        pytest.skip("LibreOffice (soffice) or pdftoppm not installed")
    out = artifacts_dir / "ledger"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("served_ledger*"):
        old.unlink()
    xlsx = out / "served_ledger.xlsx"
    with Register(reprint["target"], readonly=True) as reg:
        export_ledger(reg, xlsx, "2026-11", "2026-12-01", unit="××县自然资源局", reporter="张三")
    profile = reprint["tmp"] / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(xlsx)], check=True, timeout=180, capture_output=True)  # nosec B603
    pdf = out / "served_ledger.pdf"
    text = "".join(_pages(pdf))
    assert "送达日期" in text and "整改期限" in text and "2026-11-30" in text and "2026-12-15" in text
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(out / "served_ledger")],
                   check=True)  # nosec B603
    assert list(out.glob("served_ledger*.png"))


def test_exportnotices_with_register_reprints_after_recordservice(liangwei_provider, tmp_path):
    """Through Processing: registercases → exportnotices → recordservice → exportnotices with REGISTER."""
    import processing

    import doc_data
    from liangwei.liangwei_plugin.csv_out import read_csv

    boxes = doc_data.patch_boxes(4, size_px=400, seed=5)
    recs, detail = doc_data.records(boxes, [f"350521-2026-{i:04d}" for i in range(1, 5)])
    paths = doc_data.write_vectors(tmp_path / "vec", recs, detail, size_px=400)
    register, numbers, folder = str(tmp_path / "台账.gpkg"), str(tmp_path / "编号.sqlite"), tmp_path / "notices"
    processing.run("liangwei:registercases", {"INPUT": paths["determination"], "REGISTER": register, "SOURCE": 1,
                                              "DATE": "2026-11-20", "ACTOR": "内业员"})

    def export():
        out = processing.run("liangwei:exportnotices", {
            "INPUT": paths["determination"], "OUTPUT_FOLDER": str(folder), "WORKERS": 0, "ISSUE_DATE": "2026-11-22",
            "NUMBER_REGISTRY": numbers, "REGISTER": register})
        return {r["patch_id"]: r for r in read_csv(Path(out["INDEX"])) if r["document"] == "notice"}

    first = export()
    assert first
    pid, row = sorted(first.items())[0]
    assert "（即" not in flat(folder / row["file"])
    due = processing.run("liangwei:recordservice", {"REGISTER": register, "CASE_ID": pid, "DOCUMENT": 0,
                                                    "DATE": "2026-11-30", "ACTOR": "王五",
                                                    "NUMBER_REGISTRY": numbers})["DUE"]
    days = (dt.date.fromisoformat(due) - dt.date(2026, 11, 30)).days
    assert days in (15, 30)                                  # documents.toml [deadlines] by consequence
    end = dt.date(2026, 11, 30) + dt.timedelta(days=days)    # 2026-12-15 or 2026-12-30
    again = export()
    assert again[pid]["number"] == row["number"]
    text = flat(folder / again[pid]["file"])
    assert f"自送达之日起{days}日内（即{end.year}年{end.month}月{end.day}日前）" in text
    assert "本文书已于2026年11月30日送达。" in text
    others = [p for p in again if p != pid]
    assert all("本文书已于" not in flat(folder / again[p]["file"]) for p in others)
