"""示例县 (sample county) generator: a fictional but realistic hill county in southern Fujian.

``generate_sample_county(out_dir, seed)`` writes, in CGCS2000 / 3-degree Gauss-Krüger zone 39
(EPSG:4527, false easting 39 500 000), around 24.8°N 116.7°E::

    county.gpkg      乡镇界线, 三调地类图斑, 规划分区, 生态保护红线, 永久基本农田, 城镇开发边界,
                     自然保护地, 饮用水水源保护区 (EPSG:4490), 河道管理范围, 林地
    patches.gpkg     卫片图斑 (EPSG:4527, a few invalid geometries), 卫片图斑_4490 (EPSG:4490)
    imagery/         epoch_20240520.tif, epoch_20250518.tif (RGB, 2 m, tiled DEFLATE, overviews),
                     catalogue.csv (file,date,sensor)
    catalogue.toml   the one-map layer catalogue

How it is made: a terrain (hills, a river valley with a tributary) and settlements (four town
centres, villages, hamlets) are drawn from the seed; 三调 parcels are a warped Voronoi partition
whose density follows the landscape, cut by village boundaries, the river and the road network
and classified by elevation, distance to settlements and smooth "crop cluster" noise. The
三区三线 and planning zones are unions of parcels; the imagery is rendered from the parcels
(class colours, per-parcel tone, texture, hill shading, roofs and shadows); the later epoch adds
the new construction of the monitoring patches. Everything is drawn from one
``numpy.random.Generator``, so one seed gives identical layers.

Run from a script: ``python -m liangwei.liangwei_plugin.sample_county OUTDIR [--seed N]``.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.ops import nearest_points, substring

from .csv_out import write_csv
from .feedback import Feedback, check_canceled, ensure_feedback
from .log import logger

# --------------------------------------------------------------------------------------------
# Fixed facts of the fictional county
# --------------------------------------------------------------------------------------------
CRS_PROJECTED = 4527          # CGCS2000 / 3-degree Gauss-Kruger zone 39
CRS_GEOGRAPHIC = 4490         # CGCS2000 geographic
X0, X1 = 39_470_000.0, 39_482_000.0
Y0, Y1 = 2_740_000.0, 2_750_000.0
PIXEL = 2.0                   # imagery ground sampling distance, metres
GRID = 0.001                  # coordinates are snapped to the millimetre so shared edges coincide
COUNTY_CODE = "350627"
COUNTY_NAME = "云溪县"
RIVER_NAME = "云溪"
TRIBUTARY_NAME = "龙岭溪"
EPOCHS = (("epoch_20240520.tif", "2024-05-20", "GF-1 PMS"), ("epoch_20250518.tif", "2025-05-18", "GF-6 PMS"))
PATCH_YEAR = 2025
MU = 10000.0 / 15.0           # 1 亩 in m²

# (town name, township code, kind, position along the main river or None, core radius m)
TOWNS = (
    ("城关镇", "350627100000", "镇", 0.55, 950.0),
    ("溪口镇", "350627101000", "镇", 0.17, 520.0),
    ("龙岭镇", "350627102000", "镇", None, 460.0),
    ("岩前乡", "350627200000", "乡", None, 380.0),
)
# Village names per township; the first is the 社区 (neighbourhood committee) at the town centre.
VILLAGE_NAMES = {
    "城关镇": ["南门社区", "东山村", "西溪村", "后埔村", "上坂村", "下洋村", "田中村", "溪南村", "塘背村", "新桥村"],
    "溪口镇": ["溪口社区", "大坪村", "竹林村", "坑头村", "石门村", "湖洋村", "岭脚村", "洋中村"],
    "龙岭镇": ["龙岭社区", "岭头村", "黄坑村", "白石村", "高山村", "新村村", "后山村", "北坑村"],
    "岩前乡": ["岩前村", "墩头村", "石壁村", "山美村", "半岭村", "赤土村", "官田村"],
}

# 三调 codes used (working classification where 三调 has one: 05H1, 0508, 08H1, 08H2, 09).
DLMC = {
    "0101": "水田", "0102": "水浇地", "0103": "旱地",
    "0201": "果园", "0202": "茶园", "0204": "其他园地",
    "0301": "乔木林地", "0302": "竹林地", "0305": "灌木林地", "0307": "其他林地",
    "0404": "其他草地",
    "05H1": "商业服务业设施用地", "0508": "物流仓储用地",
    "0601": "工业用地", "0602": "采矿用地",
    "0701": "城镇住宅用地", "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地", "08H2": "科教文卫用地", "0809": "公用设施用地", "0810": "公园与绿地",
    "09": "特殊用地",
    "1003": "公路用地", "1004": "城镇村道路用地", "1006": "农村道路",
    "1101": "河流水面", "1103": "水库水面", "1104": "坑塘水面", "1107": "沟渠", "1109": "水工建筑用地",
    "1201": "空闲地", "1202": "设施农用地", "1206": "裸土地", "1207": "裸岩石砾地",
}
CODES = list(DLMC)
FARMLAND = ("0101", "0102", "0103")
FOREST = ("0301", "0302", "0305", "0307")
BUILT = ("05H1", "0508", "0601", "0701", "0702", "08H1", "08H2", "0809", "09")
CONSTRUCTION = BUILT + ("0602", "0810", "1003", "1004", "1103", "1109", "1201")
LINEAR = ("1101", "1103", "1003", "1004", "1006")

# 规划分区 (市县国土空间总体规划 planning use zones). *check* codes against the provincial database standard.
GHFQ = {
    "10": "生态保护区", "20": "生态控制区", "30": "农田保护区",
    "41": "城镇集中建设区", "42": "城镇弹性发展区",
    "51": "村庄建设区", "52": "一般农业区", "53": "林业发展区",
    "70": "矿产能源发展区",
}

GEOD = Geod(a=6378137.0, rf=298.257222101)   # CGCS2000 ellipsoid
_TO_LONLAT = Transformer.from_crs(CRS_PROJECTED, CRS_GEOGRAPHIC, always_xy=True)

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


class _SmoothNoise:
    """Smooth 2-D noise in [-~1, ~1]: a sum of random plane waves (deterministic from rng)."""

    def __init__(self, rng: np.random.Generator, n: int, lmin: float, lmax: float):
        ang = rng.uniform(0.0, 2 * math.pi, n)
        lam = rng.uniform(lmin, lmax, n)
        self.kx = np.cos(ang) * 2 * math.pi / lam
        self.ky = np.sin(ang) * 2 * math.pi / lam
        self.ph = rng.uniform(0.0, 2 * math.pi, n)
        self.norm = math.sqrt(n / 2.0)

    def __call__(self, x, y) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None] - X0
        y = np.asarray(y, dtype=float)[..., None] - Y0
        return np.sin(x * self.kx + y * self.ky + self.ph).sum(axis=-1) / self.norm


class _Warp:
    """A smooth displacement field (a diffeomorphism: gradient < 1) that makes Voronoi edges organic."""

    def __init__(self, rng: np.random.Generator):
        # (amplitude m, wavelength m); sum of amplitude*2π/wavelength stays < 0.7 so nothing folds
        self.comp = []
        for amp, lam in ((14.0, 700.0), (7.0, 260.0), (3.0, 110.0)):
            for _axis in range(2):
                ang = rng.uniform(0, 2 * math.pi)
                k = 2 * math.pi / lam
                self.comp.append((amp, k * math.cos(ang), k * math.sin(ang), rng.uniform(0, 2 * math.pi)))

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        x = xy[:, 0] - X0
        y = xy[:, 1] - Y0
        dx = np.zeros(len(xy))
        dy = np.zeros(len(xy))
        for i, (amp, kx, ky, ph) in enumerate(self.comp):
            d = amp * np.sin(kx * x + ky * y + ph)
            if i % 2 == 0:
                dx += d
            else:
                dy += d
        return np.column_stack([xy[:, 0] + dx, xy[:, 1] + dy])


def _chaikin(coords: np.ndarray, iterations: int = 3) -> np.ndarray:
    """Corner-cutting smoothing of an open polyline (keeps the end points)."""
    pts = np.asarray(coords, dtype=float)
    for _ in range(iterations):
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2] = q
        mid[1::2] = r
        pts = np.vstack([pts[:1], mid, pts[-1:]])
    return pts


def _wiggly_line(rng: np.random.Generator, a, b, wiggle: float, step: float = 250.0) -> LineString:
    """A road or stream from a to b with random lateral offsets, smoothed."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    length = float(np.hypot(*(b - a)))
    n = max(2, int(length // step) + 1)
    t = np.linspace(0, 1, n + 1)
    pts = a + np.outer(t, b - a)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / max(length, 1e-9)
    off = rng.normal(0, wiggle, n + 1)
    off[0] = off[-1] = 0
    pts = pts + np.outer(off, normal)
    return LineString(_chaikin(pts, 3))


def _explode(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Polygonal parts of each geometry (lines/points from overlays dropped) and their source index."""
    parts, index = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    # GeometryCollections from overlays: take their polygons
    coll = shapely.get_type_id(parts) == 7
    extra, extra_idx = [], []
    for g, i in zip(parts[coll], index[coll]):
        for p in shapely.get_parts(g):
            if shapely.get_type_id(p) == 3 and not p.is_empty:
                extra.append(p)
                extra_idx.append(i)
            elif shapely.get_type_id(p) == 6:
                for q in shapely.get_parts(p):
                    extra.append(q)
                    extra_idx.append(i)
    multi = shapely.get_type_id(parts) == 6
    out = list(parts[keep]) + extra
    idx = list(index[keep]) + extra_idx
    if multi.any():
        sub, sub_idx = shapely.get_parts(parts[multi], return_index=True)
        out += list(sub)
        idx += list(index[multi][sub_idx])
    return np.array(out, dtype=object), np.array(idx, dtype=int)


def _offset_point(line: LineString, t: float, offset: float) -> tuple[float, float]:
    """The point at normalised position t along line, moved offset metres to its left."""
    t0, t1 = max(t - 0.002, 0.0), min(t + 0.002, 1.0)
    a = line.interpolate(t0, normalized=True)
    b = line.interpolate(t1, normalized=True)
    p = line.interpolate(t, normalized=True)
    dx, dy = b.x - a.x, b.y - a.y
    n = math.hypot(dx, dy)
    return p.x - dy / n * offset, p.y + dx / n * offset


def ellipsoidal_area(geom) -> float:
    """Area in m² on the CGCS2000 ellipsoid of a polygon given in EPSG:4527 (holes subtracted)."""
    total = 0.0
    for poly in shapely.get_parts(geom):
        if shapely.get_type_id(poly) != 3:
            continue
        lon, lat = _TO_LONLAT.transform(*np.asarray(poly.exterior.coords).T)
        total += abs(GEOD.polygon_area_perimeter(lon, lat)[0])
        for ring in poly.interiors:
            lon, lat = _TO_LONLAT.transform(*np.asarray(ring.coords).T)
            total -= abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    return total


def _to_lonlat(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


# --------------------------------------------------------------------------------------------
# The landscape
# --------------------------------------------------------------------------------------------


@dataclass
class _Town:
    name: str
    code: str
    kind: str
    x: float
    y: float
    radius: float
    angle: float = 0.0      # towns stretch along their valley or main street
    stretch: float = 1.0

    def core(self, scale: float = 1.0) -> Polygon:
        """The built-up core as an ellipse of the town's stretch (area of a circle of radius*scale)."""
        from shapely import affinity

        ellipse = affinity.scale(Point(0, 0).buffer(self.radius * scale, quad_segs=32), self.stretch, 1 / self.stretch)
        return affinity.translate(affinity.rotate(ellipse, self.angle, use_radians=True), self.x, self.y)


@dataclass
class _Landscape:
    county: Polygon
    river: LineString
    tributary: LineString
    towns: list[_Town]
    park: tuple[float, float]            # industrial park centre
    quarry: tuple[float, float]
    cemetery: tuple[float, float]
    reservoir: Polygon
    settlements: np.ndarray              # (n, 3): x, y, radius of village settlements and hamlets
    village_seeds: np.ndarray            # (n, 2)
    peaks: tuple
    noise: dict = field(default_factory=dict)

    def town_distance(self, x, y) -> np.ndarray:
        """Distance to the nearest town centre in units of its core radius (1 = core edge), ragged."""
        d = np.full(np.shape(x), 99.0)
        for t in self.towns:
            dx, dy = np.asarray(x) - t.x, np.asarray(y) - t.y
            u = dx * math.cos(t.angle) + dy * math.sin(t.angle)
            v = -dx * math.sin(t.angle) + dy * math.cos(t.angle)
            d = np.minimum(d, np.hypot(u / t.stretch, v * t.stretch) / t.radius)
        return d + 0.22 * self.noise["edge"](x, y)

    def elevation(self, x, y) -> np.ndarray:
        """Elevation in metres: hills, flattened along the river valleys and around the towns."""
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        px, py, h, s = self.peaks
        raw = 90.0 + 60.0 * self.noise["relief"](x, y)
        for i in range(len(px)):
            raw = raw + h[i] * np.exp(-((x - px[i]) ** 2 + (y - py[i]) ** 2) / (2 * s[i] ** 2))
        pts = shapely.points(x, y)
        d = np.minimum(shapely.distance(pts, self.river) - 120.0, shapely.distance(pts, self.tributary) - 40.0)
        for t in self.towns:
            d = np.minimum(d, np.hypot(x - t.x, y - t.y) - 0.6 * t.radius)
        v = np.clip(d / 1400.0, 0.0, 1.0)
        v = v * v * (3 - 2 * v)
        return 18.0 + np.maximum(raw, 30.0) * v + 6.0 * self.noise["micro"](x, y)


def _make_landscape(rng: np.random.Generator) -> _Landscape:
    # County boundary: a lobed blob with a ragged edge (county borders follow ridges and streams).
    cx, cy = 39_476_000.0, 2_745_000.0
    th = np.linspace(0, 2 * math.pi, 1441)[:-1]
    r = np.ones_like(th)
    for k in range(2, 7):
        r += rng.uniform(0.04, 0.10) / k * np.cos(k * th + rng.uniform(0, 2 * math.pi))
    for k in range(7, 80):
        r += rng.uniform(0.0, 0.012) * 7 / k * np.cos(k * th + rng.uniform(0, 2 * math.pi))
    county = Polygon(np.column_stack([cx + 5100 * r * np.cos(th), cy + 4100 * r * np.sin(th)]))
    county = shapely.set_precision(county.buffer(0).intersection(box(X0 + 60, Y0 + 60, X1 - 60, Y1 - 60)), GRID)

    # Main river (云溪) from west-north-west to east-south-east, meandering.
    t = np.linspace(0, 1, 900)
    xs = X0 - 400 + t * (X1 - X0 + 800)
    ys = 2_747_600 + (2_742_600 - 2_747_600) * t
    for amp, f in ((380.0, 2.3), (170.0, 5.1), (60.0, 11.7), (20.0, 27.0)):
        ys = ys + amp * np.sin(2 * math.pi * f * t + rng.uniform(0, 2 * math.pi))
    river = LineString(np.column_stack([xs, ys]))

    def on_river(tt: float, offset: float = 0.0) -> tuple[float, float]:
        return _offset_point(river, tt, offset)

    # Tributary (龙岭溪) from the northern hills down to the river above 城关镇.
    junction = on_river(0.43)
    trib_src = (junction[0] + rng.uniform(-600, 600), Y1 + 400)
    tributary = _wiggly_line(rng, trib_src, junction, 90.0, 300.0)

    towns = []
    for name, code, kind, pos, radius in TOWNS:
        if pos is not None:
            x, y = on_river(pos, rng.uniform(180, 300))
        elif name == "龙岭镇":
            p = tributary.interpolate(0.55, normalized=True)
            x, y = p.x + 180.0, p.y
        else:  # 岩前乡: a basin in the southern hills
            x, y = cx - 1300 + rng.uniform(-300, 300), cy - 2900 + rng.uniform(-200, 200)
        if pos is not None:
            a, b = river.interpolate(pos - 0.01, normalized=True), river.interpolate(pos + 0.01, normalized=True)
            angle = math.atan2(b.y - a.y, b.x - a.x)
        else:
            angle = rng.uniform(0, math.pi)
        towns.append(_Town(name, code, kind, x, y, radius, angle, rng.uniform(1.2, 1.55)))
    # the southern township also sits on a small stream
    chengguan = towns[0]
    park = on_river(0.67, 420.0)
    quarry_xy = (cx + 2600 + rng.uniform(-300, 300), cy + 2300 + rng.uniform(-300, 300))
    cemetery = (chengguan.x - 600 + rng.uniform(-100, 100), chengguan.y + 900 + rng.uniform(-100, 100))

    # hills: Gaussian peaks, higher towards the north-east and the south
    n_peaks = 18
    px = rng.uniform(X0 - 1500, X1 + 1500, n_peaks)
    py = rng.uniform(Y0 - 1500, Y1 + 1500, n_peaks)
    h = rng.uniform(140, 480, n_peaks)
    s = rng.uniform(700, 1900, n_peaks)
    noise = {"relief": _SmoothNoise(rng, 10, 1500, 5000), "micro": _SmoothNoise(rng, 8, 150, 600),
             "edge": _SmoothNoise(rng, 10, 250, 900), "seed": int(rng.integers(2**31))}

    # reservoir (水库) on the tributary, upstream of 龙岭镇
    rp = tributary.interpolate(0.22, normalized=True)
    th2 = np.linspace(0, 2 * math.pi, 73)[:-1]
    rr = 1 + 0.18 * np.cos(3 * th2 + rng.uniform(0, 6.3)) + 0.1 * np.cos(5 * th2 + rng.uniform(0, 6.3))
    reservoir = Polygon(np.column_stack([rp.x + 230 * rr * np.cos(th2), rp.y + 130 * rr * np.sin(th2)]))

    land = _Landscape(county, river, tributary, towns, park, quarry_xy, cemetery, reservoir,
                      np.zeros((0, 3)), np.zeros((0, 2)), (px, py, h, s), noise)

    # Village centres: low, spread out (Poisson-disc by rejection), then hamlets around them.
    minx, miny, maxx, maxy = county.bounds
    cand = np.column_stack([rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
    inside = shapely.contains_xy(county.buffer(-300), cand[:, 0], cand[:, 1])
    cand = cand[inside]
    elev = land.elevation(cand[:, 0], cand[:, 1])
    accept = rng.random(len(cand)) < np.clip(1.2 - elev / 260.0, 0.05, 1.0)
    cand = cand[accept]
    seeds = [(t.x, t.y) for t in towns]
    for x, y in cand:
        if len(seeds) >= 33:
            break
        if all(math.hypot(x - sx, y - sy) > 1250 for sx, sy in seeds):
            seeds.append((x, y))
    land.village_seeds = np.array(seeds)
    settlements = []
    for i, (x, y) in enumerate(seeds):
        if i < len(towns):
            continue
        settlements.append((x, y, rng.uniform(130, 230)))
        for _ in range(int(rng.integers(1, 4))):
            a = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(350, 700)
            hx, hy = x + d * math.cos(a), y + d * math.sin(a)
            if land.elevation(np.array([hx]), np.array([hy]))[0] < 160:
                settlements.append((hx, hy, rng.uniform(60, 110)))
    land.settlements = np.array(settlements)
    return land


# --------------------------------------------------------------------------------------------
# Villages, townships, roads
# --------------------------------------------------------------------------------------------


@dataclass
class _Admin:
    villages: np.ndarray        # polygons (county part only)
    village_town: np.ndarray    # township index per village
    village_code: list[str]     # 12-digit village code
    village_name: list[str]     # e.g. 城关镇东山村
    townships: list             # polygons per town


def _make_admin(rng: np.random.Generator, land: _Landscape, warp: _Warp) -> _Admin:
    seeds = land.village_seeds
    frame = box(X0 - 3000, Y0 - 3000, X1 + 3000, Y1 + 3000)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame))
    # match cells to seeds (voronoi output order is not the input order)
    order = np.full(len(seeds), -1)
    tree = shapely.STRtree(cells)
    for i, (x, y) in enumerate(seeds):
        hit = tree.query(Point(x, y), predicate="within")
        order[i] = hit[0]
    cells = cells[order]
    cells = shapely.transform(shapely.segmentize(cells, 10.0), warp)
    cells = shapely.set_precision(cells, GRID)
    villages = shapely.intersection(cells, land.county, grid_size=GRID)
    # township of a village: the nearest town centre, weighted by town size
    town_xy = np.array([(t.x, t.y) for t in land.towns])
    weights = np.array([1.0, 0.8, 0.8, 0.75])
    d = np.hypot(seeds[:, None, 0] - town_xy[None, :, 0], seeds[:, None, 1] - town_xy[None, :, 1])
    village_town = np.argmin(d * weights[None, :], axis=1)
    village_town[: len(land.towns)] = np.arange(len(land.towns))
    # keep each village's largest part as the village (small warped-off bits go to a neighbour)
    codes, names = [], []
    counters = {i: 0 for i in range(len(land.towns))}
    order_in_town = np.argsort(d[np.arange(len(seeds)), village_town], kind="stable")
    name_of = {}
    for i in order_in_town:
        ti = int(village_town[i])
        k = counters[ti]
        counters[ti] += 1
        town = land.towns[ti]
        pool = VILLAGE_NAMES[town.name]
        vname = pool[k] if k < len(pool) else f"第{k + 1}村"
        if vname.endswith("社区"):
            vcode = town.code[:9] + f"{k + 1:03d}"
        else:
            vcode = town.code[:9] + f"{200 + k:03d}"
        name_of[i] = (vcode, town.name + vname)
    for i in range(len(seeds)):
        codes.append(name_of[i][0])
        names.append(name_of[i][1])
    townships = [shapely.union_all(villages[village_town == ti], grid_size=GRID) for ti in range(len(land.towns))]
    return _Admin(villages, village_town, codes, names, townships)


@dataclass
class _Network:
    lines: dict                 # code -> shapely geometry of the linear features' polygons (mutually exclusive)
    main_roads: object          # line geometry of 公路 (for distances)
    rural_roads: object


def _make_network(rng: np.random.Generator, land: _Landscape) -> _Network:
    towns = land.towns
    cg, xk, ll, yq = towns

    def river_pt(tt, off):
        return _offset_point(land.river, tt, off)

    # 国道/省道 along the north bank through 溪口镇 and 城关镇 (公路用地)
    ctrl = [river_pt(0.0, 330), (xk.x, xk.y), river_pt(0.30, 260), river_pt(0.42, 300), (cg.x, cg.y),
            river_pt(0.68, 260), river_pt(0.84, 330), river_pt(1.0, 300)]
    main = LineString(_chaikin(np.array(ctrl), 4))
    # 县道: 城关镇 -> 龙岭镇 -> north edge, and 城关镇 -> 岩前乡 -> south edge
    t_pts = [land.tributary.interpolate(f, normalized=True) for f in (0.85, 0.55, 0.25, 0.0)]
    north = LineString(_chaikin(np.array([(cg.x, cg.y)] + [(p.x + 150, p.y) for p in t_pts[:-1]]
                                         + [(t_pts[-1].x + 150, Y1 + 300)]), 4))
    south = _wiggly_line(rng, (cg.x, cg.y), (yq.x, yq.y), 160.0, 400.0)
    south2 = _wiggly_line(rng, (yq.x, yq.y), (yq.x - 900, Y0 - 300), 140.0, 400.0)
    county_roads = shapely.union_all([north, south, south2])
    highway = shapely.union_all([main, county_roads])

    # town streets (城镇村道路用地): a skewed grid in each town core
    streets = []
    for t in towns:
        ang = rng.uniform(0, math.pi / 2)
        u = np.array([math.cos(ang), math.sin(ang)])
        v = np.array([-u[1], u[0]])
        spacing = rng.uniform(150, 200)
        n = int(t.radius * t.stretch // spacing)
        core = t.core(0.85)
        for k in range(-n, n + 1):
            for a, b in ((u, v), (v, u)):
                c = np.array([t.x, t.y]) + a * k * spacing
                seg = LineString([c - b * 2 * t.radius, c + b * 2 * t.radius]).intersection(core)
                if not seg.is_empty:
                    streets.append(seg)
    streets = shapely.union_all(streets)

    # rural roads (农村道路): every village and hamlet linked to the nearest earlier road
    rural = []
    network = shapely.union_all([highway, streets])
    for x, y, _r in land.settlements:
        p = Point(x, y)
        q = nearest_points(network, p)[0]
        if p.distance(q) < 30:
            continue
        line = _wiggly_line(rng, (q.x, q.y), (x, y), 40.0, 160.0)
        rural.append(line)
        network = shapely.union_all([network, line])
        # and a farm track on through the fields beyond the village
        a = rng.uniform(0, 2 * math.pi)
        end = (x + 600 * math.cos(a), y + 600 * math.sin(a))
        rural.append(_wiggly_line(rng, (x, y), end, 50.0, 160.0))
    rural = shapely.union_all(rural)

    water = shapely.union_all([land.river.buffer(17.0, quad_segs=4), land.tributary.buffer(6.0, quad_segs=4)])
    reservoir = land.reservoir
    water = shapely.difference(water, reservoir)
    lines = {}
    taken = None
    for code, geom in (
        ("1103", reservoir),
        ("1101", water),
        ("1003", shapely.union_all([main.buffer(8.0, cap_style="flat"), county_roads.buffer(5.5, cap_style="flat")])),
        ("1004", streets.buffer(5.0, cap_style="flat")),
        ("1006", rural.buffer(2.5, cap_style="flat", quad_segs=2)),
    ):
        geom = shapely.set_precision(geom, GRID)
        if taken is not None:
            geom = shapely.difference(geom, taken, grid_size=GRID)
        lines[code] = geom
        taken = geom if taken is None else shapely.union(taken, geom, grid_size=GRID)
    return _Network(lines, highway, rural)


# --------------------------------------------------------------------------------------------
# 三调 parcels
# --------------------------------------------------------------------------------------------


@dataclass
class _Parcels:
    geoms: np.ndarray
    code: np.ndarray        # DLBM
    village: np.ndarray     # village index, -1 outside the county
    zone: np.ndarray        # GHFQDM
    pbf: np.ndarray         # bool: 永久基本农田
    elev: np.ndarray


def _parcel_density(land: _Landscape, x, y, elev) -> np.ndarray:
    """Parcels per km²: small blocks in towns and villages, field-sized in the valleys, big in the hills."""
    rho = np.where(elev < 70, 38.0, np.where(elev < 150, 15.0, 5.0))
    rho = np.where(land.town_distance(x, y) < 1.15, 125.0, rho)
    for sx, sy, sr in land.settlements:
        d = np.hypot(x - sx, y - sy) / sr
        rho = np.maximum(rho, np.where(d < 1.2, 95.0, 0.0))
    return rho


def _classify(rng: np.random.Generator, land: _Landscape, x, y, elev) -> np.ndarray:
    n = len(x)
    code = np.empty(n, dtype=object)
    tea = land.noise["tea"](x, y)
    orchard = land.noise["orchard"](x, y)
    bamboo = land.noise["bamboo"](x, y)
    dry = land.noise["dry"](x, y)
    edge = land.noise["edge"](x, y)
    dtown = land.town_distance(x, y)
    dset = np.full(n, 99.0)
    for sx, sy, sr in land.settlements:
        dset = np.minimum(dset, np.hypot(x - sx, y - sy) / sr)
    dset = dset + 0.15 * edge
    dpark = np.hypot(x - land.park[0], y - land.park[1])
    dquarry = np.hypot(x - land.quarry[0], y - land.quarry[1])
    dcem = np.hypot(x - land.cemetery[0], y - land.cemetery[1])
    done = np.zeros(n, dtype=bool)
    draw = rng.random(n)     # one draw per piece, whichever rule ends up classifying it

    def assign(mask, table):
        m = mask & ~done
        if m.any():
            codes = np.array([c for c, _ in table])
            cum = np.cumsum([p for _, p in table])
            code[m] = codes[np.minimum(np.searchsorted(cum / cum[-1], draw[m], side="right"), len(codes) - 1)]
            done[m] = True

    assign(dquarry < 230, [("0602", 1.0)])
    assign(dcem < 130, [("09", 1.0)])
    assign(dpark < 430, [("0601", 0.74), ("0508", 0.1), ("1201", 0.1), ("0809", 0.06)])
    assign(dtown < 0.45, [("05H1", 0.30), ("0701", 0.42), ("08H1", 0.07), ("08H2", 0.09), ("0810", 0.05),
                          ("0809", 0.03), ("1201", 0.04)])
    assign(dtown < 1.0, [("0701", 0.46), ("05H1", 0.08), ("0601", 0.09), ("0508", 0.03), ("08H2", 0.05),
                         ("0809", 0.03), ("1201", 0.07), ("0702", 0.07), ("0101", 0.08), ("0810", 0.02),
                         ("0202", 0.02)])
    assign(dset < 1.0, [("0702", 0.74), ("1201", 0.04), ("08H2", 0.02), ("1202", 0.04), ("0101", 0.09),
                        ("0103", 0.04), ("0201", 0.03)])
    low = elev < 70
    assign(low & (dry > 0.8), [("0103", 0.75), ("0201", 0.15), ("0102", 0.10)])
    assign(low, [("0101", 0.79), ("0103", 0.04), ("0102", 0.02), ("1104", 0.05), ("1202", 0.03),
                 ("0201", 0.03), ("0404", 0.015), ("0307", 0.015), ("1107", 0.01)])
    mid = elev < 150
    assign(mid & (tea > 0.72), [("0202", 0.9), ("0301", 0.05), ("0404", 0.05)])
    assign(mid & (orchard > 0.40), [("0201", 0.85), ("0204", 0.05), ("0103", 0.1)])
    assign(mid & (bamboo > 0.35), [("0302", 0.8), ("0301", 0.2)])
    assign(mid, [("0301", 0.52), ("0302", 0.12), ("0307", 0.07), ("0103", 0.07), ("0404", 0.05),
                 ("0305", 0.05), ("0101", 0.07), ("0202", 0.05)])
    assign(tea > 0.95, [("0202", 1.0)])   # 高山茶
    assign(bamboo > 0.45, [("0302", 0.85), ("0301", 0.15)])
    assign(np.ones(n, dtype=bool), [("0301", 0.70), ("0305", 0.14), ("0307", 0.06), ("0404", 0.06),
                                    ("0302", 0.02), ("1206", 0.01), ("1207", 0.01)])
    return code


def _make_parcels(rng: np.random.Generator, land: _Landscape, admin: _Admin, net: _Network, warp: _Warp,
                  feedback: Feedback) -> _Parcels:
    land.noise.update({
        "tea": _SmoothNoise(rng, 8, 700, 2500), "orchard": _SmoothNoise(rng, 8, 700, 2500),
        "bamboo": _SmoothNoise(rng, 8, 800, 3000), "dry": _SmoothNoise(rng, 8, 500, 1800),
    })
    frame = box(X0, Y0, X1, Y1)
    # candidate seeds, thinned by the local density
    n_cand = 26000
    cx = rng.uniform(X0 - 200, X1 + 200, n_cand)
    cy = rng.uniform(Y0 - 200, Y1 + 200, n_cand)
    e = land.elevation(cx, cy)
    rho = _parcel_density(land, cx, cy, e)
    # keep with probability rho / (candidate density)
    cand_density = n_cand / ((X1 - X0 + 400) * (Y1 - Y0 + 400) / 1e6)
    keep = rng.random(n_cand) < rho / cand_density
    pts = np.column_stack([cx[keep], cy[keep]])
    big = box(X0 - 3000, Y0 - 3000, X1 + 3000, Y1 + 3000)
    # one Lloyd step evens out the cell sizes
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(pts), extend_to=big))
    cells = shapely.intersection(cells, box(X0 - 400, Y0 - 400, X1 + 400, Y1 + 400))
    cells = cells[~shapely.is_empty(cells)]
    cent = shapely.get_coordinates(shapely.centroid(cells))
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(cent), extend_to=big))
    cells = shapely.set_precision(shapely.transform(shapely.segmentize(cells, 10.0), warp), GRID)
    check_canceled(feedback)
    feedback.set_progress(12)

    # administrative units: villages, plus the land outside the county (rendered, not written)
    outside = shapely.difference(frame, land.county, grid_size=GRID)
    units = np.append(admin.villages, outside)
    unit_id = np.append(np.arange(len(admin.villages)), -1)
    tree = shapely.STRtree(units)
    ci, ui = tree.query(cells, predicate="intersects")
    base = shapely.intersection(cells[ci], units[ui], grid_size=GRID)
    base_unit = unit_id[ui]
    ok = ~shapely.is_empty(base)
    base, base_unit = base[ok], base_unit[ok]
    check_canceled(feedback)
    feedback.set_progress(22)

    # cut the linear features (river, roads) out one class at a time: A∩B and A−B of the same two
    # inputs are noded identically, so the pieces share their edges exactly
    rest = base.copy()
    lin_geoms, lin_unit, lin_code = [], [], []
    for code, geom in net.lines.items():
        shapely.prepare(geom)
        h = np.nonzero(shapely.intersects(geom, rest))[0]
        inter = shapely.intersection(rest[h], geom, grid_size=GRID)
        rest[h] = shapely.difference(rest[h], geom, grid_size=GRID)
        g, s = _explode(inter)
        lin_geoms.append(g)
        lin_unit.append(base_unit[h][s])
        lin_code.append(np.full(len(g), code, dtype=object))
    pieces, src = _explode(rest)
    piece_unit = base_unit[src]
    piece_code = np.full(len(pieces), None, dtype=object)
    geoms = np.concatenate([pieces] + lin_geoms)
    unit = np.concatenate([piece_unit] + lin_unit)
    code = np.concatenate([piece_code] + lin_code)
    check_canceled(feedback)
    feedback.set_progress(35)

    # classify the land pieces
    rp = shapely.get_coordinates(shapely.point_on_surface(geoms))
    elev = land.elevation(rp[:, 0], rp[:, 1])
    todo = np.array([c is None for c in code])
    code[todo] = _classify(rng, land, rp[todo, 0], rp[todo, 1], elev[todo])

    geoms, code, unit, elev = _merge_small(geoms, code, unit, elev)
    geoms, code, unit, elev = _clean_coverage(geoms, code, unit, elev)
    order = np.lexsort((rp_sort_key(geoms)[1], rp_sort_key(geoms)[0], unit))
    geoms, code, unit, elev = geoms[order], code[order], unit[order], elev[order]
    feedback.set_progress(45)
    return _Parcels(geoms, code, unit, np.full(len(geoms), "", dtype=object), np.zeros(len(geoms), bool), elev)


