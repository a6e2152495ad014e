"""QGIS layers <-> GeoDataFrames for the overlay (GUI-free; qgis.core only).

File-backed OGR layers (GeoPackage, shapefile, …) are read directly from their source through QGIS's own
GDAL by :mod:`.vector_io` (much faster than iterating QgsFeatures, and with its encoding handling); other layers
(memory, PostGIS, WFS, filtered layers) are read by iterating their features.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from qgis.core import (
    Qgis,
    QgsEditorWidgetSetup,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsMapLayer,
    QgsProviderRegistry,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QMetaType, QTime, QVariant

from .feedback import Feedback, check_canceled, ensure_feedback
from .i18n import tr
from .vector_io import (
    CJK_ENCODINGS,
    dbf_field_names,
    field_aliases,
    field_decimals,
    layer_info,
    read_vector,
    write_field_aliases,
)


class LayerInputError(ValueError):
    """A layer that cannot be used (message names the layer)."""


def layer_display_name(layer) -> str:
    """The layer's name for reports: ``layername=X`` of its source when present, else its name."""
    try:
        parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
    except Exception:  # noqa: BLE001 - providers without decodeUri
        parts = {}
    name = parts.get("layerName") if isinstance(parts, dict) else None
    return name or layer.name()


def require_polygon_layer(layer, role: str = "") -> None:
    """Reject rasters, non-polygon vector layers and empty layers with a message naming the layer."""
    name = layer.name() if layer is not None else role
    if layer is None or not isinstance(layer, QgsVectorLayer):
        raise LayerInputError(tr("图层「{layer}」不是矢量面图层（{role}需要面图层）。").format(layer=name, role=role))
    if not layer.isValid():
        raise LayerInputError(tr("图层「{layer}」无法打开：{src}").format(layer=name, src=layer.source()))
    if layer.geometryType() != Qgis.GeometryType.Polygon:
        kind = QgsWkbTypes.geometryDisplayString(layer.geometryType())
        raise LayerInputError(tr("图层「{layer}」不是面图层（几何类型：{kind}），{role}需要面图层。").format(
            layer=name, kind=kind, role=role))
    if layer.featureCount() == 0:
        raise LayerInputError(tr("图层「{layer}」没有要素。").format(layer=name))


@dataclass
class FileSource:
    path: str
    layer: str | None
    encoding: str | None  # "auto" or an explicit codec


def file_source(layer: QgsVectorLayer) -> FileSource | None:
    """The OGR file behind ``layer`` when it can be read directly (no subset filter), else None."""
    if layer.providerType() != "ogr" or layer.subsetString():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path")
    if not path or not os.path.isfile(path):
        return None
    enc = (layer.dataProvider().encoding() or "").strip()
    # an encoding the user chose for the layer wins; "System"/UTF-8 defaults fall back to detection
    encoding = enc if enc.lower() in CJK_ENCODINGS else "auto"
    return FileSource(path, parts.get("layerName") or None, encoding)


def _wkb(geom: QgsGeometry):
    if geom is None or geom.isNull():
        return None
    if QgsWkbTypes.isCurvedType(geom.wkbType()):
        geom = QgsGeometry(geom.constGet().segmentize())
    return bytes(geom.asWkb())


def _python_value(v):
    if v is None or (isinstance(v, QVariant) and v.isNull()):
        return None
    if isinstance(v, QDateTime):
        return pd.Timestamp(v.toPyDateTime()) if v.isValid() else None
    if isinstance(v, QDate):
        return v.toPyDate() if v.isValid() else None
    if isinstance(v, QTime):
        return v.toPyTime() if v.isValid() else None
    return v


def layer_crs_id(layer) -> str | None:
    """The layer's CRS as authid or WKT, None when it has none (or only a placeholder for none)."""
    crs = layer.crs()
    if not crs.isValid() or (crs.description() or "").lower().startswith("undefined"):
        return None
    return crs.authid() or crs.toWkt() or None


def near_reader(layer: QgsVectorLayer, columns: list[str] | None = None):
    """For :attr:`.overlay.ReferenceLayer.reader`: a callable ``(near, crs) -> GeoDataFrame`` reading the
    features whose envelope meets one of the ``near`` geometries, safe to run on another thread; None when
    the layer is not a plain OGR file (read it with :func:`layer_to_gdf` on this thread)."""
    src = file_source(layer)
    if src is None:
        return None
    crs_id = layer_crs_id(layer)

    def read(near, crs) -> gpd.GeoDataFrame:
        gdf = read_vector(src.path, src.layer, columns=columns, encoding=src.encoding,
                          keep_near=near, keep_near_crs=crs)
        if gdf.crs is None and crs_id:
            gdf = gdf.set_crs(crs_id)
        return gdf

    return read


