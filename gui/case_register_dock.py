"""Case register dock (案件台账): open a register, list/filter/search cases, see a case's history,
move it to the next stage, zoom to it.  Overdue cases are shown on a red background."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsExpressionContextUtils,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsProject,
    QgsRuleBasedRenderer,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsDateEdit, QgsDockWidget, QgsFileWidget
from qgis.PyQt import uic
from qgis.PyQt.QtCore import QDate, QMetaType, Qt
from qgis.PyQt.QtGui import QAction, QBrush, QColor, QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidgetItem,
    QWidget,
)

from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path
from ..liangwei_plugin.register.model import LIST_COLUMNS

FORM_CLASS, _ = uic.loadUiType(str(Path(__file__).resolve().parent.parent / "forms" / "case_register_dock.ui"))

DOCK_OBJECT_NAME = "mLiangweiCaseRegisterDock"
TARGET_KEY = "liangwei/register/last_target"
ACTOR_KEY = "liangwei/register/last_actor"
MAX_ROWS = 2000          # the table shows at most this many cases; filters narrow it down
OVERDUE_COLOR = QColor(255, 199, 206)
CLOSED_COLOR = QColor(235, 235, 235)
MIN_ZOOM_M = 60.0

# (case column, header)
COLUMNS = [("case_no", "案件编号"), ("patch_id", "监测编号"), ("township", "乡镇"), ("village", "村"),
           ("source", "来源"), ("stage", "处置阶段"), ("stage_due", "阶段期限"), ("overdue", "超期"),
           ("party", "当事人"), ("area_m2", "面积(㎡)")]
HISTORY_COLUMNS = [("event_date", "日期"), ("change", "变更"), ("actor", "处置人"), ("note", "说明"),
                   ("recorded_at", "记录时间")]
ALL = "__all__"


class CaseRegisterWidget(QWidget, FORM_CLASS):
    pass


class AdvanceDialog(QDialog):
    """Target stage, date, actor and note of a transition (and the disposal when leaving 拆除整治)."""

    def __init__(self, case: dict, workflow, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("推进案件 {case}").format(case=case["case_no"]))
        self.case = case
        form = QFormLayout(self)
        self.target = QComboBox()
        targets = workflow.allowed_targets(case["stage"])
        for t in targets:
            self.target.addItem(tr(t), t)
        nxt = workflow.next_stage(case["stage"], case.get("violation") != 0)
        if nxt in targets:
            self.target.setCurrentIndex(targets.index(nxt))
        self.date = QgsDateEdit()  # QGIS's date widget: calendar pop-up, the user's date format
        self.date.setAllowNull(False)
        self.date.setDate(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.actor = QLineEdit(QgsSettings().value(ACTOR_KEY, ""))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("处置说明；认定不属于违法时须写明证明材料"))
        self.not_violation = QCheckBox(tr("认定不属于违法用地违法建设"))
        self.disposal = QComboBox()
        self.disposal.addItem(tr("（不填）"), None)
        for k in workflow.disposal_kinds():
            self.disposal.addItem(tr(k), k)
        self.demolished = QDoubleSpinBox()
        self.demolished.setRange(0.0, 1e9)
        self.demolished.setDecimals(2)
        self.demolished.setSuffix(" ㎡")
        self.demolished.setValue(float(case.get("area_m2") or 0.0))
        self.form = form
        form.addRow(tr("当前阶段"), QLineEdit(case["stage"], readOnly=True))
        form.addRow(tr("目标阶段"), self.target)
        form.addRow(tr("处置日期"), self.date)
        form.addRow(tr("处置人"), self.actor)
        form.addRow(tr("说明"), self.note)
        form.addRow("", self.not_violation)
        form.addRow(tr("处置方式"), self.disposal)
        form.addRow(tr("拆除面积"), self.demolished)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.target.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        target = self.target.currentData()
        from_identify = self.case["stage"] == "快速认定" and target == "办结"
        self.not_violation.setVisible(from_identify)
        self.not_violation.setChecked(from_identify)
        leaving_rectify = self.case["stage"] == "拆除整治"
        # a hidden field takes its label with it (no label without its field)
        for widget in (self.disposal, self.demolished):
            widget.setVisible(leaving_rectify)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(leaving_rectify)

    def accept(self) -> None:  # noqa: D102 - the dialog stays open, with what was typed, until it is complete
        if not self.actor.text().strip():
            QMessageBox.warning(self, tr("推进案件"), tr("请填写处置人（谁办理的这一步）"))
            self.actor.setFocus()
            return
        super().accept()

    def prefill(self, values: dict) -> None:
        """Put back what was typed (a refused transition opens the dialog again, nothing lost)."""
        index = self.target.findData(values.get("target"))
        if index >= 0:
            self.target.setCurrentIndex(index)
        if values.get("date"):
            self.date.setDate(QDate(values["date"].year, values["date"].month, values["date"].day))
        self.actor.setText(values.get("actor") or "")
        self.note.setPlainText(values.get("note") or "")

    def values(self) -> dict:
        fields = {}
        if not self.not_violation.isHidden() and self.not_violation.isChecked():
            fields["violation"] = 0
        if not self.disposal.isHidden() and self.disposal.currentData():
            fields["disposal_kind"] = self.disposal.currentData()
            if self.disposal.currentData() == "拆除":
                fields["demolished_m2"] = self.demolished.value()
        return {"target": self.target.currentData(), "date": self.date.date().toPyDate(),
                "actor": self.actor.text().strip(), "note": self.note.toPlainText().strip(), "fields": fields}


class CaseRegisterDock(QgsDockWidget):
    def __init__(self, iface, parent=None):
        super().__init__(tr("案件台账"), parent or iface.mainWindow())
        self.setObjectName(DOCK_OBJECT_NAME)
        self.iface = iface
        self.register = None
        self.as_of: dt.date | None = None      # evaluation date; None = today (tests set it)
        self.cases: list[dict] = []
        self.ui = CaseRegisterWidget(self)
        self.ui.setupUi(self.ui)
        self.setWidget(self.ui)
        ui = self.ui
        self._retranslate()
        ui.casesTable.setColumnCount(len(COLUMNS))
        ui.casesTable.setHorizontalHeaderLabels([tr(h) for _, h in COLUMNS])
        ui.casesTable.verticalHeader().setVisible(False)
        ui.historyTable.setColumnCount(len(HISTORY_COLUMNS))
        ui.historyTable.setHorizontalHeaderLabels([tr(h) for _, h in HISTORY_COLUMNS])
        ui.historyTable.verticalHeader().setVisible(False)
        ui.historyTable.horizontalHeader().setStretchLastSection(True)
        # the register: a GeoPackage chosen with QGIS's file widget (a new one is created), or typed: a
        # postgresql:// address or a QGIS connection name in the same box
        ui.registerFile.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        ui.registerFile.setConfirmOverwrite(False)
        ui.registerFile.setFilter(tr("GeoPackage (*.gpkg)"))
        ui.registerFile.setDialogTitle(tr("打开或新建案件台账"))
        ui.registerEdit = ui.registerFile.lineEdit()
        ui.registerEdit.setText(QgsSettings().value(TARGET_KEY, ""))
        ui.openButton.clicked.connect(lambda: self.open_register(ui.registerEdit.text()))
        ui.registerEdit.returnPressed.connect(lambda: self.open_register(ui.registerEdit.text()))
        ui.registerFile.fileChanged.connect(self._file_chosen)
        ui.stageCombo.currentIndexChanged.connect(self.refresh)
        ui.townshipCombo.currentIndexChanged.connect(self.refresh)
        ui.overdueCheck.toggled.connect(self.refresh)
        ui.searchEdit.returnPressed.connect(self.refresh)
        ui.searchEdit.textChanged.connect(lambda text: self.refresh() if not text else None)
        ui.casesTable.itemSelectionChanged.connect(self._selection_changed)
        ui.casesTable.doubleClicked.connect(lambda _i: self.zoom_to_selected())
        ui.advanceButton.clicked.connect(lambda: self.advance_selected())
        ui.zoomButton.clicked.connect(self.zoom_to_selected)
        ui.loadLayerButton.clicked.connect(self.load_layer)
        ui.refreshButton.clicked.connect(self.refresh)
        self._set_enabled(False)

    def _retranslate(self) -> None:
        ui = self.ui
        for w, text in ((ui.registerLabel, "台账"), (ui.openButton, "打开"), (ui.overdueCheck, "只看超期"),
                        (ui.advanceButton, "转下一阶段…"), (ui.zoomButton, "缩放至案件"),
                        (ui.loadLayerButton, "加载台账图层"), (ui.refreshButton, "刷新")):
            w.setText(tr(text))
        ui.searchEdit.setPlaceholderText(tr("搜索案件编号、监测编号、当事人、乡镇、村（回车）"))
        ui.registerFile.lineEdit().setPlaceholderText(tr(".gpkg 路径 / postgresql://… / QGIS 连接名"))

    def _set_enabled(self, on: bool) -> None:
        ui = self.ui
        for w in (ui.stageCombo, ui.townshipCombo, ui.overdueCheck, ui.searchEdit, ui.advanceButton, ui.zoomButton,
                  ui.loadLayerButton, ui.refreshButton):
            w.setEnabled(on)

    def _message(self, level, text: str) -> None:
        self.iface.messageBar().pushMessage(tr("案件台账"), text, level, 8)

    def _today(self) -> dt.date:
        return self.as_of or dt.date.today()

    # -- opening -----------------------------------------------------------------------------
    def _file_chosen(self, path: str) -> None:
        """A GeoPackage picked in the file widget's dialog opens at once (typing waits for 回车/打开)."""
        if self.ui.registerEdit.hasFocus() or not path or "://" in path:
            return
        if not path.lower().endswith(".gpkg"):
            path += ".gpkg"
        if self.register is None or getattr(self.register, "target", None) != path:
            self.open_register(path)

    def open_register(self, target: str) -> bool:
        from ..liangwei_plugin.register import Register, RegisterOpenError

        target = (target or "").strip()
        if not target:
            return False
        try:
            reg = Register(target)
        except (RegisterOpenError, Exception) as exc:  # noqa: BLE001 - any failure is shown, not raised into Qt
            logger.warning("打开台账失败：%s", exc)
            self._message(Qgis.MessageLevel.Critical, str(exc))
            return False
        if self.register is not None:
            self.register.close()
        self.register = reg
        self.ui.registerEdit.setText(target)
        QgsSettings().setValue(TARGET_KEY, target)
        self._fill_filters()
        self._set_enabled(True)
        self.refresh()
        return True

    def _fill_filters(self) -> None:
        ui = self.ui
        for combo in (ui.stageCombo, ui.townshipCombo):
            combo.blockSignals(True)
            combo.clear()
        ui.stageCombo.addItem(tr("全部阶段"), ALL)
        ui.stageCombo.addItem(tr("未办结"), "__open__")
        for s in self.register.workflow.stage_names:
            ui.stageCombo.addItem(tr(s), s)
        ui.townshipCombo.addItem(tr("全部乡镇"), ALL)
        for t in self.register.distinct_values("township"):
            ui.townshipCombo.addItem(t, t)
        for combo in (ui.stageCombo, ui.townshipCombo):
            combo.blockSignals(False)

    # -- listing -------------------------------------------------------------------------------
    def set_filters(self, stage: str | None = None, township: str | None = None, overdue: bool = False,
                    text: str = "") -> None:
        """Set the filter widgets programmatically (tests, other components) and refresh once."""
        ui = self.ui
        for w in (ui.stageCombo, ui.townshipCombo, ui.overdueCheck, ui.searchEdit):
            w.blockSignals(True)
        ui.stageCombo.setCurrentIndex(max(0, ui.stageCombo.findData(stage or ALL)))
        ui.townshipCombo.setCurrentIndex(max(0, ui.townshipCombo.findData(township or ALL)))
        ui.overdueCheck.setChecked(overdue)
        ui.searchEdit.setText(text)
        for w in (ui.stageCombo, ui.townshipCombo, ui.overdueCheck, ui.searchEdit):
            w.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        if self.register is None:
            return
        ui = self.ui
        stage = ui.stageCombo.currentData()
        township = ui.townshipCombo.currentData()
        today = self._today()
        keep = self.current_fids()
        try:
            self.cases = self.register.find_cases(
                stage=None if stage in (ALL, "__open__", None) else stage,
                open_only=stage == "__open__",
                township=None if township in (ALL, None) else township,
                overdue_on=today if ui.overdueCheck.isChecked() else None,
                text=ui.searchEdit.text().strip() or None, order="found_date DESC, case_no DESC",
                limit=MAX_ROWS + 1, columns=LIST_COLUMNS)
        except Exception as exc:  # noqa: BLE001 - e.g. the database went away
            logger.warning("读取台账失败：%s", exc)
            self._message(Qgis.MessageLevel.Critical, str(exc))
            return
        more = len(self.cases) > MAX_ROWS
        self.cases = self.cases[:MAX_ROWS]
        table = ui.casesTable
        table.setSortingEnabled(False)
        table.setRowCount(len(self.cases))
        for row, case in enumerate(self.cases):
            status = self.register.status(case, today)
            for col, (key, _h) in enumerate(COLUMNS):
                if key == "overdue":
                    value = tr("超期{n}天（{role}）").format(n=status.overdue_days, role=status.overdue_role) \
                        if status.overdue else ""
                elif key == "area_m2":
                    value = "" if case.get(key) is None else f"{case[key]:,.2f}"
                elif key == "patch_id" and not case.get(key) and case.get("given_patch_id"):
                    # 编号冲突: the case has no patch_id of its own; show the delivered id and why
                    value = tr("{id}（编号冲突）").format(id=case["given_patch_id"])
                else:
                    value = "" if case.get(key) is None else str(case[key])
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, case["fid"])
                if status.overdue:
                    item.setBackground(QBrush(OVERDUE_COLOR))
                    item.setToolTip(tr("超期：{stage}阶段期限 {due}，责任角色 {role}").format(
                        stage=case["stage"], due=case["stage_due"], role=status.overdue_role))
                elif not case.get("is_open"):
                    item.setBackground(QBrush(CLOSED_COLOR))
                if key == "patch_id" and case.get("id_note"):
                    item.setToolTip(str(case["id_note"]))
                table.setItem(row, col, item)
        table.setSortingEnabled(True)
        table.resizeColumnsToContents()
        total = self.register.count_cases()
        overdue = self.register.count_overdue(today)
        ui.statusLabel.setText(tr("台账共 {total} 件，超期 {overdue} 件；列表 {shown} 件{more}").format(
            total=total, overdue=overdue, shown=len(self.cases),
            more=tr("（仅显示前 {n} 件，请筛选）").format(n=MAX_ROWS) if more else ""))
        if keep:
            self.select_fids(keep)
        else:
            ui.historyTable.setRowCount(0)

    def row_fids(self) -> list[int]:
        t = self.ui.casesTable
        return [t.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(t.rowCount())]

    def overdue_rows(self) -> list[int]:
        """Rows drawn with the overdue background."""
        t = self.ui.casesTable
        return [r for r in range(t.rowCount()) if t.item(r, 0).background().color() == OVERDUE_COLOR]

    def current_fids(self) -> list[int]:
        t = self.ui.casesTable
        rows = sorted({i.row() for i in t.selectedItems()})
        return [t.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def select_fids(self, fids: list[int]) -> None:
        t = self.ui.casesTable
        t.clearSelection()
        mode = t.selectionMode()
        t.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r in range(t.rowCount()):
            if t.item(r, 0).data(Qt.ItemDataRole.UserRole) in fids:
                t.selectRow(r)
        t.setSelectionMode(mode)

    def _selection_changed(self) -> None:
        fids = self.current_fids()
        self.show_history(fids[0] if len(fids) == 1 else None)

    def show_history(self, fid: int | None) -> None:
        table = self.ui.historyTable
        if fid is None or self.register is None:
            table.setRowCount(0)
            return
        rows = self.register.history(int(fid))
        table.setRowCount(len(rows))
        for r, h in enumerate(rows):
            if h["action"] == "create":
                change = tr("登记 → {stage}").format(stage=h["to_stage"])
            elif h["from_stage"] != h["to_stage"]:
                change = f"{h['from_stage']} → {h['to_stage']}"
            else:
                names = "、".join(h["changes"].keys())
                change = {"flag": tr("效能问责"), "referral": tr("移交纪委监委"), "edit": tr("直接编辑")}.get(
                    h["action"], tr("修改")) + (f"：{names}" if names and h["action"] != "flag" else "")
            values = {"event_date": h.get("event_date") or "", "change": change, "actor": h.get("actor") or "",
                      "note": h.get("note") or "",
                      "recorded_at": str(h.get("recorded_at") or "")[:19].replace("T", " ")}
            for c, (key, _h) in enumerate(HISTORY_COLUMNS):
                table.setItem(r, c, QTableWidgetItem(values[key]))
        table.resizeColumnsToContents()

    # -- actions -----------------------------------------------------------------------------------
    def advance_selected(self, target: str | None = None, date=None, actor: str | None = None, note: str = "",
                         fields: dict | None = None) -> bool:
        """Move the selected case(s) on.  Without ``target`` a dialog asks for stage/date/actor/note."""
        from ..liangwei_plugin.register import ConflictError, WorkflowError

        fids = self.current_fids()
        if self.register is None or not fids:
            self._message(Qgis.MessageLevel.Warning, tr("请先在列表中选择案件"))
            return False
        cases = {c["fid"]: c for c in self.cases}
        first = cases.get(fids[0]) or self.register.get_case(fids[0])
        ask = target is None
        typed: dict | None = None
        while True:
            if ask:
                dlg = AdvanceDialog(first, self.register.workflow, self)
                if typed is not None:
                    dlg.prefill(typed)
                if dlg.exec() != QDialog.DialogCode.Accepted:
                    return False
                typed = dlg.values()
                target, date, actor, note, fields = (typed["target"], typed["date"], typed["actor"], typed["note"],
                                                     typed["fields"])
                QgsSettings().setValue(ACTOR_KEY, actor)
            versions = {fid: cases[fid]["version"] for fid in fids if fid in cases}
            try:
                result = self.register.advance_many(fids, target, date, actor or "", note, fields or {},
                                                    atomic=True, expected_versions=versions)
            except ConflictError as exc:
                QMessageBox.warning(self, tr("并发冲突"), str(exc))
                self.refresh()
                return False
            except WorkflowError as exc:
                self._message(Qgis.MessageLevel.Critical, str(exc))
                if ask:  # say why and ask again with what was typed (the note is not lost)
                    QMessageBox.warning(self, tr("推进案件"), str(exc))
                    continue
                return False
            break
        if result.refused:
            self._message(Qgis.MessageLevel.Warning, "；".join(m for _, m in result.refused[:3]))
        if result.advanced:
            self._message(Qgis.MessageLevel.Success, tr("已转到“{stage}”：{n} 件").format(
                stage=target, n=len(result.advanced)))
        self.refresh()
        self._refresh_layers()
        return bool(result.advanced)

    def zoom_to_selected(self) -> bool:
        fids = self.current_fids()
        if self.register is None or not fids:
            return False
        geoms = []
        for fid in fids:
            wkb = self.register.get_case(int(fid), with_geometry=True).get("geom")
            if wkb:
                g = QgsGeometry()
                g.fromWkb(wkb)
                geoms.append(g)
        if not geoms:
            self._message(Qgis.MessageLevel.Warning, tr("所选案件没有图形"))
            return False
        geom = QgsGeometry.unaryUnion(geoms) if len(geoms) > 1 else geoms[0]
        canvas = self.iface.mapCanvas()
        src = QgsCoordinateReferenceSystem(f"EPSG:{self.register.srid}")
        dest = canvas.mapSettings().destinationCrs()
        if dest.isValid() and dest != src:
            geom.transform(QgsCoordinateTransform(src, dest, QgsProject.instance()))
        box = geom.boundingBox()
        pad = max(box.width(), box.height()) * 0.5
        if dest.isValid() and not dest.isGeographic():
            pad = max(pad, MIN_ZOOM_M)
        box.grow(pad)
        canvas.setExtent(box)
        canvas.refresh()
        for layer in self._register_layers():
            layer.selectByExpression(f'"fid" IN ({",".join(str(int(f)) for f in fids)})')
        return True

    def _register_layers(self) -> list[QgsVectorLayer]:
        if self.register is None:
            return []
        uri, provider = self.register.layer_uri()
        return [lyr for lyr in QgsProject.instance().mapLayers().values()
                if isinstance(lyr, QgsVectorLayer) and lyr.customProperty("liangwei/role") == "register"
                and lyr.customProperty("liangwei/register_uri") == uri]

    def _refresh_layers(self) -> None:
        for layer in self._register_layers():
            layer.dataProvider().reloadData()
            layer.triggerRepaint()

    def load_layer(self) -> QgsVectorLayer | None:
        """Add the register's ``cases`` table to the project, styled (red = overdue, grey = closed)."""
        if self.register is None:
            return None
        existing = self._register_layers()
        if existing:
            return existing[0]
        layer = register_layer(self.register)
        if layer is None:
            self._message(Qgis.MessageLevel.Critical, tr("无法加载台账图层"))
            return None
        from ..liangwei_plugin.onemap.results import place_output

        place_output(QgsProject.instance(), layer, "register")   # inside the one map's 案件台账 group
        return layer

    def closeEvent(self, event):  # noqa: N802
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self.register is not None:
            self.register.close()
            self.register = None


def register_layer(register) -> QgsVectorLayer | None:
    """The register's case table as a QGIS layer: role property, virtual ``overdue`` field, overdue style."""
    uri, provider = register.layer_uri()
    layer = QgsVectorLayer(uri, tr("案件台账"), provider)
    layer.featureCount()
    if not layer.isValid():
        logger.warning("无法加载台账图层：%s", uri)
        return None
    layer.setCustomProperty("liangwei/role", "register")
    layer.setCustomProperty("liangwei/register_uri", uri)
    # computed at display time, so it is always current (the navigator and styles read it)
    layer.addExpressionField('if("is_open" = 1 AND "stage_due" < to_date(now()), 1, 0)',
                             QgsField("overdue", QMetaType.Type.Int))
    from ..liangwei_plugin.register.model import COLUMN_LABELS

    for name, label in COLUMN_LABELS.items():
        idx = layer.fields().indexOf(name)
        if idx >= 0:
            layer.setFieldAlias(idx, tr(label))
    layer.setFieldAlias(layer.fields().indexOf("overdue"), tr("是否超期"))
    # cases by stage, overdue ones outlined red: the one map's shipped register style
    # (resources/styles/onemap_styles.toml [register]); the rule-based fallback if it cannot be read
    from ..liangwei_plugin.onemap.results import load_style_file
    from ..liangwei_plugin.paths import resource

    ok, message = load_style_file(layer, str(resource("styles", "register_polygon.qml")))
    if not ok:
        logger.warning("台账样式无法应用：%s", message)
        root = QgsRuleBasedRenderer.Rule(None)
        overdue = '"is_open" = 1 AND "stage_due" < to_date(now())'
        for label, expr, fill, outline in (
                (tr("超期"), overdue, "255,80,80,140", "200,0,0,255"),
                (tr("办理中"), f'"is_open" = 1 AND NOT ({overdue})', "255,190,60,110", "230,120,0,255"),
                (tr("已办结"), '"is_open" = 0', "160,160,160,80", "110,110,110,255")):
            symbol = QgsFillSymbol.createSimple({"color": fill, "outline_color": outline, "outline_width": "0.6"})
            root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, expr, label))
        layer.setRenderer(QgsRuleBasedRenderer(root))
    layer.setDisplayExpression('"case_no" || \' \' || coalesce("stage", \'\')')
    QgsExpressionContextUtils.setLayerVariable(layer, "liangwei_register", register.description)
    save_default_style(uri, provider, layer)
    return layer


