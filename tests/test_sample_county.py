"""The sample county (示例县): layout, topology, codes, areas, patches, imagery, determinism.

The county is generated once per module into a temporary folder. Expected values are computed
independently of the generator: areas with pyproj.Geod, overlaps with shapely, rasters read back
with GDAL, and the code table below typed in from GB/T 21010-2017 and the 三调 working classification.
"""
from __future__ import annotations

import csv
import re
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
import shapely
from osgeo import gdal, ogr, osr
from pyproj import Geod, Transformer

from liangwei.liangwei_plugin.sample_county import generate_sample_county

gdal.UseExceptions()
ogr.UseExceptions()

SEED = 2026
COUNTY_LAYERS = {
    "乡镇界线": ["XZQDM", "XZQMC"],
    "三调地类图斑": ["BSM", "TBBH", "DLBM", "DLMC", "QSXZ", "ZLDWDM", "ZLDWMC", "TBMJ"],
    "规划分区": ["GHFQDM", "GHFQMC"],
    "生态保护红线": [],
    "永久基本农田": [],
    "城镇开发边界": [],
    "自然保护地": ["MC", "JB"],
    "饮用水水源保护区": ["MC", "JB"],
    "河道管理范围": ["MC"],
    "林地": ["MC"],
}
PATCH_FIELDS = ["JCBH", "XZQDM", "XZQMC", "TBLX", "QSX", "HSX", "JCMJ", "ND", "QS", "DSR", "PZWH", "JSZT"]