def rp_sort_key(geoms) -> tuple[np.ndarray, np.ndarray]:
    """North-west to south-east ordering key (rows of 200 m), the way survey parcels are numbered."""
    c = shapely.get_coordinates(shapely.point_on_surface(geoms))
    return np.round(-c[:, 1] / 200.0), c[:, 0]


def _clean_coverage(geoms, code, unit, elev):
    """Re-node the partition so neighbours share identical vertices along their common edges.

    Snap-rounded overlays leave edges that agree on the millimetre grid but not vertex for vertex,
    which floating-point overlays (and topology checkers) see as sub-millimetre slivers. All parcel
    boundaries are noded together and polygonised; each face goes back to the parcel it lies in.
    """
    lines = shapely.union_all(shapely.boundary(geoms))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(geoms)
    fi, gi = tree.query(shapely.point_on_surface(faces), predicate="within")
    owner = np.full(len(faces), -1)
    for f, k in zip(fi, gi):
        if owner[f] < 0:
            owner[f] = k
    # slivers where two parcels overlapped by a fraction of a millimetre: to the longest shared edge
    face_tree = shapely.STRtree(faces)
    fb = shapely.boundary(faces)
    for f in np.nonzero(owner < 0)[0]:
        best, best_len = -1, -1.0
        for c in face_tree.query(faces[f], predicate="intersects"):
            if c == f or owner[c] < 0:
                continue
            shared = shapely.length(shapely.intersection(fb[f], fb[c]))
            if shared > best_len:
                best, best_len = c, shared
        if best >= 0:
            owner[f] = owner[best]
    groups: dict[int, list[int]] = {}
    for f, k in enumerate(owner):
        if k >= 0:
            groups.setdefault(int(k), []).append(f)
    out = geoms.copy()
    for k, fs in groups.items():
        out[k] = faces[fs[0]] if len(fs) == 1 else _coverage_union(faces[fs])
    parts, idx = _explode(out)
    return parts, code[idx], unit[idx], elev[idx]


