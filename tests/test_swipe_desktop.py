"""Swipe comparison in real QGIS desktop under Xvfb.

A one map is built from the test county (three epochs of distinct colours); QGIS starts with the
plugin enabled in a fresh profile, opens the project, activates the swipe tool with its keyboard
shortcut Ctrl+Alt+W, drags the divider to the middle and grabs the canvas.
The startup script also renders the same view twice with plain QgsMapSettings — once with the
after epoch, once with the before epoch in its place — without using the plugin's code; the test
checks that the left half of the canvas matches the before rendering and the right half the after
rendering.  Screenshots are kept in tests/artifacts/ (swipe_desktop_*.png).
"""
from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
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
from test_onemap import EPOCHS, X0, Y0, make_small_county

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parent.parent

STARTUP = textwrap.dedent(
    r"""
    import json, os, traceback
    from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,
                           QgsRasterLayer, QgsRectangle)
    from qgis.PyQt.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
    from qgis.PyQt.QtGui import QColor, QMouseEvent
    from qgis.PyQt.QtTest import QTest
    from qgis.PyQt.QtWidgets import QAction, QApplication
    from qgis.utils import iface

    OUT = os.environ["LIANGWEI_DESKTOP_OUT"]
    ART = os.environ["LIANGWEI_ARTIFACTS"]
    PROJECT = os.environ["LIANGWEI_PROJECT"]
    EXTENT = [float(v) for v in os.environ["LIANGWEI_EXTENT"].split(",")]
    PREFIX = os.environ.get("LIANGWEI_PREFIX", "swipe_desktop")
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

    def render(settings, path):
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        image.save(path)

    @guarded
    def open_project():
        iface.mainWindow().showMaximized()
        iface.addProject(PROJECT)
        QTimer.singleShot(2500, zoom)

    @guarded
    def zoom():
        canvas = iface.mapCanvas()
        e = canvas.extent()
        data["initial_extent"] = [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()]
        data["initial_crs"] = canvas.mapSettings().destinationCrs().authid()
        canvas.setExtent(QgsRectangle(*EXTENT))
        canvas.refresh()
        QTimer.singleShot(2500, activate)

    @guarded
    def activate():
        canvas = iface.mapCanvas()
        action = iface.mainWindow().findChild(QAction, "mLiangweiActionSwipe")
        data["action_found"] = action is not None
        data["shortcut"] = action.shortcut().toString() if action else None
        # no window manager under Xvfb: make the main window the active one for shortcuts
        QApplication.setActiveWindow(iface.mainWindow())
        canvas.setFocus()
        QApplication.processEvents()
        QTest.keyClick(canvas, Qt.Key_W, Qt.ControlModifier | Qt.AltModifier)
        QApplication.processEvents()
        data["shortcut_activated"] = bool(action and action.isChecked())
        data["active_window"] = QApplication.activeWindow() is iface.mainWindow()
        data["same_shortcut"] = [a.objectName() or a.text() for a in iface.mainWindow().findChildren(QAction)
                                 if action and a.shortcut() == action.shortcut()]
        if action and not action.isChecked():
            action.trigger()
        tool = canvas.mapTool()
        data["tool"] = type(tool).__name__ if tool else None
        state["tool"] = tool
        QTimer.singleShot(1000, drag)

    @guarded
    def drag():
        canvas = iface.mapCanvas()
        vp = canvas.viewport()
        y = vp.height() // 2
        start, end = QPoint(vp.width() // 4, y), QPoint(vp.width() // 2, y)
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
        for x in range(start.x(), end.x() + 1, 20):
            move = QMouseEvent(QEvent.MouseMove, QPointF(x, y), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
            QApplication.sendEvent(vp, move)
        move = QMouseEvent(QEvent.MouseMove, QPointF(end), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(vp, move)
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, end)
        tool = state["tool"]
        data["fraction"] = getattr(tool, "fraction", None)
        data["before"] = tool.before.name() if getattr(tool, "before", None) else None
        data["after"] = tool.after.name() if getattr(tool, "after", None) else None
        state["waited"] = 0
        QTimer.singleShot(500, wait_rendered)

    @guarded
    def wait_rendered():
        canvas = iface.mapCanvas()
        tool = state["tool"]
        busy = canvas.isDrawing() or (hasattr(tool, "is_rendering") and tool.is_rendering()) \
            or getattr(getattr(tool, "item", None), "image", None) is None
        if busy and state["waited"] < 40:
            state["waited"] += 1
            QTimer.singleShot(250, wait_rendered)
            return
        QTimer.singleShot(800, grab)

    @guarded
    def grab():
        canvas = iface.mapCanvas()
        canvas.viewport().grab().save(os.path.join(ART, PREFIX + "_canvas.png"))
        # independent renderings of the same view: the canvas's own layers (after epoch) and the
        # same list with the before epoch put in the after epoch's place
        tool = state["tool"]
        settings = QgsMapSettings(canvas.mapSettings())
        render(settings, os.path.join(ART, PREFIX + "_expected_after.png"))
        layers = [tool.before if l.id() == tool.after.id() else l for l in canvas.layers()]
        settings.setLayers(layers)
        render(settings, os.path.join(ART, PREFIX + "_expected_before.png"))
        data["canvas_layers"] = [l.name() for l in canvas.layers()]
        data["output_size"] = [settings.outputSize().width(), settings.outputSize().height()]
        data["done"] = True
        write()

    @guarded
    def navigator():
        # phase 2 (after the test took its screenshot): swipe off, patch navigator on, two steps
        from qgis.gui import QgsDockWidget

        swipe = iface.mainWindow().findChild(QAction, "mLiangweiActionSwipe")
        swipe.trigger()
        data["swipe_off"] = not swipe.isChecked() and iface.mapCanvas().mapTool() is not state["tool"]
        data["swipe_item_removed"] = state["tool"].item is None
        action = iface.mainWindow().findChild(QAction, "mLiangweiActionPatchNavigator")
        action.trigger()
        dock = iface.mainWindow().findChild(QgsDockWidget, "mLiangweiPatchNavigatorDock")
        dock.next()
        dock.next()
        data["nav_layer"] = dock.layer().name() if dock.layer() else None
        data["nav_count"] = len(dock.ids)
        data["nav_rows"] = dock.summary_rows()
        feature = dock.current_feature()
        box = feature.geometry().boundingBox()
        extent = iface.mapCanvas().extent()
        data["nav_patch_in_view"] = extent.contains(box)
        data["nav_view"] = [extent.width(), box.width()]
        data["nav_done"] = True
        write()

    def maybe_quit():
        if os.path.exists(OUT + ".next") and "nav" not in state:
            state["nav"] = True
            QTimer.singleShot(10, navigator)
        if os.path.exists(OUT + ".quit"):
            QgsApplication.exit(0)

    QTimer.singleShot(3000, open_project)
    _quit_timer = QTimer()
    _quit_timer.timeout.connect(maybe_quit)
    _quit_timer.start(300)
    """
)





