"""Issue 12: coverage of the land-use layer inside the patches — overlapping parcels counted once, gaps and
patches outside the coverage reported with area and location, multipart patches measured as their union
footprint.  Planar areas worked by hand (metres, EPSG:4527 local coordinates)."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from liangwei.liangwei_plugin import overlay as ov
from liangwei.liangwei_plugin.determination import determine_frame, load_rules
from liangwei.liangwei_plugin.farmland_ratio import farmland_ratio_table
from liangwei.liangwei_plugin.feedback import RecordingFeedback
from liangwei.liangwei_plugin.vector_io import write_vector

X0, Y0 = 39_501_000.0, 2_800_000.0


def box(x1, y1, x2, y2):
    return shapely.box(x1 + X0, y1 + Y0, x2 + X0, y2 + Y0)


Fb = RecordingFeedback


def run(patch_geoms, parcels, codes, fb=None):
    lu = gpd.GeoDataFrame({"DLBM": codes}, geometry=parcels, crs="EPSG:4527")
    patches = gpd.GeoDataFrame({"JCBH": [f"P{i + 1}" for i in range(len(patch_geoms))]}, geometry=patch_geoms,
                               crs="EPSG:4527")
    return ov.overlay_patches(patches, ov.ReferenceLayer("三调", lu, ov.LANDUSE, "DLBM"), area_method=ov.PLANAR,
                              feedback=fb)


def test_overlapping_parcels_are_counted_once():
    # two 耕地 parcels that overlap by [50,100]×[0,100] = 5 000 m²; the patch covers both: 150 × 100 m
    fb = Fb()
    res = run([box(0, 0, 150, 100)], [box(0, 0, 100, 100), box(50, 0, 150, 100)], ["0101", "0103"], fb)
    s = res.summary.iloc[0]
    assert s["area_m2"] == pytest.approx(15_000.0)
    assert s["farmland_m2"] == pytest.approx(15_000.0)          # not 20 000
    shares = res.detail["share"]
    assert shares.sum() == pytest.approx(1.0) and (shares <= 1.0 + 1e-12).all()
    # the parcel first in the layer keeps the overlap
    by_code = dict(zip(res.detail["class_code"], res.detail["area_m2"]))
    assert by_code == pytest.approx({"0101": 10_000.0, "0103": 5_000.0})
    msg = next(m for m in fb.messages if "相互重叠" in m)
    assert "1 个图斑内共 5000.00㎡" in msg and "P1" in msg and "E 117." in msg
    assert "重叠 5000.00㎡" in s["repair_note"]


def test_duplicated_parcel_does_not_double_farmland_or_the_ratio():
    # the same 耕地 parcel twice (a copy-paste in the land-use layer)
    res = run([box(0, 0, 100, 100)], [box(0, 0, 100, 100), box(0, 0, 100, 100)], ["0101", "0101"])
    assert res.summary.iloc[0]["farmland_m2"] == pytest.approx(10_000.0)
    assert res.detail["share"].max() == pytest.approx(1.0)
    table = farmland_ratio_table(["1"], ["甲镇"], [1], res.summary["farmland_m2"].tolist(), 15.0)
    total = table.iloc[-1]
    assert total["farmland_new_m2"] == pytest.approx(10_000.0)
    assert total["farmland_illegal_m2"] == pytest.approx(10_000.0)
    assert total["ratio_pct"] == pytest.approx(100.0)


def test_gaps_and_patches_outside_the_coverage_are_reported():
    # parcels cover x in [0,100] and [120,200]: gap [100,120]×[0,100] = 2 000 m² inside P1; P2 far outside
    fb = Fb()
    res = run([box(0, 0, 200, 100), box(1000, 0, 1100, 100)], [box(0, 0, 100, 100), box(120, 0, 200, 100)],
              ["0101", "0702"], fb)
    s = res.summary
    assert len(s) == 2
    assert s["landuse_gap_m2"].tolist() == pytest.approx([2_000.0, 10_000.0])
    assert s["farmland_m2"].tolist() == pytest.approx([10_000.0, 0.0])
    partial = next(m for m in fb.messages if "部分不被地类图层" in m)
    assert "P1 2000.00㎡" in partial and "E 117." in partial
    outside = next(m for m in fb.messages if "不在地类图层「三调」的覆盖范围内" in m)
    assert "P2" in outside
    assert "未被地类图斑覆盖" in s["repair_note"][0] and "不在地类图层范围内" in s["repair_note"][1]


def test_full_partition_reports_nothing():
    fb = Fb()
    res = run([box(0, 0, 200, 100)], [box(0, 0, 100, 100), box(100, 0, 200, 100)], ["0101", "0702"], fb)
    assert res.summary["landuse_gap_m2"].tolist() == [0.0]
    assert not [m for m in fb.messages if "重叠" in m or "覆盖" in m]


def test_multipart_patch_with_overlapping_parts_is_its_union_footprint():
    # parts [0,100]×[0,100] and [50,150]×[0,100] overlap by 5 000 m²: footprint 15 000 m² (make_valid: 10 000)
    mp = shapely.MultiPolygon([box(0, 0, 100, 100), box(50, 0, 150, 100)])
    res = run([mp], [box(-10, -10, 200, 200)], ["0101"])
    s = res.summary.iloc[0]
    assert s["area_m2"] == pytest.approx(15_000.0)
    assert s["farmland_m2"] == pytest.approx(15_000.0)
    assert s["repaired"] == 1


def test_overlap_through_processing_and_determination(liangwei_provider, tmp_path):
    import processing

    lu = gpd.GeoDataFrame({"DLBM": ["0101", "0101"]}, geometry=[box(0, 0, 100, 100), box(0, 0, 100, 100)],
                          crs="EPSG:4527")
    patches = gpd.GeoDataFrame({"JCBH": ["P1", "P2"]}, geometry=[box(0, 0, 100, 100), box(0, 300, 100, 400)],
                               crs="EPSG:4527")
    lu_path, p_path = tmp_path / "lu.gpkg", tmp_path / "p.gpkg"
    write_vector(lu, lu_path, layer="三调地类图斑")
    write_vector(patches, p_path, layer="卫片图斑")
    res = processing.run("liangwei:overlaycheck", {
        "PATCHES": f"{p_path}|layername=卫片图斑", "LANDUSE": f"{lu_path}|layername=三调地类图斑", "AREA_METHOD": 1,
        "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    out = {f["JCBH"]: f for f in res["OUTPUT"].getFeatures()}
    assert len(out) == 2
    assert out["P1"]["farmland_m2"] == pytest.approx(10_000.0)
    assert out["P2"]["landuse_gap_m2"] == pytest.approx(10_000.0)
    assert max(f["share"] for f in res["OUTPUT_DETAIL"].getFeatures()) == pytest.approx(1.0)
    # the land-use check fields are no protected layers for the rules
    import pandas as pd
    frame = pd.DataFrame([{n: f[n] for n in res["OUTPUT"].fields().names()} for f in res["OUTPUT"].getFeatures()])
    from liangwei.liangwei_plugin.determination import kind_fields
    assert kind_fields(frame.columns, load_rules())[1] == []
    assert len(determine_frame(frame, load_rules())) == 2
