"""liangwei:detectchanges and liangwei_plugin.change_detection on small generated epochs (tests/change_epochs.py):
a shift of one pixel with a brightness change gives no candidate, a harvested field gives none, a new 20 × 20 m
building gives one of the right area; the candidates go through overlaycheck → determine → registercases."""
from __future__ import annotations

import numpy as np
import pytest
import shapely

import change_epochs as ce
from liangwei.liangwei_plugin import change_detection as cd
from liangwei.liangwei_plugin.feedback import Canceled
from liangwei.liangwei_plugin.vector_io import write_vector

# a 10 × 10 px roof (20 m × 20 m) at row 120, col 170: 400 m² (planar; the scale error of zone 39's
# central meridian is below 1e-6 here, so ellipsoidal ≈ planar to 0.01 m²)
ROOF = (120, 170, 10)
ROOF_M2 = (ROOF[2] * ce.PIXEL) ** 2


@pytest.fixture(scope="module")
def epochs(tmp_path_factory):
    d = tmp_path_factory.mktemp("epochs")
    base = ce.base_scene()
    files = {"before": ce.write_epoch(d / "before_20240520.tif", base)}
    # another sensor a year later: 1 pixel east, 15 % brighter, offset, sensor noise
    files["shift"] = ce.write_epoch(d / "after_shift_20250518.tif", ce.relook(base, 1.0, 1.15, 8, 2.0))
    files["harvest"] = ce.write_epoch(d / "after_harvest_20250518.tif",
                                      ce.relook(ce.harvest(base, 2, 3), 0.4, 1.1, 5, 2.0))
    files["building"] = ce.write_epoch(d / "after_building_20250518.tif",
                                       ce.relook(ce.add_building(base, *ROOF), 0.4, 1.1, 5, 2.0))
    return files


def test_phase_correlation_finds_a_sub_pixel_shift():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    img = ndimage.gaussian_filter(rng.normal(0, 1, (128, 128)), 2.0)
    moved = ndimage.shift(img, (-0.6, 1.3), order=3, mode="wrap")   # content 1.3 px east, 0.6 px north
    dx, dy, peak = cd.phase_correlation(moved, img)
    assert abs(dx - 1.3) < 0.15 and abs(dy + 0.6) < 0.15 and peak > 0.3


def test_shift_and_brightness_alone_give_no_candidate(epochs):
    for landuse in (None, ce.landuse_frame()):
        result = cd.detect_changes(str(epochs["before"]), str(epochs["shift"]), landuse=landuse)
        assert abs(result.shift[0] - 1.0) < 0.1 and abs(result.shift[1]) < 0.1
        assert len(result.candidates) == 0


def test_harvested_field_gives_no_candidate(epochs):
    result = cd.detect_changes(str(epochs["before"]), str(epochs["harvest"]), landuse=ce.landuse_frame())
    assert len(result.candidates) == 0
    assert result.dropped["耕地整块变化（收割/季节）"] == 1
    # without the 三调 the same change is a 推填土 candidate: the land use decides
    bare = cd.detect_changes(str(epochs["before"]), str(epochs["harvest"]))
    assert list(bare.candidates["change_type"]) == ["推填土"]