def save_default_style(uri: str, provider: str, styled: QgsVectorLayer) -> bool:
    """Store the style in the register (table layer_styles) as its default, once, so the register looks
    the same when someone adds it to QGIS by hand (GeoPackage and PostGIS both support this).

    Saved through a throw-away layer: saving on the displayed layer before its provider has counted
    the features leaves the GeoPackage provider unable to count them (QGIS 3.22/GDAL 3.6)."""
    try:
        tmp = QgsVectorLayer(uri, "liangwei_style", provider)
        if not tmp.isValid():
            return False
        result = tmp.listStylesInDatabase()
        if result and result[0] > 0:
            return False
        tmp.featureCount()
        tmp.setRenderer(styled.renderer().clone())
        for i in range(tmp.fields().count()):
            j = styled.fields().indexOf(tmp.fields().at(i).name())
            if j >= 0 and styled.attributeAlias(j):
                tmp.setFieldAlias(i, styled.attributeAlias(j))
        tmp.setDisplayExpression(styled.displayExpression())
        tmp.saveStyleToDatabase("liangwei", tr("两违案件台账：超期标红、办理中橙色、已办结灰色"), True, "")
        return True
    except Exception:  # noqa: BLE001 - a read-only register still loads, just without a stored style
        logger.warning("无法在台账中保存默认样式")
        return False


