"""Shared base of every liangwei Processing algorithm."""
from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm, QgsProcessingFeedback
from qgis.PyQt.QtGui import QIcon

from ..liangwei_plugin.i18n import tr as _tr
from ..liangwei_plugin.paths import icon_path

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
