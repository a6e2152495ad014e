"""Opening the plugin's algorithms from the menu, toolbar, navigator and docks: the dialog comes pre-filled
from the one map's layer roles and the settings (liangwei_plugin/onemap/roles.py), the run's choices are
remembered for next time, and the files written are offered with "打开文件" / "打开文件夹"."""
from __future__ import annotations

import os
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsProject
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QMessageBox, QPushButton

from ..liangwei_plugin import session
from ..liangwei_plugin.i18n import tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.onemap.roles import prefill

# output names to offer as "the file" of a run, in order of preference
FILE_OUTPUTS = ("MERGED_PDF", "REPORTS_MERGED", "NOTICES_MERGED", "OUTPUT", "INDEX")
FOLDER_OUTPUTS = ("OUTPUT_FOLDER",)

_open_dialogs: list = []   # the non-modal dialogs stay alive while shown

# Algorithms whose input is an earlier step's result: (what is needed, the algorithm that makes it).  Without
# it in the project the dialog would offer whatever layer comes first (the township boundaries), so the
# user is told what to run first instead.
PREREQUISITES: dict[str, tuple[str, str]] = {
    "liangwei:determine": ("overlay", "liangwei:overlaycheck"),
    "liangwei:farmlandratio": ("determination", "liangwei:reviewmap"),
    "liangwei:exportreports": ("determination", "liangwei:reviewmap"),
    "liangwei:exportnotices": ("determination", "liangwei:reviewmap"),
    "liangwei:registercases": ("determination", "liangwei:reviewmap"),
}
NEEDED_WORDS = {"overlay": "叠加分析结果", "determination": "规划认定结果"}


def prefilled_parameters(alg_id: str, extra: dict | None = None) -> dict:
    algorithm = QgsApplication.processingRegistry().algorithmById(alg_id)
    if algorithm is None:
        return dict(extra or {})
    params = prefill(algorithm, QgsProject.instance())
    params.update(extra or {})
    return params


def open_algorithm_dialog(iface, alg_id: str, extra: dict | None = None, modal: bool = False, force: bool = False):
    """Show ``alg_id``'s dialog pre-filled; returns the dialog (None if the algorithm is missing, or its input
    — an earlier step's result — is not in the project and ``force`` is not set: then the message bar says
    what to run first)."""
    import processing

    if QgsApplication.processingRegistry().algorithmById(alg_id) is None:
        iface.messageBar().pushMessage(tr("两违一张图"), tr("算法未安装：") + alg_id, Qgis.MessageLevel.Warning, 8)
        return None
    params = prefilled_parameters(alg_id, extra)
    if not force and alg_id in PREREQUISITES and not params.get("INPUT"):
        ask_prerequisite(iface, alg_id)
        return None
    dialog = processing.createAlgorithmDialog(alg_id, params)
    if dialog is None:
        return None
    dialog.setObjectName(f"mLiangweiDialog_{alg_id.replace(':', '_')}")
    dialog.algorithmFinished.connect(
        lambda ok, results, d=dialog, a=alg_id: _finished(iface, d, a, ok, results))
    _open_dialogs.append(dialog)
    # (the Processing dialog's finished() is a method, not QDialog's signal: rejected/accepted are)
    dialog.rejected.connect(lambda d=dialog: _forget(d))
    dialog.accepted.connect(lambda d=dialog: _forget(d))
    dialog.show()
    if modal:
        dialog.exec()
    return dialog


def ask_prerequisite(iface, alg_id: str) -> None:
    """"还没有规划认定结果" with buttons to run the step that makes it, or to open the dialog anyway."""
    needed, maker = PREREQUISITES[alg_id]
    registry = QgsApplication.processingRegistry()
    maker_alg = registry.algorithmById(maker)
    maker_name = maker_alg.displayName() if maker_alg else maker
    bar = iface.messageBar()
    item = bar.createMessage(tr("两违一张图"), tr("项目中还没有{0}：请先运行“{1}”。").format(
        tr(NEEDED_WORDS[needed]), maker_name))
    item.setObjectName("mLiangweiPrerequisiteMessage")
    run_first = QPushButton(tr("打开“{0}”").format(maker_name), item)
    run_first.setObjectName("mLiangweiRunPrerequisite")
    run_first.clicked.connect(lambda _c=False: (bar.popWidget(item), open_algorithm_dialog(iface, maker)))
    anyway = QPushButton(tr("仍然打开"), item)
    anyway.setObjectName("mLiangweiOpenAnyway")
    anyway.clicked.connect(lambda _c=False: (bar.popWidget(item), open_algorithm_dialog(iface, alg_id, force=True)))
    item.layout().addWidget(run_first)
    item.layout().addWidget(anyway)
    bar.pushWidget(item, Qgis.MessageLevel.Info, 15)