class CaseRegisterComponent:
    """Menu/toolbar action "案件台账" toggling the dock."""

    def __init__(self, iface, menu, toolbar):
        self.iface = iface
        self.dock: CaseRegisterDock | None = None
        self.action = QAction(QIcon(icon_path("register.svg")), tr("案件台账"), iface.mainWindow())
        self.action.setObjectName("mLiangweiActionCaseRegister")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("打开案件台账：筛选、查看处置历史、推进阶段、超期标红"))
        self.action.toggled.connect(self.toggle)
        menu.addAction(self.action)
        toolbar.addAction(self.action)

    def toggle(self, checked: bool) -> None:
        if checked and self.dock is None:
            self.dock = CaseRegisterDock(self.iface)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._visibility_changed)
            from ..liangwei_plugin import session

            # the register of the settings (project, then profile), else the one opened last
            last = session.value("register") or QgsSettings().value(TARGET_KEY, "")
            if last and (not last.lower().endswith(".gpkg") or Path(last).exists()):
                self.dock.open_register(last)
        if self.dock is not None:
            self.dock.setVisible(checked)

    def _visibility_changed(self, visible: bool) -> None:
        if self.action.isChecked() != visible:
            self.action.blockSignals(True)
            self.action.setChecked(visible)
            self.action.blockSignals(False)

    def unload(self) -> None:
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        self.action.deleteLater()
