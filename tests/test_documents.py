"""Documents core: 亩 rounding, safe file names, numbering, fonts, and the PDFs read back with poppler."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import doc_data  # noqa: E402
from liangwei.liangwei_plugin.documents import batch, fonts  # noqa: E402
from liangwei.liangwei_plugin.documents.config import load_config  # noqa: E402
from liangwei.liangwei_plugin.documents.numbering import NumberRegistry  # noqa: E402
from liangwei.liangwei_plugin.documents.values import m2_text, mu_text, share_text  # noqa: E402

ISSUE = dt.date(2026, 11, 22)
UNSAFE_ID = 'JC/2026*07:"x"?<1>|'


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdfpages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


# ------------------------------------------------------------------------------------- values
def test_mu_from_exact_square_metres_half_up():
    # 70 ㎡ = 0.105 亩 exactly: half-up gives 0.11 (binary round() would give 0.1)
    assert mu_text(70) == "0.11"
    # 3.3334 ㎡ = 0.0050001 亩 -> 0.01; converting the rounded 3.33 ㎡ would give 0.00
    assert mu_text(3.3334) == "0.01"
    assert mu_text(666.6666666) == "1.00"
    assert m2_text(0.125) == "0.13" and m2_text(1234.5678) == "1234.57"
    assert share_text(0.25) == "25.00%" and share_text(None) == ""


def test_mu_edge_matches_decimal_reference():
    from decimal import ROUND_HALF_UP, Decimal

    for a in (0.005, 1.0, 33.3333, 101.55, 12345.678, 0.0):
        ref = (Decimal(a) * Decimal(15) / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert mu_text(a) == f"{ref:.2f}"


def test_safe_filename_from_any_id():
    names = {batch.safe_filename(i) for i in (UNSAFE_ID, "JC_2026_07", "a:b", "a*b", "CON", "  ", "..")}
    assert len(names) == 7
    for n in names:
        assert not set(n) & set('/\\:*?"<>|'), n
        assert n and not n.startswith(".") and n.upper() != "CON"
    assert batch.safe_filename("350521-2026-0001") == "350521-2026-0001"
    assert batch.safe_filename(UNSAFE_ID) == batch.safe_filename(UNSAFE_ID)


# ------------------------------------------------------------------------------------- numbering
def test_numbers_never_reused_and_stable(tmp_path):
    path = tmp_path / "reg.sqlite"
    with NumberRegistry(path, {"notice": "{short}责改〔{year}〕第{n}号"}, {"short": "×自然资"}) as reg:
        first = reg.numbers("notice", ["a", "b", "c"], 2026)
        assert first == {"a": "×自然资责改〔2026〕第1号", "b": "×自然资责改〔2026〕第2号",
                         "c": "×自然资责改〔2026〕第3号"}
    with NumberRegistry(path, {"notice": "{short}责改〔{year}〕第{n}号"}, {"short": "×自然资"}) as reg:
        again = reg.numbers("notice", ["c", "d", "a"], 2026)
        assert again["a"] == first["a"] and again["c"] == first["c"]
        assert again["d"] == "×自然资责改〔2026〕第4号"
        assert reg.number("report", "a", 2026) == "〔2026〕第1号"  # another series has its own sequence
        assert [n for _, n, _, _ in reg.issued("notice")] == [1, 2, 3, 4]


# ------------------------------------------------------------------------------------- fonts
def test_missing_font_names_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv(fonts.ENV_FONT, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", [str(tmp_path / "none.ttc")])
    with pytest.raises(fonts.FontMissing, match="fonts-wqy-microhei"):
        fonts.find_cjk_font()
    monkeypatch.setenv(fonts.ENV_FONT, str(tmp_path / "nope.ttf"))
    with pytest.raises(fonts.FontMissing, match="nope.ttf"):
        fonts.find_cjk_font()


# ------------------------------------------------------------------------------------- PDFs
@pytest.fixture(scope="module")
def batch_inputs(qgis_app, tmp_path_factory):
    """Six determination records (one with an unsafe id), imagery, context layers."""
    from qgis.core import QgsVectorLayer

    from liangwei.liangwei_plugin.documents.maps import MapExcerptRenderer, epochs_from_paths
    from liangwei.liangwei_plugin.documents.sources import records_from_layer

    root = tmp_path_factory.mktemp("docs")
    boxes = doc_data.patch_boxes(6, size_px=600)
    ids = [f"350521-2026-{i:04d}" for i in range(1, 6)] + [UNSAFE_ID]
    recs, detail = doc_data.records(boxes, ids)
    imagery = doc_data.write_imagery(root / "imagery", size_px=600, patches=boxes)
    paths = doc_data.write_vectors(root / "vec", recs, detail, size_px=600)
    layer = QgsVectorLayer(paths["determination"], "认定结果", "ogr")
    assert layer.isValid()
    records = records_from_layer(layer)
    details: dict[str, list] = {}
    for row in detail:
        details.setdefault(row["patch_id"], []).append(row)
    context = [QgsVectorLayer(f"{paths['context']}|layername={n}", n, "ogr")
               for n in ("生态保护红线", "永久基本农田", "城镇开发边界")]
    config = load_config()
    renderer = MapExcerptRenderer(epochs_from_paths(imagery), context, None, config)
    data = {"root": root, "recs": recs, "records": records, "details": details, "renderer": renderer,
            "config": config, "paths": paths, "imagery": imagery}
    yield data
    renderer.close()  # QGIS objects must go before QGIS exits (else a crash at interpreter exit)
    data.clear()
    del renderer, records, context, layer
    import gc

    gc.collect()


@pytest.fixture(scope="module")
def reports(batch_inputs):
    b = batch_inputs
    out = b["root"] / "reports"
    res = batch.export_batch("report", b["records"], out, config=b["config"], details=b["details"],
                             renderer=b["renderer"], issue_date=ISSUE, landuse_layer="三调地类图斑")
    return res


def test_each_report_names_its_patch_with_overlay_areas(reports, batch_inputs, artifacts_dir):
    assert not reports.failed and reports.written == 6
    by_id = {r["patch_id"]: r for r in batch_inputs["recs"]}
    for row in reports.rows:
        text = pdftext(reports.folder / row.file)
        flat = re.sub(r"\s+", "", text)
        rec = by_id[row.patch_id]
        assert row.patch_id.replace(" ", "") in flat
        # areas as in the overlay output, to 0.01 (hand-rounded here, half-up from the exact value)
        for field in ("area_m2", "farmland_m2", "永久基本农田_m2"):
            assert f"{rec[field]:.2f}" in flat or f"{rec[field] + 1e-9:.2f}" in flat, (row.patch_id, field)
        assert mu_text(rec["area_m2"]) in flat
        if rec["生态保护红线_m2"]:
            assert f"{rec['生态保护红线_m2']:.2f}" in flat
        assert rec["determination"] in flat and rec["rule_id"] in flat
        assert "第1页共" in flat and "××县自然资源局" in flat
        assert row.number in flat
    shutil.copy(reports.folder / reports.rows[0].file, artifacts_dir / "report_sample.pdf")


def test_fonts_embedded_and_page_counts(reports):
    total = 0
    for row in reports.rows:
        pdf = reports.folder / row.file
        rows = pdffonts(pdf)
        assert rows and all(r[-5] == "yes" for r in rows), rows  # emb column
        assert pdfpages(pdf) == row.pages
        text = pdftext(pdf)
        assert f"共{row.pages}页" in re.sub(r"\s+", "", text)
        total += row.pages
    assert pdfpages(reports.merged) == total
    assert (reports.folder / "index.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    index = (reports.folder / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert index[0] == "patch_id,document,number,file,pages" and len(index) == 7


def test_unsafe_id_gets_safe_file_name(reports):
    row = next(r for r in reports.rows if r.patch_id == UNSAFE_ID)
    assert row.file == batch.safe_filename(UNSAFE_ID) + ".pdf"
    assert (reports.folder / row.file).is_file()
    assert not set(row.file) & set('/\\:*?"<>|')
    assert UNSAFE_ID.replace('"', "") in pdftext(reports.folder / row.file).replace('"', "").replace("\n", "") or \
        "JC/2026*07" in pdftext(reports.folder / row.file)


def test_notices_deadlines_rights_hearing_counterfoil(batch_inputs, tmp_path):
    b = batch_inputs
    res = batch.export_batch("notice", b["records"], tmp_path / "notices", config=b["config"],
                             details=b["details"], issue_date=ISSUE)
    by_id = {r["patch_id"]: r for r in b["recs"]}
    violations = [r for r in b["recs"] if r["violation"] == 1]
    # a violation without a party gets no numbered notice: it is on the 待查明清单 (issue 10)
    notices = [r for r in res.rows if r.document == "notice"]
    assert {r.patch_id for r in notices} == {r["patch_id"] for r in violations if r["DSR"]}
    assert {r.patch_id for r in res.rows if r.document == "hearing"} == \
        {r["patch_id"] for r in violations if r["DSR"] and "限期拆除" in r["consequence"]}
    assert {r.patch_id for r in res.rows if r.document == "pending"} == \
        {r["patch_id"] for r in violations if not r["DSR"]}
    numbers = [r.number for r in notices]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"×自然资责改〔2026〕第\d+号", n) for n in numbers)
    for row in notices:
        pdf = res.folder / row.file
        text = re.sub(r"\s+", "", pdftext(pdf))
        rec = by_id[row.patch_id]
        days = {"限期拆除并恢复原状": 15, "没收": 30, "补办手续": 30}[rec["consequence"]]
        # deadlines run from service, not from the issue date (no service date in these records)
        assert f"自送达之日起{days}日内整改完毕" in text and "自送达之日起7日内" in text
        assert "60日内" in text and "6个月内" in text and "行政复议" in text and "行政诉讼" in text
        # 限期拆除: the hearing right is told in a 听证告知书 served first (hearings/); the notice refers to it
        assert ("听证告知书" in text) == ("限期拆除" in rec["consequence"])
        assert "日内向我局提出" not in text
        assert row.number in text and "2026年11月22日" in text
        last = subprocess.run(["pdftotext", "-f", str(row.pages), "-l", str(row.pages), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "存根" in last and rec["patch_id"] in re.sub(r"\s+", "", last)
        assert pdfpages(pdf) == row.pages
        assert rec["DSR"] in text


def test_resume_keeps_finished_docs_and_numbers(batch_inputs, tmp_path):
    b = batch_inputs
    folder = tmp_path / "resume"
    kw = dict(config=b["config"], details=b["details"], issue_date=ISSUE)
    first = batch.export_batch("notice", b["records"][:4], folder, **kw)
    first.rows = [r for r in first.rows if r.document == "notice"]   # not the 待查明清单 rows (issue 10)
    numbers = {r.patch_id: r.number for r in first.rows}
    files = {r.patch_id: folder / r.file for r in first.rows}
    mtimes = {k: p.stat().st_mtime_ns for k, p in files.items()}
    ids = list(files)
    # an interrupted run: a partial file, a truncated PDF, a PDF without its sidecar
    (folder / "leftover.pdf.part").write_bytes(b"%PDF-1.4 partial")
    data = files[ids[0]].read_bytes()
    files[ids[0]].write_bytes(data[: len(data) // 2])
    (folder / batch.STATE_DIR / f"{files[ids[1]].name}.json").unlink()
    second = batch.export_batch("notice", b["records"], folder, **kw)
    second.rows = [r for r in second.rows if r.document == "notice"]
    assert not list(folder.glob("*.part"))
    assert second.kept == len(ids) - 2
    for k in ids[2:]:
        assert files[k].stat().st_mtime_ns == mtimes[k]  # untouched
    for r in second.rows:
        if r.patch_id in numbers:
            assert r.number == numbers[r.patch_id]
        assert pdfpages(folder / r.file) == r.pages
    new = [r.number for r in second.rows if r.patch_id not in numbers]
    assert new and not set(new) & set(numbers.values())
    # a third run with nothing to do keeps everything
    third = batch.export_batch("notice", b["records"], folder, **kw)
    assert third.written == 0 and third.kept == len(second.rows)


def test_failed_build_leaves_no_complete_looking_file(batch_inputs, tmp_path, monkeypatch):
    b = batch_inputs
    calls = {"n": 0}
    real = batch.build_pdf

    def flaky(kind, doc, config, path):
        calls["n"] += 1
        if calls["n"] == 2:
            Path(path).write_bytes(b"%PDF-1.4 half")
            raise RuntimeError("disk full")
        return real(kind, doc, config, path)

    monkeypatch.setattr(batch, "build_pdf", flaky)
    res = batch.export_batch("report", b["records"][:3], tmp_path / "r", config=b["config"], issue_date=ISSUE)
    assert len(res.failed) == 1 and len(res.rows) == 2
    assert not list((tmp_path / "r").glob("*.part"))
    assert len(list((tmp_path / "r").glob("*.pdf"))) == 2 + 1  # two documents + merged


def test_merged_pdf_is_the_documents_in_order(reports, tmp_path):
    """The fast concatenation gives the documents' pages, text and images in index order."""
    from pypdf import PdfReader

    from liangwei.liangwei_plugin.documents import merge

    parts = [reports.folder / r.file for r in reports.rows]
    with open(tmp_path / "probe.pdf", "wb") as f:
        assert merge._concatenate(parts, f) == sum(r.pages for r in reports.rows)  # not the pypdf fallback
    merged = reports.merged
    check = subprocess.run(["pdfinfo", str(merged)], capture_output=True, text=True, check=True)
    assert "Syntax Error" not in check.stderr and pdfpages(merged) == sum(r.pages for r in reports.rows)
    assert pdftext(merged) == "".join(pdftext(p) for p in parts)
    images = subprocess.run(["pdfimages", "-list", str(merged)], capture_output=True, text=True, check=True).stdout
    assert sum(" jpeg " in line for line in images.splitlines()) == 3 * len(parts)
    reader = PdfReader(str(merged), strict=True)
    assert len(reader.pages) == pdfpages(merged)