def _merge_small(geoms, code, unit, elev, min_area: float = 60.0):
    """Merge slivers left by the overlays into the neighbour sharing the longest edge (same unit first)."""
    area = shapely.area(geoms)
    small = np.nonzero(area < min_area)[0]
    if len(small) == 0:
        return geoms, code, unit, elev
    tree = shapely.STRtree(geoms)
    parent = np.arange(len(geoms))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bounds = shapely.boundary(geoms)
    for i in small[np.argsort(area[small], kind="stable")]:
        cand = tree.query(geoms[i], predicate="intersects")
        best, best_score = -1, 0.0
        for j in cand:
            if j == i or area[j] < area[i] or (area[j] < min_area and find(j) == find(i)):
                continue
            shared = shapely.length(shapely.intersection(bounds[i], bounds[j]))
            score = shared * (4.0 if unit[j] == unit[i] else 1.0) * (2.0 if code[j] == code[i] else 1.0)
            if score > best_score:
                best, best_score = j, score
        if best >= 0:
            parent[find(i)] = find(best)
    roots = np.array([find(i) for i in range(len(geoms))])
    merged = np.nonzero(roots != np.arange(len(geoms)))[0]
    if len(merged) == 0:
        return geoms, code, unit, elev
    groups: dict[int, list[int]] = {}
    for i in merged:
        groups.setdefault(int(roots[i]), []).append(int(i))
    geoms = geoms.copy()
    for r in sorted(groups):
        members = [r] + groups[r]
        geoms[r] = shapely.union_all(geoms[members], grid_size=GRID)
    keep = roots == np.arange(len(geoms))
    geoms, code, unit, elev = geoms[keep], code[keep], unit[keep], elev[keep]
    # any multipart leftovers become separate parcels
    parts, idx = _explode(geoms)
    return parts, code[idx], unit[idx], elev[idx]


