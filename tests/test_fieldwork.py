"""外业核查 round trip: export a QField package for the sample county, fill it as an inspector would, import it.

The sample county's patches of one township go through liangwei:overlaycheck and liangwei:determine and
are registered; liangwei:exportfieldpackage writes the package; the test opens its .qgz headless and
checks layers, relative paths, widgets and the relation; then it edits 外业核查 through QGIS (as QField
does), writes JPEGs with EXIF position/time/direction of its own (one far away, one before the imagery
date, one without EXIF), imports with liangwei:importfieldpackage and checks the register, the evidence
store, the flags, idempotence and the bad inputs.  Distances are worked from the patch geometry with
shapely/pyproj, independently of the importer.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOWNSHIP = "城关镇"


@pytest.fixture(scope="module")
def sample_county():
    made = ROOT / "sample"
    if not ((made / "catalogue.toml").exists() and (made / "patches.gpkg").exists()):
        pytest.skip("sample county missing (make sample)")
    return made


_KEEP: list = []   # Processing holds the provider by pointer: keep the Python object alive


def _provider():
    from qgis.core import QgsApplication

    from liangwei.processing_algs.provider import LiangweiProvider

    registry = QgsApplication.processingRegistry()
    if registry.providerById("liangwei") is None:
        _KEEP.append(LiangweiProvider())
        registry.addProvider(_KEEP[-1])


@pytest.fixture(scope="module", autouse=True)
def _module_provider(qgis_processing):
    """The provider for this module's tests, removed afterwards (test_plugin_load wants none left behind)."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    added = registry.providerById("liangwei") is None
    _provider()
    yield
    if added and registry.providerById("liangwei") is not None:
        registry.removeProvider("liangwei")


