"""违法占耕比: hand-worked figures by township, the 15 % flag, liangwei:farmlandratio."""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from liangwei.liangwei_plugin.farmland_ratio import OUTPUT_FIELDS, Township, assign_largest_part, farmland_ratio_table

ROOT = Path(__file__).resolve().parent.parent
MU = 15 / 10000

# Hand-worked batch: (code, name, violation, farmland_m2)
PATCHES = [
    ("350521101", "甲镇", 1, 150.0),   # 甲镇: 150 / 1000 = 15.00 % -> flagged (>= 15 %)
    ("350521101", "甲镇", 0, 850.0),
    ("350521102", "乙镇", 1, 100.0),   # 乙镇: 100 / 1000 = 10.00 %
    ("350521102", "乙镇", 0, 900.0),
    ("350521102", "乙镇", 1, 0.0),     # a violation on no farmland: counted, adds no 耕地
    ("350521103", "丙镇", 0, 0.0),     # 丙镇: no farmland occupied -> ratio undefined (NULL), not flagged
    ("", "", 1, 40.0),                 # no township: own row, 40 / 40 = 100 %
]
# name -> (patches, violations, new m², illegal m², ratio %, flag)
EXPECTED = {
    "甲镇": (2, 1, 1000.0, 150.0, 15.0, 1),
    "乙镇": (3, 2, 1000.0, 100.0, 10.0, 0),
    "丙镇": (1, 0, 0.0, 0.0, None, 0),
    "未落入乡镇": (1, 1, 40.0, 40.0, 100.0, 1),
    "全县合计": (7, 4, 2040.0, 290.0, 290.0 / 2040.0 * 100, 0),  # 14.2157 %
}


def _check(table, expected=EXPECTED):
    assert list(table.columns) == list(OUTPUT_FIELDS)
    assert table["township_name"].tolist() == list(expected)
    for _, row in table.iterrows():
        patches, violations, new, illegal, ratio, flag = expected[row["township_name"]]
        assert (row["patches"], row["violations"], row["over_threshold"]) == (patches, violations, flag)
        assert row["farmland_new_m2"] == pytest.approx(new, abs=1e-9)
        assert row["farmland_illegal_m2"] == pytest.approx(illegal, abs=1e-9)
        assert row["farmland_new_mu"] == pytest.approx(new * MU, abs=1e-12)
        assert row["farmland_illegal_mu"] == pytest.approx(illegal * MU, abs=1e-12)
        if ratio is None:
            assert math.isnan(row["ratio_pct"])
        else:
            assert row["ratio_pct"] == pytest.approx(ratio, abs=1e-9)


def test_table_by_township_codes():
    codes, names, viol, farm = zip(*PATCHES)
    table = farmland_ratio_table(codes, names, viol, farm, 15.0)
    _check(table)
    assert table.iloc[-1]["township_code"] == "350521"  # the county code shared by the townships
    assert table.iloc[2]["township_code"] == "350521103"


def test_flag_at_exactly_threshold_despite_rounding():
    # 0.7 + 0.35 illegal of 7 m² is exactly 15 %, but floating point gives 14.999999999999996.
    assert (0.7 + 0.35) / 7 * 100 < 15
    table = farmland_ratio_table(["1", "1", "1"], ["丁镇"] * 3, [1, 1, 0], [0.7, 0.35, 5.95], 15.0)
    assert table.iloc[0]["ratio_pct"] == pytest.approx(15.0, abs=1e-9)
    assert table.iloc[0]["over_threshold"] == 1
    # Just below: 14.99 % is not flagged; a lower threshold flags 乙镇's 10 %.
    below = farmland_ratio_table(["1", "1"], ["戊镇"] * 2, [1, 0], [14.99, 85.01], 15.0)
    assert below.iloc[0]["over_threshold"] == 0
    codes, names, viol, farm = zip(*PATCHES)
    lowered = farmland_ratio_table(codes, names, viol, farm, 10.0)
    assert lowered.set_index("township_name").loc["乙镇", "over_threshold"] == 1


def test_townships_without_patches_and_null_values():
    table = farmland_ratio_table(["350521101", None], ["甲镇", None], [1, None], [None, 10.0], 15.0,
                                 townships=[Township("350521101", "甲镇"), Township("350521104", "丁镇")])
    assert table["township_name"].tolist() == ["甲镇", "丁镇", "未落入乡镇", "全县合计"]
    ding = table.iloc[1]
    assert (ding["patches"], ding["farmland_new_m2"], ding["over_threshold"]) == (0, 0.0, 0)
    assert math.isnan(ding["ratio_pct"])
    # A NULL violation counts as 0, a NULL farmland as 0 m².
    assert table.iloc[-1][["patches", "violations", "farmland_new_m2"]].tolist() == [2, 1, 10.0]


