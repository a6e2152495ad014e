"""liangwei:overlaycheck through processing.run: fields, areas, layer names, bad input, encodings,
and the sample county against QGIS's own native:intersection + ellipsoidal QgsDistanceArea."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely import wkt

from liangwei.liangwei_plugin.vector_io import read_vector, write_vector  # noqa: E402

X0, Y0 = 39_501_000.0, 2_800_000.0
GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)
ROOT = Path(__file__).resolve().parent.parent

CONTRACT = ["patch_id", "area_m2", "area_mu", "area_method", "farmland_m2", "farmland_mu", "construction_m2",
            "agricultural_m2", "unused_m2", "zldwdm", "zldwmc", "protected_summary", "repaired", "repair_note"]


def rect(x1, y1, x2, y2, dx=X0, dy=Y0):
    return shapely.box(x1 + dx, y1 + dy, x2 + dx, y2 + dy)


def geod_area_local(x1, y1, x2, y2):
    xs = np.array([x1, x2, x2, x1]) + X0
    ys = np.array([y1, y1, y2, y2]) + Y0
    lon, lat = TO_LONLAT.transform(xs, ys)
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A small GeoPackage county: land use, two protected layers and patches (one bow-tie, one null)."""
    d = tmp_path_factory.mktemp("county")
    lu = gpd.GeoDataFrame({"BSM": ["A", "B", "C"], "DLBM": ["0101", "0103", "0702"],
                           "ZLDWDM": ["350521100", "350521100", "350521200"], "ZLDWMC": ["甲村", "甲村", "乙村"]},
                          geometry=[rect(0, 0, 100, 100), rect(100, 0, 200, 100), rect(0, 100, 200, 200)],
                          crs="EPSG:4527")
    red = gpd.GeoDataFrame({"MC": ["红线甲"]}, geometry=[rect(0, 0, 60, 200)], crs="EPSG:4527")
    water = gpd.GeoDataFrame({"MC": ["水源地"]}, geometry=[rect(0, 0, 120, 120)], crs="EPSG:4527").to_crs("EPSG:4490")
    gpkg = d / "county.gpkg"
    lu.pipe(write_vector, gpkg, layer="三调地类图斑")
    red.pipe(write_vector, gpkg, layer="生态保护红线")
    water.pipe(write_vector, gpkg, layer="饮用水水源保护区")
    bowtie = shapely.transform(wkt.loads("POLYGON ((10 10, 40 40, 40 10, 10 40, 10 10))"), lambda c: c + [X0, Y0])
    patches = gpd.GeoDataFrame({"JCBH": ["P1", "P2", "P3"], "XZQMC": ["城关镇", "城关镇", "城关镇"]},
                               geometry=[rect(50, 50, 150, 150), bowtie, None], crs="EPSG:4527")
    pgpkg = d / "patches.gpkg"
    patches.pipe(write_vector, pgpkg, layer="卫片图斑")
    return {"county": gpkg, "patches": pgpkg, "dir": d}


def run(params):
    import processing

    return processing.run("liangwei:overlaycheck", params)


def features(layer):
    return [dict(zip(layer.fields().names(), f.attributes())) | {"_geom": f.geometry()} for f in layer.getFeatures()]