@pytest.fixture(scope="module")
def office(sample_county, tmp_path_factory, qgis_processing):
    """Determined patches of one township, a register with their cases, and the exported package."""
    import processing
    from qgis.core import QgsVectorLayer

    _provider()
    base = tmp_path_factory.mktemp("fieldwork")
    patches = QgsVectorLayer(f"{sample_county / 'patches.gpkg'}|layername=卫片图斑", "卫片图斑", "ogr")
    town = processing.run("native:extractbyattribute", {
        "INPUT": patches, "FIELD": "XZQMC", "OPERATOR": 0, "VALUE": TOWNSHIP, "OUTPUT": "memory:"})["OUTPUT"]
    county = sample_county / "county.gpkg"
    overlay = processing.run("liangwei:overlaycheck", {
        "PATCHES": town, "ID_FIELD": "JCBH", "LANDUSE": f"{county}|layername=三调地类图斑", "LANDUSE_FIELD": "DLBM",
        "PROTECTED": [f"{county}|layername=永久基本农田", f"{county}|layername=生态保护红线"],
        "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})["OUTPUT"]
    determined = processing.run("liangwei:determine", {"INPUT": overlay, "OUTPUT": str(base / "认定结果.gpkg")})
    determined = QgsVectorLayer(determined["OUTPUT"], "认定结果", "ogr")
    register = base / "台账.gpkg"
    res = processing.run("liangwei:registercases", {"INPUT": determined, "REGISTER": str(register),
                                                    "DATE": "2026-11-02", "ACTOR": "内业员",
                                                    "CLOSE_NOT_VIOLATIONS": False})
    assert res["ADDED"] == determined.featureCount() > 3
    package = base / "包"
    out = processing.run("liangwei:exportfieldpackage", {
        "PATCHES": determined, "ID_FIELD": "JCBH", "TOWNSHIP": TOWNSHIP,
        "CATALOGUE": str(sample_county / "catalogue.toml"), "REGISTER": str(register),
        "OUTPUT_FOLDER": str(package)})
    assert out["PATCH_COUNT"] == determined.featureCount()
    ids = sorted(str(f["JCBH"]) for f in determined.getFeatures())
    return {"register": register, "package": package, "project": Path(out["PROJECT"]), "ids": ids,
            "base": base, "determined": determined.source()}


def _copy(office, tmp_path):
    pkg = tmp_path / "外业核查包"
    shutil.copytree(office["package"], pkg)
    reg = tmp_path / "台账.gpkg"
    shutil.copy(office["register"], reg)
    return pkg, reg


# -- the package as exported -------------------------------------------------------------------------

def test_package_opens_with_forms_and_relation(office):
    from osgeo import gdal
    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

    project_file = office["project"]
    assert project_file.name == "外业核查.qgz" and (office["package"] / "DCIM").is_dir()
    with zipfile.ZipFile(project_file) as z:
        qgs = z.read(next(n for n in z.namelist() if n.endswith(".qgs"))).decode("utf-8")
    sources = [s.split("</datasource>")[0] for s in qgs.split("<datasource>")[1:]]
    assert sources and all(s.startswith("./") for s in sources if s), sources
    assert str(office["base"]) not in qgs          # no absolute path anywhere

    project = QgsProject()
    assert project.read(str(project_file))
    layers = {lyr.name(): lyr for lyr in project.mapLayers().values()}
    assert all(lyr.isValid() for lyr in layers.values()), [n for n, lyr in layers.items() if not lyr.isValid()]
    for name in ("外业核查", "核查照片", "监测图斑", "永久基本农田", "生态保护红线", "三调地类图斑"):
        assert name in layers, sorted(layers)
    epochs = sorted(n for n, lyr in layers.items() if isinstance(lyr, QgsRasterLayer))
    assert epochs == ["前时相 2024-05-20", "后时相 2025-05-18"]
    for name in epochs:
        ds = gdal.Open(layers[name].source())
        assert max(ds.RasterXSize, ds.RasterYSize) <= 4096
        assert ds.GetRasterBand(1).GetOverviewCount() >= 1
    size = sum(p.stat().st_size for p in office["package"].rglob("*") if p.is_file())
    assert size < 50e6, f"{size / 1e6:.1f} MB is too much for a phone"

    field = layers["外业核查"]
    assert isinstance(field, QgsVectorLayer) and not field.readOnly()
    assert sorted(str(f["JCBH"]) for f in field.getFeatures()) == office["ids"]
    assert all(f["HCJL"] in (None, "") or str(f["HCJL"]) == "NULL" for f in field.getFeatures())
    fields = field.fields()
    assert fields.field("HCJL").alias() == "核查结论" and fields.field("HCR").alias() == "核查人"
    setup = field.editorWidgetSetup(fields.indexOf("HCJL"))
    assert setup.type() == "ValueMap"
    assert [next(iter(m)) for m in setup.config()["map"]] == ["合法", "非农违法", "农村道路", "设施农用地", "其他"]
    assert field.editorWidgetSetup(fields.indexOf("XZLX")).type() == "ValueMap"
    assert field.editorWidgetSetup(fields.indexOf("HCSJ")).type() == "DateTime"
    assert "now()" in field.defaultValueDefinition(fields.indexOf("HCSJ")).expression()
    form = field.editFormConfig()
    assert form.reuseLastValue(fields.indexOf("HCR"))
    assert form.readOnly(fields.indexOf("JCBH"))
    photos = layers["核查照片"]
    zp = photos.editorWidgetSetup(photos.fields().indexOf("ZP"))
    assert zp.type() == "ExternalResource" and zp.config()["RelativeStorage"] == 1
    assert "DCIM/" in photos.customProperty("QFieldSync/attachment_naming")
    relations = list(project.relationManager().relations().values())
    assert len(relations) == 1 and relations[0].isValid()
    rel = relations[0]
    assert rel.referencedLayer().name() == "外业核查" and rel.referencingLayer().name() == "核查照片"
    assert rel.fieldPairs() == {"JCBH": "JCBH"}
    assert layers["监测图斑"].readOnly()
    assert "determination" in [f.name() for f in layers["监测图斑"].fields()]   # the overlay/determination fields


# -- filling it as an inspector would ---------------------------------------------------------------

def _jpeg(path: Path, lat=None, lon=None, taken=None, direction=None, exif=True) -> None:
    from PIL import Image

    from liangwei.liangwei_plugin.fieldwork.exif import build_exif, insert_exif

    buf = io.BytesIO()
    Image.new("RGB", (96, 72), (120, 160, 90)).save(buf, "JPEG")
    data = buf.getvalue()
    if exif:
        data = insert_exif(data, build_exif(lat, lon, taken, direction, ("Xiaomi", "QField")))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _lonlat(register: Path, jcbh: str, dx: float = 0.0):
    """(lat, lon) of the patch's representative point, ``dx`` metres east (in the register's GK zone)."""
    import shapely
    from pyproj import Transformer

    from liangwei.liangwei_plugin.register import Register

    with Register(str(register)) as reg:
        case = reg.get_case(jcbh, with_geometry=True)
        srid = reg.srid
    geom = shapely.from_wkb(case["geom"])
    p = geom.representative_point()
    lon, lat = Transformer.from_crs(f"EPSG:{srid}", "EPSG:4490", always_xy=True).transform(p.x + dx, p.y)
    far = geom.distance(shapely.Point(p.x + dx, p.y))
    return lat, lon, far


def _fill(pkg: Path, rows: dict[str, dict], photos: list[tuple[str, str]]) -> None:
    """Edit 外业核查 and add 核查照片 rows through QGIS, as QField writes them."""
    from qgis.core import QgsFeature, QgsVectorLayer

    layer = QgsVectorLayer(f"{pkg / '外业核查.gpkg'}|layername=外业核查", "外业核查", "ogr")
    assert layer.isValid()
    layer.startEditing()
    by_id = {str(f["JCBH"]): f for f in layer.getFeatures()}
    for jcbh, values in rows.items():
        if jcbh not in by_id:    # a row the inspector added for a patch not in the package
            f = QgsFeature(layer.fields())
            f["JCBH"] = jcbh
            for k, v in values.items():
                f[k] = v
            assert layer.addFeature(f)
            continue
        fid = by_id[jcbh].id()
        for k, v in values.items():
            assert layer.changeAttributeValue(fid, layer.fields().indexOf(k), v)
    assert layer.commitChanges(), layer.commitErrors()
    table = QgsVectorLayer(f"{pkg / '外业核查.gpkg'}|layername=核查照片", "核查照片", "ogr")
    table.startEditing()
    for jcbh, rel in photos:
        f = QgsFeature(table.fields())
        f["JCBH"] = jcbh
        f["ZP"] = rel
        assert table.addFeature(f)
    assert table.commitChanges(), table.commitErrors()


def _import(pkg, reg, **kw):
    import processing

    _provider()
    return processing.run("liangwei:importfieldpackage", {"PACKAGE": str(pkg), "REGISTER": str(reg), **kw})


def _counts(reg_path: Path) -> tuple:
    conn = sqlite3.connect(reg_path)
    try:
        out = tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("case_history", "verifications", "evidence_photos"))
        return out + (conn.execute("SELECT SUM(version) FROM cases").fetchone()[0],)
    finally:
        conn.close()


def test_round_trip(office, tmp_path, qgis_iface):
    from liangwei.liangwei_plugin.register import Register, evidence

    pkg, reg_path = _copy(office, tmp_path)
    a, b, c = office["ids"][:3]
    after = dt.date(2025, 5, 18)      # the later imagery date (后时相) of the sample county
    lat, lon, d_in = _lonlat(reg_path, a)
    flat, flon, d_far = _lonlat(reg_path, a, dx=2000.0)
    blat, blon, _ = _lonlat(reg_path, b)
    clat, clon, _ = _lonlat(reg_path, c)
    assert d_in == 0.0 and d_far > 1000
    _jpeg(pkg / "DCIM" / f"{a}_1.jpg", lat, lon, dt.datetime(2026, 11, 20, 10, 5), 45.0)
    _jpeg(pkg / "DCIM" / f"{a}_2.jpg", flat, flon, dt.datetime(2026, 11, 20, 10, 9), 270.0)      # far away
    _jpeg(pkg / "DCIM" / f"{b}_1.jpg", blat, blon, dt.datetime(2025, 3, 1, 9, 0), 180.0)         # before 后时相
    _jpeg(pkg / "DCIM" / f"{c}_1.jpg", clat, clon, dt.datetime(2026, 11, 21, 15, 30), 90.0)
    _fill(pkg, {
        a: {"HCJL": "非农违法", "HCSM": "新建钢结构厂房一栋，未见用地批文", "XMMC": "某机械厂扩建",
            "XMZT": "云溪某机械有限公司", "JSSJ": "2025-08-01", "XZLX": "新增", "HCR": "张三",
            "HCSJ": "2026-11-20T10:00:00"},
        b: {"HCJL": "合法", "HCSM": "已办理农用地转用，批文见附件", "XZLX": "新增", "PZWH": "闽政地〔2026〕12号",
            "HCR": "张三", "HCSJ": "2026-11-20T14:00:00"},
        c: {"HCJL": "设施农用地", "HCSM": "大棚看护房，已备案", "XZLX": "存量", "HCR": "李四",
            "HCSJ": "2026-11-21T15:00:00"},
    }, [(a, f"DCIM/{a}_1.jpg"), (a, f"DCIM/{a}_2.jpg"), (b, f"DCIM/{b}_1.jpg"), (c, f"DCIM/{c}_1.jpg")])

    before = _counts_or_zero(reg_path)
    res = _import(pkg, reg_path)
    assert (res["VERIFIED"], res["NEW_VERIFICATIONS"], res["PHOTOS"], res["FLAGGED"], res["PROBLEMS"]) == \
        (3, 3, 4, 2, 0)
    with Register(str(reg_path)) as reg:
        case = reg.get_case(a)
        assert case["party"] == "云溪某机械有限公司" and case["stock_kind"] == "增量"
        assert reg.get_case(c)["stock_kind"] == "存量"
        # 合法 with an approval: the field rule F01 decides and closes the case as not a violation
        closed = reg.get_case(b)
        assert (closed["stage"], closed["violation"], closed["rule_id"], closed["determination_code"]) == \
            ("办结", 0, "F01", "not_violation")
        assert closed["closed_date"] == "2026-11-20"
        assert "闽政地〔2026〕12号" in reg.history(b)[-1]["note"]
        # 设施农用地 without a filing number and 非农违法: the desk determination stands, the case stays open
        for ref in (a, c):
            assert reg.get_case(ref)["stage"] == "快速认定" and reg.get_case(ref)["rule_id"] != "F02"
        hist = [h for h in reg.history(a) if h["action"] == "verify"]
        assert len(hist) == 1
        h = hist[0]
        assert h["actor"] == "张三" and h["event_date"] == "2026-11-20"
        assert "非农违法" in h["note"] and "钢结构厂房" in h["note"]
        assert h["changes"]["party"][1] == "云溪某机械有限公司"
        assert len(reg.history(a)) == reg.get_case(a)["version"]      # the register's invariant still holds
        v = evidence.latest_verification(reg, a)
        assert (v["conclusion"], v["inspector"], v["project_name"], v["build_time"]) == \
            ("非农违法", "张三", "某机械厂扩建", "2025-08-01")
        shots = {Path(p["original"]).name: p for p in evidence.photos(reg, a)}
        ok, far = shots[f"{a}_1.jpg"], shots[f"{a}_2.jpg"]
        assert ok["flagged"] == 0 and ok["distance_m"] == 0.0 and ok["direction"] == pytest.approx(45.0)
        assert ok["taken_at"] == "2026-11-20T10:05:00"
        assert ok["lat"] == pytest.approx(lat, abs=1e-6) and ok["lon"] == pytest.approx(lon, abs=1e-6)
        assert far["flagged"] == 1 and "超过 100 米" in far["flag_reason"]
        assert far["distance_m"] == pytest.approx(d_far, abs=1.0)
        early = evidence.photos(reg, b)[0]
        assert early["flagged"] == 1 and f"早于后时相影像日期 {after.isoformat()}" in early["flag_reason"]
        assert evidence.photos(reg, c)[0]["flagged"] == 0
        store = evidence.evidence_root(reg)
        assert store == reg_path.with_name("台账_举证")
        for p in evidence.photos(reg, a):
            stored = store / p["file"]
            assert stored.is_file() and stored.parent.name == case["case_no"]
            assert evidence.file_sha256(stored) == p["sha256"]
        assert evidence.has_verification(reg, case) and not evidence.has_verification(
            reg, reg.get_case(office["ids"][3]))
    after_first = _counts(reg_path)
    # one verify row per checked case, and b's closing
    assert after_first[:3] == (before["case_history"] + 4, 3, 4)

    # the same package again: nothing changes
    again = _import(pkg, f"{reg_path}")
    assert again["NEW_VERIFICATIONS"] == 0 and again["PHOTOS"] == 4
    assert _counts(reg_path) == after_first
    assert len(list(reg_path.with_name("台账_举证").rglob("*.jpg"))) == 4
    # also accepted as its .qgz
    assert _import(pkg / "外业核查.qgz", reg_path)["NEW_VERIFICATIONS"] == 0
    assert _counts(reg_path) == after_first

    # the patch navigator's summary shows the check and the photos, flagged ones with their reason
    from qgis.core import QgsProject, QgsVectorLayer

    from liangwei.liangwei_plugin.onemap.navigator import patch_summary

    project = QgsProject()
    reg_layer = QgsVectorLayer(f"{reg_path}|layername=cases", "案件台账", "ogr")
    reg_layer.setCustomProperty("liangwei/role", "register")
    project.addMapLayer(reg_layer)
    determined = QgsVectorLayer(office["determined"], "认定结果", "ogr")
    feature = next(f for f in determined.getFeatures() if str(f["JCBH"]) == a)
    rows = dict(patch_summary(feature, project))
    assert rows["外业核查"] == "非农违法，张三，2026-11-20 10:00:00"
    shots = rows["举证照片"]
    assert shots.startswith("2 张") and f"{a}_2.jpg：" in shots and "超过 100 米" in shots
    # and as thumbnails: the copies in the evidence store, the far one flagged with its reason
    from liangwei.liangwei_plugin.onemap.navigator import field_photos

    photos = field_photos(project, a)
    assert len(photos) == 2 and all(ph.path.is_file() for ph in photos)
    assert [ph.flagged for ph in photos].count(True) == 1
    assert "超过 100 米" in next(ph.reason for ph in photos if ph.flagged)
    _navigator_thumbnails(photos, qgis_iface)
    project.clear()

    # the next 规划认定意见书 carries the on-site check: conclusion, inspector, date, photos, the small map
    _reports_with_evidence(office, reg_path, tmp_path, a, b, c, d_far)


def _navigator_thumbnails(photos, iface):
    """The patch navigator's photo strip: one thumbnail per photo, the flagged one's reason in its tooltip."""
    from liangwei.gui.patch_navigator import PatchNavigatorDock

    dock = PatchNavigatorDock(iface)
    try:
        dock._show_photos(photos)
        strip = dock.ui.photoList
        assert strip.count() == 2 and not strip.isHidden()
        assert dock.photo_paths() == [str(ph.path) for ph in photos]
        assert not strip.item(0).icon().isNull()
        flagged = next(i for i, ph in enumerate(photos) if ph.flagged)
        assert "未通过检查" in strip.item(flagged).toolTip()
        # for people to look at: the strip as the (floating) dock shows it
        from qgis.PyQt.QtWidgets import QApplication

        dock.setFloating(True)
        dock.resize(440, 300)
        dock.show()
        QApplication.processEvents()
        artifacts = Path(__file__).resolve().parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        strip.grab().save(str(artifacts / "fieldwork_navigator_photos.png"))
        dock.hide()
        dock._show_photos([])
        assert strip.count() == 0 and strip.isHidden()
    finally:
        dock.deleteLater()


def _reports_with_evidence(office, reg_path, tmp_path, a, b, c, d_far):
    import processing
    from pypdf import PdfReader
    from qgis.core import QgsFeatureRequest, QgsVectorLayer

    determined = QgsVectorLayer(office["determined"], "认定结果", "ogr")
    ids = ", ".join(f"'{x}'" for x in (a, b, c, office["ids"][3]))
    layer = determined.materialize(QgsFeatureRequest().setFilterExpression(f'"JCBH" IN ({ids})'))
    out = tmp_path / "reports"
    processing.run("liangwei:exportreports", {"INPUT": layer, "REGISTER": str(reg_path), "OUTPUT_FOLDER": str(out),
                                              "ISSUE_DATE": "2026-11-22", "WORKERS": 0})

    def text(pid):
        pdf = next(out.glob(f"{pid}*.pdf"))
        return "".join(page.extract_text() for page in PdfReader(str(pdf)).pages).replace("\n", ""), pdf

    ta, pdf_a = text(a)
    for expected in ("四、现场核查", "2026年11月20日经现场核查，核查结论为非农违法", "核查人：张三", "举证照片2张",
                     "某机械厂扩建", "照片1", "方向 45°（东北）", "位于图斑内", "未通过检查",
                     f"距图斑边界 {d_far:.0f} 米", "拍摄位置与方向示意", "五、认定意见", "六、处理意见"):
        assert expected in ta, expected
    tb, _ = text(b)
    assert "核查结论为合法" in tb and "F01" in tb and "闽政地〔2026〕12号" in tb
    tn, _ = text(office["ids"][3])      # no check on record: the report says so
    assert "尚无该图斑的外业核查记录" in tn and "258号" in tn
    import shutil
    import subprocess

    if shutil.which("pdftoppm"):
        from tests.conftest import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf_a), str(ARTIFACTS / "fieldwork_report")], check=True)


