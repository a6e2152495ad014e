"""Records for documents from QGIS layers: the determination output and the overlay detail table."""
from __future__ import annotations

from typing import Any

from qgis.core import Qgis, QgsFeatureRequest, QgsGeometry, QgsVectorLayer

from ..feedback import Feedback, check_canceled, ensure_feedback
from ..fieldmap import resolve_field
from .batch import PatchRecord
from .values import text_value

ID_FIELDS = ("patch_id",)


def _value(v: Any) -> Any:
    """Python value of a QGIS attribute (NULL -> None, QDate -> ISO text)."""
    if v is None:
        return None
    if type(v).__name__ == "QVariant":
        return None if v.isNull() else v.value()
    if hasattr(v, "toString") and hasattr(v, "isValid") and type(v).__name__ in ("QDate", "QDateTime", "QTime"):
        if not v.isValid():
            return None
        return v.toString("yyyy-MM-dd") if type(v).__name__ == "QDate" else v.toString("yyyy-MM-dd HH:mm:ss")
    return v


def id_field(layer: QgsVectorLayer) -> str | None:
    names = layer.fields().names()
    if "patch_id" in names:
        return "patch_id"
    return resolve_field(names, "JCBH")


def records_from_layer(layer: QgsVectorLayer, selected_only: bool = False,
                       feedback: Feedback | None = None) -> list[PatchRecord]:
    """One PatchRecord per feature (geometry copied, attributes as Python values).

    The patch id comes from ``patch_id`` (overlay output), else the JCBH field (field mapping);
    a feature without one is named by its feature id, with a warning, never dropped.
    """
    fb = ensure_feedback(feedback)
    names = layer.fields().names()
    idf = id_field(layer)
    if idf is None:
        fb.warning(f"图层 {layer.name()} 没有 patch_id 或监测编号字段，以要素编号（fid）作为图斑编号")
    request = QgsFeatureRequest()
    features = layer.getSelectedFeatures(request) if selected_only else layer.getFeatures(request)
    out = []
    crs = layer.crs()
    for f in features:
        check_canceled(fb)
        attrs = {n: _value(f.attribute(i)) for i, n in enumerate(names)}
        pid = text_value(attrs.get(idf)) if idf else ""
        if not pid:
            pid = f"fid_{f.id()}"
            if idf:
                fb.warning(f"图层 {layer.name()} 要素 {f.id()} 的 {idf} 为空，以 {pid} 作为图斑编号")
        geom = QgsGeometry(f.geometry()) if f.hasGeometry() else None
        if geom is None:
            fb.warning(f"图层 {layer.name()} 图斑 {pid} 没有几何，文书中不含地图和坐标")
        out.append(PatchRecord(pid, attrs, geom, crs))
    return out


def details_from_layer(layer: QgsVectorLayer | None, feedback: Feedback | None = None) -> dict[str, list[dict]]:
    """OVERLAY_DETAIL rows grouped by patch_id."""
    if layer is None:
        return {}
    fb = ensure_feedback(feedback)
    names = layer.fields().names()
    missing = [n for n in ("patch_id", "layer", "area_m2") if n not in names]
    if missing:
        raise ValueError(f"叠加明细表 {layer.name()} 缺少字段：{'、'.join(missing)}"
                         "（应为 liangwei:overlaycheck 的 OUTPUT_DETAIL）")
    out: dict[str, list[dict]] = {}
    request = QgsFeatureRequest().setFlags(Qgis.FeatureRequestFlag.NoGeometry)
    for f in layer.getFeatures(request):
        check_canceled(fb)
        row = {n: _value(f.attribute(i)) for i, n in enumerate(names)}
        out.setdefault(text_value(row.get("patch_id")), []).append(row)
    return out
