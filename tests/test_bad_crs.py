"""Issue 12, "figures that are silently wrong": layers whose CRS is missing, mislabelled or swapped.

Each case: the overlay stops with a Chinese message naming the layer and what to fix, or — when the CRS
is only missing and the coordinates leave no doubt — infers it, says so and gives the same figures as
with the CRS set (hand-worked: 100 m × 100 m squares, planar 10 000 m²; ellipsoidal by pyproj.Geod).
Counts in = counts out wherever a result is produced.  Through the core and through processing.run.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from liangwei.liangwei_plugin import overlay as ov
from liangwei.liangwei_plugin.feedback import RecordingFeedback
from liangwei.liangwei_plugin.input_checks import InputCheckError, check_crs
from liangwei.liangwei_plugin.vector_io import write_vector

X0, Y0 = 39_501_000.0, 2_800_000.0        # CGCS2000 3° GK zone 39 (EPSG:4527), with zone prefix
GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)


def box(x1, y1, x2, y2, dx=X0, dy=Y0):
    return shapely.box(x1 + dx, y1 + dy, x2 + dx, y2 + dy)


def geod_square(x1, y1, x2, y2):
    lon, lat = TO_LONLAT.transform(np.array([x1, x2, x2, x1]) + X0, np.array([y1, y1, y2, y2]) + Y0)
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


def patches(crs="EPSG:4527", geoms=None):
    geoms = geoms if geoms is not None else [box(0, 0, 100, 100), box(200, 0, 300, 100)]
    return gpd.GeoDataFrame({"JCBH": [f"P{i + 1}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)


def landuse(crs="EPSG:4527", geoms=None, codes=None):
    geoms = geoms if geoms is not None else [box(-50, -50, 400, 200)]
    codes = codes if codes is not None else ["0101"] * len(geoms)
    return ov.ReferenceLayer("三调", gpd.GeoDataFrame({"DLBM": codes}, geometry=geoms, crs=crs), ov.LANDUSE, "DLBM")


Fb = RecordingFeedback


# ----------------------------------------------------------------------------------------------- core
def test_gauss_krueger_metres_labelled_4490_is_refused():
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(patches("EPSG:4490"), landuse(), layer_name="卫片图斑")
    msg = str(e.value)
    assert "卫片图斑" in msg and "EPSG:4490" in msg and "投影坐标" in msg
    assert "EPSG:4527" in msg  # the probable right CRS, from the zone prefix 39


def test_gauss_krueger_metres_labelled_3857_is_refused():
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(patches("EPSG:3857"), landuse(), layer_name="卫片图斑")
    msg = str(e.value)
    assert "卫片图斑" in msg and "EPSG:3857" in msg and "EPSG:4527" in msg


def test_gk_without_prefix_labelled_3857_is_refused():
    p = patches("EPSG:3857", [box(0, 0, 100, 100, dx=500_000)])
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(p, None, layer_name="卫片图斑")
    assert "不在中国境内" in str(e.value) and "不带带号" in str(e.value)


def test_swapped_lat_lon_is_refused():
    p = patches("EPSG:4527").to_crs("EPSG:4490")
    swapped = p.set_geometry(shapely.transform(p.geometry.values, lambda c: c[:, ::-1]), crs="EPSG:4490")
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(swapped, None, layer_name="卫片图斑")
    assert "卫片图斑" in str(e.value) and "顺序颠倒" in str(e.value)


def test_wrong_zone_prefix_is_refused():
    # zone-40 coordinates labelled zone 39 would land 1000 km east and measure wrongly
    p = patches("EPSG:4527", [box(0, 0, 100, 100, dx=40_501_000.0)])
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(p, None, layer_name="卫片图斑")
    assert "带号不是 39" in str(e.value) and "EPSG:4528" in str(e.value)


def test_missing_crs_with_zone_prefix_is_inferred_and_said():
    fb = Fb()
    res = ov.overlay_patches(patches(None), landuse(), layer_name="卫片图斑", feedback=fb)
    assert any("卫片图斑" in m and "没有坐标参考系" in m and "EPSG:4527" in m for m in fb.messages)
    assert res.patches_crs.to_epsg() == 4527
    assert len(res.summary) == 2
    expected = [geod_square(0, 0, 100, 100), geod_square(200, 0, 300, 100)]
    assert np.allclose(res.summary["area_m2"], expected, atol=1e-3)
    assert np.allclose(res.summary["farmland_m2"], expected, atol=1e-3)


def test_missing_crs_of_lonlat_layer_is_inferred_as_cgcs2000():
    fb = Fb()
    lonlat = patches("EPSG:4527").to_crs("EPSG:4490").set_crs(None, allow_override=True)
    res = ov.overlay_patches(lonlat, landuse(), layer_name="卫片图斑", area_method=ov.ELLIPSOIDAL, feedback=fb)
    assert any("EPSG:4490" in m for m in fb.messages)
    assert np.allclose(res.summary["area_m2"], [geod_square(0, 0, 100, 100), geod_square(200, 0, 300, 100)],
                       rtol=1e-6)


def test_missing_crs_without_zone_prefix_is_refused():
    p = patches(None, [box(0, 0, 100, 100, dx=500_000.0)])
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(p, None, layer_name="卫片图斑")
    assert "卫片图斑" in str(e.value) and "没有坐标参考系" in str(e.value) and "不带带号" in str(e.value)


def test_landuse_without_crs_is_inferred():
    fb = Fb()
    res = ov.overlay_patches(patches(), landuse(None), area_method=ov.PLANAR, feedback=fb)
    assert any("三调" in m and "EPSG:4527" in m for m in fb.messages)
    assert np.allclose(res.summary["farmland_m2"], [10_000.0, 10_000.0])


def test_landuse_labelled_4490_is_refused_naming_it():
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(patches(), landuse("EPSG:4490"))
    assert "「三调」" in str(e.value) and "EPSG:4490" in str(e.value)


def test_landuse_not_overlapping_patches_is_refused():
    far = landuse(geoms=[box(0, 0, 100, 100, dy=Y0 + 50_000)])  # 50 km north: a neighbouring county's layer
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(patches(), far, layer_name="卫片图斑")
    assert "三调" in str(e.value) and "卫片图斑" in str(e.value) and "完全不重叠" in str(e.value)


def test_protected_layer_far_away_is_refused_nearby_is_warned():
    far = ov.ReferenceLayer("生态保护红线", gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100, dy=Y0 + 300_000)],
                                                          crs="EPSG:4527"))
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(patches(), landuse(), [far])
    assert "生态保护红线" in str(e.value)
    near = ov.ReferenceLayer("生态保护红线", gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100, dy=Y0 + 5_000)],
                                                           crs="EPSG:4527"))
    fb = Fb()
    res = ov.overlay_patches(patches(), landuse(), [near], feedback=fb)
    assert len(res.summary) == 2 and any("生态保护红线" in m and "不重叠" in m for m in fb.messages)


def test_nan_coordinates_are_refused_naming_the_patch():
    bad = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (np.nan, Y0 + 100), (X0, Y0)])
    p = patches("EPSG:4527", [box(0, 0, 100, 100), bad])
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(p, None, layer_name="卫片图斑")
    assert "卫片图斑" in str(e.value) and "P2" in str(e.value) and "NaN" in str(e.value)


def test_check_crs_accepts_good_layers():
    assert check_crs("x", "EPSG:4527", (X0, Y0, X0 + 10, Y0 + 10)).crs.to_epsg() == 4527
    assert check_crs("x", "EPSG:4490", (117.0, 25.0, 117.1, 25.1)).inferred is False
    assert check_crs("x", "EPSG:4548", (500_000, 2_800_000, 500_100, 2_800_100)).crs.to_epsg() == 4548
    assert check_crs("x", None, (20_500_000, 2_800_000, 20_500_100, 2_800_100)).crs.to_epsg() == 4498  # 6° zone 20
    with pytest.raises(InputCheckError):
        check_crs("x", None, (np.nan, 0, 1, 1))


# ------------------------------------------------------------------------------------- processing.run
def _memory(uri, rows):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer(uri, "卫片图斑", "memory")
    feats = []
    for attrs, geom in rows:
        f = QgsFeature(layer.fields())
        f.setAttributes(attrs)
        f.setGeometry(QgsGeometry.fromWkt(geom.wkt))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def test_processing_refuses_mislabelled_patches(liangwei_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    lu = tmp_path / "lu.gpkg"
    write_vector(landuse().gdf, lu, layer="三调地类图斑")
    layer = _memory("Polygon?crs=EPSG:4490&field=JCBH:string", [(["P1"], box(0, 0, 100, 100))])
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:overlaycheck", {"PATCHES": layer, "LANDUSE": f"{lu}|layername=三调地类图斑",
                                                 "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    assert "卫片图斑" in str(e.value) and "EPSG:4527" in str(e.value)


def test_processing_infers_missing_crs_of_a_file(liangwei_provider, tmp_path):
    import processing

    lu = tmp_path / "lu.gpkg"
    write_vector(landuse().gdf, lu, layer="三调地类图斑")
    p = tmp_path / "p.gpkg"
    write_vector(patches(None), p, layer="卫片图斑")
    res = processing.run("liangwei:overlaycheck", {"PATCHES": f"{p}|layername=卫片图斑",
                                                   "LANDUSE": f"{lu}|layername=三调地类图斑",
                                                   "AREA_METHOD": 1, "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    out = res["OUTPUT"]
    assert out.featureCount() == 2
    assert out.crs().postgisSrid() == 4527 or "4527" in out.crs().authid() or "zone 39" in out.crs().description()
    vals = sorted(round(f["farmland_m2"], 6) for f in out.getFeatures())
    assert vals == [10_000.0, 10_000.0]


def test_processing_infers_missing_crs_of_landuse_read_in_parts(liangwei_provider, tmp_path):
    """The land-use file has no CRS and is read by the engine near the patches: the near rectangles must be
    given in the inferred CRS, and the areas come out as with the CRS set."""
    import processing

    lu = tmp_path / "lu.gpkg"
    write_vector(landuse(None).gdf, lu, layer="三调地类图斑")
    p = tmp_path / "p.gpkg"
    write_vector(patches("EPSG:4527").to_crs("EPSG:4490"), p, layer="卫片图斑")
    res = processing.run("liangwei:overlaycheck", {"PATCHES": f"{p}|layername=卫片图斑",
                                                   "LANDUSE": f"{lu}|layername=三调地类图斑",
                                                   "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    out = res["OUTPUT"]
    assert out.featureCount() == 2
    farm = sorted(f["farmland_m2"] for f in out.getFeatures())
    area = sorted(f["area_m2"] for f in out.getFeatures())
    assert np.allclose(farm, area, rtol=1e-6) and all(a > 9_900 for a in area)


# --------------------------------------------------------------------------- layers of the wrong kind
def test_township_point_layer_is_refused(liangwei_provider):
    """A township layer of points holds no part of any patch: refused, not "every patch 未落入乡镇"."""
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsProcessingException, QgsVectorLayer

    det = QgsVectorLayer("Polygon?crs=EPSG:4527&field=patch_id:string&field=violation:integer"
                         "&field=farmland_m2:double", "认定结果", "memory")
    f = QgsFeature(det.fields())
    f.setAttributes(["P1", 1, 100.0])
    f.setGeometry(QgsGeometry.fromWkt(box(0, 0, 100, 100).wkt))
    det.dataProvider().addFeatures([f])
    towns = QgsVectorLayer("Point?crs=EPSG:4527&field=XZQDM:string&field=XZQMC:string", "乡镇驻地", "memory")
    t = QgsFeature(towns.fields())
    t.setAttributes(["350521100", "城关镇"])
    t.setGeometry(QgsGeometry.fromWkt(f"POINT({X0 + 50} {Y0 + 50})"))
    towns.dataProvider().addFeatures([t])
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:farmlandratio", {"INPUT": det, "TOWNSHIPS": towns, "OUTPUT": "memory:"})
    assert "乡镇驻地" in str(e.value) and "不是面图层" in str(e.value)


def test_batchreview_stops_on_mislabelled_patches(liangwei_provider, tmp_path):
    """The whole review stops at the overlay with the message; no determination, no document is written."""
    import processing
    from qgis.core import QgsProcessingException

    lu = tmp_path / "lu.gpkg"
    write_vector(landuse().gdf, lu, layer="三调地类图斑")
    p = tmp_path / "p.gpkg"
    write_vector(patches("EPSG:4527").set_crs("EPSG:3857", allow_override=True), p, layer="卫片图斑")
    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:batchreview", {"PATCHES": f"{p}|layername=卫片图斑",
                                                "LANDUSE": f"{lu}|layername=三调地类图斑", "OUTPUT_FOLDER": str(out),
                                                "NUMBER_REGISTRY": str(tmp_path / "numbers.sqlite")})
    assert "卫片图斑" in str(e.value) and "EPSG:3857" in str(e.value)
    assert not (out / "determination.gpkg").exists() and not (out / "reports").exists()


def _determined(crs="EPSG:4527"):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    det = QgsVectorLayer(f"Polygon?crs={crs}&field=patch_id:string&field=violation:integer"
                         "&field=farmland_m2:double", "认定结果", "memory")
    feats = []
    for pid, v, farm, g in (("P1", 1, 100.0, box(0, 0, 100, 100)), ("P2", 0, 300.0, box(200, 0, 300, 100))):
        f = QgsFeature(det.fields())
        f.setAttributes([pid, v, farm])
        f.setGeometry(QgsGeometry.fromWkt(g.wkt))
        feats.append(f)
    det.dataProvider().addFeatures(feats)
    return det


def _towns(crs, geom):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    towns = QgsVectorLayer(f"Polygon?crs={crs}&field=XZQDM:string&field=XZQMC:string", "乡镇界线", "memory")
    t = QgsFeature(towns.fields())
    t.setAttributes(["350521100", "城关镇"])
    t.setGeometry(QgsGeometry.fromWkt(geom.wkt))
    towns.dataProvider().addFeatures([t])
    return towns


def test_township_layer_mislabelled_is_refused(liangwei_provider):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:farmlandratio", {"INPUT": _determined(),
                                                  "TOWNSHIPS": _towns("EPSG:4490", box(-500, -500, 1000, 1000)),
                                                  "OUTPUT": "memory:"})
    assert "乡镇界线" in str(e.value) and "EPSG:4527" in str(e.value)


def test_township_layer_elsewhere_is_refused(liangwei_provider):
    import processing
    from qgis.core import QgsProcessingException

    far = box(0, 0, 1000, 1000, dy=Y0 + 60_000)
    with pytest.raises(QgsProcessingException) as e:
        processing.run("liangwei:farmlandratio", {"INPUT": _determined(), "TOWNSHIPS": _towns("EPSG:4527", far),
                                                  "OUTPUT": "memory:"})
    assert "乡镇界线" in str(e.value) and "完全不重叠" in str(e.value)


def test_township_layer_in_lonlat_is_used(liangwei_provider):
    """A correctly labelled township layer in EPSG:4490 is reprojected: both patches in 城关镇, ratio 25 %."""
    import processing

    lonlat = gpd.GeoSeries([box(-500, -500, 1000, 1000)], crs="EPSG:4527").to_crs("EPSG:4490").values[0]
    out = processing.run("liangwei:farmlandratio", {"INPUT": _determined(), "TOWNSHIPS": _towns("EPSG:4490", lonlat),
                                                    "OUTPUT": "memory:"})["OUTPUT"]
    rows = {f["township_name"]: f for f in out.getFeatures()}
    assert rows["城关镇"]["patches"] == 2 and rows["城关镇"]["ratio_pct"] == pytest.approx(25.0)


def test_township_layer_without_crs_is_inferred(liangwei_provider, tmp_path):
    """A township GeoPackage without CRS in zone-39 metres: inferred as EPSG:4527 and used."""
    import processing

    path = tmp_path / "towns.gpkg"
    write_vector(gpd.GeoDataFrame({"XZQDM": ["350521100"], "XZQMC": ["城关镇"]}, geometry=[box(-500, -500, 1000, 1000)],
                                  crs=None), path, layer="乡镇界线")
    out = processing.run("liangwei:farmlandratio", {"INPUT": _determined(), "TOWNSHIPS": f"{path}|layername=乡镇界线",
                                                    "OUTPUT": "memory:"})["OUTPUT"]
    rows = {f["township_name"]: f for f in out.getFeatures()}
    assert rows["城关镇"]["patches"] == 2 and rows["全县合计"]["patches"] == 2
