"""Synthetic inputs for the document tests and bench/documents.py (no QGIS needed to make them).

Two RGB GeoTIFF epochs (EPSG:4527, 2 m pixels, with catalogue.csv), context layers
(生态保护红线, 永久基本农田, 城镇开发边界), and determination records carrying the fields of the
"Overlay output" + "Determination output" contracts, with OVERLAY_DETAIL rows.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from liangwei.liangwei_plugin.vector_io import write_vector  # noqa: E402

X0, Y0 = 39_500_000.0, 2_800_000.0
PIXEL = 2.0
CRS = "EPSG:4527"

RULES = [
    ("uncorrectable", "无法采取改正措施消除对规划实施的影响", "限期拆除并恢复原状", "R01", "占用生态保护红线",
     "《中华人民共和国城乡规划法》第六十四条；《中华人民共和国土地管理法》第七十七条", "自然资源局",
     "自然资源局、林业局"),
    ("correctable", "尚可采取改正措施消除对规划实施的影响", "补办手续", "R05", "城镇开发边界内未批先建",
     "《中华人民共和国城乡规划法》第六十四条", "城市管理局", "城市管理局、自然资源局"),
    ("uncorrectable", "无法采取改正措施消除对规划实施的影响", "没收", "R03", "符合规划的耕地转建设",
     "《中华人民共和国土地管理法》第七十七条", "自然资源局", "自然资源局"),
    ("not_violation", "不属于违法用地违法建设", "", "R00", "已批准用地", "", "", ""),
]


def write_imagery(folder: Path, size_px: int = 2000, dates=("2024-05-20", "2025-10-12"), patches=()) -> list[Path]:
    """Two RGB epochs; the after epoch shows bright roofs where the patches are."""
    from osgeo import gdal, osr

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:size_px, 0:size_px]
    fields = ((xx // 90 + yy // 70) % 3).astype(np.float32)
    base = np.stack([60 + 25 * fields, 95 + 30 * fields, 50 + 15 * fields]) + rng.normal(0, 6, (3, size_px, size_px))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4527)
    paths = []
    for i, date in enumerate(dates):
        arr = base.copy()
        if i > 0:
            for (x, y, w, h) in patches:
                c0, r0 = int((x - X0) / PIXEL), int((Y0 + size_px * PIXEL - (y + h)) / PIXEL)
                c1, r1 = c0 + max(1, int(w / PIXEL)), r0 + max(1, int(h / PIXEL))
                arr[:, max(r0, 0):max(r1, 0), max(c0, 0):max(c1, 0)] = np.array([205, 200, 190])[:, None, None]
        path = folder / f"epoch_{date.replace('-', '')}.tif"
        ds = gdal.GetDriverByName("GTiff").Create(str(path), size_px, size_px, 3, gdal.GDT_Byte,
                                                    ["COMPRESS=DEFLATE", "TILED=YES", "PREDICTOR=2"])
        ds.SetGeoTransform((X0, PIXEL, 0, Y0 + size_px * PIXEL, 0, -PIXEL))
        ds.SetProjection(srs.ExportToWkt())
        for b in range(3):
            ds.GetRasterBand(b + 1).WriteArray(np.clip(arr[b], 0, 255).astype(np.uint8))
        ds.BuildOverviews("AVERAGE", [2, 4, 8, 16])
        ds = None
        paths.append(path)
    with open(folder / "catalogue.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "date", "sensor"])
        for p, d in zip(paths, dates):
            w.writerow([p.name, d, "GF-2"])
    return paths


def patch_boxes(n: int, size_px: int = 2000, seed: int = 3) -> list[tuple[float, float, float, float]]:
    rng = np.random.default_rng(seed)
    span = size_px * PIXEL
    out = []
    for _ in range(n):
        w, h = rng.uniform(15, 60), rng.uniform(15, 50)
        x = X0 + rng.uniform(100, span - 100 - w)
        y = Y0 + rng.uniform(100, span - 100 - h)
        out.append((float(x), float(y), float(w), float(h)))
    return out


def records(boxes, ids=None) -> tuple[list[dict], list[dict]]:
    """Determination records (attributes + 'wkt') and OVERLAY_DETAIL rows for the boxes."""
    recs, detail = [], []
    for i, (x, y, w, h) in enumerate(boxes):
        pid = ids[i] if ids else f"350521-2026-{i + 1:04d}"
        area = w * h  # planar is fine for synthetic records: documents only print what they are given
        farmland = area * 0.4
        red = area * 0.25 if i % 4 == 0 else 0.0
        code, det, cons, rid, rname, basis, dept, depts = RULES[i % len(RULES)]
        recs.append({
            "JCBH": pid, "XZQDM": "350521101", "XZQMC": "城关镇", "TBLX": "新增建设用地",
            "QSX": "2024-05-20", "HSX": "2025-10-12", "JCMJ": round(area, 2), "ND": "2026", "QS": "1",
            "DSR": "" if i % 3 == 2 else f"当事人{i + 1}",
            "patch_id": pid, "area_m2": area, "area_mu": area * 15 / 10000, "area_method": "ellipsoidal",
            "farmland_m2": farmland, "farmland_mu": farmland * 15 / 10000, "construction_m2": area * 0.1,
            "agricultural_m2": area * 0.8, "unused_m2": area * 0.1, "zldwdm": "350521101201", "zldwmc": "东村",
            "生态保护红线_m2": red, "永久基本农田_m2": farmland * 0.5,
            "protected_summary": (f"生态保护红线 {red:.2f}㎡；" if red else "")
                                 + f"永久基本农田 {farmland * 0.5:.2f}㎡",
            "repaired": 0, "repair_note": "",
            "violation": 0 if code == "not_violation" else 1, "determination_code": code, "determination": det,
            "consequence": cons, "rule_id": rid, "rule_name": rname, "legal_basis": basis,
            "department": dept, "departments": depts,
            "wkt": f"POLYGON(({x} {y},{x + w} {y},{x + w} {y + h},{x} {y + h},{x} {y}))",
        })
        for code_, name, share in (("0101", "水田", 0.25), ("0103", "旱地", 0.15), ("0301", "乔木林地", 0.4),
                                   ("0702", "农村宅基地", 0.1), ("1206", "裸土地", 0.1)):
            detail.append({"patch_id": pid, "layer": "三调地类图斑", "class_code": code_, "class_name": name,
                           "area_m2": area * share, "area_mu": area * share * 15 / 10000, "share": share})
        if red:
            detail.append({"patch_id": pid, "layer": "生态保护红线", "class_code": "", "class_name": "生态保护红线",
                           "area_m2": red, "area_mu": red * 15 / 10000, "share": 0.25})
        detail.append({"patch_id": pid, "layer": "永久基本农田", "class_code": "", "class_name": "永久基本农田",
                       "area_m2": farmland * 0.5, "area_mu": farmland * 0.5 * 15 / 10000, "share": 0.2})
    return recs, detail


def write_vectors(folder: Path, recs: list[dict], detail: list[dict], size_px: int = 2000) -> dict[str, str]:
    """determination.gpkg (layer 认定结果), detail.gpkg (layer 叠加明细, no geometry), context.gpkg."""
    import geopandas as gpd
    import pandas as pd
    from shapely import wkt
    from shapely.geometry import box

    folder.mkdir(parents=True, exist_ok=True)
    span = size_px * PIXEL
    gdf = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "wkt"} for r in recs],
                           geometry=[wkt.loads(r["wkt"]) for r in recs], crs=CRS)
    det_path = folder / "determination.gpkg"
    gdf.pipe(write_vector, det_path, layer="认定结果", driver="GPKG")

    write_vector(pd.DataFrame(detail), folder / "detail.gpkg", layer="叠加明细", driver="GPKG")
    ctx = folder / "context.gpkg"
    layers = {
        "生态保护红线": [box(X0, Y0 + span * 0.6, X0 + span * 0.45, Y0 + span)],
        "永久基本农田": [box(X0 + span * 0.5, Y0, X0 + span, Y0 + span * 0.45)],
        "城镇开发边界": [box(X0 + span * 0.3, Y0 + span * 0.3, X0 + span * 0.7, Y0 + span * 0.7)],
    }
    for name, geoms in layers.items():
        gpd.GeoDataFrame({"MC": [name] * len(geoms)}, geometry=geoms, crs=CRS).pipe(write_vector,
            ctx, layer=name, driver="GPKG")
    return {"determination": f"{det_path}|layername=认定结果", "detail": f"{folder / 'detail.gpkg'}|layername=叠加明细",
            "context": str(ctx)}
