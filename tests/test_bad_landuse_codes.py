"""Issue 12: land-use codes that lost their leading zero, unknown codes, NULL codes and a named code field
that does not exist.  Restored codes are classed correctly with a warning; unknown/NULL codes are counted,
reported with their area and kept in ``landuse_unknown_m2`` and the detail table — never silently in no
group.  Hand-worked planar areas (100 m × 100 m cells, 10 000 m² each)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from liangwei.liangwei_plugin import landuse_codes
from liangwei.liangwei_plugin import overlay as ov
from liangwei.liangwei_plugin.feedback import RecordingFeedback
from liangwei.liangwei_plugin.vector_io import write_vector

X0, Y0 = 39_501_000.0, 2_800_000.0


def box(x1, y1, x2, y2):
    return shapely.box(x1 + X0, y1 + Y0, x2 + X0, y2 + Y0)


Fb = RecordingFeedback


def one_patch_over(codes):
    """Parcels [0,100]×[0,100], [100,200]×…, one per code; a patch [0,100·n]×[0,100] over all of them."""
    n = len(codes)
    lu = gpd.GeoDataFrame({"DLBM": codes}, geometry=[box(100 * i, 0, 100 * (i + 1), 100) for i in range(n)],
                          crs="EPSG:4527")
    patches = gpd.GeoDataFrame({"JCBH": ["P1"]}, geometry=[box(0, 0, 100 * n, 100)], crs="EPSG:4527")
    return patches, ov.ReferenceLayer("三调", lu, ov.LANDUSE, "DLBM")


def test_restore_rules():
    assert landuse_codes.restore(101) == ("0101", True)
    assert landuse_codes.restore(101.0) == ("0101", True)
    assert landuse_codes.restore("101") == ("0101", True)
    assert landuse_codes.restore("101.0") == ("0101", True)
    assert landuse_codes.restore("305") == ("0305", True)
    assert landuse_codes.restore("5H1") == ("05H1", True)
    assert landuse_codes.restore("0101") == ("0101", False)
    assert landuse_codes.restore("1001") == ("1001", False)
    assert landuse_codes.restore(None) == ("", False)
    assert landuse_codes.is_known("0101") and not landuse_codes.is_known("9999") and not landuse_codes.is_known("")


@pytest.mark.parametrize("codes", [[101, 103, 702], ["101", "103", "702"], [101.0, 103.0, 702.0]])
def test_integer_codes_are_restored_with_a_warning(codes):
    patches, lu = one_patch_over(codes)
    fb = Fb()
    res = ov.overlay_patches(patches, lu, area_method=ov.PLANAR, feedback=fb)
    s = res.summary.iloc[0]
    assert len(res.summary) == 1
    assert s["farmland_m2"] == pytest.approx(20_000.0)        # 0101 水田 + 0103 旱地, not 交通运输用地
    assert s["construction_m2"] == pytest.approx(10_000.0)    # 0702 农村宅基地
    assert s["agricultural_m2"] == pytest.approx(20_000.0)
    assert s["landuse_unknown_m2"] == 0
    assert sorted(res.detail["class_code"]) == ["0101", "0103", "0702"]
    assert any("前导零" in m and "101 → 0101" in m for m in fb.messages)


def test_unknown_and_null_codes_are_counted_reported_and_shown():
    patches, lu = one_patch_over(["0101", "9999", None, "ZZ"])
    fb = Fb()
    res = ov.overlay_patches(patches, lu, area_method=ov.PLANAR, feedback=fb)
    s = res.summary.iloc[0]
    assert s["area_m2"] == pytest.approx(40_000.0)
    assert s["farmland_m2"] == pytest.approx(10_000.0)
    assert s["landuse_unknown_m2"] == pytest.approx(30_000.0)   # 9999, NULL, ZZ
    # every m² of the patch is in the detail table: known classes + unknown codes = patch area
    assert res.detail["area_m2"].sum() == pytest.approx(40_000.0)
    assert set(res.detail["class_code"]) == {"0101", "9999", "", "ZZ"}
    msg = next(m for m in fb.messages if "地类编码表" in m)
    assert "「9999」1 个地类图斑、1 个图斑内 10000.00㎡" in msg and "「空值」" in msg and "「ZZ」" in msg
    assert "未知或为空" in s["repair_note"]


def test_named_landuse_field_that_does_not_exist_is_an_error(liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    patches, lu = one_patch_over(["0101"])
    lu_path, p_path = tmp_path / "lu.gpkg", tmp_path / "p.gpkg"
    write_vector(lu.gdf, lu_path, layer="三调地类图斑")
    write_vector(patches, p_path, layer="卫片图斑")
    params = {"PATCHES": f"{p_path}|layername=卫片图斑", "LANDUSE": f"{lu_path}|layername=三调地类图斑",
              "LANDUSE_FIELD": "DLBM_2023", "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"}
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:overlaycheck", params)
    assert "DLBM_2023" in str(e.value) and "三调地类图斑" in str(e.value) and "DLBM" in str(e.value)


def test_integer_code_field_through_processing(liangwei_provider, tmp_path):
    """A GeoPackage whose DLBM is an INTEGER column: 0101 stored as 101."""
    import processing

    patches, lu = one_patch_over([101, 702])
    lu.gdf["DLBM"] = lu.gdf["DLBM"].astype(np.int64)
    lu_path, p_path = tmp_path / "lu.gpkg", tmp_path / "p.gpkg"
    write_vector(lu.gdf, lu_path, layer="三调地类图斑")
    write_vector(patches, p_path, layer="卫片图斑")
    res = processing.run("liangwei:overlaycheck", {
        "PATCHES": f"{p_path}|layername=卫片图斑", "LANDUSE": f"{lu_path}|layername=三调地类图斑", "AREA_METHOD": 1,
        "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    out = list(res["OUTPUT"].getFeatures())
    assert len(out) == 1
    assert out[0]["farmland_m2"] == pytest.approx(10_000.0)
    assert out[0]["construction_m2"] == pytest.approx(10_000.0)
    assert out[0]["landuse_unknown_m2"] == 0
