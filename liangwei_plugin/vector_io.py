"""Reading and writing vector files as GeoDataFrames through QGIS's own GDAL (``osgeo.ogr``), fast and
without garbled Chinese text.

- One GDAL in the QGIS process: pip wheels of pyogrio and fiona carry a GDAL of their own (a second copy
  beside QGIS's, a DLL clash on Windows), so everything here goes through ``osgeo.ogr``, the bindings of
  the GDAL that QGIS itself runs on.  Features are read as column arrays through OGR's Arrow stream
  (``GetArrowStreamAsNumPy``, GDAL ≥ 3.6, about as fast as pyogrio), with a feature-by-feature fallback.
- Shapefiles: QGIS sets ``SHAPE_ENCODING=""`` for the whole process (its provider decodes text itself), so
  OGR would hand back raw DBF bytes.  The encoding is therefore always given to OGR explicitly: the one the
  caller names, else the ``.cpg`` file's, else detected — old bureau data without a ``.cpg`` is usually
  GBK, and :func:`detect_shapefile_encoding` tries UTF-8 on the DBF's bytes and falls back to GB18030 (a
  superset of GBK/GB2312).
- Large reference layers (a million 三调 parcels): only the features whose envelope meets a patch are read
  (:func:`read_vector` with ``keep_near``), so time and memory stay proportional to what the overlay needs.
  GeoPackages are read through their R-tree with SQLite directly (one join of the patch envelopes with the
  ``rtree_<table>_<geom>`` index, the GeoPackage geometry header stripped to plain WKB; two threads, SQLite
  releases the GIL) — about 3× faster than reading every feature through OGR and filtering.  Other formats
  (shapefiles, …) are read in batches, each filtered against the patch envelopes as it arrives.
"""
from __future__ import annotations

import codecs
import re
import sqlite3
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from osgeo import gdal, ogr, osr
from pyproj import CRS

from .i18n import tr
from .log import logger

BATCH_SIZE = 200_000
CJK_ENCODINGS = {"gbk", "gb2312", "gb18030", "cp936", "936", "big5", "cp950", "euc-cn", "hz"}


class VectorReadError(OSError):
    """A vector file or layer that OGR cannot open (the message names it)."""


def detect_shapefile_encoding(shp_path: str | Path, ignore_cpg: bool = False) -> str | None:
    """Encoding of a shapefile's DBF when no ``.cpg`` says it: None if a .cpg exists (see
    :func:`shapefile_encoding`; ``ignore_cpg`` looks at the bytes anyway) or there is no DBF, "UTF-8" if
    every byte decodes as UTF-8, else "GB18030"."""
    shp = Path(shp_path)
    if not ignore_cpg and _cpg_path(shp) is not None:
        return None
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None
        header_len = struct.unpack("<H", head[8:10])[0]
        ldid = head[29]
        f.seek(0)
        names = f.read(header_len)  # field descriptors carry the field names
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(names[32:])
            while True:
                block = f.read(1 << 22)
                if not block:
                    decoder.decode(b"", final=True)
                    break
                decoder.decode(block)
        except UnicodeDecodeError:
            logger.info(tr("{name}：没有 .cpg 文件，属性不是 UTF-8 编码（LDID {ldid}），按 GB18030 读取").format(
                name=shp.name, ldid=ldid))
            return "GB18030"
    return "UTF-8"


