"""The one error path (processing_algs/base.py): every expected failure is a QgsProcessingException with a
Chinese message naming the file/layer/feature, no traceback, exit code 1; an unexpected one is logged with
its traceback and shown as one sentence; a file output is either complete or not there (never half-written:
disk full, cancel, a refused feature)."""
from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from liangwei.liangwei_plugin.errors import has_chinese, user_message
from liangwei.liangwei_plugin.vector_io import write_vector

ROOT = Path(__file__).resolve().parent.parent
X0, Y0 = 39_501_000.0, 2_800_000.0


def rect(x1, y1, x2, y2):
    return shapely.box(x1 + X0, y1 + Y0, x2 + X0, y2 + Y0)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    d = tmp_path_factory.mktemp("errpath")
    lu = gpd.GeoDataFrame({"DLBM": ["0101", "0702"]}, geometry=[rect(0, 0, 100, 200), rect(100, 0, 200, 200)],
                          crs="EPSG:4527")
    write_vector(lu, d / "lu.gpkg", layer="三调地类图斑")
    n = 400  # enough features that the outputs do not fit on the small disk below
    patches = gpd.GeoDataFrame({"JCBH": [f"P{i:04d}" for i in range(n)], "XZQMC": ["城关镇"] * n},
                               geometry=[rect(i % 20 * 10, i // 20 * 10, i % 20 * 10 + 8, i // 20 * 10 + 8)
                                         for i in range(n)], crs="EPSG:4527")
    write_vector(patches, d / "patches.gpkg", layer="卫片图斑")
    return d


def overlay(county, **outputs):
    import processing

    params = {"PATCHES": str(county / "patches.gpkg"), "LANDUSE": f"{county / 'lu.gpkg'}|layername=三调地类图斑",
              "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"}
    params.update(outputs)
    return processing.run("liangwei:overlaycheck", params)


def _mount(path: Path, options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],  # noqa: S603,S607
                          capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True)  # noqa: S603,S607