def _forget(dialog) -> None:
    """A closed dialog goes (the next one of the same algorithm is a new one, pre-filled afresh)."""
    if dialog in _open_dialogs:
        _open_dialogs.remove(dialog)
    dialog.deleteLater()


def _finished(iface, dialog, alg_id: str, ok: bool, results: dict) -> None:
    if not ok:
        return
    try:
        session.remember(alg_id, dialog.createProcessingParameters(), QgsProject.instance())
    except Exception:  # noqa: BLE001 — remembering is a convenience; the run itself succeeded
        logger.exception("无法记住 %s 的参数", alg_id)
    if alg_id == "liangwei:reviewmap":
        _after_review(iface, dialog, results)
    elif alg_id == "liangwei:registercases":
        _show_register_layer(iface, results.get("REGISTER_LAYER"), results.get("REGISTER"))
    offer_results(iface, dialog.algorithm().displayName() if dialog.algorithm() else alg_id, results)


def result_paths(results: dict) -> tuple[str | None, str | None]:
    """(file, folder) to offer after a run: the merged PDF or the output file, and its folder."""
    file_path = next((str(results[k]) for k in FILE_OUTPUTS
                      if isinstance(results.get(k), str) and os.path.isfile(results[k].split("|")[0])), None)
    if file_path:
        file_path = file_path.split("|")[0]
    folder = next((str(results[k]) for k in FOLDER_OUTPUTS
                   if isinstance(results.get(k), str) and os.path.isdir(results[k])), None)
    if folder is None and file_path:
        folder = str(Path(file_path).parent)
    return file_path, folder


def open_path(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def offer_results(iface, title: str, results: dict) -> None:
    """A message bar entry with "打开文件" and "打开文件夹" for what the run wrote."""
    file_path, folder = result_paths(results)
    if not file_path and not folder:
        return
    bar = iface.messageBar()
    item = bar.createMessage(title, tr("已完成：") + (file_path or folder))
    item.setObjectName("mLiangweiResultMessage")
    if file_path:
        button = QPushButton(tr("打开文件"), item)
        button.setObjectName("mLiangweiOpenFile")
        button.clicked.connect(lambda _c=False, p=file_path: open_path(p))
        item.layout().addWidget(button)
    if folder:
        button = QPushButton(tr("打开文件夹"), item)
        button.setObjectName("mLiangweiOpenFolder")
        button.clicked.connect(lambda _c=False, p=folder: open_path(p))
        item.layout().addWidget(button)
    bar.pushWidget(item, Qgis.MessageLevel.Success, 0)


def _show_register_layer(iface, uri: str | None, target: str | None) -> None:
    """The case register on the map, inside the one map's 案件台账 group (updated, not added twice)."""
    if not target:
        return
    from ..liangwei_plugin.onemap.results import place_output
    from ..liangwei_plugin.register import Register
    from .case_register_dock import register_layer

    project = QgsProject.instance()
    for layer in project.mapLayers().values():
        same = not uri or layer.customProperty("liangwei/register_uri") == uri
        if layer.customProperty("liangwei/role") == "register" and same:
            layer.dataProvider().reloadData()
            place_output(project, layer, "register")
            return
    try:
        reg = Register(target, readonly=True)   # only to load its layer: never create or migrate anything here
    except Exception:  # noqa: BLE001
        logger.exception("无法打开台账 %s", target)
        return
    try:
        layer = register_layer(reg)
    finally:
        reg.close()
    if layer is not None:
        place_output(project, layer, "register")


def _after_review(iface, dialog, results: dict) -> None:
    _show_register_layer(iface, results.get("REGISTER_LAYER"), results.get("REGISTER"))
    text = results.get("SUMMARY") or ""
    if text:
        box = QMessageBox(QMessageBox.Icon.Information, tr("审查本图"), text, QMessageBox.StandardButton.Ok,
                          iface.mainWindow())
        box.setObjectName("mLiangweiReviewSummary")
        box.setModal(False)
        box.show()
        _open_dialogs.append(box)
        box.finished.connect(lambda _c, b=box: _open_dialogs.remove(b) if b in _open_dialogs else None)
