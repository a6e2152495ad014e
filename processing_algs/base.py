"""Shared base of every liangwei Processing algorithm."""
from __future__ import annotations

from collections import deque

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..liangwei_plugin.dependencies import missing_message
from ..liangwei_plugin.i18n import tr as _tr
from ..liangwei_plugin.paths import icon_path, resource

# groupId -> group name (Chinese source string, translated through tr()).
GROUPS = {
    "review": "审查分析",
    "documents": "文书输出",
    "register": "案件台账",
    "onemap": "一张图",
}


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

    def canExecute(self) -> tuple[bool, str]:  # noqa: N802
        message = missing_message(self.REQUIRES)
        return message is None, message or ""

    def parameterAsSink(self, parameters, name, context, fields, *args, **kwargs):  # noqa: N802
        """The sink of output ``name``; written as a shapefile, its fields get names that fit a DBF (no
        Chinese character cut in half, no two names alike) and its text is UTF-8 with a .cpg saying so."""
        destination = self.parameterAsOutputLayer(parameters, name, context) or ""
        if destination.split("|")[0].lower().endswith((".shp", ".dbf")):
            from ..liangwei_plugin.qgis_io import dbf_safe_fields  # (geopandas: not at import time)

            fields = dbf_safe_fields(fields, context.feedback() or self._feedback)
            if context.defaultEncoding() in ("", "System"):
                context.setDefaultEncoding("UTF-8")
        return super().parameterAsSink(parameters, name, context, fields, *args, **kwargs)

    def prepareAlgorithm(self, parameters, context, feedback) -> bool:  # noqa: N802
        # qgis_process and processing.run do not all ask canExecute(): say it here too, before any work
        self._feedback = feedback  # for messages from helpers that Processing gives no feedback (sinks)
        ok, message = self.canExecute()
        if not ok:
            raise QgsProcessingException(message)
        return True

    def tr(self, text: str) -> str:
        return _tr(text)

    def name(self) -> str:
        return self.ALG_ID

    def group(self) -> str:
        return self.tr(GROUPS[self.GROUP_ID])

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def icon(self) -> QIcon:
        return QIcon(icon_path())

    def createInstance(self):  # noqa: N802
        return type(self)()

    def helpUrl(self) -> str:  # noqa: N802
        return "https://github.com/liangwei-gis/liangwei#readme"


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

    def __init__(self, qml: str | None, kind: str | None = None):
        super().__init__()
        self.qml = qml
        self.kind = kind

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if isinstance(layer, QgsVectorLayer) and self.qml and layer.isSpatial():
            layer.loadNamedStyle(self.qml)
            layer.triggerRepaint()
        project = context.project() if context is not None else None
        if self.kind and project is not None:
            from ..liangwei_plugin.onemap.results import place_output

            place_output(project, layer, self.kind)

    @classmethod
    def attach(cls, context: QgsProcessingContext, dest_id: str, style: str | None, kind: str | None = None) -> None:
        """Style ``dest_id`` with ``resources/styles/<style>.qml`` (and place it as ``kind``) if it is to be
        loaded on completion."""
        if dest_id and context.willLoadLayerOnCompletion(dest_id):
            processor = cls(str(resource("styles", f"{style}.qml")) if style else None, kind)
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
