"""Readable outputs: every output field has a Chinese alias that travels in the GeoPackage, and areas show
with two decimals and thousands separators — seen by a QGIS that has no plugin code at all (a separate
Python process importing only qgis.core), and on the layers as the plugin loads them."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from liangwei.liangwei_plugin.vector_io import field_aliases, field_decimals, write_vector

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"

# What a QGIS without the plugin shows: aliases and the formatted value of the first feature's fields.
PLAIN_QGIS = r"""
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
out = {}
for uri in sys.argv[1:]:
    layer = QgsVectorLayer(uri, "x", "ogr")
    assert layer.isValid(), uri
    feature = next(layer.getFeatures())
    shown = {}
    for i, field in enumerate(layer.fields()):
        setup = layer.editorWidgetSetup(i)
        formatter = QgsApplication.fieldFormatterRegistry().fieldFormatter(setup.type())
        shown[field.name()] = [layer.attributeAlias(i),
                               formatter.representValue(layer, i, setup.config(), None, feature[i])]
    out[uri] = shown
print(json.dumps(out, ensure_ascii=False), flush=True)
import os
os._exit(0)  # (QGIS's own exit clean-up may crash with layers still alive: nothing is left to do)
"""


def _plain_qgis(*uris: str) -> dict:
    """Open the layers in a fresh QGIS process: no plugin on the path, nothing of liangwei imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = "/usr/share/qgis/python"
    env["QGIS_PLUGINPATH"] = ""
    proc = subprocess.run([sys.executable, "-c", PLAIN_QGIS, *uris], capture_output=True, text=True, env=env,
                          timeout=120, cwd="/tmp", check=False)  # nosec B603 - our own interpreter and script
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, qgis_processing):
    """The overlay (summary and detail), the determination and the 违法占耕比 table of the sample county's
    eight patches, written as GeoPackages."""
    from qgis.core import QgsApplication, QgsVectorLayer

    from liangwei.processing_algs.provider import LiangweiProvider

    registry = QgsApplication.processingRegistry()
    added = registry.providerById("liangwei") is None
    if added:
        registry.addProvider(LiangweiProvider())
    import processing

    d = tmp_path_factory.mktemp("aliases")
    county = SAMPLE / "county.gpkg"
    patches = QgsVectorLayer(f"{SAMPLE / 'patches.gpkg'}|layername=卫片图斑_4490", "卫片图斑", "ogr")
    landuse = QgsVectorLayer(f"{county}|layername=三调地类图斑", "三调地类图斑", "ogr")
    red = QgsVectorLayer(f"{county}|layername=永久基本农田", "永久基本农田", "ogr")
    res = processing.run("liangwei:overlaycheck", {
        "PATCHES": patches, "LANDUSE": landuse, "PROTECTED": [red],
        "OUTPUT": str(d / "overlay.gpkg"), "OUTPUT_DETAIL": str(d / "detail.gpkg")})
    det = processing.run("liangwei:determine", {"INPUT": res["OUTPUT"], "OUTPUT": str(d / "determination.gpkg")})
    ratio = processing.run("liangwei:farmlandratio", {"INPUT": det["OUTPUT"], "OUTPUT": str(d / "ratio.gpkg")})
    yield {"overlay": res["OUTPUT"], "detail": res["OUTPUT_DETAIL"], "determination": det["OUTPUT"],
           "ratio": ratio["OUTPUT"]}
    if added:
        registry.removeProvider("liangwei")


def test_alias_table_lookup():
    aliases = field_aliases(["patch_id", "area_m2", "生态保护红线_m2", "生态保护红线_mu", "no_such_field"])
    assert aliases == {"patch_id": "图斑编号", "area_m2": "图斑面积（平方米）",
                       "生态保护红线_m2": "生态保护红线面积（平方米）", "生态保护红线_mu": "生态保护红线面积（亩）"}
    # one output's own names come before the common ones
    assert field_aliases(["area_m2"], "liangwei:overlaycheck", "OUTPUT_DETAIL") == {"area_m2": "相交面积（平方米）"}
    assert field_aliases(["area_m2"], "casestatistics") == {"area_m2": "违法占地面积（平方米）"}
    assert field_decimals(["area_m2", "share", "class_code"]) == {"area_m2": 2, "share": 4}


def test_every_output_field_has_an_alias_in_the_geopackage(outputs):
    for kind, uri in outputs.items():
        path, _, layer = uri.partition("|layername=")
        con = sqlite3.connect(path)
        try:
            stored = dict(con.execute("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = ?",
                                      (layer,)).fetchall())
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")')]
        finally:
            con.close()
        plain = [c for c in columns if c not in ("fid", "geom")]
        missing = [c for c in plain if c not in stored]
        assert not missing, (kind, missing)
        assert all(stored[c] != c for c in plain), kind


def test_plain_qgis_shows_aliases_and_two_decimals(outputs):
    shown = _plain_qgis(*outputs.values())
    overlay = shown[outputs["overlay"]]
    assert overlay["patch_id"][0] == "图斑编号"
    assert overlay["JCBH"][0] == "监测编号"
    assert overlay["area_m2"][0] == "图斑面积（平方米）"
    assert overlay["永久基本农田_m2"][0] == "永久基本农田面积（平方米）"
    # the value shown: two decimals, thousands separators (the value itself stays exact, see below)
    area = overlay["area_m2"][1]
    assert area.count(".") == 1 and len(area.split(".")[1]) == 2, area
    detail = shown[outputs["detail"]]
    assert detail["area_m2"][0] == "相交面积（平方米）" and detail["share"][0] == "占图斑比例"
    det = shown[outputs["determination"]]
    assert det["determination"][0] == "认定结果" and det["legal_basis"][0] == "法律依据"
    ratio = shown[outputs["ratio"]]
    assert ratio["ratio_pct"][0] == "违法占耕比（%）"
    assert ratio["farmland_new_m2"][0] == "新增建设占用耕地面积（平方米）"
    assert all(alias for name, (alias, _) in ratio.items() if name != "fid"), ratio


def test_values_stay_exact_and_thousands_separated(outputs, qgis_app):
    from qgis.core import QgsApplication, QgsVectorLayer
    from qgis.PyQt.QtCore import QLocale

    layer = QgsVectorLayer(outputs["overlay"], "overlay", "ogr")
    i = layer.fields().indexOf("area_m2")
    big = max(layer.getFeatures(), key=lambda f: f["area_m2"])
    value = big["area_m2"]
    assert value != round(value, 2)  # stored unrounded
    setup = layer.editorWidgetSetup(i)
    shown = QgsApplication.fieldFormatterRegistry().fieldFormatter(setup.type()).representValue(
        layer, i, setup.config(), None, 1234567.891)
    assert shown == QLocale().toString(1234567.891, "f", 2)
    assert QLocale().groupSeparator() in shown or QLocale().numberOptions() & QLocale.NumberOption.OmitGroupSeparator


def test_write_vector_stores_aliases(tmp_path, qgis_app):
    import pandas as pd

    path = tmp_path / "t.gpkg"
    write_vector(pd.DataFrame({"patch_id": ["A"], "area_m2": [3703.188951]}), path, layer="表",
                 aliases=field_aliases(["patch_id", "area_m2"]))
    con = sqlite3.connect(path)
    try:
        rows = dict(con.execute("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = '表'"))
    finally:
        con.close()
    assert rows == {"patch_id": "图斑编号", "area_m2": "图斑面积（平方米）"}