def test_overlaycheck_on_geopackage(liangwei_provider, county):
    c = county["county"]
    res = run({
        "PATCHES": f"{county['patches']}|layername=卫片图斑",
        "LANDUSE": f"{c}|layername=三调地类图斑",
        "PROTECTED": [f"{c}|layername=生态保护红线", f"{c}|layername=饮用水水源保护区"],
        "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:",
    })
    out, detail = res["OUTPUT"], res["OUTPUT_DETAIL"]
    names = out.fields().names()
    for f in CONTRACT + ["JCBH", "XZQMC", "生态保护红线_m2", "饮用水水源保护区_m2"]:
        assert f in names, f
    assert out.featureCount() == 3  # nothing dropped: bow-tie repaired, null kept
    rows = {r["patch_id"]: r for r in features(out)}
    p1 = rows["P1"]
    assert p1["area_method"] == "ellipsoidal"
    assert p1["area_m2"] == pytest.approx(geod_area_local(50, 50, 150, 150), abs=0.01)
    assert p1["area_mu"] == pytest.approx(p1["area_m2"] * 15 / 10000, abs=1e-9)
    assert p1["farmland_m2"] == pytest.approx(geod_area_local(50, 50, 100, 100) + geod_area_local(100, 50, 150, 100),
                                              abs=0.01)
    assert p1["生态保护红线_m2"] == pytest.approx(geod_area_local(50, 50, 60, 150), abs=0.01)
    assert p1["饮用水水源保护区_m2"] == pytest.approx(geod_area_local(50, 50, 120, 120), abs=0.01)
    assert (p1["zldwdm"], p1["zldwmc"], p1["XZQMC"]) == ("350521200", "乙村", "城关镇")
    assert rows["P2"]["repaired"] == 1 and "Self-intersection" in rows["P2"]["repair_note"]
    assert rows["P2"]["area_m2"] == pytest.approx(450.0, rel=1e-5)  # two triangles of 15 x 30 / 2 each
    assert rows["P3"]["area_m2"] == 0 and "几何为空" in rows["P3"]["repair_note"]
    assert rows["P3"]["_geom"].isNull()
    assert detail.fields().names() == ["patch_id", "layer", "class_code", "class_name", "area_m2", "area_mu", "share"]
    assert not detail.isSpatial()
    drows = [dict(zip(detail.fields().names(), f.attributes())) for f in detail.getFeatures()]
    by = {(r["patch_id"], r["layer"], r["class_code"]): r for r in drows}
    assert by[("P1", "三调地类图斑", "0702")]["area_m2"] == pytest.approx(geod_area_local(50, 100, 150, 150), abs=0.01)
    assert by[("P1", "三调地类图斑", "0702")]["class_name"] == "农村宅基地"
    assert by[("P1", "生态保护红线", "")]["class_name"] == "红线甲"
    assert by[("P1", "饮用水水源保护区", "")]["share"] == pytest.approx(0.49, abs=1e-4)


