"""The review session in real QGIS desktop under Xvfb, on the sample county's one map: the grouped menu,
the patch navigator (opened on the county's patches, a patch found by its 监测编号, outlined without
fill), the automatic swipe on that patch with a vertical and then a horizontal divider, and the map tool
handed back when the swipe ends.  Screenshots of each step are kept in tests/artifacts/review_*.png for a
person to look at."""
from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest

from desktop_session import ask_to_quit, check_tools, desktop_env, launch_qgis, screenshot, start_xvfb, stop

pytestmark = pytest.mark.desktop

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
SHOTS = ("menu", "navigator", "swipe_vertical", "swipe_horizontal")

STARTUP = textwrap.dedent(
    r"""
    import json, os, traceback
    from qgis.core import QgsApplication, QgsProject
    from qgis.gui import QgsDockWidget
    from qgis.PyQt.QtCore import QPoint, QTimer
    from qgis.PyQt.QtWidgets import QAction, QApplication, QMenu
    from qgis.utils import iface

    OUT = os.environ["LIANGWEI_DESKTOP_OUT"]
    PROJECT = os.environ["LIANGWEI_PROJECT"]
    SEARCH = os.environ["LIANGWEI_SEARCH"]
    data = {"steps": [], "shot": None}
    state = {"queue": []}

    def write():
        with open(OUT + ".tmp", "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(OUT + ".tmp", OUT)

    def step(fn):
        def run():
            try:
                data["steps"].append(fn.__name__)
                fn()
            except Exception:
                data["error"] = traceback.format_exc()
                write()
        return run

    def ready_for_shot(name, then):
        # the test takes the screenshot, then touches OUT.<name>.done: go on with ``then``
        data["shot"] = name
        write()
        state["waiting"] = (name, then)

    def poll():
        if "waiting" in state:
            name, then = state["waiting"]
            if os.path.exists(OUT + "." + name + ".done"):
                del state["waiting"]
                QTimer.singleShot(50, then)
        if os.path.exists(OUT + ".quit"):
            QgsApplication.exit(0)

    def dock():
        return iface.mainWindow().findChild(QgsDockWidget, "mLiangweiPatchNavigatorDock")

    @step
    def open_project():
        # no window manager under Xvfb: showMaximized alone leaves a small window
        iface.mainWindow().showMaximized()
        iface.mainWindow().setGeometry(QApplication.primaryScreen().availableGeometry())
        iface.addProject(PROJECT)
        iface.actionPan().trigger()
        state["pan"] = iface.mapCanvas().mapTool()
        QTimer.singleShot(3000, show_menu)

    @step
    def show_menu():
        menu = [m for m in iface.mainWindow().findChildren(QMenu, "mLiangweiMenu") if m.menuAction().isVisible()][0]
        data["menu"] = [("---" + a.text()) if a.isSeparator() else a.text() for a in menu.actions()]
        bar = iface.mainWindow().menuBar()
        geom = bar.actionGeometry(menu.menuAction())
        menu.popup(bar.mapToGlobal(QPoint(geom.left(), geom.bottom())))
        state["menu"] = menu
        QTimer.singleShot(1200, lambda: ready_for_shot("menu", open_navigator))

    @step
    def open_navigator():
        state["menu"].hide()
        iface.mainWindow().findChild(QAction, "mLiangweiActionPatchNavigator").trigger()
        d = dock()
        d.setMinimumWidth(380)
        data["nav_layer"] = d.layer().name() if d.layer() else None
        data["nav_count"] = len(d.ids)
        d.ui.searchEdit.setText(SEARCH)
        data["found"] = d.search(SEARCH)
        data["nav_rows"] = d.summary_rows()
        layer = d.layer()
        props = layer.selectionProperties()
        data["selection_outline_only"] = props.selectionSymbol() is not None and \
            props.selectionSymbol().symbolLayer(0).brushStyle() == 0
        data["selected"] = [str(f["JCBH"]) for f in layer.selectedFeatures()]
        data["buttons"] = {"report": d.ui.reportButton.isEnabled(), "notice": d.ui.noticeButton.isEnabled(),
                           "zoom": d.ui.zoomButton.isEnabled()}
        QTimer.singleShot(2500, lambda: ready_for_shot("navigator", auto_swipe))

    @step
    def auto_swipe():
        d = dock()
        d.ui.autoSwipeCheck.setChecked(True)
        tool = iface.mapCanvas().mapTool()
        data["swipe_tool"] = type(tool).__name__
        state["swipe"] = tool
        data["vertical_fraction"] = getattr(tool, "fraction", None)
        QTimer.singleShot(3500, lambda: ready_for_shot("swipe_vertical", horizontal))

    @step
    def horizontal():
        action = iface.mainWindow().findChild(QAction, "mLiangweiActionSwipeHorizontal")
        action.trigger()
        data["horizontal"] = state["swipe"].horizontal
        QTimer.singleShot(2000, lambda: ready_for_shot("swipe_horizontal", swipe_off))

    @step
    def swipe_off():
        dock().ui.autoSwipeCheck.setChecked(False)
        iface.mainWindow().findChild(QAction, "mLiangweiActionSwipe").trigger()
        tool = iface.mapCanvas().mapTool()
        data["tool_after_swipe"] = type(tool).__name__ if tool else None
        data["handed_back"] = tool is state["pan"]
        data["done"] = True
        write()

    QTimer.singleShot(3000, open_project)
    _timer = QTimer()
    _timer.timeout.connect(poll)
    _timer.start(200)
    """
)


