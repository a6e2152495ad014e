"""Layer roles of the one map drive the algorithm dialogs (GUI-free).

The one map records each layer's role in the custom property ``liangwei/role`` (boundary, planning,
landuse, protected, imagery, patches, register); outputs placed on the map by the plugin record what
they are in ``liangwei/output`` (overlay, overlay_detail, determination, farmland_ratio, ...).
:func:`prefill` gives an algorithm's parameters from them, in this order: the user's last choice in this
project (when its layers are still there), the roles, the settings (register, document options), and a
file or folder in the working folder for every output.
"""
from __future__ import annotations

import re
from typing import Any

from qgis.core import QgsMapLayer, QgsProcessingAlgorithm, QgsProject, QgsRasterLayer, QgsVectorLayer

from .. import session

PROP_ROLE = "liangwei/role"
PROP_OUTPUT = "liangwei/output"
PROP_CODE_FIELD = "liangwei/code_field"

# Output files and folders in the working folder, per algorithm and output parameter: (name, suffix);
# suffix "/" = a folder that stays the same from run to run (documents resume and keep their numbers).
OUTPUT_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("overlaycheck", "OUTPUT"): ("叠加分析结果", ".gpkg"),
    ("overlaycheck", "OUTPUT_DETAIL"): ("叠加分析明细", ".gpkg"),
    ("determine", "OUTPUT"): ("规划认定结果", ".gpkg"),
    ("farmlandratio", "OUTPUT"): ("违法占耕比统计", ".gpkg"),
    ("exportreports", "OUTPUT_FOLDER"): ("规划认定意见书", "/"),
    ("exportnotices", "OUTPUT_FOLDER"): ("整改通知书", "/"),
    ("batchreview", "OUTPUT_FOLDER"): ("批量审查", "/"),
    ("reviewmap", "OUTPUT_FOLDER"): ("审查本图", "/"),
    ("exportledger", "OUTPUT"): ("案件台账", ".xlsx"),
    ("casestatistics", "OUTPUT"): ("案件统计", ".gpkg"),
    ("flagoverdue", "OUTPUT"): ("超期案件", ".gpkg"),
    ("casestatistics", "OUTPUT_CHART"): ("案件统计图", ".png"),
    ("samplecounty", "OUTPUT_FOLDER"): ("示例县", "/"),
    ("buildonemap", "OUTPUT"): ("一张图", ".qgz"),
    ("exportfieldpackage", "OUTPUT_FOLDER"): ("外业核查包", "/"),
}
# parameters that come from the settings dialog: a later change there wins over the last run's value
SETTINGS_PARAMS = {"REGISTER", "CONFIG", "NUMBER_REGISTRY", "WORKERS"}


def tree_layers(project: QgsProject) -> list[QgsMapLayer]:
    """The project's layers in layer-tree order (top first), then any not in the tree."""
    ordered = [node.layer() for node in project.layerTreeRoot().findLayers() if node.layer() is not None]
    seen = {lyr.id() for lyr in ordered}
    return ordered + [lyr for lyr in project.mapLayers().values() if lyr.id() not in seen]


def layers_with_role(project: QgsProject, *roles: str) -> list[QgsMapLayer]:
    return [lyr for lyr in tree_layers(project) if lyr.customProperty(PROP_ROLE) in roles and lyr.isValid()]


def output_layers(project: QgsProject, kind: str) -> list[QgsMapLayer]:
    """Layers the plugin placed as output ``kind``, newest first (the tree puts new ones on top)."""
    return [lyr for lyr in tree_layers(project) if lyr.customProperty(PROP_OUTPUT) == kind and lyr.isValid()]


def patch_layer(project: QgsProject) -> QgsVectorLayer | None:
    """The monitoring patches to review: the patch layer with the most features (a second small batch
    in another CRS comes second)."""
    layers = [lyr for lyr in layers_with_role(project, "patches") if isinstance(lyr, QgsVectorLayer)]
    return max(layers, key=lambda lyr: lyr.featureCount(), default=None)


def imagery_layers(project: QgsProject) -> list[QgsRasterLayer]:
    """The imagery epochs, newest first (by ``liangwei/date``)."""
    layers = [lyr for lyr in layers_with_role(project, "imagery") if isinstance(lyr, QgsRasterLayer)]
    return sorted(layers, key=lambda lyr: str(lyr.customProperty("liangwei/date") or ""), reverse=True)


def determination_layer(project: QgsProject) -> QgsVectorLayer | None:
    for lyr in output_layers(project, "determination"):
        return lyr
    for lyr in layers_with_role(project, "patches"):   # a patch layer already determined
        if isinstance(lyr, QgsVectorLayer) and "determination_code" in lyr.fields().names():
            return lyr
    return None


def overlay_layer(project: QgsProject) -> QgsVectorLayer | None:
    for lyr in output_layers(project, "overlay"):
        return lyr
    return None


def _ids(layers) -> list[str]:
    return [lyr.id() for lyr in layers]


