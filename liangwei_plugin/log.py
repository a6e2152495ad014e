"""The plugin's one logger, feeding QGIS's message log (tab "两违一张图")."""
from __future__ import annotations

import logging

LOG_TAG = "两违一张图"

logger = logging.getLogger("liangwei")


class QgsMessageLogHandler(logging.Handler):
    """Forwards log records to QgsMessageLog so users see them in QGIS."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from qgis.core import Qgis, QgsMessageLog
        except ImportError:  # plain Python (no QGIS): stderr handler below suffices
            return
        if record.levelno >= logging.ERROR:
            level = Qgis.MessageLevel.Critical
        elif record.levelno >= logging.WARNING:
            level = Qgis.MessageLevel.Warning
        else:
            level = Qgis.MessageLevel.Info
        QgsMessageLog.logMessage(self.format(record), LOG_TAG, level)


if not any(isinstance(h, QgsMessageLogHandler) for h in logger.handlers):
    logger.addHandler(QgsMessageLogHandler())
    logger.setLevel(logging.INFO)