def test_assign_largest_part():
    from shapely import box

    towns = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)]
    patches = [box(10, 10, 50, 50),            # inside A
               box(990, 10, 1020, 40),         # 10 m in A, 20 m in B -> B
               box(980, 10, 1005, 40),         # 20 in A, 5 in B -> A
               box(5000, 5000, 5010, 5010),    # nowhere
               box(1000, 10, 1010, 40)]        # touches A along an edge only -> B
    assert assign_largest_part(patches, towns).tolist() == [0, 1, 0, -1, 1]


# -- the algorithm ------------------------------------------------------------------------------

X0, Y0 = 39500000.0, 2800000.0


def _rect(x, y, w, h):
    from qgis.core import QgsGeometry

    return QgsGeometry.fromWkt(f"POLYGON(({x} {y},{x + w} {y},{x + w} {y + h},{x} {y + h},{x} {y}))")


def _determined_layer(rows, with_xzq=True):
    """A determine-OUTPUT-like layer: (patch_id, x, y, w, h, violation, farmland_m2, XZQDM, XZQMC)."""
    from qgis.core import QgsFeature, QgsVectorLayer

    fields = "&field=patch_id:string&field=violation:integer&field=farmland_m2:double&field=rule_id:string"
    if with_xzq:
        fields += "&field=XZQDM:string&field=XZQMC:string"
    layer = QgsVectorLayer(f"Polygon?crs=EPSG:4527{fields}", "认定结果", "memory")
    feats = []
    for pid, x, y, w, h, v, farm, code, name in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(_rect(X0 + x, Y0 + y, w, h))
        f["patch_id"], f["violation"], f["farmland_m2"], f["rule_id"] = pid, v, farm, "R11"
        if with_xzq:
            f["XZQDM"], f["XZQMC"] = code, name
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def _table(layer):
    return {f["township_name"]: f for f in layer.getFeatures()}


def _check_layer(layer, expected=EXPECTED):
    rows = _table(layer)
    assert list(rows) == list(expected)
    assert layer.fields().names() == list(OUTPUT_FIELDS)
    for name, (patches, violations, new, illegal, ratio, flag) in expected.items():
        f = rows[name]
        assert (f["patches"], f["violations"], f["over_threshold"]) == (patches, violations, flag), name
        assert f["farmland_new_m2"] == pytest.approx(new) and f["farmland_illegal_mu"] == pytest.approx(illegal * MU)
        value = f["ratio_pct"]
        if ratio is None:
            assert value is None or value.isNull(), (name, value)
        else:
            assert value == pytest.approx(ratio), name


ROWS = [  # geometry is irrelevant without a boundary layer
    ("P1", 10, 10, 40, 25, 1, 150.0, "350521101", "甲镇"),
    ("P2", 60, 10, 40, 25, 0, 850.0, "350521101", "甲镇"),
    ("P3", 1100, 10, 40, 25, 1, 100.0, "350521102", "乙镇"),
    ("P4", 1200, 10, 40, 25, 0, 900.0, "350521102", "乙镇"),
    ("P5", 1300, 10, 40, 25, 1, 0.0, "350521102", "乙镇"),
    ("P6", 2100, 10, 40, 25, 0, 0.0, "350521103", "丙镇"),
    ("P7", 2200, 10, 40, 25, 1, 40.0, None, None),
]


def test_algorithm_by_patch_fields(qgis_app, liangwei_provider):
    import processing

    out = processing.run("liangwei:farmlandratio", {"INPUT": _determined_layer(ROWS), "OUTPUT": "memory:"})["OUTPUT"]
    _check_layer(out)