def role_values(alg_id: str, project: QgsProject) -> dict[str, Any]:
    """Input parameters of ``alg_id`` (short id, without ``liangwei:``) from the layer roles and settings."""
    values: dict[str, Any] = {}
    patches = patch_layer(project)
    landuse = next(iter(layers_with_role(project, "landuse")), None)
    protected = layers_with_role(project, "protected")
    boundary = next(iter(layers_with_role(project, "boundary")), None)
    if patches is not None:
        values["PATCHES"] = patches.id()
    if landuse is not None:
        values["LANDUSE"] = landuse.id()
        code_field = landuse.customProperty(PROP_CODE_FIELD)
        if code_field:
            values["LANDUSE_FIELD"] = str(code_field)
    if protected:
        values["PROTECTED"] = _ids(protected)
    imagery = imagery_layers(project)
    if imagery:
        values["IMAGERY"] = _ids(imagery)
    if len(imagery) >= 2:   # 两期影像变化检测: the two newest epochs
        values["AFTER"], values["BEFORE"] = imagery[0].id(), imagery[1].id()
    context_layers = layers_with_role(project, "planning", "protected")
    if context_layers:
        values["CONTEXT_LAYERS"] = _ids(context_layers)
    if boundary is not None:
        values["TOWNSHIPS"] = boundary.id()
    detail = next(iter(output_layers(project, "overlay_detail")), None)
    if detail is not None:
        values["OVERLAY_DETAIL"] = detail.id()
    if alg_id == "determine":
        source = overlay_layer(project)
    elif alg_id in ("farmlandratio", "exportreports", "exportnotices", "registercases"):
        source = determination_layer(project)
    else:
        source = None
    if source is not None:
        values["INPUT"] = source.id()
    register = session.value("register", project)
    if register:
        values["REGISTER"] = register
    config = session.documents_config(project)
    if config:
        values["CONFIG"] = config
    registry = session.value("number_registry", project)
    if registry:
        values["NUMBER_REGISTRY"] = registry
    workers = session.value("workers", project)
    if isinstance(workers, int) and workers >= 0:
        values["WORKERS"] = workers
    return values


def _still_valid(value: Any, project: QgsProject) -> bool:
    """A remembered value is used again only if the layers it names are still in the project."""
    if isinstance(value, list):
        return all(_still_valid(v, project) for v in value)
    if isinstance(value, str) and value and project.mapLayer(value) is None:
        # a layer id gone from the project, or a source/text: layer ids have the layer name plus a uuid
        return not _looks_like_layer_id(value)
    return True


_LAYER_ID = re.compile(r"[0-9a-f]{8}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{12}$")


def _looks_like_layer_id(text: str) -> bool:
    """QGIS layer ids end in a uuid (its dashes made underscores): "卫片图斑_2096d1f3_b59a_…"."""
    return bool(_LAYER_ID.search(text)) and "/" not in text and "|" not in text


_NOT_IN_FILE_NAMES = re.compile(r"[（(].*?[）)]|[\\/:*?\"<>|\s]+")


def _generic_place(definition) -> tuple[str, str] | None:
    """A working-folder place for an output of an algorithm :data:`OUTPUT_NAMES` does not list (those added
    later): named after the output's label, a GeoPackage for layers, a stable folder for folders."""
    if hasattr(definition, "createByDefault") and not definition.createByDefault():
        return None   # an output skipped unless asked for (the merged PDF beside the documents)
    label = _NOT_IN_FILE_NAMES.sub("", definition.description()).strip("_-") or definition.name()
    kind = definition.type()
    if kind == "folderDestination":
        return label, "/"
    if kind in ("sink", "vectorDestination"):
        return label, ".gpkg"
    if kind == "fileDestination":
        extension = definition.defaultFileExtension() or "dat"
        return label, "." + extension
    if kind == "rasterDestination":
        return label, ".tif"
    return None


def prefill(algorithm: QgsProcessingAlgorithm, project: QgsProject | None = None,
            use_remembered: bool = True) -> dict[str, Any]:
    """The parameters to open ``algorithm``'s dialog with (see the module docstring for the order)."""
    project = project if project is not None else QgsProject.instance()
    alg_id = algorithm.name()
    from_roles = role_values(alg_id, project)
    last = session.remembered(algorithm.id(), project) if use_remembered else {}
    params: dict[str, Any] = {}
    for definition in algorithm.parameterDefinitions():
        name = definition.name()
        if definition.isDestination():
            place = OUTPUT_NAMES.get((alg_id, name)) or _generic_place(definition)
            if place is None:
                continue
            label, suffix = place
            params[name] = (session.output_folder(label, project) if suffix == "/"
                            else session.output_path(label, suffix, project))
            continue
        if name in SETTINGS_PARAMS and name in from_roles:   # the settings dialog's choice wins
            params[name] = from_roles[name]
        elif name in last and _still_valid(last[name], project):
            params[name] = last[name]
        elif name in from_roles:
            params[name] = from_roles[name]
    return params
