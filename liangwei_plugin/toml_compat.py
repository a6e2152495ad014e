"""``tomllib`` for every Python QGIS ships with: the standard library's (3.11+), else the ``tomli`` backport.

Import it as ``from .toml_compat import tomllib`` (relative to the module's depth in the package).
"""
from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11 only
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["tomllib"]
