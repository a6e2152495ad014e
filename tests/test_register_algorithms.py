"""liangwei:registercases / advancecases / exportledger / casestatistics on GeoPackage and PostGIS.

Inputs are memory layers with the fields of ``liangwei:determine``'s OUTPUT (shared contract), so
these tests do not depend on the overlay engine.  Expected areas and ratios are worked by hand.
"""
from __future__ import annotations

import csv
import uuid
import warnings

import pytest

FIELDS = [("JCBH", "string"), ("XZQDM", "string"), ("XZQMC", "string"), ("DSR", "string"), ("HSX", "string"),
          ("patch_id", "string"), ("area_m2", "double"), ("farmland_m2", "double"), ("永久基本农田_m2", "double"),
          ("生态保护红线_m2", "double"), ("zldwdm", "string"), ("zldwmc", "string"), ("violation", "integer"),
          ("determination_code", "string"), ("determination", "string"), ("consequence", "string"),
          ("rule_id", "string"), ("department", "string"), ("departments", "string")]

# patch id, township, village, x0, size (m), farmland, basic farmland, violation
PATCHES = [
    ("P001", "城关镇", "东山村", 0, 20.0, 100.0, 50.0, 1),
    ("P002", "城关镇", "西溪村", 100, 30.0, 200.0, 0.0, 1),
    ("P003", "溪口镇", "大坪村", 200, 10.0, 300.0, 0.0, 0),    # not a violation: only in the ratio's denominator
    ("P004", "溪口镇", "竹林村", 300, 40.0, 0.0, 0.0, 1),
]


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def target(request, tmp_path):
    if request.param == "gpkg":
        return str(tmp_path / "sub" / "台账.gpkg")     # folder and file created on first use
    return request.getfixturevalue("pg").uri("a_" + uuid.uuid4().hex[:12])


def determined_layer(patches=PATCHES, crs="EPSG:4527"):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    spec = "&".join(f"field={n}:{t}" for n, t in FIELDS)
    layer = QgsVectorLayer(f"Polygon?crs={crs}&{spec}", "认定结果", "memory")
    feats = []
    for pid, town, village, x0, size, farm, jbnt, vio in patches:
        f = QgsFeature(layer.fields())
        x, y = 39_500_000 + x0, 2_800_000
        f.setGeometry(QgsGeometry.fromWkt(
            f"POLYGON(({x} {y},{x + size} {y},{x + size} {y + size},{x} {y + size},{x} {y}))"))
        f["JCBH"] = "JC" + pid
        f["XZQDM"] = {"城关镇": "350627100000", "溪口镇": "350627101000"}[town]
        f["XZQMC"] = town
        f["DSR"] = f"{village}某户"
        f["HSX"] = "2025-05-18"
        f["patch_id"] = pid
        f["area_m2"] = size * size
        f["farmland_m2"] = farm
        f["永久基本农田_m2"] = jbnt
        f["zldwmc"] = town + village
        f["violation"] = vio
        f["determination_code"] = "uncorrectable" if vio else "not_violation"
        f["determination"] = "无法采取改正措施消除对规划实施的影响" if vio else "不属于违法用地违法建设"
        f["consequence"] = "限期拆除并恢复原状" if vio else ""
        f["department"] = "自然资源和规划局"
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def run(alg: str, **params):
    import processing

    return processing.run(f"liangwei:{alg}", params)


