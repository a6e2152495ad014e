"""两期影像变化检测 (change detection between two imagery epochs): candidate monitoring patches on a CPU.

``detect_changes(before, after, landuse=None, patches=None, min_area=200)`` reads two rasters (any CRS, any
resolution, overlapping extents) through ``osgeo.gdal`` in tiles and returns candidate polygons of new
construction (新增建筑 / 硬化地面 / 推填土) as a GeoDataFrame in the AFTER raster's CRS.

The method (parameters in ``resources/change_detection.toml``):

1. **Common grid** — the overlap of both footprints on the AFTER raster's grid (CRS, pixel size, alignment),
   or a chosen CRS/resolution; both epochs are warped onto it lazily (GDAL warped VRTs, bilinear), so no
   whole raster is held in memory.
2. **Co-registration** — the sub-pixel shift between the epochs by phase correlation (numpy FFT, Hann window,
   parabolic peak fit) on a lattice of windows; the median of the confident estimates is corrected by
   warping the BEFORE epoch onto a grid shifted by that amount (one resampling only).
3. **Radiometric normalisation** — per band quantile mapping (histogram matching) of BEFORE onto AFTER on
   pseudo-invariant pixels: the half of a full-resolution sample with the smallest change, re-selected over
   a few iterations, so changed areas, clouds and harvests do not bend the mapping.
4. **Change measure** — change vector analysis: the magnitude of the band-difference vector of the
   Gaussian-smoothed, normalised epochs (smoothing absorbs sensor noise and the residual sub-pixel shift).
5. **Threshold** — Otsu's threshold on the magnitudes of the sample, never below ``min_ratio`` × the
   noise level (a high percentile of the sample: Otsu alone splits the noise when changes are rare) nor
   ``min_threshold`` (a change too faint to see); hysteresis grows regions
   seeded above it down to ``hysteresis`` × the threshold.
6. **Clean and vectorise** — opening/closing (``scipy.ndimage``), GDAL's sieve filter and ``gdal.Polygonize``.
7. **Tell construction from other change** — per region: haze, thin cloud and cloud/terrain shadow keep the
   BEFORE's detail (high local correlation of the detail of both epochs), thick cloud is bright grey → dropped;
   greening is vegetation, dark bluish-green is water (flooding) → dropped; a new building casts a new shadow
   band along its north-west side or has a blue steel roof; else grey = 硬化地面, brown = 推填土.
8. **Land use (三调)** — a farmland parcel that changed as a whole is a harvest or a flooding, not a candidate;
   inside it, a compact patch that differs from the parcel's new look and casts a shadow is a building;
   change on existing construction land is dropped unless it is a new building; change outside the 三调
   (another county's territory) is dropped.
9. **Candidates** — areas by the area method (ellipsoidal on CGCS2000 by default), MIN_AREA filter, ``known``
   where a delivered monitoring patch covers the candidate, 监测编号 with the candidates' own prefix,
   numbered by township, north to south, like the county's patches.

Progress and cancel go through the core's feedback protocol (``liangwei_plugin.feedback``).
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from .areas import ELLIPSOIDAL, areas, square_metres_to_mu
from .feedback import Feedback, ProgressSlice, check_canceled, ensure_feedback
from .landuse_codes import CONSTRUCTION, class_name, is_farmland, land_group
from .log import logger
from .paths import resource
from .toml_compat import tomllib

CHANGE_TYPES = ("新增建筑", "硬化地面", "推填土")
BUILDING, HARDENED, SOIL = CHANGE_TYPES
#: why a changed region is not a candidate (the counts are reported)
DROP_REASONS = ("云/阴影/薄雾", "植被变化", "水体（淹水）", "耕地整块变化（收割/季节）", "现状建设用地", "面积不足",
                "三调范围外")
OUTPUT_COLUMNS = ("JCBH", "change_type", "score", "area_m2", "area_mu", "landuse_before", "landuse_after",
                  "ZLDWDM", "ZLDWMC", "known", "known_patch", "QSX", "HSX", "area_method")

FINE_SIGMA = 0.7    # light smoothing for region boundaries and building shadows (pixels)
# flags band of the working raster
_CHANGED, _ATMOS, _CLOUD = 1, 2, 4


class ChangeDetectionError(ValueError):
    """Input that cannot be used (the message, in Chinese, names the raster or layer at fault)."""


def load_params(path: str | Path | None = None) -> dict:
    """The parameters (``resources/change_detection.toml`` unless ``path``)."""
    with open(path or resource("change_detection.toml"), "rb") as f:
        return tomllib.load(f)


# --------------------------------------------------------------------------------------------
# Grid and reading
# --------------------------------------------------------------------------------------------

@dataclass
class Grid:
    """The common pixel grid of both epochs (north-up)."""
    wkt: str
    gt: tuple
    width: int
    height: int

    @property
    def res(self) -> tuple[float, float]:
        return self.gt[1], -self.gt[5]

    def bounds(self) -> tuple[float, float, float, float]:
        x0, y1 = self.gt[0], self.gt[3]
        return x0, y1 - self.height * self.res[1], x0 + self.width * self.res[0], y1

    def window_gt(self, col: int, row: int) -> tuple:
        return (self.gt[0] + col * self.gt[1], self.gt[1], 0.0, self.gt[3] + row * self.gt[5], 0.0, self.gt[5])


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


def open_raster(path: str, role: str):
    """The raster at ``path`` (GDAL dataset), or a ChangeDetectionError naming it."""
    gdal = _gdal()
    try:
        ds = gdal.Open(str(path))
    except RuntimeError as exc:
        raise ChangeDetectionError(f"{role}影像「{path}」无法打开：{exc}") from exc
    if ds is None or ds.RasterCount == 0:
        raise ChangeDetectionError(f"{role}影像「{path}」不是栅格影像")
    gt = ds.GetGeoTransform(can_return_null=True)
    if gt is None or not ds.GetProjection():
        raise ChangeDetectionError(f"{role}影像「{path}」没有地理参考（坐标系或仿射变换），无法与另一期对齐")
    if gt[2] or gt[4]:
        raise ChangeDetectionError(f"{role}影像「{path}」是旋转的栅格，请先校正为正北方向")
    return ds


def _srs(wkt: str):
    from osgeo import osr

    s = osr.SpatialReference()
    s.ImportFromWkt(wkt)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


def _footprint(ds, wkt: str):
    """The raster's extent as a polygon in ``wkt`` (edges densified)."""
    from osgeo import osr

    gt = ds.GetGeoTransform()
    w, h = ds.RasterXSize, ds.RasterYSize
    t = np.linspace(0.0, 1.0, 21)
    cols = np.concatenate([t * w, np.full_like(t, w), (1 - t) * w, np.zeros_like(t)])
    rows = np.concatenate([np.zeros_like(t), t * h, np.full_like(t, h), (1 - t) * h])
    xs = gt[0] + cols * gt[1]
    ys = gt[3] + rows * gt[5]
    src, dst = _srs(ds.GetProjection()), _srs(wkt)
    if not src.IsSame(dst):
        ct = osr.CoordinateTransformation(src, dst)
        pts = np.array(ct.TransformPoints(np.column_stack([xs, ys]).tolist()))
        xs, ys = pts[:, 0], pts[:, 1]
    return shapely.Polygon(np.column_stack([xs, ys]))


