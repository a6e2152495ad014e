"""The field package in real QGIS desktop under Xvfb: the 外业核查 form of one patch, then its 照片 tab.

What QField shows is built from the same project settings (the drag-and-drop form, value maps, the
attachment widget, the relation); QField itself is not run here.  Screenshots:
tests/artifacts/fieldwork_form_screen.png and fieldwork_form_photos_screen.png.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
import time
from pathlib import Path

import pytest

from desktop_session import (
    ask_to_quit,
    check_tools,
    desktop_env,
    launch_qgis,
    screenshot,
    start_xvfb,
    stop,
    wait_for_report,
)

pytestmark = pytest.mark.desktop
ROOT = Path(__file__).resolve().parent.parent

STARTUP = textwrap.dedent(
    r"""
    import json, os, traceback
    from qgis.core import QgsApplication, QgsFeatureRequest, QgsProject
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QApplication, QTabWidget
    from qgis.utils import iface

    OUT = os.environ["LIANGWEI_DESKTOP_OUT"]
    PROJECT = os.environ["LIANGWEI_PROJECT"]
    JCBH = os.environ["LIANGWEI_JCBH"]
    data = {"steps": []}
    state = {}

    def write():
        with open(OUT + ".tmp", "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(OUT + ".tmp", OUT)

    def guarded(fn):
        def run():
            try:
                data["steps"].append(fn.__name__)
                fn()
            except Exception:
                data["error"] = traceback.format_exc()
                write()
        return run

    @guarded
    def open_project():
        iface.mainWindow().showMaximized()
        iface.addProject(PROJECT)
        QTimer.singleShot(2500, open_form)

    @guarded
    def open_form():
        project = QgsProject.instance()
        data["layers"] = {l.name(): l.isValid() for l in project.mapLayers().values()}
        layer = project.mapLayersByName("外业核查")[0]
        feature = next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(f'"JCBH" = \'{JCBH}\'')))
        iface.setActiveLayer(layer)
        iface.mapCanvas().setExtent(feature.geometry().boundingBox().buffered(80))
        iface.mapCanvas().refresh()
        layer.startEditing()
        dialog = iface.getFeatureForm(layer, feature)
        dialog.setMode(dialog.attributeForm().mode())
        dialog.resize(560, 640)
        dialog.move(60, 120)
        dialog.show()
        state["dialog"] = dialog
        tabs = dialog.findChildren(QTabWidget)
        data["tabs"] = [[t.tabText(i) for i in range(t.count())] for t in tabs]
        form = dialog.attributeForm()
        data["values"] = {n: (str(feature[n]) if feature[n] is not None else None)
                          for n in ("JCBH", "HCJL", "HCR")}
        data["form_ok"] = form is not None
        QTimer.singleShot(2000, shown)

    @guarded
    def shown():
        data["done"] = True
        write()

    @guarded
    def photos_tab():
        dialog = state["dialog"]
        for t in dialog.findChildren(QTabWidget):
            for i in range(t.count()):
                if t.tabText(i) == "照片":
                    t.setCurrentIndex(i)
        QApplication.processEvents()
        bar = iface.messageBar().currentItem()
        data["message_bar"] = (bar.title() + " " + bar.text()) if bar else ""
        data["photos_done"] = True
        write()

    def maybe_quit():
        if os.path.exists(OUT + ".next") and "photos" not in state:
            state["photos"] = True
            QTimer.singleShot(10, photos_tab)
        if os.path.exists(OUT + ".quit"):
            if "dialog" in state:
                state.pop("dialog").close()
            layer = QgsProject.instance().mapLayersByName("外业核查")
            if layer:
                layer[0].rollBack()
            QApplication.processEvents()
            QgsApplication.exit(0)

    QTimer.singleShot(3000, open_project)
    _quit_timer = QTimer()
    _quit_timer.timeout.connect(maybe_quit)
    _quit_timer.start(300)
    """
)


def _package(tmp_path: Path) -> tuple[Path, str]:
    """A field package of a few sample patches, one row filled and one photo attached."""
    from qgis.core import QgsFeature, QgsVectorLayer

    from liangwei.liangwei_plugin.fieldwork.exif import build_exif, insert_exif
    from liangwei.liangwei_plugin.fieldwork.package import catalogue_inputs, export_field_package

    sample = ROOT / "sample"
    if not (sample / "catalogue.toml").exists():
        pytest.skip("sample county missing (make sample)")
    base, epochs = catalogue_inputs(sample / "catalogue.toml")
    patches = QgsVectorLayer(f"{sample / 'patches.gpkg'}|layername=卫片图斑", "卫片图斑", "ogr")
    result = export_field_package(patches, "JCBH", tmp_path / "外业核查包", township="城关镇", epochs=epochs,
                                  base_layers=base)
    jcbh = result.patches[0]
    layer = QgsVectorLayer(f"{result.folder / '外业核查.gpkg'}|layername=外业核查", "外业核查", "ogr")
    feature = next(f for f in layer.getFeatures() if f["JCBH"] == jcbh)
    layer.startEditing()
    for name, value in (("HCJL", "非农违法"), ("HCSM", "新建钢结构厂房一栋，未见用地批文"), ("XZLX", "新增"),
                        ("XMZT", "云溪某机械有限公司"), ("HCR", "张三"), ("HCSJ", "2026-11-20T10:00:00")):
        layer.changeAttributeValue(feature.id(), layer.fields().indexOf(name), value)
    assert layer.commitChanges()
    from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice
    from qgis.PyQt.QtGui import QColor, QImage

    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#7a9a5a"))
    buf = QByteArray()
    device = QBuffer(buf)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(device, "JPG")
    photo = result.folder / "DCIM" / f"{jcbh}_1.jpg"
    photo.write_bytes(insert_exif(bytes(buf), build_exif(24.83, 116.77, dt.datetime(2026, 11, 20, 10, 5), 45.0)))
    table = QgsVectorLayer(f"{result.folder / '外业核查.gpkg'}|layername=核查照片", "核查照片", "ogr")
    table.startEditing()
    f = QgsFeature(table.fields())
    f["JCBH"] = jcbh
    f["ZP"] = f"DCIM/{jcbh}_1.jpg"
    table.addFeature(f)
    assert table.commitChanges()
    return result.project, jcbh


def test_field_form_in_desktop(tmp_path, desktop_profile, artifacts_dir, qgis_app):
    check_tools()
    project, jcbh = _package(tmp_path)
    out = tmp_path / "form.json"
    script = tmp_path / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    xvfb, display = start_xvfb()
    qgis = None
    log = tmp_path / "qgis.log"
    try:
        env = desktop_env(display, LIANGWEI_DESKTOP_OUT=str(out), LIANGWEI_PROJECT=str(project), LIANGWEI_JCBH=jcbh)
        qgis = launch_qgis(desktop_profile, script, env, log)
        wait_for_report(out, qgis, log)
        screenshot(display, artifacts_dir / "fieldwork_form_screen.png")
        (tmp_path / "form.json.next").touch()
        deadline = time.time() + 30
        while time.time() < deadline and qgis.poll() is None:
            if json.loads(out.read_text(encoding="utf-8")).get("photos_done"):
                break
            time.sleep(0.3)
        time.sleep(1.5)
        screenshot(display, artifacts_dir / "fieldwork_form_photos_screen.png")
        ask_to_quit(tmp_path / "form.json.quit", qgis)
    finally:
        stop(qgis)
        stop(xvfb)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in data, data.get("error")
    assert data.get("done") and data.get("photos_done"), data
    assert all(data["layers"].values()), data["layers"]
    assert ["核查", "照片"] in data["tabs"], data["tabs"]
    assert data["values"] == {"JCBH": jcbh, "HCJL": "非农违法", "HCR": "张三"}
    shutil.copy(project, artifacts_dir / "fieldwork_project.qgz")