def test_register_advance_export_statistics(target, liangwei_provider, tmp_path, artifacts_dir):
    from openpyxl import load_workbook

    from liangwei.liangwei_plugin.register import Register

    layer = determined_layer()
    res = run("registercases", INPUT=layer, REGISTER=target, SOURCE=0, DATE="2026-11-02", ACTOR="内业员")
    assert (res["ADDED"], res["SKIPPED"], res["CLOSED"]) == (4, 0, 1)
    again = run("registercases", INPUT=layer, REGISTER=target, SOURCE=0, DATE="2026-11-03")
    assert (again["ADDED"], again["SKIPPED"]) == (0, 4)

    with Register(target) as reg:
        c = reg.get_case("P002", with_geometry=True)
        import shapely

        assert abs(shapely.from_wkb(c["geom"]).area - 900.0) < 1e-6
        assert (c["township"], c["village"], c["basic_farmland_m2"], c["party"]) == (
            "城关镇", "西溪村", 0.0, "西溪村某户")
        assert c["stage"] == "快速认定" and c["stage_due"] == "2026-11-04" and c["source"] == "卫片"
        assert reg.get_case("P003")["stage"] == "办结"

    # batch: P001, P002 determined; P003 is closed → refused with a message, the others go through
    adv = run("advancecases", REGISTER=target, CASE_IDS="P001, P002\nP003", TARGET_STAGE=2, DATE="2026-11-03",
              ACTOR="国土所", NOTE="现场认定")
    assert (adv["ADVANCED"], adv["REFUSED"]) == (2, 1) and "已办结" in adv["REFUSALS"]
    adv = run("advancecases", REGISTER=target, CASE_IDS="P001", TARGET_STAGE=3, DATE="2026-11-05", ACTOR="镇分管领导",
              NOTE="已拆除", DISPOSAL_KIND=1, DEMOLISHED_M2=350.0)
    assert adv["ADVANCED"] == 1
    run("advancecases", REGISTER=target, CASE_IDS="P001", TARGET_STAGE=4, DATE="2026-11-06", ACTOR="人大主席",
        NOTE="核实")
    adv = run("advancecases", REGISTER=target, FROM_STAGE=1, TARGET_STAGE=2, DATE="2026-11-06", ACTOR="国土所",
              NOTE="逾期认定")     # P004 still in 快速认定 (due 11-04): late → 效能问责
    assert adv["ADVANCED"] == 1
    with Register(target) as reg:
        p1, p4 = reg.get_case("P001"), reg.get_case("P004")
        assert p1["stage"] == "办结" and p1["demolished_m2"] == 350.0 and p1["closed_date"] == "2026-11-06"
        assert p4["accountability"] == 1 and "认定人员" in p4["accountability_note"]

    # ledger: the 3 violation cases of 2026-11, as of 2026-11-12 (P002 due 11-06 and P004 due 11-09 overdue)
    xlsx = tmp_path / "台账.xlsx"
    out = run("exportledger", REGISTER=target, MONTH="2026-11", AS_OF="2026-11-12", OUTPUT=str(xlsx))
    assert out["ROWS"] == 3
    ws = load_workbook(xlsx).active
    header = [c.value for c in ws[3]]     # row 1 title, row 2 统计日期/填报单位
    for h in ("序号", "监测编号", "乡镇", "村", "问题来源", "发现时间", "当事人", "违法类型/认定", "占地面积(㎡)",
              "其中耕地(㎡)", "其中永久基本农田(㎡)", "责任单位", "处置阶段", "处置方式", "拆除面积(㎡)", "是否超期",
              "是否移交纪委监委", "备注"):
        assert h in header, h
    assert ws.freeze_panes == "C4" and ws.column_dimensions["J"].width >= 20
    rows = {r[header.index("监测编号")]: dict(zip(header, r)) for r in ws.iter_rows(min_row=4, values_only=True)
            if r[header.index("监测编号")] and str(r[header.index("监测编号")]).startswith("P")}
    assert set(rows) == {"P001", "P002", "P004"}
    assert rows["P002"]["占地面积(㎡)"] == 900.0 and rows["P001"]["拆除面积(㎡)"] == 350.0
    assert rows["P001"]["是否超期"] == "否" and rows["P002"]["是否超期"].startswith("是（拆除整治超期6天")
    assert "应移交" in rows["P002"]["是否移交纪委监委"] and "2026-11-21" in rows["P002"]["是否移交纪委监委"]
    total = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == "合计")
    assert total[header.index("占地面积(㎡)")] == 400.0 + 900.0 + 1600.0
    assert run("exportledger", REGISTER=target, MONTH="2026-10", OUTPUT=str(tmp_path / "empty.xlsx"))["ROWS"] == 0
    out_csv = tmp_path / "台账.csv"
    run("exportledger", REGISTER=target, MONTH="", AS_OF="2026-11-12", OUTPUT=str(out_csv))
    with open(out_csv, encoding="utf-8-sig") as f:
        data = list(csv.DictReader(f))
    assert len(data) == 3 and {d["其中耕地(㎡)"] for d in data} == {"100.00", "200.00", "0.00"}
    assert not list(tmp_path.glob(".*partial*"))

    # statistics: 违法占耕比 = (100 + 200 + 0) / (100 + 200 + 300 + 0) = 50 %
    chart = artifacts_dir / "case_statistics.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st = run("casestatistics", REGISTER=target, PERIOD="2026", AS_OF="2026-11-12", OUTPUT="memory:",
                 OUTPUT_CHART=str(chart))
    assert not [w for w in caught if "Glyph" in str(w.message)], "CJK glyphs missing in the chart"
    table = st["OUTPUT"]
    from qgis.core import QgsProcessingContext, QgsProcessingUtils

    if isinstance(table, str):
        table = QgsProcessingUtils.mapLayerFromString(table, QgsProcessingContext())
    rows = {(f["dimension"], f["group_name"]): f for f in table.getFeatures()}
    tot = rows[("全部", "合计")]
    assert (tot["cases"], tot["violations"], tot["overdue"], tot["closed"], tot["closed_7d"]) == (4, 3, 2, 1, 1)
    assert abs(tot["illegal_farmland_ratio"] - 50.0) < 1e-9
    assert abs(tot["area_m2"] - 2900.0) < 1e-9 and abs(tot["demolished_m2"] - 350.0) < 1e-9
    town = rows[("乡镇", "溪口镇")]
    assert (town["cases"], town["violations"]) == (2, 1) and abs(town["illegal_farmland_ratio"]) < 1e-9
    assert rows[("处置阶段", "拆除整治")]["cases"] == 2
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 20_000


