"""Patch navigator logic (图斑导航), GUI-free: which patches, in what order, what to show for each.

The dock in ``gui/patch_navigator.py`` is a thin view over these functions.  Patches are stepped
through in order of their id (``patch_id`` of the overlay output, else the layer's JCBH); filters
use the determination (``determination`` wording or ``determination_code``) and the township
(XZQMC, else the overlay's ``zldwmc``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)

from ..fieldmap import resolve_field
from ..log import logger

MU_PER_M2 = 15.0 / 10000.0
ALL = None  # filter value meaning "no filter"

DETERMINATION_LABELS = {
    "correctable": "尚可采取改正措施消除对规划实施的影响",
    "uncorrectable": "无法采取改正措施消除对规划实施的影响",
    "not_violation": "不属于违法用地违法建设",
}
# Overlay output fields shown under their own labels (the *_m2 protected-area fields are found by suffix).
KNOWN_AREA_FIELDS = {"area_m2", "farmland_m2", "construction_m2", "agricultural_m2", "unused_m2"}
PROP_ROLE = "liangwei/role"


@dataclass
class PatchFields:
    """Which fields of a patch layer the navigator uses (None when the layer lacks one)."""

    patch_id: str | None
    jcbh: str | None
    township: str | None
    determination: str | None
    determination_code: str | None

    @property
    def id_field(self) -> str | None:
        return self.patch_id or self.jcbh

    @property
    def determination_field(self) -> str | None:
        return self.determination or self.determination_code


def patch_fields(layer: QgsVectorLayer) -> PatchFields:
    names = [f.name() for f in layer.fields()]
    lower = {n.lower(): n for n in names}
    township = resolve_field(names, "XZQMC") or lower.get("zldwmc")
    return PatchFields(
        patch_id=lower.get("patch_id"),
        jcbh=resolve_field(names, "JCBH"),
        township=township,
        determination=lower.get("determination"),
        determination_code=lower.get("determination_code"),
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "" if text == "NULL" else text


def filter_values(layer: QgsVectorLayer, field: str | None) -> list[str]:
    """Distinct non-empty values of ``field`` (for the filter combo boxes), sorted."""
    if not field:
        return []
    idx = layer.fields().lookupField(field)
    return sorted({_text(v) for v in layer.uniqueValues(idx)} - {""})


def patch_ids(layer: QgsVectorLayer, determination: str | None = ALL, township: str | None = ALL) -> list[int]:
    """Feature ids of the patches passing the filters, in order of patch id."""
    fields = patch_fields(layer)
    wanted = [f for f in (fields.id_field, fields.determination_field, fields.township) if f]
    request = QgsFeatureRequest().setFlags(Qgis.FeatureRequestFlag.NoGeometry)
    if wanted:
        request.setSubsetOfAttributes(wanted, layer.fields())
    rows = []
    for feat in layer.getFeatures(request):
        if (determination is not ALL and fields.determination_field
                and _text(feat[fields.determination_field]) != determination):
            continue
        if township is not ALL and fields.township and _text(feat[fields.township]) != township:
            continue
        key = _text(feat[fields.id_field]) if fields.id_field else ""
        rows.append((key, feat.id()))
    rows.sort()
    return [fid for _key, fid in rows]


def zoom_extent(bbox: QgsRectangle, margin: float = 1.5, min_size: float = 60.0) -> QgsRectangle:
    """The view for a patch: its bbox scaled by ``margin`` (1.5 = 150 %) and at least ``min_size``
    map units across, centred on the patch."""
    centre = bbox.center()
    width = max(bbox.width() * margin, min_size)
    height = max(bbox.height() * margin, min_size)
    return QgsRectangle(centre.x() - width / 2, centre.y() - height / 2,
                        centre.x() + width / 2, centre.y() + height / 2)


def patch_view_extent(feature: QgsFeature, layer_crs: QgsCoordinateReferenceSystem,
                      map_crs: QgsCoordinateReferenceSystem, project: QgsProject | None = None,
                      margin: float = 1.5) -> QgsRectangle:
    bbox = feature.geometry().boundingBox()
    if layer_crs.isValid() and map_crs.isValid() and layer_crs != map_crs:
        ctx = (project or QgsProject.instance()).transformContext()
        bbox = QgsCoordinateTransform(layer_crs, map_crs, ctx).transformBoundingBox(bbox)
    min_size = 0.0006 if map_crs.isGeographic() else 60.0
    return zoom_extent(bbox, margin, min_size)


def _number(value: Any) -> float | None:
    try:
        if value is None or _text(value) == "":
            return None
        return float(value)
    except (TypeError, ValueError):
        return None


def _area(m2: float | None, mu: float | None = None) -> str:
    if m2 is None:
        return ""
    mu = m2 * MU_PER_M2 if mu is None else mu
    return f"{m2:,.2f} ㎡（{mu:,.2f} 亩）"


def register_layers(project: QgsProject) -> list[QgsVectorLayer]:
    """Case-register layers of the project: role "register", else layers with stage + patch_id."""
    layers = [lyr for lyr in project.mapLayers().values() if isinstance(lyr, QgsVectorLayer)]
    tagged = [lyr for lyr in layers if lyr.customProperty(PROP_ROLE) == "register"]
    if tagged:
        return tagged
    return [lyr for lyr in layers
            if lyr.fields().lookupField("stage") >= 0 and lyr.fields().lookupField("patch_id") >= 0]


def case_stage(project: QgsProject, patch_key: str) -> tuple[str, bool] | None:
    """(stage, overdue) of the case registered for ``patch_key``, if any register layer has it."""
    if not patch_key:
        return None
    for layer in register_layers(project):
        names = [f.name() for f in layer.fields()]
        key_field = "patch_id" if "patch_id" in names else resolve_field(names, "JCBH")
        if key_field is None or "stage" not in names:
            continue
        escaped = patch_key.replace("'", "''")
        request = QgsFeatureRequest().setFilterExpression(f"\"{key_field}\" = '{escaped}'")
        request.setFlags(Qgis.FeatureRequestFlag.NoGeometry)
        for feat in layer.getFeatures(request):
            overdue = feat["overdue"] if "overdue" in names else None
            flag = _text(overdue).lower() in ("1", "true", "t", "yes", "是")
            return _text(feat["stage"]), flag
    return None


def field_check(project: QgsProject, patch_key: str) -> tuple[str, str] | None:
    """(the latest on-site check, its photos) of the case of ``patch_key`` from a GeoPackage register layer
    of the project (外业核查 imported by liangwei:importfieldpackage); None when there is none."""
    found = _field_evidence(project, patch_key)
    if found is None:
        return None
    check, photos, store = found
    text = "，".join(x for x in (check.get("conclusion"), check.get("inspector"),
                                 _text(check.get("verified_at")).replace("T", " ")) if x)
    flagged = [p for p in photos if p.get("flagged")]
    shots = f"{len(photos)} 张（{store}）"
    if flagged:
        shots += "；未通过检查 " + "；".join(f"{Path(p['original']).name}：{p.get('flag_reason')}"
                                          for p in flagged)
    return text, shots


@dataclass(frozen=True)
class FieldPhoto:
    """One 举证照片 of a case, as the navigator shows it."""

    path: Path            # the copy in the register's evidence store
    caption: str          # time and distance from the patch
    flagged: bool
    reason: str = ""


def field_photos(project: QgsProject, patch_key: str) -> list[FieldPhoto]:
    """The evidence photos of the case of ``patch_key`` (in the order taken), flagged ones included."""
    found = _field_evidence(project, patch_key)
    if found is None:
        return []
    out = []
    for p in found[1]:
        when = _text(p.get("taken_at")).replace("T", " ")[:16]
        dist = p.get("distance_m")
        caption = "，".join(x for x in (when, f"距图斑 {float(dist):.0f} 米" if dist not in (None, "") else "") if x)
        out.append(FieldPhoto(found[2] / _text(p.get("file")), caption, bool(p.get("flagged")),
                              _text(p.get("flag_reason"))))
    return out


def _field_evidence(project: QgsProject, patch_key: str) -> tuple[dict, list[dict], Path] | None:
    """(latest verification, photos, evidence store) of a case from the project's GeoPackage register layers."""
    if not patch_key:
        return None
    for layer in register_layers(project):
        path = layer.source().split("|", 1)[0]
        if layer.providerType() != "ogr" or not path.lower().endswith(".gpkg"):
            continue
        import sqlite3

        try:
            from ..register import Register, evidence

            with Register(path, readonly=True) as reg:
                check = evidence.latest_verification(reg, patch_key)
                if check is None:
                    continue
                photos = evidence.photos(reg, patch_key)
                store = evidence.evidence_root(reg)
        except (KeyError, ValueError, RuntimeError, OSError, sqlite3.Error) as exc:
            # not in this register, or unreadable: the summary goes on without it
            logger.debug("外业核查记录读取失败（%s）：%s", path, exc)
            continue
        return check, photos, Path(store)
    return None


