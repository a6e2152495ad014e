"""Write the shipped one-map styles (resources/styles/*.qml) from resources/styles/onemap_styles.toml.

Run after editing the colour tables:  source scripts/env.sh && .venv/bin/python scripts/make_styles.py
The .qml files are committed, so users never need to run this.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build" / "plugins"))


def main() -> int:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    try:
        from liangwei.liangwei_plugin.onemap.styles import STANDARD_STYLES, STYLES_DIR, template_layer

        for name in STANDARD_STYLES:
            layer = template_layer(name)
            message, ok = layer.saveNamedStyle(str(STYLES_DIR / name))
            if not ok:
                print(f"{name}: {message}", file=sys.stderr)
                return 1
            print(f"wrote {STYLES_DIR / name}")
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
