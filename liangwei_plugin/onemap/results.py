"""Results in their place on the one map (GUI-free): each output goes into its group of the one map with
its shipped style, and replaces the previous output of the same kind instead of piling up beside it.

Used by the algorithms' layer post-processor (``processing_algs/base.py`` StyleOnLoad) and by the
plugin's docks (the case register layer).
"""
from __future__ import annotations

from qgis.core import QgsLayerTreeGroup, QgsMapLayer, QgsProject, QgsVectorLayer

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
    "register": ("register", None),        # the register dock styles its layer itself (cases by stage)
}
GROUP_OF_ROLE = dict(GROUP_ORDER)


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


def place_output(project: QgsProject, layer: QgsMapLayer, kind: str, replace: bool = True) -> QgsMapLayer:
    """Put ``layer`` (already in ``project`` or not) on top of its group, styled, tagged
    ``liangwei/output = kind``; the earlier layers of that kind (other sources) leave the project."""
    role, style = PLACES.get(kind, ("patches", None))
    if style and isinstance(layer, QgsVectorLayer) and layer.isSpatial():
        message, ok = layer.loadNamedStyle(str(resource("styles", style)))
        if not ok:
            logger.warning("样式 %s 无法应用于图层“%s”：%s", style, layer.name(), message)
    layer.setCustomProperty(PROP_OUTPUT, kind)
    if kind == "register":
        layer.setCustomProperty(PROP_ROLE, "register")
    if replace:
        for old in list(project.mapLayers().values()):
            if old.id() != layer.id() and old.customProperty(PROP_OUTPUT) == kind:
                project.removeMapLayer(old.id())
    group = result_group(project, role)
    root = project.layerTreeRoot()
    if project.mapLayer(layer.id()) is None:
        project.addMapLayer(layer, False)
        group.insertLayer(0, layer)
    else:
        node = root.findLayer(layer.id())
        if node is None:
            group.insertLayer(0, layer)
        elif node.parent() is not group:
            clone = node.clone()
            group.insertChildNode(0, clone)
            node.parent().removeChildNode(node)
    layer.triggerRepaint()
    return layer