def patch_key(feature: QgsFeature) -> str:
    """The id a patch's case is registered under: the overlay's ``patch_id``, else its JCBH."""
    names = feature.fields().names()
    pid = next((n for n in names if n.lower() == "patch_id"), None)
    jcbh = resolve_field(names, "JCBH")
    return _text(feature[pid]) if pid and _text(feature[pid]) else (_text(feature[jcbh]) if jcbh else "")


def patch_summary(feature: QgsFeature, project: QgsProject | None = None) -> list[tuple[str, str]]:
    """(label, value) rows describing a patch: identity, overlay figures, determination, case stage."""
    names = feature.fields().names()
    lower = {n.lower(): n for n in names}

    def get(name: str) -> Any:
        field = lower.get(name.lower())
        return feature[field] if field else None

    rows: list[tuple[str, str]] = []
    jcbh = resolve_field(names, "JCBH")
    key = patch_key(feature)
    rows.append(("监测编号", _text(feature[jcbh]) if jcbh else key))
    town = resolve_field(names, "XZQMC")
    if town:
        rows.append(("行政区", _text(feature[town])))
    if get("zldwmc") is not None:
        rows.append(("坐落单位", _text(get("zldwmc"))))
    area = _number(get("area_m2"))
    if area is not None:
        rows.append(("图斑面积", _area(area, _number(get("area_mu")))))
        if get("area_method") is not None:
            rows.append(("面积算法", {"ellipsoidal": "椭球面积", "planar": "平面面积"}.get(_text(get("area_method")),
                                                                                    _text(get("area_method")))))
    else:
        jcmj = resolve_field(names, "JCMJ")
        if jcmj and _number(feature[jcmj]) is not None:
            rows.append(("监测面积", _area(_number(feature[jcmj]))))
    for field, label in (("farmland_m2", "占用耕地"), ("construction_m2", "建设用地"),
                         ("agricultural_m2", "农用地"), ("unused_m2", "未利用地")):
        value = _number(get(field))
        if value is not None:
            mu = _number(get(field[:-3] + "_mu"))
            rows.append((label, _area(value, mu)))
    for name in names:
        if name.lower().endswith("_m2") and name.lower() not in KNOWN_AREA_FIELDS:
            value = _number(feature[name])
            if value is not None:
                rows.append((f"占{name[:-3]}", _area(value)))
    if _text(get("protected_summary")):
        rows.append(("保护区", _text(get("protected_summary"))))
    determination = _text(get("determination")) or DETERMINATION_LABELS.get(_text(get("determination_code")), "")
    if determination:
        rows.append(("认定", determination))
    for field, label in (("consequence", "处理"), ("rule_name", "认定规则"), ("departments", "责任部门")):
        if _text(get(field)):
            rows.append((label, _text(get(field))))
    if project is not None:
        stage = case_stage(project, key)
        if stage is not None:
            rows.append(("案件阶段", stage[0] + ("（逾期）" if stage[1] else "")))
        elif register_layers(project):
            rows.append(("案件阶段", "未立案"))
        check = field_check(project, key)
        if check is not None:
            rows.append(("外业核查", check[0]))
            rows.append(("举证照片", check[1]))
    return rows