def _counts_or_zero(reg_path):
    conn = sqlite3.connect(reg_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("case_history", "verifications", "evidence_photos") if t in tables}
    finally:
        conn.close()


# -- bad input --------------------------------------------------------------------------------------

def test_bad_rows_and_photos_are_named_and_the_rest_imported(office, tmp_path):
    from qgis.core import QgsProcessingFeedback

    from liangwei.liangwei_plugin.fieldwork.importer import import_field_package
    from liangwei.liangwei_plugin.register import Register, evidence

    pkg, reg_path = _copy(office, tmp_path)
    a, b = office["ids"][:2]
    lat, lon, _ = _lonlat(reg_path, a)
    _jpeg(pkg / "DCIM" / f"{a}_ok.jpg", lat, lon, dt.datetime(2026, 11, 20, 10, 5), 10.0)
    _jpeg(pkg / "DCIM" / f"{b}_noexif.jpg", exif=False)
    _fill(pkg, {
        a: {"HCJL": "非农违法", "HCR": "张三", "HCSJ": "2026-11-20T10:00:00"},
        b: {"HCJL": "农村道路", "HCR": "张三", "HCSJ": "2026-11-20T11:00:00"},
        "350627209999999": {"HCJL": "其他", "HCR": "张三", "HCSJ": "2026-11-20T12:00:00"},   # not in the register
    }, [(a, f"DCIM/{a}_ok.jpg"), (a, f"DCIM/{a}_missing.jpg"), (b, f"DCIM/{b}_noexif.jpg")])

    with Register(str(reg_path)) as reg:
        result = import_field_package(pkg, reg)
        assert sorted(result.verified) == sorted([a, b])
        problems = "\n".join(result.problems)
        assert "350627209999999" in problems and "没有案件" in problems
        assert f"DCIM/{a}_missing.jpg" in problems and "不在外业核查包中" in problems
        flagged = {p.original: p for p in result.flagged}
        assert list(flagged) == [f"DCIM/{b}_noexif.jpg"]
        assert "没有 EXIF" in "；".join(flagged[f"DCIM/{b}_noexif.jpg"].reasons)
        # kept all the same, in the store and in the register
        assert len(evidence.photos(reg, b, flagged=True)) == 1
        assert len(evidence.photos(reg, a, flagged=False)) == 1
        assert evidence.latest_verification(reg, b)["conclusion"] == "农村道路"

    # the same through the algorithm: the counts say it, the messages reach the log
    import processing

    _provider()
    feedback = QgsProcessingFeedback()
    res = processing.run("liangwei:importfieldpackage", {"PACKAGE": str(pkg), "REGISTER": str(reg_path)},
                         feedback=feedback)
    assert res["PROBLEMS"] == 2 and res["NEW_VERIFICATIONS"] == 0
    log = feedback.textLog()
    assert "350627209999999" in log and "没有 EXIF" in log