# --------------------------------------------------------------------------------------------
# 三区三线, planning zones and protected areas
# --------------------------------------------------------------------------------------------


def _blob(rng: np.random.Generator, x: float, y: float, rx: float, ry: float, n: int = 120) -> Polygon:
    th = np.linspace(0, 2 * math.pi, n + 1)[:-1]
    r = np.ones_like(th)
    for k in range(2, 7):
        r += rng.uniform(0.02, 0.12) / k * np.cos(k * th + rng.uniform(0, 2 * math.pi))
    rot = rng.uniform(0, math.pi)
    px = rx * r * np.cos(th)
    py = ry * r * np.sin(th)
    return Polygon(np.column_stack([x + px * math.cos(rot) - py * math.sin(rot),
                                    y + px * math.sin(rot) + py * math.cos(rot)]))


@dataclass
class _Protected:
    reserves: list          # (geom, MC, JB)
    water_source: list      # (geom 4527, MC, JB)
    river_zone: list        # (geom, MC)


def _make_protected(rng: np.random.Generator, land: _Landscape) -> _Protected:
    county = land.county
    minx, miny, maxx, maxy = county.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 100.0), np.arange(miny, maxy, 100.0))
    gx, gy = gx.ravel(), gy.ravel()
    inner = shapely.contains_xy(county.buffer(-900), gx, gy)
    gx, gy = gx[inner], gy[inner]
    e = land.elevation(gx, gy)
    top = int(np.argmax(e))
    far = np.hypot(gx - gx[top], gy - gy[top]) > 3500
    second = int(np.nonzero(far)[0][np.argmax(e[far])])
    reserve = shapely.intersection(_blob(rng, gx[top], gy[top], 1400, 950), county.buffer(-30), grid_size=GRID)
    park = shapely.intersection(_blob(rng, gx[second], gy[second], 800, 600), county.buffer(-30), grid_size=GRID)
    park = shapely.difference(park, reserve, grid_size=GRID)
    reserves = [(reserve, f"{COUNTY_NAME}天湖山省级自然保护区", "省级"),
                (park, f"{COUNTY_NAME}龙岭县级森林公园", "县级")]

    # 饮用水水源保护区 of the 城关 waterworks intake, upstream of 城关镇 on the main river
    cg = land.towns[0]
    s_cg = land.river.project(Point(cg.x, cg.y))
    s_in = s_cg - 700.0
    first = substring(land.river, s_in - 1000.0, s_in + 100.0).buffer(67.0)
    second_zone = substring(land.river, s_in - 3000.0, s_in + 300.0).buffer(300.0)
    first = shapely.intersection(first, county, grid_size=GRID)
    second_zone = shapely.difference(shapely.intersection(second_zone, county, grid_size=GRID), first, grid_size=GRID)
    water_source = [(first, f"城关水厂{RIVER_NAME}饮用水水源一级保护区", "一级"),
                    (second_zone, f"城关水厂{RIVER_NAME}饮用水水源二级保护区", "二级")]

    river_zone = [
        (shapely.intersection(shapely.difference(land.river.buffer(47.0), land.reservoir.buffer(40)), county,
                              grid_size=GRID), f"{RIVER_NAME}河道管理范围"),
        (shapely.intersection(shapely.difference(land.tributary.buffer(21.0), land.reservoir.buffer(40)), county,
                              grid_size=GRID), f"{TRIBUTARY_NAME}河道管理范围"),
        (shapely.intersection(land.reservoir.buffer(40.0), county, grid_size=GRID), "龙岭水库管理范围"),
    ]
    return _Protected(reserves, water_source, river_zone)


def _assign_zones(rng: np.random.Generator, land: _Landscape, parcels: _Parcels, prot: _Protected) -> None:
    """规划分区 per parcel and the 永久基本农田 flag (the 三区三线 are unions of these parcels)."""
    rp = shapely.get_coordinates(shapely.point_on_surface(parcels.geoms))
    x, y = rp[:, 0], rp[:, 1]
    code = parcels.code
    n = len(code)
    dtown = land.town_distance(x, y)
    dpark = np.hypot(x - land.park[0], y - land.park[1])
    farmland = np.isin(code, FARMLAND)
    forestish = np.isin(code, FOREST + ("0404", "1206", "1207"))
    in_reserve = shapely.contains_xy(prot.reserves[0][0], x, y)
    udb = (dtown < 1.05) | (dpark < 470)
    flex = ~udb & (dtown < 1.3) & ~farmland & ~forestish
    red = ~udb & ~flex & (forestish | np.isin(code, ("1101", "1103"))) & ((parcels.elev > 330) | in_reserve)
    red &= ~np.isin(code, ("1101",)) | in_reserve
    r = rng.random(n)
    pbf = farmland & ~udb & ~flex & ~red & (r < 0.88)
    lowland_other = np.isin(code, ("0201", "1104", "1202", "1107")) & (parcels.elev < 70) & ~udb & ~flex
    pbf |= lowland_other & (r < 0.10)
    zone = np.full(n, "53", dtype=object)
    built = np.isin(code, BUILT + ("1201", "0810"))
    zone[np.isin(code, FARMLAND + ("0201", "0202", "0204", "1104", "1107", "1202", "1006"))
         | (parcels.elev < 70)] = "52"
    zone[forestish & (parcels.elev > 150)] = "20"
    zone[np.isin(code, ("1101", "1103"))] = "20"
    zone[built] = "51"
    zone[flex] = "42"
    zone[udb] = "41"
    zone[pbf] = "30"
    zone[red] = "10"
    zone[code == "0602"] = "70"
    parcels.zone = zone
    parcels.pbf = pbf


# --------------------------------------------------------------------------------------------
# 卫片图斑 (monitoring patches)
# --------------------------------------------------------------------------------------------


@dataclass
class _Patch:
    geom: object                 # EPSG:4527 (possibly invalid)
    category: str
    variant: str                 # how the later epoch shows it: soil | roof | hardened
    batch: int = 4527            # 4527 or 4490 layer
    jcbh: str = ""
    xzqdm: str = ""
    xzqmc: str = ""
    tblx: str = ""
    dsr: str = ""
    pzwh: str = ""               # 批准文号 of an approved (legal) use; empty = no approval found
    jcmj: float = 0.0


# category, count in 卫片图斑, count in 卫片图斑_4490
PATCH_PLAN = (
    ("pbf", 30, 2), ("farmland", 8, 0), ("redline", 14, 1), ("reserve", 6, 0), ("water_source", 8, 1),
    ("river", 8, 0), ("udb_legal", 32, 1), ("multi", 12, 1), ("forest", 19, 1), ("homestead", 8, 1),
    ("invalid", 5, 0), ("project", 10, 0),
)
SURNAMES = ("陈", "林", "黄", "张", "吴", "王", "李", "刘", "郑", "杨", "蔡", "许", "赖", "游")
COMPANIES = ("福建某某建材有限公司", "云溪县某某置业有限公司", "云溪县某某物流有限公司", "某某茶业专业合作社",
             "云溪县某某石材加工厂", "漳州某某实业有限公司", "云溪县某某混凝土有限公司", "某某村股份经济合作社")


def _patch_shape(rng: np.random.Generator, x: float, y: float, area: float) -> Polygon:
    if rng.random() < 0.6:   # rectangular plot (a yard, a building pad)
        aspect = rng.uniform(1.0, 2.5)
        w = math.sqrt(area / aspect)
        h = area / w
        corners = np.array([(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)])
    else:                    # irregular clearing
        k = int(rng.integers(5, 10))
        ang = np.sort(rng.uniform(0, 2 * math.pi, k))
        rad = 1 + rng.uniform(-0.25, 0.25, k)
        corners = np.column_stack([rad * np.cos(ang) * rng.uniform(1.0, 1.6), rad * np.sin(ang)])
        poly = Polygon(corners)
        if not poly.is_valid or poly.area <= 0:
            corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], float)
            poly = Polygon(corners)
        corners = corners * math.sqrt(area / poly.area)
    a = rng.uniform(0, math.pi)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    pts = corners @ rot.T + (x, y)
    return shapely.set_precision(Polygon(pts), 0.01)


def _invalid_shape(kind: int, x: float, y: float, s: float) -> Polygon:
    """Geometries as digitisers make them (written as-is, never repaired here)."""
    if kind == 0:    # bow-tie: the ring crosses itself
        pts = [(x - s, y - s), (x + s, y + s), (x + s, y - s), (x - s, y + s), (x - s, y - s)]
    elif kind == 1:  # spike: out and back along the same line
        pts = [(x - s, y - s), (x + s, y - s), (x + s, y), (x + 2.2 * s, y + 0.1 * s), (x + s, y),
               (x + s, y + s), (x - s, y + s), (x - s, y - s)]
    elif kind == 2:  # ring touching itself at a repeated vertex (an inverted hole)
        pts = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x, y + s), (x + 0.5 * s, y), (x - 0.5 * s, y),
               (x, y + s), (x - s, y + s), (x - s, y - s)]
    elif kind == 3:  # unclosed-then-closed sliver: the closing edge cuts through the far side
        pts = [(x - s, y - s), (x + 1.2 * s, y - s), (x + 1.2 * s, y + s), (x - s, y + s), (x - s, y - 0.8 * s),
               (x + 1.4 * s, y - 0.9 * s), (x - s, y - s)]
    else:            # hole poking out of its shell
        shell = [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s), (x - s, y - s)]
        hole = [(x + 0.2 * s, y - 0.3 * s), (x + 1.4 * s, y - 0.3 * s), (x + 1.4 * s, y + 0.3 * s),
                (x + 0.2 * s, y + 0.3 * s), (x + 0.2 * s, y - 0.3 * s)]
        return Polygon(shell, [hole])
    return Polygon(pts)


