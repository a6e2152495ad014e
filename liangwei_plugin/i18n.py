"""Translation helper.

Source strings are Chinese (the users' language); ``resources/i18n/liangwei_en.ts``
holds the English translation, loaded when QGIS runs in English.  All strings go
through one context so a single ``.ts`` file covers the plugin.
"""
from __future__ import annotations

from pathlib import Path

TR_CONTEXT = "liangwei"
I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"


def tr(text: str) -> str:
    """Translate ``text`` in the plugin's context (identity when no translator)."""
    try:
        from qgis.PyQt.QtCore import QCoreApplication
    except ImportError:
        return text
    return QCoreApplication.translate(TR_CONTEXT, text)


def translation_file(locale: str) -> Path | None:
    """The compiled ``.qm`` for a locale such as ``en_US`` or ``en``, if shipped."""
    for name in (locale, locale.split("_")[0]):
        qm = I18N_DIR / f"liangwei_{name}.qm"
        if qm.exists():
            return qm
    return None