# GB/T 21010-2017 second-level classes and the 三调 working codes (TD/T 1055-2019 表 A.2) with names.
LANDUSE = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地", "0201": "果园", "0202": "茶园", "0203": "橡胶园",
    "0204": "其他园地", "0301": "乔木林地", "0302": "竹林地", "0303": "红树林地", "0304": "森林沼泽",
    "0305": "灌木林地", "0306": "灌丛沼泽", "0307": "其他林地", "0401": "天然牧草地", "0402": "沼泽草地",
    "0403": "人工牧草地", "0404": "其他草地", "05H1": "商业服务业设施用地", "0508": "物流仓储用地",
    "0601": "工业用地", "0602": "采矿用地", "0603": "盐田", "0701": "城镇住宅用地", "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "0809": "公用设施用地", "0810": "公园与绿地",
    "09": "特殊用地", "1001": "铁路用地", "1002": "轨道交通用地", "1003": "公路用地", "1004": "城镇村道路用地",
    "1005": "交通服务场站用地", "1006": "农村道路", "1007": "机场用地", "1008": "港口码头用地",
    "1009": "管道运输用地", "1101": "河流水面", "1102": "湖泊水面", "1103": "水库水面", "1104": "坑塘水面",
    "1105": "沿海滩涂", "1106": "内陆滩涂", "1107": "沟渠", "1108": "沼泽地", "1109": "水工建筑用地",
    "1110": "冰川及永久积雪", "1201": "空闲地", "1202": "设施农用地", "1203": "田坎", "1204": "盐碱地",
    "1205": "沙地", "1206": "裸土地", "1207": "裸岩石砾地",
}
CGCS2000 = Geod(a=6378137.0, rf=298.257222101)
TO_LONLAT = Transformer.from_crs(4527, 4490, always_xy=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("sample")
    started, cpu = time.monotonic(), time.process_time()
    files = generate_sample_county(out, seed=SEED)
    return {"dir": out, "files": files, "seconds": time.monotonic() - started, "cpu": time.process_time() - cpu}


def read_layer(path: Path, layer: str) -> tuple[list[dict], list, int]:
    """Attributes, shapely geometries (as stored, x = easting / longitude) and EPSG code of a layer."""
    ds = ogr.Open(str(path))
    lyr = ds.GetLayerByName(layer)
    assert lyr is not None, f"{path.name} has no layer {layer}"
    srs = lyr.GetSpatialRef()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    epsg = int(srs.GetAuthorityCode(None))
    rows, geoms = [], []
    for f in lyr:
        rows.append(f.items())
        geoms.append(shapely.from_wkb(bytes(f.GetGeometryRef().ExportToWkb())))
    return rows, geoms, epsg


def field_names(path: Path, layer: str) -> list[str]:
    ds = ogr.Open(str(path))     # keep the data source alive while its layer is used
    d = ds.GetLayerByName(layer).GetLayerDefn()
    return [d.GetFieldDefn(i).GetName() for i in range(d.GetFieldCount())]


def geod_area(geom_4527) -> float:
    lonlat = shapely.transform(geom_4527, lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    return abs(CGCS2000.geometry_area_perimeter(lonlat)[0])


@pytest.fixture(scope="module")
def landuse(sample):
    rows, geoms, epsg = read_layer(sample["dir"] / "county.gpkg", "三调地类图斑")
    return rows, np.array(geoms, dtype=object), epsg


@pytest.fixture(scope="module")
def county(sample):
    _rows, geoms, _epsg = read_layer(sample["dir"] / "county.gpkg", "乡镇界线")
    return shapely.union_all(geoms)


@pytest.fixture(scope="module")
def patches(sample):
    rows, geoms, epsg = read_layer(sample["dir"] / "patches.gpkg", "卫片图斑")
    return rows, geoms, epsg


def test_generation_is_fast(sample):
    # A guard against a gross regression, not a benchmark: CPU time (the machine is shared), and a bound
    # well above the 37–61 s CPU the realistic later epoch (noise, misregistration, clouds) takes here
    assert sample["cpu"] < 120, f"generation took {sample['cpu']:.1f} s CPU ({sample['seconds']:.1f} s wall)"


def test_layout_fields_and_crs(sample):
    d = sample["dir"]
    assert sorted(p.name for p in d.iterdir()) == ["catalogue.toml", "county.gpkg", "imagery", "patches.gpkg"]
    assert sorted(p.name for p in (d / "imagery").iterdir()) == [
        "catalogue.csv", "epoch_20240520.tif", "epoch_20250518.tif"]
    ds = ogr.Open(str(d / "county.gpkg"))
    assert sorted(ds.GetLayerByIndex(i).GetName() for i in range(ds.GetLayerCount())) == sorted(COUNTY_LAYERS)
    for layer, fields in COUNTY_LAYERS.items():
        names = field_names(d / "county.gpkg", layer)
        assert set(fields) <= set(names), (layer, names)
        _rows, geoms, epsg = read_layer(d / "county.gpkg", layer)
        assert epsg == (4490 if layer == "饮用水水源保护区" else 4527), layer
        assert geoms and all(g.area > 0 for g in geoms), layer
    for layer, epsg in (("卫片图斑", 4527), ("卫片图斑_4490", 4490)):
        assert field_names(d / "patches.gpkg", layer) == PATCH_FIELDS
        assert read_layer(d / "patches.gpkg", layer)[2] == epsg
    assert set(sample["files"]) >= {"county", "patches", "imagery_before", "imagery_after", "catalogue"}
    assert all(Path(p).exists() for p in sample["files"].values())


def test_townships_and_villages(sample, landuse):
    rows, _geoms, _ = read_layer(sample["dir"] / "county.gpkg", "乡镇界线")
    assert 3 <= len(rows) <= 5
    towns = {r["XZQDM"]: r["XZQMC"] for r in rows}
    assert all(len(c) == 12 and c.isdigit() and c.startswith("350627") and c.endswith("000") for c in towns)
    assert all(n.endswith(("镇", "乡")) for n in towns.values())
    lu_rows = landuse[0]
    villages = {(r["ZLDWDM"], r["ZLDWMC"]) for r in lu_rows}
    assert len(villages) >= 15
    for code, name in villages:
        assert len(code) == 19 and code.isdigit(), code
        town = code[:9] + "000"
        assert town in towns and name.startswith(towns[town]) and name.endswith(("村", "社区")), (code, name)


def test_landuse_partitions_county(landuse, county):
    rows, geoms, epsg = landuse
    assert epsg == 4527
    assert 2500 <= len(geoms) <= 5000
    assert all(shapely.get_type_id(g) == 3 for g in geoms)
    assert shapely.is_valid(geoms).all()
    assert len({r["BSM"] for r in rows}) == len(rows)
    assert all(r["BSM"].isdigit() for r in rows)
    assert len({(r["ZLDWDM"], r["TBBH"]) for r in rows}) == len(rows)
    total = shapely.area(geoms).sum()
    assert abs(total - county.area) / county.area < 0.001
    union = shapely.union_all(geoms, grid_size=0.001)
    assert shapely.area(shapely.symmetric_difference(union, county)) / county.area < 0.001
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[keep]], geoms[b[keep]]))
    assert overlap.sum() < 0.01, f"parcels overlap by {overlap.sum():.4f} m²"