def _make_patches(rng: np.random.Generator, land: _Landscape, admin: _Admin, parcels: _Parcels,
                  prot: _Protected, net: _Network, seed: int = 0) -> list[_Patch]:
    inc = parcels.village >= 0
    geoms, code, zone = parcels.geoms, parcels.code, parcels.zone
    rp = shapely.get_coordinates(shapely.point_on_surface(geoms))
    not_linear = ~np.isin(code, LINEAR)
    reserve = prot.reserves[0][0]
    ws = shapely.union_all([g for g, _m, _j in prot.water_source])
    river_zone = prot.river_zone[0][0]
    lines = net.lines
    water_roads = shapely.union_all(list(lines.values()))
    in_res = shapely.contains_xy(reserve, rp[:, 0], rp[:, 1])
    parcel_tree = shapely.STRtree(geoms)

    def sel(mask):
        return np.nonzero(mask & inc & not_linear)[0]

    pools = {
        "pbf": sel(parcels.pbf & np.isin(code, FARMLAND)),
        "farmland": sel(np.isin(code, FARMLAND) & ~parcels.pbf),
        "redline": sel((zone == "10") & ~in_res),
        "reserve": sel((zone == "10") & in_res),
        "water_source": sel(shapely.intersects(ws, geoms)
                            & np.isin(code, FARMLAND + ("0201", "0702", "1201", "0404", "0307"))),
        "river": sel(shapely.intersects(river_zone, geoms)),
        "udb_legal": sel(np.isin(zone, ("41", "42")) & np.isin(code, ("1201", "0701", "05H1", "0601", "0508", "0101"))),
        "forest": sel(~np.isin(zone, ("10",)) & np.isin(code, FOREST + ("0201", "0202"))),
        "homestead": sel((code == "0702") & (zone == "51")),
        "invalid": sel(parcels.pbf & np.isin(code, FARMLAND)),
        "multi": sel((parcels.elev < 70) & np.isin(code, FARMLAND + ("0201", "1104", "1202", "0702"))),
        # approved projects (roads, schools, industry) convert larger blocks of ordinary farmland
        "project": sel((parcels.elev < 90) & np.isin(code, FARMLAND) & ~parcels.pbf & (zone != "10")),
    }
    clip_to = {"reserve": reserve, "water_source": ws, "river": river_zone}
    placed: list[Polygon] = []
    placed_buf = []
    patches: list[_Patch] = []

    def free(shape) -> bool:
        if not placed_buf:
            return True
        return not shapely.intersects(np.array(placed_buf, dtype=object), shape).any()

    def sample_area(category: str) -> float:
        if category == "project":
            return rng.uniform(15.0, 45.0) * MU
        if category != "invalid" and rng.random() < 0.12:
            return rng.uniform(3.0, 20.0) * MU
        return math.exp(rng.uniform(math.log(0.1), math.log(3.0))) * MU

    invalid_kind = 0
    for batch in (4527, 4490):
        for category, n_main, n_4490 in PATCH_PLAN:
            count = n_main if batch == 4527 else n_4490
            pool = pools[category]
            made = 0
            attempts = 0
            while made < count and attempts < 400 and len(pool):
                attempts += 1
                want = sample_area(category)
                if attempts > 200:
                    want = min(want, (12.0 if category == "project" else 1.5) * MU)
                i = int(pool[rng.integers(len(pool))])
                container = geoms[i]
                if category in clip_to:
                    container = shapely.difference(shapely.intersection(container, clip_to[category]), water_roads)
                    if container.is_empty:
                        continue
                if category not in ("multi", "project") and container.area < 2.5 * want:
                    continue
                minx, miny, maxx, maxy = container.bounds
                shape = None
                for _ in range(30):
                    if category == "multi":
                        v = shapely.get_coordinates(container.exterior)
                        px, py = v[rng.integers(len(v))]
                    else:
                        px, py = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                        if not shapely.contains_xy(container, px, py):
                            continue
                    if category == "invalid":
                        s = math.sqrt(want) / 2
                        cand = _invalid_shape(invalid_kind % 5, px, py, s)
                        hull = cand.convex_hull
                        ok = container.contains(hull.buffer(2.0))
                    else:
                        cand = _patch_shape(rng, px, py, want)
                        if category in ("multi", "project"):
                            hits = parcel_tree.query(cand, predicate="intersects")
                            ok = (len(hits) >= (3 if category == "multi" else 2) and land.county.contains(cand)
                                  and not cand.intersects(lines["1101"]) and not cand.intersects(lines["1003"]))
                            if ok and category == "project":   # approvable: no 永久基本农田, no red line
                                ok = not parcels.pbf[hits].any() and not (zone[hits] == "10").any()
                                farm = hits[np.isin(code[hits], FARMLAND)]
                                inside = shapely.area(shapely.intersection(geoms[farm], cand)).sum()
                                ok = ok and inside > 0.6 * cand.area
                        else:
                            ok = container.contains(cand.buffer(1.5))
                    if ok and free(cand.convex_hull.buffer(15.0)):
                        shape = cand
                        break
                if shape is None:
                    continue
                if category == "invalid":
                    invalid_kind += 1
                variant = ("roof" if rng.random() < 0.45 else "hardened" if rng.random() < 0.3 else "soil")
                patches.append(_Patch(shape, category, variant, batch))
                placed.append(shape)
                placed_buf.append(shape.convex_hull.buffer(15.0))
                made += 1
            if made < count:
                logger.warning("示例县：类别 %s 只放置了 %d/%d 个卫片图斑", category, made, count)

    # attributes
    towns = admin.townships
    for p in patches:
        g = p.geom if p.geom.is_valid else shapely.make_valid(p.geom)
        pt = g.representative_point()
        ti = next((k for k, t in enumerate(towns) if t.contains(pt)), 0)
        p.xzqdm = land.towns[ti].code
        p.xzqmc = land.towns[ti].name
        poly = shapely.union_all([q for q in shapely.get_parts(g) if shapely.get_type_id(q) in (3, 6)])
        p.jcmj = round(ellipsoidal_area(poly), 2)
        if p.category == "udb_legal":
            p.tblx = "新增建设用地"
        else:
            p.tblx = "疑似违法用地" if rng.random() < 0.75 else "新增建设用地"
        r = rng.random()
        if p.category in ("udb_legal", "river", "multi", "project") and r < 0.6:
            p.dsr = COMPANIES[int(rng.integers(len(COMPANIES)))]
        elif r < 0.55 or p.category == "homestead":
            p.dsr = SURNAMES[int(rng.integers(len(SURNAMES)))] + ("某某" if rng.random() < 0.7 else "某")
        elif r < 0.65:
            p.dsr = COMPANIES[int(rng.integers(len(COMPANIES)))]
    # 监测编号: by township, then north to south, as a monitoring batch is numbered
    key = [(p.batch, p.xzqdm, -round(p.geom.centroid.y, -2), round(p.geom.centroid.x, 1)) for p in patches]
    order = sorted(range(len(patches)), key=lambda k: key[k])
    patches = [patches[k] for k in order]
    for seq, p in enumerate(patches, start=1):
        p.jcbh = f"{COUNTY_CODE}{PATCH_YEAR}01{seq:03d}"
    _approvals_and_housing(patches, np.random.default_rng([seed, 24]))
    return patches


# Share of each category whose use was approved before the later epoch (批准文号 found when the patch
# was checked against the approval records): most construction inside the urban development boundary,
# a few farmland conversions outside it.  Without them 违法占耕比 would be 100 % everywhere.
_APPROVED_SHARE = {"project": 0.86, "udb_legal": 0.65, "farmland": 0.25, "multi": 0.15}


def _approvals_and_housing(patches: list[_Patch], rng: np.random.Generator) -> None:
    """批准文号 (PZWH) for approved patches and 农村村民建房 as TBLX of homesteads.

    Its own random stream, so the geometry and the other attributes do not depend on it."""
    number = 100
    for p in patches:
        share = _APPROVED_SHARE.get(p.category, 0.0)
        if share and rng.random() < share:
            number += int(rng.integers(1, 12))
            year = PATCH_YEAR - int(rng.integers(0, 2))
            p.pzwh = f"闽政地〔{year}〕{number}号" if rng.random() < 0.5 else f"云政地〔{year}〕{number}号"
            p.tblx = "新增建设用地"
        if p.category == "homestead":
            p.tblx = "农村村民建房"


# --------------------------------------------------------------------------------------------
# Imagery
# --------------------------------------------------------------------------------------------

# class -> (R, G, B, per-parcel tone spread, texture amplitude, hill-shading weight)
_LOOK = {
    "0101": (92, 128, 78, 16, 5, 0.3), "0102": (128, 140, 86, 14, 6, 0.3), "0103": (150, 138, 98, 18, 7, 0.4),
    "0201": (78, 112, 58, 8, 14, 0.8), "0202": (80, 120, 60, 6, 7, 0.8), "0204": (96, 120, 70, 8, 10, 0.8),
    "0301": (46, 74, 42, 3, 18, 1.0), "0302": (64, 94, 48, 3, 13, 1.0), "0305": (66, 88, 54, 4, 14, 1.0),
    "0307": (74, 96, 62, 5, 14, 1.0), "0404": (104, 116, 74, 8, 9, 0.9),
    "05H1": (128, 126, 122, 6, 5, 0.1), "0508": (136, 134, 128, 6, 5, 0.1), "0601": (138, 136, 130, 6, 5, 0.1),
    "0602": (178, 168, 152, 8, 12, 0.5), "0701": (118, 116, 110, 6, 5, 0.1), "0702": (124, 114, 100, 8, 6, 0.2),
    "08H1": (120, 124, 112, 6, 5, 0.1), "08H2": (116, 126, 104, 6, 5, 0.1), "0809": (130, 130, 124, 6, 5, 0.1),
    "0810": (66, 108, 58, 8, 14, 0.3), "09": (112, 112, 92, 8, 12, 0.5),
    "1003": (92, 92, 96, 3, 3, 0.0), "1004": (108, 108, 110, 3, 4, 0.0), "1006": (152, 142, 122, 8, 5, 0.1),
    "1101": (68, 96, 92, 4, 3, 0.0), "1103": (52, 82, 90, 3, 2, 0.0), "1104": (60, 88, 80, 10, 3, 0.0),
    "1107": (72, 96, 86, 4, 3, 0.0), "1109": (160, 160, 156, 2, 3, 0.0),
    "1201": (146, 132, 106, 12, 8, 0.1), "1202": (186, 186, 182, 10, 6, 0.1),
    "1206": (172, 118, 88, 10, 10, 0.6), "1207": (130, 126, 114, 8, 14, 0.7),
}
# roof colours (index 1..): concrete, blue steel, red tile, dark grey, light blue-grey, white greenhouse
_ROOFS = np.array([(0, 0, 0), (198, 198, 192), (72, 112, 168), (150, 84, 62), (98, 98, 104), (168, 180, 192),
                   (222, 224, 226)], dtype=np.float32)
_ROOF_MIX = {
    "0701": ((1, 0.55), (4, 0.25), (5, 0.2)), "05H1": ((1, 0.5), (4, 0.3), (5, 0.2)),
    "0601": ((2, 0.55), (1, 0.25), (5, 0.2)), "0508": ((2, 0.6), (1, 0.4)),
    "0702": ((3, 0.45), (1, 0.35), (4, 0.2)), "08H1": ((1, 0.6), (3, 0.4)), "08H2": ((1, 0.5), (3, 0.5)),
    "0809": ((1, 0.7), (4, 0.3)), "09": ((1, 1.0),), "1202": ((6, 1.0),),
}
# building footprint (w, h) and spacing (sx, sy), metres, keep probability
_BUILDINGS = {
    "0701": (15, 34, 22, 40, 0.92), "05H1": (24, 40, 30, 47, 0.9), "0601": (38, 64, 48, 76, 0.9),
    "0508": (30, 60, 40, 70, 0.85), "0702": (10, 13, 14, 16, 0.75), "08H1": (18, 40, 30, 50, 0.8),
    "08H2": (16, 50, 34, 62, 0.75), "0809": (16, 20, 30, 30, 0.6), "09": (4, 6, 9, 9, 0.6),
    "1202": (8, 40, 14, 50, 0.8),
}