def _cpg_path(shp: Path) -> Path | None:
    return next((p for p in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")) if p.exists()), None)


def _codec_from_cpg(text: str) -> str | None:
    """A Python/iconv codec name from a ``.cpg`` file's content ("UTF-8", "GBK", "936", "ANSI 936",
    "65001" …), or None when it names nothing known."""
    name = text.strip().strip("\x00").upper().replace("ANSI", "").strip()
    if not name:
        return None
    if name.isdigit():
        name = "UTF-8" if name == "65001" else f"CP{name}"
    try:
        return codecs.lookup(name).name.upper().replace("_", "-")
    except LookupError:
        return None


def shapefile_encoding(shp_path: str | Path) -> str:
    """The encoding of a shapefile's text: its ``.cpg`` when that names a known codec, else detected."""
    shp = Path(shp_path)
    cpg = _cpg_path(shp)
    if cpg is not None:
        codec = _codec_from_cpg(cpg.read_text(encoding="ascii", errors="replace"))
        if codec is not None:
            return codec
        logger.info(tr("{name}：.cpg 文件中的编码无法识别，自动检测编码").format(name=shp.name))
        return detect_shapefile_encoding(shp, ignore_cpg=True) or "UTF-8"
    return detect_shapefile_encoding(shp) or "UTF-8"


def _is_shapefile(path: str) -> bool:
    return path.lower().endswith((".shp", ".dbf"))


def open_vector(path: str | Path, encoding: str | None = "auto"):
    """An OGR dataset of ``path`` (GDAL's own error as message when it cannot be opened).

    Shapefiles get their encoding as an explicit open option (module doc): ``encoding`` when given,
    else from the ``.cpg`` or detected."""
    path = str(path)
    options = []
    if _is_shapefile(path):
        enc = encoding if encoding not in (None, "auto") else shapefile_encoding(path)
        options.append(f"ENCODING={enc}")
    gdal.ErrorReset()
    try:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=options)
    except RuntimeError as exc:  # gdal.UseExceptions() was called by someone in this process
        raise VectorReadError(f"{path}: {exc}") from None
    if ds is None:
        raise VectorReadError(f"{path}: {gdal.GetLastErrorMsg() or 'not a vector file GDAL can open'}")
    return ds


def _get_layer(ds, path: str, layer: str | int | None):
    lyr = ds.GetLayer(0) if layer is None else (ds.GetLayerByName(layer) if isinstance(layer, str)
                                                 else ds.GetLayer(layer))
    if lyr is None:
        raise VectorReadError(f"{path}: no layer {layer!r}")
    return lyr


def _crs_of(lyr) -> str | None:
    srs = lyr.GetSpatialRef()
    if srs is None:
        return None
    if (srs.GetName() or "").lower().startswith("undefined"):
        return None  # a GeoPackage's placeholder for "no CRS" (srs_id 0 / -1), not a CRS
    srs = srs.Clone()
    try:
        if srs.AutoIdentifyEPSG() == 0 or srs.GetAuthorityName(None):
            auth, code = srs.GetAuthorityName(None), srs.GetAuthorityCode(None)
            if auth and code:
                return f"{auth}:{code}"
        return srs.ExportToWkt() or None
    except RuntimeError:  # an empty SRS object (a CSV's geometry column): no CRS, which the caller reports
        return None


@dataclass
class LayerInfo:
    """What :func:`read_vector` needs to know of a layer before reading it."""

    layer_name: str
    fields: list[str]
    crs: str | None
    features: int
    driver: str


def layer_info(path: str | Path, layer: str | None = None, encoding: str | None = "auto") -> LayerInfo:
    ds = open_vector(path, encoding)
    lyr = _get_layer(ds, str(path), layer)
    defn = lyr.GetLayerDefn()
    return LayerInfo(lyr.GetName(), [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())],
                     _crs_of(lyr), lyr.GetFeatureCount(0), ds.GetDriver().ShortName)


def layer_crs(path: str | Path, layer: str | None = None) -> CRS | None:
    crs = layer_info(path, layer).crs
    return CRS.from_user_input(crs) if crs else None


