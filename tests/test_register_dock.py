"""The case register dock with pytest-qgis's iface: loads, lists a small register, filters, shows the
history, advances a case, zooms to it, loads the styled layer; overdue rows are red."""
from __future__ import annotations

import datetime as dt

import pytest
import shapely
from shapely.geometry import box


@pytest.fixture
def small_register(tmp_path):
    from liangwei.liangwei_plugin.register import Register

    path = tmp_path / "台账.gpkg"
    with Register(str(path)) as reg:
        recs = []
        for i, town in enumerate(["城关镇", "城关镇", "溪口镇", "溪口镇"]):
            x = 39_500_000 + 1000 * i
            recs.append(dict(patch_id=f"P{i}", violation=1, township=town, village="东山村", party=f"户{i}",
                             area_m2=400.0, farmland_m2=100.0,
                             geom=shapely.to_wkb(box(x, 2_800_000, x + 20, 2_800_020))))
        reg.register_cases(recs[:2], found_date="2026-11-01", actor="甲")   # 认定 due 11-03
        reg.register_cases(recs[2:], found_date="2026-11-09", actor="甲")   # 认定 due 11-11
    return str(path)


def test_dock_lists_filters_advances_and_zooms(small_register, qgis_iface, qgis_new_project, artifacts_dir):
    from qgis.core import QgsCoordinateReferenceSystem, QgsProject
    from qgis.PyQt.QtWidgets import QMenu, QToolBar

    from liangwei.gui.case_register_dock import OVERDUE_COLOR, CaseRegisterComponent, CaseRegisterDock

    menu, toolbar = QMenu(), QToolBar()
    component = CaseRegisterComponent(qgis_iface, menu, toolbar)
    assert component.action in menu.actions()
    dock = CaseRegisterDock(qgis_iface)
    dock.as_of = dt.date(2026, 11, 10)
    assert dock.open_register(small_register)
    assert dock.ui.casesTable.rowCount() == 4
    # the two cases found 11-01 are overdue on 11-10; the two found 11-09 are not
    overdue_nos = {dock.ui.casesTable.item(r, 0).text() for r in dock.overdue_rows()}
    assert overdue_nos == {"LW2026-000001", "LW2026-000002"}
    assert dock.ui.casesTable.item(dock.overdue_rows()[0], 0).background().color() == OVERDUE_COLOR
    assert "超期 2 件" in dock.ui.statusLabel.text()

    dock.set_filters(overdue=True)
    assert dock.ui.casesTable.rowCount() == 2
    dock.set_filters(township="溪口镇")
    assert dock.ui.casesTable.rowCount() == 2 and not dock.overdue_rows()
    dock.set_filters(text="户3")
    assert [dock.ui.casesTable.item(r, 1).text() for r in range(dock.ui.casesTable.rowCount())] == ["P3"]

    dock.set_filters()
    fid = next(f for f in dock.row_fids() if dock.register.get_case(f)["patch_id"] == "P0")
    dock.select_fids([fid])
    assert dock.ui.historyTable.rowCount() == 1
    assert dock.advance_selected("拆除整治", dt.date(2026, 11, 10), "国土所", "认定违法")
    dock.select_fids([fid])
    assert dock.ui.historyTable.rowCount() == 2
    assert dock.ui.historyTable.item(1, 1).text() == "快速认定 → 拆除整治"
    assert dock.ui.historyTable.item(1, 2).text() == "国土所"
    # an illegal move is refused with a message, nothing written
    from qgis.core import Qgis

    assert not dock.advance_selected("办结", dt.date(2026, 11, 10), "国土所", "")
    assert any("不能直接转到“办结”" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))
    assert dock.register.get_case(fid)["version"] == 2

    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4527"))
    dock.select_fids([fid])
    assert dock.zoom_to_selected()
    extent = canvas.extent()
    assert extent.contains(39_500_010, 2_800_010) and extent.width() < 1000

    dock.set_filters()
    dock.resize(520, 700)
    dock.grab().save(str(artifacts_dir / "case_register_dock.png"))

    layer = dock.load_layer()
    assert layer is not None and layer.featureCount() == 4
    assert layer in QgsProject.instance().mapLayers().values()
    assert layer.fields().indexOf("overdue") >= 0
    assert layer.listStylesInDatabase()[0] == 1        # stored as the register's default style
    from qgis.core import QgsVectorLayer

    plain = QgsVectorLayer(small_register + "|layername=cases", "by hand", "ogr")
    assert plain.renderer().type() == "RuleRenderer"    # a layer added by hand gets that style
    dock.shutdown()
    component.unload()


