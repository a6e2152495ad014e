"""Overlay engine (图斑叠加分析): what every monitoring patch occupies, by layer and by class.

Input: the patches (a GeoDataFrame) and any number of reference polygon layers — at most one land-use
layer (三调 地类图斑, classed by DLBM) and any number of protected/planning layers (生态保护红线, 永久基本农田, …).
Output (:class:`OverlayResult`): one summary row per input patch (same order, nothing dropped) and a detail
table with one row per patch × layer × class.

How it is fast (100,000 patches × 1,000,000 parcels in about 8 s on 2 cores; bench/overlay.py):
- reference layers with a ``reader`` are read by the engine on a background thread, only the features
  near the patches (a GeoPackage through its R-tree) — the land-use layer in parts, one per group of
  neighbouring patches — while what is already read is overlaid;
- candidate pairs come from a shapely 2 ``STRtree`` of each part queried with its patches at once; only
  the candidate features are validated (``is_valid``; ``make_valid`` just for the invalid ones);
- a patch inside a parcel contributes its own area and a parcel inside a patch the parcel's area, without
  an intersection (``contains_properly``, tested only where the envelopes nest);
- every other candidate pair is intersected (vectorised ``shapely.intersection``; a pair whose envelopes
  meet but whose geometries do not gives an empty piece, cheaper than a predicate on every pair);
- patches are sorted along a Hilbert curve; pairs are processed in chunks on a thread pool (shapely 2
  releases the GIL inside its vectorised GEOS loops, so both cores work); envelopes are computed before
  threads share geometries (GEOS caches them lazily, and concurrent first uses race);
- ellipsoidal areas with a vectorised Gauss-Krüger formula (:mod:`.areas`), group-bys in numpy.

Areas: ellipsoidal (geodesic, CGCS2000 ellipsoid; :mod:`.areas`) by default, planar in the working CRS on
request.  A class area is the area of the intersection geometry; ``share`` = class area / patch area.

Decisions (documented in the README):
- edge contact only (intersection of zero area, i.e. < 1e-6 m²): no detail row;
- land-use parcels are a partition, so a patch's pieces of one class are summed; protected-layer features may
  overlap each other, so a patch's pieces in one protected layer are unioned before measuring;
- duplicate patch ids are all kept; the 2nd, 3rd … occurrence gets ``patch_id`` = ``<id>#2``, ``<id>#3`` so the
  detail table joins back unambiguously, and a note in ``repair_note``;
- null/empty/non-polygon patch geometries are kept with zero areas and a note.
"""
from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from . import input_checks, landuse_codes
from .areas import ELLIPSOIDAL, PLANAR, areas, geographic_transformer, square_metres_to_mu
from .feedback import Canceled, Feedback, check_canceled, ensure_feedback
from .fieldmap import protected_area_field, resolve_field
from .i18n import tr
from .log import logger
from .vector_io import patch_envelopes

#: candidate names of the patch id field, in order (the issue's default order, then field_mapping aliases)
ID_FIELD_CANDIDATES = ("JCBH", "TBBH", "BSM")
#: intersections smaller than this (m²) are edge contacts / numerical slivers: no detail row
MIN_PIECE_M2 = 1e-6

SUMMARY_FIELDS = (
    "patch_id", "area_m2", "area_mu", "area_method", "farmland_m2", "farmland_mu", "construction_m2",
    "agricultural_m2", "unused_m2", "zldwdm", "zldwmc",
)
TAIL_FIELDS = ("protected_summary", "repaired", "repair_note")
#: summary fields added when a land-use layer is overlaid: the part of the patch no known land-use class
#: covers — parcels whose code is unknown to resources/landuse_codes.toml or NULL, and the part no parcel
#: covers at all (a gap in the land-use layer, or the patch outside its coverage)
LANDUSE_CHECK_FIELDS = ("landuse_unknown_m2", "landuse_gap_m2")
#: land-use overlaps and gaps smaller than this (m², or this share of the patch) are numerical noise
COVERAGE_TOL_M2 = 0.01
COVERAGE_TOL_SHARE = 1e-6
DETAIL_FIELDS = ("patch_id", "layer", "class_code", "class_name", "area_m2", "area_mu", "share")

LANDUSE = "landuse"
PROTECTED = "protected"


class OverlayInputError(ValueError):
    """Bad input the user must fix (message in Chinese, naming the layer/field/feature)."""


@dataclass
class ReferenceLayer:
    """A reference polygon layer for the overlay.

    ``kind`` = ``"landuse"`` (classed by ``class_field``, e.g. DLBM; also gives ZLDWDM/ZLDWMC) or
    ``"protected"`` (reported as a whole under ``name``; ``name_field``, e.g. MC, splits its detail rows).

    The features come from ``gdf`` — a GeoDataFrame, or a ``concurrent.futures.Future`` of one (a layer
    still being read: the engine overlays the layers that are ready first) — or from ``reader``:
    ``reader(near, crs)`` returns the features whose envelope meets one of the ``near`` rectangles (given in
    ``crs``).  The engine calls readers on a background thread and overlays what is read meanwhile; a
    land-use layer is read in parts, one per group of neighbouring patches, each overlaid while the next
    is read (for a million parcels the read otherwise costs a fifth of the whole).
    """

    name: str
    gdf: gpd.GeoDataFrame | Future | None = None
    kind: str = PROTECTED
    class_field: str | None = None
    name_field: str | None = None
    zldwdm_field: str | None = None
    zldwmc_field: str | None = None
    class_name_field: str | None = None  # DLMC: names for codes the shipped table does not know
    prefiltered: bool = False  # features far from every patch were already dropped (may be empty)
    reader: Callable[[np.ndarray, CRS], gpd.GeoDataFrame] | None = None
    # the whole layer's extent (minx, miny, maxx, maxy) in ``source_crs`` (None: the layer has no CRS), as
    # its source reports it: lets the engine check the CRS and the overlap before reading (input_checks)
    extent: tuple[float, float, float, float] | None = None
    source_crs: CRS | str | None = None


@dataclass
class OverlayResult:
    summary: pd.DataFrame          # one row per input patch, input order; SUMMARY_FIELDS + <layer>_m2 + TAIL_FIELDS
    detail: pd.DataFrame           # DETAIL_FIELDS
    area_method: str
    crs: CRS                       # working CRS (projected) the geometries were overlaid in
    protected_fields: dict[str, str] = field(default_factory=dict)  # layer name -> its <layer>_m2 field
    geometries: np.ndarray | None = None  # repaired patch geometries in the working CRS
    patches_crs: CRS | None = None  # the patches' CRS used: declared, or inferred when they had none
    messages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (wall clock), for benchmarks