def test_new_building_gives_one_candidate_of_its_area(epochs):
    truth = ce.pixel_box(*ROOF, ROOF[2])
    assert truth.area == ROOF_M2 == 400.0
    patches = __import__("geopandas").GeoDataFrame({"JCBH": ["350627202501001"], "XZQDM": ["350627100000"]},
                                                   geometry=[truth.buffer(4.0)], crs="EPSG:4527")
    result = cd.detect_changes(str(epochs["before"]), str(epochs["building"]), landuse=ce.landuse_frame(),
                               patches=patches)
    c = result.candidates
    assert len(c) == 1
    row = c.iloc[0]
    assert row["change_type"] == "新增建筑"
    # the footprint without its shadow; the 0.4-pixel shift of the later epoch smears one column (+40 m²)
    assert ROOF_M2 <= row["area_m2"] <= ROOF_M2 + 20 * ce.PIXEL + 1e-6, row["area_m2"]
    assert row["area_mu"] == pytest.approx(round(row["area_m2"] * 15 / 10000, 2))
    assert shapely.intersection(c.geometry.iloc[0], truth).area >= 0.9 * ROOF_M2
    assert row["landuse_before"] == "0103 旱地" and row["landuse_after"] == "建设用地（建筑物）"
    assert row["known"] == 1 and row["known_patch"] == "350627202501001"
    assert row["JCBH"] == "ZZ350627202501001"
    assert (row["QSX"], row["HSX"]) == ("2024-05-20", "2025-05-18")
    assert row["score"] > 1
    # a MIN_AREA larger than the building
    assert len(cd.detect_changes(str(epochs["before"]), str(epochs["building"]), min_area=600).candidates) == 0


def test_different_grid_and_crs(epochs, tmp_path):
    """BEFORE at 3 m in another CRS (EPSG:4548: the same 3° zone, CM 117°E, without the zone prefix) is
    resampled onto AFTER's grid (2 m, EPSG:4527)."""
    from osgeo import gdal

    src = tmp_path / "before_4548.tif"
    gdal.Warp(str(src), str(epochs["before"]), dstSRS="EPSG:4548", xRes=3.0, yRes=3.0, resampleAlg="bilinear")
    result = cd.detect_changes(str(src), str(epochs["building"]))
    assert result.grid.res == (2.0, 2.0)
    kinds = list(result.candidates["change_type"])
    assert kinds.count("新增建筑") == 1


def test_bad_input_is_named(epochs, tmp_path):
    bad = tmp_path / "not_a_raster.tif"
    bad.write_bytes(b"half-written")
    with pytest.raises(cd.ChangeDetectionError, match="前时相影像"):
        cd.detect_changes(str(bad), str(epochs["building"]))
    far = ce.write_epoch(tmp_path / "far.tif", ce.base_scene(), x0=ce.X0 + 50_000)
    with pytest.raises(cd.ChangeDetectionError, match="没有重叠"):
        cd.detect_changes(str(far), str(epochs["building"]))


def test_cancel(epochs):
    class Cancel:
        def set_progress(self, p):
            pass

        def is_canceled(self):
            return True

        def info(self, m):
            pass

        def warning(self, m):
            pass

    with pytest.raises(Canceled):
        cd.detect_changes(str(epochs["before"]), str(epochs["building"]), feedback=Cancel())


@pytest.fixture
def layers(tmp_path):
    lu = ce.landuse_frame()
    lu["TBBH"] = [str(i) for i in range(len(lu))]
    write_vector(lu, tmp_path / "county.gpkg", "三调地类图斑")
    return {"landuse": f"{tmp_path / 'county.gpkg'}|layername=三调地类图斑"}


