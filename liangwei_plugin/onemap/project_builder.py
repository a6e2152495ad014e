"""Build the one map (一张图) from a catalogue: layers by role, fixed group order, standard styles.

Layer tree, top to bottom: boundary layers (行政区界线, ungrouped, on top of everything), then the
groups 案件台账, 监测图斑, 保护区, 规划分区, 土地利用现状, 影像时相.  Inside a group layers keep the
catalogue order, except imagery: sorted by date, newest on top, the newest two visible and older
epochs hidden.  The full-cover categorised fills (land use, planning zones) are listed unticked so
the imagery shows on opening (``visible = true`` in the catalogue ticks them).  Each layer remembers
its role (and imagery its date) in custom properties ``liangwei/role`` and ``liangwei/date`` — plain
project data that QGIS without the plugin ignores.

:func:`build_onemap` adds the layers to any QgsProject (the open project in the desktop, or a new
one); :func:`write_onemap_project` writes a stand-alone ``.qgz`` with relative paths.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsVectorLayer,
)

from ..feedback import Feedback, check_canceled, ensure_feedback
from ..fieldmap import resolve_field
from ..log import logger
from .catalogue import Catalogue, CatalogueEntry, CatalogueError, read_catalogue
from .styles import choose_style, complete_categories, geometry_kind, relabel_field

# (role, group name) top to bottom.  Boundary layers sit above the groups, ungrouped.
GROUP_ORDER: list[tuple[str, str]] = [
    ("register", "案件台账"),
    ("patches", "监测图斑"),
    ("protected", "保护区"),
    ("planning", "规划分区"),
    ("landuse", "土地利用现状"),
    ("imagery", "影像时相"),
]
GROUP_NAMES = [name for _role, name in GROUP_ORDER]
VISIBLE_EPOCHS = 2

PROP_ROLE = "liangwei/role"
PROP_DATE = "liangwei/date"
PROP_CODE_FIELD = "liangwei/code_field"

# Default class field per role when the catalogue gives none (canonical names of fieldmap).
DEFAULT_CODE_FIELDS = {"landuse": ["DLBM"], "planning": ["GHFQMC", "GHFQDM", "GHYTDM", "YDYHDM"]}


@dataclass
class OneMapResult:
    """What was built: layers per catalogue entry, styles used, categories added for data codes."""

    layers: dict[int, QgsMapLayer] = field(default_factory=dict)       # entry index -> layer
    styles: dict[int, str] = field(default_factory=dict)               # entry index -> .qml used
    added_categories: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reused: int = 0          # layers already in the project (loaded before): updated, not added again


def create_layer(entry: CatalogueEntry) -> QgsMapLayer:
    """The QGIS layer for a catalogue entry; raises CatalogueError naming the entry if invalid."""
    if entry.is_raster:
        layer: QgsMapLayer = QgsRasterLayer(entry.source, entry.name, "gdal")
    else:
        layer = QgsVectorLayer(entry.source, entry.name, "ogr")
    if not layer.isValid():
        detail = layer.error().summary() if layer.error() and not layer.error().isEmpty() else ""
        kind = "栅格影像" if entry.is_raster else "矢量图层"
        raise CatalogueError("", [f"{entry.label}：无法作为{kind}打开：{entry.path}"
                                  + (f"（{detail}）" if detail else "")])
    _tag(layer, entry)
    return layer


def _tag(layer: QgsMapLayer, entry: CatalogueEntry) -> None:
    """Remember role and date on the layer (again after a style is loaded: a .qml replaces them)."""
    layer.setCustomProperty(PROP_ROLE, entry.role)
    if entry.date:
        layer.setCustomProperty(PROP_DATE, entry.date.isoformat())


def _code_field(entry: CatalogueEntry, layer: QgsVectorLayer) -> str | None:
    names = [f.name() for f in layer.fields()]
    if entry.code_field:
        if entry.code_field not in names:
            raise CatalogueError("", [f"{entry.label}：code_field = {entry.code_field!r} 不是该图层的字段"
                                      f"（字段：{', '.join(names)}）"])
        return entry.code_field
    for canonical in DEFAULT_CODE_FIELDS.get(entry.role, []):
        hit = resolve_field(names, canonical)
        if hit:
            return hit
    return None


def apply_style(layer: QgsMapLayer, entry: CatalogueEntry, result: OneMapResult | None = None) -> str | None:
    """Give ``layer`` its standard (or the catalogue's own) style; returns the .qml used."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isSpatial():
        return None  # imagery keeps GDAL's RGB rendering; tables have no symbology
    source_name = entry.options.get("layername", "")
    style = entry.style or choose_style(entry.role, [entry.name, source_name], geometry_kind(layer))
    if style is None:
        return None
    message, ok = layer.loadNamedStyle(str(style))
    if not ok:
        raise CatalogueError("", [f"{entry.label}：样式 {style} 无法应用：{message}"])
    _tag(layer, entry)
    code_field = _code_field(entry, layer)
    if code_field:
        layer.setCustomProperty(PROP_CODE_FIELD, code_field)
    if isinstance(layer.renderer(), QgsCategorizedSymbolRenderer):
        added = complete_categories(layer, entry.role, code_field)
        if result is not None and added:
            result.added_categories[entry.index] = added
    if entry.role == "patches":
        relabel_field(layer, "JCBH")
    if entry.role == "boundary":
        relabel_field(layer, "XZQMC")
    layer.triggerRepaint()
    return str(style)


LARGE_RASTER_PX = 4096


def _overview_warning(entry: CatalogueEntry, layer: QgsMapLayer) -> str | None:
    """A large image without overviews (pyramids) renders slowly at county scale: say so."""
    if not isinstance(layer, QgsRasterLayer):
        return None
    if max(layer.width(), layer.height()) <= LARGE_RASTER_PX:
        return None
    provider = layer.dataProvider()
    if provider.bandCount() and provider.hasPyramids():
        return None
    return (f"{entry.label}：影像 {layer.width()}×{layer.height()} 像素没有金字塔（概视图），全县范围显示会很慢；"
            f"建议先生成：gdaladdo -r average \"{entry.file_path or entry.path}\" 2 4 8 16 32")


def _opaque_fill(entry: CatalogueEntry, layer: QgsMapLayer) -> bool:
    """Layers that cover the whole county with a categorised fill (land use, planning zones)."""
    return (entry.role in ("landuse", "planning") and isinstance(layer, QgsVectorLayer)
            and isinstance(layer.renderer(), QgsCategorizedSymbolRenderer))


def _group(root, name: str, index: int) -> QgsLayerTreeGroup:
    existing = root.findGroup(name)
    if existing is not None:
        return existing
    return root.insertGroup(index, name)


def _epoch_order(entries: list[CatalogueEntry]) -> list[CatalogueEntry]:
    """Imagery newest first (ties keep catalogue order)."""
    return sorted(entries, key=lambda e: (e.date.toordinal() if e.date else 0, -e.index), reverse=True)


def _project_crs(result: OneMapResult, catalogue: Catalogue) -> QgsCoordinateReferenceSystem | None:
    for role in ("landuse", "boundary", "planning", "patches", "protected", "imagery"):
        for entry in catalogue.by_role(role):
            layer = result.layers.get(entry.index)
            if layer is not None and layer.crs().isValid():
                return layer.crs()
    return None


def _full_extent(project: QgsProject, layers: list[QgsMapLayer]) -> QgsRectangle:
    extent = QgsRectangle()
    extent.setMinimal()
    crs = project.crs()
    for layer in layers:
        rect = layer.extent()
        if rect.isNull() or rect.isEmpty():
            continue
        if layer.crs() != crs and crs.isValid():
            try:
                rect = QgsCoordinateTransform(layer.crs(), crs, project.transformContext()).transformBoundingBox(rect)
            except Exception:  # noqa: BLE001 — an odd CRS must not stop the build
                continue
        extent.combineExtentWith(rect)
    return extent


def _entry_number(problem: str) -> int:
    """第3项[[layer]]… -> 3 (problems listed in the order of the file's entries)."""
    m = re.match(r"第(\d+)项", problem)
    return int(m.group(1)) if m else 0


def build_onemap(catalogue: Catalogue | str | Path, project: QgsProject,
                 feedback: Feedback | None = None) -> OneMapResult:
    """Add the catalogue's layers to ``project`` as the one map.  Nothing is added unless every
    entry opens and gets its style: the error then names each faulty entry (CatalogueError)."""
    feedback = ensure_feedback(feedback)
    problems: list[str] = []
    if not isinstance(catalogue, Catalogue):
        # the file's problems and those of opening its valid entries, reported together (one pass)
        catalogue, problems = read_catalogue(catalogue)
    result = OneMapResult(warnings=list(catalogue.warnings))
    for w in catalogue.warnings:
        feedback.warning(w)

    total = max(1, len(catalogue.entries))
    for n, entry in enumerate(catalogue.entries):
        check_canceled(feedback)
        try:
            layer = create_layer(entry)
            result.styles[entry.index] = apply_style(layer, entry, result) or ""
            result.layers[entry.index] = layer
        except CatalogueError as exc:
            problems.extend(exc.problems)
        feedback.set_progress(80.0 * (n + 1) / total)
    if problems:
        order = {p: i for i, p in enumerate(problems)}
        raise CatalogueError(catalogue.path, sorted(problems, key=lambda p: (_entry_number(p), order[p])))
    for entry in catalogue.by_role("imagery"):
        message = _overview_warning(entry, result.layers[entry.index])
        if message:
            result.warnings.append(message)
            feedback.warning(message)

    # Loading the one map again updates it: a layer of the same role and source already in the project is
    # kept where it is (restyled, renamed from the catalogue) instead of being added a second time.
    existing = {(lyr.customProperty(PROP_ROLE), lyr.source()): lyr for lyr in project.mapLayers().values()
                if lyr.customProperty(PROP_ROLE)}
    reused: set[int] = set()
    for entry in catalogue.entries:
        old = existing.get((entry.role, result.layers[entry.index].source()))
        if old is not None:
            old.setName(entry.name)
            _tag(old, entry)
            result.styles[entry.index] = apply_style(old, entry) or ""
            result.layers[entry.index] = old
            reused.add(entry.index)

    root = project.layerTreeRoot()
    # Groups: reuse groups of these names already in the project, create the others in order on top.
    groups: dict[str, QgsLayerTreeGroup] = {}
    insert_at = 0
    for role, name in GROUP_ORDER:
        existing = root.findGroup(name)
        if existing is None:
            groups[role] = root.insertGroup(insert_at, name)
            insert_at += 1
        else:
            groups[role] = existing
            insert_at = root.children().index(existing) + 1 if existing.parent() is root else insert_at

    for role, _name in GROUP_ORDER:
        entries = catalogue.by_role(role)
        if role == "imagery":
            entries = _epoch_order(entries)
        group = groups[role]
        for pos, entry in enumerate(entries):
            layer = result.layers[entry.index]
            if entry.index in reused:
                continue
            project.addMapLayer(layer, False)
            node = group.insertLayer(pos, layer)
            if role == "imagery":
                node.setItemVisibilityChecked(pos < VISIBLE_EPOCHS)
                node.setExpanded(False)
            elif entry.visible is not None:
                node.setItemVisibilityChecked(entry.visible)
            elif _opaque_fill(entry, layer):
                # full-cover fills (land use, planning zones) would hide the imagery the patches are
                # reviewed on: listed and styled, ticked on by the user when needed
                node.setItemVisibilityChecked(False)
            if role in ("landuse", "planning") and isinstance(layer.renderer() if hasattr(layer, "renderer") else None,
                                                             QgsCategorizedSymbolRenderer):
                node.setExpanded(False)  # the legend of 100 land-use classes is long
    for pos, entry in enumerate(catalogue.by_role("boundary")):
        layer = result.layers[entry.index]
        if entry.index in reused:
            continue
        project.addMapLayer(layer, False)
        root.insertLayer(pos, layer)

    crs = _project_crs(result, catalogue)
    if crs is not None and (not project.crs().isValid() or not project.mapLayers()
                            or project.count() == len(result.layers)):
        project.setCrs(crs)
        if crs.ellipsoidAcronym():
            project.setEllipsoid(crs.ellipsoidAcronym())  # measurements on the CGCS2000 ellipsoid
    extent = _full_extent(project, list(result.layers.values()))
    if not extent.isEmpty() and project.crs().isValid():
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, project.crs()))
    feedback.set_progress(90.0)
    epochs = len(catalogue.by_role("imagery"))
    result.reused = len(reused)
    if reused:
        feedback.info(f"一张图已在项目中：{len(reused)} 个图层已更新（未重复加载）")
    feedback.info(f"一张图：{len(result.layers)} 个图层，{epochs} 期影像（显示最新 {min(VISIBLE_EPOCHS, epochs)} 期）")
    for index, codes in result.added_categories.items():
        entry = next(e for e in catalogue.entries if e.index == index)
        msg = f"{entry.label}：样式中没有的分类 {len(codes)} 个已补充（地类按一级类颜色）：{', '.join(codes[:20])}"
        logger.info(msg)
        feedback.info(msg)
    return result


def write_onemap_project(catalogue: Catalogue | str | Path, output: str | Path,
                         feedback: Feedback | None = None, title: str = "两违一张图") -> Path:
    """Write the one map as a stand-alone ``.qgz`` (relative paths, standard styles, no plugin needed).

    The file is written under a temporary name beside ``output`` and renamed when complete.
    """
    feedback = ensure_feedback(feedback)
    output = Path(output)
    if output.suffix.lower() not in (".qgz", ".qgs"):
        output = output.with_suffix(".qgz")
    output.parent.mkdir(parents=True, exist_ok=True)
    project = QgsProject()
    project.setTitle(title)
    project.writeEntryBool("Paths", "/Absolute", False)
    if hasattr(project, "setFilePathStorage"):
        from qgis.core import Qgis

        project.setFilePathStorage(Qgis.FilePathType.Relative)
    build_onemap(catalogue, project, feedback)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=output.suffix, dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        project.setFileName(str(tmp))
        if not project.write():
            raise OSError(f"无法写入项目文件 {output}：{project.error()}")
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    project.clear()
    feedback.set_progress(100.0)
    logger.info("一张图项目已写入 %s", output)
    return output