def test_package_from_another_register_is_refused(office, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from liangwei.liangwei_plugin.register import Register

    pkg, reg_path = _copy(office, tmp_path)
    a = office["ids"][0]
    _fill(pkg, {a: {"HCJL": "非农违法", "HCR": "张三", "HCSJ": "2026-11-20T10:00:00"}}, [])
    # another register holding the same patches under other case numbers (registered in another year)
    other = tmp_path / "其他台账.gpkg"
    with Register(str(reg_path)) as src, Register(str(other)) as dst:
        cases = src.find_cases(with_geometry=True)
        dst.register_cases([{"patch_id": c["patch_id"], "geom": c["geom"], "violation": 1} for c in cases[::-1]],
                           found_date="2025-01-05", actor="他县")
    before = _counts_or_zero(other)
    _provider()
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:importfieldpackage", {"PACKAGE": str(pkg), "REGISTER": str(other)})
    assert "不属于台账" in str(info.value) and "未写入任何内容" in str(info.value)
    assert _counts_or_zero(other) == before
    # a register without any of the package's patches
    empty = tmp_path / "空台账.gpkg"
    with Register(str(empty)):
        pass
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:importfieldpackage", {"PACKAGE": str(pkg), "REGISTER": str(empty)})
    assert "都没有案件" in str(info.value)
    assert not reg_path.with_name("空台账_举证").exists()
    # not a package at all
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:importfieldpackage", {"PACKAGE": str(tmp_path), "REGISTER": str(reg_path)})
    assert "不是外业核查包" in str(info.value)


def test_export_refuses_a_non_empty_folder_and_leaves_nothing(office, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsVectorLayer

    _provider()
    layer = QgsVectorLayer(f"{office['package'] / '底图.gpkg'}|layername=监测图斑", "监测图斑", "ogr")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "note.txt").write_text("x")
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:exportfieldpackage", {"PATCHES": layer, "ID_FIELD": "JCBH",
                                                       "OUTPUT_FOLDER": str(busy)})
    assert "已存在且不为空" in str(info.value)
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:exportfieldpackage", {"PATCHES": layer, "ID_FIELD": "JCBH", "TOWNSHIP": "无此镇",
                                                       "OUTPUT_FOLDER": str(tmp_path / "new")})
    assert "没有可导出的图斑" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]    # no partial folder left behind


