"""The review session holding together in real QGIS desktop under Xvfb, on the sample county's one map:
the settings dialog (register, working folder) from the menu, every algorithm dialog from the menu opened
pre-filled from the layer roles, 审查本图 run from its dialog with its one summary, the results in the one
map's groups afterwards, the last choice remembered, and 加载一张图 a second time updating instead of
duplicating.  Screenshots of each dialog and of the layer tree go to tests/artifacts/session_*.png."""
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
DIALOGS = ("overlaycheck", "batchreview", "reviewmap")                      # before the review
AFTER = ("determine", "farmlandratio", "exportreports", "registercases")   # on its results

STARTUP = textwrap.dedent(
    r"""
    import json, os, traceback
    from qgis.core import QgsApplication, QgsProject, QgsProcessingFeatureSourceDefinition
    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QAction, QApplication, QDialog, QMessageBox, QDockWidget

    from qgis.utils import iface

    OUT = os.environ["LIANGWEI_DESKTOP_OUT"]
    PROJECT = os.environ["LIANGWEI_PROJECT"]
    WORK = os.environ["LIANGWEI_WORK"]
    REGISTER = os.environ["LIANGWEI_REGISTER"]
    CATALOGUE = os.environ["LIANGWEI_CATALOGUE"]
    DIALOGS = os.environ["LIANGWEI_DIALOGS"].split(",")
    AFTER = os.environ["LIANGWEI_AFTER"].split(",")
    import faulthandler, signal
    _stack_file = open(OUT + ".stack", "w")
    faulthandler.register(signal.SIGUSR1, file=_stack_file, all_threads=True)   # where a hang is, on demand
    data = {"steps": [], "shot": None, "dialogs": {}, "log": []}
    state = {}

    def logged(message, tag, level):
        if level >= 2 or tag == "Python error":   # warnings and errors of QGIS's log, for the report
            data["log"].append([tag, message[:3000]])
    QgsApplication.messageLog().messageReceived.connect(logged)

    import sys
    def excepthook(kind, value, tb):
        # an exception in a slot of the plugin: recorded and failed on, not shown in QGIS's modal stack dialog
        data["error"] = "".join(traceback.format_exception(kind, value, tb))
        write()
    sys.excepthook = excepthook

    def write():
        with open(OUT + ".tmp", "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, default=str)
        os.replace(OUT + ".tmp", OUT)

    def step(fn):
        def run(*args):
            try:
                data["steps"].append(fn.__name__)
                write()
                fn(*args)
            except Exception:
                data["error"] = traceback.format_exc()
                write()
        return run

    def ready_for_shot(name, then):
        data["shot"] = name
        write()
        state["waiting"] = (name, then)

    def poll():
        try:
            _poll()
        except Exception:
            data["error"] = "poll: " + traceback.format_exc()
            write()

    def _poll():
        if "waiting" in state:
            name, then = state["waiting"]
            if os.path.exists(OUT + "." + name + ".done"):
                del state["waiting"]
                QTimer.singleShot(50, then)
        if os.path.exists(OUT + ".quit"):
            QgsApplication.exit(0)

    def visible_dialog(name):
        shown = [d for d in iface.mainWindow().findChildren(QDialog, name) if d.isVisible()]
        return shown[-1] if shown else None

    def action(name):
        return iface.mainWindow().findChild(QAction, name)

    def names(value):
        # layer ids -> layer names, so the test can compare with what a person sees
        project = QgsProject.instance()
        if isinstance(value, list):
            return [names(v) for v in value]
        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            value = value.source.staticValue()
        if hasattr(value, "sink"):
            value = value.sink.staticValue()
        if isinstance(value, str) and project.mapLayer(value) is not None:
            return project.mapLayer(value).name()
        by_source = [lyr.name() for lyr in project.mapLayers().values() if isinstance(value, str) and
                     lyr.source() == value]
        if by_source:
            return by_source[0]
        return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)

    def tree():
        def walk(node):
            out = []
            for child in node.children():
                if child.nodeType() == 0:      # group
                    out.append({"group": child.name(), "children": walk(child)})
                else:
                    out.append(child.name())
            return out
        return walk(QgsProject.instance().layerTreeRoot())

    def settle(dialog):
        dialog.resize(900, 760)
        dialog.move(260, 60)
        dialog.raise_()
        dialog.activateWindow()

    @step
    def open_project():
        iface.mainWindow().showMaximized()
        iface.mainWindow().setGeometry(QApplication.primaryScreen().availableGeometry())
        iface.addProject(PROJECT)
        data["layers_before"] = len(QgsProject.instance().mapLayers())
        QTimer.singleShot(3000, open_settings)

    @step
    def open_settings():
        action("mLiangweiActionSettings").trigger()
        dialog = iface.mainWindow().findChild(QDialog, "mLiangweiSettingsDialog")
        state["settings"] = dialog
        dialog.gpkgRadio.setChecked(True)
        dialog.gpkgWidget.setFilePath(REGISTER)
        dialog.folderWidget.setFilePath(WORK)
        dialog.profileCheck.setChecked(False)
        data["authorities"] = [dialog.authorityCombo.itemText(i) for i in range(dialog.authorityCombo.count())]
        settle(dialog)
        dialog.resize(640, 520)
        QTimer.singleShot(1200, lambda: ready_for_shot("settings", close_settings))

    @step
    def close_settings():
        state["settings"].accept()
        from liangwei.liangwei_plugin import session
        data["settings"] = {k: session.lookup(k) for k in ("register", "working_folder")}
        state["queue"] = list(DIALOGS)
        state["then"] = prerequisite
        QTimer.singleShot(300, next_dialog)

    @step
    def next_dialog():
        if not state["queue"]:
            QTimer.singleShot(300, state["then"])
            return
        alg = state["queue"].pop(0)
        action("mLiangweiAction_liangwei_" + alg).trigger()
        QTimer.singleShot(1500, lambda: read_dialog(alg))

    @step
    def read_dialog(alg):
        dialog = visible_dialog("mLiangweiDialog_liangwei_" + alg)
        settle(dialog)
        values = dialog.createProcessingParameters()
        data["dialogs"][alg] = {k: names(v) for k, v in values.items()}
        state["dialog"] = dialog
        QTimer.singleShot(1200, lambda: ready_for_shot("dialog_" + alg, close_dialog))

    @step
    def close_dialog():
        if state["dialog"].objectName().endswith("reviewmap"):
            state["review"] = state["dialog"]   # kept open: it is run next
        else:
            state["dialog"].close()
        QTimer.singleShot(300, next_dialog)

    @step
    def prerequisite():
        # 规划认定 before any overlay: no dialog on the wrong layer, the message bar says what to run first
        action("mLiangweiAction_liangwei_determine").trigger()
        QTimer.singleShot(1000, read_prerequisite)

    @step
    def read_prerequisite():
        data["determine_dialog_before"] = visible_dialog("mLiangweiDialog_liangwei_determine") is not None
        bar = iface.messageBar()
        items = [w for w in list(bar.items()) + [bar.currentItem()]
                 if w is not None and w.objectName() == "mLiangweiPrerequisiteMessage"]
        data["prerequisite_message"] = items[-1].text() if items else None
        data["message_bar"] = [(w.objectName(), w.text()) for w in bar.items()]
        state["review"].hide()   # the message bar in view for the screenshot
        QTimer.singleShot(800, lambda: ready_for_shot("prerequisite", run_review))

    @step
    def run_review():
        dialog = state["review"]
        dialog.show()
        project = QgsProject.instance()
        small = project.mapLayersByName("卫片图斑_4490")[0]     # 8 patches: documents within a minute
        params = dialog.createProcessingParameters()
        params = {k: v for k, v in params.items() if not hasattr(v, "sink")}
        params["PATCHES"] = small.id()
        params["WORKERS"] = 1
        dialog.setParameters(params)
        state["started"] = True
        dialog.algorithmFinished.connect(lambda ok, results: finished(ok, results))
        dialog.runAlgorithm()

    @step
    def finished(ok, results):
        data["review_ok"] = ok
        data["review_results"] = {k: v for k, v in results.items() if isinstance(v, (str, int, float))}
        QTimer.singleShot(2500, show_summary)

    @step
    def show_summary():
        box = iface.mainWindow().findChild(QMessageBox, "mLiangweiReviewSummary")
        data["summary_box"] = box.text() if box else None
        if box is not None:
            box.move(480, 260)
            box.raise_()
        state["box"] = box
        QTimer.singleShot(1000, lambda: ready_for_shot("review_summary", show_tree))

    @step
    def show_tree():
        if state.get("box") is not None:
            state["box"].close()
        state["review"].close()
        data["tree"] = tree()
        overlay = [n for n in QgsProject.instance().layerTreeRoot().findLayers() if n.name() == "叠加分析结果"]
        data["overlay_ticked"] = overlay[0].itemVisibilityChecked() if overlay else None
        cases = [n.layer() for n in QgsProject.instance().layerTreeRoot().findLayers() if n.name() == "案件台账"]
        data["register_rules"] = [r.label() for r in cases[0].renderer().rootRule().children()] if cases else None
        view = iface.layerTreeView()
        view.expandAll()
        dock = view.parent()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parent()
        if dock is not None:
            dock.setMinimumWidth(420)
        QTimer.singleShot(1500, lambda: ready_for_shot("tree", after_review))

    @step
    def after_review():
        state["queue"] = list(AFTER)
        state["then"] = navigator_report
        QTimer.singleShot(300, next_dialog)

    @step
    def navigator_report():
        # 输出规划认定意见书… from the navigator: the current patch, into the working folder, the overlay table
        action("mLiangweiActionPatchNavigator").trigger()
        nav = iface.mainWindow().findChild(QDockWidget, "mLiangweiPatchNavigatorDock")
        nav.set_layer(QgsProject.instance().mapLayersByName("规划认定结果")[0])
        nav.go_to(0)
        nav.ui.reportButton.click()
        QTimer.singleShot(1500, read_navigator_report)

    @step
    def read_navigator_report():
        dialog = visible_dialog("mLiangweiDialog_liangwei_exportreports")
        data["navigator_report"] = {k: names(v) for k, v in dialog.createProcessingParameters().items()}
        dialog.close()
        iface.mainWindow().findChild(QDockWidget, "mLiangweiPatchNavigatorDock").hide()
        QTimer.singleShot(300, reopen)

    @step
    def reopen():
        # the last choice comes back: 审查本图 opens on the 8-patch layer it was run on
        action("mLiangweiAction_liangwei_reviewmap").trigger()
        QTimer.singleShot(1500, read_remembered)

    @step
    def read_remembered():
        dialog = visible_dialog("mLiangweiDialog_liangwei_reviewmap")
        values = dialog.createProcessingParameters()
        data["remembered_patches"] = names(values.get("PATCHES"))
        dialog.close()
        from liangwei.gui.onemap_component import OneMapComponent
        before = len(QgsProject.instance().mapLayers())
        plugin = __import__("qgis.utils", fromlist=["plugins"]).plugins["liangwei"]
        component = next(c for c in plugin.components if isinstance(c, OneMapComponent))
        component.load(CATALOGUE)                      # 加载一张图 a second time
        data["layers_reload"] = (before, len(QgsProject.instance().mapLayers()))
        data["done"] = True
        write()

    QTimer.singleShot(3000, open_project)
    _timer = QTimer()
    _timer.timeout.connect(poll)
    _timer.start(200)
    """
)