def _array(path: Path) -> np.ndarray:
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format_RGB32)
    ptr = image.constBits()
    ptr.setsize(image.height() * image.bytesPerLine())
    arr = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return arr[:, : image.width(), :3].astype(np.int16).copy()


@pytest.fixture
def onemap_project(tmp_path, qgis_app) -> Path:
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    catalogue = make_small_county(tmp_path / "county")
    return write_onemap_project(catalogue, catalogue.parent / "onemap.qgz")




def run_session(tmp_path: Path, project: Path, extent: str, profile: Path, artifacts: Path, prefix: str,
                navigator_shot: str | None = None) -> dict:
    """Start QGIS on ``project`` under Xvfb, run the startup script, keep screenshots; the JSON."""
    check_tools()
    for old in artifacts.glob(f"{prefix}_*.png"):
        old.unlink()
    out = tmp_path / "swipe.json"
    script = tmp_path / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    xvfb, display = start_xvfb()
    qgis = None
    log = tmp_path / "qgis.log"
    try:
        env = desktop_env(display, LIANGWEI_DESKTOP_OUT=str(out), LIANGWEI_ARTIFACTS=str(artifacts),
                          LIANGWEI_PROJECT=str(project), LIANGWEI_EXTENT=extent, LIANGWEI_PREFIX=prefix)
        qgis = launch_qgis(profile, script, env, log)
        wait_for_report(out, qgis, log)
        screenshot(display, artifacts / f"{prefix}_screen.png")
        if navigator_shot:
            (tmp_path / "swipe.json.next").touch()
            deadline = time.time() + 30
            while time.time() < deadline and qgis.poll() is None:
                state = json.loads(out.read_text(encoding="utf-8"))
                if state.get("nav_done") or "error" in state:
                    break
                time.sleep(0.3)
            time.sleep(1.5)  # let the dock and the zoomed canvas paint
            screenshot(display, artifacts / navigator_shot)
        ask_to_quit(tmp_path / "swipe.json.quit", qgis)
    finally:
        stop(qgis)
        stop(xvfb)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in data, data.get("error")
    assert data.get("done"), data
    return data


def _halves(artifacts: Path, prefix: str, fraction: float, margin: int = 20):
    """(canvas, expected before, expected after) arrays and the left/right regions."""
    canvas = _array(artifacts / f"{prefix}_canvas.png")
    before = _array(artifacts / f"{prefix}_expected_before.png")
    after = _array(artifacts / f"{prefix}_expected_after.png")
    h = min(canvas.shape[0], before.shape[0], after.shape[0])
    w = min(canvas.shape[1], before.shape[1], after.shape[1])
    canvas, before, after = canvas[:h, :w], before[:h, :w], after[:h, :w]
    mid = int(round(fraction * w))
    return canvas, before, after, np.s_[:, : mid - margin], np.s_[:, mid + margin:]