def test_landuse_codes_valid(landuse):
    rows = landuse[0]
    for r in rows:
        assert r["DLBM"] in LANDUSE, r
        assert r["DLMC"] == LANDUSE[r["DLBM"]], r
        assert r["QSXZ"] in ("10", "20", "30"), r
    assert {"0702", "1006", "1202", "05H1", "08H1"} <= {r["DLBM"] for r in rows}


def test_landuse_proportions(landuse):
    rows = landuse[0]
    area = np.array([r["TBMJ"] for r in rows])
    code = np.array([r["DLBM"] for r in rows])
    total = area.sum()

    def share(prefixes) -> float:
        return area[np.char.startswith(code.astype(str), prefixes)].sum() / total

    forest = share("03")
    farmland = sum(share(c) for c in ("0101", "0102", "0103"))
    garden = share("02")
    built = sum(share(p) for p in ("05", "06", "07", "08", "09", "1003", "1004", "1201"))
    water = share("11")
    assert 0.40 <= forest <= 0.62, forest
    assert 0.10 <= farmland <= 0.22, farmland
    assert share("0101") > 0.5 * farmland        # paddy dominates in southern Fujian
    assert 0.05 <= garden <= 0.25, garden
    assert 0.04 <= built <= 0.15, built
    assert 0.004 <= water <= 0.05, water
    # construction land clusters: the median parcel of 0701 is much smaller than of 0301
    assert np.median(area[code == "0701"]) < np.median(area[code == "0301"]) / 5


def test_tbmj_is_ellipsoidal_area(landuse):
    rows, geoms, _ = landuse
    rng = np.random.default_rng(1)
    for i in rng.choice(len(rows), size=300, replace=False):
        assert abs(rows[i]["TBMJ"] - geod_area(geoms[i])) <= 0.006, rows[i]
    # and it is not the planar Gauss-Krüger area (differs by the scale factor of zone 39)
    big = int(np.argmax([r["TBMJ"] for r in rows]))
    assert abs(rows[big]["TBMJ"] - geoms[big].area) > 1.0


def test_planning_layers(sample, landuse, county):
    path = sample["dir"] / "county.gpkg"
    rows, geoms, _ = read_layer(path, "规划分区")
    codes = {r["GHFQDM"]: r["GHFQMC"] for r in rows}
    assert {"生态保护区", "农田保护区", "城镇集中建设区", "一般农业区"} <= set(codes.values())
    assert abs(sum(g.area for g in geoms) - county.area) / county.area < 0.001
    lu_rows, lu_geoms, _ = landuse
    pbf = shapely.union_all(read_layer(path, "永久基本农田")[1])
    farmland = np.array([r["DLBM"] in ("0101", "0102", "0103") for r in lu_rows])
    on_farmland = shapely.area(shapely.intersection(pbf, shapely.union_all(lu_geoms[farmland], grid_size=0.001)))
    assert on_farmland / pbf.area > 0.85          # 永久基本农田 lies mostly on 耕地
    red = shapely.union_all(read_layer(path, "生态保护红线")[1])
    assert 0.1 < red.area / county.area < 0.5
    assert red.intersection(pbf).area < 1.0        # the three lines do not overlap
    udb = shapely.union_all(read_layer(path, "城镇开发边界")[1])
    assert udb.intersection(pbf).area < 1.0 and udb.intersection(red).area < 1.0
    for layer in ("自然保护地", "河道管理范围", "林地"):
        g = shapely.union_all(read_layer(path, layer)[1])
        assert g.area > 0 and county.buffer(1.0).contains(g), layer
    ws_rows, ws_geoms, epsg = read_layer(path, "饮用水水源保护区")
    assert epsg == 4490 and {r["JB"] for r in ws_rows} == {"一级", "二级"}
    for g in ws_geoms:
        lon, lat = shapely.get_coordinates(g).T
        assert (116.5 < lon).all() and (lon < 117.0).all() and (24.6 < lat).all() and (lat < 25.0).all()


