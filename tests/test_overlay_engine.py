"""Overlay engine on hand-worked geometries.

Every expected area is computed independently of the engine: planar areas by hand (rectangles and
triangles whose vertices are written out below), ellipsoidal areas with ``pyproj.Geod`` on the CGCS2000
ellipsoid applied to the hand-written pieces' vertices after inverse projection to lon/lat.

Layout (EPSG:4527, local metres added to X0, Y0 near the central meridian 117°E):

    land use   A [0,100]x[0,100] 0101   B [100,200]x[0,100] 0103   C [0,200]x[100,200] 0702
               D [300,400]x[0,100] 0301  E [500,700]x[0,200] 1104 with a hole where F [560,580]x[60,80] 0601 sits
    patches    P1 [50,150]x[50,150]           across A, B, C
               P2 bow-tie (300,0)(400,100)(400,0)(300,100)   two triangles in D, repaired
               P3 multipart [10,30]x[10,30] + [120,140]x[20,40]   in A and in B
               P4 [400,450]x[0,100]           touches D along x = 400 only, outside all parcels
               P5 [20,80]x[150,190]           wholly inside C
               P6 [550,600]x[50,100]          contains F, rest in E
               P7 null geometry
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely import wkt

from liangwei.liangwei_plugin import overlay as ov
from liangwei.liangwei_plugin.areas import ellipsoidal_areas, planar_areas

X0, Y0 = 39_501_000.0, 2_800_000.0
GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)


def rect(x1, y1, x2, y2):
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]


def shift(geom):
    return shapely.transform(geom, lambda c: c + np.array([X0, Y0]))


def poly_wkt(pts, holes=()):
    ring = lambda p: "(" + ", ".join(f"{x} {y}" for x, y in list(p) + [p[0]]) + ")"  # noqa: E731
    return "POLYGON (" + ", ".join([ring(pts)] + [ring(h) for h in holes]) + ")"


def geod_area(*rings_local, holes=()):
    """Ellipsoidal area of hand-written rings (local metres) by pyproj.Geod; holes subtracted."""
    total = 0.0
    for pts, sign in [(r, 1) for r in rings_local] + [(h, -1) for h in holes]:
        xs = np.array([p[0] for p in pts]) + X0
        ys = np.array([p[1] for p in pts]) + Y0
        lon, lat = TO_LONLAT.transform(xs, ys)
        total += sign * abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    return total


def tri(a, b, c):
    return [a, b, c]


LANDUSE = [
    ("A", "0101", rect(0, 0, 100, 100), ()),
    ("B", "0103", rect(100, 0, 200, 100), ()),
    ("C", "0702", rect(0, 100, 200, 200), ()),
    ("D", "0301", rect(300, 0, 400, 100), ()),
    ("E", "1104", rect(500, 0, 700, 200), (rect(560, 60, 580, 80),)),
    ("F", "0601", rect(560, 60, 580, 80), ()),
]
PATCHES = [
    ("P1", poly_wkt(rect(50, 50, 150, 150))),
    ("P2", "POLYGON ((300 0, 400 100, 400 0, 300 100, 300 0))"),
    ("P3", "MULTIPOLYGON (((10 10, 30 10, 30 30, 10 30, 10 10)), ((120 20, 140 20, 140 40, 120 40, 120 20)))"),
    ("P4", poly_wkt(rect(400, 0, 450, 100))),
    ("P5", poly_wkt(rect(20, 150, 80, 190))),
    ("P6", poly_wkt(rect(550, 50, 600, 100))),
    ("P7", None),
]

# expected pieces per patch and land-use code: list of rings (local metres), holes
EXPECTED_LANDUSE = {
    ("P1", "0101"): [rect(50, 50, 100, 100)],
    ("P1", "0103"): [rect(100, 50, 150, 100)],
    ("P1", "0702"): [rect(50, 100, 150, 150)],
    ("P2", "0301"): [tri((300, 0), (350, 50), (300, 100)), tri((400, 0), (400, 100), (350, 50))],
    ("P3", "0101"): [rect(10, 10, 30, 30)],
    ("P3", "0103"): [rect(120, 20, 140, 40)],
    ("P5", "0702"): [rect(20, 150, 80, 190)],
    ("P6", "0601"): [rect(560, 60, 580, 80)],
}
PLANAR_LANDUSE = {
    ("P1", "0101"): 2500.0, ("P1", "0103"): 2500.0, ("P1", "0702"): 5000.0,
    ("P2", "0301"): 5000.0, ("P3", "0101"): 400.0, ("P3", "0103"): 400.0,
    ("P5", "0702"): 2400.0, ("P6", "0601"): 400.0, ("P6", "1104"): 2100.0,
}


def expected_ellipsoidal(key):
    if key == ("P6", "1104"):
        return geod_area(rect(550, 50, 600, 100), holes=[rect(560, 60, 580, 80)])
    return geod_area(*EXPECTED_LANDUSE[key])


@pytest.fixture(scope="module")
def layers():
    lu = gpd.GeoDataFrame(
        {"BSM": [r[0] for r in LANDUSE], "DLBM": [r[1] for r in LANDUSE],
         "ZLDWDM": ["350521100", "350521100", "350521200", "350521300", "350521400", "350521400"],
         "ZLDWMC": ["甲村", "甲村", "乙村", "丙村", "丁村", "丁村"]},
        geometry=[shift(wkt.loads(poly_wkt(r[2], r[3]))) for r in LANDUSE], crs="EPSG:4527")
    patches = gpd.GeoDataFrame(
        {"JCBH": [p[0] for p in PATCHES], "XZQMC": ["某乡"] * len(PATCHES)},
        geometry=[shift(wkt.loads(p[1])) if p[1] else None for p in PATCHES], crs="EPSG:4527")
    # 生态保护红线: two overlapping features (the layer total is their union)
    red = gpd.GeoDataFrame({"MC": ["红线甲", "红线乙"]},
                           geometry=[shift(wkt.loads(poly_wkt(rect(0, 0, 60, 200)))),
                                     shift(wkt.loads(poly_wkt(rect(40, 0, 100, 200))))], crs="EPSG:4527")
    # 饮用水水源保护区 stored in EPSG:4490 (vertices inverse-projected from the local square)
    water = gpd.GeoDataFrame({"MC": ["水源地"]}, geometry=[shift(wkt.loads(poly_wkt(rect(0, 0, 120, 120))))],
                             crs="EPSG:4527").to_crs("EPSG:4490")
    return patches, lu, red, water


def run(layers, method="ellipsoidal", workers=1, **kw):
    patches, lu, red, water = layers
    return ov.overlay_patches(
        patches,
        ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM", zldwdm_field="ZLDWDM", zldwmc_field="ZLDWMC"),
        [ov.ReferenceLayer("生态保护红线", red, name_field="MC"),
         ov.ReferenceLayer("饮用水水源保护区", water, name_field="MC")],
        area_method=method, workers=workers, **kw)


def landuse_rows(result):
    d = result.detail[result.detail["layer"] == "三调地类图斑"]
    return {(r.patch_id, r.class_code): r for r in d.itertuples()}


def test_landuse_areas_planar(layers):
    res = run(layers, "planar")
    rows = landuse_rows(res)
    assert set(rows) == set(PLANAR_LANDUSE)
    for key, expected in PLANAR_LANDUSE.items():
        assert rows[key].area_m2 == pytest.approx(expected, abs=0.01), key
        assert rows[key].area_mu == pytest.approx(expected * 15 / 10000, abs=1e-9)
    s = res.summary.set_index("patch_id")
    assert (res.summary["area_method"] == "planar").all()
    assert s.loc["P1", "area_m2"] == pytest.approx(10000, abs=0.01)
    assert s.loc["P2", "area_m2"] == pytest.approx(5000, abs=0.01)  # bow-tie: both triangles kept
    assert s.loc["P4", "area_m2"] == pytest.approx(5000, abs=0.01)


def test_landuse_areas_ellipsoidal(layers):
    res = run(layers)
    rows = landuse_rows(res)
    assert set(rows) == set(PLANAR_LANDUSE)
    for key in PLANAR_LANDUSE:
        assert rows[key].area_m2 == pytest.approx(expected_ellipsoidal(key), abs=0.01), key
    s = res.summary.set_index("patch_id")
    assert (res.summary["area_method"] == "ellipsoidal").all()
    assert s.loc["P1", "area_m2"] == pytest.approx(geod_area(rect(50, 50, 150, 150)), abs=0.01)
    # 1 km from the central meridian the GK scale is ~1: planar and ellipsoidal agree to ~1e-7
    assert s.loc["P1", "area_m2"] == pytest.approx(10000, rel=1e-6)


def test_three_parcels_summary_and_share(layers):
    res = run(layers)
    s = res.summary.set_index("patch_id")
    farm = expected_ellipsoidal(("P1", "0101")) + expected_ellipsoidal(("P1", "0103"))
    assert s.loc["P1", "farmland_m2"] == pytest.approx(farm, abs=0.01)
    assert s.loc["P1", "farmland_mu"] == pytest.approx(farm * 15 / 10000, abs=1e-6)
    assert s.loc["P1", "agricultural_m2"] == pytest.approx(farm, abs=0.01)
    assert s.loc["P1", "construction_m2"] == pytest.approx(expected_ellipsoidal(("P1", "0702")), abs=0.01)
    assert s.loc["P1", "unused_m2"] == 0
    # largest share of P1 is C (乙村)
    assert (s.loc["P1", "zldwdm"], s.loc["P1", "zldwmc"]) == ("350521200", "乙村")
    rows = landuse_rows(res)
    assert rows[("P1", "0702")].share == pytest.approx(0.5, abs=1e-6)
    assert rows[("P1", "0702")].class_name == "农村宅基地"  # from resources/landuse_codes.toml, not the data


def test_bowtie_repaired_and_reported(layers):
    res = run(layers)
    s = res.summary.set_index("patch_id")
    assert s.loc["P2", "repaired"] == 1
    assert "Self-intersection" in s.loc["P2", "repair_note"]
    assert s.loc["P2", "area_m2"] == pytest.approx(expected_ellipsoidal(("P2", "0301")), abs=0.01)
    assert s.loc["P1", "repaired"] == 0 and s.loc["P1", "repair_note"] == ""


def test_multipart_patch_split_between_parcels(layers):
    """A multipart patch with one part in A and one in B meets neither boundary: it must not take the
    'patch inside parcel' shortcut."""
    rows = landuse_rows(run(layers))
    assert rows[("P3", "0101")].area_m2 == pytest.approx(geod_area(rect(10, 10, 30, 30)), abs=0.01)
    assert rows[("P3", "0103")].area_m2 == pytest.approx(geod_area(rect(120, 20, 140, 40)), abs=0.01)


def test_edge_contact_gives_no_row(layers):
    res = run(layers)
    assert not (res.detail["patch_id"] == "P4").any()
    s = res.summary.set_index("patch_id")
    assert s.loc["P4", "farmland_m2"] == 0 and s.loc["P4", "area_m2"] > 0


def test_patch_inside_parcel_gets_its_own_area(layers):
    res = run(layers)
    s = res.summary.set_index("patch_id")
    rows = landuse_rows(res)
    assert rows[("P5", "0702")].area_m2 == s.loc["P5", "area_m2"]  # identical: no intersection computed
    assert rows[("P5", "0702")].share == 1.0
    assert rows[("P5", "0702")].area_m2 == pytest.approx(geod_area(rect(20, 150, 80, 190)), abs=0.01)


def test_parcel_inside_patch_and_hole(layers):
    rows = landuse_rows(run(layers))
    assert rows[("P6", "0601")].area_m2 == pytest.approx(geod_area(rect(560, 60, 580, 80)), abs=0.01)
    assert rows[("P6", "1104")].area_m2 == pytest.approx(expected_ellipsoidal(("P6", "1104")), abs=0.01)


def test_protected_layers_union_and_4490(layers):
    res = run(layers)
    assert res.protected_fields == {"生态保护红线": "生态保护红线_m2", "饮用水水源保护区": "饮用水水源保护区_m2"}
    s = res.summary.set_index("patch_id")
    # P1 ∩ (甲 ∪ 乙) = [50,100]x[50,150]; the overlap of 甲 and 乙 is counted once
    assert s.loc["P1", "生态保护红线_m2"] == pytest.approx(geod_area(rect(50, 50, 100, 150)), abs=0.01)
    d = res.detail[(res.detail["patch_id"] == "P1") & (res.detail["layer"] == "生态保护红线")]
    by_name = dict(zip(d["class_name"], d["area_m2"]))
    assert by_name["红线甲"] == pytest.approx(geod_area(rect(50, 50, 60, 150)), abs=0.01)
    assert by_name["红线乙"] == pytest.approx(geod_area(rect(50, 50, 100, 150)), abs=0.01)
    assert (d["class_code"] == "").all()
    # the EPSG:4490 layer is reprojected to the patches' CRS
    assert s.loc["P1", "饮用水水源保护区_m2"] == pytest.approx(geod_area(rect(50, 50, 120, 120)), abs=0.01)
    # P3's second part only touches the water square along x = 120
    assert s.loc["P3", "饮用水水源保护区_m2"] == pytest.approx(geod_area(rect(10, 10, 30, 30)), abs=0.01)
    assert "生态保护红线" in s.loc["P1", "protected_summary"] and "㎡" in s.loc["P1", "protected_summary"]
    assert s.loc["P4", "protected_summary"] == ""


def test_null_geometry_kept_with_zero_and_note(layers):
    res = run(layers)
    assert len(res.summary) == len(layers[0])
    assert list(res.summary["patch_id"]) == [p[0] for p in PATCHES]
    s = res.summary.set_index("patch_id")
    assert s.loc["P7", "area_m2"] == 0 and s.loc["P7", "farmland_m2"] == 0
    assert "几何为空" in s.loc["P7", "repair_note"]
    assert any("没有面状几何" in m for m in res.messages)


def test_threads_give_identical_results(layers):
    one = run(layers, workers=1)
    two = run(layers, workers=2)
    assert one.summary.equals(two.summary)
    assert one.detail.reset_index(drop=True).equals(two.detail.reset_index(drop=True))


def test_duplicate_ids_kept_and_made_unique(layers):
    patches, lu, _, _ = layers
    dup = patches.copy()
    dup["JCBH"] = ["X1", "X1", "X2", "X1", "", "X3", "X4"]
    res = ov.overlay_patches(dup, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), workers=1)
    assert list(res.summary["patch_id"]) == ["X1", "X1#2", "X2", "X1#3", "#5", "X3", "X4"]
    assert "重复" in res.summary["repair_note"][1] and "重复" in res.summary["repair_note"][3]
    assert "编号为空" in res.summary["repair_note"][4]
    assert any("重复" in m for m in res.messages)
    assert set(res.detail["patch_id"]) <= set(res.summary["patch_id"])


def test_generated_ids_never_equal_a_real_id_of_the_batch(layers):
    """ids X1, X1, X1#2 once gave two patches the patch_id "X1#2" (liangwei:exportnotices then refused the
    batch); an empty id at row 5 beside a real "#5" likewise."""
    patches, lu, _, _ = layers
    dup = patches.copy()
    dup["JCBH"] = ["X1", "X1", "X1#2", "#5", "", "X3", "X4"]
    res = ov.overlay_patches(dup, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), workers=1)
    ids = list(res.summary["patch_id"])
    assert ids == ["X1", "X1#3", "X1#2", "#5", "#6", "X3", "X4"]
    assert len(set(ids)) == len(ids) == len(dup)
    assert "「#6」" in res.summary["repair_note"][4]


def test_missing_id_field_message(layers):
    patches, lu, _, _ = layers
    bad = patches.rename(columns={"JCBH": "CODE"})
    with pytest.raises(ov.OverlayInputError) as e:
        ov.overlay_patches(bad, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), layer_name="卫片图斑")
    msg = str(e.value)
    assert "卫片图斑" in msg and "JCBH" in msg and "TBBH" in msg and "BSM" in msg and "CODE" in msg and "XZQMC" in msg


def test_alias_id_field_is_found(layers):
    patches, lu, _, _ = layers
    res = ov.overlay_patches(patches.rename(columns={"JCBH": "监测编号"}), workers=1)
    assert list(res.summary["patch_id"]) == [p[0] for p in PATCHES]


def test_non_polygon_and_empty_layers_rejected(layers):
    patches, lu, _, _ = layers
    points = gpd.GeoDataFrame({"MC": ["井"]}, geometry=[shapely.Point(X0, Y0)], crs="EPSG:4527")
    with pytest.raises(ov.OverlayInputError, match="水井.*不是面图层.*Point"):
        ov.overlay_patches(patches, protected=[ov.ReferenceLayer("水井", points)])
    empty = lu.iloc[:0]
    with pytest.raises(ov.OverlayInputError, match="三调地类图斑.*没有要素"):
        ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", empty, ov.LANDUSE, "DLBM"))
    lines = patches.assign(geometry=patches.geometry.boundary)
    with pytest.raises(ov.OverlayInputError, match="卫片图斑.*不是面图层"):
        ov.overlay_patches(lines, layer_name="卫片图斑")


def test_missing_landuse_field_message(layers):
    patches, lu, _, _ = layers
    with pytest.raises(ov.OverlayInputError, match="三调地类图斑.*DLBM.*BSM"):
        ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", lu.drop(columns="DLBM"), ov.LANDUSE, "DLBM"))


def test_geographic_patches_use_gk_zone(layers):
    patches, lu, _, _ = layers
    geo = patches.to_crs("EPSG:4490")
    assert ov.working_crs_for(geo).to_epsg() == 4548  # CGCS2000 3° GK, CM 117°E
    res = ov.overlay_patches(geo, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), workers=1)
    rows = landuse_rows(res)
    for key in PLANAR_LANDUSE:
        assert rows[key].area_m2 == pytest.approx(expected_ellipsoidal(key), abs=0.01), key


def test_ellipsoidal_areas_match_geod_to_a_millimetre_squared():
    """Random polygons from 10 m to 5 km across zone 39, with holes: engine vs Geod per polygon."""
    rng = np.random.default_rng(3)
    geoms, expected = [], []
    for _ in range(200):
        cx, cy = 39_500_000 + rng.uniform(-150_000, 150_000), rng.uniform(2.6e6, 3.0e6)
        size = 10 ** rng.uniform(1, 3.7)
        ang = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 40)))
        r = size * rng.uniform(0.6, 1.0, len(ang))
        shell = np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)]
        hole = np.c_[cx + 0.2 * size * np.cos(ang[::-1]), cy + 0.2 * size * np.sin(ang[::-1])]
        g = shapely.Polygon(shell, [hole])
        geoms.append(g)
        area = 0.0
        for ring, sign in ((shell, 1), (hole, -1)):
            lon, lat = TO_LONLAT.transform(ring[:, 0], ring[:, 1])
            area += sign * abs(GEOD.polygon_area_perimeter(lon, lat)[0])
        expected.append(area)
    got = ellipsoidal_areas(np.array(geoms), "EPSG:4527")
    assert np.abs(got - np.array(expected)).max() < 0.001
    assert np.allclose(planar_areas(np.array(geoms)), shapely.area(np.array(geoms)))


def test_ellipsoidal_areas_mixed_kinds_match_geod():
    """Hole-free polygons, multipolygons with and without holes, collections, empties and None in one
    array (the fast path groups rings by owner): each against Geod, also with blocks smaller than the input."""
    from liangwei.liangwei_plugin import areas as areas_mod

    rng = np.random.default_rng(11)

    def star(cx, cy, size, hole=False):
        ang = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 20)))
        r = size * rng.uniform(0.6, 1.0, len(ang))
        shell = np.c_[cx + r * np.cos(ang), cy + r * np.sin(ang)]
        holes = [np.c_[cx + 0.2 * size * np.cos(ang[::-1]), cy + 0.2 * size * np.sin(ang[::-1])]] if hole else []
        return shapely.Polygon(shell, holes), [(shell, 1)] + [(h, -1) for h in holes]

    def geod(rings):
        total = 0.0
        for ring, sign in rings:
            lon, lat = TO_LONLAT.transform(ring[:, 0], ring[:, 1])
            total += sign * abs(GEOD.polygon_area_perimeter(lon, lat)[0])
        return total

    geoms, expected = [], []
    for k in range(300):
        cx, cy = 39_500_000 + rng.uniform(-100_000, 100_000), rng.uniform(2.6e6, 3.0e6)
        kind = k % 6
        if kind == 0:
            g, rings = star(cx, cy, rng.uniform(10, 500))
        elif kind == 1:
            g, rings = star(cx, cy, rng.uniform(10, 500), hole=True)
        elif kind in (2, 3):
            a, ra = star(cx, cy, 50, hole=kind == 3)
            b, rb = star(cx + 200, cy, 40)
            g, rings = shapely.MultiPolygon([a, b]), ra + rb
        elif kind == 4:
            a, ra = star(cx, cy, 60)
            g, rings = shapely.GeometryCollection([a, shapely.LineString([(cx, cy), (cx + 5, cy)])]), ra
        else:
            g, rings = (shapely.Polygon() if k % 12 == 5 else None), []
        geoms.append(g)
        expected.append(geod(rings))
    geoms, expected = np.array(geoms, dtype=object), np.array(expected)
    got = ellipsoidal_areas(geoms, "EPSG:4527")
    assert np.abs(got - expected).max() < 0.001
    old = areas_mod.AREA_BLOCK
    try:
        areas_mod.AREA_BLOCK = 7
        assert np.abs(ellipsoidal_areas(geoms, "EPSG:4527") - expected).max() < 0.001
    finally:
        areas_mod.AREA_BLOCK = old


# --------------------------------------------------------------------------- many patches: parts, threads
def _random_county(n_side=50, n_patches=2500, seed=5):
    """A tiling of jittered cells (shared edges, like 三调 parcels), an L-shaped parcel notch and star patches."""
    rng = np.random.default_rng(seed)
    step = 25.0
    m = n_side * 4 + 1
    gx, gy = np.meshgrid(np.arange(m) * step, np.arange(m) * step, indexing="ij")
    gx = gx + rng.uniform(-7, 7, gx.shape) + X0
    gy = gy + rng.uniform(-7, 7, gy.shape) + Y0
    k = np.arange(4)
    ri = np.concatenate([k, np.full(4, 4), 4 - k, np.zeros(4, dtype=int)])
    rj = np.concatenate([np.zeros(4, dtype=int), k, np.full(4, 4), 4 - k])
    ci, cj = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    ii = ci.ravel()[:, None] * 4 + ri[None, :]
    jj = cj.ravel()[:, None] * 4 + rj[None, :]
    coords = np.stack([gx[ii, jj], gy[ii, jj]], axis=-1)
    parcels = shapely.polygons(np.concatenate([coords, coords[:, :1]], axis=1))
    codes = rng.choice(["0101", "0102", "0103", "0301", "0702", "1107", "1202"], len(parcels))
    lu = gpd.GeoDataFrame({"DLBM": codes, "ZLDWMC": [f"村{i % 9}" for i in range(len(parcels))]},
                          geometry=parcels, crs="EPSG:4527")
    extent = n_side * 100.0
    cx = X0 + rng.uniform(100, extent - 100, n_patches)
    cy = Y0 + rng.uniform(100, extent - 100, n_patches)
    ang = np.sort(rng.uniform(0, 2 * np.pi, (n_patches, 12)), axis=1)
    rr = rng.uniform(10, 60, n_patches)[:, None] * rng.uniform(0.6, 1.0, (n_patches, 12))
    pc = np.stack([cx[:, None] + rr * np.cos(ang), cy[:, None] + rr * np.sin(ang)], axis=-1)
    pg = shapely.polygons(np.concatenate([pc, pc[:, :1]], axis=1))
    pg = np.where(shapely.is_valid(pg), pg, shapely.convex_hull(pg))
    patches = gpd.GeoDataFrame({"JCBH": [f"W{i}" for i in range(n_patches)]}, geometry=pg, crs="EPSG:4527")
    red = gpd.GeoDataFrame({"MC": ["甲", "乙"]}, geometry=[shapely.box(X0 + 500, Y0 + 500, X0 + 2500, Y0 + 1800),
                                                          shapely.box(X0 + 2000, Y0 + 1500, X0 + 3500, Y0 + 3500)],
                           crs="EPSG:4527")
    return patches, lu, red


def _brute_force(patches, lu):
    """Every pair intersected, measured with GeographicLib ring by ring (no engine shortcut involved)."""
    p = np.asarray(patches.geometry.values)
    r = np.asarray(lu.geometry.values)
    pi, rj = shapely.STRtree(r).query(p, predicate="intersects")
    pieces = shapely.intersection(p[pi], r[rj])
    a = ellipsoidal_areas(pieces, "EPSG:4527", fast=False)
    df = gpd.pd.DataFrame({"patch_id": patches["JCBH"].to_numpy()[pi], "class_code": lu["DLBM"].to_numpy()[rj],
                           "area": a})
    df = df[df["area"] >= ov.MIN_PIECE_M2]
    return df.groupby(["patch_id", "class_code"])["area"].sum()


def test_parts_threads_and_gdf_agree_with_brute_force(monkeypatch):
    patches, lu, red = _random_county()
    expected = _brute_force(patches, lu)

    def reader(gdf):
        calls = []

        def read(near, crs):
            calls.append(len(near))
            hit = np.unique(shapely.STRtree(np.asarray(gdf.geometry.values)).query(np.asarray(near))[1])
            return gdf.iloc[np.sort(hit)]
        return read, calls

    plain = ov.overlay_patches(
        patches, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM", zldwmc_field="ZLDWMC"),
        [ov.ReferenceLayer("生态保护红线", red, name_field="MC")], workers=1)
    monkeypatch.setattr(ov, "READ_PART_PATCHES", 400)
    lu_read, lu_calls = reader(lu)
    red_read, red_calls = reader(red)
    parts = ov.overlay_patches(
        patches, ov.ReferenceLayer("三调地类图斑", kind=ov.LANDUSE, class_field="DLBM", zldwmc_field="ZLDWMC",
                                   reader=lu_read),
        [ov.ReferenceLayer("生态保护红线", name_field="MC", reader=red_read)], workers=2)
    assert len(lu_calls) == 7 and sum(lu_calls) == len(patches)  # read in parts, every patch in one
    for res in (plain, parts):
        d = res.detail[res.detail["layer"] == "三调地类图斑"].set_index(["patch_id", "class_code"])["area_m2"]
        assert set(d.index) == set(expected.index)
        assert np.abs(d.loc[expected.index].to_numpy() - expected.to_numpy()).max() < 0.001
        assert len(res.summary) == len(patches)
    for c in plain.summary.columns:  # sums may differ in the last bit (pairs come in another order)
        if plain.summary[c].dtype.kind == "f":
            assert np.allclose(plain.summary[c], parts.summary[c], rtol=1e-12, atol=1e-9), c
        else:
            assert plain.summary[c].equals(parts.summary[c]), c
    cols = ["patch_id", "layer", "class_code", "class_name"]
    a = plain.detail.sort_values(cols).reset_index(drop=True)
    b = parts.detail.sort_values(cols).reset_index(drop=True)
    assert a[cols].equals(b[cols]) and np.allclose(a["area_m2"], b["area_m2"], rtol=0, atol=1e-9)
    # the protected totals are the areas of patch ∩ (union of the layer)
    red_union = shapely.union_all(np.asarray(red.geometry.values))
    exp_red = ellipsoidal_areas(shapely.intersection(np.asarray(patches.geometry.values), red_union), "EPSG:4527",
                                fast=False)
    assert np.abs(parts.summary["生态保护红线_m2"].to_numpy() - exp_red).max() < 0.001


def test_envelopes_meet_geometries_do_not():
    """An L-shaped parcel whose notch holds the patch: candidate by envelope, no area, no detail row."""
    lshape = shift(wkt.loads("POLYGON ((0 0, 100 0, 100 40, 40 40, 40 100, 0 100, 0 0))"))
    lu = gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[lshape], crs="EPSG:4527")
    patches = gpd.GeoDataFrame({"JCBH": ["N1", "N2"]}, geometry=[shift(shapely.box(60, 60, 90, 90)),
                                                                 shift(shapely.box(20, 20, 80, 80))], crs="EPSG:4527")
    res = ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), area_method="planar")
    s = res.summary.set_index("patch_id")
    assert s.loc["N1", "farmland_m2"] == 0 and list(res.detail["patch_id"]) == ["N2"]
    assert s.loc["N2", "farmland_m2"] == pytest.approx(60 * 60 - 40 * 40)


def test_cancel_while_parts_are_read():
    import threading
    import time

    patches, lu, _ = _random_county(n_side=20, n_patches=600)
    started = threading.Event()

    def slow_read(near, crs):
        started.set()
        time.sleep(0.2)
        return lu

    class CancelSoon:
        def __init__(self):
            self.calls = 0

        def set_progress(self, p):
            pass

        def is_canceled(self):
            return started.is_set()

        def info(self, m):
            pass

        def warning(self, m):
            pass

    old = ov.READ_PART_PATCHES
    ov.READ_PART_PATCHES = 100
    try:
        t = time.perf_counter()
        with pytest.raises(ov.Canceled):
            ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", kind=ov.LANDUSE, class_field="DLBM",
                                                          reader=slow_read), feedback=CancelSoon())
        # the parts not yet started were cancelled: at most the running read is waited for
        assert time.perf_counter() - t < 1.5
    finally:
        ov.READ_PART_PATCHES = old


def test_patch_envelopes_can_be_shared_by_threads():
    """GEOS fills a geometry's envelope cache on first use; patch_envelopes fills it, so two threads may
    use the rectangles at once (fresh geometries used that way fail now and then with
    'Points of LinearRing do not form a closed linestring')."""
    from concurrent.futures import ThreadPoolExecutor

    from liangwei.liangwei_plugin.vector_io import patch_envelopes

    rng = np.random.default_rng(0)
    for _ in range(5):
        pts = shapely.points(rng.uniform(0, 1e5, 50_000), rng.uniform(0, 1e5, 50_000))
        boxes = patch_envelopes(shapely.buffer(pts, 5, quad_segs=1))
        with ThreadPoolExecutor(2) as pool:
            a = pool.submit(shapely.envelope, boxes)
            b = pool.submit(shapely.envelope, boxes)
            assert shapely.equals(a.result(), b.result()).all()


def test_reader_that_finds_nothing(layers):
    """Parts without any feature near their patches: zero areas (doubles), no detail rows, no error."""
    patches, lu, red, _ = layers
    empty_lu = lu.iloc[:0]
    res = ov.overlay_patches(
        patches, ov.ReferenceLayer("三调地类图斑", kind=ov.LANDUSE, class_field="DLBM", zldwmc_field="ZLDWMC",
                                   reader=lambda near, crs: empty_lu),
        [ov.ReferenceLayer("生态保护红线", name_field="MC", reader=lambda near, crs: red.iloc[:0])], workers=1)
    assert len(res.summary) == len(patches) and len(res.detail) == 0
    for c in ("farmland_m2", "construction_m2", "agricultural_m2", "unused_m2", "生态保护红线_m2"):
        assert res.summary[c].dtype == np.float64 and (res.summary[c] == 0).all()


def test_layer_given_as_a_future(layers):
    """A layer still being read (a Future of its GeoDataFrame) gives the same result as the frame."""
    from concurrent.futures import ThreadPoolExecutor

    patches, lu, _red, _water = layers
    direct = ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", lu, ov.LANDUSE, "DLBM"), workers=1)
    with ThreadPoolExecutor(1) as ex:
        fut = ex.submit(lambda: lu)
        later = ov.overlay_patches(patches, ov.ReferenceLayer("三调地类图斑", fut, ov.LANDUSE, "DLBM"), workers=1)
    assert direct.summary.equals(later.summary) and direct.detail.equals(later.detail)