# --------------------------------------------------------------------------- input checks and repair
def find_id_field(columns: Sequence[str], layer_name: str = "图斑") -> str:
    """The patch id field: the first of JCBH, TBBH, BSM present (aliases via field_mapping.toml)."""
    cols = [c for c in columns if c != "geometry"]
    for canonical in ID_FIELD_CANDIDATES:
        hit = resolve_field(cols, canonical)
        if hit is not None:
            return hit
    raise OverlayInputError(
        tr("图层「{layer}」没有图斑编号字段。可接受的字段名：{accepted}（见 resources/field_mapping.toml）；"
           "图层现有字段：{present}。请在“图斑编号字段”参数中指定。").format(
            layer=layer_name, accepted="、".join(ID_FIELD_CANDIDATES) + " 及其别名",
            present="、".join(cols) or tr("（无）"))
    )


def check_polygon_layer(gdf: gpd.GeoDataFrame, layer_name: str, allow_empty: bool = False) -> None:
    """Reject empty layers and layers whose geometries are not polygons."""
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise OverlayInputError(tr("图层「{layer}」不是矢量面图层。").format(layer=layer_name))
    if len(gdf) == 0 and allow_empty:
        return
    if len(gdf) == 0:
        raise OverlayInputError(tr("图层「{layer}」没有要素。").format(layer=layer_name))
    geoms = gdf.geometry.values
    present = ~(shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms)))
    if not present.any():
        if allow_empty:
            return
        raise OverlayInputError(tr("图层「{layer}」的要素都没有几何。").format(layer=layer_name))
    types = set(shapely.get_type_id(np.asarray(geoms)[present]).tolist())
    if not types & {3, 6, 7}:
        names = sorted(set(gdf.geometry[present].geom_type))
        raise OverlayInputError(
            tr("图层「{layer}」不是面图层（几何类型：{types}），叠加分析只接受面图层。").format(
                layer=layer_name, types="、".join(names))
        )


def _polygonal(geom):
    """Only the polygonal parts of a geometry (as Polygon or MultiPolygon), None if there are none."""
    if geom is None:
        return None
    tid = shapely.get_type_id(geom)
    if tid in (3, 6):
        return geom
    polys = []
    stack = [geom]
    while stack:
        g = stack.pop()
        t = shapely.get_type_id(g)
        if t == 3:
            polys.append(g)
        elif t in (6, 7):
            stack.extend(shapely.get_parts(g))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _footprint(geom):
    """The area a (possibly invalid) polygonal geometry covers, as a valid (Multi)Polygon or None.

    ``make_valid`` of a MultiPolygon whose parts overlap keeps what is covered an odd number of times, so
    the overlap is lost; the footprint is the union of the parts, each made valid on its own."""
    if shapely.get_type_id(geom) in (6, 7):
        parts = [p for p in (_polygonal(shapely.make_valid(g)) for g in shapely.get_parts(geom)) if p is not None]
        if not parts:
            return None
        return _polygonal(shapely.make_valid(shapely.union_all(parts)))
    return _polygonal(shapely.make_valid(geom))


def _threaded(func, arr: np.ndarray, workers: int) -> np.ndarray:
    """``func`` over ``arr`` split in ``workers`` slices on threads (shapely releases the GIL)."""
    if workers <= 1 or len(arr) < 20_000:
        return func(arr)
    shapely.bounds(arr)  # GEOS caches envelopes lazily: fill the caches before threads share geometries
    cuts = np.linspace(0, len(arr), workers + 1).astype(int)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(func, [arr[a:b] for a, b in zip(cuts[:-1], cuts[1:])]))
    return np.concatenate(parts)


