"""liangwei:exportreports / exportnotices / batchreview through Processing (and qgis_process)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import doc_data  # noqa: E402
from liangwei.liangwei_plugin.csv_out import read_csv  # noqa: E402
from liangwei.liangwei_plugin.vector_io import write_vector  # noqa: E402
from test_documents import pdffonts, pdfpages, pdftext  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inputs(qgis_app, tmp_path_factory):
    root = tmp_path_factory.mktemp("docproc")
    boxes = doc_data.patch_boxes(5, size_px=500, seed=11)
    ids = ["350521-2026-0101", "350521-2026-0102", "A/B:C*1", "350521-2026-0104", "350521-2026-0105"]
    recs, detail = doc_data.records(boxes, ids)
    imagery = doc_data.write_imagery(root / "imagery", size_px=500, patches=boxes)
    paths = doc_data.write_vectors(root / "vec", recs, detail, size_px=500)
    return {"root": root, "recs": recs, "imagery": imagery, "paths": paths}


def read_index(path: Path) -> list[dict]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")   # BOM: Excel on a Chinese Windows reads UTF-8
    return read_csv(path)   # patch numbers written as ="…" for Excel come back plain


def test_exportreports_selected_only_with_maps(inputs, liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProject, QgsVectorLayer

    layer = QgsVectorLayer(inputs["paths"]["determination"], "认定结果", "ogr")
    QgsProject.instance().addMapLayer(layer)
    try:
        wanted = {"350521-2026-0102", "A/B:C*1"}
        layer.selectByIds([f.id() for f in layer.getFeatures() if f["patch_id"] in wanted])
        ctx = [f"{inputs['paths']['context']}|layername={n}" for n in ("生态保护红线", "城镇开发边界")]
        out = processing.run("liangwei:exportreports", {
            "INPUT": layer, "OVERLAY_DETAIL": inputs["paths"]["detail"],
            "IMAGERY": [str(p) for p in inputs["imagery"]], "CONTEXT_LAYERS": ctx,
            "SELECTED_ONLY": True, "OUTPUT_FOLDER": str(tmp_path / "r"), "ISSUE_DATE": "2026-11-22", "WORKERS": 0,
        })
    finally:
        QgsProject.instance().removeMapLayer(layer.id())
    rows = read_index(Path(out["INDEX"]))
    assert {r["patch_id"] for r in rows} == wanted and out["COUNT"] == 2 and out["FAILED"] == 0
    for r in rows:
        pdf = tmp_path / "r" / r["file"]
        assert not set(r["file"]) & set('/\\:*?"<>|')
        assert pdfpages(pdf) == int(r["pages"])
        text = re.sub(r"\s+", "", pdftext(pdf))
        assert "前时相影像2024-05-20" in text and "后时相影像2025-10-12" in text  # epochs from catalogue.csv
        assert "位置示意图" in text
        # three map excerpts embedded as JPEG images at >= 200 dpi for their printed size
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        jpegs = [line.split() for line in images.splitlines()[2:] if " jpeg " in line]
        assert len(jpegs) == 3
        assert all(int(j[12]) >= 199 and int(j[13]) >= 199 for j in jpegs), jpegs  # x-ppi, y-ppi
    assert pdfpages(Path(out["MERGED_PDF"])) == sum(int(r["pages"]) for r in rows)


def test_exportnotices_in_worker_processes(inputs, liangwei_provider, tmp_path):
    import processing

    out = processing.run("liangwei:exportnotices", {
        "INPUT": inputs["paths"]["determination"], "OUTPUT_FOLDER": str(tmp_path / "n"),
        "ISSUE_DATE": "2026-11-22", "WORKERS": 2, "NUMBER_REGISTRY": str(tmp_path / "编号.sqlite"),   # a fresh one
    })
    index = read_index(Path(out["INDEX"]))
    # violations without a party (DSR empty) are on the 待查明清单, not numbered (issue 10)
    rows = [r for r in index if r["document"] == "notice"]
    violations = [r["patch_id"] for r in inputs["recs"] if r["violation"] == 1 and r["DSR"]]
    assert [r["patch_id"] for r in rows] == violations
    assert [r["patch_id"] for r in index if r["document"] == "pending"] == \
        [r["patch_id"] for r in inputs["recs"] if r["violation"] == 1 and not r["DSR"]]
    assert [r["number"] for r in rows] == [f"×自然资责改〔2026〕第{i}号" for i in range(1, len(rows) + 1)]
    for r in rows:
        pdf = tmp_path / "n" / r["file"]
        assert all(f[-5] == "yes" for f in pdffonts(pdf))
        assert r["number"] in re.sub(r"\s+", "", pdftext(pdf))
    # rerun: everything kept, same numbers
    again = processing.run("liangwei:exportnotices", {
        "INPUT": inputs["paths"]["determination"], "OUTPUT_FOLDER": str(tmp_path / "n"), "WORKERS": 0,
        "NUMBER_REGISTRY": str(tmp_path / "编号.sqlite")})
    assert again["KEPT"] == len(rows) and read_index(Path(again["INDEX"])) == index


def test_missing_fields_named(inputs, liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="area_m2"):
        processing.run("liangwei:exportreports", {
            "INPUT": f"{inputs['paths']['context']}|layername=生态保护红线", "OUTPUT_FOLDER": str(tmp_path / "x")})


@pytest.mark.slow
def test_qgis_process_repeated_multiple_layer_params(inputs, tmp_path):
    """qgis_process 3.22 takes a multiple-layer parameter by repeating NAME=VALUE; PDFs in worker processes."""
    out = tmp_path / "qp"
    cmd = [str(ROOT / "bin" / "qgis-process"), "run", "liangwei:exportreports", "--",
           f"INPUT={inputs['paths']['determination']}", f"OVERLAY_DETAIL={inputs['paths']['detail']}",
           *[f"IMAGERY={p}" for p in inputs["imagery"]],
           f"CONTEXT_LAYERS={inputs['paths']['context']}|layername=生态保护红线",
           f"CONTEXT_LAYERS={inputs['paths']['context']}|layername=永久基本农田",
           f"OUTPUT_FOLDER={out}", "WORKERS=2"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    # worker processes run inside qgis_process too (a python3.X, not the qgis_process binary)
    assert "2 个工作进程生成 PDF（" in res.stdout and "异常退出" not in res.stdout + res.stderr, res.stdout[-2000:]
    rows = read_index(out / "index.csv")
    assert len(rows) == 5
    text = re.sub(r"\s+", "", pdftext(out / rows[0]["file"]))
    assert "前时相影像2024-05-20" in text and "后时相影像2025-10-12" in text


def _registered(alg_id: str) -> bool:
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().algorithmById(alg_id) is not None


def test_batchreview_end_to_end(liangwei_provider, tmp_path, artifacts_dir):
    """Small county → overlay → determination → documents; areas in the reports match the overlay output."""
    if not _registered("liangwei:overlaycheck"):
        pytest.skip("liangwei:overlaycheck not available yet")
    import processing
    from qgis.core import QgsVectorLayer

    from liangwei.liangwei_plugin.documents.values import m2_text

    county = _small_county(tmp_path / "county")
    out = tmp_path / "batch"
    params = {
        "PATCHES": county["patches"], "LANDUSE": county["landuse"], "PROTECTED": county["protected"],
        "AREA_METHOD": 0, "IMAGERY": county["imagery"], "OUTPUT_FOLDER": str(out),
    }
    res = processing.run("liangwei:batchreview", params)
    rows = read_index(out / "index.csv")
    # issue 10: other departments' cases get a referral, cases without a party a 待查明清单 row
    assert rows and set(r["document"] for r in rows) <= {"report", "notice", "referral", "pending"}
    overlay = QgsVectorLayer(f"{out / 'overlay.gpkg'}", "overlay", "ogr")
    assert overlay.isValid()
    feats = {f["patch_id"]: f for f in overlay.getFeatures()}
    reports = [r for r in rows if r["document"] == "report"]
    assert len(reports) == len(feats) == res["REPORT_COUNT"]
    for r in reports:
        pdf = out / r["file"]
        assert pdf.is_file() and pdfpages(pdf) == int(r["pages"])
        text = re.sub(r"\s+", "", pdftext(pdf))
        f = feats[r["patch_id"]]
        assert r["patch_id"] in text
        assert m2_text(f["area_m2"]) in text
        assert m2_text(f["farmland_m2"]) in text
    notices = [r for r in rows if r["document"] == "notice"]
    assert len(notices) == res["NOTICE_COUNT"]
    assert (out / "规划认定意见书_合并.pdf").is_file()
    # rerun resumes: same numbers, nothing rewritten
    processing.run("liangwei:batchreview", params)
    assert read_index(out / "index.csv") == rows
    import shutil

    shutil.copy(out / reports[0]["file"], artifacts_dir / "batchreview_report.pdf")


def _small_county(folder: Path) -> dict:
    """A small county: the sample county generator if present (cropped patches), else synthetic layers."""
    import geopandas as gpd
    from shapely.geometry import box

    folder.mkdir(parents=True, exist_ok=True)
    boxes = doc_data.patch_boxes(6, size_px=500, seed=5)
    imagery = doc_data.write_imagery(folder / "imagery", size_px=500, patches=boxes)
    span = 500 * doc_data.PIXEL
    x0, y0 = doc_data.X0, doc_data.Y0
    patches = gpd.GeoDataFrame(
        {"JCBH": [f"350521-2026-{i:04d}" for i in range(len(boxes))], "XZQDM": "350521101", "XZQMC": "城关镇",
         "TBLX": "新增建设用地", "QSX": "2024-05-20", "HSX": "2025-10-12", "JCMJ": [w * h for _, _, w, h in boxes],
         "ND": "2026", "QS": "1", "DSR": ""},
        geometry=[box(x, y, x + w, y + h) for x, y, w, h in boxes], crs=doc_data.CRS)
    patches.pipe(write_vector, folder / "patches.gpkg", layer="卫片图斑", driver="GPKG")
    half = span / 2
    landuse = gpd.GeoDataFrame(
        {"BSM": ["1", "2", "3", "4"], "DLBM": ["0101", "0301", "0702", "1206"],
         "DLMC": ["水田", "乔木林地", "农村宅基地", "裸土地"],
         "ZLDWDM": ["350521101201"] * 4, "ZLDWMC": ["东村", "东村", "西村", "西村"], "TBMJ": [half * half] * 4},
        geometry=[box(x0, y0, x0 + half, y0 + half), box(x0 + half, y0, x0 + span, y0 + half),
                  box(x0, y0 + half, x0 + half, y0 + span), box(x0 + half, y0 + half, x0 + span, y0 + span)],
        crs=doc_data.CRS)
    landuse.pipe(write_vector, folder / "county.gpkg", layer="三调地类图斑", driver="GPKG")
    protected = {
        "生态保护红线": box(x0, y0 + span * 0.6, x0 + span * 0.5, y0 + span),
        "永久基本农田": box(x0, y0, x0 + span * 0.5, y0 + span * 0.5),
        "城镇开发边界": box(x0 + span * 0.4, y0 + span * 0.4, x0 + span, y0 + span),
    }
    for name, geom in protected.items():
        gpd.GeoDataFrame({"MC": [name]}, geometry=[geom], crs=doc_data.CRS).pipe(write_vector,
            folder / "county.gpkg", layer=name, driver="GPKG")
    return {
        "patches": f"{folder / 'patches.gpkg'}|layername=卫片图斑",
        "landuse": f"{folder / 'county.gpkg'}|layername=三调地类图斑",
        "protected": [f"{folder / 'county.gpkg'}|layername={n}" for n in protected],
        "imagery": [str(p) for p in imagery],
    }
