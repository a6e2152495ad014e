"""Interface strings go through tr(); the English translation covers them and loads."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parent.parent


def test_english_translation_is_complete():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, "run `make translations` and translate:\n" + result.stdout[:3000]


def test_english_translation_loads(qgis_app):
    from liangwei.liangwei_plugin.i18n import tr, translation_file

    qm = translation_file("en_US")
    assert qm is not None and qm.exists(), "compiled by `make setup`"
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        assert tr("两违一张图审查") == "Liangwei one-map review"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert tr("两违一张图审查") == "两违一张图审查"
