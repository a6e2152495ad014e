"""QGIS's date widget for the algorithms' date parameters in the Processing dialogs.

The parameters stay text (``yyyy-mm-dd``, empty = the default the algorithm names, usually today), so
models, scripts and ``qgis_process`` pass dates as before; in the dialog the user picks the date from a
calendar (QgsDateEdit) instead of typing it.  Attached by :meth:`.base.LiangweiAlgorithm.addParameter` to
every text parameter whose description asks for ``yyyy-mm-dd``; imported by Processing only when a dialog
is built (never by qgis_process).
"""
from __future__ import annotations

from processing.gui.wrappers import WidgetWrapper
from qgis.gui import QgsDateEdit
from qgis.PyQt.QtCore import QDate

from ..liangwei_plugin.i18n import tr

DATE_FORMAT = "yyyy-MM-dd"


class DateWidgetWrapper(WidgetWrapper):
    """A QgsDateEdit (calendar pop-up, may be left empty) whose value is the ``yyyy-mm-dd`` text."""

    def createWidget(self, **kwargs):  # noqa: N802 (Processing API)
        widget = QgsDateEdit()
        widget.setDisplayFormat(DATE_FORMAT)
        widget.setCalendarPopup(True)
        widget.setAllowNull(True)
        widget.setNullRepresentation(tr("（未填）"))
        widget.clear()
        return widget

    def setValue(self, value):  # noqa: N802
        text = str(value or "").strip()
        date = QDate.fromString(text[:10], DATE_FORMAT) if text else QDate()
        if date.isValid():
            self.widget.setDate(date)
        else:
            self.widget.clear()

    def value(self):
        if self.widget.isNull():
            return ""
        date = self.widget.date()
        return date.toString(DATE_FORMAT) if date.isValid() else ""