def test_plugin_component_registered():
    from liangwei.gui.plugin import COMPONENTS

    assert ("case_register_dock", "CaseRegisterComponent") in COMPONENTS


def test_advance_dialog_values(qgis_iface):
    from liangwei.gui.case_register_dock import AdvanceDialog
    from liangwei.liangwei_plugin.register import default_workflow

    case = {"case_no": "LW2026-000009", "stage": "快速认定", "violation": 1, "area_m2": 120.0}
    dlg = AdvanceDialog(case, default_workflow())
    assert dlg.target.currentData() == "拆除整治"          # the usual next stage of a violation
    dlg.target.setCurrentIndex(dlg.target.findData("办结"))
    dlg.note.setPlainText("设施农用地备案")
    v = dlg.values()
    assert v["target"] == "办结" and v["fields"] == {"violation": 0} and v["note"] == "设施农用地备案"
    dlg = AdvanceDialog(dict(case, stage="拆除整治"), default_workflow())
    dlg.disposal.setCurrentIndex(dlg.disposal.findData("拆除"))
    assert dlg.values()["fields"] == {"disposal_kind": "拆除", "demolished_m2": 120.0}
    assert dlg.values()["target"] == "监督检查"


def test_advance_dialog_labels_go_with_fields_and_note_kept_without_actor(qgis_iface, monkeypatch):
    from qgis.gui import QgsDateEdit
    from qgis.PyQt.QtWidgets import QDialog, QMessageBox

    from liangwei.gui.case_register_dock import AdvanceDialog
    from liangwei.liangwei_plugin.register import default_workflow

    case = {"case_no": "LW2026-000009", "stage": "快速认定", "violation": 1, "area_m2": 120.0}
    dlg = AdvanceDialog(case, default_workflow())
    # 处置方式 / 拆除面积 hidden here: their labels are hidden with them
    for widget in (dlg.disposal, dlg.demolished):
        assert widget.isHidden() and dlg.form.labelForField(widget).isHidden()
    dlg2 = AdvanceDialog(dict(case, stage="拆除整治"), default_workflow())
    assert not dlg2.form.labelForField(dlg2.disposal).isHidden()
    assert isinstance(dlg.date, QgsDateEdit)  # QGIS's date widget
    # OK without an actor: a message, the dialog stays open with the note typed
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    dlg.actor.setText("")
    dlg.note.setPlainText("现场核实：已停工")
    dlg.accept()
    assert warnings and dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.note.toPlainText() == "现场核实：已停工"
    dlg.actor.setText("国土所")
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    # what was typed can be put back into a new dialog
    again = AdvanceDialog(case, default_workflow())
    again.prefill(dlg.values())
    assert again.note.toPlainText() == "现场核实：已停工" and again.actor.text() == "国土所"


def test_register_path_is_a_file_widget(qgis_iface):
    from qgis.gui import QgsFileWidget

    from liangwei.gui.case_register_dock import CaseRegisterDock

    dock = CaseRegisterDock(qgis_iface)
    try:
        assert isinstance(dock.ui.registerFile, QgsFileWidget)
        assert dock.ui.registerEdit is dock.ui.registerFile.lineEdit()
    finally:
        dock.shutdown()
        dock.deleteLater()