def test_exif_reader_round_trip(tmp_path):
    from liangwei.liangwei_plugin.fieldwork.exif import read_exif

    p = tmp_path / "a.jpg"
    _jpeg(p, 24.5, 118.25, dt.datetime(2026, 11, 20, 10, 5, 7), 359.5)
    ex = read_exif(p)
    assert ex.has_exif and ex.lat == pytest.approx(24.5, abs=1e-7) and ex.lon == pytest.approx(118.25, abs=1e-7)
    assert ex.direction == pytest.approx(359.5) and ex.taken == dt.datetime(2026, 11, 20, 10, 5, 7)
    assert ex.camera == "Xiaomi QField"
    _jpeg(p, -33.9, -70.6, None, None)
    ex = read_exif(p)
    assert ex.lat == pytest.approx(-33.9, abs=1e-7) and ex.lon == pytest.approx(-70.6, abs=1e-7) and ex.taken is None
    _jpeg(p, exif=False)
    assert not read_exif(p).has_exif
    try:
        from PIL import Image
    except ImportError:
        return
    _jpeg(p, 24.5, 118.25, dt.datetime(2026, 11, 20, 10, 5, 7), 12.0)
    gps = Image.open(p).getexif().get_ifd(0x8825)   # Pillow reads what we wrote the same way
    assert float(gps[17]) == pytest.approx(12.0)


