"""A tiny county for the deployment test (scripts/deploy_check.sh), written with GDAL/OGR and numpy only.

Run with any Python that has osgeo and numpy — in the deployment root that is Debian's python3 with
nothing pip-installed:

    python3 tests/deploy_county.py OUTPUT_FOLDER

Writes, in EPSG:4527 (CGCS2000 / 3-degree Gauss-Kruger zone 39), a 1.2 km x 1.2 km county:
  county.gpkg   三调地类图斑 (36 parcels, DLBM/DLMC/ZLDWDM/ZLDWMC), 生态保护红线, 永久基本农田, 城镇开发边界
  patches.gpkg  卫片图斑 (6 monitoring patches: in the red line, on basic farmland, inside the urban
                boundary (尚可采取改正措施), one with an approval number (not a violation), ...; fields as the
                sample county's)
  imagery/      two RGB GeoTIFF epochs (300 x 300 px, 4 m), the later one with roofs on the patches
Prints the patch numbers (JCBH), one a line.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

EPSG = 4527
X0, Y0 = 39_500_000.0, 2_800_000.0
SIZE = 1200.0  # m
CELL = 200.0  # parcel grid
PIXEL = 4.0
COUNTY = "350627"
YEAR = 2025
EPOCHS = ("2024-05-20", "2025-05-18")

# DLBM / DLMC of the 三调 parcels, by grid column (rows vary a little)
CLASSES = [("0101", "水田"), ("0103", "旱地"), ("0301", "乔木林地"), ("0702", "农村宅基地"),
           ("0201", "果园"), ("1006", "农村道路")]

# (JCBH suffix, x, y, w, h in m from the origin, TBLX, DSR, PZWH)
PATCHES = [
    (1, 130, 1020, 45, 35, "新增建设用地", "张三", ""),            # 生态保护红线 (north-west)
    (2, 930, 120, 50, 40, "新增建设用地", "李四", ""),              # 永久基本农田 (south-east)
    (3, 610, 560, 40, 40, "新增建设用地", "", ""),                  # 城镇开发边界, on 果园: correctable
    (4, 250, 300, 30, 25, "农村村民建房", "王五", ""),              # farmland outside the zones
    (5, 700, 900, 35, 30, "新增建设用地", "赵六", "闽政地〔2024〕12号"),  # approved: not a violation
    (6, 1020, 700, 25, 40, "道路建设", "", ""),                     # between zones
]


def _srs() -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _box(x: float, y: float, w: float, h: float) -> ogr.Geometry:
    x, y = X0 + x, Y0 + y
    return ogr.CreateGeometryFromWkt(f"POLYGON(({x} {y},{x + w} {y},{x + w} {y + h},{x} {y + h},{x} {y}))")


def _layer(ds, name: str, multi: bool, fields: list[tuple[str, int, int]], rows, description: str) -> None:
    lyr = ds.CreateLayer(name, _srs(), ogr.wkbMultiPolygon if multi else ogr.wkbPolygon,
                         options=["FID=fid", "GEOMETRY_NAME=geom", f"DESCRIPTION={description}"])
    for fname, ftype, width in fields:
        fd = ogr.FieldDefn(fname, ftype)
        if ftype == ogr.OFTString:
            fd.SetWidth(width)
        lyr.CreateField(fd)
    defn = lyr.GetLayerDefn()
    lyr.StartTransaction()
    for geom, values in rows:
        f = ogr.Feature(defn)
        for (fname, _t, _w), v in zip(fields, values):
            if v not in (None, ""):
                f.SetField(fname, v)
        if multi:
            geom = ogr.ForceToMultiPolygon(geom)
        f.SetGeometry(geom)
        lyr.CreateFeature(f)
    lyr.CommitTransaction()


S, R, INT = ogr.OFTString, ogr.OFTReal, ogr.OFTInteger


def write_county(path: Path) -> None:
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    rows = []
    n = int(SIZE / CELL)
    for r in range(n):
        for c in range(n):
            code, name = CLASSES[(c + (r // 2)) % len(CLASSES)]
            village = r // 3
            rows.append((_box(c * CELL, r * CELL, CELL, CELL),
                         (str(r * n + c + 1), str(r * n + c + 1), code, name, "30",
                          f"{COUNTY}101{201 + village:03d}0000000", ("东村", "西村")[village], CELL * CELL)))
    _layer(ds, "三调地类图斑", False,
           [("BSM", S, 18), ("TBBH", S, 8), ("DLBM", S, 5), ("DLMC", S, 60), ("QSXZ", S, 2),
            ("ZLDWDM", S, 19), ("ZLDWMC", S, 60), ("TBMJ", R, 0)], rows, "三调地类图斑（部署测试，虚构）")
    _layer(ds, "生态保护红线", True, [("BSM", S, 18), ("MC", S, 60)],
           [(_box(0, 800, 400, 400), ("1", "水源涵养生态保护红线"))], "生态保护红线（部署测试，虚构）")
    _layer(ds, "永久基本农田", True, [("BSM", S, 18), ("MC", S, 60), ("DLBM", S, 5)],
           [(_box(800, 0, 400, 400), ("1", "永久基本农田", "0101"))], "永久基本农田（部署测试，虚构）")
    _layer(ds, "城镇开发边界", True, [("BSM", S, 18), ("MC", S, 60)],
           [(_box(450, 450, 250, 250), ("1", "城关镇城镇开发边界"))], "城镇开发边界（部署测试，虚构）")
    ds = None


def jcbh(seq: int) -> str:
    return f"{COUNTY}{YEAR}01{seq:03d}"


def write_patches(path: Path) -> list[str]:
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    rows = []
    for seq, x, y, w, h, tblx, dsr, pzwh in PATCHES:
        rows.append((_box(x, y, w, h), (jcbh(seq), f"{COUNTY}101", "城关镇", tblx, EPOCHS[0], EPOCHS[1],
                                        float(w * h), YEAR, "1", dsr, pzwh)))
    _layer(ds, "卫片图斑", False,
           [("JCBH", S, 30), ("XZQDM", S, 12), ("XZQMC", S, 50), ("TBLX", S, 30), ("QSX", S, 10), ("HSX", S, 10),
            ("JCMJ", R, 0), ("ND", INT, 0), ("QS", S, 4), ("DSR", S, 100), ("PZWH", S, 40)],
           rows, f"{YEAR}年度卫片执法监测图斑（部署测试，虚构）")
    ds = None
    return [jcbh(p[0]) for p in PATCHES]


def write_imagery(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    px = int(SIZE / PIXEL)
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:px, 0:px]
    fields = (((xx * PIXEL) // CELL + (yy * PIXEL) // CELL) % 3).astype(np.float32)
    base = np.stack([60 + 25 * fields, 95 + 30 * fields, 50 + 15 * fields]) + rng.normal(0, 6, (3, px, px))
    paths = []
    for i, date in enumerate(EPOCHS):
        arr = base.copy()
        if i:
            for _seq, x, y, w, h, *_ in PATCHES:
                # the pixels the patch covers, so that the roof sits under the patch outline
                c0, c1 = int(np.floor(x / PIXEL)), int(np.ceil((x + w) / PIXEL))
                r0, r1 = int(np.floor((SIZE - y - h) / PIXEL)), int(np.ceil((SIZE - y) / PIXEL))
                arr[:, r0:r1, c0:c1] = np.array([205, 200, 190])[:, None, None]
        path = folder / f"epoch_{date.replace('-', '')}.tif"
        ds = gdal.GetDriverByName("GTiff").Create(str(path), px, px, 3, gdal.GDT_Byte, ["COMPRESS=DEFLATE"])
        ds.SetGeoTransform((X0, PIXEL, 0, Y0 + SIZE, 0, -PIXEL))
        ds.SetProjection(_srs().ExportToWkt())
        for b in range(3):
            ds.GetRasterBand(b + 1).WriteArray(np.clip(arr[b], 0, 255).astype(np.uint8))
        ds = None
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: python3 deploy_county.py OUTPUT_FOLDER", file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in ("county.gpkg", "patches.gpkg"):
        (out / name).unlink(missing_ok=True)
    write_county(out / "county.gpkg")
    ids = write_patches(out / "patches.gpkg")
    write_imagery(out / "imagery")
    print("\n".join(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