#: the one map's group of monitoring patches (project_builder.GROUP_ORDER)
PATCH_GROUP = "监测图斑"


def default_patch_layer(project: QgsProject) -> QgsVectorLayer | None:
    """The layer the navigator opens on: of the layers with role "patches" (the one map's custom property
    ``liangwei/role``), else of the layers in the group 监测图斑, the one with most features — the county's
    patches, not a small extract beside them (the sample's eight patches in CGCS2000 lon/lat)."""
    layers = [lyr for lyr in project.mapLayers().values()
              if isinstance(lyr, QgsVectorLayer) and lyr.isValid() and lyr.customProperty(PROP_ROLE) == "patches"]
    if not layers:
        group = project.layerTreeRoot().findGroup(PATCH_GROUP)
        layers = [node.layer() for node in (group.findLayers() if group is not None else [])
                  if isinstance(node.layer(), QgsVectorLayer) and node.layer().isValid()]
    polygons = [lyr for lyr in layers if lyr.geometryType() == Qgis.GeometryType.Polygon]
    if not polygons:
        return None
    return max(polygons, key=lambda lyr: lyr.featureCount())  # max keeps the first of equals (tree order)


def find_patch(layer: QgsVectorLayer, ids: list[int], text: str) -> int | None:
    """Position in ``ids`` of the patch whose 监测编号 (JCBH, or patch_id) is ``text``; failing that, the
    first whose number contains it (the last digits typed from a field sheet); None when none does."""
    text = (text or "").strip()
    if not text or not ids:
        return None
    fields = patch_fields(layer)
    keys = [f for f in (fields.jcbh, fields.patch_id) if f]
    if not keys:
        return None
    request = QgsFeatureRequest().setFilterFids(ids).setFlags(Qgis.FeatureRequestFlag.NoGeometry)
    request.setSubsetOfAttributes(keys, layer.fields())
    numbers = {feat.id(): [_text(feat[k]) for k in keys] for feat in layer.getFeatures(request)}
    position = {fid: i for i, fid in enumerate(ids)}
    exact = [position[fid] for fid, values in numbers.items() if text in values]
    if exact:
        return min(exact)
    partial = [position[fid] for fid, values in numbers.items() if any(text in v for v in values)]
    return min(partial) if partial else None


def is_violation(feature: QgsFeature) -> bool | None:
    """Whether the determination says the patch is a violation (``violation`` 1/0, else the code); None
    when the patch has no determination yet."""
    lower = {n.lower(): n for n in feature.fields().names()}
    if "violation" in lower:
        value = _text(feature[lower["violation"]]).lower()
        if value in ("1", "true", "t", "yes", "是"):
            return True
        if value in ("0", "false", "f", "no", "否"):
            return False
    if "determination_code" in lower:
        code = _text(feature[lower["determination_code"]])
        if code:
            return code != "not_violation"
    return None


def document_actions(feature: QgsFeature | None) -> dict[str, bool]:
    """Which documents make sense for a patch: the 认定意见书 once it is determined, the 整改通知书 only
    for a violation (never for a lawful patch)."""
    if feature is None:
        return {"report": False, "notice": False}
    violation = is_violation(feature)
    return {"report": violation is not None, "notice": violation is True}