def read_vector(path: str | Path, layer: str | None = None, columns: list[str] | None = None,
                encoding: str | None = "auto", where: str | None = None,
                keep_near: np.ndarray | None = None, keep_near_crs=None,
                batch_size: int = BATCH_SIZE) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, shapefile, …) through OGR.

    ``encoding``: for shapefiles, "auto" takes the ``.cpg`` or detects (see module doc); a codec name wins.
    ``keep_near``: geometries (in ``keep_near_crs``); when given, only features whose envelope meets the
    envelope of one of them are kept (a few more may come with GeoPackages: the R-tree stores float32
    envelopes rounded outwards).  The index holds the features' FIDs.
    """
    path = str(path)
    if keep_near is None:
        return _read_ogr(path, layer, columns, encoding, where, batch_size)
    info = layer_info(path, layer, encoding)
    src_crs = CRS.from_user_input(info.crs) if info.crs else None
    near = np.asarray(keep_near, dtype=object)
    near = near[~(shapely.is_missing(near) | shapely.is_empty(near))]
    if len(near) and src_crs is not None and keep_near_crs is not None and not src_crs.equals(
            CRS.from_user_input(keep_near_crs)):
        near = gpd.GeoSeries(near, crs=keep_near_crs).to_crs(src_crs).values
    near = np.asarray(near, dtype=object)
    tree = shapely.STRtree(near)  # (a tree indexes envelopes: no need to compute them)
    n = info.features
    if n >= 0 and n > max(SMALL_LAYER, 2 * len(near)) and where is None and info.driver == "GPKG":
        try:
            gdf = _read_gpkg_near(path, info, columns, shapely.bounds(near))
        except (sqlite3.Error, _Unsupported) as e:
            logger.info(tr("{path}：无法按空间索引快速读取（{error}），改为逐要素读取").format(path=path, error=e))
        else:
            if gdf is not None:
                return gdf
    # small layers (protected areas) and other formats: read in batches, each filtered as it comes
    return _read_ogr(path, layer, columns, encoding, where, batch_size, keep=lambda g: _filter(g, tree))


def _read_ogr(path: str, layer, columns, encoding, where, batch_size: int, keep=None) -> gpd.GeoDataFrame:
    ds = open_vector(path, encoding)
    lyr = _get_layer(ds, path, layer)
    defn = lyr.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    if columns is None:
        columns = names
    unknown = [c for c in columns if c not in names]
    if unknown:
        raise VectorReadError(f"{path}: layer {lyr.GetName()!r} has no field {', '.join(map(repr, unknown))}")
    kinds = {c: defn.GetFieldDefn(names.index(c)).GetType() for c in columns}
    lyr.SetIgnoredFields([c for c in names if c not in columns] + ["OGR_STYLE"])
    if where is not None and lyr.SetAttributeFilter(where) != 0:
        raise VectorReadError(f"{path}: invalid filter {where!r}")
    crs = _crs_of(lyr)
    parts = []
    for fids, geoms, values in _batches(lyr, columns, kinds, batch_size):
        index = pd.Index(fids, name="fid")
        data = {c: _series(values[c], kinds[c], index) for c in columns}
        part = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, index=index), crs=crs, index=index)
        parts.append(keep(part) if keep is not None else part)
    if not parts:
        index = pd.Index([], name="fid", dtype=np.int64)
        data = {c: _series(np.zeros(0, dtype=object), kinds[c], index) for c in columns}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], index=index), crs=crs, index=index)
    if len(parts) == 1:
        return parts[0]
    out = pd.concat(parts)
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=crs)


def _batches(lyr, columns: list[str], kinds: dict, batch_size: int):
    """(fids, geometries, {column: values}) batches of the layer, through OGR's Arrow stream when the
    bindings have it, else feature by feature."""
    if hasattr(lyr, "GetArrowStreamAsNumPy"):
        fid_col = lyr.GetFIDColumn() or "OGC_FID"
        geom_col = lyr.GetGeometryColumn() or "wkb_geometry"
        stream = lyr.GetArrowStreamAsNumPy(options=[f"MAX_FEATURES_IN_BATCH={batch_size}", "INCLUDE_FID=YES"])
        for batch in stream:
            fids = np.asarray(batch[fid_col], dtype=np.int64)
            wkb = batch.get(geom_col)
            geoms = (np.full(len(fids), None, dtype=object) if wkb is None
                     else shapely.from_wkb(_wkb_objects(wkb)))
            yield fids, np.asarray(geoms, dtype=object), {c: _arrow_values(batch[c]) for c in columns}
        return
    lyr.ResetReading()
    while True:
        fids, wkbs, values = [], [], {c: [] for c in columns}
        for feature in lyr:
            fids.append(feature.GetFID())
            g = feature.GetGeometryRef()
            wkbs.append(bytes(g.ExportToIsoWkb()) if g is not None else None)
            for c in columns:
                values[c].append(_feature_value(feature, c, kinds[c]))
            if len(fids) >= batch_size:
                break
        if not fids:
            return
        yield (np.asarray(fids, dtype=np.int64), shapely.from_wkb(np.asarray(wkbs, dtype=object)),
               {c: _object_array(v) for c, v in values.items()})
        if len(fids) < batch_size:
            return


def _wkb_objects(arr) -> np.ndarray:
    mask = np.ma.getmaskarray(arr)
    data = np.ma.getdata(arr)
    if data.dtype.kind == "V":  # every WKB of the batch the same length: a fixed-width void array
        out = _object_array([bytes(v) for v in data])
    else:
        out = _object_array(list(data))
    out[mask] = None
    return out


def _arrow_values(arr) -> np.ndarray:
    """Column values of one Arrow batch as an array: text decoded (OGR gives UTF-8 bytes), nulls as None."""
    mask = np.ma.getmaskarray(arr)
    data = np.ma.getdata(arr)
    if data.dtype.kind == "S":
        out = _object_array(np.char.decode(data, "utf-8", "replace").tolist())
    elif data.dtype.kind == "O":
        out = _object_array([v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in data])
    elif data.dtype.kind == "M":
        out = _object_array(list(pd.to_datetime(data)))
    else:
        if not mask.any():
            return data
        out = data.astype(object)
    if mask.any():
        out[mask] = None
    return out


def _feature_value(feature, name: str, kind: int):
    if not feature.IsFieldSetAndNotNull(name):
        return None
    if kind in (ogr.OFTDate, ogr.OFTDateTime):
        y, mo, d, h, mi, s, _tz = feature.GetFieldAsDateTime(name)
        return pd.Timestamp(y, mo, d, h, mi, int(s), int(round((s % 1) * 1e6)))
    return feature.GetField(name)


def _series(values: np.ndarray, kind: int, index: pd.Index) -> pd.Series:
    """A column typed like OGR's field: integers (int64, or float64 with NaN where null), reals, dates
    (datetime64), text and everything else as objects."""
    null = pd.isna(values) if values.dtype == object else np.zeros(len(values), dtype=bool)
    if kind in (ogr.OFTInteger, ogr.OFTInteger64):
        if null.any():
            return pd.Series(np.where(null, np.nan, values).astype("float64"), index=index)
        return pd.Series(values.astype("int64"), index=index)
    if kind == ogr.OFTReal:
        return pd.Series(np.where(null, np.nan, values).astype("float64"), index=index)
    if kind in (ogr.OFTDate, ogr.OFTDateTime):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(), index=index)
    return pd.Series(values, dtype=object, index=index)


_OGR_FIELD_TYPES = {"i": ogr.OFTInteger64, "u": ogr.OFTInteger64, "b": ogr.OFTInteger, "f": ogr.OFTReal,
                    "M": ogr.OFTDateTime}


def write_vector(gdf: pd.DataFrame, path: str | Path, layer: str | None = None, driver: str | None = None,
                 encoding: str | None = None, layer_options: dict | None = None,
                 aliases: dict[str, str] | None = None) -> None:
    """Write ``gdf`` as a layer of ``path`` through OGR (a GeoPackage gains the layer, replacing one of the
    same name; other formats are written anew); a plain DataFrame becomes a table without geometry.
    ``encoding``: a shapefile's DBF encoding (written to its ``.cpg``), UTF-8 when not given.
    ``aliases``: field → Chinese name, stored in a GeoPackage (:func:`write_field_aliases`)."""
    path = str(path)
    driver = driver or ("ESRI Shapefile" if _is_shapefile(path) else "GPKG")
    layer = layer or Path(path).stem
    drv = ogr.GetDriverByName(driver)
    ds = None
    if driver == "GPKG" and Path(path).exists():
        ds = drv.Open(path, 1)
        if ds is not None and ds.GetLayerByName(layer) is not None:
            ds.DeleteLayer(layer)
    if ds is None:
        if Path(path).exists():
            drv.DeleteDataSource(path)
        ds = drv.CreateDataSource(path)
    if ds is None:
        raise VectorReadError(f"{path}: cannot create ({gdal.GetLastErrorMsg()})")
    has_geometry = isinstance(gdf, gpd.GeoDataFrame) and gdf._geometry_column_name in gdf.columns
    srs = None
    if has_geometry and gdf.crs is not None:
        srs = osr.SpatialReference()
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        srs.ImportFromWkt(gdf.crs.to_wkt())
    geoms = (np.asarray(gdf.geometry.values, dtype=object) if has_geometry
             else np.full(len(gdf), None, dtype=object))
    present = geoms[~shapely.is_missing(geoms)]
    gtype = ogr.wkbUnknown if has_geometry else ogr.wkbNone
    if len(present):
        kinds = set(shapely.get_type_id(present).tolist())
        gtype = {frozenset({3}): ogr.wkbPolygon, frozenset({6}): ogr.wkbMultiPolygon,
                 frozenset({3, 6}): ogr.wkbMultiPolygon, frozenset({0}): ogr.wkbPoint,
                 frozenset({1}): ogr.wkbLineString}.get(frozenset(kinds), ogr.wkbUnknown)
    options = [f"{k}={v}" for k, v in (layer_options or {}).items()]
    if driver == "ESRI Shapefile":
        options.append(f"ENCODING={encoding or 'UTF-8'}")
        # QGIS sets SHAPE_ENCODING="" for the process, which stops OGR recoding text on write even with the
        # ENCODING option: for this thread, say the encoding there too
        gdal.SetThreadLocalConfigOption("SHAPE_ENCODING", encoding or "UTF-8")
    try:
        _write_features(ds, layer, srs, gtype, options, gdf, geoms, has_geometry)
    finally:
        if driver == "ESRI Shapefile":
            gdal.SetThreadLocalConfigOption("SHAPE_ENCODING", None)
        ds = None
    if aliases and driver == "GPKG":
        write_field_aliases(path, layer, aliases)


def _write_features(ds, layer: str, srs, gtype, options: list[str], gdf: pd.DataFrame, geoms: np.ndarray,
                    has_geometry: bool) -> None:
    lyr = ds.CreateLayer(layer, srs, gtype, options=options)
    columns = [c for c in gdf.columns if not (has_geometry and c == gdf.geometry.name)]
    for c in columns:
        dtype = gdf[c].dtype
        kind = ogr.OFTDate if _is_date_column(gdf[c]) else _OGR_FIELD_TYPES.get(dtype.kind, ogr.OFTString)
        if str(dtype) in ("Int64", "Int32", "UInt8"):
            kind = ogr.OFTInteger64
        lyr.CreateField(ogr.FieldDefn(str(c), kind))
    defn = lyr.GetLayerDefn()
    lyr.StartTransaction()
    for k in range(len(gdf)):
        feature = ogr.Feature(defn)
        for i, c in enumerate(columns):
            _set_field(feature, i, gdf[c].iat[k])
        if geoms[k] is not None:
            feature.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(geoms[k])))
        lyr.CreateFeature(feature)
    lyr.CommitTransaction()


def _is_date_column(s: pd.Series) -> bool:
    if s.dtype != object:
        return False
    present = s.dropna()
    return len(present) > 0 and all(type(v).__name__ == "date" for v in present)


def _set_field(feature, i: int, v) -> None:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        feature.SetFieldNull(i)
        return
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if hasattr(v, "hour"):
        feature.SetField(i, v.year, v.month, v.day, v.hour, v.minute, float(v.second), 0)
    elif hasattr(v, "day"):
        feature.SetField(i, v.year, v.month, v.day, 0, 0, 0.0, 0)
    elif isinstance(v, bool):
        feature.SetField(i, int(v))
    elif isinstance(v, int):
        feature.SetFieldInteger64(i, v)
    else:
        feature.SetField(i, v if isinstance(v, (float, str)) else str(v))


def patch_envelopes(geoms) -> np.ndarray:
    """New rectangle geometries for the envelopes of ``geoms`` (null/empty ones left out), for ``keep_near``.

    Hand these, not the patch geometries themselves, to a read running on another thread: GEOS computes a
    geometry's envelope lazily on first use, and two threads doing so at once on the same geometry race
    (seen as "Points of LinearRing do not form a closed linestring").  The boxes' own envelopes are
    computed here, so several threads may then use them at once."""
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    b = shapely.bounds(geoms)
    boxes = np.asarray(shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), dtype=object)
    shapely.bounds(boxes)  # computes and caches their envelopes in this thread
    return boxes


def read_envelopes(path: str | Path, layer: str | None = None) -> np.ndarray | None:
    """The feature envelopes of a GeoPackage layer as rectangles, straight from its R-tree (float32,
    rounded outwards, so never smaller than the features), without reading the features; None when the
    file is not a GeoPackage with an R-tree.  Lets the read of a reference layer start (with these as
    ``keep_near``) while the patches themselves are still being read."""
    path = str(path)
    if not path.lower().endswith(".gpkg"):
        return None
    try:
        table = layer_info(path, layer).layer_name
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                              (table,)).fetchone()
            if row is None:
                return None
            rtree = f"rtree_{table}_{row[0]}"
            # the R-tree's name comes from the file's own gpkg_geometry_columns, quoted by _q; read-only
            rows = con.execute(f"SELECT minx, miny, maxx, maxy FROM {_q(rtree)}").fetchall()  # nosec B608
        finally:
            con.close()
    except (sqlite3.Error, VectorReadError):
        return None
    b = np.array(rows, dtype=np.float64).reshape(-1, 4)
    boxes = np.asarray(shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), dtype=object)
    shapely.bounds(boxes)  # cache the envelopes (several threads may use the boxes)
    return boxes


#: layers with at most this many features are read whole and filtered in memory
SMALL_LAYER = 50_000


class _Unsupported(Exception):
    """The GeoPackage fast path does not handle this layer (the caller falls back to OGR)."""


_GPKG_TEXT = re.compile(r"^(TEXT|VARCHAR|CHAR)(\(\d+\))?$", re.I)
_GPKG_INT = {"INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT"}
_GPKG_REAL = {"REAL", "FLOAT", "DOUBLE"}
#: GeoPackage binary header: envelope size in bytes by the envelope indicator (flags bits 1-3)
_GPKG_ENVELOPE = (0, 32, 48, 48, 64)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _morton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order key of points (16 bits per axis) — keeps neighbouring envelopes together."""
    def spread(v):
        v = v.astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def scale(v):
        lo, hi = v.min(), v.max()
        return np.zeros(len(v)) if hi <= lo else (v - lo) / (hi - lo) * 65535

    return spread(scale(x)) | (spread(scale(y)) << np.uint64(1))