def file_reader(layer: QgsVectorLayer, columns: list[str] | None = None, keep_near=None, keep_near_crs=None):
    """A callable that reads the layer like :func:`layer_to_gdf` without touching QGIS objects — safe to run
    on another thread — or None when the layer is not a plain OGR file (read it with layer_to_gdf).

    ``keep_near`` geometries must not be used by another thread at the same time unless their envelopes
    are cached (see :func:`.vector_io.patch_envelopes`)."""
    read_near = near_reader(layer, columns)
    if read_near is None:
        return None
    return lambda: read_near(keep_near, keep_near_crs)


def layer_to_gdf(layer: QgsVectorLayer, columns: list[str] | None = None, keep_near=None, keep_near_crs=None,
                 feedback: Feedback | None = None) -> gpd.GeoDataFrame:
    """A GeoDataFrame of the layer (all or ``columns`` attributes), CRS from the layer.

    ``keep_near``/``keep_near_crs``: only keep features whose envelope meets one of these geometries.
    """
    feedback = ensure_feedback(feedback)
    reader = file_reader(layer, columns, keep_near, keep_near_crs)
    if reader is not None:
        return reader()
    crs = layer_crs_id(layer)
    fields = layer.fields()
    names = columns if columns is not None else [f.name() for f in fields]
    idx = [fields.indexOf(n) for n in names]
    request = QgsFeatureRequest().setSubsetOfAttributes(idx)
    values: dict[str, list] = {n: [] for n in names}
    wkbs, fids = [], []
    total = max(1, layer.featureCount())
    for k, f in enumerate(layer.getFeatures(request)):
        if k % 5000 == 0:
            check_canceled(feedback)
        attrs = f.attributes()
        for n, i in zip(names, idx):
            values[n].append(_python_value(attrs[i]) if i >= 0 else None)
        wkbs.append(_wkb(f.geometry()))
        fids.append(f.id())
    del total
    geoms = shapely.from_wkb(np.array(wkbs, dtype=object))
    gdf = gpd.GeoDataFrame(values, geometry=geoms, crs=crs, index=pd.Index(fids, name="fid"))
    if keep_near is not None and len(gdf):
        near = gpd.GeoSeries(np.asarray(keep_near, dtype=object), crs=keep_near_crs)
        if crs and keep_near_crs is not None:
            near = near.to_crs(crs)
        tree = shapely.STRtree(np.asarray(shapely.envelope(near.values)))
        present = np.nonzero(~shapely.is_missing(geoms))[0]
        hit = np.zeros(len(gdf), dtype=bool)
        hit[present[np.unique(tree.query(geoms[present])[0])]] = True
        gdf = gdf[hit]
    return gdf


def qvariant_value(v, qtype: int):
    """A pandas/numpy value as something QgsFeature.setAttributes accepts for a field of ``qtype``."""
    if v is None:
        return None
    if isinstance(v, float) and v != v:
        return None
    if v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, _dt.datetime):
        if qtype == QMetaType.Type.QDate:
            return QDate(v.year, v.month, v.day)
        return QDateTime(v)
    if isinstance(v, _dt.date):
        return QDate(v.year, v.month, v.day) if qtype != QMetaType.Type.QString else v.isoformat()
    if isinstance(v, bytes):
        return v
    return v


def dbf_safe_fields(fields, feedback=None):
    """A copy of ``fields`` (QgsFields) renamed to fit a shapefile's DBF (:func:`.vector_io.dbf_field_names`);
    the renames are reported to ``feedback``."""
    names = [f.name() for f in fields]
    short = dbf_field_names(names)
    out = QgsFields()
    for field, new in zip(fields, short):
        copy = QgsField(field)
        copy.setName(new)
        out.append(copy)
    renamed = [f"{a} → {b}" for a, b in zip(names, short) if a != b]
    if renamed and feedback is not None:
        feedback.pushInfo(tr("Shapefile 字段名最长 10 个字节，以下字段已改名：{names}").format(
            names="，".join(renamed)))
    return out