def repair_geometries(geoms: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Make invalid geometries valid, keeping every polygonal part (``shapely.make_valid``, not buffer(0)).

    Returns (geometries, repaired flags, notes); the note names what was wrong (GEOS validity reason).
    Null/empty/non-polygon geometries are returned as None with a note and repaired = 0.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    n = len(geoms)
    repaired = np.zeros(n, dtype=np.int32)
    notes = [""] * n
    missing = shapely.is_missing(geoms)
    empty = np.zeros(n, dtype=bool)
    empty[~missing] = shapely.is_empty(geoms[~missing])
    for i in np.nonzero(missing | empty)[0]:
        notes[i] = tr("几何为空，面积按0计")
        geoms[i] = None
    present = ~(missing | empty)
    tid = np.full(n, -1)
    tid[present] = shapely.get_type_id(geoms[present])
    for i in np.nonzero(present & ~np.isin(tid, (3, 6, 7)))[0]:
        notes[i] = tr("几何不是面（{kind}），面积按0计").format(kind=geoms[i].geom_type)
        geoms[i] = None
        present[i] = False
    # a coordinate that is not a number (NaN, infinite: a broken export) makes GEOS fail on the whole
    # layer; such a geometry cannot be measured: kept as None with a note, like an empty one
    coords, owner = shapely.get_coordinates(geoms[present], return_index=True)
    if len(coords):
        bad_local = np.unique(owner[~np.isfinite(coords).all(axis=1)])
        for i in np.nonzero(present)[0][bad_local]:
            notes[i] = tr("坐标含无效数字（NaN 或无穷大），无法计算面积，面积按0计；请修正该几何")
            geoms[i] = None
            present[i] = False
    check = present.copy()
    valid = np.ones(n, dtype=bool)
    valid[check] = _threaded(shapely.is_valid, geoms[check], workers)
    for i in np.nonzero(check & ~valid)[0]:
        reason = shapely.is_valid_reason(geoms[i])
        fixed = _footprint(geoms[i])
        repaired[i] = 1
        if fixed is None or shapely.is_empty(fixed):
            notes[i] = tr("几何无效（{reason}），修复后无面状部分，面积按0计").format(reason=reason)
            geoms[i] = None
        else:
            notes[i] = tr("几何无效（{reason}），已用 make_valid 修复（保留全部面状部分）").format(reason=reason)
            geoms[i] = fixed
    # collections of polygons (valid) are reduced to their polygonal parts too
    for i in np.nonzero(present & (tid == 7))[0]:
        if geoms[i] is not None:
            geoms[i] = _polygonal(geoms[i])
    return geoms, repaired, notes


def working_crs_for(gdf: gpd.GeoDataFrame, layer_name: str = "图斑") -> CRS:
    """The projected CRS to overlay in: the patches' own CRS, or for geographic patches the CGCS2000
    3° Gauss-Krüger zone (EPSG:4534-4554, no zone prefix) of their centre."""
    if gdf.crs is None:
        raise OverlayInputError(tr("图层「{layer}」没有坐标参考系，无法计算面积。").format(layer=layer_name))
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_geographic:
        return crs
    ok = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    if not ok.any():
        return CRS.from_epsg(4527)
    minx, miny, maxx, maxy = gdf.geometry[ok].total_bounds
    lon = (minx + maxx) / 2
    cm = int(round(lon / 3.0)) * 3
    cm = min(max(cm, 75), 135)
    return CRS.from_epsg(4534 + (cm - 75) // 3)


# --------------------------------------------------------------------------- the pair engine
_local = threading.local()


def _transformer(crs: CRS):
    """A transformer crs -> lon/lat for this thread (pyproj transformers must not be shared by threads)."""
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = crs.to_wkt()
    if key not in cache:
        cache[key] = geographic_transformer(crs)
    return cache[key]


def _nested(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Rows whose ``inner`` envelope (minx, miny, maxx, maxy) lies within the ``outer`` envelope."""
    return ((inner[:, 0] >= outer[:, 0]) & (inner[:, 1] >= outer[:, 1])
            & (inner[:, 2] <= outer[:, 2]) & (inner[:, 3] <= outer[:, 3]))


def _chunk_pairs(pi: np.ndarray, rj: np.ndarray, patches: np.ndarray, refs: np.ndarray, crs: CRS, method: str,
                 patch_area: np.ndarray, keep_geoms: bool, patch_bounds: np.ndarray, ref_bounds: np.ndarray):
    """Areas of the candidate pairs (patch ``pi``, reference ``rj``; envelopes meet) with positive overlap.

    A patch inside the reference feature contributes its own area and a reference feature inside the
    patch its own area: no intersection is computed for them.  Both can only happen when the envelopes
    nest, so only those pairs are tested (``contains_properly``, ~4 µs; a patch touching the feature's
    boundary from inside simply takes the intersection path).  Every other pair is intersected directly: a
    pair whose envelopes meet but whose geometries do not gives an empty piece (~13 µs), which costs less
    than testing every pair with ``intersects`` first (~8 µs a pair; a prepared patch ~2.4 µs, but preparing
    and freeing it costs more than it saves with ~4 candidates per patch).
    """
    pg = patches[pi]
    rg = refs[rj]
    pb, rb = patch_bounds[pi], ref_bounds[rj]
    n = len(pi)
    inside = np.zeros(n, dtype=bool)
    idx = np.nonzero(_nested(pb, rb))[0]
    if len(idx):
        inside[idx] = shapely.contains_properly(rg[idx], pg[idx])
    contained = np.zeros(n, dtype=bool)
    idx = np.nonzero(~inside & _nested(rb, pb))[0]
    if len(idx):
        contained[idx] = shapely.contains_properly(pg[idx], rg[idx])
    transformer = _transformer(crs) if method == ELLIPSOIDAL else None
    area = np.zeros(n, dtype=np.float64)
    area[inside] = patch_area[pi[inside]]
    c_idx = np.nonzero(contained)[0]
    if len(c_idx):
        area[c_idx] = areas(rg[c_idx], crs, method, transformer)
    x_idx = np.nonzero(~inside & ~contained)[0]
    pieces = shapely.intersection(pg[x_idx], rg[x_idx])  # empty where the envelopes met, not the geometries
    area[x_idx] = areas(pieces, crs, method, transformer)
    keep = area >= MIN_PIECE_M2
    geoms = None
    if keep_geoms:
        geoms = np.empty(n, dtype=object)
        geoms[inside] = pg[inside]
        geoms[c_idx] = rg[c_idx]
        geoms[x_idx] = pieces
        geoms = geoms[keep]
    return pi[keep], rj[keep], area[keep], geoms


def _pairs(patches: np.ndarray, cand: tuple[np.ndarray, np.ndarray], refs: np.ndarray, crs: CRS, method: str,
           patch_area: np.ndarray, keep_geoms: bool, workers: int, feedback: Feedback,
           progress: tuple[float, float]):
    """All pairs with positive overlap and their areas, from the candidate pairs ``cand`` = (patch, ref)
    ordered along the patches' Hilbert curve; chunks of consecutive pairs run on a thread pool (shapely
    releases the GIL inside its vectorised GEOS loops)."""
    pi_all, rj_all = cand
    # computing the envelopes here also caches them inside the GEOS geometries before several threads
    # share them (GEOS fills that cache lazily, and concurrent first uses race)
    patch_bounds = shapely.bounds(patches)
    ref_bounds = shapely.bounds(refs)
    m = len(pi_all)
    # small chunks: the threads finish together (no lone last chunk) and cancel/progress stay responsive
    size = max(1000, min(5000, math.ceil(m / max(1, workers * 8))))
    cuts = list(range(0, m, size)) + [m]
    chunks = [(a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    results = []
    lo, hi = progress

    def run(ab):
        a, b = ab
        return _chunk_pairs(pi_all[a:b], rj_all[a:b], patches, refs, crs, method, patch_area, keep_geoms,
                            patch_bounds, ref_bounds)

    if workers <= 1 or len(chunks) <= 1:
        for k, c in enumerate(chunks):
            check_canceled(feedback)
            results.append(run(c))
            feedback.set_progress(lo + (hi - lo) * (k + 1) / len(chunks))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, c) for c in chunks]
            try:
                for k, f in enumerate(futures):
                    results.append(f.result())
                    feedback.set_progress(lo + (hi - lo) * (k + 1) / len(chunks))
                    if feedback.is_canceled():
                        raise Canceled(tr("用户已取消"))
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    if not results:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), (np.zeros(0, dtype=object) if keep_geoms else None)
    pi = np.concatenate([r[0] for r in results])
    rj = np.concatenate([r[1] for r in results])
    ar = np.concatenate([r[2] for r in results])
    gs = np.concatenate([r[3] for r in results]) if keep_geoms else None
    return pi, rj, ar, gs


def _prepare_reference(layer: ReferenceLayer, gdf: gpd.GeoDataFrame, crs: CRS, patches: np.ndarray,
                       order: np.ndarray, workers: int = 1):
    """Reference geometries in the working CRS, the candidate pairs (patch, ref) whose envelopes meet, in
    the order of ``order`` (patch indices along the Hilbert curve), and the indices of the references that
    were repaired.  Only the features that are candidates are validated and repaired (validating a
    million parcels costs more than the overlay)."""
    check_polygon_layer(gdf, layer.name, allow_empty=layer.prefiltered or layer.reader is not None)
    if gdf.crs is None:
        raise OverlayInputError(tr("图层「{layer}」没有坐标参考系。").format(layer=layer.name))
    geoms = gdf.geometry.values
    if not CRS.from_user_input(gdf.crs).equals(crs):
        geoms = geoms.to_crs(crs)
    geoms = np.array(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    # pairs sorted by the query index follow the Hilbert order of the patches; the query runs on threads
    # over consecutive slices (GEOS releases the GIL; the patches' envelopes are cached already)
    queried = patches[order]
    if workers > 1 and len(queried) >= 20_000:
        cuts = np.linspace(0, len(queried), workers + 1).astype(int)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(lambda ab: tree.query(queried[ab[0]:ab[1]]), zip(cuts[:-1], cuts[1:])))
        q = np.concatenate([pq + a for (pq, _), a in zip(parts, cuts[:-1])])
        rj = np.concatenate([pr for _, pr in parts])
    else:
        q, rj = tree.query(queried)
    pi = order[q]
    cand = np.unique(rj)
    fixed, repaired, _notes = repair_geometries(geoms[cand], workers)
    geoms[cand] = fixed
    gone = shapely.is_missing(geoms[rj])  # repaired into nothing polygonal
    if gone.any():
        pi, rj = pi[~gone], rj[~gone]
    return geoms, (pi, rj), cand[repaired.astype(bool)]


@dataclass
class _LayerPairs:
    """What the overlay of one reference layer produced, accumulated over the parts it was read in."""

    pi: list = field(default_factory=list)       # patch index per pair
    area: list = field(default_factory=list)     # pair area
    attrs: dict = field(default_factory=dict)    # attribute name -> list of per-pair value arrays
    pieces: list = field(default_factory=list)   # intersection geometries (protected layers)
    repaired: set = field(default_factory=set)   # FIDs of repaired features
    overlaps: dict = field(default_factory=dict)  # land use: patch index -> (overlap m², where)
    fids: list = field(default_factory=list)      # land use: FID of the parcel of each pair
    stats: dict = field(default_factory=dict)     # land use: code checks (_landuse_detail)
    reprojected_from: str | None = None
    started: bool = False

    def cat(self, name: str) -> np.ndarray:
        parts = self.attrs.get(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=object)


def _split_order(order: np.ndarray, n_parts: int) -> list[np.ndarray]:
    """Consecutive groups of the Hilbert-ordered patches (neighbouring patches stay together)."""
    if n_parts <= 1 or len(order) == 0:
        return [order]
    return [g for g in np.array_split(order, n_parts) if len(g)]


#: patches per part when a reference layer is read in parts (ReferenceLayer.reader)
READ_PART_PATCHES = 25_000


def _text(values) -> np.ndarray:
    """Values as stripped text ('' for nulls); the distinct values are converted once."""
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    text = np.array([str(v).strip() for v in uniq] + [""], dtype=object)
    return text[codes]  # code -1 (null) picks the trailing ""


def overlay_patches(
    patches: gpd.GeoDataFrame,
    landuse: ReferenceLayer | None = None,
    protected: Sequence[ReferenceLayer] = (),
    *,
    id_field: str | None = None,
    area_method: str = ELLIPSOIDAL,
    layer_name: str = "图斑",
    workers: int | None = None,
    feedback: Feedback | None = None,
) -> OverlayResult:
    """Overlay the patches with a land-use layer and protected layers (see module doc).

    ``patches``: monitoring patches (any polygon CRS; geographic ones are overlaid in their CGCS2000 GK zone).
    ``id_field``: the patch id field; default the first of JCBH, TBBH, BSM present.
    ``area_method``: ``"ellipsoidal"`` (CGCS2000, default) or ``"planar"`` (working CRS).
    ``workers``: threads (default: CPU count).
    """
    feedback = ensure_feedback(feedback)
    if area_method not in (ELLIPSOIDAL, PLANAR):
        raise ValueError(f"area_method must be {ELLIPSOIDAL!r} or {PLANAR!r}")
    workers = workers or os.cpu_count() or 1
    messages: list[str] = []
    check_polygon_layer(patches, layer_name)
    if id_field is None:
        id_field = find_id_field(list(patches.columns), layer_name)
    elif id_field not in patches.columns:
        raise OverlayInputError(tr("图层「{layer}」没有字段「{field}」；现有字段：{present}").format(
            layer=layer_name, field=id_field, present="、".join(c for c in patches.columns if c != "geometry")))
    patches = _check_patches_crs(patches, id_field, layer_name, feedback, messages)
    crs = working_crs_for(patches, layer_name)
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        timings[phase] = timings.get(phase, 0.0) + now - clock[0]
        clock[0] = now

    layers = ([landuse] if landuse is not None else []) + list(protected)
    for layer in layers:
        if layer.gdf is None and layer.reader is None:
            raise ValueError(f"reference layer {layer.name!r} has neither gdf nor reader")

    # ---- patch geometries: reproject; Hilbert order (keeps each chunk's candidates together: cache
    # locality, few features shared between chunks and between the parts a layer is read in)
    geoms = patches.geometry.values
    if not CRS.from_user_input(patches.crs).equals(crs):
        geoms = geoms.to_crs(crs)
    geoms = np.asarray(geoms)
    order = np.nonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))[0]
    if len(order) > 1:
        hd = gpd.GeoSeries(geoms[order], crs=crs).hilbert_distance()  # (also caches the envelopes)
        order = order[np.argsort(hd.to_numpy(), kind="stable")]
    # ---- every reference layer's CRS and extent checked before anything is read or measured
    patch_bounds = input_checks.layer_bounds(geoms)
    layers = [_check_reference_layer(layer, crs, patch_bounds, layer_name, feedback, messages) for layer in layers]

    # ---- start reading the layers that come with a reader, in parts, on a background thread: work
    # items (layer, part source, patches of the part), in the order they will be overlaid
    io = ThreadPoolExecutor(max_workers=1)
    items = []
    groups = _split_order(order, math.ceil(len(order) / READ_PART_PATCHES))
    near: dict[int, np.ndarray] = {}
    try:
        # the land-use parts are read first (the longest reads); the small protected layers after them
        for li in sorted(range(len(layers)), key=lambda k: layers[k].kind != LANDUSE):
            layer = layers[li]
            if layer.reader is not None:
                # the land-use layer in parts; a protected layer (usually small, and read whole when it
                # is) in one
                for g in (groups if layer.kind == LANDUSE else [order]):
                    if id(g) not in near:  # own rectangles for the reading thread (one set per group)
                        near[id(g)] = patch_envelopes(geoms[g])
                    items.append((li, io.submit(layer.reader, near[id(g)], crs), g))
            else:
                items.append((li, layer.gdf, None))
        return _overlay(patches, layers, items, geoms, order, crs, id_field, area_method, layer_name, workers,
                        feedback, messages, lap, timings)
    finally:
        for it in items:
            if isinstance(it[1], Future):
                it[1].cancel()
        io.shutdown(wait=True)


def _check_patches_crs(patches: gpd.GeoDataFrame, id_field: str, layer_name: str, feedback: Feedback,
                       messages: list[str]) -> gpd.GeoDataFrame:
    """The patches with a CRS their coordinates can belong to (inferred when missing and unambiguous)."""
    geoms = np.asarray(patches.geometry.values)
    try:
        input_checks.check_finite(geoms, patches[id_field].to_numpy(), layer_name)
        verdict = input_checks.check_crs(layer_name, patches.crs, input_checks.layer_bounds(geoms))
    except input_checks.InputCheckError as exc:
        raise OverlayInputError(str(exc)) from None
    if verdict.inferred:
        feedback.warning(verdict.message)
        messages.append(verdict.message)
        patches = patches.set_crs(verdict.crs, allow_override=True)
    return patches


def _assume_crs_reader(reader, assumed: CRS):
    """A reader of a layer without CRS whose CRS was inferred: the ``near`` rectangles are given to it in
    that CRS (it cannot transform them itself) and what it reads is labelled with it."""
    def read(near, near_crs):
        if not CRS.from_user_input(near_crs).equals(assumed):
            near = np.asarray(gpd.GeoSeries(np.asarray(near, dtype=object), crs=near_crs).to_crs(assumed).values)
        gdf = reader(near, assumed)
        return gdf.set_crs(assumed, allow_override=True) if input_checks.declared_crs(gdf.crs) is None else gdf
    return read


def _check_reference_layer(layer: ReferenceLayer, crs: CRS, patch_bounds, patches_name: str, feedback: Feedback,
                           messages: list[str]) -> ReferenceLayer:
    """The layer with a CRS its coordinates can belong to, after checking that it meets the patches
    (:mod:`.input_checks`); a layer still being read (a Future, no ``extent``) is checked when it arrives."""
    if layer.extent is not None:
        declared, bounds = layer.source_crs, layer.extent
    elif isinstance(layer.gdf, gpd.GeoDataFrame):
        declared, bounds = layer.gdf.crs, input_checks.layer_bounds(np.asarray(layer.gdf.geometry.values))
        if bounds is None and declared is None and layer.prefiltered:
            return layer  # nothing near the patches: nothing to measure, nothing to judge the CRS by
    else:
        return layer
    try:
        verdict = input_checks.check_crs(layer.name, declared, bounds)
        if verdict.inferred:
            feedback.warning(verdict.message)
            messages.append(verdict.message)
            changes = {"source_crs": verdict.crs}
            if isinstance(layer.gdf, gpd.GeoDataFrame):
                changes["gdf"] = layer.gdf.set_crs(verdict.crs, allow_override=True)
            if layer.reader is not None:
                changes["reader"] = _assume_crs_reader(layer.reader, verdict.crs)
            layer = dataclasses.replace(layer, **changes)
        if bounds is not None and patch_bounds is not None and verdict.crs is not None:
            note = input_checks.check_overlap(patches_name, patch_bounds, layer.name,
                                              input_checks.bounds_in(bounds, verdict.crs, crs), layer.kind == LANDUSE)
            if note:
                feedback.warning(note)
                messages.append(note)
    except input_checks.InputCheckError as exc:
        raise OverlayInputError(str(exc)) from None
    return layer


def _deoverlap_landuse(pi, rj, ar, patches, refs, patch_area, crs, method):
    """Land-use pieces with the parcels' overlaps counted once (the parcel first in the layer keeps it).

    Land-use parcels should be a partition; where they overlap, summing pieces counts the overlap twice
    (shares over 100 %, 耕地 doubled).  Only patches whose pieces add up to more than the patch are
    recomputed.  Returns (areas, {patch index: (overlap m², (x, y) of the overlap in ``crs``)})."""
    n = len(patches)
    total = np.bincount(pi, weights=ar, minlength=n)
    tol = np.maximum(COVERAGE_TOL_M2, patch_area * COVERAGE_TOL_SHARE)
    over = np.nonzero(total > patch_area + tol)[0]
    if not len(over):
        return ar, {}
    ar = ar.copy()
    sel = np.nonzero(np.isin(pi, over))[0]
    sel = sel[np.lexsort((rj[sel], pi[sel]))]  # by patch, then by the parcel's position in the layer
    empty = shapely.Polygon()
    pieces = np.array([_polygonal(g) or empty for g in shapely.intersection(patches[pi[sel]], refs[rj[sel]])],
                      dtype=object)
    kept = np.empty(len(sel), dtype=object)
    found: dict[int, object] = {}
    covered = None
    for k in range(len(sel)):  # only the pairs of the overlapped patches: few
        first = k == 0 or pi[sel[k]] != pi[sel[k - 1]]
        piece = pieces[k]
        if first or covered is None:
            covered = piece
            kept[k] = piece
            continue
        dup = shapely.intersection(piece, covered)
        if not shapely.is_empty(dup) and shapely.area(dup) > 0:
            p = int(pi[sel[k]])
            found[p] = dup if p not in found else shapely.union(found[p], dup)
            kept[k] = shapely.difference(piece, covered)
        else:
            kept[k] = piece
        covered = shapely.union(covered, piece)
    ar[sel] = areas(kept, crs, method)
    new_total = np.bincount(pi, weights=ar, minlength=n)
    result = {}
    for p, geom in found.items():
        amount = float(total[p] - new_total[p])
        if amount > tol[p]:
            c = shapely.centroid(geom)
            result[p] = (amount, (c.x, c.y))
    return ar, result


def _lonlat_many(points: np.ndarray, crs: CRS) -> list[str]:
    """Points of the working CRS as text "E 117.12345°, N 25.12345°" for messages (one transform call)."""
    points = np.asarray(points, dtype=object)
    if not len(points):
        return []
    xy = shapely.get_coordinates(points)
    if len(xy) != len(points):  # an empty centroid: no location
        return [""] * len(points)
    t = geographic_transformer(crs)
    lon, lat = t.transform(xy[:, 0], xy[:, 1]) if t is not None else (xy[:, 0], xy[:, 1])
    return [f"E {x:.5f}°, N {y:.5f}°" for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat))]


def _lonlat(xy, crs: CRS) -> str:
    return _lonlat_many(np.array([shapely.Point(xy)], dtype=object), crs)[0]


def _examples(items: list[str], limit: int = 10) -> str:
    return "；".join(items[:limit]) + ("…" if len(items) > limit else "")


def _overlay(patches, layers, items, geoms, order, crs, id_field, area_method, layer_name, workers, feedback,
             messages, lap, timings) -> OverlayResult:
    n = len(patches)
    # ---- patch geometries: repair, areas
    geoms, repaired, notes = repair_geometries(geoms, workers)
    for i in np.nonzero(repaired)[0]:
        feedback.warning(tr("图斑 {id}：{note}").format(id=patches[id_field].iloc[i], note=notes[i]))
    shapely.bounds(geoms)  # caches the envelopes inside the geometries before threads share them
    patch_area = areas(geoms, crs, area_method)
    feedback.set_progress(5)

    # ---- ids: text, unique (duplicates get #2, #3 …; empty ids get the row number)
    raw_ids = _text(patches[id_field].to_numpy())
    patch_ids = raw_ids.copy()
    ids = pd.Series(raw_ids)
    nth = ids.groupby(ids, sort=False).cumcount().to_numpy() + 1  # occurrence number of each id
    # a generated id must not equal a real one of the batch (ids X, X, X#2 would give two "X#2"): count on
    # to the next free number.  The register identifies patches by the delivered id and the geometry.
    taken = set(raw_ids.tolist())
    for i in np.nonzero((raw_ids == "") | (nth > 1))[0]:  # few: a Python loop is fine
        pid = raw_ids[i]
        k = i + 1 if pid == "" else int(nth[i])
        while f"{pid}#{k}" in taken:
            k += 1
        patch_ids[i] = f"{pid}#{k}"
        taken.add(patch_ids[i])
        if pid == "":
            note = tr("图斑编号为空，以行号 {row} 代替").format(row=i + 1) if k == i + 1 else tr(
                "图斑编号为空（第 {row} 行），记为「{new}」").format(row=i + 1, new=patch_ids[i])
        else:
            note = tr("图斑编号「{id}」重复（第 {k} 次出现），明细中记为「{new}」").format(
                id=pid, k=nth[i], new=patch_ids[i])
        notes[i] = "；".join(x for x in (notes[i], note) if x)
    dups = sorted(set(raw_ids[(nth > 1) & (raw_ids != "")].tolist()))
    if dups:
        msg = tr("图层「{layer}」有 {n} 个重复的图斑编号：{ids}（全部保留，重复者加 #序号）").format(
            layer=layer_name, n=len(dups), ids="、".join(dups[:20]) + ("…" if len(dups) > 20 else ""))
        feedback.warning(msg)
        messages.append(msg)
    n_null = int(shapely.is_missing(geoms).sum())
    if n_null:
        msg = tr("图层「{layer}」有 {n} 个图斑没有面状几何，已保留并按面积 0 计").format(layer=layer_name, n=n_null)
        feedback.warning(msg)
        messages.append(msg)
    lap("patches: repair, areas, ids, order")

    summary = pd.DataFrame({
        "patch_id": patch_ids,
        "area_m2": patch_area,
        "area_mu": square_metres_to_mu(patch_area),
        "area_method": area_method,
        "farmland_m2": 0.0, "farmland_mu": 0.0, "construction_m2": 0.0,
        "agricultural_m2": 0.0, "unused_m2": 0.0, "zldwdm": "", "zldwmc": "",
    })
    detail_parts: list[pd.DataFrame | None] = [None] * len(layers)
    # one area field per protected layer, in the order given (whatever order they are overlaid in)
    protected_fields: dict[str, str] = {}
    for layer in layers:
        if layer.kind != LANDUSE:
            fname = protected_area_field(layer.name, taken=list(summary.columns) + list(patches.columns))
            protected_fields[layer.name] = fname
            summary[fname] = 0.0
    protected_totals: dict[str, np.ndarray] = {}

    remaining = [sum(1 for it in items if it[0] == li) for li in range(len(layers))]
    acc = [_LayerPairs() for _ in layers]
    step = 90.0 / max(1, len(items))
    done_count = 0
    while items:
        # parts already read first, so reading overlaps with overlaying
        k = next((k for k, it in enumerate(items) if not isinstance(it[1], Future) or it[1].done()), 0)
        li, source, group = items.pop(k)
        group = order if group is None else group
        layer = layers[li]
        check_canceled(feedback)
        lo = 5 + done_count * step
        done_count += 1
        gdf = source.result() if isinstance(source, Future) else source
        lap(f"{layer.name}: waiting for the layer to be read")
        a = acc[li]
        if not a.started:
            feedback.info(tr("叠加图层「{layer}」…").format(layer=layer.name))
            a.started = True
        if gdf.crs is None and layer.source_crs is not None and layer.extent is None:
            gdf = gdf.set_crs(layer.source_crs)  # inferred from the coordinates (_check_reference_layer)
        if gdf.crs is not None and not CRS.from_user_input(gdf.crs).equals(crs):
            a.reprojected_from = CRS.from_user_input(gdf.crs).to_string()
        _check_reference_fields(layer, gdf)
        refs, cand, rep = _prepare_reference(layer, gdf, crs, geoms, group, workers)
        a.repaired.update(gdf.index[rep].tolist())
        lap(f"{layer.name}: candidates, validation")
        is_landuse = layer.kind == LANDUSE
        pi, rj, ar, pieces = _pairs(geoms, cand, refs, crs, area_method, patch_area, not is_landuse,
                                    workers, feedback, (lo, lo + step))
        if is_landuse:
            # the pairs of a patch all come from one part (parts are disjoint groups of patches)
            ar, overlaps = _deoverlap_landuse(pi, rj, ar, geoms, refs, patch_area, crs, area_method)
            a.overlaps.update(overlaps)
            a.fids.append(gdf.index.to_numpy()[rj])
        a.pi.append(pi)
        a.area.append(ar)
        for name, col in _pair_fields(layer).items():
            if col in gdf.columns:
                a.attrs.setdefault(name, []).append(gdf[col].to_numpy()[rj])
        if pieces is not None:
            a.pieces.append(pieces)
        lap(f"{layer.name}: intersections, areas")
        remaining[li] -= 1
        if remaining[li]:
            continue
        # the layer is complete: messages, detail rows, summary fields
        if a.reprojected_from:
            feedback.info(tr("图层「{layer}」已从 {src} 投影到 {dst}").format(
                layer=layer.name, src=a.reprojected_from, dst=crs.to_string()))
        if a.repaired:
            msg = tr("图层「{layer}」与图斑相交的要素中有 {n} 个无效几何，已用 make_valid 修复").format(
                layer=layer.name, n=len(a.repaired))
            feedback.warning(msg)
            messages.append(msg)
        pi_all = np.concatenate(a.pi)
        ar_all = np.concatenate(a.area)
        if is_landuse:
            detail_parts[li] = _landuse_detail(layer, pi_all, a, ar_all, summary, patch_ids, patch_area)
            _landuse_coverage(layer, pi_all, a, ar_all, summary, patch_ids, patch_area, geoms, crs, notes,
                              feedback, messages)
        else:
            pieces_all = np.concatenate(a.pieces) if a.pieces else np.zeros(0, dtype=object)
            total, det = _protected_detail(layer, pi_all, a, ar_all, pieces_all, patch_ids, patch_area,
                                           crs, area_method)
            summary[protected_fields[layer.name]] = total
            protected_totals[layer.name] = total
            detail_parts[li] = det
        acc[li] = None
        lap(f"{layer.name}: per-patch totals")
    summaries_text = [[] for _ in range(n)]
    for layer in layers:
        total = protected_totals.get(layer.name)
        if total is None:
            continue
        for i in np.nonzero(total >= 0.005)[0]:
            summaries_text[i].append(f"{layer.name} {total[i]:.2f}㎡")
    detail_parts = [d for d in detail_parts if d is not None]

    summary["farmland_mu"] = square_metres_to_mu(summary["farmland_m2"].to_numpy())
    summary["protected_summary"] = ["；".join(s) for s in summaries_text]
    summary["repaired"] = repaired
    summary["repair_note"] = notes
    detail = pd.concat(detail_parts, ignore_index=True) if detail_parts else pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("area_m2", "area_mu", "share") else object) for c in DETAIL_FIELDS})
    detail = detail[list(DETAIL_FIELDS)]
    lap("aggregation")
    feedback.set_progress(100)
    logger.info(tr("叠加分析：{n} 个图斑，{m} 条明细，面积计算方法：{method}").format(
        n=n, m=len(detail), method=tr("椭球面积") if area_method == ELLIPSOIDAL else tr("平面面积")))
    return OverlayResult(summary=summary, detail=detail, area_method=area_method, crs=crs,
                         patches_crs=CRS.from_user_input(patches.crs) if patches.crs is not None else None,
                         protected_fields=protected_fields, geometries=geoms, messages=messages,
                         timings=timings)


def _check_reference_fields(layer: ReferenceLayer, gdf: gpd.GeoDataFrame) -> None:
    if layer.kind == LANDUSE and (layer.class_field is None or layer.class_field not in gdf.columns):
        raise OverlayInputError(tr("地类图层「{layer}」没有地类编码字段「{field}」；现有字段：{present}").format(
            layer=layer.name, field=layer.class_field or "DLBM",
            present="、".join(c for c in gdf.columns if c != gdf.geometry.name)))


def _pair_fields(layer: ReferenceLayer) -> dict[str, str]:
    """The attributes carried per pair: role -> field of the layer."""
    if layer.kind == LANDUSE:
        roles = {"class": layer.class_field, "class_name": layer.class_name_field,
                 "zldwdm": layer.zldwdm_field, "zldwmc": layer.zldwmc_field}
    else:
        roles = {"name": layer.name_field}
    return {k: v for k, v in roles.items() if v}


def _landuse_detail(layer: ReferenceLayer, pi, pairs: _LayerPairs, ar, summary: pd.DataFrame, patch_ids,
                    patch_area) -> pd.DataFrame:
    """Detail rows per patch × land-use class and the summary's class-group and 坐落单位 fields (numpy
    group-by: class codes are factorised once, pairs carry integer codes)."""
    n = len(summary)
    # class codes: factorise the raw values of the parcels in pairs, normalise the few distinct ones
    raw_idx, raw_uniq = pd.factorize(pairs.cat("class"), use_na_sentinel=False)
    restored = [landuse_codes.restore(v) for v in raw_uniq]
    norm = np.array([c for c, _ in restored], dtype=object)
    pairs.stats["restored"] = sorted({(str(int(v)) if isinstance(v, float) else str(v), c)
                                      for v, (c, r) in zip(raw_uniq, restored) if r})
    code_idx, codes = pd.factorize(norm[raw_idx] if len(raw_idx) else np.zeros(0, dtype=object))
    codes = np.asarray(codes, dtype=object)
    # order the codes so that sorting by code index sorts by code text
    rank = np.argsort(codes.astype(str), kind="stable")
    codes = codes[rank]
    code_idx = np.argsort(rank)[code_idx] if len(code_idx) else code_idx
    nc = max(1, len(codes))
    key = pi.astype(np.int64) * nc + code_idx
    ukey, inv = np.unique(key, return_inverse=True)
    area = np.bincount(inv, weights=ar, minlength=len(ukey)).astype(np.float64)  # (int64 when empty)
    bpi, bcode = ukey // nc, ukey % nc
    names = np.array([landuse_codes.class_name(c) for c in codes], dtype=object)
    if "class_name" in pairs.attrs and not all(names):
        dlmc = _text(pairs.cat("class_name"))
        for c in np.nonzero(names == "")[0]:
            hit = np.nonzero(code_idx == c)[0]
            names[c] = dlmc[hit[0]] if len(hit) else ""
    farm = np.array([landuse_codes.is_farmland(c) for c in codes], dtype=bool)
    group = np.array([landuse_codes.land_group(c) for c in codes], dtype=object)
    # codes the table does not know, and NULL codes: their area is counted, shown and reported
    unknown = np.array([not landuse_codes.is_known(c) for c in codes], dtype=bool)
    m = unknown[bcode]
    summary["landuse_unknown_m2"] = np.bincount(bpi[m], weights=area[m], minlength=n).astype(np.float64)
    if unknown.any():
        # per unknown code: distinct parcels, area, distinct patches (group-bys in numpy, not a loop per code)
        fids = np.concatenate(pairs.fids) if pairs.fids else np.zeros(0)
        sel = np.nonzero(unknown[code_idx])[0]
        c_sel = code_idx[sel]
        area_by = np.bincount(c_sel, weights=ar[sel], minlength=nc)
        patches_by = np.bincount(np.unique(np.column_stack([c_sel, pi[sel]]), axis=0)[:, 0], minlength=nc)
        parcels_by = np.zeros(nc, dtype=np.int64)
        if len(fids) == len(code_idx):
            fid_idx = pd.factorize(fids[sel])[0]
            parcels_by = np.bincount(np.unique(np.column_stack([c_sel, fid_idx]), axis=0)[:, 0], minlength=nc)
        pairs.stats["unknown"] = [(str(codes[c]), int(parcels_by[c]), float(area_by[c]), int(patches_by[c]))
                                  for c in np.nonzero(unknown)[0]]
    m = farm[bcode]
    summary["farmland_m2"] = np.bincount(bpi[m], weights=area[m], minlength=n).astype(np.float64)
    for grp, col in ((landuse_codes.CONSTRUCTION, "construction_m2"), (landuse_codes.AGRICULTURAL, "agricultural_m2"),
                     (landuse_codes.UNUSED, "unused_m2")):
        m = (group == grp)[bcode]
        summary[col] = np.bincount(bpi[m], weights=area[m], minlength=n).astype(np.float64)
    # 坐落单位 of the parcel with the largest share of each patch
    if len(pi) and ("zldwdm" in pairs.attrs or "zldwmc" in pairs.attrs):
        best = np.lexsort((-ar, pi))
        first = np.ones(len(best), dtype=bool)
        first[1:] = pi[best][1:] != pi[best][:-1]
        best = best[first]
        bi = pi[best]
        for col in ("zldwdm", "zldwmc"):
            if col in pairs.attrs:
                vals = summary[col].to_numpy(dtype=object)
                vals[bi] = _text(pairs.cat(col)[best])
                summary[col] = vals
    pa = patch_area[bpi]
    return pd.DataFrame({
        "patch_id": patch_ids[bpi],
        "layer": layer.name,
        "class_code": codes[bcode] if len(codes) else np.zeros(0, dtype=object),
        "class_name": names[bcode] if len(codes) else np.zeros(0, dtype=object),
        "area_m2": area,
        "area_mu": square_metres_to_mu(area),
        "share": np.divide(area, pa, out=np.zeros_like(area), where=pa > 0),
    })


def _landuse_coverage(layer: ReferenceLayer, pi, pairs: _LayerPairs, ar, summary: pd.DataFrame, patch_ids,
                      patch_area, geoms, crs: CRS, notes: list[str], feedback: Feedback, messages: list[str]) -> None:
    """Report what the land-use layer does not classify inside the patches: restored and unknown codes,
    overlapping parcels (counted once) and gaps (``landuse_gap_m2``), with area and location."""
    n = len(summary)

    def note(i: int, text: str) -> None:
        notes[i] = "；".join(x for x in (notes[i], text) if x)

    def report(text: str) -> None:
        feedback.warning(text)
        messages.append(text)

    restored = pairs.stats.get("restored", [])
    if restored:
        report(tr("地类图层「{layer}」的地类编码缺少前导零（字段可能存成了数字），已补齐后按地类编码表分类："
                  "{codes}；请将该字段改为文本并补齐编码").format(
            layer=layer.name, codes="、".join(f"{raw} → {code}" for raw, code in restored[:20])
            + ("…" if len(restored) > 20 else "")))
    unknown = pairs.stats.get("unknown", [])
    if unknown:
        text = "、".join(tr("「{code}」{parcels} 个地类图斑、{patches} 个图斑内 {area:.2f}㎡").format(
            code=code or tr("空值"), parcels=k, patches=p, area=a) for code, k, a, p in unknown[:20])
        report(tr("地类图层「{layer}」有地类编码表（resources/landuse_codes.toml）中没有的或为空的地类编码：{codes}。"
                  "这些面积不计入耕地和三大类，记在 landuse_unknown_m2 字段和明细表中；请核对地类编码").format(
            layer=layer.name, codes=text))
    unk = summary["landuse_unknown_m2"].to_numpy()
    tol = np.maximum(COVERAGE_TOL_M2, patch_area * COVERAGE_TOL_SHARE)
    for i in np.nonzero(unk > tol)[0]:
        note(i, tr("{area:.2f}㎡ 的地类编码未知或为空").format(area=unk[i]))

    overlaps = pairs.overlaps
    if overlaps:
        where = []
        for i in sorted(overlaps):
            amount, xy = overlaps[i]
            note(i, tr("地类图斑相互重叠 {area:.2f}㎡，只计一次").format(area=amount))
            where.append(tr("图斑 {id} 内 {area:.2f}㎡（{at}）").format(
                id=patch_ids[i], area=amount, at=_lonlat(xy, crs)))
        report(tr("地类图层「{layer}」的地类图斑相互重叠：{n} 个图斑内共 {area:.2f}㎡ 被重复覆盖，重叠部分只计一次"
                  "（计入图层中靠前的地类图斑）：{where}。请检查地类图层的拓扑").format(
            layer=layer.name, n=len(overlaps), area=sum(v[0] for v in overlaps.values()), where=_examples(where)))

    covered = np.bincount(pi, weights=ar, minlength=n) if len(pi) else np.zeros(n)
    gap = np.clip(patch_area - covered, 0.0, None)
    gap = np.where(gap > tol, gap, 0.0)
    summary["landuse_gap_m2"] = gap
    gapped = np.nonzero(gap > 0)[0]
    if len(gapped):
        none = covered[gapped] <= tol[gapped]
        for i in gapped[none]:
            note(i, tr("图斑不在地类图层范围内，地类面积为 0"))
        for i in gapped[~none]:
            note(i, tr("{area:.2f}㎡ 未被地类图斑覆盖").format(area=gap[i]))
        # locations only for the examples named in the messages
        shown = np.concatenate([gapped[none][:10], gapped[~none][:10]])
        at = dict(zip(shown.tolist(), _lonlat_many(shapely.centroid(geoms[shown]), crs)))
        outside = [f"{patch_ids[i]}（{at.get(i, '')}）" for i in gapped[none]]
        partial = [tr("图斑 {id} {area:.2f}㎡（{at}）").format(id=patch_ids[i], area=gap[i], at=at.get(i, ""))
                   for i in gapped[~none]]
        if outside:
            report(tr("{n} 个图斑不在地类图层「{layer}」的覆盖范围内（地类面积全部为 0）：{ids}。"
                      "请检查地类图层是否完整、是否选对了图层").format(n=len(outside), layer=layer.name,
                                                       ids=_examples(outside)))
        if partial:
            report(tr("{n} 个图斑有部分不被地类图层「{layer}」覆盖（地类图层有缝隙或图斑伸出其范围），共 {area:.2f}㎡："
                      "{where}。缺少地类的面积记在 landuse_gap_m2 字段").format(
                n=len(partial), layer=layer.name, area=float(gap[[i for i in gapped if covered[i] > tol[i]]].sum()),
                where=_examples(partial)))


def _union_area(pi, keys, ar, pieces, crs, method) -> pd.DataFrame:
    """Area per (patch, key): a single piece keeps its area, several pieces are unioned then measured."""
    df = pd.DataFrame({"pi": pi, "key": keys, "area": ar})
    counts = df.groupby(["pi", "key"], sort=True)["area"].transform("size").to_numpy()
    single = df[counts == 1]
    multi_idx = np.nonzero(counts > 1)[0]
    rows = [single[["pi", "key", "area"]]]
    if len(multi_idx):
        m = df.iloc[multi_idx]
        unions, ids = [], []
        for (p, k), g in m.groupby(["pi", "key"], sort=True):
            unions.append(shapely.union_all(pieces[g.index.to_numpy()]))
            ids.append((p, k))
        ua = areas(np.asarray(unions, dtype=object), crs, method)
        rows.append(pd.DataFrame({"pi": [p for p, _ in ids], "key": [k for _, k in ids], "area": ua}))
    return pd.concat(rows, ignore_index=True).sort_values(["pi", "key"], kind="stable")


def _protected_detail(layer: ReferenceLayer, pi, pairs: _LayerPairs, ar, pieces, patch_ids, patch_area, crs,
                      method):
    n = len(patch_ids)
    total_df = _union_area(pi, np.zeros(len(pi), dtype=np.int8), ar, pieces, crs, method)
    total = np.bincount(total_df["pi"].to_numpy(), weights=total_df["area"].to_numpy(), minlength=n) if len(
        total_df) else np.zeros(n)
    if "name" in pairs.attrs:
        keys = _text(pairs.cat("name"))
        det = _union_area(pi, keys, ar, pieces, crs, method)
        det["key"] = [k or layer.name for k in det["key"]]
    else:
        det = total_df.assign(key=layer.name)
    area = det["area"].to_numpy()
    pa = patch_area[det["pi"].to_numpy()]
    detail = pd.DataFrame({
        "patch_id": patch_ids[det["pi"].to_numpy()],
        "layer": layer.name,
        "class_code": "",
        "class_name": det["key"].to_numpy(),
        "area_m2": area,
        "area_mu": square_metres_to_mu(area),
        "share": np.divide(area, pa, out=np.zeros_like(area), where=pa > 0),
    })
    return total, detail
