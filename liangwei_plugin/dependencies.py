"""Python packages the plugin needs beyond QGIS, and how to tell the user what is missing.

QGIS installers ship shapely/geopandas in varying versions (Debian 12: shapely 1.8,
no geopandas), so the plugin checks at load time and names what to install instead
of failing later with an ImportError in the middle of a batch.
"""
from __future__ import annotations

import importlib

# module -> (minimum version, pip requirement)
REQUIRED = {
    "shapely": ("2.0", "shapely>=2.0"),
    "geopandas": ("1.0", "geopandas>=1.0"),
    "pandas": ("1.4", "pandas>=1.4"),
    "pyproj": ("3.3", "pyproj>=3.3"),
    "reportlab": ("3.6", "reportlab>=3.6"),
    "pypdf": ("3.0", "pypdf>=3.0"),
    "openpyxl": ("3.0", "openpyxl>=3.0"),
}


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def missing_dependencies() -> list[str]:
    """pip requirements that are absent or too old in this Python."""
    missing = []
    for module_name, (minimum, requirement) in REQUIRED.items():
        try:
            module = importlib.import_module(module_name)
        except Exception:
            missing.append(requirement)
            continue
        version = getattr(module, "__version__", "0")
        if _version_tuple(version) < _version_tuple(minimum):
            missing.append(requirement)
    return missing