def _rasterize(geoms, values, shape: tuple[int, int], dtype, all_touched: bool = False) -> np.ndarray:
    from osgeo import gdal, ogr, osr

    h, w = shape
    drv = gdal.GetDriverByName("MEM")
    ds = drv.Create("", w, h, 1, dtype)
    ds.SetGeoTransform((X0, PIXEL, 0.0, Y1, 0.0, -PIXEL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(CRS_PROJECTED)
    ds.SetProjection(srs.ExportToWkt())
    src = ogr.GetDriverByName("Memory").CreateDataSource("")
    lyr = src.CreateLayer("r", srs, geom_type=ogr.wkbUnknown)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    defn = lyr.GetLayerDefn()
    for g, v in zip(geoms, values):
        f = ogr.Feature(defn)
        f.SetField(0, int(v))
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(shapely.to_wkb(g)))
        lyr.CreateFeature(f)
    opts = ["ATTRIBUTE=v"] + (["ALL_TOUCHED=TRUE"] if all_touched else [])
    gdal.RasterizeLayer(ds, [1], lyr, options=opts)
    return ds.GetRasterBand(1).ReadAsArray()


def _buildings(rng: np.random.Generator, geoms, codes) -> tuple[list, list]:
    """Roof footprints inside construction parcels, aligned with each parcel's long axis."""
    roofs, colours = [], []
    for g, c in zip(geoms, codes):
        spec = _BUILDINGS.get(c)
        if spec is None or g.area < 150:
            continue
        w, h, sx, sy, keep = spec
        mrr = shapely.get_coordinates(g.minimum_rotated_rectangle)
        e = mrr[1] - mrr[0]
        ang = math.atan2(e[1], e[0])
        u = np.array([math.cos(ang), math.sin(ang)])
        v = np.array([-u[1], u[0]])
        c0 = np.array(g.centroid.coords[0])
        rel = shapely.get_coordinates(g) - c0
        ru, rv = rel @ u, rel @ v
        jit = rng.uniform(-0.15, 0.15, 2)
        gu = np.arange(ru.min() + sx * (0.5 + jit[0]), ru.max(), sx)
        gv = np.arange(rv.min() + sy * (0.5 + jit[1]), rv.max(), sy)
        if len(gu) == 0 or len(gv) == 0:
            continue
        cu, cv = np.meshgrid(gu, gv)
        cu, cv = cu.ravel(), cv.ravel()
        n = len(cu)
        ww = w * rng.uniform(0.75, 1.15, n)
        hh = h * rng.uniform(0.75, 1.15, n)
        corners = np.stack([np.stack([cu - ww / 2, cv - hh / 2], -1), np.stack([cu + ww / 2, cv - hh / 2], -1),
                            np.stack([cu + ww / 2, cv + hh / 2], -1), np.stack([cu - ww / 2, cv + hh / 2], -1)], 1)
        xy = c0 + corners[..., :1] * u + corners[..., 1:] * v
        rects = shapely.polygons(xy)
        # buildings reach to a few metres from the parcel edge; the ones cut by it are trimmed
        inner = g.buffer(-3.0)
        if inner.is_empty:
            continue
        clipped = shapely.intersection(rects, inner, grid_size=0.01)
        ok = (shapely.area(clipped) > 0.6 * ww * hh) & (rng.random(n) < keep)
        rects = clipped
        mix = _ROOF_MIX[c]
        idx = np.array([m for m, _ in mix])
        p = np.array([q for _, q in mix])
        col = idx[rng.choice(len(idx), size=n, p=p / p.sum())]
        roofs.extend(rects[ok])
        colours.extend(col[ok])
    return roofs, colours


def _hillshade(land: _Landscape, shape: tuple[int, int]) -> np.ndarray:
    from scipy import ndimage

    step = 40.0
    xs = np.arange(X0, X1 + step, step)
    ys = np.arange(Y1, Y0 - step, -step)
    gx, gy = np.meshgrid(xs, ys)
    z = land.elevation(gx.ravel(), gy.ravel()).reshape(gx.shape)
    # spurs and gullies too small for the land-use rules but visible on an image: fractal noise
    # (octaves of smoothly interpolated random grids), damped on the valley floors
    rough = np.zeros_like(z)
    frng = np.random.default_rng(land.noise["seed"])
    for cell, amp in ((1600.0, 60.0), (800.0, 36.0), (400.0, 18.0), (200.0, 8.0), (100.0, 4.0)):
        coarse = frng.normal(0, 1, (int(z.shape[0] * step / cell) + 4, int(z.shape[1] * step / cell) + 4))
        fine = ndimage.zoom(coarse, cell / step, order=3)
        rough += amp * fine[: z.shape[0], : z.shape[1]]
    z = z + (z - 18.0).clip(0, 300.0) / 300.0 * rough
    dzdx = np.gradient(z, step, axis=1)
    dzdy = -np.gradient(z, step, axis=0)
    az, alt = math.radians(135.0), math.radians(45.0)   # sun in the south-east in the late morning
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, -dzdy)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    shade = shade / np.sin(alt)
    # interpolate to 4-pixel cells, then repeat: smooth enough for 40 m input, and much faster
    quarter = ndimage.zoom(shade.astype(np.float32), (shape[0] / 4 / shade.shape[0], shape[1] / 4 / shade.shape[1]),
                           order=1)
    full = np.repeat(np.repeat(quarter, 4, 0), 4, 1)
    return full[: shape[0], : shape[1]]


# The later epoch is another sensor on another day: what changes besides the new construction.
LATER_EPOCH = {
    "gain": (1.07, 1.02, 0.94), "offset": (5.0, 3.0, 11.0), "gamma": 0.94,   # GF-6 vs GF-1 radiometry
    "noise": 2.5,                    # sensor noise, digital numbers (σ)
    "shift": (0.6, -0.4),            # misregistration of the later epoch, pixels (east, north)
    "harvest_share": 0.05,           # farmland parcels harvested (bare stubble) …
    "flood_share": 0.012,            # … and paddies flooded, as whole parcels
    "clouds": 4,                     # cumulus with their shadows (cast to the north-west)
}


