"""Patch navigator dock (图斑导航): step through the patches, find one by its 监测编号 or by clicking it on
the map, zoom to each, see its figures and case stage, export its documents.  The current patch is
outlined (no fill: the imagery inside stays visible); the swipe can follow it."""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsMapToolIdentifyFeature
from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QAction, QColor, QDesktopServices, QIcon, QPainter, QPen, QPixmap
from qgis.PyQt.QtWidgets import QListWidgetItem, QTableWidgetItem, QWidget

from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.onemap.navigator import (
    ALL,
    PROP_ROLE,
    default_patch_layer,
    document_actions,
    field_photos,
    filter_values,
    find_patch,
    patch_fields,
    patch_ids,
    patch_key,
    patch_summary,
    patch_view_extent,
)

FORM_CLASS, _ = uic.loadUiType(str(Path(__file__).resolve().parent.parent / "forms" / "patch_navigator.ui"))

DOCK_OBJECT_NAME = "mLiangweiPatchNavigatorDock"
EXPORT_ALGORITHMS = {"report": "liangwei:exportreports", "notice": "liangwei:exportnotices"}
MIN_SCALE = 1000.0  # never zoom closer than 1:1000 on a tiny patch
SWIPE_ACTION_NAME = "mLiangweiActionSwipe"  # gui/swipe_tool.py (found by name: the dock needs no reference)
#: the current patch: a thick yellow outline over a thin dark one, no fill (the imagery stays visible)
HIGHLIGHT_COLOUR = "#ffff00"


def outline_selection(layer: QgsVectorLayer) -> None:
    """Draw the layer's selection as an outline only (QGIS's default fills it and hides the imagery)."""
    props = layer.selectionProperties() if hasattr(layer, "selectionProperties") else None
    if props is None or layer.geometryType() != Qgis.GeometryType.Polygon:
        return
    symbol = QgsFillSymbol.createSimple({"style": "no", "outline_color": HIGHLIGHT_COLOUR, "outline_width": "1.0",
                                         "outline_width_unit": "MM"})
    props.setSelectionSymbol(symbol)
    props.setSelectionRenderingMode(Qgis.SelectionRenderingMode.CustomSymbol)
    layer.triggerRepaint()


class PatchPickTool(QgsMapToolIdentifyFeature):
    """Click a patch on the map: the navigator opens it (the tool stays on for the next click)."""

    def __init__(self, canvas, dock: PatchNavigatorDock):
        super().__init__(canvas)
        self.dock = dock
        self.featureIdentified.connect(self._identified)

    def _identified(self, feature) -> None:
        self.dock.open_feature(feature.id())


class PatchNavigatorWidget(QWidget, FORM_CLASS):
    pass