def common_grid(before, after, crs_wkt: str | None = None, resolution: float | None = None) -> Grid:
    """The overlap of both rasters on the AFTER raster's grid (or in ``crs_wkt`` at ``resolution``)."""
    wkt = crs_wkt or after.GetProjection()
    overlap = shapely.intersection(_footprint(before, wkt), _footprint(after, wkt))
    if overlap.is_empty or overlap.area <= 0:
        raise ChangeDetectionError("两期影像没有重叠范围")
    minx, miny, maxx, maxy = overlap.bounds
    agt = after.GetGeoTransform()
    if crs_wkt is None and resolution is None:
        rx, ry = agt[1], -agt[5]
        ox, oy = agt[0], agt[3]
    else:
        rx = ry = float(resolution or abs(agt[1]))
        ox, oy = 0.0, 0.0
    c0 = math.floor((minx - ox) / rx + 1e-6)
    c1 = math.ceil((maxx - ox) / rx - 1e-6)
    r0 = math.floor((oy - maxy) / ry + 1e-6)
    r1 = math.ceil((oy - miny) / ry - 1e-6)
    if crs_wkt is None and resolution is None:   # never beyond the AFTER raster
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, after.RasterXSize), min(r1, after.RasterYSize)
    if c1 - c0 < 16 or r1 - r0 < 16:
        raise ChangeDetectionError("两期影像的重叠范围太小（不足 16 × 16 像元）")
    return Grid(wkt, (ox + c0 * rx, rx, 0.0, oy - r0 * ry, 0.0, -ry), c1 - c0, r1 - r0)


def _band_list(ds) -> list[int]:
    """Bands to use: red, green, blue first (by colour interpretation, else the first three), then
    a fourth (near infrared) when present; alpha bands never."""
    gdal = _gdal()
    interp = {ds.GetRasterBand(b).GetColorInterpretation(): b for b in range(1, ds.RasterCount + 1)}
    rgb = [interp.get(c) for c in (gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)]
    others = [b for b in range(1, ds.RasterCount + 1)
              if ds.GetRasterBand(b).GetColorInterpretation() != gdal.GCI_AlphaBand]
    if all(rgb):
        rest = [b for b in others if b not in rgb]
        return rgb + rest[:1]
    return others[:4]


def _warp_vrt(ds, grid: Grid, bands: list[int], path: str, shift=(0.0, 0.0)):
    """``ds`` on ``grid`` as a warped VRT file (bilinear), its content moved by ``shift`` grid pixels."""
    gdal = _gdal()
    sel = gdal.Translate(path + ".src.vrt", ds, format="VRT", bandList=bands)
    minx, miny, maxx, maxy = grid.bounds()
    dx, dy = shift[0] * grid.res[0], -shift[1] * grid.res[1]
    nodata = ds.GetRasterBand(bands[0]).GetNoDataValue()
    opts = gdal.WarpOptions(format="VRT", outputBounds=(minx - dx, miny - dy, maxx - dx, maxy - dy),
                            width=grid.width, height=grid.height, dstSRS=grid.wkt, resampleAlg="bilinear",
                            srcNodata=nodata, dstNodata=0, multithread=False)
    out = gdal.Warp(path, sel, options=opts)
    out.SetGeoTransform(grid.gt)   # the shifted content, on the unshifted grid
    out = None
    sel = None
    return path


def _grid_vrt(ds, grid: Grid, bands: list[int], path: str):
    """``ds`` on ``grid``: a window of it when the grid is its own (no resampling), else a warped VRT."""
    gdal = _gdal()
    gt = ds.GetGeoTransform()
    col = (grid.gt[0] - gt[0]) / gt[1]
    row = (grid.gt[3] - gt[3]) / gt[5]
    aligned = (abs(gt[1] - grid.gt[1]) < 1e-9 * abs(gt[1]) and abs(gt[5] - grid.gt[5]) < 1e-9 * abs(gt[5])
               and abs(col - round(col)) < 1e-6 and abs(row - round(row)) < 1e-6
               and round(col) >= 0 and round(row) >= 0 and round(col) + grid.width <= ds.RasterXSize
               and round(row) + grid.height <= ds.RasterYSize
               and _srs(ds.GetProjection()).IsSame(_srs(grid.wkt)))
    if not aligned:
        return _warp_vrt(ds, grid, bands, path)
    gdal.Translate(path, ds, format="VRT", bandList=bands,
                   srcWin=[int(round(col)), int(round(row)), grid.width, grid.height])
    return path