def test_patch_attributes(patches, county, sample):
    rows, geoms, epsg = patches
    assert epsg == 4527
    assert 140 <= len(rows) <= 170
    jcbh = [r["JCBH"] for r in rows]
    assert len(set(jcbh)) == len(jcbh)
    assert all(len(j) == 15 and j.isdigit() and j.startswith("3506272025") for j in jcbh)
    towns = {r["XZQDM"]: (r["XZQMC"], g) for r, g in zip(*read_layer(sample["dir"] / "county.gpkg", "乡镇界线")[:2])}
    for r, g in zip(rows, geoms):
        assert r["QSX"] == "2024-05-20" and r["HSX"] == "2025-05-18" and r["ND"] == 2025 and r["QS"] == "1"
        assert r["TBLX"] in ("新增建设用地", "疑似违法用地", "农村村民建房")
        name, town = towns[r["XZQDM"]]
        assert r["XZQMC"] == name
        valid = shapely.make_valid(g)
        assert town.contains(valid.representative_point()), r["JCBH"]
        assert county.contains(valid)
        if g.is_valid:
            assert abs(r["JCMJ"] - geod_area(g)) <= 0.006, r
    mu = np.array([r["JCMJ"] for r in rows]) * 15 / 10000
    assert np.mean((mu >= 0.07) & (mu <= 3.0)) > 0.65 and mu.max() <= 46
    assert sum(bool(r["DSR"]) for r in rows) >= 30
    # 建设状态: some patches are still being built on (a 责令停止违法行为通知书 at once), the rest are built
    status = [r["JSZT"] for r in rows]
    assert set(status) == {"在建", "已建成"} and 10 <= status.count("在建") <= len(rows) - 10


def test_approved_patches(patches, sample):
    """Some patches carry a 批准文号 (approved use); approved projects keep off 永久基本农田 and the red line,
    so the sample's 违法占耕比 is not trivially 100 %."""
    rows, geoms, _ = patches
    approved = [(r, g) for r, g in zip(rows, geoms) if r["PZWH"]]
    assert 15 <= len(approved) <= 45
    assert all(re.fullmatch(r"[闽云]政地〔202[45]〕\d+号", r["PZWH"]) for r, _ in approved)
    assert len({r["PZWH"] for r, _ in approved}) == len(approved)     # never reused
    big = [g for r, g in approved if r["JCMJ"] > 10 * 10000 / 15]    # approved projects over 10 亩
    assert len(big) >= 4
    path = sample["dir"] / "county.gpkg"
    pbf = shapely.union_all(read_layer(path, "永久基本农田")[1])
    red = shapely.union_all(read_layer(path, "生态保护红线")[1])
    for g in big:
        assert g.intersection(pbf).area < 1.0 and g.intersection(red).area < 1.0
    homesteads = [r for r in rows if r["TBLX"] == "农村村民建房"]
    assert 5 <= len(homesteads) <= 12 and not any(r["PZWH"] for r in homesteads)


def test_patch_categories(patches, sample, landuse):
    rows, geoms, _ = patches
    path = sample["dir"] / "county.gpkg"
    valid = [shapely.make_valid(g) for g in geoms]

    def overlapping(layer: str, min_share: float = 0.0) -> int:
        u = shapely.union_all(read_layer(path, layer)[1])
        return sum(g.intersection(u).area > max(1.0, min_share * g.area) for g in valid)

    invalid = [r["JCBH"] for r, g in zip(rows, geoms) if not g.is_valid]
    assert 3 <= len(invalid) <= 5
    ogr_invalid = 0
    ds = ogr.Open(str(sample["dir"] / "patches.gpkg"))
    for f in ds.GetLayerByName("卫片图斑"):
        ogr_invalid += not f.GetGeometryRef().IsValid()
    assert ogr_invalid == len(invalid)               # stored as digitised, not repaired
    assert overlapping("永久基本农田") >= 20
    assert overlapping("生态保护红线") >= 10
    assert overlapping("自然保护地") >= 3
    to_gk = Transformer.from_crs(4490, 4527, always_xy=True)
    ws = shapely.union_all([shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
                            for g in read_layer(path, "饮用水水源保护区")[1]])
    assert sum(g.intersection(ws).area > 1.0 for g in valid) >= 3
    assert overlapping("河道管理范围") >= 3
    udb = shapely.union_all(read_layer(path, "城镇开发边界")[1])
    assert sum(udb.buffer(0.01).contains(g) for g in valid) >= 15
    lu_rows, lu_geoms, _ = landuse
    tree = shapely.STRtree(lu_geoms)
    multi = sum(len([j for j in tree.query(g, predicate="intersects")
                     if lu_geoms[j].intersection(g).area > 1.0]) >= 3 for g in valid)
    assert multi >= 5
    farmland = {i for i, r in enumerate(lu_rows) if r["DLBM"] in ("0101", "0102", "0103")}
    on_farmland = sum(any(j in farmland and lu_geoms[j].intersection(g).area > 1.0
                          for j in tree.query(g, predicate="intersects")) for g in valid)
    assert on_farmland >= 30


