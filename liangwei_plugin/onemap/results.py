"""Results in their place on the one map (GUI-free): each output goes into its group of the one map with
its shipped style, and replaces the previous output of the same kind instead of piling up beside it.

Used by the algorithms' layer post-processor (``processing_algs/base.py`` StyleOnLoad) and by the
plugin's docks (the case register layer).
"""
from __future__ import annotations

from qgis.core import QgsLayerTreeGroup, QgsMapLayer, QgsProject, QgsVectorLayer
from qgis.PyQt.QtXml import QDomDocument

from ..log import logger
from ..paths import resource
from .project_builder import GROUP_ORDER
from .roles import PROP_OUTPUT, PROP_ROLE

# output kind -> (role whose group holds it, shipped style or None)
PLACES: dict[str, tuple[str, str | None]] = {
    "overlay": ("patches", "overlay.qml"),
    "overlay_detail": ("patches", None),
    "determination": ("patches", "determination.qml"),
    "farmland_ratio": ("patches", None),
    "change_candidates": ("patches", "change_candidates.qml"),   # 变化检测候选图斑 (liangwei:detectchanges)
    "register": ("register", None),        # the register dock styles its layer itself (cases by stage)
}
GROUP_OF_ROLE = dict(GROUP_ORDER)
# top to bottom inside a group: the determination above the overlay it came from, tables last, the
# catalogue's own layers (the patches) below all outputs
KIND_ORDER = ("register", "determination", "overlay", "change_candidates", "farmland_ratio", "overlay_detail")


def _rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _position(group: QgsLayerTreeGroup, kind: str, layer_id: str) -> int:
    """Where an output of ``kind`` goes in ``group``: after the outputs that come before it."""
    position = 0
    for child in group.children():
        child_layer = child.layer() if hasattr(child, "layer") else None
        if child_layer is None or child_layer.id() == layer_id:
            continue
        other = child_layer.customProperty(PROP_OUTPUT)
        if other and _rank(str(other)) < _rank(kind):
            position += 1
        else:
            break
    return position


def result_group(project: QgsProject, role: str) -> QgsLayerTreeGroup:
    """The one map's group for ``role`` (created in the one map's order if the project has none)."""
    root = project.layerTreeRoot()
    name = GROUP_OF_ROLE[role]
    group = root.findGroup(name)
    if group is not None:
        return group
    # insert before the first group of the one map that comes after it, else on top of the groups
    names = [n for _r, n in GROUP_ORDER]
    later = names[names.index(name) + 1:]
    position = 0
    for i, child in enumerate(root.children()):
        if isinstance(child, QgsLayerTreeGroup) and child.name() in later:
            position = i
            break
    else:
        position = len([c for c in root.children() if not isinstance(c, QgsLayerTreeGroup)])
    return root.insertGroup(position, name)


def load_style_file(layer: QgsMapLayer, path: str) -> tuple[bool, str]:
    """Apply the .qml file at ``path`` to ``layer``.  Not ``loadNamedStyle``: for a GeoPackage that holds a
    default style of its own (the outputs keep their fields' aliases in one), that loads the database's
    style instead of the file."""
    document = QDomDocument()
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        return False, str(exc)
    if not document.setContent(text):
        return False, f"不是有效的样式文件：{path}"
    # the drawing only: the fields' aliases and number display the layer already has stay
    categories = (QgsMapLayer.StyleCategory.Symbology | QgsMapLayer.StyleCategory.Labeling
                  | QgsMapLayer.StyleCategory.Rendering)
    ok, message = layer.importNamedStyle(document, categories)
    return bool(ok), message


def place_output(project: QgsProject, layer: QgsMapLayer, kind: str, replace: bool = True) -> QgsMapLayer:
    """Put ``layer`` (already in ``project`` or not) on top of its group, styled, tagged
    ``liangwei/output = kind``; the earlier layers of that kind (other sources) leave the project."""
    role, style = PLACES.get(kind, ("patches", None))
    if style and isinstance(layer, QgsVectorLayer) and layer.isSpatial():
        ok, message = load_style_file(layer, str(resource("styles", style)))
        if not ok:
            logger.warning("样式 %s 无法应用于图层“%s”：%s", style, layer.name(), message)
        elif layer.labelsEnabled():
            from .styles import labels_by_scale

            labels_by_scale(layer)   # ids by scale, as on the patches: not 15 digits over the whole county
    layer.setCustomProperty(PROP_OUTPUT, kind)
    if kind == "register":
        layer.setCustomProperty(PROP_ROLE, "register")
    if replace:
        for old in list(project.mapLayers().values()):
            if old.id() != layer.id() and old.customProperty(PROP_OUTPUT) == kind:
                project.removeMapLayer(old.id())
    group = result_group(project, role)
    root = project.layerTreeRoot()
    position = _position(group, kind, layer.id())
    if project.mapLayer(layer.id()) is None:
        project.addMapLayer(layer, False)
        group.insertLayer(position, layer)
    else:
        node = root.findLayer(layer.id())
        if node is None:
            group.insertLayer(position, layer)
        elif node.parent() is not group or group.children().index(node) != position:
            clone = node.clone()
            group.insertChildNode(position, clone)
            node.parent().removeChildNode(node)
    kinds = {n.layer().customProperty(PROP_OUTPUT) for n in group.findLayers() if n.layer() is not None}
    if kind in ("determination", "overlay") and {"determination", "overlay"} <= kinds:
        # the determination is drawn on the overlay's patches: both ticked, their fills would mix
        for node in group.findLayers():
            if node.layer() is not None and node.layer().customProperty(PROP_OUTPUT) == "overlay":
                node.setItemVisibilityChecked(False)
    layer.triggerRepaint()
    return layer