class _Reader:
    """Thread-local readers of the two warped epochs (GDAL datasets are not shared between threads)."""

    def __init__(self, before_vrt: str, after_vrt: str):
        self.paths = (before_vrt, after_vrt)
        self.local = threading.local()

    def _ds(self):
        if not hasattr(self.local, "ds"):
            gdal = _gdal()
            self.local.ds = tuple(gdal.Open(p) for p in self.paths)
        return self.local.ds

    def read(self, col: int, row: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        b, a = self._ds()
        return (b.ReadAsArray(col, row, w, h).astype(np.float32).reshape(-1, h, w),
                a.ReadAsArray(col, row, w, h).astype(np.float32).reshape(-1, h, w))


# --------------------------------------------------------------------------------------------
# Co-registration, normalisation, threshold
# --------------------------------------------------------------------------------------------

def phase_correlation(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """(dx, dy, peak): ``a`` is ``b`` moved by (dx, dy) pixels (a(x) ≈ b(x − d)), sub-pixel; ``peak`` is the
    height of the correlation peak (1 for identical images, near 0 for unrelated ones)."""
    h, w = a.shape
    win = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    fa = np.fft.rfft2((a - a.mean()) * win)
    fb = np.fft.rfft2((b - b.mean()) * win)
    cross = fa * np.conj(fb)
    cross /= np.abs(cross) + 1e-9
    r = np.fft.irfft2(cross, s=(h, w))
    py, px = np.unravel_index(int(np.argmax(r)), r.shape)
    peak = float(r[py, px])

    def refine(m1, c, p1):
        den = m1 - 2 * c + p1
        return 0.0 if abs(den) < 1e-12 else 0.5 * (m1 - p1) / den

    dy = py + refine(r[(py - 1) % h, px], r[py, px], r[(py + 1) % h, px])
    dx = px + refine(r[py, (px - 1) % w], r[py, px], r[py, (px + 1) % w])
    dy = dy - h if dy > h / 2 else dy
    dx = dx - w if dx > w / 2 else dx
    return float(dx), float(dy), peak


def _lattice(grid: Grid, n: int, size: int) -> list[tuple[int, int, int, int]]:
    """n × n windows of ``size`` pixels spread evenly over the grid: (col, row, w, h)."""
    w, h = min(size, grid.width), min(size, grid.height)
    cols = np.linspace(0, grid.width - w, n).astype(int) if n > 1 else [0]
    rows = np.linspace(0, grid.height - h, n).astype(int) if n > 1 else [0]
    return sorted({(int(c), int(r), w, h) for c in cols for r in rows})


def _valid(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return (before.max(axis=0) > 0) & (after.max(axis=0) > 0)


def _inner_valid(before: np.ndarray, after: np.ndarray, sigma: float, reach: int) -> np.ndarray:
    """Valid pixels not within the smoothing reach of no-data (the smoothed edge of the data is not a change);
    the edges of the array itself are not no-data."""
    from scipy import ndimage

    valid = _valid(before, after)
    if valid.all():
        return valid
    return ndimage.binary_erosion(valid, iterations=int(math.ceil(2.5 * sigma)) + reach, border_value=1)


def _grey(img: np.ndarray) -> np.ndarray:
    return img[:3].mean(axis=0) if img.shape[0] >= 3 else img[0]


def estimate_shift(reader: _Reader, grid: Grid, params: dict, feedback: Feedback) -> tuple[float, float, int]:
    """The median sub-pixel shift (dx, dy) of AFTER relative to BEFORE over a lattice of windows, and how
    many windows gave a confident estimate."""
    cfg = params["coregistration"]
    est = []
    for col, row, w, h in _lattice(grid, int(cfg["windows"]), int(cfg["window_size"])):
        check_canceled(feedback)
        b, a = reader.read(col, row, w, h)
        if _valid(b, a).mean() < 0.9:
            continue
        dx, dy, peak = phase_correlation(_grey(a), _grey(b))
        if peak >= cfg["min_peak"] and max(abs(dx), abs(dy)) <= cfg["max_shift"]:
            est.append((dx, dy))
    if not est:
        return 0.0, 0.0, 0
    e = np.array(est)
    return float(np.median(e[:, 0])), float(np.median(e[:, 1])), len(est)


@dataclass
class Radiometry:
    """BEFORE → AFTER quantile mapping per band, then a common scale to 0–255."""
    before_q: list[np.ndarray]
    after_q: list[np.ndarray]
    scale: float = 1.0
    byte: bool = False          # 8-bit input: the mapping is a 256-entry look-up table

    def __post_init__(self):
        self._lut = None
        if self.byte:
            x = np.arange(256, dtype=np.float64)
            self._lut = [(_interp_extrapolate(x, q, f) * self.scale).astype(np.float32)
                         for q, f in zip(self.before_q, self.after_q)]

    def before(self, img: np.ndarray) -> np.ndarray:
        out = np.empty_like(img)
        for k in range(img.shape[0]):
            if self._lut is not None:
                out[k] = self._lut[k][np.clip(img[k], 0, 255).astype(np.uint8)]
            else:
                out[k] = _interp_extrapolate(img[k], self.before_q[k], self.after_q[k]) * self.scale
        return out

    def after(self, img: np.ndarray) -> np.ndarray:
        return img * self.scale


def _interp_extrapolate(x, xp, fp):
    """np.interp, continued linearly beyond the ends (so bright new roofs are not clipped)."""
    y = np.interp(x, xp, fp)
    lo, hi = x < xp[0], x > xp[-1]
    if lo.any() or hi.any():
        g0 = (fp[1] - fp[0]) / max(xp[1] - xp[0], 1e-6)
        g1 = (fp[-1] - fp[-2]) / max(xp[-1] - xp[-2], 1e-6)
        y[lo] = fp[0] + (x[lo] - xp[0]) * g0
        y[hi] = fp[-1] + (x[hi] - xp[-1]) * g1
    return y


def _quantiles(values: np.ndarray) -> np.ndarray:
    step = max(1, len(values) // 400_000)      # a subsample is enough for 100 quantiles
    q = np.percentile(values[::step], np.linspace(0.5, 99.5, 100))
    return np.maximum.accumulate(q + np.arange(100) * 1e-6)   # strictly increasing for np.interp


def _smooth(img: np.ndarray, sigma: float) -> np.ndarray:
    from scipy import ndimage

    out = np.empty_like(img)
    for k in range(img.shape[0]):
        ndimage.gaussian_filter(img[k], sigma, output=out[k], truncate=2.5)
    return out


def _magnitude(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a - b
    return np.sqrt(np.einsum("khw,khw->hw", d, d))


def change_magnitude(a: np.ndarray, b: np.ndarray, reach: int = 1) -> np.ndarray:
    """Change vector magnitude, tolerant of a residual misregistration: per band, how far AFTER lies outside
    the range of BEFORE within ``reach`` pixels (0 inside it), then the length of that vector.  An edge that
    moved by less than ``reach`` pixels gives nothing; a new roof gives its full contrast inside."""
    from scipy import ndimage

    if reach <= 0:
        return _magnitude(a, b)
    size = 2 * reach + 1
    total = np.zeros(a.shape[1:], np.float32)
    for k in range(a.shape[0]):
        hi = ndimage.maximum_filter(b[k], size)
        lo = ndimage.minimum_filter(b[k], size)
        d = np.maximum(a[k] - hi, 0)
        d += np.maximum(lo - a[k], 0)
        total += d * d
    return np.sqrt(total)


def _otsu(values: np.ndarray, bins: int = 512) -> float:
    hist, edges = np.histogram(values, bins=bins)
    mids = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * mids)
    mu0 = m0 / np.maximum(w0, 1)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(mids[int(np.argmax(between))])


def calibrate(reader: _Reader, grid: Grid, params: dict, feedback: Feedback,
              byte: bool = False) -> tuple[Radiometry, float, float]:
    """Radiometric normalisation on pseudo-invariant pixels of a full-resolution sample, and the change
    threshold (Otsu, floored by ``min_ratio`` × the noise level).  Returns (radiometry, threshold, noise)."""
    rad_cfg, ch = params["radiometry"], params["change"]
    size = 256
    n = max(2, int(math.ceil(math.sqrt(rad_cfg["sample_pixels"] / size ** 2))))
    n = min(n, max(2, math.ceil(grid.width / size), math.ceil(grid.height / size)))   # no overlapping windows
    margin = int(math.ceil(2.5 * ch["smooth_sigma"])) + 1
    bs, as_ = [], []
    for col, row, w, h in _lattice(grid, n, size):
        check_canceled(feedback)
        b, a = reader.read(col, row, w, h)
        bs.append(b)
        as_.append(a)
    nb = bs[0].shape[0]
    valid = [_inner_valid(b, a, ch["smooth_sigma"], int(ch["reach"])) for b, a in zip(bs, as_)]
    flat_b = np.concatenate([b[:, v] for b, v in zip(bs, valid)], axis=1)
    flat_a = np.concatenate([a[:, v] for a, v in zip(as_, valid)], axis=1)
    if flat_b.shape[1] < 1000:
        raise ChangeDetectionError("两期影像的重叠范围内有效像元太少（多为无数据区）")
    # 16-bit (or reflectance) imagery: one scale to 0–255 so the colour rules apply
    top = float(np.percentile(flat_a[:3].mean(axis=0), 99.9))
    scale = 1.0 if top <= 255.0 else 230.0 / top
    rad = Radiometry([_quantiles(flat_b[k]) for k in range(nb)], [_quantiles(flat_a[k]) for k in range(nb)],
                     scale, byte)
    mags = None
    for _ in range(int(rad_cfg["iterations"])):
        mags = []
        for b, a, v in zip(bs, as_, valid):
            m = change_magnitude(_smooth(rad.after(a), ch["smooth_sigma"]), _smooth(rad.before(b), ch["smooth_sigma"]),
                                 int(ch["reach"]))
            inner = np.zeros_like(v)
            inner[margin:-margin, margin:-margin] = True
            mags.append(np.where(v & inner, m, np.nan))
        allm = np.concatenate([m.ravel() for m in mags])
        allm = allm[~np.isnan(allm)]
        cut = np.percentile(allm, 100 * rad_cfg["invariant_share"])
        pif_b = np.concatenate([b[:, (m <= cut)] for b, m in zip(bs, mags)], axis=1)
        pif_a = np.concatenate([a[:, (m <= cut)] for a, m in zip(as_, mags)], axis=1)
        rad = Radiometry([_quantiles(pif_b[k]) for k in range(nb)], [_quantiles(pif_a[k]) for k in range(nb)],
                         scale, byte)
    mags = []
    for b, a, v in zip(bs, as_, valid):
        m = change_magnitude(_smooth(rad.after(a), ch["smooth_sigma"]), _smooth(rad.before(b), ch["smooth_sigma"]),
                             int(ch["reach"]))
        mags.append(m[v])
    allm = np.concatenate(mags)
    # the noise level: the misregistration-tolerant magnitude is 0 on most unchanged pixels, so a high
    # percentile of the sample stands for the noise, not the median
    noise = float(np.percentile(allm, ch["noise_percentile"]))
    clip = np.percentile(allm, 99.9)
    otsu = _otsu(np.log1p(allm[allm <= clip]))
    threshold = max(float(np.expm1(otsu)), ch["min_ratio"] * noise, ch["min_threshold"])
    return rad, threshold, noise


# --------------------------------------------------------------------------------------------
# Per-tile change mask
# --------------------------------------------------------------------------------------------

def _disk(r: int) -> np.ndarray:
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= r * r + r


def _detail_correlation(a_grey: np.ndarray, b_grey: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Local correlation of the fine detail of both epochs and the BEFORE detail's local std."""
    from scipy import ndimage

    ha = a_grey - ndimage.gaussian_filter(a_grey, 2.0, truncate=2.5)
    hb = b_grey - ndimage.gaussian_filter(b_grey, 2.0, truncate=2.5)
    sab = ndimage.uniform_filter(ha * hb, window)
    saa = ndimage.uniform_filter(ha * ha, window)
    sbb = ndimage.uniform_filter(hb * hb, window)
    corr = sab / np.sqrt(np.maximum(saa * sbb, 1e-6))
    return corr, np.sqrt(np.maximum(sbb, 0))


def _tile_flags(b: np.ndarray, a: np.ndarray, rad: Radiometry, threshold: float, params: dict) -> np.ndarray:
    """The changed pixels of one tile (with its margin), as 0/1."""
    from scipy import ndimage

    ch = params["change"]
    sigma = ch["smooth_sigma"]
    valid = _inner_valid(b, a, sigma, int(ch["reach"]))
    mag = change_magnitude(_smooth(rad.after(a), sigma), _smooth(rad.before(b), sigma), int(ch["reach"]))
    mag[~valid] = 0
    seeds = mag >= threshold
    if not seeds.any():
        return np.zeros(mag.shape, np.uint8)
    weak = mag >= ch["hysteresis"] * threshold
    labels, n = ndimage.label(weak, structure=np.ones((3, 3), bool))
    keep = np.zeros(n + 1, bool)
    keep[np.unique(labels[seeds])] = True
    keep[0] = False
    mask = keep[labels]
    if ch["opening"]:
        mask = ndimage.binary_opening(mask, _disk(int(ch["opening"])))
    if ch["closing"]:
        mask = ndimage.binary_closing(mask, _disk(int(ch["closing"])), border_value=0)
    return mask.astype(np.uint8) * _CHANGED


def _tiles(grid: Grid, tile: int):
    for row in range(0, grid.height, tile):
        for col in range(0, grid.width, tile):
            yield col, row, min(tile, grid.width - col), min(tile, grid.height - row)


def change_mask(reader: _Reader, grid: Grid, rad: Radiometry, threshold: float, params: dict, path: str,
                feedback: Feedback, workers: int = 2) -> str:
    """Write the flags raster (GeoTIFF at ``path``) tile by tile; returns ``path``."""
    gdal = _gdal()
    cfg = params["grid"]
    tile, margin = int(cfg["tile"]), int(cfg["margin"])
    out = gdal.GetDriverByName("GTiff").Create(path, grid.width, grid.height, 1, gdal.GDT_Byte,
                                               options=["TILED=YES", "COMPRESS=DEFLATE", "BLOCKXSIZE=256",
                                                        "BLOCKYSIZE=256"])
    out.SetGeoTransform(grid.gt)
    out.SetProjection(grid.wkt)
    band = out.GetRasterBand(1)
    tiles = list(_tiles(grid, tile))

    def work(t):
        if feedback.is_canceled():
            return t, None
        col, row, w, h = t
        c0, r0 = max(col - margin, 0), max(row - margin, 0)
        c1, r1 = min(col + w + margin, grid.width), min(row + h + margin, grid.height)
        b, a = reader.read(c0, r0, c1 - c0, r1 - r0)
        flags = _tile_flags(b, a, rad, threshold, params)
        return t, flags[row - r0:row - r0 + h, col - c0:col - c0 + w]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for k, (t, flags) in enumerate(pool.map(work, tiles)):
            check_canceled(feedback)
            band.WriteArray(flags, t[0], t[1])
            feedback.set_progress(100.0 * (k + 1) / len(tiles))
    band.FlushCache()
    out = None
    return path


# --------------------------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------------------------

def _polygonize(path: str, min_pixels: int) -> list:
    """Connected changed regions of the flags raster as shapely polygons (grid CRS)."""
    from osgeo import ogr

    gdal = _gdal()
    ds = gdal.Open(path, gdal.GA_Update)
    band = ds.GetRasterBand(1)
    mem = gdal.GetDriverByName("MEM").Create("", ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Byte)
    mem.SetGeoTransform(ds.GetGeoTransform())
    mem.SetProjection(ds.GetProjection())
    # the changed bit only, sieved; written into a MEM band block by block
    mband = mem.GetRasterBand(1)
    step = 2048
    for row in range(0, ds.RasterYSize, step):
        h = min(step, ds.RasterYSize - row)
        mband.WriteArray((band.ReadAsArray(0, row, ds.RasterXSize, h) & _CHANGED).astype(np.uint8), 0, row)
    if min_pixels > 1:
        gdal.SieveFilter(mband, None, mband, int(min_pixels), 8)
    drv = ogr.GetDriverByName("Memory")
    src = drv.CreateDataSource("regions")
    lyr = src.CreateLayer("regions", _srs(ds.GetProjection()), ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    gdal.Polygonize(mband, mband, lyr, 0, ["8CONNECTED=8"])
    wkbs = [bytes(f.GetGeometryRef().ExportToWkb()) for f in lyr if f.GetField(0) == 1]
    return _valid_polygons(shapely.from_wkb(wkbs)) if wkbs else []


def _valid_polygons(geoms) -> list:
    """Polygonize traces 8-connected pixels: where two touch only at a corner the ring can touch itself;
    such rings are repaired (areas unchanged)."""
    geoms = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad])
        geoms[bad] = [shapely.union_all([q for q in shapely.get_parts(g) if shapely.get_type_id(q) in (3, 6)])
                      for g in fixed]
    return [g for g in geoms if not g.is_empty]


def _mask_polygons(mask: np.ndarray, gt: tuple, wkt: str) -> list:
    from osgeo import ogr

    gdal = _gdal()
    h, w = mask.shape
    mem = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    mem.SetGeoTransform(gt)
    mem.SetProjection(wkt)
    mem.GetRasterBand(1).WriteArray(mask.astype(np.uint8))
    src = ogr.GetDriverByName("Memory").CreateDataSource("m")
    lyr = src.CreateLayer("m", _srs(wkt), ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("v", ogr.OFTInteger))
    band = mem.GetRasterBand(1)
    gdal.Polygonize(band, band, lyr, 0, ["8CONNECTED=8"])
    return _valid_polygons([shapely.from_wkb(bytes(f.GetGeometryRef().ExportToWkb()))
                            for f in lyr if f.GetField(0) == 1])


def _rasterize(geom, gt: tuple, shape: tuple[int, int], wkt: str) -> np.ndarray:
    from osgeo import ogr

    gdal = _gdal()
    h, w = shape
    mem = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    mem.SetGeoTransform(gt)
    mem.SetProjection(wkt)
    src = ogr.GetDriverByName("Memory").CreateDataSource("r")
    lyr = src.CreateLayer("r", _srs(wkt), ogr.wkbPolygon)
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetGeometryDirectly(ogr.CreateGeometryFromWkb(shapely.to_wkb(geom)))
    lyr.CreateFeature(f)
    gdal.RasterizeLayer(mem, [1], lyr, burn_values=[1])
    return mem.GetRasterBand(1).ReadAsArray().astype(bool)


@dataclass
class _Window:
    """Pixels around one region: normalised, smoothed epochs, flags, change magnitude."""
    gt: tuple
    a: np.ndarray          # AFTER, smoothed (bands, h, w), 0–255
    b: np.ndarray          # BEFORE normalised to AFTER, smoothed
    flags: np.ndarray
    mag: np.ndarray
    a_fine: np.ndarray     # both lightly smoothed: boundaries
    b_fine: np.ndarray
    mag_fine: np.ndarray
    a_raw: np.ndarray      # not smoothed: building shadows are 1–2 pixels wide at 2 m
    b_raw: np.ndarray


def _atmospheric_flags(bn: np.ndarray, an: np.ndarray, as_: np.ndarray, params: dict) -> np.ndarray:
    """Per pixel: the BEFORE detail is still there (haze, thin cloud, shadow), or bright grey (cloud)."""
    ch, rules = params["change"], params["rules"]
    corr, bstd = _detail_correlation(_grey(an), _grey(bn), int(ch["texture_window"]))
    flags = np.zeros(corr.shape, np.uint8)
    flags[(corr >= ch["texture_corr"]) & (bstd >= ch["texture_min_std"])] |= _ATMOS
    rgb = as_[:3] if as_.shape[0] >= 3 else np.repeat(as_[:1], 3, axis=0)
    top = rgb.max(axis=0)
    sat = (top - rgb.min(axis=0)) / np.maximum(top, 1.0)
    flags[(rgb.mean(axis=0) >= rules["cloud_brightness"]) & (sat <= rules["cloud_saturation"])] |= _CLOUD
    return flags


def _read_window(geom, reader: _Reader, grid: Grid, rad: Radiometry, params: dict, pad: int = 8):
    sigma = params["change"]["smooth_sigma"]
    minx, miny, maxx, maxy = geom.bounds
    rx, ry = grid.res
    c0 = max(int(math.floor((minx - grid.gt[0]) / rx)) - pad, 0)
    c1 = min(int(math.ceil((maxx - grid.gt[0]) / rx)) + pad, grid.width)
    r0 = max(int(math.floor((grid.gt[3] - maxy) / ry)) - pad, 0)
    r1 = min(int(math.ceil((grid.gt[3] - miny) / ry)) + pad, grid.height)
    b, a = reader.read(c0, r0, c1 - c0, r1 - r0)
    bn, an = rad.before(b), rad.after(a)
    bs_, as_ = _smooth(bn, sigma), _smooth(an, sigma)
    bf, af = _smooth(bn, FINE_SIGMA), _smooth(an, FINE_SIGMA)
    fl = _atmospheric_flags(bn, an, as_, params)
    return _Window(grid.window_gt(c0, r0), as_, bs_, fl, change_magnitude(as_, bs_, int(params["change"]["reach"])),
                   af, bf, _magnitude(af, bf), an, bn)


@dataclass
class _Look:
    """What a region looks like: the evidence for its type."""
    pixels: int
    score: float
    atmospheric: float
    shadow: float
    blue: float
    saturation: float
    brightness: float
    greening: float
    darker: float


def _new_shadow(win: _Window) -> np.ndarray:
    """Pixels much darker in AFTER than in BEFORE (a building's new cast shadow, 0.5–0.7 of the ground)."""
    from scipy import ndimage

    # against the darkest BEFORE pixel nearby: an existing shadow moved by a residual misregistration is not new
    va, vb = _grey(win.a_raw), ndimage.minimum_filter(_grey(win.b_raw), 3)
    return (vb - va > 0.25 * np.maximum(vb, 1.0)) & (vb - va > 12.0)


def refine_region(win: _Window, mask: np.ndarray, threshold: float, hysteresis: float) -> np.ndarray:
    """The region's extent at half its change (lightly smoothed magnitude ≥ half the median of its core,
    never below the hysteresis threshold), grown at most 3 pixels from the detection and connected to it:
    the heavy smoothing that makes the detection robust also blurs its edges outwards."""
    from scipy import ndimage

    core = win.mag_fine[mask & (win.mag_fine >= threshold)]
    level = max(0.5 * float(np.median(core if core.size else win.mag_fine[mask])), hysteresis * threshold)
    inside = ndimage.binary_dilation(mask, _disk(3)) & (win.mag_fine >= level)
    inside = ndimage.binary_opening(inside, _disk(1))
    labels, _n = ndimage.label(inside, structure=np.ones((3, 3), bool))
    hit = np.unique(labels[mask & inside])
    hit = hit[hit > 0]
    out = np.isin(labels, hit)
    return ndimage.binary_fill_holes(out) if out.any() else mask


def _look(win: _Window, mask: np.ndarray, threshold: float) -> _Look:
    from scipy import ndimage

    n = int(mask.sum())
    a = win.a[:3] if win.a.shape[0] >= 3 else np.repeat(win.a[:1], 3, axis=0)
    b = win.b[:3] if win.b.shape[0] >= 3 else np.repeat(win.b[:1], 3, axis=0)
    dark = _new_shadow(win)
    near = ndimage.binary_dilation(mask, _disk(3))
    dark_n = int((dark & near).sum())
    # a cast shadow is a band a few pixels wide along the outline, not a dark part of the region (water)
    rim = int((mask & ~ndimage.binary_erosion(mask)).sum())
    ma = a[:, mask].mean(axis=1)
    mb = b[:, mask].mean(axis=1)
    # the detail correlation looks through a window: near the region's edge it sees the unchanged
    # surroundings, so only the interior counts (small regions: only the cloud test)
    interior = ndimage.binary_erosion(mask, _disk(3))
    if interior.sum() >= 10:
        atm = float(((win.flags[interior] & (_ATMOS | _CLOUD)) > 0).mean())
    else:
        atm = float(((win.flags[mask] & _CLOUD) > 0).mean())
    return _Look(
        pixels=n,
        score=float(win.mag[mask].mean() / threshold),
        atmospheric=atm,
        shadow=dark_n / math.sqrt(max(n, 1)) if dark_n <= 2.5 * max(rim, 1) else 0.0,
        blue=float(ma[2] - ma[0]),
        saturation=float((ma.max() - ma.min()) / max(ma.max(), 1.0)),
        brightness=float(ma.mean()),
        greening=float((ma[1] - (ma[0] + ma[2]) / 2) - (mb[1] - (mb[0] + mb[2]) / 2)),
        darker=float(mb.mean() - ma.mean()),
    )


def classify(look: _Look, rules: dict) -> tuple[str | None, str | None]:
    """(change type, None) for a candidate, (None, reason) for a change that is not one."""
    building = look.shadow >= rules["building_shadow"] or (look.blue >= rules["blue_roof"] and look.darker < 0)
    if look.atmospheric >= rules["atmospheric_share"] and not (building and look.atmospheric < 0.8):
        return None, DROP_REASONS[0]
    if building:
        return BUILDING, None
    if look.greening >= rules["vegetation_gain"]:
        return None, DROP_REASONS[1]
    if look.brightness <= rules["water_brightness"] and look.darker > 0:
        return None, DROP_REASONS[2]
    if look.saturation < rules["grey_saturation"]:
        return HARDENED, None
    return SOIL, None


# --------------------------------------------------------------------------------------------
# Land use and known patches
# --------------------------------------------------------------------------------------------

@dataclass
class _LandUse:
    geoms: np.ndarray
    codes: np.ndarray
    village_code: np.ndarray
    village_name: np.ndarray
    farmland: np.ndarray
    construction: np.ndarray
    tree: object
    changed_share: np.ndarray = field(default=None)


def _prepare_landuse(landuse, code_field: str, grid: Grid) -> _LandUse | None:
    if landuse is None or len(landuse) == 0:
        return None
    gdf = landuse
    if gdf.crs is not None:
        gdf = gdf.to_crs(grid.wkt)
    geoms = shapely.make_valid(np.asarray(gdf.geometry.values, dtype=object))
    keep = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    gdf, geoms = gdf[keep], geoms[keep]
    codes = gdf[code_field].astype(str).str.strip().to_numpy() if code_field in gdf else np.full(len(gdf), "")

    def col(name):
        return gdf[name].fillna("").astype(str).to_numpy() if name in gdf else np.full(len(gdf), "", dtype=object)

    uniq = {c: (is_farmland(c), land_group(c) == CONSTRUCTION) for c in set(codes)}
    return _LandUse(geoms, codes, col("ZLDWDM"), col("ZLDWMC"),
                    np.array([uniq[c][0] for c in codes], bool), np.array([uniq[c][1] for c in codes], bool),
                    shapely.STRtree(geoms))


def _parcel_changed_share(lu: _LandUse, regions: list, grid: Grid) -> None:
    """Per parcel: the share of its area (inside the grid) covered by changed regions."""
    share = np.zeros(len(lu.geoms))
    if regions:
        reg = np.asarray(regions, dtype=object)
        ri, pi = lu.tree.query(reg, predicate="intersects")
        if len(ri):
            inter = shapely.area(shapely.intersection(reg[ri], lu.geoms[pi]))
            np.add.at(share, pi, inter)
    frame = shapely.box(*grid.bounds())
    area = shapely.area(shapely.intersection(lu.geoms, frame))
    lu.changed_share = np.divide(share, area, out=np.zeros_like(share), where=area > 0)


def _landuse_of(lu: _LandUse, geom, rules: dict) -> dict:
    """Dominant parcel, share on existing construction land, share in farmland parcels changed as a whole."""
    idx = lu.tree.query(geom, predicate="intersects")
    if len(idx) == 0:
        return {"dominant": None, "construction": 0.0, "harvest": 0.0, "covered": 0.0}
    inter = shapely.area(shapely.intersection(lu.geoms[idx], geom))
    total = max(float(geom.area), 1e-9)
    whole = lu.farmland[idx] & (lu.changed_share[idx] >= rules["harvest_parcel_cover"])
    # roads, ditches and field banks between harvested parcels are caught in the same region: neutral
    neutral = np.isin(lu.codes[idx], rules.get("harvest_neutral", []))
    return {"dominant": int(idx[int(np.argmax(inter))]), "covered": float(inter.sum() / total),
            "construction": float(inter[lu.construction[idx]].sum() / total),
            "harvest": float(inter[whole].sum() / max(total - inter[neutral].sum(), 1e-9))}


# --------------------------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------------------------

@dataclass
class DetectionResult:
    candidates: object                  # GeoDataFrame (OUTPUT_COLUMNS + geometry), grid CRS
    grid: Grid
    shift: tuple[float, float]
    shift_windows: int
    threshold: float
    median: float
    regions: int
    dropped: dict
    seconds: float
    messages: list = field(default_factory=list)
    rejected: list = field(default_factory=list)   # (polygon, reason) of the changed regions left out


def epoch_date(path: str) -> str:
    """The acquisition date of an epoch (yyyy-mm-dd) from its file name (…20250518…) or its TIFF
    DATETIME tag; "" when unknown."""
    m = re.search(r"(?<!\d)(20\d{2})[-_]?([01]\d)[-_]?([0-3]\d)(?!\d)", Path(str(path)).name)
    if m:
        try:
            return _dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            pass
    try:
        tag = _gdal().Info(str(path), format="json").get("metadata", {}).get("", {}).get("TIFFTAG_DATETIME", "")
    except RuntimeError:
        tag = ""
    m = re.match(r"(\d{4}):(\d{2}):(\d{2})", tag or "")
    return f"{m[1]}-{m[2]}-{m[3]}" if m else ""


def _county_code(lu: _LandUse | None, patches, patch_code_field: str | None) -> str:
    for values in ((lu.village_code if lu is not None else []),
                   (patches[patch_code_field].astype(str).to_numpy() if patches is not None and patch_code_field
                    and patch_code_field in patches else [])):
        codes = [v[:6] for v in values if isinstance(v, str) and len(v) >= 6 and v[:6].isdigit()]
        if codes:
            vals, counts = np.unique(codes, return_counts=True)
            return str(vals[int(np.argmax(counts))])
    return "000000"


def detect_changes(before: str, after: str, landuse=None, patches=None, min_area: float = 200.0, *,
                   landuse_code_field: str = "DLBM", patch_id_field: str | None = "JCBH",
                   patch_code_field: str | None = "XZQDM", area_method: str = ELLIPSOIDAL,
                   crs_wkt: str | None = None, resolution: float | None = None, params: dict | None = None,
                   feedback: Feedback | None = None, workers: int = 2) -> DetectionResult:
    """Candidate patches of new construction between two epochs (see the module docstring).

    ``before``/``after``: raster paths (GDAL).  ``landuse``: GeoDataFrame of 三调 parcels (``landuse_code_field``,
    optional ZLDWDM/ZLDWMC).  ``patches``: GeoDataFrame of delivered monitoring patches (``patch_id_field``).
    ``min_area``: m², by ``area_method``.  Raises ChangeDetectionError for unusable input, Canceled on cancel.
    """
    import geopandas as gpd

    fb = ensure_feedback(feedback)
    started = time.monotonic()
    params = params or load_params()
    rules = params["rules"]
    messages: list[str] = []
    bds, ads = open_raster(before, "前时相"), open_raster(after, "后时相")
    grid = common_grid(bds, ads, crs_wkt, resolution)
    bb, ab = _band_list(bds), _band_list(ads)
    n = min(len(bb), len(ab))
    if n == 0:
        raise ChangeDetectionError("影像没有可用波段")
    if len(bb) != len(ab):
        messages.append(f"两期影像波段数不同（{len(bb)} / {len(ab)}），只比较前 {n} 个波段")
    gdal = _gdal()
    work = tempfile.mkdtemp(prefix="liangwei-change-")
    try:
        fb.info(f"公共格网：{grid.width} × {grid.height} 像元，像元 {grid.res[0]:g} × {grid.res[1]:g}")
        a_vrt = _grid_vrt(ads, grid, ab[:n], os.path.join(work, "after.vrt"))
        b_vrt = _grid_vrt(bds, grid, bb[:n], os.path.join(work, "before.vrt"))
        fb.set_progress(2)
        dx, dy, nwin = estimate_shift(_Reader(b_vrt, a_vrt), grid, params, fb)
        for step in range(int(params["coregistration"].get("iterations", 2))):
            # phase correlation is biased towards whole pixels: re-estimate the rest after each correction
            if not nwin or math.hypot(dx, dy) < 0.05:
                break
            b_vrt = _warp_vrt(bds, grid, bb[:n], os.path.join(work, f"before_shifted{step}.vrt"), shift=(dx, dy))
            rx, ry, nwin2 = estimate_shift(_Reader(b_vrt, a_vrt), grid, params, fb)
            if not nwin2 or math.hypot(rx, ry) < 0.02:
                break
            dx, dy = dx + rx, dy + ry
        if nwin and math.hypot(dx, dy) >= 0.05:
            b_vrt = _warp_vrt(bds, grid, bb[:n], os.path.join(work, "before_shifted.vrt"), shift=(dx, dy))
        fb.info(f"配准：两期偏移 dx={dx:+.2f}、dy={dy:+.2f} 像元（{nwin} 个窗口）" if nwin else
                "配准：未能估计两期偏移（纹理不足），按原始地理参考比较")
        reader = _Reader(b_vrt, a_vrt)
        fb.set_progress(5)
        byte = all(ds.GetRasterBand(k).DataType == gdal.GDT_Byte for ds, bl in ((bds, bb), (ads, ab))
                   for k in bl[:n])
        rad, threshold, median = calibrate(reader, grid, params, fb, byte)
        fb.info(f"辐射归一化完成；变化阈值 {threshold:.1f}（噪声水平 {median:.1f}）")
        fb.set_progress(10)
        flags_path = change_mask(reader, grid, rad, threshold, params, os.path.join(work, "flags.tif"),
                                 ProgressSlice(fb, 10, 75), workers)
        pixel_area = grid.res[0] * grid.res[1]
        regions = _polygonize(flags_path, max(2, int(0.25 * min_area / pixel_area)))
        fb.set_progress(80)
        lu = _prepare_landuse(landuse, landuse_code_field, grid)
        if lu is not None:
            _parcel_changed_share(lu, regions, grid)
        dropped = dict.fromkeys(DROP_REASONS, 0)
        found = []   # (geom, type, score, dominant parcel)
        rejected = []   # (geom, reason): changed regions that are not candidates
        for k, geom in enumerate(regions):
            if k % 50 == 0:
                check_canceled(fb)
                fb.set_progress(80 + 15 * k / max(1, len(regions)))
            if geom.area < 0.5 * min_area:
                dropped[DROP_REASONS[5]] += 1
                rejected.append((geom, DROP_REASONS[5]))
                continue
            win = _read_window(geom, reader, grid, rad, params)
            mask = _rasterize(geom, win.gt, win.mag.shape, grid.wkt)
            if not mask.any():
                continue
            use = _landuse_of(lu, geom, rules) if lu is not None else None
            if use is not None and use["covered"] < 0.5:   # outside the county's 三调: not its territory
                dropped[DROP_REASONS[6]] += 1
                rejected.append((geom, DROP_REASONS[6]))
                continue
            if use is not None and use["harvest"] >= rules["harvest_region_share"]:
                dropped[DROP_REASONS[3]] += 1
                rejected.append((geom, DROP_REASONS[3]))
                found.extend(_inside_harvest(win, mask, threshold, rules, grid, min_area, lu))
                continue
            mask = refine_region(win, mask, threshold, params["change"]["hysteresis"])
            look = _look(win, mask, threshold)
            kind, reason = classify(look, rules)
            if kind is None:
                dropped[reason] += 1
                rejected.append((geom, reason))
                continue
            if use is not None and kind != BUILDING and use["construction"] >= rules["construction_share"]:
                dropped[DROP_REASONS[4]] += 1
                rejected.append((geom, DROP_REASONS[4]))
                continue
            shape = _outline(win, mask, kind, grid)
            if shape is not None:
                found.append((shape, kind, look.score, use["dominant"] if use else None))
        cands = _candidates(found, grid, lu, patches, min_area, area_method, params, before, after,
                            patch_id_field, patch_code_field, dropped, rejected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fb.set_progress(100)
    seconds = time.monotonic() - started
    logger.info("变化检测：%d 个候选图斑，%d 个变化区域，用时 %.1f 秒", len(cands), len(regions), seconds)
    return DetectionResult(gpd.GeoDataFrame(cands, geometry="geometry", crs=grid.wkt), grid, (dx, dy), nwin,
                           threshold, median, len(regions), dropped, seconds, messages, rejected)


def _inside_harvest(win: _Window, mask: np.ndarray, threshold: float, rules: dict, grid: Grid, min_area: float,
                    lu: _LandUse) -> list:
    """Buildings inside a farmland parcel that changed as a whole: compact patches that differ from the
    parcel's new look (its median AFTER colour) and cast a new shadow."""
    from scipy import ndimage

    med = np.median(win.a[:, mask], axis=1)
    dev = np.sqrt(((win.a - med[:, None, None]) ** 2).sum(axis=0))
    odd = mask & (dev >= rules["anomaly_ratio"] * threshold)
    odd = ndimage.binary_opening(odd, _disk(1))
    out = []
    if not odd.any():
        return out
    for geom in _mask_polygons(odd, win.gt, grid.wkt):
        if geom.area < 0.5 * min_area:
            continue
        sub = _rasterize(geom, win.gt, mask.shape, grid.wkt)
        look = _look(win, sub, threshold)
        kind, _reason = classify(look, rules)
        if kind == BUILDING:
            shape = _outline(win, sub, kind, grid)
            if shape is not None:
                out.append((shape, kind, look.score, _landuse_of(lu, shape, rules)["dominant"]))
    return out


def _outline(win: _Window, mask: np.ndarray, kind: str, grid: Grid):
    """The candidate's polygon from its pixels; a building's footprint without its cast shadow."""
    from scipy import ndimage

    if kind == BUILDING:
        roof = ndimage.binary_fill_holes(ndimage.binary_opening(mask & ~_new_shadow(win), _disk(1)))
        if roof.sum() >= 0.3 * mask.sum():
            mask = roof
    parts = _mask_polygons(mask, win.gt, grid.wkt)
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _candidates(found: list, grid: Grid, lu: _LandUse | None, patches, min_area: float, area_method: str,
                params: dict, before: str, after: str, patch_id_field, patch_code_field, dropped: dict,
                rejected: list) -> dict:
    cols: dict[str, list] = {c: [] for c in OUTPUT_COLUMNS}
    cols["geometry"] = []
    if not found:
        return cols
    geoms = np.array([f[0] for f in found], dtype=object)
    a = areas(geoms, grid.wkt, area_method)
    keep = a >= min_area
    dropped[DROP_REASONS[5]] += int((~keep).sum())
    rejected.extend((g, DROP_REASONS[5]) for g in geoms[~keep])
    found = [f for f, k in zip(found, keep) if k]
    geoms, a = geoms[keep], a[keep]
    if not len(found):
        return cols
    known = np.zeros(len(found), int)
    known_id = np.full(len(found), "", dtype=object)
    if patches is not None and len(patches):
        pg = patches.to_crs(grid.wkt) if patches.crs is not None else patches
        pgeoms = shapely.make_valid(np.asarray(pg.geometry.values, dtype=object))
        ids = (pg[patch_id_field].astype(str).to_numpy() if patch_id_field and patch_id_field in pg
               else pg.index.astype(str).to_numpy())
        tree = shapely.STRtree(pgeoms)
        ci, pi = tree.query(geoms, predicate="intersects")
        if len(ci):
            inter = shapely.area(shapely.intersection(geoms[ci], pgeoms[pi]))
            share = inter / np.maximum(shapely.area(geoms[ci]), 1e-9)
            best: dict[int, tuple[float, int]] = {}
            for c, p, s in zip(ci, pi, share):
                if s > best.get(c, (0.0, -1))[0]:
                    best[c] = (s, p)
            for c, (s, p) in best.items():
                if s >= params["rules"]["known_overlap"]:
                    known[c] = 1
                    known_id[c] = ids[p]
    county = _county_code(lu, patches, patch_code_field)
    qsx, hsx = epoch_date(before), epoch_date(after)
    year = hsx[:4] if hsx else str(_dt.date.today().year)
    cents = shapely.centroid(geoms)
    cx, cy = shapely.get_x(cents), shapely.get_y(cents)
    town = []
    for f in found:
        d = f[3]
        town.append(lu.village_code[d][:9] if lu is not None and d is not None else "")
    # numbered like the county's patches: by township, then north to south
    order = sorted(range(len(found)), key=lambda k: (town[k], -round(cy[k], -2), round(cx[k], 1)))
    numbering = params["numbering"]
    types = params["types"]
    for seq, k in enumerate(order, start=1):
        geom, kind, score, dom = found[k]
        cols["JCBH"].append(numbering["format"].format(prefix=numbering["prefix"], county=county, year=year,
                                                       seq=seq))
        cols["change_type"].append(kind)
        cols["score"].append(round(float(score), 2))
        cols["area_m2"].append(round(float(a[k]), 2))
        cols["area_mu"].append(round(float(square_metres_to_mu(a[k])), 2))
        if lu is not None and dom is not None:
            code = lu.codes[dom]
            cols["landuse_before"].append(f"{code} {class_name(code)}".strip())
            cols["ZLDWDM"].append(lu.village_code[dom] or None)
            cols["ZLDWMC"].append(lu.village_name[dom] or None)
        else:
            cols["landuse_before"].append(None)
            cols["ZLDWDM"].append(None)
            cols["ZLDWMC"].append(None)
        cols["landuse_after"].append(types.get(kind, kind))
        cols["known"].append(int(known[k]))
        cols["known_patch"].append(known_id[k] or None)
        cols["QSX"].append(qsx or None)
        cols["HSX"].append(hsx or None)
        cols["area_method"].append(area_method)
        cols["geometry"].append(geom)
    return cols
