"""The QGIS plugin object: menu "两违一张图", toolbar, Processing provider, docks.

The menu is grouped — 一张图, 审查, 文书, 台账, 设置/帮助 — each group under its own heading, separated,
and every entry with its own icon; the toolbar follows the same groups.  The components (gui/) add their
actions where they like; :meth:`LiangweiPlugin._arrange` puts every action into its group afterwards
(by object name, :data:`ACTION_GROUPS`; an action of no known group goes to 设置/帮助)."""
from __future__ import annotations

import importlib

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTranslator
from qgis.PyQt.QtGui import QAction, QIcon
from qgis.PyQt.QtWidgets import QMenu

from ..liangwei_plugin.i18n import tr, translation_file
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path
from ..processing_algs.base import open_help
from ..processing_algs.provider import LiangweiProvider

MENU_OBJECT_NAME = "mLiangweiMenu"
TOOLBAR_OBJECT_NAME = "mLiangweiToolBar"

# Menu groups, top to bottom: (key, heading).
MENU_GROUPS: list[tuple[str, str]] = [
    ("onemap", "一张图"),
    ("review", "审查"),
    ("documents", "文书"),
    ("register", "台账"),
    ("help", "设置/帮助"),
]

# Menu entries that open a Processing algorithm's dialog: (algorithm id, label, on toolbar, group, icon).
ALGORITHM_ACTIONS: list[tuple[str, str, bool, str, str]] = [
    ("liangwei:reviewmap", "审查本图…", True, "review", "review_map.svg"),
    ("liangwei:overlaycheck", "图斑叠加分析…", True, "review", "overlay.svg"),
    ("liangwei:determine", "规划认定…", False, "review", "determine.svg"),
    ("liangwei:farmlandratio", "违法占耕比统计…", False, "review", "farmland_ratio.svg"),
    ("liangwei:detectchanges", "两期影像变化检测…", False, "review", "change_detection.svg"),
    ("liangwei:batchreview", "批量审查并输出文书…", True, "review", "batch_review.svg"),
    ("liangwei:exportreports", "输出规划认定意见书…", False, "documents", "report.svg"),
    ("liangwei:exportnotices", "输出责令限期整改通知书…", False, "documents", "notice.svg"),
    ("liangwei:registercases", "登记案件（入台账）…", False, "register", "register_add.svg"),
    ("liangwei:exportfieldpackage", "外业核查包导出（QField）…", False, "register", "field_export.svg"),
    ("liangwei:importfieldpackage", "外业核查包导入…", False, "register", "field_import.svg"),
    ("liangwei:casestatistics", "案件统计…", False, "register", "statistics.svg"),
    ("liangwei:exportledger", "导出新增违法违规问题台账…", False, "register", "ledger_export.svg"),
]

# The group of the components' actions, by object name (gui/onemap_component.py, swipe_tool.py,
# patch_navigator.py, case_register_dock.py); algorithm actions are named after their id.
ACTION_GROUPS: dict[str, str] = {
    "mLiangweiActionLoadOneMap": "onemap",
    "mLiangweiActionSwipe": "onemap",
    "mLiangweiActionPatchNavigator": "onemap",
    "mLiangweiActionCaseRegister": "register",
    "mLiangweiActionUserGuide": "help",
    "mLiangweiActionSettings": "help",
}
USER_GUIDE = "guide.html"  # resources/help/

# GUI components (docks, map tools) living in gui/: (module, class).  Each class takes
# ``(iface, menu, toolbar)`` in its constructor, adds its own actions/docks there and
# removes all of them in ``unload()``.
COMPONENTS: list[tuple[str, str]] = [
    ("onemap_component", "OneMapComponent"),
    ("case_register_dock", "CaseRegisterComponent"),
    ("settings_dialog", "SettingsComponent"),
]


class LiangweiPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider: LiangweiProvider | None = None
        self.menu: QMenu | None = None
        self.toolbar = None
        self.actions: list[QAction] = []
        self.components: list = []
        self.translator: QTranslator | None = None
        self._install_translator()

    # -- translation -------------------------------------------------------
    def _install_translator(self) -> None:
        locale = QgsApplication.locale() or "zh_CN"
        qm = translation_file(locale)
        if qm is None or locale.startswith("zh"):
            return
        self.translator = QTranslator()
        if self.translator.load(str(qm)):
            QCoreApplication.installTranslator(self.translator)
        else:
            self.translator = None

    # -- Processing --------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (QGIS API name)
        if self.provider is None:
            provider = LiangweiProvider()
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider
            else:  # another copy of the plugin already registered it: leave that one alone
                logger.warning("处理工具提供者 liangwei 已注册，未重复注册")

    # -- GUI ----------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        main_window = self.iface.mainWindow()
        # A previous load that crashed half-way must not leave a second menu behind.
        for stale in main_window.findChildren(QMenu, MENU_OBJECT_NAME):
            stale.menuAction().setVisible(False)
            stale.deleteLater()
        self.menu = QMenu(tr("两违一张图"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        menu_bar = main_window.menuBar()
        help_action = next((a for a in menu_bar.actions() if a.menu() and a.menu().objectName() == "mHelpMenu"), None)
        if help_action:
            menu_bar.insertMenu(help_action, self.menu)
        else:
            menu_bar.addMenu(self.menu)

        self.toolbar = self.iface.addToolBar(tr("两违一张图"))
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)

        for alg_id, label, on_toolbar, group, icon in ALGORITHM_ACTIONS:
            self._add_algorithm_action(alg_id, tr(label), on_toolbar, icon)
            ACTION_GROUPS[self._action_name(alg_id)] = group

        for module_name, class_name in COMPONENTS:
            try:
                module = importlib.import_module(f"{__package__}.{module_name}")
                self.components.append(getattr(module, class_name)(self.iface, self.menu, self.toolbar))
            except Exception:  # one broken component must not take the plugin down
                logger.exception("界面组件 %s 加载失败", module_name)

        guide = QAction(QIcon(icon_path("guide.svg")), tr("用户指南"), main_window)
        guide.setObjectName("mLiangweiActionUserGuide")
        guide.setToolTip(tr("打开两违一张图用户指南（离线帮助）"))
        guide.triggered.connect(lambda _checked=False: open_help(USER_GUIDE))
        self.menu.addAction(guide)
        self.actions.append(guide)
        self._arrange()
        self._warn_missing_dependencies()

    def _arrange(self) -> None:
        """Menu and toolbar in groups (:data:`MENU_GROUPS`): a heading and a separator before each."""
        menu_actions = [a for a in self.menu.actions() if not a.isSeparator()]
        tool_actions = [a for a in self.toolbar.actions() if not a.isSeparator()]
        for action in self.menu.actions():
            self.menu.removeAction(action)
        for action in self.toolbar.actions():
            self.toolbar.removeAction(action)
        known = {key for key, _ in MENU_GROUPS}

        def group_of(action) -> str:
            group = ACTION_GROUPS.get(action.objectName(), "help")
            return group if group in known else "help"

        first_tool_group = True
        for key, heading in MENU_GROUPS:
            # the group's docks and map tools first, then the algorithms' dialogs
            in_menu = sorted((a for a in menu_actions if group_of(a) == key),
                             key=lambda a: a.objectName().startswith("mLiangweiAction_"))
            if in_menu:
                self.menu.addSection(tr(heading))
                for action in in_menu:
                    self.menu.addAction(action)
            on_bar = [a for a in tool_actions if group_of(a) == key]
            if on_bar:
                if not first_tool_group:
                    self.toolbar.addSeparator()
                first_tool_group = False
                for action in on_bar:
                    self.toolbar.addAction(action)

    def _warn_missing_dependencies(self) -> None:
        from ..liangwei_plugin.dependencies import warn_missing_once

        message = warn_missing_once()  # logged once (the provider may have said it already)
        if message:
            self.iface.messageBar().pushWarning(tr("两违一张图"), message)

    @staticmethod
    def _action_name(alg_id: str) -> str:
        return f"mLiangweiAction_{alg_id.replace(':', '_')}"

    def _add_algorithm_action(self, alg_id: str, label: str, on_toolbar: bool, icon: str = "liangwei.svg") -> None:
        action = QAction(QIcon(icon_path(icon)), label, self.iface.mainWindow())
        action.setObjectName(self._action_name(alg_id))
        action.triggered.connect(lambda _checked=False, a=alg_id: self._run_algorithm_dialog(a))
        self.menu.addAction(action)
        if on_toolbar:
            self.toolbar.addAction(action)
        self.actions.append(action)

    def _run_algorithm_dialog(self, alg_id: str):
        """The algorithm's dialog, pre-filled from the one map's layer roles and the settings."""
        from .algorithm_launcher import open_algorithm_dialog

        return open_algorithm_dialog(self.iface, alg_id)

    def unload(self) -> None:
        for component in self.components:
            try:
                component.unload()
            except Exception:
                logger.exception("界面组件卸载失败")
        self.components.clear()
        for action in self.actions:
            action.deleteLater()
        self.actions.clear()
        if self.menu is not None:
            self.menu.menuAction().setVisible(False)
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