def column_values(values, qtype) -> list:
    """A column as Python values for QgsFeature.setAttributes: plain numbers and strings in one go,
    anything else (dates, NaN, numpy scalars in object columns) through qvariant_value."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        out = arr.tolist()
        if np.isnan(arr).any():
            out = [None if v != v else v for v in out]
        return out
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64).tolist()
    if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        null = pd.isna(arr)
        return (np.where(null, None, arr) if null.any() else arr).tolist()
    return [qvariant_value(v, qtype) for v in arr]


def rows_to_sink(rows, wkbs, sink, fields, feedback: Feedback | None = None, batch: int = 5000,
                 progress: tuple[float, float] | None = None) -> int:
    """Add features to a QgsFeatureSink: ``rows`` are attribute tuples in the order of ``fields``, ``wkbs``
    their geometries as WKB (None for a table; polygons become multi-polygons).  Features go in batches, with a
    cancel check (``Canceled``) and, given ``progress`` = (start, end) percent, progress before each batch."""
    from qgis.core import QgsFeature, QgsFeatureSink, QgsGeometry

    feedback = ensure_feedback(feedback)
    n = len(rows)
    pending = []
    for i in range(n):
        if i % batch == 0:
            check_canceled(feedback)
            if progress:
                feedback.set_progress(progress[0] + (progress[1] - progress[0]) * i / max(1, n))
            if pending:
                sink.addFeatures(pending, QgsFeatureSink.Flag.FastInsert)
                pending = []
        feat = QgsFeature(fields)
        feat.setAttributes(list(rows[i]))
        if wkbs is not None and wkbs[i] is not None:
            g = QgsGeometry()
            g.fromWkb(wkbs[i])
            g.convertToMultiType()
            feat.setGeometry(g)
        pending.append(feat)
    if pending:
        sink.addFeatures(pending, QgsFeatureSink.Flag.FastInsert)
    return n


def frame_to_sink(gdf: gpd.GeoDataFrame, sink, fields, feedback: Feedback | None = None, batch: int = 5000) -> int:
    """Add the rows of ``gdf`` to a QgsFeatureSink whose ``fields`` (QgsFields) name columns of the frame
    (a field without a column is written NULL); polygons are written as multi-polygons.  Returns the count."""
    n = len(gdf)
    cols = [column_values(gdf[f.name()].to_numpy(), f.type()) if f.name() in gdf else [None] * n for f in fields]
    rows = list(zip(*cols)) if cols else [()] * n
    wkbs = shapely.to_wkb(shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))) if n else []
    return rows_to_sink(rows, wkbs, sink, fields, feedback, batch)


# -- readable outputs: Chinese aliases and number display (resources/field_aliases.toml) -----------------

#: the name of the default style an output GeoPackage carries (aliases and number display only)
DISPLAY_STYLE_NAME = "liangwei"
_DOUBLE_TYPES = (QMetaType.Type.Double,)


def fields_with_aliases(fields: QgsFields, algorithm: str | None = None, output: str | None = None) -> QgsFields:
    """A copy of ``fields`` whose fields carry their Chinese alias (:func:`.vector_io.field_aliases`)."""
    aliases = field_aliases([f.name() for f in fields], algorithm, output)
    out = QgsFields()
    for field in fields:
        copy = QgsField(field)
        if field.name() in aliases and not field.alias():
            copy.setAlias(aliases[field.name()])
        out.append(copy)
    return out


def apply_field_display(layer: QgsVectorLayer, algorithm: str | None = None, output: str | None = None) -> None:
    """Give the layer's fields their Chinese alias and show areas (and ratios) with a fixed number of
    decimals and thousands separators (QGIS's "Range" field formatter with a precision; the values stay
    exact)."""
    names = [f.name() for f in layer.fields()]
    for name, alias in field_aliases(names, algorithm, output).items():
        layer.setFieldAlias(layer.fields().indexOf(name), alias)
    for name, decimals in field_decimals(names).items():
        i = layer.fields().indexOf(name)
        if layer.fields().at(i).type() not in _DOUBLE_TYPES:
            continue
        config = {"Precision": decimals, "Style": "SpinBox", "AllowNull": True, "Min": -1e15, "Max": 1e15,
                  "Step": 1.0}
        layer.setEditorWidgetSetup(i, QgsEditorWidgetSetup("Range", config))


def store_field_display(destination: str, algorithm: str | None = None, output: str | None = None) -> bool:
    """Write the Chinese aliases and the number display into an output GeoPackage, so that any QGIS (and
    GDAL ≥ 3.7, ArcGIS) shows them without this plugin: the aliases in ``gpkg_data_columns``, both in a
    default style (``layer_styles``, the "fields" and "forms" parts only, so the layer keeps QGIS's or the
    plugin's symbology).  ``destination`` is a Processing output (``path.gpkg|layername=…``); other
    formats are left alone.  True when written."""
    parts = QgsProviderRegistry.instance().decodeUri("ogr", destination or "")
    path = parts.get("path") or ""
    if not path.lower().endswith(".gpkg") or not os.path.isfile(path):
        return False
    table = parts.get("layerName") or layer_info(path).layer_name
    layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
    if not layer.isValid():
        return False
    write_field_aliases(path, table, field_aliases([f.name() for f in layer.fields()], algorithm, output))
    apply_field_display(layer, algorithm, output)
    categories = QgsMapLayer.StyleCategory.Fields | QgsMapLayer.StyleCategory.Forms
    description = tr("两违一张图：字段中文名与面积显示")
    message = layer.saveStyleToDatabase(DISPLAY_STYLE_NAME, description, True, "", categories)
    return not message