def _townships_4490():
    """Four 1 km townships (丁镇 without patches), stored in EPSG:4490 like many bureaus' boundaries."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature, QgsProject, QgsVectorLayer

    layer = QgsVectorLayer("Polygon?crs=EPSG:4490&field=XZQDM:string&field=XZQMC:string", "乡镇界线", "memory")
    tr = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4527"), QgsCoordinateReferenceSystem("EPSG:4490"),
                                QgsProject.instance())
    feats = []
    for i, (code, name) in enumerate([("350521101", "甲镇"), ("350521102", "乙镇"), ("350521103", "丙镇"),
                                      ("350521104", "丁镇")]):
        g = _rect(X0 + i * 1000, Y0, 1000, 1000)
        g.densifyByCount(20)
        g.transform(tr)
        f = QgsFeature(layer.fields())
        f.setGeometry(g)
        f["XZQDM"], f["XZQMC"] = code, name
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


# Patches placed by geometry; their own XZQDM fields are deliberately wrong (the boundary layer wins).
GEO_ROWS = [
    ("Q1", 10, 10, 40, 25, 1, 150.0, "X", "错"),
    ("Q2", 500, 500, 40, 25, 0, 850.0, "X", "错"),
    ("Q3", 990, 10, 30, 25, 1, 100.0, "X", "错"),    # 10 m in 甲镇, 20 m in 乙镇 -> 乙镇
    ("Q4", 1500, 10, 40, 25, 0, 900.0, "X", "错"),
    ("Q5", 1980, 10, 15, 25, 1, 0.0, "X", "错"),      # 15 m in 乙镇 (only) -> 乙镇
    ("Q6", 2100, 10, 40, 25, 0, 0.0, "X", "错"),
    ("Q7", 10, 5000, 40, 25, 1, 40.0, "X", "错"),     # outside every township
]


def test_algorithm_with_boundary_layer(qgis_app, liangwei_provider):
    import processing

    expected = dict(EXPECTED)
    expected = {k: expected[k] for k in ("甲镇", "乙镇", "丙镇")}
    expected["丁镇"] = (0, 0, 0.0, 0.0, None, 0)
    expected["未落入乡镇"] = EXPECTED["未落入乡镇"]
    expected["全县合计"] = EXPECTED["全县合计"]
    out = processing.run("liangwei:farmlandratio", {"INPUT": _determined_layer(GEO_ROWS),
                                                    "TOWNSHIPS": _townships_4490(), "OUTPUT": "memory:"})["OUTPUT"]
    _check_layer(out, expected)
    assert _table(out)["全县合计"]["township_code"] == "350521"


def test_algorithm_threshold_and_named_fields(qgis_app, liangwei_provider):
    import processing
    from qgis.core import QgsVectorLayer

    layer = _determined_layer(ROWS)
    out = processing.run("liangwei:farmlandratio", {"INPUT": layer, "THRESHOLD": 10, "TOWNSHIP_CODE_FIELD": "XZQDM",
                                                    "TOWNSHIP_NAME_FIELD": "XZQMC", "OUTPUT": "memory:"})["OUTPUT"]
    assert _table(out)["乙镇"]["over_threshold"] == 1
    # Without any township field the message says what to do.
    bare = _determined_layer([r[:7] + (None, None) for r in ROWS], with_xzq=False)
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="认定结果.*XZQDM"):
        processing.run("liangwei:farmlandratio", {"INPUT": bare, "OUTPUT": "memory:"})
    raw = QgsVectorLayer("Polygon?crs=EPSG:4527&field=JCBH:string&field=farmland_m2:double", "卫片图斑", "memory")
    with pytest.raises(QgsProcessingException, match="卫片图斑.*violation.*liangwei:determine"):
        processing.run("liangwei:farmlandratio", {"INPUT": raw, "OUTPUT": "memory:"})


def test_default_threshold_comes_from_rule_file(qgis_app, liangwei_provider):
    from qgis.core import QgsApplication

    from liangwei.liangwei_plugin.determination import load_rules

    alg = QgsApplication.processingRegistry().algorithmById("liangwei:farmlandratio")
    assert alg.parameterDefinition("THRESHOLD").defaultValue() == load_rules().farmland_ratio_threshold_pct == 15.0


def test_qgis_process_headless(qgis_app, tmp_path):
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter, QgsVectorLayer

    gpkg = tmp_path / "determined.gpkg"
    for layer, name in ((_determined_layer(GEO_ROWS), "认定结果"), (_townships_4490(), "乡镇界线")):
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.layerName = name
        if gpkg.exists():
            options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
        err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(gpkg), QgsCoordinateTransformContext(), options)
        assert err[0] == QgsVectorFileWriter.NoError, err
    out = tmp_path / "ratio.gpkg"
    proc = subprocess.run([str(ROOT / "bin" / "qgis-process"), "run", "liangwei:farmlandratio", "--",
                           f"INPUT={gpkg}|layername=认定结果", f"TOWNSHIPS={gpkg}|layername=乡镇界线", f"OUTPUT={out}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = QgsVectorLayer(str(out), "ratio", "ogr")
    assert result.isValid()
    rows = _table(result)
    assert rows["甲镇"]["over_threshold"] == 1 and rows["甲镇"]["ratio_pct"] == pytest.approx(15.0)
    assert rows["全县合计"]["patches"] == 7 and rows["全县合计"]["farmland_illegal_m2"] == pytest.approx(290.0)