def _read_gpkg_near(path: str, info: LayerInfo, columns: list[str] | None, near_bounds: np.ndarray,
                    workers: int = 2) -> gpd.GeoDataFrame | None:
    """Features of a GeoPackage layer whose R-tree envelope meets one of ``near_bounds`` (minx, miny, maxx,
    maxy rows), read with SQLite; None when the layer has no R-tree index."""
    table = info.layer_name
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    try:
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
        if row is None:
            raise _Unsupported("no gpkg_geometry_columns row")
        gcol = row[0]
        rtree = f"rtree_{table}_{gcol}"
        if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (rtree,)).fetchone() is None:
            return None
        decl = {r[1]: (r[2] or "").strip().upper() for r in con.execute(f"PRAGMA table_info({_q(table)})")}
        pks = [r[1] for r in con.execute(f"PRAGMA table_info({_q(table)})") if r[5] == 1]
    finally:
        con.close()
    if len(pks) != 1 or decl.get(pks[0]) != "INTEGER":
        raise _Unsupported("no INTEGER primary key")
    fid = pks[0]
    if columns is None:
        columns = [c for c in info.fields]
    kinds = []
    for c in columns:
        t = decl.get(c)
        if t is None:
            raise _Unsupported(f"field {c!r} not found")
        if _GPKG_TEXT.match(t):
            kinds.append("text")
        elif t in _GPKG_INT:
            kinds.append("int")
        elif t in _GPKG_REAL:
            kinds.append("real")
        else:  # dates, booleans, blobs: OGR knows how to convert them
            raise _Unsupported(f"field {c!r} of type {t}")
    # envelopes along a Z-order curve, split between the threads: each reads one half of the county
    b = np.asarray(near_bounds, dtype=np.float64)
    b = b[np.isfinite(b).all(axis=1)]
    if len(b) == 0:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=info.crs,
                                index=pd.Index([], name=fid, dtype=np.int64))
    b = b[np.argsort(_morton((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2), kind="stable")]
    select = ", ".join(f"t.{_q(c)}" for c in [fid, gcol] + list(columns))
    # the R-tree search runs as one statement (one sqlite3_step: SQLite keeps the GIL released for all of
    # it), then the features are fetched by FID in FID order
    # identifiers (table, columns, R-tree) come from the file's own schema and are quoted by _q; values are
    # bound; the connection is read-only
    search = (f"CREATE TEMP TABLE hits AS SELECT DISTINCT r.id AS id FROM temp.near p CROSS JOIN {_q(rtree)} r "  # nosec B608
              "WHERE r.minx <= p.maxx AND r.maxx >= p.minx AND r.miny <= p.maxy AND r.maxy >= p.miny "
              "ORDER BY r.id")
    sql = f"SELECT {select} FROM temp.hits h CROSS JOIN {_q(table)} t ON t.{_q(fid)} = h.id"  # nosec B608

    def fetch(part: np.ndarray):
        c = sqlite3.connect(uri, uri=True)
        try:
            c.execute("CREATE TEMP TABLE near(minx REAL, miny REAL, maxx REAL, maxy REAL)")
            c.executemany("INSERT INTO temp.near VALUES (?, ?, ?, ?)", part.tolist())
            c.execute(search)
            rows = c.execute(sql).fetchall()
        finally:
            c.close()
        if not rows:
            return (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object),
                    [np.zeros(0, dtype=object) for _ in columns])
        fids, blobs, *cols = zip(*rows)
        del rows
        geoms = shapely.from_wkb(np.array([_gpkg_wkb(g) for g in blobs], dtype=object))
        return np.asarray(fids, dtype=np.int64), geoms, [_object_array(v) for v in cols]

    # more parts than threads: one part's SQLite search overlaps another's conversion
    parts = np.array_split(b, max(1, min(4 * workers, len(b) // 2000 or 1)))
    if len(parts) == 1:
        results = [fetch(parts[0])]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(fetch, parts))
    fids = np.concatenate([r[0] for r in results])
    geoms = np.concatenate([r[1] for r in results])
    cols = [np.concatenate([r[2][k] for r in results]) for k in range(len(columns))]
    del results
    # neighbouring parts may both hold the features along their seam: keep each FID once, in FID order
    fids, order = np.unique(fids, return_index=True)
    geoms = geoms[order]
    index = pd.Index(fids, name=fid)
    data = {}
    for c, kind, vals in zip(columns, kinds, cols):
        vals = vals[order]
        if kind == "text":
            data[c] = pd.Series(vals, dtype=object, index=index)
        else:  # like OGR: integers with nulls become floats with NaN
            null = pd.isna(vals)
            dtype = "float64" if kind == "real" or null.any() else "int64"
            data[c] = pd.Series(np.where(null, np.nan, vals), dtype=dtype, index=index)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, index=index), crs=info.crs, index=index)


