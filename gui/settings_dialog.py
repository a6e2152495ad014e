"""Settings dialog (设置): issuing authority, case register (GeoPackage or a saved PostGIS connection),
working folder, document options.  Saved in the project and, optionally, the user profile; the logic
(and the order project → profile → default) is in ``liangwei_plugin/session.py``."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject
from qgis.gui import QgsFileWidget, QgsProviderConnectionComboBox
from qgis.PyQt import uic
from qgis.PyQt.QtGui import QAction, QIcon
from qgis.PyQt.QtWidgets import QDialog

from ..liangwei_plugin import session
from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path

FORM_CLASS, _ = uic.loadUiType(str(Path(__file__).resolve().parent.parent / "forms" / "settings_dialog.ui"))

DIALOG_OBJECT_NAME = "mLiangweiSettingsDialog"


def _postgres_connections() -> list[str]:
    try:
        from qgis.core import QgsProviderRegistry

        metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
        return sorted(metadata.connections().keys()) if metadata else []
    except Exception:  # noqa: BLE001 — no PostgreSQL provider: GeoPackage only
        return []


class SettingsDialog(QDialog, FORM_CLASS):
    def __init__(self, parent=None, project: QgsProject | None = None):
        super().__init__(parent)
        self.setupUi(self)
        self.setObjectName(DIALOG_OBJECT_NAME)
        self.project = project or QgsProject.instance()
        self._retranslate()
        self.gpkgWidget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.gpkgWidget.setConfirmOverwrite(False)   # an existing register is opened, not replaced
        self.gpkgWidget.setFilter(tr("GeoPackage (*.gpkg)"))
        self.gpkgWidget.setDialogTitle(tr("打开或新建案件台账"))
        self.folderWidget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.folderWidget.setDialogTitle(tr("选择工作文件夹"))
        self.configWidget.setFilter(tr("文书配置 (*.toml)"))
        self.configWidget.setDialogTitle(tr("选择本局的文书配置文件"))
        self.registryWidget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.registryWidget.setConfirmOverwrite(False)
        self.registryWidget.setFilter(tr("SQLite (*.sqlite *.db)"))
        # QGIS's saved PostgreSQL connections (its constructor needs the provider: made here, not in the .ui)
        self.connectionCombo = QgsProviderConnectionComboBox("postgres", self.registerGroup)
        self.connectionCombo.setObjectName("connectionCombo")
        self.registerLayout.addWidget(self.connectionCombo, 1, 1)
        self.configWidget.fileChanged.connect(self._fill_authorities)
        for radio in (self.gpkgRadio, self.postgisRadio, self.noRegisterRadio):
            radio.toggled.connect(self._register_mode_changed)
        self.load()

    def _retranslate(self) -> None:
        self.setWindowTitle(tr("两违一张图设置"))
        for widget, text in ((self.authorityGroup, "文书"), (self.registerGroup, "案件台账"),
                             (self.folderGroup, "工作文件夹")):
            widget.setTitle(tr(text))
        for widget, text in ((self.authorityLabel, "发文机关"), (self.configLabel, "文书配置文件"),
                             (self.registryLabel, "文书编号登记库"), (self.workersLabel, "生成 PDF 的进程数"),
                             (self.gpkgRadio, "GeoPackage 文件"), (self.postgisRadio, "PostGIS 连接"),
                             (self.noRegisterRadio, "不使用台账"),
                             (self.profileCheck, "同时作为本人的默认设置（新项目也使用）")):
            widget.setText(tr(text))
        self.workersSpin.setSpecialValueText(tr("自动（每个处理器核心一个）"))
        self.configWidget.lineEdit().setPlaceholderText(tr("空：插件自带的 documents.toml"))
        self.registryWidget.lineEdit().setPlaceholderText(tr("空：本局共用的登记库（台账旁或用户配置文件夹）"))

    # -- values ------------------------------------------------------------------------------------
    def _fill_authorities(self, *_args) -> None:
        current = self.authorityCombo.currentText()
        self.authorityCombo.blockSignals(True)
        self.authorityCombo.clear()
        try:
            known = session.authorities(self.configWidget.filePath() or None)
        except Exception as exc:  # noqa: BLE001 — a faulty documents.toml: say so, keep the dialog usable
            logger.warning("文书配置无法读取：%s", exc)
            known = []
        for authority in known:
            if authority.name and self.authorityCombo.findText(authority.name) < 0:
                self.authorityCombo.addItem(authority.name, authority.key)
        if current:
            index = self.authorityCombo.findText(current)
            if index >= 0:
                self.authorityCombo.setCurrentIndex(index)
            else:
                self.authorityCombo.setEditText(current)
        self.authorityCombo.blockSignals(False)

    def _register_mode_changed(self, *_args) -> None:
        self.gpkgWidget.setEnabled(self.gpkgRadio.isChecked())
        self.connectionCombo.setEnabled(self.postgisRadio.isChecked())

    def load(self) -> None:
        project = self.project
        self.configWidget.setFilePath(session.value("documents_config", project))
        self._fill_authorities()
        name = session.value("authority", project)
        if name:
            index = self.authorityCombo.findText(name)
            if index >= 0:
                self.authorityCombo.setCurrentIndex(index)
            else:
                self.authorityCombo.setEditText(name)
        self.registryWidget.setFilePath(session.value("number_registry", project))
        self.workersSpin.setValue(session.value("workers", project))
        register = session.value("register", project)
        connections = _postgres_connections()
        if not register:
            self.noRegisterRadio.setChecked(True)
        elif register in connections:
            self.postgisRadio.setChecked(True)
            self.connectionCombo.setConnection(register)
        else:
            self.gpkgRadio.setChecked(True)
            self.gpkgWidget.setFilePath(register)
        self.postgisRadio.setEnabled(bool(connections) or register in connections)
        self.folderWidget.setFilePath(session.value("working_folder", project))
        self.folderWidget.lineEdit().setPlaceholderText(str(session.working_folder(project, create=False)))
        self.folderHint.setText(tr("未指定输出位置的成果（叠加分析、认定结果、文书、台账导出）都写入此文件夹；"
                                   "空为项目文件旁的“两违成果”文件夹。"))
        self._register_mode_changed()

    def values(self) -> dict:
        """What the dialog holds, as session settings."""
        name = self.authorityCombo.currentText().strip()
        index = self.authorityCombo.findText(name)
        key = self.authorityCombo.itemData(index) if index >= 0 else ""
        if self.gpkgRadio.isChecked():
            register = self.gpkgWidget.filePath().strip()
            if register and not register.lower().endswith(".gpkg"):
                register += ".gpkg"
        elif self.postgisRadio.isChecked():
            register = self.connectionCombo.currentConnection() or ""
        else:
            register = ""
        return {
            "authority": name,
            "authority_key": key or "",
            "register": register,
            "working_folder": self.folderWidget.filePath().strip(),
            "documents_config": self.configWidget.filePath().strip(),
            "number_registry": self.registryWidget.filePath().strip(),
            "workers": self.workersSpin.value(),
        }

    def save(self) -> None:
        in_profile = self.profileCheck.isChecked()
        for key, val in self.values().items():
            session.store(key, val, self.project, in_project=True, in_profile=in_profile)
        logger.info("两违一张图设置已保存（工作文件夹 %s）", session.working_folder(self.project, create=False))

    def accept(self) -> None:  # noqa: D102
        self.save()
        super().accept()


class SettingsComponent:
    """Menu entry "设置…" opening the settings dialog."""

    def __init__(self, iface, menu, toolbar):
        self.iface = iface
        self.dialog: SettingsDialog | None = None
        self.action = QAction(QIcon(icon_path("settings.svg")), tr("设置…"), iface.mainWindow())
        self.action.setObjectName("mLiangweiActionSettings")
        self.action.setToolTip(tr("发文机关、案件台账、工作文件夹和文书选项"))
        self.action.triggered.connect(self.show)
        menu.addAction(self.action)

    def show(self) -> SettingsDialog:
        self.dialog = SettingsDialog(self.iface.mainWindow())
        self.dialog.show()
        return self.dialog

    def unload(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        self.action.deleteLater()
