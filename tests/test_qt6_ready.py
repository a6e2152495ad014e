"""The shipped plugin code has no Qt5-only forms (QGIS 4 / Qt6 / PyQt6 readiness), and the checker that
says so (tests/qt6_check.py) finds and fixes what it should."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import qt6_check
from qt6_check import check_paths, check_ui, fix_source, shipped_files


def _codes(source: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "sample.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return [f.code for f in check_paths([path], root=tmp_path)]


def test_shipped_code_has_no_qt5_only_forms():
    files = shipped_files()
    assert any(f.name == "plugin.py" for f in files) and any(f.suffix == ".ui" for f in files)
    assert not any("_vendor" in f.parts for f in files)
    findings = check_paths(files)
    assert not findings, "Qt5-only forms (fix with: python tests/qt6_check.py --fix):\n" + "\n".join(map(str, findings))


def test_checker_finds_qt5_only_forms(tmp_path):
    codes = _codes("""
        import csv
        from PyQt5.QtCore import QRegExp
        from qgis.core import Qgis, QgsPalLayerSettings, QgsProcessing, QgsProcessingAlgorithm, QgsWkbTypes
        from qgis.PyQt.QtCore import Qt, QVariant
        from qgis.PyQt.QtWidgets import QAction, QDialog

        a = Qt.AlignLeft                                   # QT6001
        b = QgsProcessing.TypeVectorPolygon                # QT6001
        c = QgsWkbTypes.GeometryType.PolygonGeometry       # QT6002
        d = Qgis.GeometryType.PolygonGeometry              # QT6005
        e = QgsPalLayerSettings.OverPoint                  # QT6006: Placement or PredefinedPointPosition?
        f = Qt.Alignment                                   # QT6003
        g = Qt.NoSuchThing                                 # QT6004
        h = QVariant.String                                # QT6020
        i = QVariant()                                     # QT6021


        class Alg(QgsProcessingAlgorithm):
            def flags(self):
                return self.FlagNoThreading                # QT6050


        def run(dlg, widget, stream):
            if dlg.exec_() == QDialog.Accepted:            # QT6010, QT6001
                stream.setCodec("UTF-8")                   # QT6040
            return widget.fontMetrics().width("x"), csv.Error
        """, tmp_path)
    assert sorted(codes) == sorted(["QT6030", "QT6031", "QT6032", "QT6001", "QT6001", "QT6002", "QT6005", "QT6006",
                                    "QT6003", "QT6004", "QT6020", "QT6021", "QT6050", "QT6010", "QT6001", "QT6040",
                                    "QT6041"])


def test_checker_accepts_code_for_both_qt5_and_qt6(tmp_path):
    assert _codes("""
        import csv
        import datetime as dt

        from osgeo import gdal
        from qgis.core import Qgis, QgsFeatureSink, QgsField, QgsVectorLayer
        from qgis.PyQt.QtCore import QMetaType, Qt, QVariant
        from qgis.PyQt.QtGui import QAction
        from qgis.PyQt.QtWidgets import QDialog, QLayout

        FLAG = QgsFeatureSink.Flag
        QLayout.setMargin = lambda self, m: self.setContentsMargins(m, m, m, m)   # a monkey-patch


        class Thing:
            Error = "mine"


        def run(dlg, layer: QgsVectorLayer, path, value):
            if value is None or (isinstance(value, QVariant) and value.isNull()):
                value = None
            field = QgsField("name", QMetaType.Type.QString)
            ok = dlg.exec() == QDialog.DialogCode.Accepted and layer.geometryType() == Qgis.GeometryType.Polygon
            ds = gdal.OpenEx(path)
            return (field, ok, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, FLAG.FastInsert, QAction,
                    ds.GetDriver().ShortName, csv.Error, dt.UTC, Thing().Error, value)
        """, tmp_path) == []


@pytest.mark.skipif(qt6_check.pyqt6_stubs_dir() is None, reason="needs PyQt6-stubs (requirements-dev.txt)")
def test_checker_knows_what_pyqt6_lacks(tmp_path):
    """Qt5 API that is neither an enum nor in the checker's lists is found through PyQt6's stubs (QT6070)."""
    codes = _codes("""
        from qgis.PyQt import QtWidgets
        from qgis.PyQt.QtGui import QFontMetrics, QWheelEvent
        from qgis.PyQt.QtWidgets import QDirModel, QTableWidget

        a = QtWidgets.QDesktopWidget
        b = QFontMetrics.width, QWheelEvent.angleDelta
        c = QTableWidget.SelectionMode.ExtendedSelection, QTableWidget.setSelectionMode, QFontMetrics.horizontalAdvance
        """, tmp_path)
    assert codes == ["QT6070"] * 3


def test_fixer_rewrites_to_scoped_forms_and_keeps_imports_tidy():
    source = textwrap.dedent("""\
        from qgis.core import QgsFeatureSink, QgsField, QgsProcessing, QgsWkbTypes
        from qgis.PyQt.QtCore import Qt, QVariant
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction, QDialog

        TYPES = [QgsProcessing.TypeVectorPolygon]


        def run(dlg, sink, feature, layer):
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
            if dlg.exec_() != QDialog.Accepted or layer.geometryType() != QgsWkbTypes.PolygonGeometry:
                return QgsField("n", QVariant.Int), QIcon(), QAction
            return Qt.AlignLeft | Qt.AlignTop, QgsWkbTypes.GeometryType.PolygonGeometry
        """)
    fixed, remaining = fix_source(source)
    assert remaining == []
    assert fixed == textwrap.dedent("""\
        from qgis.core import Qgis, QgsFeatureSink, QgsField
        from qgis.PyQt.QtCore import QMetaType, Qt
        from qgis.PyQt.QtGui import QAction, QIcon
        from qgis.PyQt.QtWidgets import QDialog

        TYPES = [Qgis.ProcessingSourceType.VectorPolygon]


        def run(dlg, sink, feature, layer):
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            if dlg.exec() != QDialog.DialogCode.Accepted or layer.geometryType() != Qgis.GeometryType.Polygon:
                return QgsField("n", QMetaType.Type.Int), QIcon(), QAction
            return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, Qgis.GeometryType.Polygon
        """)


def test_fixer_adds_a_missing_import_statement_in_order():
    fixed, remaining = fix_source(textwrap.dedent("""\
        import os

        from qgis.core import QgsField
        from qgis.PyQt.QtCore import QVariant

        from .x import y

        F = QgsField("n", QVariant.String), os, y
        """))
    assert remaining == []
    assert "from qgis.core import QgsField\nfrom qgis.PyQt.QtCore import QMetaType\n\nfrom .x import y\n" in fixed
    assert 'F = QgsField("n", QMetaType.Type.QString), os, y' in fixed


def test_designer_forms_keep_the_form_both_uics_read(tmp_path):
    ui = tmp_path / "form.ui"
    ui.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<ui version="4.0"><widget class="QWidget" name="w">
 <widget class="QLabel" name="a">
  <property name="alignment"><set>Qt::AlignLeft|Qt::AlignVCenter</set></property></widget>
 <widget class="QLabel" name="b">
  <property name="alignment"><set>Qt::AlignmentFlag::AlignLeft</set></property></widget>
 <widget class="QTableWidget" name="c">
  <property name="selectionMode"><enum>QAbstractItemView::NoSuchMode</enum></property></widget>
</widget><resources><include location="icons.qrc"/></resources></ui>
""", encoding="utf-8")
    assert [f.code for f in check_ui(ui, "form.ui")] == ["QT6060", "QT6061", "QT6062"]


def test_cli_lists_findings_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("from qgis.PyQt.QtCore import Qt\nX = Qt.AlignLeft\n", encoding="utf-8")
    assert qt6_check.main([str(bad)]) == 1
    assert "QT6001 Qt.AlignLeft: unscoped enum member; use Qt.AlignmentFlag.AlignLeft" in capsys.readouterr().out
    assert qt6_check.main(["--fix", str(bad)]) == 0
    assert bad.read_text(encoding="utf-8").endswith("X = Qt.AlignmentFlag.AlignLeft\n")