def test_merge_other_pdfs_falls_back_to_pypdf(tmp_path):
    """PDFs with an outline (or anything but plain reportlab output) still merge, through pypdf."""
    from reportlab.pdfgen import canvas

    from liangwei.liangwei_plugin.documents import merge

    paths = []
    for i in range(2):
        c = canvas.Canvas(str(tmp_path / f"o{i}.pdf"))
        c.drawString(100, 700, f"page {i} 0 R (1 0 R)")
        c.bookmarkPage(f"p{i}")
        c.addOutlineEntry(f"p{i}", f"p{i}")
        c.showPage()
        c.save()
        paths.append(tmp_path / f"o{i}.pdf")
    with pytest.raises(merge.NotSimple):
        merge._parse(paths[0].read_bytes())
    merge.merge_pdfs(paths, tmp_path / "m.pdf")
    text = pdftext(tmp_path / "m.pdf")
    assert pdfpages(tmp_path / "m.pdf") == 2 and "page 0 0 R (1 0 R)" in text and "page 1" in text
    assert not list(tmp_path.glob("*.part"))


def test_worker_python_inside_an_embedded_interpreter(monkeypatch):
    """Inside QGIS/qgis_process (sys.executable = the QGIS binary) workers run a python3.X of the same version."""
    monkeypatch.setattr(batch, "_embedded_python", lambda: True)
    monkeypatch.setattr(batch, "_worker_python_cache", {})
    python = batch.worker_python()
    assert python and Path(python).name.startswith("python")
    out = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True).stdout
    assert out.strip() == str(tuple(sys.version_info[:2]))
    monkeypatch.setattr(batch, "_worker_python_cache", {})
    monkeypatch.setattr(batch, "_python_candidates", lambda: [])
    assert batch.worker_python() is None  # no interpreter: PDFs are built in-process