def test_patches_4490(sample, patches, county):
    rows, geoms, epsg = read_layer(sample["dir"] / "patches.gpkg", "卫片图斑_4490")
    assert epsg == 4490 and 5 <= len(rows) <= 12
    to_gk = Transformer.from_crs(4490, 4527, always_xy=True)
    main = {r["JCBH"] for r in patches[0]}
    for r, g in zip(rows, geoms):
        lon, lat = shapely.get_coordinates(g).T
        assert (116.5 < lon).all() and (lon < 117.0).all() and (24.6 < lat).all() and (lat < 25.0).all()
        gk = shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(xy[:, 0], xy[:, 1])))
        assert g.is_valid and county.contains(gk)
        assert r["JCBH"] not in main
        area = abs(CGCS2000.geometry_area_perimeter(g)[0])
        assert abs(r["JCMJ"] - area) <= 0.006


def test_imagery(sample, patches):
    d = sample["dir"] / "imagery"
    with open(d / "catalogue.csv", encoding="utf-8-sig", newline="") as fh:
        cat = list(csv.DictReader(fh))
    assert [c["file"] for c in cat] == ["epoch_20240520.tif", "epoch_20250518.tif"]
    assert [c["date"] for c in cat] == ["2024-05-20", "2025-05-18"] and all(c["sensor"] for c in cat)
    arrays = []
    for c in cat:
        ds = gdal.Open(str(d / c["file"]))
        assert ds.RasterCount == 3 and ds.GetRasterBand(1).DataType == gdal.GDT_Byte
        gt = ds.GetGeoTransform()
        assert gt[1] == 2.0 and gt[5] == -2.0
        srs = osr.SpatialReference(wkt=ds.GetProjection())
        assert srs.GetAuthorityCode(None) == "4527"
        assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"
        assert ds.GetRasterBand(1).GetBlockSize() == [512, 512]
        assert ds.GetRasterBand(1).GetOverviewCount() >= 3
        assert ds.GetRasterBand(1).GetColorInterpretation() == gdal.GCI_RedBand
        arrays.append(ds.ReadAsArray().astype(np.int16))
        gt0 = gt
        shape = (ds.RasterYSize, ds.RasterXSize)
    before, after = arrays
    assert before.std() > 15                           # an image, not a flat fill
    # burn the patches with GDAL (all pixels touched) to find where the epochs may differ
    mem = gdal.GetDriverByName("MEM").Create("", shape[1], shape[0], 1, gdal.GDT_Int16)
    mem.SetGeoTransform(gt0)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    mem.SetProjection(srs.ExportToWkt())
    pds = ogr.Open(str(sample["dir"] / "patches.gpkg"))
    for layer in ("卫片图斑", "卫片图斑_4490"):     # the 4490 batch is reprojected by GDAL
        gdal.RasterizeLayer(mem, [1], pds.GetLayerByName(layer), burn_values=[1], options=["ALL_TOUCHED=TRUE"])
    near = mem.GetRasterBand(1).ReadAsArray() > 0
    from scipy import ndimage

    near = ndimage.binary_dilation(near, iterations=4)
    diff = np.abs(before - after).sum(axis=0)
    # the later epoch is another sensor: outside the patches it differs everywhere a little (radiometry,
    # noise, a sub-pixel misregistration), on some farmland parcels and under a few clouds a lot
    outside = diff[~near]
    assert (outside > 0).mean() > 0.9, "the later epoch should not be pixel-identical outside the patches"
    typical = float(np.median(outside))
    assert 3 <= typical <= 60, typical
    assert (outside > 150).mean() < 0.08, "harvests, floods and clouds cover only part of the county"
    # the misregistration: the later epoch is moved by a fraction of a pixel (phase correlation)
    from liangwei.liangwei_plugin.change_detection import phase_correlation
    from liangwei.liangwei_plugin.sample_county import LATER_EPOCH

    win = (slice(1000, 1512), slice(1000, 1512))
    dx, dy, _peak = phase_correlation(after[:, win[0], win[1]].mean(axis=0).astype(float),
                                      before[:, win[0], win[1]].mean(axis=0).astype(float))
    assert abs(dx - LATER_EPOCH["shift"][0]) < 0.3 and abs(dy + LATER_EPOCH["shift"][1]) < 0.3, (dx, dy)
    # inside: every valid patch changed clearly, more than the sensor alone changes the ground
    rows, geoms, _ = patches
    for r, g in zip(rows, geoms):
        if not g.is_valid:
            continue
        minx, miny, maxx, maxy = g.bounds
        c0, c1 = int((minx - gt0[0]) / 2), int((maxx - gt0[0]) / 2) + 1
        r0, r1 = int((gt0[3] - maxy) / 2), int((gt0[3] - miny) / 2) + 1
        cx, cy = np.meshgrid(gt0[0] + (np.arange(c0, c1) + 0.5) * 2, gt0[3] - (np.arange(r0, r1) + 0.5) * 2)
        inside = shapely.contains_xy(g, cx, cy)
        if inside.sum() < 4:
            continue
        assert diff[r0:r1, c0:c1][inside].mean() > typical + 15, r["JCBH"]


