"""Reading vector files into GeoDataFrames fast and without garbled Chinese text (no QGIS needed).

- Shapefiles without a ``.cpg``: old bureau data is usually GBK; GDAL would decode it as ISO-8859-1 and
  produce mojibake.  :func:`detect_shapefile_encoding` tries UTF-8 on the DBF's bytes and falls back to
  GB18030 (a superset of GBK/GB2312).
- Large reference layers (a million 三调 parcels) are read in batches and only features whose envelope
  meets a patch are kept (:func:`read_vector` with ``keep_near``), so memory stays proportional to what the
  overlay needs.
"""
from __future__ import annotations

import codecs
import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from .log import logger

BATCH_SIZE = 200_000
CJK_ENCODINGS = {"gbk", "gb2312", "gb18030", "cp936", "936", "big5", "cp950", "euc-cn", "hz"}


def detect_shapefile_encoding(shp_path: str | Path) -> str | None:
    """Encoding of a shapefile's DBF when no ``.cpg`` says it: None if a .cpg exists (GDAL reads it),
    "UTF-8" if every byte decodes as UTF-8, else "GB18030"."""
    shp = Path(shp_path)
    if shp.with_suffix(".cpg").exists() or shp.with_suffix(".CPG").exists():
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
            logger.info("%s: no .cpg, not UTF-8 (LDID %d): reading as GB18030", shp.name, ldid)
            return "GB18030"
    return "UTF-8"


def layer_crs(path: str | Path, layer: str | None = None) -> CRS | None:
    info = pyogrio.read_info(str(path), layer=layer)
    return CRS.from_user_input(info["crs"]) if info.get("crs") else None


def read_vector(path: str | Path, layer: str | None = None, columns: list[str] | None = None,
                encoding: str | None = "auto", where: str | None = None,
                keep_near: np.ndarray | None = None, keep_near_crs=None,
                batch_size: int = BATCH_SIZE) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, shapefile, …) with pyogrio.

    ``encoding="auto"``: shapefiles without .cpg are detected (see module doc); None lets GDAL decide.
    ``keep_near``: geometries (in ``keep_near_crs``); when given, only features whose envelope meets the
    envelope of one of them are kept, reading ``batch_size`` features at a time.  The index holds the
    features' FIDs.
    """
    path = str(path)
    if encoding == "auto":
        encoding = detect_shapefile_encoding(path) if path.lower().endswith(".shp") else None
    kwargs = dict(layer=layer, columns=columns, encoding=encoding, where=where, fid_as_index=True)
    if keep_near is None:
        return pyogrio.read_dataframe(path, **kwargs)
    info = pyogrio.read_info(path, layer=layer, encoding=encoding)
    src_crs = CRS.from_user_input(info["crs"]) if info.get("crs") else None
    near = np.asarray(keep_near, dtype=object)
    near = near[~(shapely.is_missing(near) | shapely.is_empty(near))]
    if len(near) and src_crs is not None and keep_near_crs is not None and not src_crs.equals(
            CRS.from_user_input(keep_near_crs)):
        near = gpd.GeoSeries(near, crs=keep_near_crs).to_crs(src_crs).values
    tree = shapely.STRtree(np.asarray(shapely.envelope(np.asarray(near, dtype=object))))
    n = info["features"]
    if n < 0:  # unknown count (some drivers): read all, then filter
        gdf = pyogrio.read_dataframe(path, **kwargs)
        return _filter(gdf, tree)
    parts = []
    for start in range(0, max(n, 1), batch_size):
        batch = pyogrio.read_dataframe(path, skip_features=start, max_features=batch_size, **kwargs)
        parts.append(_filter(batch, tree))
    out = pd.concat(parts) if len(parts) > 1 else parts[0]
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=parts[0].crs)


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
