"""Swipe comparison of two imagery epochs (卷帘对比 / 拉帘式对比).

The map canvas shows the "after" epoch (后时相) as usual; a canvas item renders the same map with the
"before" epoch (前时相) in its place and draws it over the canvas left of a vertical divider (or above a
horizontal one) that the inspector drags with the mouse.  Layers drawn above the after epoch (patches,
planning lines …) are drawn above the before epoch too, so both sides carry the same overlays.  Any two
layers can be compared, rasters or vectors (two years of patches, two planning editions); the epoch
pickers default to the newest two rasters by date (the ``liangwei/date`` property set by the one-map
builder, else a date in the layer name or file name, else layer-tree order).  Turning the swipe off
hands the canvas back to the map tool that was active before.
"""
from __future__ import annotations

import re

from qgis.core import (
    Qgis,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.gui import QgsGui, QgsMapCanvas, QgsMapCanvasItem, QgsMapLayerComboBox, QgsMapTool
from qgis.PyQt.QtCore import QPointF, QRectF, QSizeF, Qt, pyqtSignal
from qgis.PyQt.QtGui import QAction, QBrush, QColor, QCursor, QIcon, QImage, QKeySequence, QPainter, QPen, QPolygonF
from qgis.PyQt.QtWidgets import QLabel, QToolBar

from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.paths import icon_path

SWIPE_SHORTCUT = "Ctrl+Alt+W"  # Ctrl+Shift+W is QGIS's "Add WMS/WMTS Layer"
SWIPE_ACTION_NAME = "mLiangweiActionSwipe"
SWIPE_TOOLBAR_NAME = "mLiangweiSwipeToolBar"
DATE_PROPERTY = "liangwei/date"
_DATE_IN_TEXT = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def layer_date(layer) -> str | None:
    """Acquisition date "YYYY-MM-DD" of an imagery layer, if known."""
    value = layer.customProperty(DATE_PROPERTY)
    if value:
        return str(value)
    for text in (layer.name(), layer.source()):
        m = _DATE_IN_TEXT.search(text or "")
        if m:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return None


def raster_layers_newest_first(project: QgsProject) -> list[QgsRasterLayer]:
    """Raster layers of the project, newest first: dated ones by date, then the rest in tree order."""
    ordered = [node.layer() for node in project.layerTreeRoot().findLayers()
               if isinstance(node.layer(), QgsRasterLayer)]
    dated = [lyr for lyr in ordered if layer_date(lyr)]
    undated = [lyr for lyr in ordered if not layer_date(lyr)]
    dated.sort(key=lambda lyr: layer_date(lyr), reverse=True)  # stable: ties keep tree order
    return dated + undated


def default_epochs(project: QgsProject) -> tuple[QgsRasterLayer | None, QgsRasterLayer | None]:
    """(before, after) = the second newest and the newest raster layer."""
    layers = raster_layers_newest_first(project)
    if len(layers) < 2:
        return None, (layers[0] if layers else None)
    return layers[1], layers[0]


def overlay_layers(canvas_layers: list, before, after) -> list:
    """Layers of the "before" side: whatever the canvas draws above the after epoch, then before (a raster
    hides what lies below it); for a vector "after", every layer of the canvas with before in its place."""
    ids = [lyr.id() for lyr in canvas_layers]
    if after is not None and after.id() in ids and not isinstance(after, QgsRasterLayer):
        return [before if lyr.id() == after.id() else lyr for lyr in canvas_layers
                if before is None or lyr.id() != before.id()]
    if after is not None and after.id() in ids:
        above = canvas_layers[: ids.index(after.id())]
    else:
        above = [lyr for lyr in canvas_layers if not isinstance(lyr, QgsRasterLayer)]
    return [lyr for lyr in above if before is None or lyr.id() != before.id()] + ([before] if before else [])


class SwipeCanvasItem(QgsMapCanvasItem):
    """Draws the before-epoch rendering left of the divider, and the divider with its handle."""

    def __init__(self, canvas: QgsMapCanvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.fraction = 0.5
        self.horizontal = False  # False: vertical divider, before on the left; True: before above
        self.image: QImage | None = None
        self.setZValue(90)  # above the map, below rubber bands and vertex markers

    def divider_x(self) -> float:
        return self.fraction * self.canvas.width()

    def divider_y(self) -> float:
        return self.fraction * self.canvas.height()

    def set_image(self, image: QImage | None, extent: QgsRectangle | None) -> None:
        self.image = image
        self.setRect(extent if extent is not None else self.canvas.extent())
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        # cover the whole canvas whatever the image extent, so the divider is always repainted
        top_left = self.mapFromScene(self.canvas.mapToScene(0, 0))
        return QRectF(top_left, QSizeF(self.canvas.size())).united(super().boundingRect())

    def paint(self, painter: QPainter, option=None, widget=None) -> None:
        origin = self.mapFromScene(self.canvas.mapToScene(0, 0))  # canvas (0, 0) in item coordinates
        x = origin.x() + self.divider_x()
        y = origin.y() + self.divider_y()
        width, height = self.canvas.width(), self.canvas.height()
        if self.image is not None and not self.image.isNull():
            # the image covers the map rectangle given to setRect(): item (0, 0) to its size in pixels
            # (QgsMapCanvasItem's bounding rect adds a 1 px border on each side)
            frame = super().boundingRect()
            target = QRectF(0, 0, frame.width() - 2, frame.height() - 2)
            painter.save()
            if self.horizontal:
                painter.setClipRect(QRectF(origin.x() - 1, origin.y() - 1, width + 2, y - origin.y() + 1))
            else:
                painter.setClipRect(QRectF(origin.x() - 1, origin.y() - 1, x - origin.x() + 1, height + 2))
            painter.drawImage(target, self.image, QRectF(self.image.rect()))
            painter.restore()
        if self.horizontal:
            self._paint_horizontal_divider(painter, origin, y, width)
            return
        pen = QPen(QColor(255, 255, 255), 3)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, origin.y()), QPointF(x, origin.y() + height))
        painter.setPen(QPen(QColor(40, 40, 40), 1))
        painter.drawLine(QPointF(x, origin.y()), QPointF(x, origin.y() + height))
        # handle: a white disc with two arrows in the middle of the divider
        cy = origin.y() + height / 2
        painter.setBrush(QBrush(QColor(255, 255, 255, 230)))
        painter.drawEllipse(QPointF(x, cy), 11, 11)
        painter.setBrush(QBrush(QColor(40, 40, 40)))
        painter.drawPolygon(QPolygonF([QPointF(x - 3, cy - 5), QPointF(x - 8, cy), QPointF(x - 3, cy + 5)]))
        painter.drawPolygon(QPolygonF([QPointF(x + 3, cy - 5), QPointF(x + 8, cy), QPointF(x + 3, cy + 5)]))

    @staticmethod
    def _paint_horizontal_divider(painter: QPainter, origin: QPointF, y: float, width: float) -> None:
        painter.setPen(QPen(QColor(255, 255, 255), 3))
        painter.drawLine(QPointF(origin.x(), y), QPointF(origin.x() + width, y))
        painter.setPen(QPen(QColor(40, 40, 40), 1))
        painter.drawLine(QPointF(origin.x(), y), QPointF(origin.x() + width, y))
        cx = origin.x() + width / 2
        painter.setBrush(QBrush(QColor(255, 255, 255, 230)))
        painter.drawEllipse(QPointF(cx, y), 11, 11)
        painter.setBrush(QBrush(QColor(40, 40, 40)))
        painter.drawPolygon(QPolygonF([QPointF(cx - 5, y - 3), QPointF(cx, y - 8), QPointF(cx + 5, y - 3)]))
        painter.drawPolygon(QPolygonF([QPointF(cx - 5, y + 3), QPointF(cx, y + 8), QPointF(cx + 5, y + 3)]))