def test_catalogue(sample):
    d = sample["dir"]
    cat = tomllib.loads((d / "catalogue.toml").read_text(encoding="utf-8"))
    layers = cat["layer"]
    roles = {entry["role"] for entry in layers}
    assert roles == {"boundary", "planning", "landuse", "protected", "imagery", "patches"}
    for entry in layers:
        assert entry["name"] and entry["path"]
        file, _, option = entry["path"].partition("|")
        assert (d / file).exists(), entry
        if option:
            assert option.startswith("layername=")
            ds = ogr.Open(str(d / file))
            assert ds.GetLayerByName(option.split("=", 1)[1]) is not None, entry
        if entry["role"] == "imagery":
            assert len(entry["date"]) == 10 and entry["path"].endswith(entry["date"].replace("-", "") + ".tif")
    by_name = {e["name"]: e for e in layers}
    assert by_name["三调地类图斑"]["code_field"] == "DLBM"
    assert by_name["规划分区"]["code_field"] == "GHFQDM"
    assert {e["name"] for e in layers if e["role"] == "protected"} >= {
        "生态保护红线", "永久基本农田", "城镇开发边界", "自然保护地", "饮用水水源保护区", "河道管理范围", "林地"}


def _layer_contents(path: Path) -> dict:
    ds = ogr.Open(str(path))
    out = {}
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayerByIndex(i)
        out[lyr.GetName()] = [(tuple(f.items().items()), bytes(f.GetGeometryRef().ExportToWkb())) for f in lyr]
    return out


def test_deterministic(sample, tmp_path):
    again = tmp_path / "again"
    generate_sample_county(again, seed=SEED, with_imagery=False)
    for name in ("county.gpkg", "patches.gpkg"):
        assert _layer_contents(sample["dir"] / name) == _layer_contents(again / name), name
    assert (again / "catalogue.toml").read_text(encoding="utf-8") == (sample["dir"] / "catalogue.toml").read_text(
        encoding="utf-8")


def test_interrupted_run_keeps_previous_sample(tmp_path, monkeypatch):
    """A run that fails half-way leaves neither a temp folder nor a half-new sample."""
    from liangwei.liangwei_plugin import sample_county

    out = tmp_path / "s"
    out.mkdir()
    (out / "catalogue.toml").write_text("# previous sample\n", encoding="utf-8")
    (out / "county.gpkg").write_bytes(b"previous")

    def write_then_fail(folder, *_args, **_kwargs):
        (Path(folder) / "county.gpkg").write_bytes(b"half-written")
        (Path(folder) / "imagery" / "epoch_20240520.tif").write_bytes(b"half-written")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(sample_county, "_generate_into", write_then_fail)
    with pytest.raises(RuntimeError):
        generate_sample_county(out, seed=SEED, with_imagery=False)
    assert sorted(p.name for p in out.iterdir()) == ["catalogue.toml", "county.gpkg"]
    assert (out / "county.gpkg").read_bytes() == b"previous"