class PatchNavigatorDock(QgsDockWidget):
    def __init__(self, iface, parent=None):
        super().__init__(tr("图斑导航"), parent or iface.mainWindow())
        self.setObjectName(DOCK_OBJECT_NAME)
        self.iface = iface
        self.ui = PatchNavigatorWidget(self)
        self.ui.setupUi(self.ui)
        self.setWidget(self.ui)
        self._retranslate()
        self.ids: list[int] = []
        self.position = -1
        ui = self.ui
        ui.layerCombo.setFilters(Qgis.LayerFilter.PolygonLayer)
        ui.layerCombo.setAllowEmptyLayer(True)
        ui.infoTable.horizontalHeader().setStretchLastSection(True)
        # Long values (determination wording, departments) wrap: row heights follow the column width.
        ui.infoTable.horizontalHeader().sectionResized.connect(lambda *_: ui.infoTable.resizeRowsToContents())
        ui.photoList.itemDoubleClicked.connect(self._open_photo)   # the photo in the system's viewer
        ui.layerCombo.layerChanged.connect(self._layer_changed)
        ui.determinationCombo.currentIndexChanged.connect(self._filters_changed)
        ui.townshipCombo.currentIndexChanged.connect(self._filters_changed)
        ui.previousButton.clicked.connect(self.previous)
        ui.nextButton.clicked.connect(self.next)
        ui.zoomButton.clicked.connect(self.zoom_to_current)
        ui.reportButton.clicked.connect(lambda: self.export_documents("report"))
        ui.noticeButton.clicked.connect(lambda: self.export_documents("notice"))
        ui.searchEdit.returnPressed.connect(lambda: self.search(ui.searchEdit.text()))
        ui.pickButton.toggled.connect(self._pick_toggled)
        ui.autoSwipeCheck.toggled.connect(lambda on: self._follow_with_swipe() if on else None)
        self.pick_tool = PatchPickTool(iface.mapCanvas(), self)
        self.pick_tool.setButton(ui.pickButton)  # the button goes up when the user takes another tool
        self._previous_tool = None
        self._pick_default_layer()

    def _retranslate(self) -> None:
        ui = self.ui
        for widget, text in ((ui.layerLabel, "图斑图层"), (ui.determinationLabel, "认定结论"),
                             (ui.townshipLabel, "乡镇"), (ui.searchLabel, "监测编号"),
                             (ui.previousButton, "◀ 上一个"), (ui.nextButton, "下一个 ▶"),
                             (ui.zoomButton, "缩放至图斑"), (ui.reportButton, "输出规划认定意见书…"),
                             (ui.noticeButton, "输出责令限期整改通知书…"), (ui.pickButton, "地图点选"),
                             (ui.autoSwipeCheck, "自动卷帘")):
            widget.setText(tr(text))
        ui.searchEdit.setPlaceholderText(tr("输入监测编号（或其末几位）后回车"))
        ui.pickButton.setToolTip(tr("在地图上点击图斑，在导航中打开它"))
        ui.autoSwipeCheck.setToolTip(tr("切换图斑时自动打开卷帘对比，分割线位于图斑中央"))
        ui.infoTable.setHorizontalHeaderLabels([tr("项目"), tr("内容")])

    # -- layer and filters --------------------------------------------------------------------------
    def layer(self) -> QgsVectorLayer | None:
        layer = self.ui.layerCombo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) and layer.isValid() else None

    def _pick_default_layer(self) -> None:
        """Prefer the one map's patch layer (:func:`.navigator.default_patch_layer`), else keep the combo's
        choice."""
        layer = default_patch_layer(QgsProject.instance())
        if layer is not None:
            self.ui.layerCombo.setLayer(layer)
        self._layer_changed(self.ui.layerCombo.currentLayer())

    def set_layer(self, layer: QgsVectorLayer | None) -> None:
        self.ui.layerCombo.setLayer(layer)
        self._layer_changed(layer)

    def _layer_changed(self, _layer=None) -> None:
        layer = self.layer()
        if layer is not None:
            outline_selection(layer)
        if layer is not None:
            self.pick_tool.setLayer(layer)
        fields = patch_fields(layer) if layer else None
        for combo, field in ((self.ui.determinationCombo, fields.determination_field if fields else None),
                             (self.ui.townshipCombo, fields.township if fields else None)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("全部"), ALL)
            for value in filter_values(layer, field) if layer else []:
                combo.addItem(value, value)
            combo.setEnabled(field is not None)
            combo.blockSignals(False)
        self._filters_changed()

    def set_filters(self, determination: str | None = ALL, township: str | None = ALL) -> None:
        for combo, value in ((self.ui.determinationCombo, determination), (self.ui.townshipCombo, township)):
            index = combo.findData(value) if value is not ALL else 0
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self._filters_changed()

    def _filters_changed(self, *_args) -> None:
        layer = self.layer()
        if layer is None:
            self.ids = []
        else:
            self.ids = patch_ids(layer, self.ui.determinationCombo.currentData(), self.ui.townshipCombo.currentData())
        self.position = 0 if self.ids else -1
        self._show(zoom=False)

    # -- stepping ---------------------------------------------------------------------------------
    def current_feature(self):
        layer = self.layer()
        if layer is None or not (0 <= self.position < len(self.ids)):
            return None
        return next(layer.getFeatures(QgsFeatureRequest(self.ids[self.position])), None)

    def next(self) -> None:
        if self.ids:
            self.position = (self.position + 1) % len(self.ids)
            self._show()

    def previous(self) -> None:
        if self.ids:
            self.position = (self.position - 1) % len(self.ids)
            self._show()

    def go_to(self, position: int) -> None:
        if self.ids:
            self.position = max(0, min(position, len(self.ids) - 1))
            self._show()

    def search(self, text: str) -> bool:
        """Open the patch with 监测编号 ``text`` (or the first containing it); say so when there is none."""
        layer = self.layer()
        position = find_patch(layer, self.ids, text) if layer is not None else None
        if position is None and layer is not None and (self.ui.determinationCombo.currentIndex() > 0
                                                       or self.ui.townshipCombo.currentIndex() > 0):
            self.set_filters()  # not among the filtered ones: look in all
            position = find_patch(layer, self.ids, text)
        if position is None:
            if text.strip():
                self.iface.messageBar().pushMessage(tr("图斑导航"), tr("没有监测编号为“{number}”的图斑").format(
                    number=text.strip()), Qgis.MessageLevel.Info, 5)
            return False
        self.go_to(position)
        return True

    def open_feature(self, fid: int) -> bool:
        """Open the patch with feature id ``fid`` (clicked on the map), clearing the filters if they hide it."""
        if fid not in self.ids:
            self.set_filters()
        if fid not in self.ids:
            return False
        self.go_to(self.ids.index(fid))
        return True

    # -- map tools --------------------------------------------------------------------------------
    def _pick_toggled(self, on: bool) -> None:
        canvas = self.iface.mapCanvas()
        if on:
            if canvas.mapTool() is not self.pick_tool:
                self._previous_tool = canvas.mapTool()
            if self.layer() is not None:
                self.pick_tool.setLayer(self.layer())
            canvas.setMapTool(self.pick_tool)
        elif canvas.mapTool() is self.pick_tool:
            previous, self._previous_tool = self._previous_tool, None
            canvas.unsetMapTool(self.pick_tool)
            try:
                if previous is not None:
                    canvas.setMapTool(previous)
            except RuntimeError:  # that tool was deleted meanwhile
                pass

    def _swipe_action(self):
        return self.iface.mainWindow().findChild(QAction, SWIPE_ACTION_NAME)

    def _follow_with_swipe(self) -> None:
        """Automatic swipe: turn the swipe on, its divider through the current patch (the view's centre)."""
        if not self.ui.autoSwipeCheck.isChecked() or self.current_feature() is None:
            return
        action = self._swipe_action()
        if action is None:
            return
        if not action.isChecked():
            action.setChecked(True)
        tool = self.iface.mapCanvas().mapTool()
        if hasattr(tool, "set_fraction"):
            tool.set_fraction(0.5)

    def _show(self, zoom: bool = True) -> None:
        ui = self.ui
        total = len(self.ids)
        ui.positionLabel.setText(f"{self.position + 1 if total else 0} / {total}")
        for button in (ui.previousButton, ui.nextButton):
            button.setEnabled(total > 1)
        feature = self.current_feature()
        ui.zoomButton.setEnabled(feature is not None and feature.hasGeometry())
        # only what makes sense for this patch: no 整改通知书 for a lawful one, no documents before a determination
        actions = document_actions(feature)
        ui.reportButton.setEnabled(actions["report"])
        ui.noticeButton.setEnabled(actions["notice"])
        ui.reportButton.setToolTip("" if actions["report"] else tr("图斑尚无认定结果：请先运行规划认定"))
        ui.noticeButton.setToolTip("" if actions["notice"] else tr("只有认定为违法的图斑才出具整改通知书"))
        rows = patch_summary(feature, QgsProject.instance()) if feature is not None else []
        ui.titleLabel.setText(rows[0][1] if rows else tr("（没有图斑）"))
        ui.infoTable.setRowCount(len(rows))
        for r, (label, value) in enumerate(rows):
            for c, text in enumerate((tr(label), value)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                ui.infoTable.setItem(r, c, item)
        ui.infoTable.resizeColumnToContents(0)
        ui.infoTable.resizeRowsToContents()
        self._show_photos(field_photos(QgsProject.instance(), patch_key(feature)) if feature is not None else [])
        if feature is not None:
            self.layer().selectByIds([feature.id()])
            if zoom:
                self.zoom_to_current()
                self._follow_with_swipe()

    def _show_photos(self, photos) -> None:
        """The case's 举证照片 as thumbnails (a flagged one framed red, its reason in the tooltip)."""
        strip = self.ui.photoList
        strip.clear()
        size = strip.iconSize()
        for photo in photos:
            image = QPixmap(str(photo.path))
            if image.isNull():   # file gone from the evidence store: say so instead of a blank tile
                image = QPixmap(size)
                image.fill(QColor("#dddddd"))
            else:
                image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            if photo.flagged:
                painter = QPainter(image)
                painter.setPen(QPen(QColor("#d00000"), 4))
                painter.drawRect(image.rect().adjusted(2, 2, -2, -2))
                painter.end()
            item = QListWidgetItem(QIcon(image), photo.path.name)
            tip = [str(photo.path), photo.caption]
            if photo.flagged:
                tip.append(tr("未通过检查：") + photo.reason)
            item.setToolTip("\n".join(t for t in tip if t))
            item.setData(Qt.ItemDataRole.UserRole, str(photo.path))
            strip.addItem(item)
        strip.setVisible(bool(photos))

    def _open_photo(self, item) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(item.data(Qt.ItemDataRole.UserRole)))

    def photo_paths(self) -> list[str]:
        strip = self.ui.photoList
        return [strip.item(i).data(Qt.ItemDataRole.UserRole) for i in range(strip.count())]

    def summary_rows(self) -> list[tuple[str, str]]:
        table = self.ui.infoTable
        return [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]

    def zoom_to_current(self) -> None:
        feature = self.current_feature()
        layer = self.layer()
        if feature is None or layer is None or not feature.hasGeometry():
            return
        canvas = self.iface.mapCanvas()
        crs = canvas.mapSettings().destinationCrs()
        canvas.setExtent(patch_view_extent(feature, layer.crs(), crs, QgsProject.instance()))
        if canvas.scale() < MIN_SCALE:
            canvas.zoomScale(MIN_SCALE)
        canvas.refresh()
        canvas.flashGeometries([feature.geometry()], layer.crs())

    # -- documents --------------------------------------------------------------------------------
    def export_documents(self, kind: str) -> bool:
        """Open the document algorithm's dialog for the current patch (selected features only)."""
        alg_id = EXPORT_ALGORITHMS[kind]
        algorithm = QgsApplication.processingRegistry().algorithmById(alg_id)
        feature, layer = self.current_feature(), self.layer()
        if algorithm is None:
            self.iface.messageBar().pushMessage(tr("图斑导航"), tr("文书输出算法未安装：") + alg_id,
                                                Qgis.MessageLevel.Warning, 8)
            return False
        if feature is None or layer is None:
            return False
        layer.selectByIds([feature.id()])
        params = document_parameters(algorithm, layer, QgsProject.instance())
        try:
            from .algorithm_launcher import open_algorithm_dialog

            # roles and settings fill the rest: the overlay detail table of the project, the documents'
            # configuration, an output folder in the working folder (never a temporary one)
            open_algorithm_dialog(self.iface, alg_id, params)
        except Exception:  # noqa: BLE001 — report, keep the dock alive
            logger.exception("无法打开 %s", alg_id)
            return False
        return True