class SwipeMapTool(QgsMapTool):
    """Drag the divider; the before epoch shows left of it, the after epoch (the canvas) right."""

    rendered = pyqtSignal()          # the before side has been rendered for the current view
    epochsChanged = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas):
        super().__init__(canvas)
        self.canvas_ = canvas
        self.before: QgsRasterLayer | None = None
        self.after: QgsRasterLayer | None = None
        self.item: SwipeCanvasItem | None = None
        self.job: QgsMapRendererParallelJob | None = None
        self._job_extent: QgsRectangle | None = None
        self._dragging = False
        self._hidden: list = []      # tree nodes of rasters above "after" hidden while swiping
        self._fraction = 0.5
        self._horizontal = False
        self.setCursor(QCursor(Qt.CursorShape.SplitHCursor))

    # -- divider orientation ----------------------------------------------------------------------
    @property
    def horizontal(self) -> bool:
        """True: a horizontal divider, the before epoch above it; False: vertical, before on the left."""
        return self._horizontal

    def set_horizontal(self, horizontal: bool) -> None:
        self._horizontal = bool(horizontal)
        self.setCursor(QCursor(Qt.CursorShape.SplitVCursor if horizontal else Qt.CursorShape.SplitHCursor))
        if self.item is not None:
            self.item.horizontal = self._horizontal
            self.item.update()

    def _fraction_at(self, pos) -> float:
        if self._horizontal:
            return pos.y() / max(1, self.canvas_.height())
        return pos.x() / max(1, self.canvas_.width())

    # -- epochs -----------------------------------------------------------------------------------
    def set_epochs(self, before: QgsRasterLayer | None, after: QgsRasterLayer | None) -> None:
        self.before, self.after = before, after
        if self.item is not None:
            self._restore_visibility()
            self._show_after()
            self.request_render()
        self.epochsChanged.emit()

    def _show_after(self) -> None:
        """Make the after epoch what the canvas shows: visible, no visible raster drawn above it."""
        if self.after is None:
            return
        root = QgsProject.instance().layerTreeRoot()
        node = root.findLayer(self.after.id())
        if node is None:
            return
        if not node.isVisible():
            self._hidden.append((node, node.itemVisibilityChecked()))
            node.setItemVisibilityCheckedParentRecursive(True)
        # a vector (or any layer) shown on the canvas as "before" would show on both sides: hide it there
        before_node = root.findLayer(self.before.id()) if self.before is not None else None
        if before_node is not None and before_node is not node and before_node.itemVisibilityChecked() and \
                not isinstance(self.before, QgsRasterLayer):
            self._hidden.append((before_node, True))
            before_node.setItemVisibilityChecked(False)
        for other in root.findLayers():
            if other is node:
                break
            if isinstance(other.layer(), QgsRasterLayer) and other.itemVisibilityChecked():
                self._hidden.append((other, True))
                other.setItemVisibilityChecked(False)

    def _restore_visibility(self) -> None:
        for node, checked in reversed(self._hidden):
            try:
                node.setItemVisibilityChecked(checked)
            except RuntimeError:  # node deleted meanwhile
                pass
        self._hidden.clear()

    # -- divider ----------------------------------------------------------------------------------
    @property
    def fraction(self) -> float:
        return self._fraction

    def set_fraction(self, fraction: float) -> None:
        self._fraction = min(1.0, max(0.0, fraction))
        if self.item is not None:
            self.item.fraction = self._fraction
            self.item.update()

    def canvasPressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self.set_fraction(self._fraction_at(event.pos()))

    def canvasMoveEvent(self, event) -> None:  # noqa: N802
        if self._dragging:
            self.set_fraction(self._fraction_at(event.pos()))

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802
        self._dragging = False

    def keyPressEvent(self, event) -> None:  # noqa: N802
        step = 0.1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.02
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.set_fraction(self._fraction - step)
        elif event.key() in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.set_fraction(self._fraction + step)
        else:
            event.ignore()

    # -- life cycle -------------------------------------------------------------------------------
    def activate(self) -> None:
        super().activate()
        if self.before is None and self.after is None:
            self.before, self.after = default_epochs(QgsProject.instance())
        self.item = SwipeCanvasItem(self.canvas_)
        self.item.fraction = self._fraction
        self.item.horizontal = self._horizontal
        self._show_after()
        self.canvas_.extentsChanged.connect(self.request_render)
        self.canvas_.mapCanvasRefreshed.connect(self._canvas_refreshed)
        self.canvas_.layersChanged.connect(self.request_render)
        self.request_render()

    def deactivate(self) -> None:
        for signal, slot in ((self.canvas_.extentsChanged, self.request_render),
                             (self.canvas_.mapCanvasRefreshed, self._canvas_refreshed),
                             (self.canvas_.layersChanged, self.request_render)):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        self._cancel_job()
        if self.item is not None:
            self.canvas_.scene().removeItem(self.item)
            self.item = None
        self._restore_visibility()
        self.canvas_.refresh()
        super().deactivate()

    def _canvas_refreshed(self) -> None:
        # repaint of the canvas (e.g. a layer's style changed): re-render unless already current
        if self.item is not None and (self.item.image is None or self._job_extent != self.canvas_.extent()):
            self.request_render()

    # -- rendering the before side ----------------------------------------------------------------
    def before_settings(self) -> QgsMapSettings:
        settings = QgsMapSettings(self.canvas_.mapSettings())
        settings.setLayers(overlay_layers(self.canvas_.layers(), self.before, self.after))
        return settings

    def _cancel_job(self) -> None:
        if self.job is not None:
            try:
                self.job.finished.disconnect(self._job_finished)
            except TypeError:
                pass
            self.job.cancelWithoutBlocking()
            self.job = None

    def request_render(self, *args) -> None:
        if self.item is None:
            return
        self._cancel_job()
        if self.before is None:
            self.item.set_image(None, None)
            self.rendered.emit()
            return
        settings = self.before_settings()
        self._job_extent = QgsRectangle(settings.visibleExtent())
        self.job = QgsMapRendererParallelJob(settings)
        self.job.finished.connect(self._job_finished)
        self.job.start()

    def _job_finished(self) -> None:
        job, self.job = self.job, None
        if job is None or self.item is None:
            return
        image = job.renderedImage()
        self.item.set_image(image, self._job_extent)
        self.rendered.emit()

    def is_rendering(self) -> bool:
        return self.job is not None