def test_register_from_geographic_layer(tmp_path, liangwei_provider):
    """A batch stored in EPSG:4490 lands in the register's EPSG:4527 at the right place."""
    from pyproj import Transformer
    from shapely.geometry import box

    from liangwei.liangwei_plugin.register import Register

    target = str(tmp_path / "r.gpkg")
    run("registercases", INPUT=determined_layer(PATCHES[:1]), REGISTER=target, DATE="2026-11-02")
    to_geo = Transformer.from_crs(4527, 4490, always_xy=True)
    lon0, lat0 = to_geo.transform(39_500_500, 2_800_500)
    lon1, lat1 = to_geo.transform(39_500_550, 2_800_550)
    from qgis.core import QgsFeature, QgsGeometry

    layer = determined_layer([("G001", "城关镇", "东山村", 0, 1.0, 0.0, 0.0, 1)], crs="EPSG:4490")
    layer.dataProvider().truncate()
    f = QgsFeature(layer.fields())
    f.setAttributes([None] * len(FIELDS))
    f["patch_id"], f["violation"], f["XZQMC"] = "G001", 1, "城关镇"
    f.setGeometry(QgsGeometry.fromWkt(box(lon0, lat0, lon1, lat1).wkt))
    layer.dataProvider().addFeatures([f])
    run("registercases", INPUT=layer, REGISTER=target, DATE="2026-11-02", SOURCE=3)
    with Register(target) as reg:
        import shapely

        g = shapely.from_wkb(reg.get_case("G001", with_geometry=True)["geom"])
        assert reg.srid == 4527 and reg.get_case("G001")["source"] == "信访举报"
        cx, cy = g.centroid.x, g.centroid.y
        assert abs(cx - 39_500_525) < 0.5 and abs(cy - 2_800_525) < 0.5


def test_bad_inputs_are_named(tmp_path, liangwei_provider):
    from qgis.core import QgsProcessingException, QgsVectorLayer

    layer = QgsVectorLayer("Polygon?crs=EPSG:4527&field=JCBH:string&field=area_m2:double", "未认定图斑", "memory")
    with pytest.raises(QgsProcessingException, match="未认定图斑"):
        run("registercases", INPUT=layer, REGISTER=str(tmp_path / "r.gpkg"))
    with pytest.raises(QgsProcessingException, match="yyyy-mm"):
        run("exportledger", REGISTER=str(tmp_path / "r.gpkg"), MONTH="2026年11月", OUTPUT=str(tmp_path / "x.xlsx"))
    with pytest.raises(QgsProcessingException, match="没有案件"):
        run("advancecases", REGISTER=str(tmp_path / "r.gpkg"), CASE_IDS="NOPE", TARGET_STAGE=2, ACTOR="甲")
    with pytest.raises(QgsProcessingException, match="无法识别的台账"):
        run("exportledger", REGISTER="not-a-connection", OUTPUT=str(tmp_path / "x.xlsx"))


