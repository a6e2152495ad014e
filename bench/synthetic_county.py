"""Synthetic county for the overlay benchmark: a land-use layer that tiles the county (jittered
lattice cells sharing their edges exactly, like 三调 parcels), a few protected layers and monitoring patches
(irregular star polygons of 0.1-2 ha that straddle several parcels).

Written as GeoPackages through osgeo.ogr (liangwei_plugin.vector_io.write_vector), EPSG:4527 (CGCS2000 GK zone 39).
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from liangwei.liangwei_plugin.vector_io import write_vector

X0, Y0 = 39_460_000.0, 2_760_000.0  # south-west corner, zone 39 (around 116.6°E, 24.9°N)
LANDUSE_CODES = np.array(["0101", "0102", "0103", "0201", "0301", "0307", "0404", "0702", "0701", "05H1",
                          "0601", "1003", "1006", "1104", "1107", "1202", "1203", "08H2", "0810A", "1001A"])
LANDUSE_P = np.array([14, 6, 10, 5, 14, 4, 3, 9, 4, 2, 3, 2, 4, 4, 3, 2, 3, 2, 1, 1], dtype=float)


def parcels(n_side: int, cell: float, sub: int, seed: int) -> gpd.GeoDataFrame:
    """n_side² quadrilateral-ish parcels of ``cell`` metres with ``sub`` vertices per side, edges shared."""
    rng = np.random.default_rng(seed)
    m = n_side * sub + 1
    step = cell / sub
    gx, gy = np.meshgrid(np.arange(m) * step, np.arange(m) * step, indexing="ij")
    jitter = step * 0.3 if sub > 1 else cell * 0.2
    gx = gx + rng.uniform(-jitter, jitter, gx.shape)
    gy = gy + rng.uniform(-jitter, jitter, gy.shape)
    # walk the perimeter of cell (i, j): bottom, right, top (reversed), left (reversed)
    k = np.arange(sub)
    ring_i = np.concatenate([k, np.full(sub, sub), sub - k, np.zeros(sub, dtype=int)])
    ring_j = np.concatenate([np.zeros(sub, dtype=int), k, np.full(sub, sub), sub - k])
    ci, cj = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    ci, cj = ci.ravel(), cj.ravel()
    ii = ci[:, None] * sub + ring_i[None, :]
    jj = cj[:, None] * sub + ring_j[None, :]
    coords = np.stack([X0 + gx[ii, jj], Y0 + gy[ii, jj]], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    geoms = shapely.polygons(coords)
    n = len(geoms)
    codes = rng.choice(LANDUSE_CODES, size=n, p=LANDUSE_P / LANDUSE_P.sum())
    town = (ci // max(1, n_side // 4)) * 4 + cj // max(1, n_side // 4)
    return gpd.GeoDataFrame({
        "BSM": np.char.add("DL", np.arange(n).astype(str)),
        "DLBM": codes,
        "ZLDWDM": np.char.add("350521", (100 + town).astype(str)),
        "ZLDWMC": np.char.add("乡镇", town.astype(str)),
    }, geometry=geoms, crs="EPSG:4527")


def star_polygons(n: int, extent: float, rmin: float, rmax: float, seed: int, margin: float = 300.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    nv = 14
    cx = X0 + rng.uniform(margin, extent - margin, n)
    cy = Y0 + rng.uniform(margin, extent - margin, n)
    r0 = rng.uniform(rmin, rmax, n)
    ang = np.sort(rng.uniform(0, 2 * np.pi, (n, nv)), axis=1)
    rr = r0[:, None] * rng.uniform(0.6, 1.0, (n, nv))
    coords = np.stack([cx[:, None] + rr * np.cos(ang), cy[:, None] + rr * np.sin(ang)], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    return shapely.polygons(coords)


def patches(n: int, extent: float, seed: int) -> gpd.GeoDataFrame:
    geoms = star_polygons(n, extent, 20.0, 80.0, seed)
    bad = ~shapely.is_valid(geoms)  # two nearly equal random angles: use the hull (every tool gets valid input)
    geoms[bad] = shapely.convex_hull(geoms[bad])
    return gpd.GeoDataFrame({
        "JCBH": np.char.add("WP", np.arange(n).astype(str)),
        "XZQDM": "350521",
    }, geometry=geoms, crs="EPSG:4527")


def protected(n: int, extent: float, rmin: float, rmax: float, seed: int, name: str) -> gpd.GeoDataFrame:
    """Disjoint protected polygons (a real 红线/基本农田 layer does not overlap itself): overlapping stars
    are merged, so every tool measures the same thing."""
    geoms = star_polygons(n, extent, rmin, rmax, seed, margin=0.0)
    geoms = shapely.get_parts(shapely.union_all(shapely.make_valid(geoms)))
    n = len(geoms)
    return gpd.GeoDataFrame({"MC": [f"{name}{i}" for i in range(n)]}, geometry=geoms, crs="EPSG:4527")


SIZES = {
    # name: (patches, parcel lattice side, parcel cell size m)
    "small": (5_000, 400, 100.0),       # 160,000 parcels, 40 km x 40 km
    "large": (100_000, 1000, 100.0),    # 1,000,000 parcels, 100 km x 100 km
}


def generate(folder: Path, size: str, seed: int = 7) -> dict[str, Path]:
    """Write county_<size>.gpkg (三调地类图斑, 生态保护红线, 永久基本农田) and patches_<size>.gpkg (卫片图斑)."""
    n_patch, side, cell = SIZES[size]
    folder.mkdir(parents=True, exist_ok=True)
    county = folder / f"county_{size}.gpkg"
    pfile = folder / f"patches_{size}.gpkg"
    extent = side * cell
    if not county.exists():
        tmp = county.with_suffix(".tmp.gpkg")
        tmp.unlink(missing_ok=True)
        parcels(side, cell, 4, seed).pipe(write_vector, tmp, layer="三调地类图斑")
        area_scale = extent / 40_000.0
        protected(int(60 * area_scale**2), extent, 500, 2500, seed + 1, "红线").pipe(write_vector,
            tmp, layer="生态保护红线")
        protected(int(600 * area_scale**2), extent, 150, 600, seed + 2, "基本农田").pipe(write_vector,
            tmp, layer="永久基本农田")
        tmp.rename(county)
    if not pfile.exists():
        tmp = pfile.with_suffix(".tmp.gpkg")
        tmp.unlink(missing_ok=True)
        patches(n_patch, extent, seed + 3).pipe(write_vector, tmp, layer="卫片图斑")
        tmp.rename(pfile)
    return {"county": county, "patches": pfile}


if __name__ == "__main__":
    import sys

    print(generate(Path(__file__).parent / "data", sys.argv[1] if len(sys.argv) > 1 else "small"))