@pytest.mark.verification_rule
def test_violation_finding_needs_a_verification(office, tmp_path):
    """workflow.toml [verification]: a 卫片 case goes from 快速认定 to 拆除整治 only with an on-site check on record."""
    from liangwei.liangwei_plugin.register import Register, Workflow, WorkflowError

    pkg, reg_path = _copy(office, tmp_path)
    a, b = office["ids"][:2]
    with Register(str(reg_path)) as reg:
        with pytest.raises(WorkflowError) as info:
            reg.advance(a, "拆除整治", "2026-11-21", actor="认定员")
        assert "尚无外业核查记录" in str(info.value) and "258号" in str(info.value)
        assert reg.get_case(a)["stage"] == "快速认定"
    _fill(pkg, {a: {"HCJL": "非农违法", "HCR": "张三", "HCSJ": "2026-11-20T10:00:00"}}, [])
    _import(pkg, reg_path)
    with Register(str(reg_path)) as reg:
        assert reg.advance(a, "拆除整治", "2026-11-21", actor="认定员")["stage"] == "拆除整治"
        assert reg.advance_many([b], "拆除整治", "2026-11-21", actor="认定员").refused   # b: still no check
    # a bureau that relaxes the rule
    relaxed = tmp_path / "workflow.toml"
    text = (ROOT / "resources" / "workflow.toml").read_text(encoding="utf-8")
    relaxed.write_text(text.replace("[verification]\nrequired = true", "[verification]\nrequired = false"),
                       encoding="utf-8")
    with Register(str(reg_path), workflow=Workflow.load(relaxed)) as reg:
        assert reg.advance(b, "拆除整治", "2026-11-21", actor="认定员")["stage"] == "拆除整治"