def test_flag_overdue_and_grid_checkins(target, liangwei_provider):
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingUtils

    from liangwei.liangwei_plugin.register import Register

    run("registercases", INPUT=determined_layer(), REGISTER=target, DATE="2026-11-02")   # 认定 due 11-04
    # due 11-06
    run("advancecases", REGISTER=target, CASE_IDS="P001", TARGET_STAGE=2, DATE="2026-11-03", ACTOR="国土所")

    def features(out):
        layer = out["OUTPUT"]
        if isinstance(layer, str):
            layer = QgsProcessingUtils.mapLayerFromString(layer, QgsProcessingContext())
        return {f["case_no"] if "case_no" in f.fields().names() else f["unit_code"] + f["date"]: f
                for f in layer.getFeatures()}

    out = run("flagoverdue", REGISTER=target, AS_OF="2026-11-05", OUTPUT="memory:")
    assert out["OVERDUE"] == 2 and out["FLAGGED"] == 0          # P002, P004 (认定 overdue); P003 closed
    feats = features(out)
    assert {f["patch_id"]: (f["role"], f["overdue_days"]) for f in feats.values()} == {
        "P002": ("认定人员", 1), "P004": ("认定人员", 1)}
    assert all(abs(f.geometry().area() - {"P002": 900.0, "P004": 1600.0}[f["patch_id"]]) < 1e-6 for f in feats.values())
    out = run("flagoverdue", REGISTER=target, AS_OF="2026-11-08", RECORD=True, ACTOR="效能办", OUTPUT="memory:")
    assert out["OVERDUE"] == 3 and out["FLAGGED"] == 3
    p1 = next(f for f in features(out).values() if f["patch_id"] == "P001")
    # new case not demolished by 11-06 → referral within 15 days: 11-21
    assert (p1["role"], p1["referral_due"]) == ("拆除人员", "2026-11-21")
    with Register(target) as reg:
        assert reg.get_case("P001")["accountability"] == 1
        assert reg.history("P004")[-1]["action"] == "flag" and reg.history("P004")[-1]["actor"] == "效能办"

    run("gridcheckin", REGISTER=target, UNIT="G01", UNIT_NAME="东山村", TOWNSHIP="城关镇", DATE="2026-11-02",
        REPORTER="网格员A", CASE_IDS="P001")
    run("gridcheckin", REGISTER=target, UNIT="G02", UNIT_NAME="西溪村", TOWNSHIP="城关镇", DATE="2026-11-02",
        REPORTER="网格员B")
    zero = run("gridcheckin", REGISTER=target, UNIT="G01", DATE="2026-11-03", REPORTER="网格员A")
    assert zero["CASES"] == 0
    with pytest.raises(QgsProcessingException, match="重复"):
        run("gridcheckin", REGISTER=target, UNIT="G01", DATE="2026-11-03", REPORTER="网格员A")
    with pytest.raises(QgsProcessingException, match="没有案件"):
        run("gridcheckin", REGISTER=target, UNIT="G02", DATE="2026-11-03", CASE_IDS="NOPE", REPORTER="网格员B")
    missed = run("missedgridreports", REGISTER=target, START="2026-11-02", END="2026-11-04", OUTPUT="memory:")
    assert missed["MISSED"] == 3
    assert set(features(missed)) == {"G022026-11-03", "G012026-11-04", "G022026-11-04"}


def test_referral_rule_same_in_flagoverdue_statistics_and_ledger(target, liangwei_provider):
    """workflow.toml [[referral.rule]] (seed 001 第8条): a new case still at 快速认定 after its 7-day target is
    due for referral — flagoverdue, casestatistics, the dock's status and the ledger say the same."""
    from qgis.core import QgsProcessingContext, QgsProcessingUtils

    from liangwei.liangwei_plugin.register import Register
    from liangwei.liangwei_plugin.register.ledger import ledger_rows

    def layer_of(out):
        layer = out["OUTPUT"]
        return QgsProcessingUtils.mapLayerFromString(layer, QgsProcessingContext()) if isinstance(layer, str) else layer

    run("registercases", INPUT=determined_layer(), REGISTER=target, DATE="2026-11-02")   # 7-day target 11-09
    run("advancecases", REGISTER=target, CASE_IDS="P001", TARGET_STAGE=2, DATE="2026-11-03", ACTOR="国土所")
    day = "2026-11-12"
    out = run("flagoverdue", REGISTER=target, AS_OF=day, OUTPUT="memory:")
    feats = {f["patch_id"]: f for f in layer_of(out).getFeatures()}
    for pid in ("P002", "P004"):                 # still at 快速认定 after 11-09 → refer within 15 days: 11-24
        assert feats[pid]["stage"] == "快速认定"
        assert "未按时限整改到位" in feats[pid]["referral_reason"] and feats[pid]["referral_due"] == "2026-11-24"
    assert feats["P001"]["referral_due"] == "2026-11-21"          # 拆除整治 due 11-06 → 11-21, the earlier
    st = run("casestatistics", REGISTER=target, PERIOD="", AS_OF=day, OUTPUT="memory:")
    total = next(f for f in layer_of(st).getFeatures() if f["dimension"] == "全部")
    with Register(target) as reg:
        ledger = [str(r[-2]) for r in ledger_rows(reg, None, day)]
        status = reg.status(reg.get_case("P002"), day)
    assert sum(x.startswith("应移交") for x in ledger) == total["referral_due"] == 3
    assert status.referral_required and status.referral_due.isoformat() == "2026-11-24"
    # recorded on the case by a RECORD run, as the rule says
    run("flagoverdue", REGISTER=target, AS_OF=day, RECORD=True, ACTOR="效能办", OUTPUT="memory:")
    with Register(target) as reg:
        case = reg.get_case("P004")
    assert case["referral_required"] == 1 and "未按时限整改到位" in case["referral_reason"]
    assert case["referral_due"] == "2026-11-24"
