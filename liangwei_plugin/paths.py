"""Locations of the plugin's shipped data files (styles, rules, code tables, templates)."""
from __future__ import annotations

from pathlib import Path

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = PLUGIN_ROOT / "resources"
ICONS = RESOURCES / "icons"


def resource(*parts: str) -> Path:
    """Path of a file under ``resources/``."""
    return RESOURCES.joinpath(*parts)


def icon_path(name: str = "liangwei.svg") -> str:
    return str(ICONS / name)