def _diff(a, b, region) -> float:
    return float(np.abs(a[region] - b[region]).mean())


def test_swipe_halves_show_different_epochs(tmp_path, onemap_project, desktop_profile, artifacts_dir):
    # a view over part of the county: imagery with the one map's overlays on top
    extent = f"{X0 + 500},{Y0 + 300},{X0 + 3500},{Y0 + 2700}"
    data = run_session(tmp_path, onemap_project, extent, desktop_profile, artifacts_dir, "swipe_desktop",
                       navigator_shot="navigator_desktop_screen.png")
    # the project opens on the whole county (the default view stored by the builder), in its CRS
    assert data["initial_crs"] == "EPSG:4527"
    ix0, iy0, ix1, iy1 = data["initial_extent"]
    assert ix0 <= X0 + 1 and iy0 <= Y0 + 1 and ix1 >= X0 + 3999 and iy1 >= Y0 + 2999
    assert (ix1 - ix0) < 3 * 4000  # … and not zoomed far out
    # the keyboard shortcut (no other QGIS action has it) switched the swipe tool on
    assert data["action_found"] and data["shortcut"] == "Ctrl+Alt+W"
    assert data["same_shortcut"] == ["mLiangweiActionSwipe"] and data["active_window"]
    assert data["shortcut_activated"]
    assert data["tool"] == "SwipeMapTool"
    newest = sorted(EPOCHS, reverse=True)
    assert data["after"] == f"影像 {newest[0][0]}" and data["before"] == f"影像 {newest[1][0]}"
    assert data["fraction"] == pytest.approx(0.5, abs=0.02)

    canvas, before, after, left, right = _halves(artifacts_dir, "swipe_desktop", data["fraction"])
    diff = _diff
    # the two epochs really differ in this view
    assert diff(before, after, left) > 40 and diff(before, after, right) > 40
    # left of the divider: the before epoch; right: the after epoch (pixel-aligned: mean error < 1)
    assert diff(canvas, before, left) < 1, diff(canvas, before, left)
    assert diff(canvas, after, right) < 1, diff(canvas, after, right)
    assert diff(canvas, after, left) > 40 and diff(canvas, before, right) > 40
    assert (artifacts_dir / "swipe_desktop_screen.png").stat().st_size > 10_000

    # patch navigator in the same session: the one map's patch layer, third patch by JCBH,
    # its case stage from the register, zoomed to it with a margin; swipe item gone
    assert data["swipe_off"] and data["swipe_item_removed"]
    assert data.get("nav_done"), data
    assert data["nav_layer"] == "卫片图斑" and data["nav_count"] == 6
    rows = dict(data["nav_rows"])
    assert rows["监测编号"] == "35062720250002"
    assert rows["案件阶段"] == "拆除整治"  # the register's third case (i = 2, not overdue)
    assert data["nav_patch_in_view"] and data["nav_view"][0] >= 1.5 * data["nav_view"][1] - 1e-6


def _sample_dir() -> Path | None:
    for candidate in (os.environ.get("LIANGWEI_SAMPLE_DIR"), str(ROOT / "sample")):
        if candidate and (Path(candidate) / "catalogue.toml").exists() and list(Path(candidate).glob("imagery/*.tif")):
            return Path(candidate)
    return None


@pytest.mark.slow
def test_swipe_on_sample_county(tmp_path, desktop_profile, artifacts_dir, qgis_app):
    """The same on the sample county's real epochs, zoomed to a monitoring patch (new building):
    left of the divider matches the before rendering better than the after one, and vice versa."""
    sample = _sample_dir()
    if sample is None:
        pytest.skip("no sample county: run `make sample` (or set LIANGWEI_SAMPLE_DIR)")
    from osgeo import ogr

    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    qgz = write_onemap_project(sample / "catalogue.toml", tmp_path / "onemap.qgz")
    # a close view centred on the largest monitoring patch: the divider cuts through the new building
    ds = ogr.Open(str(sample / "patches.gpkg"))
    layer = ds.GetLayerByName("卫片图斑")
    largest = max(layer, key=lambda f: f.GetGeometryRef().GetArea())
    x0, x1, y0, y1 = largest.GetGeometryRef().GetEnvelope()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) * 1.5
    extent = f"{cx - half},{cy - half * 0.65},{cx + half},{cy + half * 0.65}"
    data = run_session(tmp_path, qgz, extent, desktop_profile, artifacts_dir, "swipe_sample")
    assert data["tool"] == "SwipeMapTool" and data["before"] != data["after"]
    canvas, before, after, left, right = _halves(artifacts_dir, "swipe_sample", data["fraction"])
    # the epochs differ only where the building is new, so compare against both renderings
    assert _diff(canvas, before, left) < 0.25 * _diff(canvas, after, left)
    assert _diff(canvas, after, right) < 0.25 * _diff(canvas, before, right)
    assert _diff(canvas, before, left) < 1 and _diff(canvas, after, right) < 1