def _later_epoch_look(seed: int, after8: np.ndarray, pid: np.ndarray, parcels: _Parcels, patches: list[_Patch],
                      shape: tuple[int, int], truth: dict | None = None) -> np.ndarray:
    """The later epoch as a different sensor saw it: harvested and flooded farmland parcels, a few clouds
    and their shadows, a sub-pixel misregistration, another radiometry and sensor noise.  None of it touches
    the monitoring patches (they stay the truth of what was built); ``truth`` (a dict) receives the seasonal
    parcels and the cloud footprints."""
    from scipy import ndimage

    rng = np.random.default_rng([seed, 20250518])
    cfg = LATER_EPOCH
    h, w = shape
    geoms, codes = parcels.geoms, parcels.code
    near_patch = shapely.STRtree([p.geom.buffer(20.0) if p.geom.is_valid else shapely.make_valid(p.geom).buffer(20.0)
                                  for p in patches])
    farm = np.nonzero(np.isin(codes, FARMLAND) & (shapely.area(geoms) > 800.0))[0]
    hit = np.zeros(len(geoms), bool)
    if len(farm):
        pi, _ = near_patch.query(geoms[farm], predicate="intersects")
        hit[farm[np.unique(pi)]] = True
    free = farm[~hit[farm]]
    roll = rng.random(len(free))
    harvest = free[roll < cfg["harvest_share"]]
    flood = free[(roll >= cfg["harvest_share"]) & (roll < cfg["harvest_share"] + cfg["flood_share"])
                 & (codes[free] == "0101")]
    out = after8.astype(np.float32)
    lut = np.zeros(len(geoms) + 1, np.uint8)
    lut[harvest + 1] = 1
    lut[flood + 1] = 2
    kind = lut[pid]
    stubble = rng.normal(0, 1, (h // 2 + 1, w // 2 + 1)).astype(np.float32)
    stubble = np.repeat(np.repeat(stubble, 2, 0), 2, 1)[:h, :w] * 6.0
    for k, (look, tex) in enumerate((((178, 152, 104), stubble), ((66, 92, 104), None)), start=1):
        m = kind == k
        if not m.any():
            continue
        for b in range(3):
            out[b][m] = look[b] + (tex[m] if tex is not None else 0.0) + 0.12 * (out[b][m] - out[b][m].mean())
    # clouds: soft blobs away from the patches; their shadows 180 m to the north-west (sun in the south-east)
    clouds = []
    yy, xx = np.mgrid[0:h:8, 0:w:8]
    alpha = np.zeros(yy.shape, np.float32)
    shade = np.zeros(yy.shape, np.float32)
    tries = 0
    while len(clouds) < cfg["clouds"] and tries < 200:
        tries += 1
        r = rng.uniform(60, 130)           # pixels
        cy, cx = rng.uniform(r, h - r), rng.uniform(r, w - r)
        x, y = X0 + cx * PIXEL, Y1 - cy * PIXEL
        foot = Point(x, y).buffer(1.6 * r * PIXEL)
        shadow = affinity.translate(foot, -130.0, 130.0)
        if near_patch.query(foot, predicate="intersects").size or near_patch.query(shadow, predicate="intersects").size:
            continue
        d = np.hypot((yy - cy) / r, (xx - cx) / (r * rng.uniform(0.8, 1.3)))
        lump = np.exp(-d ** 2 * 1.2) * (1.0 + 0.25 * np.sin(xx / 9.0 + yy / 13.0))
        alpha = np.maximum(alpha, np.clip(lump, 0, 1) * rng.uniform(0.75, 0.92))
        dd = np.hypot((yy - cy + 65) / r, (xx - cx + 65) / r)
        shade = np.maximum(shade, np.exp(-dd ** 2 * 1.5) * 0.5)
        clouds.append(foot)
    if clouds:
        alpha = ndimage.zoom(alpha, 8, order=1)[:h, :w]
        shade = ndimage.zoom(shade, 8, order=1)[:h, :w]
        for b, white in enumerate((236.0, 238.0, 242.0)):
            out[b] *= 1.0 - shade
            out[b] += alpha * (white - out[b])
    # misregistration: the content moved by a fraction of a pixel (bilinear)
    sx, sy = cfg["shift"]
    fx, fy = sx % 1.0, (-sy) % 1.0                  # rows grow southwards
    ix, iy = int(np.floor(sx)), int(np.floor(-sy))
    for b in range(3):
        band = np.roll(out[b], (iy, ix), axis=(0, 1))
        west = np.roll(band, 1, axis=1)
        band = (1 - fx) * band + fx * west
        north = np.roll(band, 1, axis=0)
        out[b] = (1 - fy) * band + fy * north
    # another sensor: gain, offset, a gamma, and its noise
    noise = np.random.default_rng([seed, 7]).standard_normal
    for b in range(3):
        x = np.clip(out[b], 0, 255) / 255.0
        out[b] = 255.0 * x ** cfg["gamma"] * cfg["gain"][b] + cfg["offset"][b]
        out[b] += noise((h, w), dtype=np.float32) * cfg["noise"]
    if truth is not None:
        truth["harvest"] = list(geoms[harvest])
        truth["flood"] = list(geoms[flood])
        truth["clouds"] = clouds
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _render_imagery(seed: int, land: _Landscape, parcels: _Parcels, patches: list[_Patch],
                    paths: list[Path], feedback: Feedback, truth: dict | None = None) -> None:
    from osgeo import gdal, osr
    from scipy import ndimage

    rng = np.random.default_rng([seed, 20240520])
    h, w = int(round((Y1 - Y0) / PIXEL)), int(round((X1 - X0) / PIXEL))
    geoms, codes = parcels.geoms, parcels.code
    n = len(geoms)
    pid = _rasterize(geoms, np.arange(1, n + 1), (h, w), gdal.GDT_Int32)
    cls_index = {c: i for i, c in enumerate(_LOOK)}
    look = np.array(list(_LOOK.values()), dtype=np.float32)
    pcls = np.array([cls_index[c] for c in codes], dtype=np.int16)
    pcls = np.concatenate([[cls_index["0301"]], pcls])
    tone = np.concatenate([[0.0], rng.normal(0, 1, n)]).astype(np.float32)
    tone3 = np.concatenate([[[0, 0, 0]], rng.normal(0, 0.15, (n, 3))]).astype(np.float32)
    cls = pcls[pid]
    feedback.set_progress(62)

    shade = _hillshade(land, (h, w))
    low = ndimage.zoom(rng.standard_normal((h // 50 + 2, w // 50 + 2), dtype=np.float32), 10, order=1)
    low = np.repeat(np.repeat(low, 5, 0), 5, 1)[:h, :w]
    fine = np.repeat(np.repeat(rng.standard_normal((h // 2 + 1, w // 2 + 1), dtype=np.float32), 2, 0), 2, 1)[:h, :w]
    speck = rng.standard_normal((h, w), dtype=np.float32)
    speck *= 0.3
    img = np.empty((3, h, w), dtype=np.float32)
    spread = look[cls, 3]
    tex = look[cls, 4] * (fine + speck)
    sw = look[cls, 5]
    shade_f = 1.0 + (np.clip(shade, 0.2, 1.8) - 1.0) * 0.7 * sw
    for b in range(3):
        img[b] = ((look[cls, b] + (tone[pid] + tone3[pid, b]) * spread + tex + 5.0 * low) * shade_f)
    del tex, spread, shade_f, fine
    # tea rows: fine stripes following each tea garden's own direction
    # and field ridges (田埂) splitting farmland parcels into plots
    tea = cls == cls_index["0202"]
    if tea.any():
        yy, xx = np.nonzero(tea)
        ang = (tone[pid[yy, xx]] * 1.7) % math.pi
        stripe = np.sin((xx * np.cos(ang) + yy * np.sin(ang)) * (2 * math.pi / 3.2)).astype(np.float32) * 9.0
        for b in range(3):
            img[b, yy, xx] += stripe
    fields = np.isin(cls, [cls_index[c] for c in FARMLAND])
    if fields.any():
        yy, xx = np.nonzero(fields)
        p = pid[yy, xx]
        ang = ((tone * 2.3) % math.pi).astype(np.float32)
        period = (12.0 + (tone3[:, 0] * 40.0) % 8.0).astype(np.float32)[p]
        ca, sa = np.cos(ang)[p], np.sin(ang)[p]
        xf, yf = xx.astype(np.float32), yy.astype(np.float32)
        along = xf * ca + yf * sa
        across = yf * ca - xf * sa
        a_i = np.floor(along / period)
        c_i = np.floor(across / (period * 2.2))
        ridge = ((along - a_i * period) < 0.6) | ((across - c_i * period * 2.2) < 0.6)
        delta = np.sin(a_i * 12.9898 + c_i * 78.233) * 7.0 + ridge * np.float32(11.0)
        for b in range(3):
            img[b, yy, xx] += delta
    feedback.set_progress(70)

    # roofs and their shadows (towards the north-west)
    inside = parcels.village >= -1
    roofs, roof_col = _buildings(rng, geoms[inside], codes[inside])
    roof = _rasterize(roofs, roof_col, (h, w), gdal.GDT_Byte) if roofs else np.zeros((h, w), np.uint8)

    def put_roofs(image, roof_idx):
        has = roof_idx > 0
        shadow = np.zeros_like(has)
        shadow[:-2, :-2] = has[2:, 2:]
        shadow &= ~has
        image[:, shadow] *= 0.55
        col = _ROOFS[roof_idx[has]]
        vary = rng.normal(0, 5, has.sum()).astype(np.float32)
        for b in range(3):
            image[b, has] = col[:, b] + vary

    put_roofs(img, roof)
    before = np.clip(img, 0, 255).astype(np.uint8)
    feedback.set_progress(76)

    # the later epoch: new construction in the patches, identical elsewhere
    after = img
    pmask = _rasterize([p.geom for p in patches], np.arange(1, len(patches) + 1), (h, w), gdal.GDT_Int16)
    soil = np.array([(182, 116, 80), (196, 150, 112)], dtype=np.float32)
    hard = np.array([(186, 184, 176)], dtype=np.float32)
    new_roofs, new_col = [], []
    for k, p in enumerate(patches, start=1):
        minx, miny, maxx, maxy = p.geom.bounds
        c0, c1 = max(int((minx - X0) / PIXEL) - 1, 0), min(int((maxx - X0) / PIXEL) + 2, w)
        r0, r1 = max(int((Y1 - maxy) / PIXEL) - 1, 0), min(int((Y1 - miny) / PIXEL) + 2, h)
        m = pmask[r0:r1, c0:c1] == k
        if not m.any():
            continue
        base = hard[0] if p.variant == "hardened" else soil[k % 2]
        cnt = int(m.sum())
        noise = rng.normal(0, 7, (cnt, 1)).astype(np.float32)
        window = after[:, r0:r1, c0:c1]
        window[:, m] = (base[None, :] + noise).T
        if p.variant == "roof":
            g = p.geom if p.geom.is_valid else shapely.make_valid(p.geom)
            core = g.buffer(-3.0)
            if not core.is_empty and core.area > 20:
                new_roofs.append(core)
                new_col.append(2 if rng.random() < 0.6 else 1)
    if new_roofs:
        put_roofs(after, _rasterize(new_roofs, new_col, (h, w), gdal.GDT_Byte))
    # the ground outside the patches is the first epoch's (before the sensor and the season differ)
    after8 = np.clip(after, 0, 255).astype(np.uint8)
    changed = pmask > 0
    if new_roofs:
        changed |= ndimage.binary_dilation(changed, iterations=3)
    after8[:, ~changed] = before[:, ~changed]
    del after, img
    feedback.set_progress(79)
    seasonal = _later_epoch_look(seed, after8, pid, parcels, patches, (h, w), truth)
    feedback.set_progress(82)

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(CRS_PROJECTED)
    old = gdal.GetConfigOption("COMPRESS_OVERVIEW")
    gdal.SetConfigOption("COMPRESS_OVERVIEW", "DEFLATE")
    try:
        for path, arr in zip(paths, (before, seasonal)):
            ds = gdal.GetDriverByName("GTiff").Create(
                str(path), w, h, 3, gdal.GDT_Byte,
                options=["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "PREDICTOR=2",
                         "ZLEVEL=6", "PHOTOMETRIC=RGB", "NUM_THREADS=2"])
            ds.SetGeoTransform((X0, PIXEL, 0.0, Y1, 0.0, -PIXEL))
            ds.SetProjection(srs.ExportToWkt())
            for b in range(3):
                band = ds.GetRasterBand(b + 1)
                band.WriteArray(arr[b])
                band.SetColorInterpretation((gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)[b])
            ds.BuildOverviews("AVERAGE", [2, 4, 8, 16])
            ds.FlushCache()
            ds = None
            check_canceled(feedback)
    finally:
        gdal.SetConfigOption("COMPRESS_OVERVIEW", old)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_S, _R, _I = "String", "Real", "Integer"


def _coverage_union(geoms):
    """The union of polygons that tile without overlaps: GEOS's coverage union (fast), unless it comes out
    invalid (on Debian 13, GEOS 3.13, one 城镇开发边界 part had a ring self-intersection), then the ordinary
    union on the generator's grid."""
    union = shapely.coverage_union_all(geoms)
    if shapely.is_valid(union):
        return union
    return shapely.union_all(geoms, grid_size=GRID)


def _write_layer(ds, name: str, epsg: int, multi: bool, fields: list[tuple[str, str, int]], rows: list,
                 description: str) -> None:
    """One GeoPackage layer through OGR (geometries written exactly as given, valid or not)."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)   # x = longitude for EPSG:4490
    gtype = ogr.wkbMultiPolygon if multi else ogr.wkbPolygon
    lyr = ds.CreateLayer(name, srs, gtype, options=["FID=fid", "GEOMETRY_NAME=geom", "SPATIAL_INDEX=YES",
                                                     f"DESCRIPTION={description}"])
    types = {_S: ogr.OFTString, _R: ogr.OFTReal, _I: ogr.OFTInteger}
    for fname, ftype, width in fields:
        fd = ogr.FieldDefn(fname, types[ftype])
        if ftype == _S:
            fd.SetWidth(width)
        elif ftype == _R:
            fd.SetWidth(18)
            fd.SetPrecision(width)
        lyr.CreateField(fd)
    defn = lyr.GetLayerDefn()
    lyr.StartTransaction()
    for geom, values in rows:
        f = ogr.Feature(defn)
        for (fname, _t, _w), v in zip(fields, values):
            if v is not None and v != "":
                f.SetField(fname, v)
        if multi and shapely.get_type_id(geom) == 3:
            geom = shapely.multipolygons([geom])
        f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(shapely.to_wkb(geom)))
        lyr.CreateFeature(f)
    lyr.CommitTransaction()


def _parts(geom, min_area: float = 1.0) -> list:
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == 3 and p.area >= min_area]
    c = [p.representative_point() for p in parts]
    order = sorted(range(len(parts)), key=lambda k: (-round(c[k].y, -2), c[k].x))
    return [parts[k] for k in order]


def _qsxz(codes: np.ndarray, zone: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """权属性质: state land (10 国有土地所有权) for town land, highways and rivers; collective (30) elsewhere."""
    q = np.full(len(codes), "30", dtype=object)
    state = np.isin(zone, ("41",)) & np.isin(codes, BUILT + ("1201", "0810", "1004"))
    state |= np.isin(codes, ("1003", "1101", "1103", "1109"))
    q[state] = "10"
    q[(q == "30") & (rng.random(len(codes)) < 0.02)] = "20"   # 国有土地使用权 on a few collective parcels
    return q


def _write_county(path: Path, rng: np.random.Generator, land: _Landscape, admin: _Admin, parcels: _Parcels,
                  prot: _Protected, feedback: Feedback) -> dict:
    from osgeo import ogr

    inc = np.nonzero(parcels.village >= 0)[0]
    geoms, codes, vil, zone = (parcels.geoms[inc], parcels.code[inc], parcels.village[inc], parcels.zone[inc])
    pbf = parcels.pbf[inc]
    qsxz = _qsxz(codes, zone, rng)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    stats = {}
    _write_layer(ds, "乡镇界线", CRS_PROJECTED, True, [("XZQDM", _S, 12), ("XZQMC", _S, 50)],
                 [(g, (t.code, t.name)) for g, t in zip(admin.townships, land.towns)],
                 "乡镇级行政区界线（示例县，虚构）")
    tbbh_seq: dict[int, int] = {}
    rows = []
    for k, (g, c, v, q) in enumerate(zip(geoms, codes, vil, qsxz)):
        tbbh_seq[v] = tbbh_seq.get(v, 0) + 1
        rows.append((g, (str(k + 1), str(tbbh_seq[v]), c, DLMC[c], q, admin.village_code[v] + "0000000",
                         admin.village_name[v], round(ellipsoidal_area(g), 2))))
    check_canceled(feedback)
    _write_layer(ds, "三调地类图斑", CRS_PROJECTED, False,
                 [("BSM", _S, 18), ("TBBH", _S, 8), ("DLBM", _S, 5), ("DLMC", _S, 60), ("QSXZ", _S, 2),
                  ("ZLDWDM", _S, 19), ("ZLDWMC", _S, 60), ("TBMJ", _R, 2)],
                 rows, "第三次全国国土调查地类图斑（示例县，虚构）")
    stats["parcels"] = len(rows)
    feedback.set_progress(50)

    # 规划分区: parcels dissolved by zone
    zrows = []
    for z in GHFQ:
        members = geoms[zone == z]
        if len(members) == 0:
            continue
        for p in _parts(_coverage_union(members)):
            zrows.append((p, [z, GHFQ[z]]))
    zrows = [(g, (str(k + 1), *vals)) for k, (g, vals) in enumerate(zrows)]
    _write_layer(ds, "规划分区", CRS_PROJECTED, True, [("BSM", _S, 18), ("GHFQDM", _S, 4), ("GHFQMC", _S, 30)],
                 zrows, "国土空间总体规划 规划分区（示例县，虚构）")
    check_canceled(feedback)

    reserve = prot.reserves[0][0]
    red = _parts(_coverage_union(geoms[zone == "10"]), 50.0)
    _write_layer(ds, "生态保护红线", CRS_PROJECTED, True, [("BSM", _S, 18), ("MC", _S, 60)],
                 [(g, (str(k + 1), f"{COUNTY_NAME}" + ("生物多样性维护生态保护红线" if g.intersects(reserve)
                                                        else "水源涵养生态保护红线")))
                  for k, g in enumerate(red)], "生态保护红线（示例县，虚构）")
    prow = []
    for k, i in enumerate(np.nonzero(pbf)[0]):
        v = vil[i]
        prow.append((geoms[i], (str(k + 1), "永久基本农田", codes[i], DLMC[codes[i]], admin.village_code[v] + "0000000",
                                admin.village_name[v])))
    _write_layer(ds, "永久基本农田", CRS_PROJECTED, True,
                 [("BSM", _S, 18), ("MC", _S, 60), ("DLBM", _S, 5), ("DLMC", _S, 60), ("ZLDWDM", _S, 19),
                  ("ZLDWMC", _S, 60)], prow, "永久基本农田保护图斑（示例县，虚构）")
    udb = _parts(_coverage_union(geoms[np.isin(zone, ("41", "42"))]), 50.0)
    urow = []
    for k, g in enumerate(udb):
        c = g.representative_point()
        t = min(land.towns, key=lambda t: math.hypot(c.x - t.x, c.y - t.y))
        urow.append((g, (str(k + 1), f"{t.name}城镇开发边界")))
    _write_layer(ds, "城镇开发边界", CRS_PROJECTED, True, [("BSM", _S, 18), ("MC", _S, 60)], urow,
                 "城镇开发边界（示例县，虚构）")
    feedback.set_progress(55)
    _write_layer(ds, "自然保护地", CRS_PROJECTED, True, [("BSM", _S, 18), ("MC", _S, 60), ("JB", _S, 10)],
                 [(g, (str(k + 1), mc, jb)) for k, (g, mc, jb) in enumerate(prot.reserves)],
                 "自然保护地（示例县，虚构）")
    _write_layer(ds, "饮用水水源保护区", CRS_GEOGRAPHIC, True, [("BSM", _S, 18), ("MC", _S, 60), ("JB", _S, 10)],
                 [(_to_lonlat(g), (str(k + 1), mc, jb)) for k, (g, mc, jb) in enumerate(prot.water_source)],
                 "饮用水水源保护区（示例县，虚构；CGCS2000 地理坐标）")
    _write_layer(ds, "河道管理范围", CRS_PROJECTED, True, [("BSM", _S, 18), ("MC", _S, 60)],
                 [(g, (str(k + 1), mc)) for k, (g, mc) in enumerate(prot.river_zone)], "河道管理范围（示例县，虚构）")

    # 林地 (林地保护利用规划): forest parcels, some grass and upland gardens; 保护等级 by red line / elevation
    elev = parcels.elev[inc]
    r = rng.random(len(codes))
    forest = (np.isin(codes, FOREST) & (r < 0.96)) | ((codes == "0404") & (r < 0.45))
    forest |= np.isin(codes, ("0201", "0202")) & (elev > 150) & (r < 0.35)
    forest |= np.isin(codes, ("1206", "1207")) & (r < 0.5)
    level = np.where(zone == "10", "Ⅱ级", np.where(elev > 180, "Ⅲ级", "Ⅳ级"))
    lrow = []
    for lv in ("Ⅱ级", "Ⅲ级", "Ⅳ级"):
        m = forest & (level == lv)
        if m.any():
            for g in _parts(_coverage_union(geoms[m]), 50.0):
                lrow.append((g, (f"{lv}保护林地", lv)))
    _write_layer(ds, "林地", CRS_PROJECTED, True, [("BSM", _S, 18), ("MC", _S, 60), ("BHDJ", _S, 10)],
                 [(g, (str(k + 1), *v)) for k, (g, v) in enumerate(lrow)], "林地保护利用规划 林地（示例县，虚构）")
    ds = None
    stats.update(zones=len(zrows), redline=len(red), pbf=len(prow), udb=len(urow), forest=len(lrow))
    return stats


_PATCH_FIELDS = [("JCBH", _S, 30), ("XZQDM", _S, 12), ("XZQMC", _S, 50), ("TBLX", _S, 30), ("QSX", _S, 10),
                 ("HSX", _S, 10), ("JCMJ", _R, 2), ("ND", _I, 0), ("QS", _S, 4), ("DSR", _S, 100),
                 ("PZWH", _S, 40), ("JSZT", _S, 10)]


def construction_status(p: _Patch) -> str:
    """建设状态 (JSZT): 在建 where the later epoch shows bare soil (a site being built on), else 已建成."""
    return "在建" if p.variant == "soil" else "已建成"


def _write_patches(path: Path, patches: list[_Patch]) -> None:
    from osgeo import ogr

    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    for batch, name, epsg in ((4527, "卫片图斑", CRS_PROJECTED), (4490, "卫片图斑_4490", CRS_GEOGRAPHIC)):
        rows = []
        for p in patches:
            if p.batch != batch:
                continue
            g = p.geom if epsg == CRS_PROJECTED else _to_lonlat(p.geom)
            rows.append((g, (p.jcbh, p.xzqdm, p.xzqmc, p.tblx, EPOCHS[0][1], EPOCHS[1][1], p.jcmj, PATCH_YEAR, "1",
                             p.dsr, p.pzwh, construction_status(p))))
        _write_layer(ds, name, epsg, False, _PATCH_FIELDS, rows,
                     f"{PATCH_YEAR}年度卫片执法监测图斑（示例县，虚构）")
    ds = None


#: how the later epoch shows a patch's construction (_Patch.variant) as a change type of liangwei:detectchanges
CHANGE_TYPE = {"roof": "新增建筑", "hardened": "硬化地面", "soil": "推填土"}


def _write_truth(path: Path, patches: list[_Patch], truth: dict) -> None:
    from osgeo import ogr

    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    def polygonal(g):
        g = g if g.is_valid else shapely.make_valid(g)
        return shapely.union_all([q for q in shapely.get_parts(g) if shapely.get_type_id(q) in (3, 6)])

    rows = [(polygonal(p.geom), (p.jcbh, CHANGE_TYPE[p.variant], p.category)) for p in patches]
    _write_layer(ds, "新增建设", CRS_PROJECTED, True, [("JCBH", _S, 30), ("change_type", _S, 10), ("category", _S, 20)],
                 rows, "后时相影像上新增建设的真值（卫片图斑及其在影像上的样子）")
    seasonal = [(g, ("收割",)) for g in truth.get("harvest", [])] + [(g, ("淹水",)) for g in truth.get("flood", [])]
    _write_layer(ds, "季节变化", CRS_PROJECTED, True, [("kind", _S, 10)], seasonal, "整块耕地的季节变化（不是建设）")
    _write_layer(ds, "云", CRS_PROJECTED, True, [("kind", _S, 10)], [(g, ("云",)) for g in truth.get("clouds", [])],
                 "后时相影像上的云（阴影在其西北 180 米）")
    ds = None


def _write_catalogue(path: Path, seed: int) -> None:
    def layer(role, name, src, code_field=None, date=None):
        lines = ["[[layer]]", f'role = "{role}"', f'name = "{name}"', f'path = "{src}"']
        if code_field:
            lines.append(f'code_field = "{code_field}"')
        if date:
            lines.append(f'date = "{date}"')
        return "\n".join(lines) + "\n"

    parts = [f"# 一张图图层目录：{COUNTY_NAME}（虚构示例县，随机种子 {seed}）。路径相对于本文件。\n"
             "# role: boundary | planning | landuse | protected | imagery | patches | register\n"]
    for fname, date, sensor in EPOCHS:
        parts.append(layer("imagery", f"影像 {date}（{sensor}）", f"imagery/{fname}", date=date))
    parts.append(layer("landuse", "三调地类图斑", "county.gpkg|layername=三调地类图斑", "DLBM"))
    parts.append(layer("planning", "规划分区", "county.gpkg|layername=规划分区", "GHFQDM"))
    for name in ("生态保护红线", "永久基本农田", "城镇开发边界", "自然保护地", "饮用水水源保护区", "河道管理范围",
                 "林地"):
        parts.append(layer("protected", name, f"county.gpkg|layername={name}"))
    parts.append(layer("boundary", "乡镇界线", "county.gpkg|layername=乡镇界线", "XZQDM"))
    parts.append(layer("patches", "卫片图斑", "patches.gpkg|layername=卫片图斑"))
    parts.append(layer("patches", "卫片图斑_4490", "patches.gpkg|layername=卫片图斑_4490"))
    path.write_text("\n".join(parts), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------

OUTPUTS = ("county.gpkg", "patches.gpkg", "imagery", "catalogue.toml")


def generate_sample_county(out_dir: Path, seed: int = 2026, feedback: Feedback | None = None, *,
                           with_imagery: bool = True, with_truth: bool = False) -> dict[str, Path]:
    """Generate the sample county into ``out_dir`` (see the module docstring for the layout).

    ``with_imagery=False`` skips the two GeoTIFF epochs (the slow part; the vector layers are
    the same either way).  ``with_truth=True`` (with imagery) also writes ``truth.gpkg``: what really changed
    between the epochs (新增建设: the patches with their change type; 季节变化: harvested and flooded parcels;
    云: the clouds), for benchmarks of change detection (bench/change_detection.py).

    Everything is written into a hidden folder inside ``out_dir`` first and moved into place at
    the end; ``catalogue.toml`` is moved last, so a sample without it is incomplete.
    Returns the paths: county, patches, imagery_before, imagery_after, imagery_catalogue, catalogue.
    """
    # GEOS reports NaN for some intermediate shapes (and the deliberately invalid patches): harmless
    # here, and not something to show the user of `make sample`.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _generate(Path(out_dir), seed, feedback, with_imagery, with_truth)


def _generate(out_dir: Path, seed: int, feedback: Feedback | None, with_imagery: bool,
              with_truth: bool = False) -> dict[str, Path]:
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    ogr.UseExceptions()
    fb = ensure_feedback(feedback)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".generating-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "imagery").mkdir(parents=True)
    started = time.monotonic()
    try:
        stats = _generate_into(tmp, int(seed), fb, with_imagery, with_truth)
        # move into place: the catalogue goes first out and last in
        (out_dir / "catalogue.toml").unlink(missing_ok=True)
        for name in ("county.gpkg", "patches.gpkg"):
            os.replace(tmp / name, out_dir / name)
        if (tmp / "truth.gpkg").exists():
            os.replace(tmp / "truth.gpkg", out_dir / "truth.gpkg")
        old = out_dir / "imagery"
        if old.exists():
            os.replace(old, tmp / "imagery.old")
        os.replace(tmp / "imagery", old)
        os.replace(tmp / "catalogue.toml", out_dir / "catalogue.toml")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    fb.set_progress(100)
    fb.info(f"示例县已生成：{out_dir}（{stats['parcels']} 个地类图斑，{stats['patches']} 个卫片图斑，"
            f"用时 {time.monotonic() - started:.1f} 秒）")
    return {
        "county": out_dir / "county.gpkg",
        "patches": out_dir / "patches.gpkg",
        "imagery_before": out_dir / "imagery" / EPOCHS[0][0],
        "imagery_after": out_dir / "imagery" / EPOCHS[1][0],
        "imagery_catalogue": out_dir / "imagery" / "catalogue.csv",
        "catalogue": out_dir / "catalogue.toml",
    }


def _generate_into(folder: Path, seed: int, fb: Feedback, with_imagery: bool = True, with_truth: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    fb.info("示例县：地形、河流与居民点")
    land = _make_landscape(rng)
    warp = _Warp(rng)
    admin = _make_admin(rng, land, warp)
    net = _make_network(rng, land)
    fb.set_progress(5)
    check_canceled(fb)
    fb.info("示例县：三调地类图斑")
    parcels = _make_parcels(rng, land, admin, net, warp, fb)
    prot = _make_protected(rng, land)
    _assign_zones(rng, land, parcels, prot)
    check_canceled(fb)
    fb.info("示例县：写出 county.gpkg")
    stats = _write_county(folder / "county.gpkg", rng, land, admin, parcels, prot, fb)
    fb.info("示例县：卫片图斑")
    patches = _make_patches(rng, land, admin, parcels, prot, net, seed)
    _write_patches(folder / "patches.gpkg", patches)
    stats["patches"] = len(patches)
    check_canceled(fb)
    if with_imagery:
        fb.info("示例县：两期影像")
        paths = [folder / "imagery" / f for f, _d, _s in EPOCHS]
        truth = {} if with_truth else None
        _render_imagery(seed, land, parcels, patches, paths, fb, truth)
        if truth is not None:
            _write_truth(folder / "truth.gpkg", patches, truth)
    write_csv(folder / "imagery" / "catalogue.csv", ["file", "date", "sensor"], EPOCHS)
    _write_catalogue(folder / "catalogue.toml", seed)
    return stats


def main(argv: list[str] | None = None) -> int:
    import logging

    parser = argparse.ArgumentParser(description="生成示例县数据 (liangwei sample county)")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = generate_sample_county(args.out_dir, args.seed)
    for k, v in files.items():
        sys.stdout.write(f"{k}\t{v}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