def _wait(out: Path, qgis, predicate, seconds: float = 90) -> dict:
    deadline = time.time() + seconds
    data: dict = {}
    while time.time() < deadline and qgis.poll() is None:
        if out.exists():
            data = json.loads(out.read_text(encoding="utf-8"))
            if "error" in data or predicate(data):
                return data
        time.sleep(0.3)
    return data


def test_review_session_menu_navigator_swipe(tmp_path, desktop_profile, artifacts_dir, qgis_app):
    if not (SAMPLE / "catalogue.toml").exists():
        pytest.skip("no sample county: run `make sample`")
    check_tools()
    from osgeo import ogr

    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    qgz = write_onemap_project(SAMPLE / "catalogue.toml", tmp_path / "onemap.qgz")
    ds = ogr.Open(str(SAMPLE / "patches.gpkg"))
    layer = ds.GetLayerByName("卫片图斑")
    largest = max(layer, key=lambda f: f.GetGeometryRef().GetArea())
    search = str(largest.GetField("JCBH"))
    ds = None
    for name in SHOTS:
        (artifacts_dir / f"review_{name}.png").unlink(missing_ok=True)
    out = tmp_path / "review.json"
    script = tmp_path / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    log = tmp_path / "qgis.log"
    xvfb, display = start_xvfb()
    qgis = None
    try:
        env = desktop_env(display, LIANGWEI_DESKTOP_OUT=str(out), LIANGWEI_PROJECT=str(qgz), LIANGWEI_SEARCH=search)
        qgis = launch_qgis(desktop_profile, script, env, log)
        for name in SHOTS:
            data = _wait(out, qgis, lambda d, n=name: d.get("shot") == n)
            assert "error" not in data, data.get("error")
            assert data.get("shot") == name, (name, data, log.read_text(errors="replace")[-3000:])
            screenshot(display, artifacts_dir / f"review_{name}.png")
            Path(f"{out}.{name}.done").touch()
        data = _wait(out, qgis, lambda d: d.get("done"))
        ask_to_quit(Path(f"{out}.quit"), qgis)
    finally:
        stop(qgis)
        stop(xvfb)
    assert "error" not in data, data.get("error")
    assert data.get("done"), data
    # the menu in groups, each under its heading
    headings = [e[3:] for e in data["menu"] if e.startswith("---")]
    assert headings == ["一张图", "审查", "文书", "台账", "设置/帮助"]
    # the navigator on the county's 160 patches (not the 8-patch extract), the patch searched for, outlined
    assert data["nav_layer"] == "卫片图斑" and data["nav_count"] == 160
    assert data["found"] and dict(data["nav_rows"])["监测编号"] == search
    assert data["selected"] == [search] and data["selection_outline_only"]
    # raw monitoring patches have no determination yet: no documents, zoom yes
    assert data["buttons"] == {"report": False, "notice": False, "zoom": True}
    # the automatic swipe follows the patch; horizontal divider; the pan tool comes back afterwards
    assert data["swipe_tool"] == "SwipeMapTool" and data["vertical_fraction"] == pytest.approx(0.5)
    assert data["horizontal"] is True
    assert data["handed_back"], data["tool_after_swipe"]
    for name in SHOTS:
        assert (artifacts_dir / f"review_{name}.png").stat().st_size > 10_000