def test_planar_method_and_memory_layers(liangwei_provider, county):
    from qgis.core import QgsVectorLayer

    # memory layers (read by iterating features), including a feature without geometry
    patches = QgsVectorLayer(f"{county['patches']}|layername=卫片图斑", "卫片", "ogr").materialize(
        __import__("qgis.core", fromlist=["QgsFeatureRequest"]).QgsFeatureRequest())
    landuse = QgsVectorLayer(f"{county['county']}|layername=三调地类图斑", "地类", "ogr").materialize(
        __import__("qgis.core", fromlist=["QgsFeatureRequest"]).QgsFeatureRequest())
    assert patches.providerType() == "memory"
    res = run({"PATCHES": patches, "LANDUSE": landuse, "AREA_METHOD": 1,
               "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    rows = {r["patch_id"]: r for r in features(res["OUTPUT"])}
    assert rows["P1"]["area_method"] == "planar"
    assert rows["P1"]["area_m2"] == pytest.approx(10000.0, abs=0.01)
    assert rows["P1"]["farmland_m2"] == pytest.approx(5000.0, abs=0.01)
    assert rows["P1"]["construction_m2"] == pytest.approx(5000.0, abs=0.01)
    assert rows["P2"]["area_m2"] == pytest.approx(450.0, abs=0.01)
    assert res["OUTPUT"].featureCount() == 3


def test_no_id_field_message(liangwei_provider, tmp_path):
    from qgis.core import QgsProcessingException

    p = tmp_path / "noid.gpkg"
    gpd.GeoDataFrame({"CODE": ["x"], "XZQMC": ["某镇"]}, geometry=[rect(0, 0, 10, 10)],
                     crs="EPSG:4527").pipe(write_vector, p, layer="图斑无编号")
    with pytest.raises(QgsProcessingException) as e:
        run({"PATCHES": f"{p}|layername=图斑无编号", "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    msg = str(e.value)
    assert "图斑无编号" in msg and "JCBH" in msg and "TBBH" in msg and "BSM" in msg and "CODE" in msg


def test_duplicate_ids_all_kept(liangwei_provider, tmp_path, county):
    p = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"TBBH": ["7", "7", "8"]}, geometry=[rect(10, 10, 20, 20), rect(30, 30, 40, 40),
                                                           rect(150, 10, 160, 20)], crs="EPSG:4527").pipe(write_vector,
        p, layer="dup")
    res = run({"PATCHES": str(p), "LANDUSE": f"{county['county']}|layername=三调地类图斑",
               "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    rows = features(res["OUTPUT"])
    assert [r["patch_id"] for r in rows] == ["7", "7#2", "8"]
    assert [r["TBBH"] for r in rows] == ["7", "7", "8"]
    assert "重复" in rows[1]["repair_note"]
    detail_ids = {f["patch_id"] for f in res["OUTPUT_DETAIL"].getFeatures()}
    assert detail_ids == {"7", "7#2", "8"}


def _raster(path: Path) -> Path:
    from osgeo import gdal, osr

    ds = gdal.GetDriverByName("GTiff").Create(str(path), 4, 4, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((X0, 10, 0, Y0 + 40, 0, -10))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    ds.SetProjection(srs.ExportToWkt())
    ds.GetRasterBand(1).Fill(1)
    ds = None
    return path


def test_raster_rejected(liangwei_provider, tmp_path, county):
    from qgis.core import QgsProcessingException, QgsRasterLayer

    tif = _raster(tmp_path / "影像.tif")
    raster = QgsRasterLayer(str(tif), "影像")
    assert raster.isValid()
    with pytest.raises(QgsProcessingException) as e:
        run({"PATCHES": f"{county['patches']}|layername=卫片图斑", "PROTECTED": [raster],
             "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    assert "影像" in str(e.value) or "PROTECTED" in str(e.value)
    with pytest.raises(QgsProcessingException) as e:
        run({"PATCHES": str(tif), "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    assert "PATCHES" in str(e.value) or "影像" in str(e.value)


def test_gbk_shapefile_without_cpg(liangwei_provider, tmp_path, county):
    shp = tmp_path / "gbk_patches.shp"
    gdf = gpd.GeoDataFrame({"JCBH": ["G1"], "XZQMC": ["城关镇"], "DSR": ["张三"]},
                           geometry=[rect(50, 50, 150, 150)], crs="EPSG:4527")
    gdf.pipe(write_vector, shp, encoding="GBK")
    for ext in (".cpg", ".CPG"):
        shp.with_suffix(ext).unlink(missing_ok=True)
    raw = shp.with_suffix(".dbf").read_bytes()
    assert "城关镇".encode("gbk") in raw  # really GBK on disk
    res = run({"PATCHES": str(shp), "LANDUSE": f"{county['county']}|layername=三调地类图斑",
               "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    (row,) = features(res["OUTPUT"])
    assert row["XZQMC"] == "城关镇" and row["DSR"] == "张三"
    assert row["zldwmc"] == "乙村"


def test_qgis_process_cli(county, tmp_path):
    """The algorithm runs through bin/qgis-process (as in models and scripts)."""
    out = tmp_path / "result.gpkg"
    detail = tmp_path / "detail.csv"
    cmd = [str(ROOT / "bin" / "qgis-process"), "run", "liangwei:overlaycheck", "--",
           f"PATCHES={county['patches']}|layername=卫片图斑",
           f"LANDUSE={county['county']}|layername=三调地类图斑",
           f"PROTECTED={county['county']}|layername=生态保护红线",
           f"OUTPUT={out}", f"DETAIL={detail}", f"OUTPUT_DETAIL={detail}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = read_vector(out)
    assert len(res) == 3
    p1 = res.set_index("patch_id").loc["P1"]
    assert p1["area_m2"] == pytest.approx(geod_area_local(50, 50, 150, 150), abs=0.01)
    assert p1["生态保护红线_m2"] == pytest.approx(geod_area_local(50, 50, 60, 150), abs=0.01)
    text = detail.read_text(encoding="utf-8")
    assert "三调地类图斑" in text and "0702" in text


def test_bin_qgis_process_exists():
    assert shutil.which(str(ROOT / "bin" / "qgis-process"))


def test_gbk_shapefile_reference_layers(liangwei_provider, tmp_path, county):
    """Land-use and protected layers as GBK shapefiles without .cpg (read by the engine in parts): the
    Chinese village and area names come out right."""
    lu = read_vector(county["county"], layer="三调地类图斑")
    lu_shp = tmp_path / "地类图斑.shp"
    lu.pipe(write_vector, lu_shp, encoding="GBK")
    red_shp = tmp_path / "红线.shp"
    gpd.GeoDataFrame({"MC": ["红线甲"]}, geometry=[rect(0, 0, 60, 200)], crs="EPSG:4527").pipe(write_vector,
        red_shp, encoding="GBK")
    for shp in (lu_shp, red_shp):
        for ext in (".cpg", ".CPG"):
            shp.with_suffix(ext).unlink(missing_ok=True)
        assert not shp.with_suffix(".cpg").exists()
    res = run({"PATCHES": f"{county['patches']}|layername=卫片图斑", "LANDUSE": str(lu_shp),
               "PROTECTED": [str(red_shp)], "OUTPUT": "memory:", "OUTPUT_DETAIL": "memory:"})
    rows = {r["patch_id"]: r for r in features(res["OUTPUT"])}
    assert len(rows) == 3
    assert rows["P1"]["zldwmc"] == "乙村"
    assert rows["P1"]["红线_m2"] == pytest.approx(geod_area_local(50, 50, 60, 150), abs=0.01)
    names = {f["class_name"] for f in res["OUTPUT_DETAIL"].getFeatures() if f["layer"] == "红线"}
    assert names == {"红线甲"}