def test_notice_facts_state_the_on_site_findings():
    """经查 of the notice (and the 听证告知书) states what the inspector found, in documents.toml's words."""
    from liangwei.liangwei_plugin.documents.config import load_config
    from liangwei.liangwei_plugin.documents.model import DocumentInput, FieldEvidence
    from liangwei.liangwei_plugin.documents.notice import notice_values
    from liangwei.liangwei_plugin.documents.values import fill

    config = load_config()
    attrs = {"XZQMC": "城关镇", "zldwmc": "城关镇东山村", "QSX": "2024-05-20", "HSX": "2025-05-18",
             "DSR": "云溪某机械有限公司", "area_m2": 1200.0, "farmland_m2": 0.0, "violation": 1,
             "determination": "无法采取改正措施消除对规划实施的影响", "determination_code": "uncorrectable",
             "consequence": "限期拆除并恢复原状"}
    plain = fill(config["notice"]["facts"], notice_values(DocumentInput("P1", dict(attrs)), config))
    assert "现场核查" not in plain
    ev = FieldEvidence(conclusion="非农违法", description="新建钢结构厂房一栋，未见用地批文。", inspector="张三",
                       verified_at="2026-11-20T10:00:00")
    facts = fill(config["notice"]["facts"], notice_values(DocumentInput("P1", dict(attrs), verification=ev), config))
    assert "。2026年11月20日经现场核查，新建钢结构厂房一栋，未见用地批文。经我局规划认定" in facts
    assert facts.replace("2026年11月20日经现场核查，新建钢结构厂房一栋，未见用地批文。", "") == plain