def _object_array(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _gpkg_wkb(blob):
    """Plain WKB from a GeoPackage geometry blob (header: 'GP', version, flags, srs_id, envelope)."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise _Unsupported("not a GeoPackage geometry blob")
    flags = blob[3]
    envelope = (flags >> 1) & 7
    if flags & 0x20 or envelope > 4:
        raise _Unsupported("extended GeoPackage geometry type or bad envelope indicator")
    return blob[8 + _GPKG_ENVELOPE[envelope]:]


def _filter(gdf: gpd.GeoDataFrame, tree: shapely.STRtree) -> gpd.GeoDataFrame:
    if len(gdf) == 0:
        return gdf
    geoms = np.asarray(gdf.geometry.values)
    hit = np.zeros(len(gdf), dtype=bool)
    present = ~shapely.is_missing(geoms)
    idx = np.nonzero(present)[0]
    if len(idx):
        q = tree.query(geoms[idx])[0]
        hit[idx[np.unique(q)]] = True
    return gdf[hit]


#: a DBF field name holds at most this many bytes
DBF_NAME_BYTES = 10


def _shapefile_fields(mapping_path: str | Path | None) -> dict:
    """The table of short DBF field names (``resources/shapefile_fields.toml`` unless another is given)."""
    from .paths import resource
    from .toml_compat import tomllib

    with open(mapping_path or resource("shapefile_fields.toml"), "rb") as f:
        return tomllib.load(f)


def dbf_field_names(names: list[str], mapping_path: str | Path | None = None,
                    encoding: str = "utf-8") -> list[str]:
    """Names for ``names`` that fit a shapefile's DBF (at most 10 bytes in ``encoding``), all distinct:
    the short names of ``resources/shapefile_fields.toml`` where it has one, else the name cut at a
    character boundary (never in the middle of a Chinese character), numbered where two would meet."""
    table = _shapefile_fields(mapping_path)
    fields, layers = table.get("fields", {}), table.get("layers", {})

    def fits(text: str) -> bool:
        return len(text.encode(encoding, "replace")) <= DBF_NAME_BYTES

    def cut(text: str, room: int = DBF_NAME_BYTES) -> str:
        while len(text.encode(encoding, "replace")) > room:
            text = text[:-1]
        return text

    out: list[str] = []
    taken: set[str] = set()
    for name in names:
        short = None
        if not fits(name):  # names that fit stay as they are (the next algorithm finds them)
            short = fields.get(name)
            if short is None and name.endswith("_m2") and name[:-3] in layers:
                short = f"{layers[name[:-3]]}_M2"
        candidate = cut(short or name)
        n = 1
        while candidate.upper() in taken:  # DBF names are compared without case
            suffix = f"_{n}"
            candidate = cut(short or name, DBF_NAME_BYTES - len(suffix)) + suffix
            n += 1
        taken.add(candidate.upper())
        out.append(candidate)
    return out


def names_from_dbf(names: list[str], mapping_path: str | Path | None = None) -> list[str]:
    """``names`` of a layer read back from a shapefile, with the short DBF names of
    ``resources/shapefile_fields.toml`` turned back into the plugin's own (where that name is not present
    already), so that a chain of algorithms works through shapefiles too."""
    back = {short.upper(): name for name, short in _shapefile_fields(mapping_path).get("fields", {}).items()}
    present = set(names)
    return [back[n.upper()] if n.upper() in back and back[n.upper()] not in present else n for n in names]


# -- field aliases (Chinese names of output fields) ------------------------------------------------------

def _alias_table(path: str | Path | None = None) -> dict:
    """``resources/field_aliases.toml`` (or the table at ``path``)."""
    from .paths import resource
    from .toml_compat import tomllib

    with open(path or resource("field_aliases.toml"), "rb") as f:
        return tomllib.load(f)


def field_aliases(names: list[str], algorithm: str | None = None, output: str | None = None,
                  table_path: str | Path | None = None) -> dict[str, str]:
    """Chinese aliases of the output fields ``names`` (``resources/field_aliases.toml``): the algorithm's
    own (and its output's) names first, then the common ones, then by suffix (``生态保护红线_m2`` →
    ``生态保护红线面积（平方米）``); a name the table does not know has no alias."""
    table = _alias_table(table_path)
    own = (table.get("algorithms", {}).get((algorithm or "").split(":")[-1]) or {})
    per_output = own.get(output) if output else None
    layers = [per_output if isinstance(per_output, dict) else {},
              {k: v for k, v in own.items() if isinstance(v, str)}, table.get("fields", {})]
    out: dict[str, str] = {}
    for name in names:
        alias = next((t[name] for t in layers if isinstance(t.get(name), str)), None)
        if alias is None:
            suffix = next((s for s in table.get("suffixes", {}) if name.endswith(s) and len(name) > len(s)), None)
            if suffix is not None:
                alias = name[:-len(suffix)] + table["suffixes"][suffix]
        if alias and alias != name:
            out[name] = alias
    return out


def field_decimals(names: list[str], table_path: str | Path | None = None) -> dict[str, int]:
    """How many decimals each number field of ``names`` is shown with (``[decimals]`` of the alias table)."""
    decimals = _alias_table(table_path).get("decimals", {})
    by_name, by_suffix = decimals.get("fields", {}), decimals.get("suffixes", {})
    out = {}
    for name in names:
        n = by_name.get(name)
        if n is None:
            n = next((v for s, v in by_suffix.items() if name.endswith(s)), None)
        if n is not None:
            out[name] = int(n)
    return out


def write_field_aliases(path: str | Path, layer: str, aliases: dict[str, str]) -> int:
    """Store ``aliases`` (field → Chinese name) of ``layer`` in the GeoPackage ``path`` as the fields'
    alternative names (the ``name`` column of ``gpkg_data_columns``, GeoPackage schema extension), which
    QGIS on GDAL ≥ 3.7, ArcGIS and GDAL itself read as the alias.  Through OGR where the bindings know
    alternative names (GDAL ≥ 3.7), else with SQLite directly.  Returns how many were written; nothing
    for other formats (a DBF has no room for them)."""
    path = str(path)
    if not aliases or not path.lower().endswith(".gpkg"):
        return 0
    if hasattr(ogr, "ALTER_ALTERNATIVE_NAME_FLAG"):
        ds = ogr.Open(path, 1)
        lyr = ds.GetLayerByName(layer) if ds is not None else None
        if lyr is None:
            return 0
        defn = lyr.GetLayerDefn()
        n = 0
        for i in range(defn.GetFieldCount()):
            fd = defn.GetFieldDefn(i)
            alias = aliases.get(fd.GetName())
            if alias and fd.GetAlternativeName() != alias:
                new = ogr.FieldDefn(fd.GetName(), fd.GetType())
                new.SetAlternativeName(alias)
                n += lyr.AlterFieldDefn(i, new, ogr.ALTER_ALTERNATIVE_NAME_FLAG) == 0
        ds = None
        return n
    con = sqlite3.connect(path)
    try:
        columns = {r[1] for r in con.execute(f"PRAGMA table_info({_q(layer)})")}
        rows = [(layer, c, a) for c, a in aliases.items() if c in columns]
        if not rows:
            return 0
        with con:
            con.execute("CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT "
                        "NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, "
                        "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name))")
            con.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
                        "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
                        "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")
            for table_name in ("gpkg_data_columns", "gpkg_data_column_constraints"):
                if not con.execute("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = "
                                   "'gpkg_schema'", (table_name,)).fetchone():
                    con.execute("INSERT INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', "
                                "'http://www.geopackage.org/spec121/#extension_schema', 'read-write')", (table_name,))
            con.execute("CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, "
                        "constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, "
                        "max NUMERIC, max_is_inclusive BOOLEAN, description TEXT, "
                        "CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))")
            n = 0
            for row in rows:
                try:
                    con.execute("INSERT INTO gpkg_data_columns (table_name, column_name, name, title) "
                                "VALUES (?, ?, ?, ?) ON CONFLICT (table_name, column_name) "
                                "DO UPDATE SET name = excluded.name, title = excluded.title", row + (row[2],))
                    n += 1
                except sqlite3.IntegrityError:  # an older file's UNIQUE name: the style still carries it
                    logger.info(tr("{path}：字段 {layer}.{field} 的中文名“{alias}”未写入（已被占用）").format(
                        path=path, layer=layer, field=row[1], alias=row[2]))
        return n
    finally:
        con.close()