def test_algorithm_through_processing_and_into_the_register(liangwei_provider, epochs, layers, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer

    out = str(tmp_path / "candidates.gpkg")
    res = processing.run("liangwei:detectchanges", {
        "BEFORE": str(epochs["before"]), "AFTER": str(epochs["building"]), "LANDUSE": layers["landuse"],
        "MIN_AREA": 200, "OUTPUT": out})
    layer = QgsVectorLayer(res["OUTPUT"], "c", "ogr")
    assert layer.isValid() and layer.featureCount() == 1
    names = layer.fields().names()
    for name in ("JCBH", "change_type", "score", "area_m2", "area_mu", "landuse_before", "landuse_after", "known"):
        assert name in names
    f = next(layer.getFeatures())
    assert f["change_type"] == "新增建筑" and f["known"] == 0 and f["JCBH"] == "ZZ350627202501001"
    assert ROOF_M2 <= f["area_m2"] <= ROOF_M2 + 40.0 + 1e-6
    assert layer.crs().authid() == "EPSG:4527"
    # the patch navigator steps through the candidates by their JCBH, as through the ministry's patches
    from liangwei.liangwei_plugin.onemap.navigator import patch_fields, patch_ids

    assert patch_fields(layer).id_field == "JCBH" and patch_ids(layer) == [f.id()]

    # the candidates feed the same chain as the ministry's patches, with source 自主发现
    ov = processing.run("liangwei:overlaycheck", {"PATCHES": res["OUTPUT"], "LANDUSE": layers["landuse"],
                                                  "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_DETAIL": "TEMPORARY_OUTPUT"})
    det = processing.run("liangwei:determine", {"INPUT": ov["OUTPUT"], "OUTPUT": "TEMPORARY_OUTPUT"})
    from liangwei.liangwei_plugin.register.model import SOURCES

    reg = str(tmp_path / "register.gpkg")
    done = processing.run("liangwei:registercases", {"INPUT": det["OUTPUT"], "REGISTER": reg,
                                                     "SOURCE": SOURCES.index("自主发现"), "DATE": "2026-06-01"})
    assert done["ADDED"] == 1
    rl = QgsVectorLayer(done["REGISTER_LAYER"], "r", "ogr")
    case = next(rl.getFeatures())
    assert case["source"] == "自主发现" and case["patch_id"] == "ZZ350627202501001"


def test_algorithm_rejects_a_non_raster(liangwei_provider, epochs, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    bad = tmp_path / "x.tif"
    bad.write_bytes(b"no")
    with pytest.raises(QgsProcessingException):
        processing.run("liangwei:detectchanges", {"BEFORE": str(bad), "AFTER": str(epochs["building"]),
                                                  "OUTPUT": "TEMPORARY_OUTPUT"})


def test_sample_county_epochs(liangwei_provider):
    """The sample county's two epochs (another sensor, misregistered, harvests, floods, clouds): most of the
    monitoring patches off existing construction land are found, and most candidates are patches."""
    from pathlib import Path

    from liangwei.liangwei_plugin.landuse_codes import CONSTRUCTION, land_group
    from liangwei.liangwei_plugin.vector_io import read_vector

    sample = Path(__file__).resolve().parent.parent / "sample"
    if not (sample / ".complete").exists():
        pytest.skip("no sample county (make sample)")
    from osgeo import gdal

    win = [gdal.Open(str(sample / "imagery" / f)).ReadAsArray(1000, 1000, 256, 256)
           for f in ("epoch_20240520.tif", "epoch_20250518.tif")]
    if (win[0] == win[1]).mean() > 0.5:
        pytest.skip("the sample county predates the realistic later epoch (run make sample)")
    lu = read_vector(str(sample / "county.gpkg"), "三调地类图斑", columns=["DLBM", "ZLDWDM", "ZLDWMC"])
    patches = read_vector(str(sample / "patches.gpkg"), "卫片图斑")
    result = cd.detect_changes(str(sample / "imagery" / "epoch_20240520.tif"),
                               str(sample / "imagery" / "epoch_20250518.tif"), landuse=lu, patches=patches)
    assert 0.3 <= result.shift[0] <= 0.9 and 0.1 <= result.shift[1] <= 0.7, result.shift   # 0.6 east, 0.4 south
    c = result.candidates
    geoms = shapely.make_valid(np.asarray(patches.geometry.values, dtype=object))
    construction = lu[[land_group(code) == CONSTRUCTION for code in lu["DLBM"]]]
    on_built = shapely.area(shapely.intersection(geoms, shapely.union_all(construction.geometry.values)))
    target = (shapely.area(geoms) >= 400) & (on_built < 0.5 * shapely.area(geoms))
    hit = shapely.STRtree(np.asarray(c.geometry.values, dtype=object)).query(geoms[target], predicate="intersects")[0]
    assert len(np.unique(hit)) >= 0.75 * target.sum(), (len(np.unique(hit)), target.sum())
    assert c["known"].mean() >= 0.75
    assert set(c["change_type"]) <= set(cd.CHANGE_TYPES) and c["JCBH"].is_unique