def _wait(out: Path, qgis, predicate, seconds: float = 120) -> dict:
    deadline = time.time() + seconds
    data: dict = {}
    while time.time() < deadline and qgis.poll() is None:
        if out.exists():
            try:
                data = json.loads(out.read_text(encoding="utf-8"))
            except ValueError:
                data = {}
            if "error" in data or predicate(data):
                return data
        time.sleep(0.3)
    return data


def _group(tree: list, name: str) -> list:
    for node in tree:
        if isinstance(node, dict):
            if node["group"] == name:
                return node["children"]
            found = _group(node["children"], name)
            if found is not None:
                return found
    return None


def test_session_dialogs_prefilled_review_this_map(tmp_path, desktop_profile, artifacts_dir, qgis_app):
    if not (SAMPLE / "catalogue.toml").exists():
        pytest.skip("no sample county: run `make sample`")
    check_tools()
    from liangwei.liangwei_plugin.onemap.project_builder import write_onemap_project

    qgz = write_onemap_project(SAMPLE / "catalogue.toml", tmp_path / "project" / "onemap.qgz")
    shots = (["settings"] + [f"dialog_{a}" for a in DIALOGS] + ["prerequisite", "review_summary", "tree"]
             + [f"dialog_{a}" for a in AFTER])
    for name in shots:
        (artifacts_dir / f"session_{name}.png").unlink(missing_ok=True)
    out = tmp_path / "session.json"
    script = tmp_path / "startup.py"
    script.write_text(STARTUP, encoding="utf-8")
    log = tmp_path / "qgis.log"
    work = tmp_path / "成果"
    register = tmp_path / "台账" / "案件台账.gpkg"
    register.parent.mkdir()
    xvfb, display = start_xvfb()
    qgis = None
    try:
        env = desktop_env(display, LIANGWEI_DESKTOP_OUT=str(out), LIANGWEI_PROJECT=str(qgz), LIANGWEI_WORK=str(work),
                          LIANGWEI_REGISTER=str(register), LIANGWEI_CATALOGUE=str(SAMPLE / "catalogue.toml"),
                          LIANGWEI_DIALOGS=",".join(DIALOGS), LIANGWEI_AFTER=",".join(AFTER))
        qgis = launch_qgis(desktop_profile, script, env, log)
        for name in shots:
            data = _wait(out, qgis, lambda d, n=name: d.get("shot") == n, 420 if name == "review_summary" else 120)
            assert "error" not in data, data.get("error")
            if data.get("shot") != name and qgis.poll() is None:
                import signal
                qgis.send_signal(signal.SIGUSR1)
                time.sleep(2)
                print(Path(f"{out}.stack").read_text(errors="replace"))
            assert data.get("shot") == name, (name, qgis.poll(), data.get("steps"), data.get("log"),
                                              log.read_text(errors="replace")[-3000:])
            screenshot(display, artifacts_dir / f"session_{name}.png")
            Path(f"{out}.{name}.done").touch()
        data = _wait(out, qgis, lambda d: d.get("done"))
        ask_to_quit(Path(f"{out}.quit"), qgis)
    finally:
        stop(qgis)
        stop(xvfb)
    (artifacts_dir / "session.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    assert "error" not in data, data.get("error")
    assert data.get("done"), data

    # settings: the issuing authorities of documents.toml offered; register and folder kept in the project
    assert "××县自然资源局" in data["authorities"]
    assert data["settings"]["register"] == [str(register), "project"]
    assert data["settings"]["working_folder"] == [str(work), "project"]

    protected = ["生态保护红线", "永久基本农田", "城镇开发边界", "自然保护地", "饮用水水源保护区", "河道管理范围",
                 "林地"]
    d = data["dialogs"]
    overlay = d["overlaycheck"]
    assert overlay["PATCHES"] == "卫片图斑" and overlay["LANDUSE"] == "三调地类图斑"
    assert overlay["LANDUSE_FIELD"] == "DLBM"
    assert sorted(overlay["PROTECTED"]) == sorted(protected)
    assert str(overlay["OUTPUT"]).startswith(str(work))
    batch = d["batchreview"]
    assert batch["PATCHES"] == "卫片图斑" and batch["LANDUSE"] == "三调地类图斑"
    assert sorted(batch["PROTECTED"]) == sorted(protected) and len(batch["IMAGERY"]) == 2
    assert batch["OUTPUT_FOLDER"] == str(work / "批量审查")
    review = d["reviewmap"]
    assert review["PATCHES"] == "卫片图斑" and review["REGISTER"] == str(register)
    assert review["OUTPUT_FOLDER"] == str(work / "审查本图")
    # before any overlay 规划认定 opens no dialog on the first layer at hand: it says what to run first
    assert data["determine_dialog_before"] is False
    assert "叠加分析结果" in data["prerequisite_message"] and "图斑叠加分析" in data["prerequisite_message"]
    # after 审查本图 the next steps start from its results
    assert d["determine"]["INPUT"] == "叠加分析结果"
    for alg in ("farmlandratio", "registercases", "exportreports"):
        assert d[alg]["INPUT"] == "规划认定结果", (alg, d[alg])
    assert d["farmlandratio"]["TOWNSHIPS"] == "乡镇界线"
    assert d["registercases"]["REGISTER"] == str(register)
    assert d["exportreports"]["OUTPUT_FOLDER"] == str(work / "规划认定意见书")
    assert d["exportreports"]["OVERLAY_DETAIL"] == "叠加分析明细"
    assert len(d["exportreports"]["IMAGERY"]) == 2
    assert sorted(d["exportreports"]["CONTEXT_LAYERS"]) == sorted(protected + ["规划分区"])

    # 审查本图 ran on the 8 patches and said so in one summary
    assert data["review_ok"] is True
    results = data["review_results"]
    assert results["CASES_ADDED"] == 8 and results["REPORT_COUNT"] == 8
    assert data["summary_box"].startswith("监测图斑 8 个") and "案件台账新登记 8 件" in data["summary_box"]
    assert (work / "审查本图" / "审查摘要.txt").exists()
    # results in the one map's groups: determination, overlay and its table in 监测图斑, the register in 案件台账
    tree = data["tree"]
    assert _group(tree, "监测图斑") == ["规划认定结果", "叠加分析结果", "叠加分析明细", "卫片图斑", "卫片图斑_4490"]
    assert _group(tree, "案件台账") == ["案件台账"]
    assert data["overlay_ticked"] is False     # under the determination, unticked
    assert data["register_rules"] == ["办理阶段", "逾期"]   # cases by stage, overdue outlined
    top = [n if isinstance(n, str) else n["group"] for n in tree]
    assert "规划认定结果" not in top and "案件台账" in top and top.count("案件台账") == 1
    # from the navigator: the current patch only, the working folder (not a temporary one), the detail table
    nav = data["navigator_report"]
    assert nav["INPUT"] == "规划认定结果" and nav["SELECTED_ONLY"] is True
    assert nav["OUTPUT_FOLDER"] == str(work / "规划认定意见书")
    assert nav["OVERLAY_DETAIL"] == "叠加分析明细" and len(nav["IMAGERY"]) == 2
    # the last choice remembered; loading the one map again adds nothing
    assert data["remembered_patches"] == "卫片图斑_4490"
    before, after = data["layers_reload"]
    assert before == after
    for name in shots:
        assert (artifacts_dir / f"session_{name}.png").stat().st_size > 10_000