def document_parameters(algorithm, layer: QgsVectorLayer, project: QgsProject) -> dict:
    """Pre-filled parameters of a document algorithm for the selected patch of ``layer``:
    the patch layer restricted to its selection, the one map's imagery epochs and its planning /
    protected layers for the location map (where the algorithm has such parameters)."""

    def by_role(*roles):
        return [lyr.id() for lyr in project.mapLayers().values() if lyr.customProperty(PROP_ROLE) in roles]

    params: dict = {}
    patch_param = None
    for definition in algorithm.parameterDefinitions():
        kind, name = definition.type(), definition.name()
        if kind in ("source", "vector") and patch_param is None:
            patch_param = name
            params[name] = (QgsProcessingFeatureSourceDefinition(layer.id(), selectedFeaturesOnly=True)
                            if kind == "source" else layer.id())
        elif kind == "boolean" and name.upper() in ("SELECTED_ONLY", "SELECTED"):
            params[name] = True
        elif kind == "multilayer":
            if definition.layerType() == Qgis.ProcessingSourceType.Raster:
                params[name] = by_role("imagery")
            else:
                params[name] = by_role("planning", "protected")
    return params


class PatchNavigatorController:
    """Menu/toolbar action "图斑导航" toggling the dock."""

    def __init__(self, iface, menu, toolbar):
        from qgis.PyQt.QtGui import QAction, QIcon

        from ..liangwei_plugin.paths import icon_path

        self.iface = iface
        self.dock: PatchNavigatorDock | None = None
        self.action = QAction(QIcon(icon_path("navigator.svg")), tr("图斑导航"), iface.mainWindow())
        self.action.setObjectName("mLiangweiActionPatchNavigator")
        self.action.setCheckable(True)
        self.action.toggled.connect(self._toggled)
        menu.addAction(self.action)
        toolbar.addAction(self.action)

    def _ensure_dock(self) -> PatchNavigatorDock:
        if self.dock is None:
            self.dock = PatchNavigatorDock(self.iface)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(lambda visible: self.action.setChecked(visible))
        return self.dock

    def _toggled(self, checked: bool) -> None:
        if checked:
            dock = self._ensure_dock()
            dock._pick_default_layer() if dock.layer() is None else None
            dock.show()
            dock.raise_()
        elif self.dock is not None:
            self.dock.hide()

    def unload(self) -> None:
        if self.dock is not None:
            canvas = self.iface.mapCanvas()
            if canvas.mapTool() is self.dock.pick_tool:
                canvas.unsetMapTool(self.dock.pick_tool)
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        self.action.deleteLater()
