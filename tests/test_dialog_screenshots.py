"""The Processing dialogs as a user sees them (offscreen): decimals with two places ("15.00", not
"15.000000"), dates with QGIS's date widget, no "（可选）" beside [optional]; screenshots kept as
tests/artifacts/dialog_<id>.png for a person to look at."""
from __future__ import annotations


def _dialog(alg_id, qgis_iface):
    import qgis.utils
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.core import QgsApplication

    qgis.utils.iface = qgis_iface
    if not hasattr(qgis_iface, "browserModel"):
        qgis_iface.browserModel = lambda: None  # (pytest-qgis's iface has none; the file widgets do without)
    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    dlg = AlgorithmDialog(alg, False, None)
    dlg.resize(900, 650)
    dlg.show()
    QgsApplication.processEvents()
    return dlg


def test_dialogs_numbers_dates_and_labels(qgis_iface, liangwei_provider, artifacts_dir):
    from qgis.gui import QgsDateEdit, QgsDoubleSpinBox
    from qgis.PyQt.QtWidgets import QLabel

    for alg_id in ("liangwei:farmlandratio", "liangwei:exportledger", "liangwei:advancecases"):
        dlg = _dialog(alg_id, qgis_iface)
        try:
            dlg.grab().save(str(artifacts_dir / f"dialog_{alg_id.split(':')[1]}.png"))
            labels = [label.text() for label in dlg.findChildren(QLabel)]
            assert not [t for t in labels if "可选" in t and ("[optional]" in t or "[可选]" in t)], labels
            if alg_id == "liangwei:farmlandratio":
                spins = dlg.findChildren(QgsDoubleSpinBox)
                assert spins and all(s.decimals() == 2 for s in spins)
                assert any(s.text().startswith("15.00") for s in spins)
            else:
                assert dlg.findChildren(QgsDateEdit), alg_id
        finally:
            dlg.close()
            dlg.deleteLater()