def test_repair_note_in_plain_chinese():
    from liangwei.liangwei_plugin.documents.report import repair_text

    note = "几何无效（Self-intersection[39474560.3091924 2747470.35831393]），已用 make_valid 修复（保留全部面状部分）"
    assert repair_text(note) == ("几何无效（边界自相交，位置 X=39474560.31，Y=2747470.36），"
                                 "已自动修复（保留全部面状部分）")
    assert repair_text("几何无效（Ring Self-intersection[1 2]）") == "几何无效（边界环自相交，位置 X=1.00，Y=2.00）"
    assert repair_text("") == ""


def test_no_blank_legal_basis_for_lawful_patches(reports, batch_inputs):
    by_id = {r["patch_id"]: r for r in batch_inputs["recs"]}
    for row in reports.rows:
        flat = re.sub(r"\s+", "", pdftext(reports.folder / row.file))
        rec = by_id[row.patch_id]
        assert ("认定依据" in flat) == bool(rec["legal_basis"] or rec["violation"]), row.patch_id


def test_counterfoil_keeps_room_for_the_filing_date(batch_inputs, tmp_path):
    b = batch_inputs
    res = batch.export_batch("notice", b["records"][:2], tmp_path / "n", config=b["config"], issue_date=ISSUE)
    row = next(r for r in res.rows if r.document == "notice")   # not the 听证告知书 before it
    last = subprocess.run(["pdftotext", "-layout", "-f", str(row.pages), "-l", str(row.pages),
                           str(res.folder / row.file), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"存档日期：\s{4,}年\s{2,}月\s{2,}日", last), last[-300:]


# ------------------------------------------------------------------------------------- figures that add up
def _report_input(**attrs):
    """A report's input without QGIS: one patch, its 三大类 and land-use classes as given."""
    from liangwei.liangwei_plugin.documents.model import DocumentInput

    recs, detail = doc_data.records(doc_data.patch_boxes(1, size_px=600))
    rec = recs[0]
    rec.update(attrs)
    rows = [d for d in detail if d["patch_id"] == rec["patch_id"]]
    return DocumentInput(rec["patch_id"], rec, rows, number="×自然资规认〔2026〕第7号", issue_date=ISSUE,
                         landuse_layer="三调地类图斑")


def _thirds(total: float) -> dict:
    third = total / 3
    return {"area_m2": total, "agricultural_m2": third, "construction_m2": third, "unused_m2": third,
            "farmland_m2": third, "生态保护红线_m2": 0.0, "永久基本农田_m2": 0.0}


def _cents(text: str) -> int:
    """A printed figure as an integer number of hundredths (no float arithmetic)."""
    whole, frac = text.split(".")
    return int(whole) * 100 + int(frac)


def _table_row(text: str, label: str, anywhere: bool = False) -> list[str]:
    """The figures printed after ``label`` on the first text line starting with it (or holding it)."""
    for line in text.splitlines():
        if line.strip().startswith(label) or (anywhere and f" {label} " in line):
            return re.findall(r"\d+\.\d{2}(?!\d)(?!%)", line.split(label, 1)[1])
    raise AssertionError(f"no row {label!r}")


def test_apportion_adds_up_for_awkward_values():
    from liangwei.liangwei_plugin.documents.values import apportion, mu_exact

    cases = [[100.005 / 3] * 3, [0.004] * 5, [1 / 7] * 7, [33.335, 33.335, 33.335], [2.675, 1.005, 0.015],
             [666.6666, 333.3334, 0.0049]]
    rng = __import__("random").Random(11)
    cases += [[rng.uniform(0, 5000) for _ in range(rng.randint(1, 9))] for _ in range(300)]
    for values in cases:
        total = sum(values)
        for rows, whole in ((values, total), ([mu_exact(v) for v in values], mu_exact(total))):
            out = apportion(rows, whole)
            assert out is not None
            assert sum(_cents(f"{d:.2f}") for d in out) == _cents(m2_text(whole)), (values, out)
            # each row moved by less than one hundredth from its exact value
            assert all(abs(float(d) - float(v)) < 0.01 for d, v in zip(out, rows)), (values, out)
    assert [f"{d:.2f}" for d in apportion([100.005 / 3] * 3, 100.005)] == ["33.34", "33.33", "33.33"]
    assert apportion([10.0, 5.0], 14.0) is None and apportion([1.0, None]) is None


def test_report_class_rows_add_up_to_the_printed_total(tmp_path):
    from liangwei.liangwei_plugin.documents.report import build_report

    total = 100.005
    doc = _report_input(**_thirds(total))
    third = total / 3
    for d in doc.detail:
        d["area_m2"] = third if d["class_code"] in ("0101", "0301", "1206") else 0.0
    doc.detail = [d for d in doc.detail if d["area_m2"] or d["layer"] != "三调地类图斑"]
    pdf = tmp_path / "r.pdf"
    build_report(doc, load_config(), str(pdf))
    text = pdftext(pdf)
    m2, mu = (_cents(x) for x in _table_row(text, "监测图斑面积")[:2])
    rows = [_table_row(text, label)[:2] for label in ("农用地", "建设用地", "未利用地")]
    assert sum(_cents(r[0]) for r in rows) == m2 and sum(_cents(r[1]) for r in rows) == mu, rows
    # hand arithmetic: 100.005 (a binary float just below it) prints 100.00 ㎡ = 0.15 亩; the rows 33.34/33.33/33.33
    # and 0.05 亩 each (0.0500025 rounded half-up on its own would give 0.05 × 3 = 0.15 as well)
    assert m2 == 10000 and mu == 15 and sorted(_cents(r[0]) for r in rows) == [3333, 3333, 3334]
    detail = [_table_row(text, name, anywhere=True)[:2] for name in ("水田", "乔木林地", "裸土地")]
    assert sum(_cents(r[0]) for r in detail) == m2 and sum(_cents(r[1]) for r in detail) == mu
    assert _table_row(text, "三调地类图斑合计")[:2] == ["100.00", "0.15"] and len(detail) == 3
    assert "尾差" not in text


def test_tail_note_where_a_bureau_disables_the_adjustment(tmp_path):
    from liangwei.liangwei_plugin.documents.report import build_report

    config = load_config()
    config["report"]["largest_remainder"] = False
    doc = _report_input(**_thirds(100.01))   # 33.3366… each: 33.34 × 3 = 100.02 against 100.01
    pdf = tmp_path / "r.pdf"
    build_report(doc, config, str(pdf))
    flat = re.sub(r"\s+", "", pdftext(pdf))
    rows = [_table_row(pdftext(pdf), label)[0] for label in ("农用地", "建设用地", "未利用地")]
    assert rows == ["33.34"] * 3
    assert "农用地、建设用地、未利用地面积分别四舍五入保留两位小数，其和与监测图斑面积相差+0.01平方米" in flat
    assert "最大余数法" not in flat


def test_jcmj_beside_the_computed_area_with_the_difference(tmp_path):
    from liangwei.liangwei_plugin.documents.report import build_report

    doc = _report_input(**{**_thirds(1000.123), "JCMJ": 1000.0})
    pdf = tmp_path / "r.pdf"
    build_report(doc, load_config(), str(pdf))
    flat = re.sub(r"\s+", "", pdftext(pdf))
    # 1000.12 − 1000.00 = +0.12 ㎡, 0.12 / 1000 = +0.01 %
    assert "计算面积1000.12㎡（1.50亩）" in flat and "监测面积1000.00㎡（1.50亩）" in flat
    assert "+0.12㎡（+0.01%）" in flat
    doc = _report_input(**{**_thirds(900.0), "监测面积": 1000.0})   # the field mapping's Chinese name
    doc.attrs.pop("JCMJ")
    build_report(doc, load_config(), str(pdf))
    assert "-100.00㎡（-10.00%）" in re.sub(r"\s+", "", pdftext(pdf))


def test_approval_printed_for_a_lawful_patch(tmp_path):
    from liangwei.liangwei_plugin.documents.report import build_report

    doc = _report_input(**{**_thirds(1200.0), "PZWH": "闽政地〔2026〕12号", "PZMJ": 1000.0, "violation": 0,
                           "determination_code": "not_violation", "determination": "不属于违法用地违法建设",
                           "rule_id": "R00", "rule_name": "已取得用地批准（合法用地）", "legal_basis": ""})
    pdf = tmp_path / "r.pdf"
    build_report(doc, load_config(), str(pdf))
    flat = re.sub(r"\s+", "", pdftext(pdf))
    assert "批准文号闽政地〔2026〕12号" in flat and "批准面积1000.00平方米（合1.50亩）" in flat
    assert "超出批准面积200.00平方米" in flat and "R00已取得用地批准" in flat
    doc = _report_input(**{**_thirds(1200.0), "批准文号": "云政地〔2025〕127号"})   # alias, no area field
    build_report(doc, load_config(), str(pdf))
    flat = re.sub(r"\s+", "", pdftext(pdf))
    assert "批准文号云政地〔2025〕127号。" in flat and "批准面积" not in flat
    build_report(_report_input(**_thirds(1200.0)), load_config(), str(pdf))
    assert "批准文号" not in pdftext(pdf)


# ------------------------------------------------------------------------------------- print and archive
def test_report_metadata(reports):
    from pypdf import PdfReader

    row = reports.rows[0]
    meta = PdfReader(str(reports.folder / row.file)).metadata
    assert meta.title == f"规划认定意见书 {row.number} {row.patch_id}"
    assert meta.author == "××县自然资源局"
    assert meta.subject.startswith(f"监测图斑 {row.patch_id} 的规划认定意见")
    created = meta.creation_date
    assert created is not None and abs((dt.datetime.now(created.tzinfo) - created).days) <= 1  # real, not 2000-01-01
    info = subprocess.run(["pdfinfo", str(reports.folder / row.file)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Author:\s+××县自然资源局$", info, re.M) and "Subject:" in info


def test_merged_pdf_has_one_bookmark_per_document(reports, tmp_path):
    from pypdf import PdfReader

    from liangwei.liangwei_plugin.documents import merge

    parts = [reports.folder / r.file for r in reports.rows]
    starts = [sum(r.pages for r in reports.rows[:i]) for i in range(len(reports.rows))]
    fallback = tmp_path / "generic.pdf"
    merge._merge_generic(parts, fallback, "generic")
    for merged in (reports.merged, fallback):   # the fast concatenation and the pypdf path
        reader = PdfReader(str(merged), strict=True)
        outline = reader.outline
        assert len(outline) == len(reports.rows), merged
        for item, row, start in zip(outline, reports.rows, starts):
            assert item.title == f"规划认定意见书 {row.number} {row.patch_id}"
            assert reader.get_destination_page_number(item) == start
        assert reader.page_mode == "/UseOutlines"
        assert reader.metadata.author == "××县自然资源局" and reader.metadata.creation_date is not None
    assert PdfReader(str(reports.merged)).metadata.title == reports.merged.stem


def test_no_printed_seal(reports, batch_inputs, tmp_path):
    """The authority's name and date with room for the real seal: no "（盖章）", no dashed red circle."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    b = batch_inputs
    notices = batch.export_batch("notice", b["records"][:2], tmp_path / "n", config=b["config"], issue_date=ISSUE)
    pdfs = [reports.folder / r.file for r in reports.rows] + [notices.folder / r.file for r in notices.rows]
    for pdf in pdfs:
        text = pdftext(pdf)
        assert "盖章" not in text and "××县自然资源局" in text and "2026年11月22日" in text, pdf.name
        reader = PdfReader(str(pdf))
        for page in reader.pages:
            ops = [op for _, op in ContentStream(page.get_contents(), reader).operations]
            assert b"c" not in ops and b"d" not in ops, pdf.name   # no curves (a circle), no dash pattern


def test_new_sheet_for_duplex(tmp_path):
    """NewSheet starts the next part on an odd page (a sheet's front): a blank page after an odd page count."""
    from reportlab.platypus import PageBreak

    from liangwei.liangwei_plugin.documents.layout import PageInfo, make_doc, make_styles, numbered_canvas_class
    from liangwei.liangwei_plugin.documents.parts import NewSheet, P, blank_pages_for_duplex

    config = load_config()
    st = make_styles(config)
    for body_pages, blank in ((1, None), (2, None), (3, [P("（此页无正文）", st.caption)])):
        pdf = tmp_path / f"d{body_pages}.pdf"
        doc, margins = make_doc(str(pdf), config, "t", "a")
        info = PageInfo(st.font, "a", "b", margins)
        story = []
        for i in range(body_pages):
            story += ([PageBreak()] if i else []) + [P(f"正文第{i + 1}页", st.body)]
        story += [NewSheet(blank), P("存根", st.title)]
        doc.build(story, canvasmaker=numbered_canvas_class(info))
        counterfoil = body_pages + 1 + blank_pages_for_duplex(body_pages)
        assert info.pages == counterfoil and counterfoil % 2 == 1
        last = subprocess.run(["pdftotext", "-f", str(counterfoil), "-l", str(counterfoil), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "存根" in last
        if counterfoil > body_pages + 1:
            page = subprocess.run(["pdftotext", "-f", str(body_pages + 1), "-l", str(body_pages + 1), str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert "正文第" not in page and "存根" not in page


def test_gbt9704_faces_embedded_and_rendered(reports, artifacts_dir):
    """Titles in AR PL UMing, body in AR PL UKai where installed (else WenQuanYi), all embedded; pages rendered."""
    from liangwei.liangwei_plugin.documents import fonts as f

    pdf = reports.folder / reports.rows[0].file
    names = [r[0].split("+", 1)[-1] for r in pdffonts(pdf)]
    assert all(r[-5] == "yes" for r in pdffonts(pdf))
    if Path(f.ROLE_FACES["title"][0][0]).is_file():
        assert any(n.startswith("UMing") for n in names), names
    if Path(f.ROLE_FACES["body"][0][0]).is_file():
        assert any(n.startswith("UKai") for n in names), names
    plain = f.register_document_fonts({"gbt9704": False})
    assert plain["title"] == plain["body"] == plain["heading"] == f.FONT_NAME
    out = artifacts_dir / "documents"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(out / "report")], check=True)
    assert list(out.glob("report-*.png"))
