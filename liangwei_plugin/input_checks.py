"""Input checks before any figure (输入检查): coordinate reference systems, extents, coordinates.

A wrong CRS does not fail loudly: a patch layer in Gauss-Krüger metres labelled EPSG:4490 (degrees), or
labelled EPSG:3857, or with longitude and latitude swapped, gives areas of 0 or nonsense and determinations
built on them.  Every layer the overlay reads is therefore checked here first, on its bounding box and the
envelopes of its features (vectorised; never a Python loop over features):

- no CRS: inferred when the coordinates leave no doubt — CGCS2000 3° Gauss-Krüger with zone prefix
  (easting 25 500 000 … 45 500 000: zone = the first two digits, EPSG:4513–4533), 6° Gauss-Krüger with
  zone prefix (13 … 23, EPSG:4491–4501), or longitude/latitude inside China (CGCS2000, EPSG:4490) — and the
  message says so; otherwise (e.g. Gauss-Krüger without zone prefix: the central meridian is unknown) an
  error that names the layer and what to set;
- a declared CRS the coordinates cannot belong to: degrees outside ±180/±90 (projected metres labelled
  geographic), latitude/longitude swapped, a Gauss-Krüger zone prefix that is not the CRS's zone, or
  coordinates that do not fall in China once converted to longitude/latitude (e.g. metres labelled
  EPSG:3857) — an error naming the layer, the CRS and the probable right one;
- non-finite coordinates (NaN, ∞) — an error naming the features;
- layers that do not overlap: the land-use layer must meet the patches' extent; a protected layer far away
  (> :data:`FAR_APART_M`) is an error, a nearby one that simply does not meet the patches a warning.

The checks take the declared CRS and bounds, so a layer read later in parts (``ReferenceLayer.reader``) is
checked before the first read, on the extent its source reports.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer

from .i18n import tr

#: China's extent in degrees (with a margin): longitude/latitude outside it cannot be a county's data
CHINA_LON = (72.0, 136.5)
CHINA_LAT = (2.0, 55.0)
#: a protected layer whose extent is farther than this from the patches' (m) is not the same place
FAR_APART_M = 100_000.0
#: a Gauss-Krüger easting farther than this from the false easting is outside any zone (m)
MAX_ZONE_OFFSET_M = 800_000.0

CGCS2000_GEOGRAPHIC = 4490


class InputCheckError(ValueError):
    """Input that would falsify figures (message in Chinese, naming the layer and what to fix)."""


@dataclass(frozen=True)
class CrsVerdict:
    """The CRS to use for a layer: the declared one, or one inferred from the coordinates (``inferred``)."""

    crs: CRS | None
    inferred: bool = False
    message: str = ""


def _fmt_bounds(b) -> str:
    return f"({b[0]:.6g}, {b[1]:.6g}) – ({b[2]:.6g}, {b[3]:.6g})"


def _in_china(lon_min, lat_min, lon_max, lat_max) -> bool:
    return (CHINA_LON[0] <= lon_min and lon_max <= CHINA_LON[1]
            and CHINA_LAT[0] <= lat_min and lat_max <= CHINA_LAT[1])


def guess_crs(bounds: Sequence[float]) -> CRS | None:
    """A CGCS2000 CRS the coordinates can only belong to, or None when they leave a doubt.

    Gauss-Krüger with a zone prefix (the easting's millions are the zone number: 3° zones 25–45, 6° zones
    13–23) and longitude/latitude inside China are unambiguous; Gauss-Krüger without prefix is not (any
    central meridian fits)."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        return None
    if _in_china(minx, miny, maxx, maxy):
        return CRS.from_epsg(CGCS2000_GEOGRAPHIC)
    zone, zone_hi = int(minx // 1_000_000), int(maxx // 1_000_000)
    northing_ok = 200_000 <= miny and maxy <= 6_200_000
    if zone == zone_hi and northing_ok:
        offset = (minx - zone * 1_000_000 - 500_000, maxx - zone * 1_000_000 - 500_000)
        if max(abs(o) for o in offset) <= 350_000:
            if 25 <= zone <= 45:
                return CRS.from_epsg(4513 + zone - 25)
            if 13 <= zone <= 23:
                return CRS.from_epsg(4491 + zone - 13)
    return None


def _looks_like_gk_without_prefix(bounds) -> bool:
    minx, miny, maxx, maxy = bounds
    return 150_000 <= minx and maxx <= 850_000 and 200_000 <= miny and maxy <= 6_200_000


def _hint(bounds) -> str:
    """What the coordinates look like, for messages."""
    guess = guess_crs(bounds)
    if guess is not None:
        return tr("坐标看起来属于 {crs}（EPSG:{code}）").format(crs=guess.name, code=guess.to_epsg())
    if _looks_like_gk_without_prefix(bounds):
        return tr("坐标看起来是不带带号的高斯-克吕格投影坐标（米），中央经线需按本地实际选择，"
                  "如 CGCS2000 / 3-degree Gauss-Kruger CM 117E（EPSG:4548）")
    return tr("无法从坐标判断其坐标参考系")


def crs_label(crs: CRS | None) -> str:
    if crs is None:
        return tr("（无）")
    code = crs.to_epsg()
    return f"{crs.name}（EPSG:{code}）" if code else crs.name


def _tm_false_easting(crs: CRS) -> float | None:
    op = crs.coordinate_operation if not crs.is_geographic else None
    if op is None or op.method_code not in ("9807", "9808"):
        return None
    for p in op.params:
        if p.code == "8806":
            return float(p.value)
    return None


def declared_crs(crs) -> CRS | None:
    """The CRS a layer declares, None when it declares none — also for the placeholders files carry
    instead ("Undefined geographic SRS" of a GeoPackage without CRS, an engineering/local CRS)."""
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        return None
    try:
        crs = CRS.from_user_input(crs)
    except Exception:  # noqa: BLE001 - an unreadable definition is as good as none
        return None
    if crs.name.lower().startswith(("undefined", "unknown")) or crs.type_name.startswith("Engineering"):
        return None
    return crs


def check_crs(layer_name: str, crs, bounds: Sequence[float] | None) -> CrsVerdict:
    """The CRS to use for a layer with declared ``crs`` (None: missing) and ``bounds`` (minx, miny, maxx,
    maxy in its own coordinates; None/non-finite: no geometry to judge by).

    Raises :class:`InputCheckError` when the CRS is missing and cannot be inferred, or when the coordinates
    cannot belong to the declared CRS."""
    declared = declared_crs(crs)
    have_bounds = bounds is not None and all(math.isfinite(float(v)) for v in bounds)
    if declared is None:
        if not have_bounds:
            raise InputCheckError(tr("图层「{layer}」没有坐标参考系，也没有可用于判断的坐标："
                                     "请在图层属性中设置坐标参考系。")
                                  .format(layer=layer_name))
        guess = guess_crs(bounds)
        if guess is None:
            raise InputCheckError(tr(
                "图层「{layer}」没有坐标参考系，无法计算面积。坐标范围 {bounds}；{hint}。"
                "请在图层属性（或 .prj 文件）中设置正确的坐标参考系后重试。").format(
                layer=layer_name, bounds=_fmt_bounds(bounds), hint=_hint(bounds)))
        return CrsVerdict(guess, True, tr(
            "图层「{layer}」没有坐标参考系；按坐标范围 {bounds} 判断为 {crs}，已按此计算。"
            "如不正确，请在图层属性中设置坐标参考系。").format(
            layer=layer_name, bounds=_fmt_bounds(bounds), crs=crs_label(guess)))
    if not have_bounds:
        return CrsVerdict(declared)
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    label = crs_label(declared)

    def wrong(what: str) -> InputCheckError:
        return InputCheckError(tr(
            "图层「{layer}」的坐标不可能属于其坐标参考系 {crs}：{what}（坐标范围 {bounds}）。{hint}。"
            "请在图层属性中改正坐标参考系（“设置图层坐标参考系”，不是重投影），再运行。").format(
            layer=layer_name, crs=label, what=what, bounds=_fmt_bounds(bounds), hint=_hint(bounds)))

    if declared.is_geographic:
        if not _in_china(minx, miny, maxx, maxy) and _in_china(miny, minx, maxy, maxx):
            raise InputCheckError(tr(
                "图层「{layer}」的经纬度顺序颠倒：X 为纬度、Y 为经度（坐标范围 {bounds}）。"
                "请交换坐标顺序（X = 经度，Y = 纬度）后重试。").format(layer=layer_name, bounds=_fmt_bounds(bounds)))
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise wrong(tr("经纬度超出 ±180°/±90°，实为投影坐标（米）"))
        if not _in_china(minx, miny, maxx, maxy):
            raise wrong(tr("经纬度不在中国境内"))
        return CrsVerdict(declared)
    fe = _tm_false_easting(declared)
    if fe is not None and fe >= 1_000_000:
        zone = int(fe // 1_000_000)
        if int(minx // 1_000_000) != zone or int(maxx // 1_000_000) != zone:
            raise wrong(tr("横坐标的带号不是 {zone}").format(zone=zone))
    if fe is not None and max(abs(minx - fe), abs(maxx - fe)) > MAX_ZONE_OFFSET_M:
        raise wrong(tr("横坐标距中央经线超过 {km:.0f} 公里，不在该投影带内").format(km=MAX_ZONE_OFFSET_M / 1000))
    try:
        to_geo = Transformer.from_crs(declared, declared.geodetic_crs, always_xy=True)
        xs = np.array([minx, maxx, minx, maxx, (minx + maxx) / 2])
        ys = np.array([miny, miny, maxy, maxy, (miny + maxy) / 2])
        lon, lat = to_geo.transform(xs, ys)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    except Exception:  # noqa: BLE001 - pyproj raises various errors for impossible coordinates
        lon = lat = np.array([np.nan])
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise wrong(tr("无法换算为经纬度"))
    if not _in_china(lon.min(), lat.min(), lon.max(), lat.max()):
        raise wrong(tr("换算为经纬度后位于 ({lon:.2f}°, {lat:.2f}°)，不在中国境内").format(
            lon=float(lon[-1]), lat=float(lat[-1])))
    return CrsVerdict(declared)


def check_finite(geoms: np.ndarray, ids: Sequence | None, layer_name: str) -> None:
    """Reject features whose coordinates are not finite numbers (NaN, ∞): their areas would be NaN or 0."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return
    with np.errstate(invalid="ignore"):  # (GEOS skips NaN ordinates in envelopes; numpy still warns)
        b = shapely.bounds(geoms[present])
    bad_rows = np.nonzero(~np.isfinite(b).all(axis=1))[0]
    # bounds skip NaN ordinates in GEOS: also ask for coordinates directly where the envelope looks fine
    if not len(bad_rows):
        coords, idx = shapely.get_coordinates(geoms[present], return_index=True)
        bad_rows = np.unique(idx[~np.isfinite(coords).all(axis=1)])
    if len(bad_rows):
        rows = np.nonzero(present)[0][bad_rows]
        names = [str(ids[i]) for i in rows[:20]] if ids is not None else [str(i + 1) for i in rows[:20]]
        raise InputCheckError(tr("图层「{layer}」有 {n} 个要素的坐标不是有效数值（NaN 或无穷大）：{ids}。"
                                 "请修正或删除这些要素后重试。").format(
            layer=layer_name, n=len(rows), ids="、".join(names) + ("…" if len(rows) > 20 else "")))


def layer_bounds(geoms: np.ndarray) -> np.ndarray | None:
    """(minx, miny, maxx, maxy) of the present geometries, None when there are none."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return None
    b = shapely.bounds(geoms)
    ok = np.isfinite(b).all(axis=1)
    if not ok.any():
        return None
    b = b[ok]
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def bounds_in(bounds: Sequence[float], src: CRS, dst: CRS) -> np.ndarray:
    """``bounds`` of ``src`` as bounds in ``dst`` (densified edges)."""
    src, dst = CRS.from_user_input(src), CRS.from_user_input(dst)
    if src.equals(dst):
        return np.asarray(bounds, dtype=float)
    t = Transformer.from_crs(src, dst, always_xy=True)
    return np.asarray(t.transform_bounds(*[float(v) for v in bounds], densify_pts=21), dtype=float)


def check_overlap(patches_name: str, patch_bounds: Sequence[float], layer_name: str,
                  layer_bounds_: Sequence[float] | None, required: bool) -> str:
    """Compare two extents in the same CRS.  Disjoint: an error when ``required`` (the land-use layer) or
    when they lie more than :data:`FAR_APART_M` apart; else a warning text (returned; '' when they meet)."""
    if layer_bounds_ is None:
        return ""
    a, b = np.asarray(patch_bounds, dtype=float), np.asarray(layer_bounds_, dtype=float)
    gap_x = max(0.0, b[0] - a[2], a[0] - b[2])
    gap_y = max(0.0, b[1] - a[3], a[1] - b[3])
    if gap_x == 0 and gap_y == 0:
        return ""
    gap = math.hypot(gap_x, gap_y)
    text = tr("图层「{layer}」的范围 {lb} 与图层「{patches}」的范围 {pb} 完全不重叠（相距约 {km:.1f} 公里）").format(
        layer=layer_name, lb=_fmt_bounds(b), patches=patches_name, pb=_fmt_bounds(a), km=gap / 1000)
    if required or gap > FAR_APART_M:
        raise InputCheckError(text + tr("：请检查两个图层的坐标参考系是否设置正确、是否选错了图层。"))
    return text + tr("：该图层的叠加面积全部为 0。")