@pytest.mark.postgis
@pytest.mark.verification_rule
def test_round_trip_on_postgis(office, tmp_path, pg):
    """The same import into a PostGIS register: tables created there, photos in the given evidence folder,
    idempotent, and the rule on 拆除整治 reads the verification."""
    import uuid

    from liangwei.liangwei_plugin.fieldwork.importer import import_field_package
    from liangwei.liangwei_plugin.register import Register, evidence

    pkg, reg_path = _copy(office, tmp_path)
    target = pg.uri("fw_" + uuid.uuid4().hex[:10])
    with Register(str(reg_path)) as src, Register(target) as dst:
        cases = src.find_cases(with_geometry=True)
        dst.register_cases([{"patch_id": c["patch_id"], "geom": c["geom"], "violation": 1, "hsx": c["hsx"],
                             "case_no": c["case_no"]} for c in cases], found_date="2026-11-02", actor="内业员")
    a, b = office["ids"][:2]
    lat, lon, _ = _lonlat(reg_path, a)
    _jpeg(pkg / "DCIM" / f"{a}_1.jpg", lat, lon, dt.datetime(2026, 11, 20, 10, 5), 45.0)
    _jpeg(pkg / "DCIM" / f"{b}_1.jpg", lat, lon, dt.datetime(2026, 11, 20, 10, 6), 90.0)   # far from b
    _fill(pkg, {a: {"HCJL": "非农违法", "XMZT": "某公司", "HCR": "张三", "HCSJ": "2026-11-20T10:00:00"},
                b: {"HCJL": "其他", "HCR": "张三", "HCSJ": "2026-11-20T11:00:00"}},
          [(a, f"DCIM/{a}_1.jpg"), (b, f"DCIM/{b}_1.jpg")])
    store = tmp_path / "举证"
    with Register(target) as reg:
        with pytest.raises(Exception) as info:
            import_field_package(pkg, reg)          # a database register needs a folder for the photos
        assert "请指定举证照片的存放文件夹" in str(info.value)
        first = import_field_package(pkg, reg, evidence_folder=store)
        assert (len(first.new_verifications), len(first.photos), len(first.flagged)) == (2, 2, 1)
        again = import_field_package(pkg, reg, evidence_folder=store)
        assert not again.new_verifications and not again.new_photos
        case = reg.get_case(a)
        assert case["party"] == "某公司" and len(reg.history(a)) == case["version"]
        assert evidence.photos(reg, b)[0]["flagged"] == 1
        assert (store / evidence.photos(reg, a)[0]["file"]).is_file()
        assert reg.advance(a, "拆除整治", "2026-11-21", actor="认定员")["stage"] == "拆除整治"
