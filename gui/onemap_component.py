"""Menu/toolbar entries of the one map: "加载一张图…", "卷帘对比" (swipe), "图斑导航" (navigator)."""
from __future__ import annotations

from qgis.core import Qgis, QgsProject, QgsSettings
from qgis.PyQt.QtGui import QAction, QIcon
from qgis.PyQt.QtWidgets import QFileDialog

from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path

LAST_DIR_KEY = "liangwei/onemap/last_catalogue_dir"


class OneMapComponent:
    def __init__(self, iface, menu, toolbar):
        from .patch_navigator import PatchNavigatorController
        from .swipe_tool import SwipeController

        self.iface = iface
        self.load_action = QAction(QIcon(icon_path("onemap_load.svg")), tr("加载一张图…"), iface.mainWindow())
        self.load_action.setObjectName("mLiangweiActionLoadOneMap")
        self.load_action.setToolTip(tr("按数据目录（TOML）把一张图加载到当前项目"))
        self.load_action.triggered.connect(self.choose_and_load)
        menu.addAction(self.load_action)
        toolbar.addAction(self.load_action)
        self.swipe = SwipeController(iface, menu, toolbar)
        self.navigator = PatchNavigatorController(iface, menu, toolbar)

    def choose_and_load(self) -> None:
        settings = QgsSettings()
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), tr("选择一张图数据目录"),
                                              settings.value(LAST_DIR_KEY, ""), tr("数据目录 (*.toml)"))
        if path:
            from pathlib import Path

            settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
            self.load(path)

    def load(self, catalogue_path: str) -> bool:
        """Build the one map from ``catalogue_path`` into the open project."""
        from ..liangwei_plugin.onemap.catalogue import CatalogueError
        from ..liangwei_plugin.onemap.project_builder import build_onemap

        project = QgsProject.instance()
        was_empty = not project.mapLayers()
        try:
            result = build_onemap(catalogue_path, project)
        except CatalogueError as exc:
            logger.warning(str(exc))
            self.iface.messageBar().pushMessage(tr("加载一张图"), "；".join(exc.problems[:3]) +
                                                (tr("……详见日志") if len(exc.problems) > 3 else ""),
                                                Qgis.MessageLevel.Critical, 0)
            return False
        canvas = self.iface.mapCanvas()
        if was_empty:
            extent = project.viewSettings().defaultViewExtent()
            if not extent.isNull():
                canvas.setReferencedExtent(extent)
        canvas.refresh()
        text = (tr("一张图已更新：%d 个图层已在项目中，未重复加载") % result.reused if result.reused
                else tr("已加载 %d 个图层") % len(result.layers))
        self.iface.messageBar().pushMessage(tr("加载一张图"), text, Qgis.MessageLevel.Success, 5)
        return True

    def unload(self) -> None:
        self.swipe.unload()
        self.navigator.unload()
        self.load_action.deleteLater()
