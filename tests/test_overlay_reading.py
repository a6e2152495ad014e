"""Reading reference layers near the patches (vector_io.read_vector with keep_near).

The fast paths (GeoPackage R-tree through SQLite, FID reads for other formats) must return exactly the
features a plain full read + envelope filter returns (GeoPackage: possibly a few more, its R-tree holds
float32 envelopes rounded outwards), with the same geometries, attribute values and types.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from liangwei.liangwei_plugin import vector_io
from liangwei.liangwei_plugin.vector_io import write_vector

X0, Y0 = 39_501_000.0, 2_800_000.0


@pytest.fixture(autouse=True)
def _force_large_layer_paths(monkeypatch):
    # the layers here are small: make read_vector treat them like a million parcels
    monkeypatch.setattr(vector_io, "SMALL_LAYER", 0)


def _parcels(n_side: int = 30) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    xs, ys = np.meshgrid(np.arange(n_side) * 50.0, np.arange(n_side) * 50.0)
    xs, ys = xs.ravel() + X0, ys.ravel() + Y0
    geoms = shapely.box(xs, ys, xs + 50, ys + 50)
    n = len(geoms)
    codes = rng.choice(["0101", "0702", "1101"], n).astype(object)
    codes[::17] = None
    ints = pd.array(rng.integers(0, 1000, n), dtype="Int64")
    ints[::13] = pd.NA
    return gpd.GeoDataFrame({
        "DLBM": codes,
        "ZLDWMC": [f"村{i % 7}" for i in range(n)],
        "NUM": ints,
        "TBMJ": rng.uniform(0, 2500, n),
    }, geometry=geoms, crs="EPSG:4527")


def _patches() -> np.ndarray:
    pts = shapely.points([X0 + 120, X0 + 700, X0 + 1010, X0 + 3000], [Y0 + 130, Y0 + 260, Y0 + 1400, Y0 + 3000])
    return np.asarray(shapely.buffer(pts, 30.0))


def _expected(path, layer, columns, near, **kw):
    full = vector_io.read_vector(path, layer, columns=columns, **kw)  # a plain OGR read of every feature
    return vector_io._filter(full, shapely.STRtree(np.asarray(shapely.envelope(near))))


def _check_same(got: gpd.GeoDataFrame, exp: gpd.GeoDataFrame, columns):
    assert set(exp.index) <= set(got.index)
    extra = got.drop(index=exp.index)
    # extra features (R-tree rounding) lie within a few centimetres of a patch envelope only
    assert len(extra) <= 0.1 * len(exp) + 2
    g = got.loc[exp.index]
    assert shapely.equals_exact(np.asarray(g.geometry.values), np.asarray(exp.geometry.values), 0).all()
    for c in columns:
        a, b = g[c].to_numpy(), exp[c].to_numpy()
        assert g[c].dtype == exp[c].dtype, c
        same = (pd.isna(a) & pd.isna(b)) | (a == b)
        assert same.all(), c
    assert got.crs == exp.crs


def test_geopackage_rtree_read_matches_full_read(tmp_path):
    path = tmp_path / "county.gpkg"
    _parcels().pipe(write_vector, path, layer="三调地类图斑")
    near = _patches()
    cols = ["DLBM", "ZLDWMC", "NUM", "TBMJ"]
    got = vector_io.read_vector(path, "三调地类图斑", columns=cols, keep_near=near, keep_near_crs="EPSG:4527")
    exp = _expected(path, "三调地类图斑", cols, near)
    assert len(exp) > 10
    _check_same(got, exp, cols)
    # the R-tree path was taken (not a fallback): it is the one that reads through SQLite
    info = vector_io.layer_info(str(path), "三调地类图斑")
    direct = vector_io._read_gpkg_near(str(path), info, cols, shapely.bounds(near))
    assert direct is not None and set(direct.index) == set(got.index)


def test_geopackage_near_in_another_crs(tmp_path):
    path = tmp_path / "county.gpkg"
    _parcels().pipe(write_vector, path, layer="三调地类图斑")
    near = _patches()
    near_4490 = gpd.GeoSeries(near, crs="EPSG:4527").to_crs("EPSG:4490").values
    got = vector_io.read_vector(path, "三调地类图斑", columns=["DLBM"], keep_near=near_4490, keep_near_crs="EPSG:4490")
    exp = _expected(path, "三调地类图斑", ["DLBM"],
                    np.asarray(gpd.GeoSeries(near_4490, crs="EPSG:4490").to_crs("EPSG:4527").values))
    _check_same(got, exp, ["DLBM"])


def test_geopackage_without_rtree_and_date_fields_fall_back(tmp_path):
    path = tmp_path / "plain.gpkg"
    gdf = _parcels()
    gdf["RQ"] = pd.to_datetime([dt.date(2024, 1, 1 + i % 28) for i in range(len(gdf))])
    gdf.pipe(write_vector, path, layer="地类", layer_options={"SPATIAL_INDEX": "NO"})
    near = _patches()
    info = vector_io.layer_info(str(path), "地类")
    assert vector_io._read_gpkg_near(str(path), info, ["DLBM"], shapely.bounds(near)) is None  # no R-tree
    got = vector_io.read_vector(path, "地类", columns=["DLBM", "RQ"], keep_near=near, keep_near_crs="EPSG:4527")
    exp = _expected(path, "地类", ["DLBM", "RQ"], near)
    assert set(got.index) == set(exp.index)
    _check_same(got, exp, ["DLBM", "RQ"])

    path2 = tmp_path / "indexed.gpkg"
    gdf.pipe(write_vector, path2, layer="地类")
    with pytest.raises(vector_io._Unsupported):  # dates are left to OGR
        vector_io._read_gpkg_near(str(path2), vector_io.layer_info(str(path2), "地类"), ["RQ"],
                                  shapely.bounds(near))
    got = vector_io.read_vector(path2, "地类", columns=["DLBM", "RQ"], keep_near=near, keep_near_crs="EPSG:4527")
    _check_same(got, _expected(path2, "地类", ["DLBM", "RQ"], near), ["DLBM", "RQ"])


def test_shapefile_gbk_read_by_fid(tmp_path):
    shp = tmp_path / "地类图斑.shp"
    gdf = _parcels()[["DLBM", "ZLDWMC", "geometry"]]
    gdf.pipe(write_vector, shp, encoding="GBK")
    for ext in (".cpg", ".CPG"):
        shp.with_suffix(ext).unlink(missing_ok=True)
    near = _patches()
    got = vector_io.read_vector(shp, columns=["DLBM", "ZLDWMC"], keep_near=near, keep_near_crs="EPSG:4527")
    exp = _expected(shp, None, ["DLBM", "ZLDWMC"], near, encoding="GB18030")
    assert set(got.index) == set(exp.index)
    _check_same(got, exp, ["DLBM", "ZLDWMC"])
    assert got["ZLDWMC"].str.startswith("村").all()


def test_nothing_near(tmp_path):
    path = tmp_path / "county.gpkg"
    _parcels().pipe(write_vector, path, layer="三调地类图斑")
    far = np.asarray(shapely.buffer(shapely.points([X0 - 50_000], [Y0]), 10.0))
    got = vector_io.read_vector(path, "三调地类图斑", columns=["DLBM"], keep_near=far, keep_near_crs="EPSG:4527")
    assert len(got) == 0 and "DLBM" in got.columns
