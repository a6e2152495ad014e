"""Shared base of every liangwei Processing algorithm."""
from __future__ import annotations

import functools
from collections import deque

from qgis.core import (
    Qgis,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices, QIcon

from ..liangwei_plugin.dependencies import missing_message
from ..liangwei_plugin.errors import UserError, check_writable_folder, user_message
from ..liangwei_plugin.i18n import tr as _tr
from ..liangwei_plugin.log import logger
from ..liangwei_plugin.paths import icon_path, resource
from .output_guard import OutputGuard

#: the algorithms' icons (resources/icons/), by ALG_ID; others have the plugin's
ICONS = {
    "overlaycheck": "overlay.svg", "determine": "determine.svg", "farmlandratio": "farmland_ratio.svg",
    "batchreview": "batch_review.svg", "exportreports": "report.svg", "exportnotices": "notice.svg",
    "registercases": "register_add.svg", "advancecases": "register.svg", "casestatistics": "statistics.svg",
    "exportledger": "ledger_export.svg", "buildonemap": "onemap_load.svg",
}


def help_file(name: str):
    """The offline help page ``resources/help/<name>`` (Chinese HTML, opened in the browser)."""
    return resource("help", name)


def help_url(name: str) -> str:
    """file:// address of an offline help page, "" when the page is not there."""
    path = help_file(name)
    return QUrl.fromLocalFile(str(path)).toString() if path.is_file() else ""


def open_help(name: str) -> bool:
    """Open an offline help page (the user guide, an algorithm's page) in the system's browser."""
    url = help_url(name)
    return bool(url) and QDesktopServices.openUrl(QUrl(url))


#: text parameters that hold a date (yyyy-mm-dd, empty = the algorithm's default): by name, whatever the
#: language of their description
DATE_PARAMETERS = {"DATE", "AS_OF", "ISSUE_DATE", "REPORT_DATE", "START", "END"}

# groupId -> group name (Chinese source string, translated through tr()).
GROUPS = {
    "review": "审查分析",
    "documents": "文书输出",
    "register": "案件台账",
    "onemap": "一张图",
    "fieldwork": "外业核查",
}


def _one_error_path(process):
    """Wraps a subclass's ``processAlgorithm`` (see ``LiangweiAlgorithm.__init_subclass__``): the one error
    path of every algorithm.

    - a QgsProcessingException passes as it is (the algorithm's own Chinese message); one without Chinese
      (QGIS's "Could not create destination layer…") gets a Chinese sentence in front;
    - an expected failure (OSError: permissions, disk full, locks, missing files; encodings; a
      configuration refused, see ``liangwei_plugin.errors.user_message``) becomes a QgsProcessingException
      naming the file or key, without a traceback;
    - anything else is logged with its traceback in the log tab 两违一张图 and shown as one sentence;
    - file outputs (sinks) are written into a hidden folder beside the destination and moved into place
      only when the run succeeded and every feature is in the file (``output_guard.OutputGuard``): a
      failed, cancelled or disk-full run leaves no file that looks complete.
    """
    @functools.wraps(process)
    def run(self, parameters, context, feedback):
        guard = self._output_guard = OutputGuard(self, context)
        try:
            try:
                self._check_output_folders(parameters, context)  # (here, not in prepareAlgorithm:
                # processing.run reports only messages raised in processAlgorithm)
                results = process(self, parameters, context, feedback)
                if feedback is not None and feedback.isCanceled():
                    results = results or {}
                return guard.commit(results, canceled=bool(feedback is not None and feedback.isCanceled()))
            except QgsProcessingException as exc:
                text = exc.args[0] if exc.args else ""
                if not isinstance(text, str) or not _has_chinese(text):
                    raise QgsProcessingException(
                        self.tr("「{alg}」未能完成：{msg}").format(alg=self.displayName(), msg=text or "") +
                        self.tr("（请检查输入、输出路径及磁盘空间）")) from None
                raise
            except Exception as exc:  # noqa: BLE001  (the one place every failure is turned into a message)
                message = user_message(exc)
                if message is None:
                    logger.exception("「%s」（%s）运行出错", self.displayName(), self.ALG_ID)
                    message = self.tr("「{alg}」运行出错（内部错误 {kind}：{msg}），未写出任何结果；详细信息已记入"
                                      "日志面板「两违一张图」，请将其发给维护人员。").format(
                        alg=self.displayName(), kind=type(exc).__name__, msg=str(exc)[:200])
                raise QgsProcessingException(message) from None
        finally:
            guard.discard()
            self._output_guard = None
    run._liangwei_guarded = True
    return run


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class LiangweiAlgorithm(QgsProcessingAlgorithm):
    """Common ``tr``/``createInstance``/icon/group/help for the provider's algorithms.

    Subclasses set ``ALG_ID`` (public, never renamed once published) and
    ``GROUP_ID`` and implement ``displayName``, ``shortHelpString``,
    ``initAlgorithm`` and ``processAlgorithm``.
    """

    ALG_ID = ""
    GROUP_ID = "review"
    #: the features of liangwei_plugin.dependencies the algorithm needs ("core", "documents", "ledger"):
    #: where a package they need is missing, the algorithm is disabled with a message naming it
    REQUIRES: tuple[str, ...] = ("core",)
    _feedback = None
    _output_guard = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        process = cls.__dict__.get("processAlgorithm")
        if process is not None and not getattr(process, "_liangwei_guarded", False):
            cls.processAlgorithm = _one_error_path(process)

    def __init__(self):
        super().__init__()
        self._written_outputs: list[tuple[str, str]] = []  # (destination, output name) of the sinks

    def addParameter(self, definition, createOutput: bool = True) -> bool:  # noqa: N802, N803
        """As QGIS's, and a decimal number (area, percentage, distance) is edited with two decimals, not the
        six of the default widget ("15.000000"); a date (a text parameter asking for yyyy-mm-dd) with QGIS's
        date widget (:mod:`.date_widget`)."""
        if isinstance(definition, QgsProcessingParameterNumber) and \
                definition.dataType() == Qgis.ProcessingNumberParameterType.Double:
            metadata = dict(definition.metadata())
            wrapper = dict(metadata.get("widget_wrapper") or {})
            wrapper.setdefault("decimals", 2)
            metadata["widget_wrapper"] = wrapper
            definition.setMetadata(metadata)
        elif isinstance(definition, QgsProcessingParameterString) and "widget_wrapper" not in definition.metadata() \
                and (definition.name() in DATE_PARAMETERS or "yyyy-mm-dd" in definition.description()):
            # a date: QGIS's date widget in the dialog, still text for models, scripts and qgis_process
            metadata = dict(definition.metadata())
            metadata["widget_wrapper"] = {"class": f"{__package__}.date_widget.DateWidgetWrapper"}
            definition.setMetadata(metadata)
        return super().addParameter(definition, createOutput)

    def canExecute(self) -> tuple[bool, str]:  # noqa: N802
        message = missing_message(self.REQUIRES)
        return message is None, message or ""

    def parameterAsSink(self, parameters, name, context, fields, *args, **kwargs):  # noqa: N802
        """The sink of output ``name``; written as a shapefile, its fields get names that fit a DBF (no
        Chinese character cut in half, no two names alike) and its text is UTF-8 with a .cpg saying so.
        Its fields carry their Chinese aliases (resources/field_aliases.toml): in the loaded layer and,
        once written (:meth:`postProcessAlgorithm`), in the GeoPackage itself."""
        from ..liangwei_plugin.qgis_io import dbf_safe_fields, fields_with_aliases  # (geopandas: not at import)

        destination = self.parameterAsOutputLayer(parameters, name, context) or ""
        if destination.split("|")[0].lower().endswith((".shp", ".dbf")):
            fields = dbf_safe_fields(fields, context.feedback() or self._feedback)
            if context.defaultEncoding() in ("", "System"):
                context.setDefaultEncoding("UTF-8")
        fields = fields_with_aliases(fields, self.ALG_ID, name)
        guard = self._output_guard
        if guard is None:  # called outside processAlgorithm (tests)
            sink, dest_id = super().parameterAsSink(parameters, name, context, fields, *args, **kwargs)
        else:
            parameters = guard.redirect(parameters, name, destination)
            try:
                sink, dest_id = super().parameterAsSink(parameters, name, context, fields, *args, **kwargs)
            except QgsProcessingException as exc:
                raise QgsProcessingException(guard.sink_error(name, destination, exc)) from None
            sink, dest_id = guard.wrap(name, sink, dest_id)
        if sink is not None and dest_id:
            # (a file output's dest_id is its temporary path until the run succeeds: OutputGuard.commit
            # renames the entries of _written_outputs)
            self._written_outputs.append((dest_id, name))
            StyleOnLoad.display[dest_id] = (self.ALG_ID, name)
            StyleOnLoad.attach(context, dest_id, None)
        return sink, dest_id

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        # the sinks are closed now (processAlgorithm's references are gone): the aliases and the number
        # display go into each GeoPackage output, where QGIS without the plugin finds them
        from ..liangwei_plugin.qgis_io import store_field_display

        for dest_id, name in self._written_outputs:
            try:
                store_field_display(dest_id, self.ALG_ID, name)
            except Exception as exc:  # noqa: BLE001 - the output itself is complete; say it, lose nothing
                if feedback is not None:
                    feedback.pushWarning(self.tr("字段中文名未能写入输出文件：{error}").format(error=exc))
        self._written_outputs = []
        return {}

    def checkParameterValues(self, parameters, context):  # noqa: N802
        """QGIS's check of the parameters, its English "Incorrect parameter value for PATCHES" said in
        Chinese, naming the parameter and the value given."""
        ok, message = super().checkParameterValues(parameters, context)
        if ok or _has_chinese(message or ""):
            return ok, message
        for definition in self.parameterDefinitions():
            if definition.name() in (message or ""):
                value = parameters.get(definition.name())
                value = getattr(value, "sink", value)
                value = value.staticValue() if hasattr(value, "staticValue") else value
                return False, self.tr("参数「{what}」（{name}）的取值无效：{value}（文件不存在、无法打开、类型不对或"
                                      "必填项未填）").format(what=definition.description(), name=definition.name(),
                                                           value=value if value not in (None, "") else self.tr("未填"))
        return False, self.tr("参数取值无效：{0}").format(message)

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        # qgis_process and processing.run do not all ask canExecute(): say it here too, before any work
        self._feedback = feedback  # for messages from helpers that Processing gives no feedback (sinks)
        self._written_outputs = []
        ok, message = self.canExecute()
        if not ok:
            raise QgsProcessingException(message)
        return True

    def _check_output_folders(self, parameters, context) -> None:
        """Refuse, before any work, a file output whose folder is missing or not writable (read-only disk,
        no permission): the message names the output and the folder."""
        from .output_guard import destination_path

        for definition in self.destinationParameterDefinitions():
            path = destination_path(parameters.get(definition.name()), context)
            if not path:
                continue
            try:
                check_writable_folder(path, folder_output=definition.type() == "folderDestination")
            except UserError as exc:
                raise QgsProcessingException(self.tr("输出「{what}」（参数 {name}）：{msg}").format(
                    what=definition.description(), name=definition.name(), msg=exc)) from None

    def tr(self, text: str) -> str:
        return _tr(text)

    def name(self) -> str:
        return self.ALG_ID

    def group(self) -> str:
        return self.tr(GROUPS[self.GROUP_ID])

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def icon(self) -> QIcon:
        return QIcon(icon_path(ICONS.get(self.ALG_ID, "liangwei.svg")))

    def createInstance(self):  # noqa: N802
        return type(self)()

    def helpUrl(self) -> str:  # noqa: N802
        # the offline Chinese page of this algorithm (resources/help/<id>.html, scripts/make_help.py):
        # the dialog's "帮助" button opens it, no internet needed
        return help_url(f"{self.ALG_ID}.html") or "https://github.com/liangwei-gis/liangwei#readme"


class FeedbackProgress:
    """Adapter from a QgsProcessingFeedback to the core's feedback protocol.

    The core only calls ``set_progress(percent)``, ``is_canceled()``, ``info(msg)``
    and ``warning(msg)``; see ``liangwei_plugin.feedback``.
    """

    def __init__(self, feedback: QgsProcessingFeedback | None):
        self.feedback = feedback

    def set_progress(self, percent: float) -> None:
        if self.feedback:
            self.feedback.setProgress(percent)

    def is_canceled(self) -> bool:
        return bool(self.feedback and self.feedback.isCanceled())

    def info(self, message: str) -> None:
        if self.feedback:
            self.feedback.pushInfo(message)

    def warning(self, message: str) -> None:
        # A warning (e.g. a repaired geometry), not an error: pushWarning shows it as such in the
        # algorithm dialog's log and in qgis_process.
        if self.feedback:
            self.feedback.pushWarning(message)


class StyleOnLoad(QgsProcessingLayerPostProcessorInterface):
    """Gives an output layer one of the shipped styles (resources/styles/*.qml) when Processing loads it
    into the project, so patches are outlined over the imagery instead of a random solid fill; with a
    ``kind`` (overlay, determination, …) the layer goes into its group of the one map and replaces the
    previous output of that kind (liangwei_plugin/onemap/results.py)."""

    # Processing holds the post-processor by a raw pointer: keep the Python objects alive.
    _alive: deque = deque(maxlen=64)
    #: destination → (algorithm id, output name), for the fields' Chinese aliases (set by parameterAsSink)
    display: dict[str, tuple[str, str]] = {}

    def __init__(self, qml: str | None, dest_id: str = "", kind: str | None = None):
        super().__init__()
        self.qml = qml
        self.dest_id = dest_id
        self.kind = kind

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if isinstance(layer, QgsVectorLayer):
            if self.qml and layer.isSpatial():
                from ..liangwei_plugin.onemap.results import load_style_file

                load_style_file(layer, self.qml)   # the file, not the GeoPackage's own default style
            from ..liangwei_plugin.qgis_io import apply_field_display

            apply_field_display(layer, *self.display.pop(self.dest_id, (None, None)))
            layer.triggerRepaint()
        project = context.project() if context is not None else None
        if self.kind and project is not None:
            from ..liangwei_plugin.onemap.results import place_output

            place_output(project, layer, self.kind)

    @classmethod
    def attach(cls, context: QgsProcessingContext, dest_id: str, style: str | None, kind: str | None = None) -> None:
        """Style ``dest_id`` with ``resources/styles/<style>.qml`` (None: only the fields' aliases and
        number display) and place it as ``kind`` on the one map, if it is to be loaded on completion."""
        if dest_id and context.willLoadLayerOnCompletion(dest_id):
            processor = cls(str(resource("styles", f"{style}.qml")) if style else None, dest_id, kind)
            cls._alive.append(processor)
            context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(processor)

    @classmethod
    def load_on_completion(cls, context: QgsProcessingContext, path: str, name: str, kind: str,
                           style: str | None = None) -> None:
        """Have a file written by a chaining algorithm (batch review, 审查本图) loaded into the project when
        it completes, placed as ``kind`` (nothing happens outside a project, e.g. qgis_process)."""
        if not path or context.project() is None:
            return
        details = QgsProcessingContext.LayerDetails(name, context.project(), name)
        context.addLayerToLoadOnCompletion(path, details)
        cls.attach(context, path, style, kind)