@pytest.fixture
def small_disk(tmp_path):
    """A 64 kB disk (tmpfs): the outputs of ``county`` do not fit."""
    disk = tmp_path / "small"
    if not _mount(disk, "size=64k"):
        pytest.skip("mounting a small tmpfs needs root")
    yield disk
    _umount(disk)


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder no one may write to: a read-only tmpfs as root (root ignores permissions), else mode 555."""
    folder = tmp_path / "readonly"
    if not _mount(folder, "ro,size=64k"):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o555)
    yield folder
    _umount(folder)
    if folder.exists():
        folder.chmod(0o755)


def test_user_message_names_the_file():
    text = user_message(OSError(errno.ENOSPC, "No space left on device", "/data/out.gpkg"))
    assert "/data/out.gpkg" in text and "磁盘空间已满" in text
    text = user_message(PermissionError(errno.EACCES, "Permission denied", "/data/台账.gpkg"))
    assert "/data/台账.gpkg" in text and "权限" in text
    assert user_message(ZeroDivisionError("x")) is None  # a bug: not dressed up as a user's mistake
    import sqlite3

    assert "锁定" in user_message(sqlite3.OperationalError("database is locked"))


def test_missing_output_folder_refused_before_any_work(liangwei_provider, county, tmp_path):
    from qgis.core import QgsProcessingException

    target = tmp_path / "no" / "such" / "folder" / "out.gpkg"
    with pytest.raises(QgsProcessingException) as info:
        overlay(county, OUTPUT=str(target))
    message = str(info.value)
    assert "不存在" in message and str(target.parent) in message and "OUTPUT" in message
    assert not target.parent.exists()


def test_readonly_output_folder_refused_naming_it(liangwei_provider, county, readonly_dir):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as info:
        overlay(county, OUTPUT=str(readonly_dir / "out.gpkg"))
    message = str(info.value)
    assert str(readonly_dir) in message and "不可写入" in message
    assert "Traceback" not in message


def test_disk_full_leaves_no_output_and_keeps_the_old_one(liangwei_provider, county, small_disk):
    from qgis.core import QgsProcessingException

    old = small_disk / "detail.csv"
    old.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException) as info:
        overlay(county, OUTPUT=str(small_disk / "out.gpkg"), OUTPUT_DETAIL=str(old))
    message = str(info.value)
    assert has_chinese(message) and "磁盘" in message and "Traceback" not in message
    # nothing that looks complete: no half-written GeoPackage, the old file untouched, no hidden leftovers
    assert not (small_disk / "out.gpkg").exists()
    assert old.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["detail.csv"]


def test_complete_outputs_moved_into_place(liangwei_provider, county, tmp_path):
    from qgis.core import QgsVectorLayer

    res = overlay(county, OUTPUT=str(tmp_path / "out.gpkg"), OUTPUT_DETAIL=str(tmp_path / "detail.csv"))
    assert res["OUTPUT"].startswith(str(tmp_path / "out.gpkg"))
    assert res["OUTPUT_DETAIL"].startswith(str(tmp_path / "detail.csv"))
    out = QgsVectorLayer(res["OUTPUT"], "out", "ogr")
    assert out.isValid() and out.featureCount() == 400  # counts in = counts out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detail.csv", "out.gpkg"]  # no .part folder left


def test_refused_feature_is_a_chinese_message():
    from qgis.core import QgsProcessingException

    from liangwei.processing_algs.output_guard import GuardedSink

    class Refusing:
        def addFeature(self, feature, *args):  # noqa: N802
            return False

        def lastError(self):  # noqa: N802
            return "Feature creation error (OGR error: )"

    with pytest.raises(QgsProcessingException) as info:
        GuardedSink(Refusing(), "叠加明细表", "/x/detail.csv").addFeature(object())
    assert "叠加明细表" in str(info.value) and "第 1 条要素" in str(info.value)


def test_unexpected_error_logged_with_traceback_and_shown_as_one_sentence(liangwei_provider, county, monkeypatch):
    from qgis.core import QgsProcessingException

    from liangwei.liangwei_plugin import overlay as ov

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(ov, "overlay_patches", broken)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("liangwei")
    logger.addHandler(handler)
    try:
        with pytest.raises(QgsProcessingException) as info:
            overlay(county)
    finally:
        logger.removeHandler(handler)
    message = str(info.value)
    assert "内部错误" in message and "日志" in message and "\n" not in message and "Traceback" not in message
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in records)


def test_gbk_rule_file_named_with_the_fix(liangwei_provider, county, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    text = (ROOT / "resources" / "determination_rules.toml").read_text(encoding="utf-8")
    rules = tmp_path / "规则;GBK.toml"  # (a ";" in the name, too)
    rules.write_bytes(text.encode("gb18030"))
    out = overlay(county)["OUTPUT"]
    with pytest.raises(QgsProcessingException) as info:
        processing.run("liangwei:determine", {"INPUT": out, "RULES": str(rules), "OUTPUT": "memory:"})
    message = str(info.value)
    assert str(rules) in message and "UTF-8" in message and "GBK" in message


def test_nan_coordinates_kept_with_a_note(liangwei_provider, county, tmp_path):
    from osgeo import ogr, osr

    path = tmp_path / "nan;patches.gpkg"
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lyr = ds.CreateLayer("p", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("JCBH", ogr.OFTString))
    for i in range(3):
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ((0, 0), (10, 0), (10, 10), (0, 10), (0, 0)):
            ring.AddPoint_2D(X0 + x + 20 * i, Y0 + y)
        if i == 1:
            ring.SetPoint_2D(2, float("nan"), Y0 + 10)
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(ring)
        f = ogr.Feature(lyr.GetLayerDefn())
        f.SetField("JCBH", f"N{i}")
        f.SetGeometry(poly)
        lyr.CreateFeature(f)
    ds = None
    from qgis.core import QgsProcessingException

    try:
        res = overlay(county, PATCHES=str(path))
    except QgsProcessingException as exc:  # refused, naming the layer and the feature
        assert "nan;patches" in str(exc) and "N1" in str(exc) and "NaN" in str(exc)
        return
    rows = {f["patch_id"]: f for f in res["OUTPUT"].getFeatures()}  # or kept with a note
    assert sorted(rows) == ["N0", "N1", "N2"]  # none lost
    assert rows["N1"]["area_m2"] == 0 and "NaN" in rows["N1"]["repair_note"]
    assert rows["N0"]["area_m2"] == pytest.approx(100, rel=1e-3)


def test_qgis_process_exit_code_and_no_traceback(county, tmp_path):
    """Through qgis_process: exit code 1, the Chinese message, no Python traceback on the console."""
    proc = subprocess.run(
        [str(ROOT / "bin" / "qgis-process"), "run", "liangwei:overlaycheck", "--",
         f"PATCHES={county / 'patches.gpkg'}", f"LANDUSE={county / 'lu.gpkg'}|layername=三调地类图斑",
         f"OUTPUT={tmp_path / 'missing' / 'out.gpkg'}", "OUTPUT_DETAIL=TEMPORARY_OUTPUT"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    console = proc.stdout + proc.stderr
    assert "Traceback" not in console and "不存在" in console