class SwipeController:
    """The "卷帘对比" action (Ctrl+Shift+W), its map tool and the epoch-picker toolbar."""

    def __init__(self, iface, menu, toolbar):
        self.iface = iface
        canvas = iface.mapCanvas()
        main = iface.mainWindow()
        self._choice: tuple[str, str] | None = None   # (before id, after id) picked by the user
        self._previous_tool = None  # the map tool active before the swipe, handed back when it ends
        self.tool = SwipeMapTool(canvas)
        self.action = QAction(QIcon(icon_path("swipe.svg")), tr("卷帘对比"), main)
        self.action.setObjectName(SWIPE_ACTION_NAME)
        self.action.setCheckable(True)
        self.action.setToolTip(tr("卷帘对比：拖动分割线比较前后两期影像或两个图层（左侧或上方为前时相）"))
        self.action.toggled.connect(self._toggled)
        self.tool.setAction(self.action)
        menu.addAction(self.action)
        toolbar.addAction(self.action)
        # registered with the shortcuts manager: users can change it in Settings ▸ Keyboard Shortcuts
        self.action.setShortcut(QKeySequence(SWIPE_SHORTCUT))
        QgsGui.shortcutsManager().registerAction(self.action, SWIPE_SHORTCUT)

        self.pickers = QToolBar(tr("卷帘对比时相"), main)
        self.pickers.setObjectName(SWIPE_TOOLBAR_NAME)
        self.before_combo = QgsMapLayerComboBox(self.pickers)
        self.after_combo = QgsMapLayerComboBox(self.pickers)
        for combo, label in ((self.before_combo, tr("前时相（左/上）")), (self.after_combo, tr("后时相（右/下）"))):
            # any layer: two imagery epochs, or two vector layers (patches of two years, planning editions)
            combo.setFilters(Qgis.LayerFilter.RasterLayer | Qgis.LayerFilter.VectorLayer)
            combo.setMinimumContentsLength(16)
            self.pickers.addWidget(QLabel(" " + label + " "))
            self.pickers.addWidget(combo)
        swap = self.pickers.addAction(tr("互换"))
        swap.triggered.connect(self.swap)
        self.orientation_action = self.pickers.addAction(tr("上下卷帘"))
        self.orientation_action.setObjectName("mLiangweiActionSwipeHorizontal")
        self.orientation_action.setCheckable(True)
        self.orientation_action.setToolTip(tr("分割线横向：上方前时相，下方后时相（再点一次恢复左右卷帘）"))
        self.orientation_action.toggled.connect(self.tool.set_horizontal)
        iface.addToolBar(self.pickers)
        self.pickers.setVisible(False)
        self.before_combo.layerChanged.connect(self._combo_changed)
        self.after_combo.layerChanged.connect(self._combo_changed)
        QgsProject.instance().layersWillBeRemoved.connect(self._layers_removed)

    def _layers_removed(self, layer_ids) -> None:
        """An epoch being removed (or the project closed) ends the swipe before the layer dies."""
        ids = set(layer_ids)
        if self._choice and ids & set(self._choice):
            self._choice = None
        epochs = {lyr.id() for lyr in (self.tool.before, self.tool.after) if lyr is not None}
        if epochs & ids:
            if self.action.isChecked():
                self.action.setChecked(False)  # deactivates the tool
            self.tool.before = self.tool.after = None

    def _toggled(self, checked: bool) -> None:
        canvas = self.iface.mapCanvas()
        if checked:
            project = QgsProject.instance()
            before, after = default_epochs(project)
            # the pair the user picked last time, while both layers are still there
            if self._choice:
                chosen = [project.mapLayer(layer_id) for layer_id in self._choice]
                if all(chosen) and chosen[0] is not chosen[1]:
                    before, after = chosen
            if before is None or after is None:
                self.iface.messageBar().pushMessage(tr("卷帘对比"), tr("项目中至少需要两个栅格影像图层"),
                                                    Qgis.MessageLevel.Warning, 8)
            self._set_combos(before, after)
            self.tool.set_epochs(before, after)
            self.pickers.setVisible(True)
            current = canvas.mapTool()
            if current is not self.tool:
                self._previous_tool = current
            canvas.setMapTool(self.tool)
        else:
            self.pickers.setVisible(False)
            if canvas.mapTool() is self.tool:
                self._hand_back(canvas)

    def _hand_back(self, canvas) -> None:
        """Give the canvas back the map tool the swipe replaced (QGIS's pan tool when it is gone)."""
        previous, self._previous_tool = self._previous_tool, None
        canvas.unsetMapTool(self.tool)
        try:
            if previous is not None and previous is not self.tool:
                canvas.setMapTool(previous)
                return
        except RuntimeError:  # the tool's C++ object was deleted meanwhile
            pass
        pan = getattr(self.iface, "actionPan", None)
        if pan is not None and pan() is not None:
            pan().trigger()

    def _set_combos(self, before, after) -> None:
        for combo, layer in ((self.before_combo, before), (self.after_combo, after)):
            combo.blockSignals(True)
            combo.setLayer(layer)
            combo.blockSignals(False)

    def _combo_changed(self, _layer=None) -> None:
        # combo boxes also change on their own when the project's layers change: only a change
        # while the tool is on is the user's choice
        if not self.action.isChecked():
            return
        before, after = self.before_combo.currentLayer(), self.after_combo.currentLayer()
        self._choice = (before.id(), after.id()) if before is not None and after is not None else None
        self.tool.set_epochs(before, after)

    def swap(self) -> None:
        before, after = self.after_combo.currentLayer(), self.before_combo.currentLayer()
        self._set_combos(before, after)
        if before is not None and after is not None:
            self._choice = (before.id(), after.id())
        self.tool.set_epochs(before, after)

    def unload(self) -> None:
        try:
            QgsProject.instance().layersWillBeRemoved.disconnect(self._layers_removed)
        except TypeError:
            pass
        canvas = self.iface.mapCanvas()
        if canvas.mapTool() is self.tool:
            canvas.unsetMapTool(self.tool)
        QgsGui.shortcutsManager().unregisterAction(self.action)
        self.iface.mainWindow().removeToolBar(self.pickers)
        self.pickers.deleteLater()
        self.action.deleteLater()
